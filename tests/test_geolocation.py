from datetime import datetime, timedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import TabletLoanCase


@tagged("post_install", "-at_install")
class TestGeolocationRequest(TabletLoanCase):
    """R10: geolocation only for a lost or stolen tablet or on the authorities' request;
    asked by a référent, authorised by the head, carried out by the Département, logged."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lost, cls.in_stock = cls._tablets(cls.college_alpha, 2)
        # R10: a lost tablet is one whose loss the collège validated.
        cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.teacher_alpha)
        loan = cls._loan(cls.pupil_alpha, cls.lost)
        loan.action_activate()
        now = datetime.now().replace(microsecond=0)
        cls.loss = cls.env["tablet.incident"].create({
            "incident_type": "loss", "loan_id": loan.id,
            "event_datetime": now - timedelta(hours=5), "declaration_datetime": now})
        cls.loss.action_validate()
        assert cls.lost.tablet_state == "lost"

    def _draft(self, tablet, reason, justification="Perdue lors d'une sortie scolaire.", **values):
        form = Form(self.env["tablet.geolocation.request"].with_user(self.referent_alpha))
        form.equipment_id = tablet
        form.reason = reason
        form.justification = justification
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    def test_full_path_by_the_right_roles(self):
        request = self._draft(self.lost, "lost")
        self.assertEqual(request.incident_id, self.loss, "the incident that justifies it (R10)")
        self._commit_tracking()  # each step is a request of its own in real use
        request.action_request()
        self._commit_tracking()
        self.assertEqual(request.requested_by_id, self.referent_alpha)
        with self.assertRaises(AccessError):
            request.action_authorise()  # the référent does not authorise their own request
        request.with_user(self.head_alpha).action_authorise()
        self._commit_tracking()
        with self.assertRaises(AccessError):
            request.with_user(self.head_alpha).action_carry_out()
        officer_request = request.with_user(self.officer_a)
        with self.assertRaises(UserError):
            officer_request.action_carry_out()  # no result recorded
        officer_request.result = "Dernière position : collège, salle 12."
        officer_request.action_carry_out()
        self._commit_tracking()
        officer_request.action_close()
        self.assertEqual(request.state, "closed")
        self.assertTrue(request.closed_date)
        self.assertEqual((request.authorised_by_id, request.done_by_id), (self.head_alpha, self.officer_a))
        self._commit_tracking()
        states = self.env["tablet.geolocation.request"].browse(request.id).message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "state")
        self.assertGreaterEqual(len(states), 4, "every step is logged")

    def test_refused_grounds_change_nothing(self):
        with self.assertRaises(ValidationError):
            self._draft(self.in_stock, "stolen")
        with self.assertRaises(ValidationError):
            self._draft(self.lost, "lost", justification="   ")
        with self.assertRaises(ValidationError):  # no reference of the authorities' request
            self.env["tablet.geolocation.request"].with_user(self.referent_alpha).create({
                "equipment_id": self.in_stock.id, "reason": "authorities", "justification": "Réquisition"})
        self.assertFalse(self.env["tablet.geolocation.request"].search_count([]))
        request = self._draft(self.in_stock, "authorities", authority_reference="PV 2026/123")
        request.action_request()
        with self.assertRaises(UserError):
            request.write({"justification": "Autre motif"})

    def test_no_other_role_sees_them(self):
        request = self._draft(self.lost, "lost")
        for user in (self.academy_user, self.accountant_alpha, self.supplier_user, self.manager_b):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                request.with_user(user).read(["reason"])
