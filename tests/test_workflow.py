from datetime import date, datetime, timedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import TabletLoanCase, decide_for_charge


@tagged("post_install", "-at_install")
class TestStatusByActionsOnly(TabletLoanCase):
    """Role escalation through a direct write of the status (RPC, import) is refused:
    the Académie validates lists (R3), the parties sign (R5), data is erased (R16)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.convention, cls.user_list = cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.teacher_alpha)
        cls.loan = cls._loan(cls.pupil_alpha, cls._tablets(cls.college_alpha, 1))
        cls.loan.action_activate()

    def test_head_cannot_validate_their_own_list(self):
        user_list = self.env["tablet.user.list"].with_user(self.head_alpha).create({
            "college_id": self.college_alpha.id, "school_year": "2027-2028",
            "line_ids": [Command.create({"partner_id": self.pupil_alpha.id})]})
        with self.assertRaises(AccessError):
            user_list.write({"state": "validated"})
        with self.assertRaises(AccessError):
            self.env["tablet.user.list"].with_user(self.head_alpha).create({
                "college_id": self.college_alpha.id, "school_year": "2028-2029", "state": "validated"})
        self.assertEqual(user_list.state, "draft")
        user_list.action_submit()  # the buttons still work
        self.assertEqual(user_list.state, "submitted")

    def test_no_signature_or_erasure_skipped(self):
        draft = self._convention(self.college_beta, signed=date(2026, 3, 1))
        with self.assertRaises(AccessError):
            draft.with_user(self.manager_a).write({"state": "signed"})
        with self.assertRaises(AccessError):
            self.loan.with_user(self.referent_alpha).write({"state": "closed"})
        self.assertEqual((draft.state, self.loan.state), ("draft", "active"))

    def test_accountant_cannot_mark_a_charge_paid(self):
        now = datetime.now().replace(microsecond=0)
        incident = self.env["tablet.incident"].create({
            "incident_type": "breakage", "loan_id": self.loan.id,
            "event_datetime": now - timedelta(hours=2), "declaration_datetime": now})
        incident.action_validate()
        decide_for_charge(incident)
        charge = self.env["tablet.charge"].create({"incident_id": incident.id, "case": "breakage",
                                                   "tariff_line_id": incident.tariff_line_id.id,
                                                   "payer_id": self.rep_alpha.id, "amount": 30.0})
        with self.assertRaises(AccessError):
            charge.with_user(self.accountant_alpha).write({"state": "paid"})
        self.assertEqual(charge.state, "draft")
