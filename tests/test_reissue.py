import logging
from datetime import date, datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, tagged

from ..models.tablet_workflow_mixin import as_action
from . import test_charge
from .common import TabletLoanCase, decide_for_charge, execute_kw

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestReissue(TabletLoanCase):
    """Issue 14, re-issue: no new tablet for a pupil while a charge of their family is overdue
    (invoice posted, not paid, past its due date), unless the head decides otherwise with a
    reason kept on the loan and in its chatter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls._college_sales_journal()
        # The sibling shares the legal representative who pays the charge (payer side of the family).
        cls.sibling = Partner.create({
            "name": "Alpha Cadet", "school_role": "pupil", "college_id": cls.college_alpha.id,
            "grade_level": "5e", "school_class": "5e K", "legal_representative_ids": [Command.set(cls.rep_alpha.ids)]})
        cls.classmates = Partner.create([{
            "name": f"Élève K{i}", "school_role": "pupil", "college_id": cls.college_alpha.id,
            "grade_level": "5e", "school_class": "5e K"} for i in range(2)])
        cls.other_pupil = cls.classmates[0]
        cls.class_10 = Partner.create([{
            "name": f"Élève Q{i:03d}", "school_role": "pupil", "college_id": cls.college_alpha.id,
            "grade_level": "5e", "school_class": "5e Q"} for i in range(9)])
        cls.class_40 = Partner.create([{
            "name": f"Élève R{i:03d}", "school_role": "pupil", "college_id": cls.college_alpha.id,
            "grade_level": "5e", "school_class": "5e R"} for i in range(39)])
        # One pupil of each of these classes belongs to the family with the overdue charge.
        cls.blocked_q, cls.blocked_r = Partner.create([{
            "name": f"Alpha {c}", "school_role": "pupil", "college_id": cls.college_alpha.id, "grade_level": "5e",
            "school_class": c, "legal_representative_ids": [Command.set(cls.rep_alpha.ids)]} for c in ("5e Q", "5e R")])
        everyone = (cls.pupil_alpha | cls.sibling | cls.classmates | cls.class_10 | cls.class_40
                    | cls.blocked_q | cls.blocked_r)
        cls._deployable(cls.college_alpha, everyone)
        cls.tablets = cls._tablets(cls.college_alpha, 70)
        cls.tariff = test_charge.TestCharge._tariff.__func__(cls)
        # The first loan of the family: broken, charged, invoiced, then returned and closed.
        cls.first_loan = cls._loan(cls.pupil_alpha, cls.tablets[-1])
        cls.first_loan.action_activate()
        incident = cls.env["tablet.incident"].create({
            "incident_type": "breakage", "loan_id": cls.first_loan.id,
            "event_datetime": datetime.now().replace(microsecond=0) - timedelta(hours=3)})
        decide_for_charge(incident)  # the head's decision the charge stands on (R23, R24b)
        charge = cls.env["tablet.charge"].with_user(cls.head_alpha)._create_from_incident(
            incident.with_user(cls.head_alpha), "breakage").with_user(cls.accountant_alpha)
        charge.action_confirm()
        charge.action_create_invoice()
        cls.charge = charge.with_user(cls.env.user)
        as_action(cls.first_loan)._register_return(fields.Date.today(), "good", fields.Date.today(), [])
        cls.reference = "CHG-%05d" % cls.charge.id

    def _make_overdue(self, days=40):
        """The invoice falls due `days` ago (issued the same day, it is not overdue yet)."""
        self.env.flush_all()
        self.env.cr.execute("UPDATE account_move SET invoice_date_due = %s WHERE id = %s",
                            [fields.Date.today() - timedelta(days=days), self.charge.invoice_id.id])
        self.env.invalidate_all()
        # The charge's follow-up due date (issue 14, stored) follows the invoice's.
        self.charge.invoice_id.modified(["invoice_date_due"])
        self.env.flush_all()

    def _pay(self):
        invoice = self.charge.invoice_id
        self.env["account.payment.register"].with_user(self.accountant_alpha).with_context(
            active_model="account.move", active_ids=invoice.ids).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def _new_loan(self, borrower, tablet, user=None):
        return self.env["tablet.loan"].with_user(user or self.referent_alpha).create({
            "borrower_id": borrower.id, "equipment_id": tablet.id, "college_id": self.college_alpha.id,
            "school_year": "2026-2027", "date_start": date(2026, 9, 1)})

    def _override(self, borrower, tablet, user, reason="Classe numérique : le cours repose sur la tablette."):
        form = Form(self.env["tablet.reissue.override.wizard"].with_user(user))
        form.college_id = self.college_alpha
        form.school_year = "2026-2027"
        form.borrower_id = borrower
        form.equipment_id = tablet
        form.date_start = date(2026, 9, 1)
        form.reason = reason
        return form.save()

    def _loans_of(self, borrower):
        return self.env["tablet.loan"].search([("borrower_id", "in", borrower.ids), ("state", "in", ("draft", "active"))])

    def test_blocked_while_overdue_then_allowed_once_paid(self):
        """An invoice issued today is not overdue: the family is not blocked yet. Past its due
        date, neither the pupil (borrower of the charge) nor a sibling (whose representative pays
        it) gets a new tablet, the message naming the charge; an unrelated pupil does. Once
        paid, the family is lent tablets again."""
        self.assertEqual(self.charge.state, "invoiced")
        draft = self._new_loan(self.sibling, self.tablets[0])  # not overdue yet
        self._make_overdue()
        for borrower, tablet in ((self.pupil_alpha, self.tablets[1]), (self.sibling, self.tablets[2])):
            with self.assertRaises(UserError) as err:
                if borrower == self.sibling:
                    draft.with_user(self.referent_alpha).action_activate()
                else:
                    self._new_loan(borrower, tablet)
            self.assertIn(self.reference, str(err.exception))
            self.assertIn(borrower.name, str(err.exception))
        self.assertEqual(draft.state, "draft", "the hand-over refused, nothing changed")
        self.assertFalse(self._loans_of(self.pupil_alpha))
        self.assertTrue(self._new_loan(self.other_pupil, self.tablets[3]), "another family is not concerned")
        self._pay()
        self.assertEqual(self.charge.state, "paid")
        self.assertTrue(self._new_loan(self.pupil_alpha, self.tablets[1]))
        draft.with_user(self.referent_alpha).action_activate()
        self.assertEqual(draft.state, "active")

    def test_head_overrides_with_a_reason(self):
        """The head lends the tablet anyway, with a reason kept on the loan and in its chatter;
        the référent then hands it over as usual."""
        self._make_overdue()
        wizard = self._override(self.sibling, self.tablets[0], self.head_alpha)
        self.assertIn(self.reference, wizard.blocking_reason)
        self.assertEqual(wizard.history_charge_ids, self.charge, "the head sees the family's charge")
        action = wizard.action_confirm()
        loan = self.env["tablet.loan"].search(action["domain"])
        self.assertEqual(loan.borrower_id, self.sibling)
        self.assertEqual(loan.reissue_override_reason, "Classe numérique : le cours repose sur la tablette.")
        self.assertIn("Classe numérique", loan.message_ids[0].body)
        self.assertIn(self.head_alpha.name, loan.message_ids[0].body)
        loan.with_user(self.referent_alpha).action_activate()
        self.assertEqual(loan.state, "active")

    def test_override_does_not_follow_a_new_borrower(self):
        """A draft lent by the head's decision to one pupil cannot be moved to another pupil of
        a family with an overdue charge: the decision was for the first one."""
        self._make_overdue()
        action = self._override(self.sibling, self.tablets[0], self.head_alpha).action_confirm()
        draft = self.env["tablet.loan"].search(action["domain"])
        self.assertTrue(draft.reissue_override_reason)
        with self.assertRaises(UserError) as err:
            draft.with_user(self.referent_alpha).write({"borrower_id": self.blocked_q.id})
        self.assertIn(self.reference, str(err.exception))
        self.assertEqual(draft.borrower_id, self.sibling)

    def test_history_under_the_users_rights(self):
        """The loan form shows the borrower's other loans and incidents and the family's
        charges, each to the roles that may read them: the référent reads no charge."""
        loan = self._new_loan(self.pupil_alpha, self.tablets[0])
        as_head = loan.with_user(self.head_alpha)
        self.assertEqual(as_head.history_loan_ids, self.first_loan)
        self.assertEqual(as_head.history_incident_ids, self.charge.incident_id)
        self.assertEqual(as_head.history_charge_ids, self.charge)
        as_referent = loan.with_user(self.referent_alpha)
        self.assertEqual(as_referent.history_loan_ids, self.first_loan)
        self.assertEqual(as_referent.history_incident_ids, self.charge.incident_id)
        self.assertFalse(as_referent.history_charge_ids)
        sibling_loan = self._new_loan(self.sibling, self.tablets[1]).with_user(self.head_alpha)
        self.assertEqual(sibling_loan.history_charge_ids, self.charge, "paid by the sibling's representative")
        self.assertFalse(sibling_loan.history_incident_ids)
        # Where the head decides a replacement: the incident shows the same history.
        incident = self.charge.incident_id
        self.assertEqual(incident.with_user(self.head_alpha).history_loan_ids, self.first_loan | loan)
        self.assertEqual(incident.with_user(self.head_alpha).history_charge_ids, self.charge)
        self.assertFalse(incident.with_user(self.head_alpha).history_incident_ids, "not the incident itself")
        self.assertFalse(incident.with_user(self.referent_alpha).history_charge_ids)

    def test_override_on_a_prepared_draft(self):
        """A draft prepared before the charge fell overdue is refused at the hand-over; the
        head's decision goes on that draft, which the référent then hands over."""
        draft = self._new_loan(self.sibling, self.tablets[0])
        self._make_overdue()
        with self.assertRaises(UserError):
            draft.with_user(self.referent_alpha).action_activate()
        form = Form(self.env["tablet.reissue.override.wizard"].with_user(self.head_alpha))
        form.college_id = self.college_alpha
        form.school_year = "2026-2027"
        form.borrower_id = self.sibling
        form.reason = "Projet d'accompagnement personnalisé."
        wizard = form.save()
        self.assertEqual(wizard.loan_id, draft)
        wizard.action_confirm()
        self.assertEqual(draft.reissue_override_reason, "Projet d'accompagnement personnalisé.")
        self.assertIn("Projet d'accompagnement", draft.message_ids[0].body)
        draft.with_user(self.referent_alpha).action_activate()
        self.assertEqual(draft.state, "active")

    def test_override_refused_to_the_referent(self):
        """Only the head overrides: the référent opens no override wizard and cannot write the
        override on a loan, nor create a loan carrying one (AccessError, nothing made)."""
        self._make_overdue()
        with self.assertRaises(AccessError):
            self._override(self.sibling, self.tablets[0], self.referent_alpha)
        with self.assertRaises(AccessError):
            self.env["tablet.loan"].with_user(self.referent_alpha).create({
                "borrower_id": self.sibling.id, "equipment_id": self.tablets[0].id,
                "college_id": self.college_alpha.id, "school_year": "2026-2027",
                "reissue_override_reason": "Je passe outre."})
        loan = self._new_loan(self.other_pupil, self.tablets[1])
        with self.assertRaises(AccessError):
            loan.with_user(self.referent_alpha).write({"reissue_override_reason": "Je passe outre."})
        self.assertFalse(loan.reissue_override_reason)
        self.assertFalse(self._loans_of(self.sibling))

    def test_deployment_skips_the_blocked_pupil(self):
        """A class of three, one of them of the family with the overdue charge: the wizard lists
        that pupil and why before anything is done; the deployment equips the two others and
        its summary names the pupil left out. The head may then lend them a tablet with a reason."""
        self._make_overdue()
        form = Form(self.env["tablet.deployment.wizard"].with_user(self.referent_alpha))
        form.college_id = self.college_alpha
        form.school_year = "2026-2027"
        form.school_class = "5e K"
        form.date_start = date(2026, 9, 1)
        wizard = form.save()
        self.assertEqual(wizard.blocked_ids, self.sibling)
        self.assertEqual(wizard.borrower_ids, self.classmates)
        self.assertEqual(wizard.borrower_count, 2)
        self.assertIn(self.sibling.name, wizard.blocked_summary)
        self.assertIn(self.reference, wizard.blocked_summary)
        loans = self.env["tablet.loan"].search(wizard.action_deploy()["domain"])
        self.assertEqual(loans.borrower_id, self.classmates)
        self.assertFalse(self._loans_of(self.sibling))
        user_list = self.env["tablet.user.list"].search([("college_id", "=", self.college_alpha.id)], limit=1)
        self.assertIn(self.sibling.name, user_list.message_ids[0].body)

    def test_deployment_of_blocked_pupils_only(self):
        """Nobody left once the blocked family is left out: a clear error, nothing made."""
        self._make_overdue()
        wizard = self.env["tablet.deployment.wizard"].with_user(self.referent_alpha).create({
            "college_id": self.college_alpha.id, "school_year": "2026-2027", "source": "class",
            "school_class": "5e K", "date_start": date(2026, 9, 1)})
        self._new_loan(self.classmates[0], self.tablets[0])
        self._new_loan(self.classmates[1], self.tablets[1])
        with self.assertRaises(UserError) as err:
            wizard.action_deploy()
        self.assertIn(self.sibling.name, str(err.exception))
        self.assertFalse(self._loans_of(self.sibling))

    def _queries_to_deploy(self, school_class):
        wizard = Form(self.env["tablet.deployment.wizard"].with_user(self.referent_alpha))
        wizard.college_id = self.college_alpha
        wizard.school_year = "2026-2027"
        wizard.school_class = school_class
        wizard.date_start = date(2026, 9, 1)
        wizard = wizard.save()
        self.assertEqual(len(wizard.blocked_ids), 1)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        wizard.action_deploy()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_block_costs_constant_queries(self):
        """The block is one query for the whole selection: deploying a class of 10 or of 40,
        one blocked pupil in each, costs the same number of queries."""
        self._make_overdue()
        self._queries_to_deploy("5e K")  # fills Odoo's caches
        queries_10 = self._queries_to_deploy("5e Q")
        queries_40 = self._queries_to_deploy("5e R")
        self.assertFalse(self._loans_of(self.blocked_q | self.blocked_r))
        self.assertEqual(len(self.env["tablet.loan"].search([("school_class", "in", ("5e Q", "5e R"))])), 48)
        _logger.info("Deployment with a blocked family: %s queries for 10 pupils, %s for 40", queries_10, queries_40)
        self.assertEqual(queries_10, queries_40)


