from datetime import date, datetime, timedelta

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import TabletLoanCase, decide_for_charge, sign_in_place


@tagged("post_install", "-at_install")
class TestAuditTrail(TabletLoanCase):
    """Issue 5, audit trail: what was signed, validated, confirmed or posted stays on
    record (cancelled or archived, never deleted), and every change is in the chatter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading("generic_coa", company=cls.dept_a, install_demo=False)
        sale = cls.env["account.journal"].search([("company_id", "=", cls.dept_a.id), ("type", "=", "sale")], limit=1)
        cls.college_alpha.tablet_journal_id = cls.env["account.journal"].create({
            "name": "Participations Alpha (audit)", "code": "AUDA", "type": "sale", "company_id": cls.dept_a.id,
            "default_account_id": sale.default_account_id.id})
        cls.convention, cls.user_list = cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.teacher_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 2)
        cls.tariff = cls.env["tablet.charge.tariff"].create({
            "college_id": cls.college_alpha.id, "school_year": "2026-2027", "ca_deliberation_date": date(2026, 6, 12),
            "ca_deliberation_ref": "CA n° 7",
            "line_ids": [Command.create({"case": "breakage", "amount_type": "fixed", "fixed_amount": 40.0,
                                         "cap_amount": 100.0})]})

    def _messages(self, record):
        self._commit_tracking()
        record.invalidate_recordset(["message_ids"])
        return record.sudo().message_ids  # tracking values are readable by administrators only

    def _tracked(self, record, field):
        return self._messages(record).tracking_value_ids.filtered(lambda t: t.field_id.name == field)

    def test_signed_things_are_never_deleted(self):
        loan = self._loan(self.pupil_alpha, self.tablets[0])
        sign_in_place(loan, self.referent_alpha)  # issue 17: signed on screen, at the desk
        with self.assertRaisesRegex(UserError, "signé"):
            loan.with_user(self.referent_alpha).unlink()
        with self.assertRaises(UserError):
            self.convention.with_user(self.manager_a).unlink()
        with self.assertRaises(UserError):
            self.user_list.with_user(self.manager_a).unlink()
        loan.action_activate()
        incident = self.env["tablet.incident"].create({
            "incident_type": "breakage", "loan_id": loan.id,
            "event_datetime": datetime.now().replace(microsecond=0) - timedelta(hours=2)})
        incident.action_validate()
        decide_for_charge(incident)
        charge = self.env["tablet.charge"].with_user(self.head_alpha)._create_from_incident(
            incident.with_user(self.head_alpha), "breakage")
        charge = charge.with_user(self.accountant_alpha)
        charge.action_confirm()
        with self.assertRaises(UserError):
            charge.with_user(self.head_alpha).unlink()
        charge.action_create_invoice()
        with self.assertRaises(UserError):
            charge.invoice_id.with_user(self.accountant_alpha).unlink()
        # Each of them is still there, with its status.
        self.assertEqual((loan.exists(), self.convention.state, self.user_list.state, charge.state,
                          charge.invoice_id.state), (loan, "signed", "validated", "invoiced", "posted"))

    def test_amounts_signatures_and_decisions_are_tracked(self):
        """Each step is its own request in real use: what a request creates is not tracked,
        what a later one changes is."""
        loan = self._loan(self.pupil_alpha, self.tablets[0])
        self._commit_tracking()
        loan.write({"signed_by_id": self.rep_alpha.id, "signed_date": date(2026, 9, 3)})
        self.assertTrue(self._tracked(loan, "signed_by_id"))
        self.assertTrue(self._tracked(loan, "signed_date"))
        loan.action_activate()
        self.assertTrue(self._tracked(loan, "state"))
        incident = self.env["tablet.incident"].with_user(self.referent_alpha).create({
            "incident_type": "breakage", "loan_id": loan.id,
            "event_datetime": datetime.now().replace(microsecond=0) - timedelta(hours=2)})
        self._commit_tracking()
        incident.action_validate()
        incident.with_user(self.head_alpha).write({"decision": "no_replacement"})
        self.assertTrue(self._tracked(incident, "decision"))
        charge = self.env["tablet.charge"]._create_from_incident(decide_for_charge(incident), "breakage")
        self._commit_tracking()
        charge.amount = 30.0
        self.assertTrue(self._tracked(charge, "amount"))
        convention = self._convention(self.college_beta, date_signed_college=False)
        self._commit_tracking()
        convention.write({"date_signed_college": date(2026, 1, 20)})
        convention.action_sign()
        self.assertTrue(self._tracked(convention, "date_signed_college"))
        self.assertTrue(self._tracked(convention, "state"))

    def test_tariff_changes_are_logged_on_the_tariff(self):
        """The CA's amounts live on lines without a chatter: each change is posted on the tariff."""
        line = self.tariff.line_ids
        before = len(self._messages(self.tariff))
        line.with_user(self.head_alpha).write({"fixed_amount": 45.0})
        self.tariff.with_user(self.head_alpha).write({"line_ids": [Command.create({
            "case": "loss", "amount_type": "percent", "percentage": 50.0, "cap_amount": 120.0})]})
        messages = self._messages(self.tariff)
        self.assertEqual(len(messages) - before, 2)
        bodies = " ".join(messages.mapped("body"))
        self.assertIn("40,00", bodies)
        self.assertIn("45,00", bodies)
        self.assertIn("50,00 % de la valeur résiduelle", bodies)
