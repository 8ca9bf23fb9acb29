import base64
from datetime import datetime, timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import TabletLoanCase


@tagged("post_install", "-at_install")
class TestIncident(TabletLoanCase):
    """R18, R19, R25: families declare incidents to the collège, the Département sees them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.teacher_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 3)
        cls.loan = cls._loan(cls.pupil_alpha, cls.tablets[0])
        cls.loan.action_activate()

    def _declare(self, incident_type, event, declared, user=None):
        form = Form(self.env["tablet.incident"].with_user(user or self.referent_alpha))
        form.incident_type = incident_type
        form.loan_id = self.loan
        form.event_datetime = event
        form.declaration_datetime = declared
        form.circumstances = "Chute dans la cour, écran fissuré."
        return form.save()

    def test_declaration_on_time_and_late(self):
        """R18: within 48 hours; a late declaration is recorded, not refused."""
        now = datetime.now().replace(microsecond=0)
        on_time = self._declare("breakage", now - timedelta(hours=47), now)
        self.assertFalse(on_time.late_declaration)
        self.assertEqual(on_time.equipment_id, self.tablets[0])
        self.assertEqual(on_time.college_id, self.college_alpha)
        on_time.action_validate()
        self.assertEqual(self.tablets[0].tablet_state, "repair")
        late = self._declare("failure", now - timedelta(hours=49), now)
        self.assertTrue(late.late_declaration)
        self.assertIn("48", late.message_ids[0].body)
        self.assertIn(late, self.env["tablet.incident"].search([("late_declaration", "=", True)]))

    def test_theft_needs_the_complaint(self):
        """R19: a theft is validated only with the police or gendarmerie complaint."""
        now = datetime.now().replace(microsecond=0)
        theft = self._declare("theft", now - timedelta(hours=5), now)
        self.assertTrue(theft.missing_complaint)
        reminder = self.env.ref("tablet_loan.mail_activity_incident_complaint")
        self.assertEqual(theft.activity_ids.activity_type_id, reminder)
        with self.assertRaises(UserError) as err:
            theft.action_validate()
        self.assertRegex(str(err.exception), "complaint|plainte")  # R19
        self.assertEqual(theft.state, "declared")
        self.assertEqual(self.tablets[0].tablet_state, "stolen", "stolen from the declaration on (issue 19)")
        complaint = self.env["ir.attachment"].create({
            "name": "plainte.pdf", "datas": base64.b64encode(b"%PDF-1.4 plainte"),
            "res_model": "tablet.incident", "res_id": theft.id})
        theft.with_user(self.referent_alpha).complaint_attachment_ids = complaint
        self.assertFalse(theft.missing_complaint)
        theft.with_user(self.referent_alpha).action_validate()
        self.assertEqual(self.tablets[0].tablet_state, "stolen")
        self.assertNotIn(reminder, theft.activity_ids.activity_type_id, "the complaint is in")
        self.assertEqual(theft.activity_ids.user_id, self.head_alpha, "the head decides on a replacement (R23)")

    def test_bad_dates_refused(self):
        now = datetime.now().replace(microsecond=0)
        with self.assertRaises(ValidationError):
            self._declare("loss", now - timedelta(hours=1), now - timedelta(hours=2))
        with self.assertRaises(ValidationError):
            self._declare("loss", now + timedelta(days=1), now + timedelta(days=2))
        self.assertFalse(self.env["tablet.incident"].search_count([("loan_id", "=", self.loan.id)]))

    def test_who_sees_what(self):
        """R25: the Département sees the collège's incidents, not the family's letter."""
        now = datetime.now().replace(microsecond=0)
        incident = self._declare("loss", now - timedelta(hours=3), now)
        incident.with_user(self.officer_a).read(["incident_type", "late_declaration", "equipment_id"])
        with self.assertRaises(AccessError):
            incident.with_user(self.officer_a).read(["circumstances"])
        with self.assertRaises(AccessError):
            incident.with_user(self.officer_a).write({"incident_type": "theft"})
        for user in (self.supplier_user, self.academy_user, self.manager_b, self.accountant_alpha):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                incident.with_user(user).read(["incident_type", "borrower_id"])
        self.assertEqual(incident.with_user(self.head_alpha).circumstances, "Chute dans la cour, écran fissuré.")

    def test_open_incident_rules_out_the_gift(self):
        """R17: the gift goes to pupils who managed the tablet responsibly."""
        now = datetime.now().replace(microsecond=0)
        self.pupil_alpha.grade_level = "3e"
        self._declare("breakage", now - timedelta(hours=3), now)
        refusals = self.loan._gift_refusals()
        self.assertIn(self.loan, refusals)