@tagged("post_install", "-at_install")
class TestReissueRpc(HttpCase):
    """Issue 14: the override is the head's, over JSON-RPC too (demo référent refused)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env.ref("tablet_loan.user_referent", raise_if_not_found=False):
            cls.skipTest(cls, "the demo users are needed (database without demo data)")
        cls.referent = cls.env.ref("tablet_loan.user_referent")
        cls.lac_bleu = cls.env.ref("tablet_loan.demo_college_lac_bleu")
        cls.loan = cls.env["tablet.loan"].search([("college_id", "=", cls.lac_bleu.id), ("state", "=", "active"),
                                                  ("borrower_role", "=", "pupil")], limit=1)

    def test_referent_cannot_override(self):
        """The demo référent neither opens the override wizard nor writes the override on a loan."""
        self.assertTrue(self.loan)
        messages = len(self.loan.message_ids)
        name, message = execute_kw(self, self.referent, "tablet.reissue.override.wizard", "create", [{
            "college_id": self.lac_bleu.id, "borrower_id": self.loan.borrower_id.id,
            "equipment_id": self.loan.equipment_id.id, "reason": "Je passe outre."}])
        self.assertEqual(name, "odoo.exceptions.AccessError", message)
        name, message = execute_kw(self, self.referent, "tablet.loan", "write", [
            self.loan.ids, {"reissue_override_reason": "Je passe outre."}])
        self.assertEqual(name, "odoo.exceptions.AccessError", message)
        self.loan.invalidate_recordset()
        self.assertFalse(self.loan.reissue_override_reason)
        self.assertEqual(len(self.loan.message_ids), messages)
