import json
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import TabletLoanCase, decide_for_charge


@tagged("post_install", "-at_install")
class TestPrivacy(TabletLoanCase):
    """R29: personal data only as long as needed; right of access."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.teacher_alpha)
        cls.tablet = cls._tablets(cls.college_alpha, 1)
        cls.loan = cls._loan(cls.pupil_alpha, cls.tablet)
        cls.loan.action_activate()
        cls.pupil_alpha.email = "eleve.alpha@example.invalid"
        cls.rep_alpha.phone = "06 00 00 00 01"

    def _end_loan(self, months_ago):
        day = fields.Date.context_today(self.loan) - relativedelta(months=months_ago)
        self.loan._register_return(max(day, self.loan.date_start), "good", max(day, self.loan.date_start), set())

    def test_retention_anonymises_and_keeps_the_figures(self):
        now = datetime.now().replace(microsecond=0)
        incident = self.env["tablet.incident"].create({
            "incident_type": "loss", "loan_id": self.loan.id, "event_datetime": now - timedelta(hours=3),
            "declaration_datetime": now, "circumstances": "Oubliée dans le bus de la ligne 4."})
        incident.action_validate()
        self._end_loan(months_ago=0)
        self.env["res.partner"]._cron_tablet_anonymize()
        self.assertFalse(self.pupil_alpha.tablet_anonymized, "the loan ended less than a year ago")
        self.loan.date_return = date(2025, 1, 5)
        self.loan.date_start = date(2024, 9, 1)
        self.env["res.partner"]._cron_tablet_anonymize()
        for person in (self.pupil_alpha, self.rep_alpha):
            self.assertTrue(person.tablet_anonymized)
            self.assertFalse(person.active)
            self.assertNotIn("Alpha", person.name)
            self.assertFalse(person.email or person.phone)
        self.assertEqual(self.loan.borrower_id, self.pupil_alpha, "the loan stays counted")
        self.assertFalse(incident.circumstances)
        self.assertFalse(self.teacher_alpha.tablet_anonymized, "staff are not concerned")

    def test_retention_runs_in_committed_batches(self):
        """R29: a first run over years of history goes a batch at a time; the scheduler commits
        each batch and calls again while people remain, so that nothing is done twice."""
        self._end_loan(months_ago=0)
        self.loan.date_return = date(2025, 1, 5)
        self.loan.date_start = date(2024, 9, 1)
        self.env["ir.config_parameter"].set_param("tablet_loan.anonymize_batch_size", "1")
        cron = self.env.ref("tablet_loan.ir_cron_tablet_anonymize")
        runs = []
        for _run in range(3):
            progress = self.env["ir.cron.progress"].create({"cron_id": cron.id})
            self.env["res.partner"].with_context(ir_cron_progress_id=progress.id)._cron_tablet_anonymize()
            runs.append((progress.done, progress.remaining > 0))
        self.assertEqual(runs, [(1, True), (1, False), (0, False)], "the pupil, then the family, then nothing")
        self.assertTrue(self.pupil_alpha.tablet_anonymized)
        self.assertTrue(self.rep_alpha.tablet_anonymized)

    def test_open_charge_keeps_the_data(self):
        self._end_loan(months_ago=0)
        self.loan.date_return = date(2025, 1, 5)
        self.loan.date_start = date(2024, 9, 1)
        now = datetime.now().replace(microsecond=0)
        self.loan.state = "active"
        incident = self.env["tablet.incident"].create({
            "incident_type": "breakage", "loan_id": self.loan.id, "event_datetime": now - timedelta(hours=3),
            "declaration_datetime": now})
        self.loan.state = "closed"
        decide_for_charge(incident)
        self.env["tablet.charge"].create({"incident_id": incident.id, "case": "breakage",
                                          "tariff_line_id": incident.tariff_line_id.id,
                                          "payer_id": self.rep_alpha.id, "amount": 40.0})
        self.env["res.partner"]._cron_tablet_anonymize()
        self.assertFalse(self.pupil_alpha.tablet_anonymized)
        self.assertFalse(self.rep_alpha.tablet_anonymized)
        with self.assertRaises(UserError):
            self.rep_alpha.with_user(self.manager_a).action_tablet_anonymize()
        self.assertIn("Alpha", self.rep_alpha.name)

    def test_right_of_access_export(self):
        action = self.pupil_alpha.with_user(self.head_alpha).action_tablet_export_personal_data()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        data = json.loads(attachment.raw)
        self.assertEqual(data["person"]["name"], "Élève Alpha")
        self.assertEqual(len(data["loans"]), 1)
        self.assertEqual(data["user_lists"][0]["school_role"], "pupil")
        with self.assertRaises(AccessError):
            self.pupil_alpha.with_user(self.referent_alpha).action_tablet_export_personal_data()
        with self.assertRaises(AccessError):
            self.pupil_alpha.with_user(self.manager_b).action_tablet_export_personal_data()
        with self.assertRaises(AccessError):
            self.pupil_alpha.with_user(self.head_alpha).action_tablet_anonymize()
