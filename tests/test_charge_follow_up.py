"""Issue 14, item 4: follow-up of unpaid charges (reminders on the collège's schedule, recorded in
OCA account_invoice_overdue_reminder), the head's waiver (remise gracieuse) and instalment plan.

Refusals are asserted on what does not depend on the language (the charge's reference, the
amounts, the error class): the French wording of the new terms comes with i18n_extra/i14-followup.po.
"""
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged

from . import test_charge
from .common import TabletLoanCase, decide_for_charge, execute_kw

ACTIVITY = "tablet_loan.mail_activity_charge_reminder"


class FollowUpCase(TabletLoanCase):
    """Collège Alpha with its sales journal and tariff; families whose charges are invoiced
    by the accountant on demand."""

    FAMILIES = 21

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls._college_sales_journal()
        reps = Partner.create([{"name": f"Parent F{i:02d}", "school_role": "legal_representative",
                                "company_id": cls.dept_a.id} for i in range(cls.FAMILIES)])
        cls.pupils = Partner.create([{
            "name": f"Élève F{i:02d}", "school_role": "pupil", "college_id": cls.college_alpha.id,
            "grade_level": "5e", "school_class": "5e F", "legal_representative_ids": [Command.set(rep.ids)],
        } for i, rep in enumerate(reps)])
        cls._deployable(cls.college_alpha, cls.pupils | cls.pupil_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, cls.FAMILIES + 5)
        cls.tariff = test_charge.TestCharge._tariff.__func__(cls)
        cls.loans = cls.env["tablet.loan"].create([{
            "borrower_id": pupil.id, "equipment_id": tablet.id, "college_id": cls.college_alpha.id,
            "school_year": "2026-2027", "date_start": date(2026, 9, 1)}
            for pupil, tablet in zip(cls.pupils, cls.tablets, strict=False)])
        cls.loans.action_activate()
        cls.incidents = cls.env["tablet.incident"].create([{
            "incident_type": "breakage", "loan_id": loan.id,
            "event_datetime": datetime.now().replace(microsecond=0) - timedelta(hours=3)} for loan in cls.loans])
        decide_for_charge(cls.incidents)

    def setUp(self):
        super().setUp()
        self.used = 0

    def _invoiced(self, count=1):
        """`count` charges of as many families, confirmed and invoiced by the accountant today."""
        incidents = self.incidents[self.used:self.used + count]
        self.used += count
        Charge = self.env["tablet.charge"]
        charges = Charge.concat(*[Charge._create_from_incident(incident, "breakage") for incident in incidents])
        charges.action_confirm()
        charges.with_user(self.accountant_alpha).action_create_invoice()
        return charges

    def _pay(self, charge, amount=None):
        invoice = charge.invoice_id
        vals = {"amount": amount} if amount else {}
        self.env["account.payment.register"].with_user(self.accountant_alpha).with_context(
            active_model="account.move", active_ids=invoice.ids).create(vals)._create_payments()

    def _activities(self, charges):
        return self.env["mail.activity"].search([
            ("res_model", "=", "tablet.charge"), ("res_id", "in", charges.ids),
            ("activity_type_id", "=", self.env.ref(ACTIVITY).id)])

    def _waive(self, charge, user, amount=None, reason="Famille en grande difficulté (assistante sociale)."):
        form = Form(self.env["tablet.charge.waiver.wizard"].with_user(user).with_context(active_id=charge.id))
        if amount is not None:
            form.full = False
            form.amount = amount
        form.reason = reason
        return form.save().action_confirm()

    def _plan(self, charge, user, count=3, first_date=None, reason="Revenus modestes : paiement en trois fois."):
        form = Form(self.env["tablet.charge.instalment.wizard"].with_user(user).with_context(active_id=charge.id))
        form.count = count
        form.first_date = first_date or fields.Date.today() + timedelta(days=10)
        form.reason = reason
        return form.save().action_confirm()


@tagged("post_install", "-at_install")
class TestChargeFollowUp(FollowUpCase):

    def test_reminders_to_formal_notice_then_payment(self):
        """charge → invoice → first reminder → second → formal notice → payment: each step on the
        collège's schedule (15 days by default), recorded in OCA's history with the counter, in the
        chatter, the accountant's activity done; paid, the follow-up stops."""
        charge = self._invoiced()
        invoice = charge.invoice_id
        due = invoice.invoice_date_due
        self.assertEqual(charge.follow_up_due_date, due)
        self.assertEqual(charge.reminder_level, "0")
        self.assertEqual(charge.reminder_next_date, due + timedelta(days=15))
        accountant_charge = charge.with_user(self.accountant_alpha)
        with self.assertRaises(UserError) as err:
            accountant_charge.action_send_reminder()
        self.assertIn(charge.display_name, str(err.exception))
        self.assertFalse(invoice.overdue_reminder_ids, "refused, nothing recorded")
        step = due + timedelta(days=15)
        for level, sender, delay in ((1, self.accountant_alpha, 15), (2, self.officer_a, 15), (3, self.accountant_alpha, None)):
            with freeze_time(step):
                self.env["tablet.charge"]._cron_follow_up_unpaid()
                activity = self._activities(charge)
                self.assertEqual(len(activity), 1)
                self.assertEqual(activity.user_id, self.accountant_alpha)
                self.assertEqual(activity.date_deadline, step)
                self.env["tablet.charge"]._cron_follow_up_unpaid()
                self.assertEqual(self._activities(charge), activity, "never two activities for one step")
                messages = len(charge.message_ids)
                charge.with_user(sender).action_send_reminder()
                self.assertEqual(charge.reminder_level, str(level))
                self.assertEqual(charge.reminder_last_date, step)
                self.assertEqual(invoice.overdue_reminder_counter, level)
                history = invoice.overdue_reminder_ids.filtered(lambda r: r.counter == level)
                self.assertEqual(history.action_id.reminder_type, "post")
                self.assertEqual(history.action_id.partner_id, charge.payer_id)
                self.assertEqual(history.action_id.user_id, sender)
                new = charge.message_ids[:len(charge.message_ids) - messages]
                self.assertTrue(any(charge.payer_id.name in (m.body or "") for m in new), "the reminder in the chatter")
                # The letter of the step, from the notice's template, kept with the message.
                letter = new.attachment_ids
                prefix = {1: "Premier rappel", 2: "Second rappel", 3: "Mise en demeure"}[level]
                self.assertEqual(letter.mapped("name"), ["%s - CHG-%05d.pdf" % (prefix, charge.id)])
                self.assertFalse(self._activities(charge), "the step's activity is done")
                with self.assertRaises(UserError):
                    charge.with_user(self.accountant_alpha).action_send_reminder()
            if delay:
                self.assertEqual(charge.reminder_next_date, step + timedelta(days=delay))
                step = charge.reminder_next_date
        self.assertFalse(charge.reminder_next_date, "nothing after the formal notice")
        self.assertIn(charge, self.env["tablet.charge"].search([("reminder_level", "=", "3")]))
        groups = self.env["tablet.charge"]._read_group([("id", "=", charge.id)], ["reminder_level"], ["__count"])
        self.assertEqual(groups, [("3", 1)])
        with freeze_time(step + timedelta(days=1)):
            self._pay(charge)
            self.assertEqual(charge.state, "paid")
            self.assertFalse(charge.follow_up_due_date)
            self.assertFalse(charge.reminder_next_date)

    def test_payment_closes_the_open_activity(self):
        charge = self._invoiced()
        with freeze_time(charge.reminder_next_date):
            self.env["tablet.charge"]._cron_follow_up_unpaid()
            self.assertTrue(self._activities(charge))
            self._pay(charge)
            self.env["tablet.charge"]._cron_follow_up_unpaid()
            self.assertFalse(self._activities(charge), "a paid charge has no reminder to send")

    def test_schedule_per_college(self):
        """A collège with other delays: the steps follow its schedule; the head and the accountant
        set it for their collège, the référent and another collège's accountant cannot; 1 to 180."""
        self.college_alpha.with_user(self.head_alpha).tablet_reminder_first_days = 5
        self.college_alpha.with_user(self.accountant_alpha).write({"tablet_reminder_second_days": 20})
        self.college_alpha.with_user(self.manager_a).tablet_reminder_notice_days = 8
        charge = self._invoiced()
        due = charge.follow_up_due_date
        self.assertEqual(charge.reminder_next_date, due + timedelta(days=5))
        with freeze_time(due + timedelta(days=5)):
            charge.with_user(self.accountant_alpha).action_send_reminder()
        self.assertEqual(charge.reminder_next_date, due + timedelta(days=25))
        with freeze_time(due + timedelta(days=25)):
            charge.with_user(self.accountant_alpha).action_send_reminder()
        self.assertEqual(charge.reminder_next_date, due + timedelta(days=33))
        for user in (self.referent_alpha, self.academy_user):
            with self.assertRaises(AccessError):
                self.college_alpha.with_user(user).write({"tablet_reminder_first_days": 30})
        with self.assertRaises(AccessError):
            self.college_beta.with_user(self.accountant_alpha).write({"tablet_reminder_first_days": 30})
        self.assertEqual(self.college_alpha.tablet_reminder_first_days, 5)
        for days in (0, 181, -3):
            with self.assertRaises(ValidationError) as err:
                self.college_alpha.with_user(self.head_alpha).write({"tablet_reminder_first_days": days})
            self.assertIn(str(days), str(err.exception))

    def test_schedule_in_the_college_form(self):
        """The accountant sets the schedule of their collège in its form, with its payment
        settings (and nothing else of it); the référent cannot; out-of-range delays are refused."""
        form = Form(self.college_alpha.with_user(self.accountant_alpha))
        self.assertEqual(form.tablet_reminder_first_days, 15)
        form.tablet_reminder_first_days, form.tablet_reminder_second_days, form.tablet_reminder_notice_days = 10, 12, 14
        form.save()
        self.assertEqual((self.college_alpha.tablet_reminder_first_days, self.college_alpha.tablet_reminder_second_days,
                          self.college_alpha.tablet_reminder_notice_days), (10, 12, 14))
        with self.assertRaises(AccessError):
            self.college_alpha.with_user(self.accountant_alpha).write({"tablet_reminder_first_days": 11, "phone": "0102"})
        with self.assertRaises(AccessError):
            self.college_alpha.with_user(self.referent_alpha).write({"tablet_reminder_first_days": 11})
        with self.assertRaises(ValidationError):
            self.college_alpha.with_user(self.head_alpha).write({"tablet_reminder_first_days": 200})
        self.assertEqual(self.college_alpha.tablet_reminder_first_days, 10)

    def test_cron_is_idempotent(self):
        """One activity per due step for the collège's accountant (the head when it has none), with
        the level in the summary; a second run adds nothing."""
        charges = self._invoiced(3)
        Charge = self.env["tablet.charge"]
        with freeze_time(charges[0].reminder_next_date - timedelta(days=1)):
            Charge._cron_follow_up_unpaid()
            self.assertFalse(self._activities(charges), "not due yet")
        with freeze_time(charges[0].reminder_next_date):
            Charge._cron_follow_up_unpaid()
            activities = self._activities(charges)
            self.assertEqual(len(activities), 3)
            self.assertEqual(activities.user_id, self.accountant_alpha)
            self.assertEqual(set(activities.mapped("date_deadline")), {charges[0].reminder_next_date})
            Charge._cron_follow_up_unpaid()
            self.assertEqual(self._activities(charges), activities, "idempotent")
            # Without an accountant in the collège, the head follows the unpaid charges.
            self.accountant_alpha.tablet_college_ids = [Command.clear()]
            activities.unlink()
            Charge._cron_follow_up_unpaid()
            self.assertEqual(self._activities(charges).user_id, self.head_alpha)

    def _cron_queries(self):
        """Queries of one run of the daily job, undone afterwards; a first run, undone too,
        fills the caches that any run fills once (references, defaults)."""
        Charge = self.env["tablet.charge"]
        counts = []
        for _run in range(2):
            self.env.flush_all()
            self.env.invalidate_all()
            with self.env.cr.savepoint(flush=False) as savepoint:
                before = self.env.cr.sql_log_count
                Charge._cron_follow_up_unpaid()
                self.env.flush_all()
                counts.append(self.env.cr.sql_log_count - before)
                created = len(self._activities(Charge.search([])))
                savepoint.rollback()
        self.env.invalidate_all()
        return counts[-1], created

    def test_cron_queries_do_not_grow_with_the_charges(self):
        """As many queries for 21 due charges as for 1 (the job reads, then creates in batch)."""
        one = self._invoiced()
        with freeze_time(one.reminder_next_date):
            queries_1, created_1 = self._cron_queries()
        self._invoiced(20)
        with freeze_time(one.reminder_next_date):
            queries_21, created_21 = self._cron_queries()
        self.assertEqual(created_21 - created_1, 20, "one activity per due charge (the demo's own included)")
        self.assertEqual(queries_1, queries_21)

    def test_send_reminder_refusals(self):
        """Not due, paid, waived, under a plan, at the formal notice: refused, listed, nothing sent
        (not even for the charge that is due in the same batch)."""
        due, early, paid, waived, planned = self._invoiced(5)
        self._pay(paid)
        self._waive(waived, self.head_alpha)
        self._plan(planned, self.head_alpha)
        with freeze_time(due.reminder_next_date):
            for other in (early, paid, waived, planned):
                if other == early:
                    continue
                with self.assertRaises(UserError) as err:
                    (due | other).with_user(self.accountant_alpha).action_send_reminder()
                self.assertIn(other.display_name, str(err.exception))
                self.assertNotIn(due.display_name, str(err.exception))
            self.assertFalse(due.invoice_id.overdue_reminder_ids, "nothing half-done")
        with freeze_time(due.reminder_next_date - timedelta(days=1)):
            with self.assertRaises(UserError) as err:
                early.with_user(self.accountant_alpha).action_send_reminder()
            self.assertIn(early.display_name, str(err.exception))
        with self.assertRaises(AccessError):
            due.with_user(self.head_alpha).action_send_reminder()

    def test_full_waiver(self):
        """The head waives the whole amount: a posted credit note of that amount reversing the
        invoice, reconciled; the charge is waived (the payment compute leaves it), reminders closed,
        the reason in the chatter."""
        charge = self._invoiced()
        with freeze_time(charge.reminder_next_date):
            self.env["tablet.charge"]._cron_follow_up_unpaid()
            self.assertTrue(self._activities(charge))
            self._waive(charge, self.head_alpha)
        note = charge.waiver_credit_note_ids
        self.assertEqual(len(note), 1)
        self.assertEqual((note.move_type, note.state, note.reversed_entry_id), ("out_refund", "posted", charge.invoice_id))
        self.assertAlmostEqual(note.amount_total, charge.amount)
        self.assertEqual(charge.invoice_id.amount_residual, 0.0)
        self.assertEqual(charge.state, "waived")
        self.assertAlmostEqual(charge.waived_amount, charge.amount)
        self.assertTrue(charge.invoice_id.no_overdue_reminder)
        self.assertFalse(self._activities(charge))
        self.assertFalse(charge.follow_up_due_date)
        self.assertIn("assistante sociale", charge.message_ids[0].body)
        self.assertEqual(charge.message_ids[0].author_id, self.head_alpha.partner_id)
        charge.invalidate_recordset()
        charge.invoice_id.modified(["payment_state"])
        self.env.flush_all()
        self.assertEqual(charge.state, "waived", "the payment compute does not overwrite the waiver")
        with self.assertRaises(UserError):
            charge.with_user(self.accountant_alpha).action_cancel()
        self.assertEqual(charge.state, "waived")

    def test_partial_waiver(self):
        charge = self._invoiced()
        amount = charge.amount
        with freeze_time(charge.reminder_next_date):
            self._waive(charge, self.head_alpha, amount=20.0)
            today = fields.Date.today()
        note = charge.waiver_credit_note_ids
        self.assertAlmostEqual(note.amount_total, 20.0)
        self.assertEqual(charge.state, "invoiced")
        self.assertAlmostEqual(charge.waived_amount, 20.0)
        self.assertAlmostEqual(charge.invoice_amount_residual, amount - 20.0)
        self.assertEqual(charge.rest_due_date, today + timedelta(days=30))
        self.assertEqual(charge.follow_up_due_date, today + timedelta(days=30))
        self.assertTrue(charge.invoice_id.no_overdue_reminder)
        self.assertIn("20", charge.message_ids[0].body)
        self._pay(charge)
        self.assertEqual(charge.state, "paid")

    def test_waiver_refused_to_anyone_but_the_head(self):
        """The accountant and the Département open the wizard but cannot grant; the référent cannot
        even open it; nothing changes."""
        charge = self._invoiced()
        for user in (self.accountant_alpha, self.officer_a, self.manager_a):
            with self.assertRaises(AccessError):
                self._waive(charge, user)
        with self.assertRaises(AccessError):
            self._waive(charge, self.referent_alpha)
        self.assertEqual(charge.state, "invoiced")
        self.assertFalse(charge.waiver_credit_note_ids)
        self.assertFalse(charge.waived_amount)

    def test_waiver_amount_must_be_above_zero_and_at_most_due(self):
        charge = self._invoiced()
        for amount in (0.0, -5.0, charge.amount + 0.01):
            with self.assertRaises(UserError) as err:
                self._waive(charge, self.head_alpha, amount=amount)
            self.assertIn("50", str(err.exception))
        with self.assertRaises(UserError):
            self._waive(charge, self.head_alpha, reason="   ")
        self.assertFalse(charge.waiver_credit_note_ids)
        self.assertEqual(charge.state, "invoiced")

    def test_instalment_plan(self):
        """Three instalments summing to the amount due, to the cent, monthly from the first date;
        reminders closed; a new plan replaces the old with a message."""
        charge = self._invoiced()
        first = fields.Date.today() + timedelta(days=10)
        self._plan(charge, self.head_alpha, count=3, first_date=first)
        plan = charge.instalment_ids
        self.assertEqual(plan.mapped("amount"), [16.67, 16.67, 16.66])
        self.assertEqual(plan.mapped("due_date"), [first + relativedelta(months=i) for i in range(3)])
        self.assertEqual(charge.follow_up_due_date, first)
        self.assertEqual(charge.reminder_next_date, first + timedelta(days=1))
        self.assertTrue(charge.invoice_id.no_overdue_reminder)
        self.assertIn("trois fois", charge.message_ids[0].body)
        self._plan(charge, self.head_alpha, count=2, first_date=first, reason="Nouveau plan en deux fois.")
        self.assertEqual(charge.instalment_ids.mapped("amount"), [25.0, 25.0])
        self.assertFalse(plan.exists(), "one plan per charge")
        # Paying the first instalment moves the follow-up to the second.
        self._pay(charge, amount=25.0)
        self.assertEqual(charge.instalment_ids.mapped("paid"), [True, False])
        self.assertEqual(charge.follow_up_due_date, first + relativedelta(months=1))

    def test_instalment_plan_refusals(self):
        charge = self._invoiced()
        for count, first_date, reason in ((1, None, "r"), (13, None, "r"),
                                          (3, fields.Date.today() - timedelta(days=1), "r"), (3, None, "  ")):
            with self.assertRaises(UserError):
                self._plan(charge, self.head_alpha, count=count, first_date=first_date, reason=reason)
        for user in (self.accountant_alpha, self.officer_a, self.manager_a):
            with self.assertRaises(AccessError):
                self._plan(charge, user)
        with self.assertRaises(AccessError):
            self._plan(charge, self.referent_alpha)
        with self.assertRaises(AccessError):
            self.env["tablet.charge.instalment"].with_user(self.head_alpha).create({
                "charge_id": charge.id, "sequence": 1, "due_date": fields.Date.today(), "amount": 1.0})
        self.assertFalse(charge.instalment_ids)

    def test_reissue_follows_the_follow_up_due_date(self):
        """Re-issue (item 5): a family that honours its plan, or whose charge is waived, is not
        blocked; a missed instalment blocks and calls the accountant."""
        honoured, waived = self._invoiced(2)
        Loan = self.env["tablet.loan"]
        with freeze_time(honoured.follow_up_due_date + timedelta(days=40)):
            self.assertIn(honoured.borrower_id.id, Loan._overdue_family_charges(honoured.borrower_id.ids))
            self._plan(honoured, self.head_alpha, count=2, first_date=fields.Date.today() + timedelta(days=5))
            self._waive(waived, self.head_alpha)
            self.assertFalse(Loan._overdue_family_charges((honoured | waived).borrower_id.ids))
            first = honoured.instalment_ids[0]
        with freeze_time(first.due_date + timedelta(days=1)):
            self.assertIn(honoured.borrower_id.id, Loan._overdue_family_charges(honoured.borrower_id.ids))
            self.env["tablet.charge"]._cron_follow_up_unpaid()
            activity = self._activities(honoured)
            self.assertEqual(len(activity), 1)
            self.assertIn(first.due_date.strftime("%d"), activity.summary)
            self.assertFalse(Loan._overdue_family_charges(waived.borrower_id.ids))
            self._pay(honoured, amount=first.amount)
            self.assertTrue(first.paid)
            self.assertFalse(Loan._overdue_family_charges(honoured.borrower_id.ids), "the plan is honoured again")

    def test_reminder_rules_for_the_college_accountant(self):
        """OCA's history is read by the collège's accountant for their collèges only."""
        charge = self._invoiced()
        with freeze_time(charge.reminder_next_date):
            charge.with_user(self.accountant_alpha).action_send_reminder()
        action = charge.invoice_id.overdue_reminder_ids.action_id
        Action = self.env["overdue.reminder.action"]
        self.assertEqual(Action.with_user(self.accountant_alpha).search([("id", "=", action.id)]), action)
        accountant_beta = self.env["res.users"].create({
            "name": "Comptable Beta", "login": "t_acc_beta_fu",
            "groups_id": [Command.set(self.env.ref("tablet_loan.group_college_accountant").ids)],
            "company_id": self.dept_a.id, "company_ids": [Command.set(self.dept_a.ids)],
            "tablet_college_ids": [Command.set(self.college_beta.ids)]})
        self.assertFalse(Action.with_user(accountant_beta).search([("id", "=", action.id)]))
        self.assertFalse(self.env["account.invoice.overdue.reminder"].with_user(accountant_beta).search(
            [("invoice_id", "=", charge.invoice_id.id)]))
        with self.assertRaises(AccessError):
            action.with_user(self.head_alpha).read(["date"])


@tagged("post_install", "-at_install")
class TestChargeFollowUpRpc(FollowUpCase, HttpCase):
    """The refusals over JSON-RPC, as an external client would send them."""

    FAMILIES = 2

    def test_waiver_and_plan_refused_over_rpc(self):
        charge = self._invoiced()
        for user in (self.accountant_alpha, self.officer_a):
            name, message = execute_kw(self, user, "tablet.charge.waiver.wizard", "create", [{
                "charge_id": charge.id, "full": True, "reason": "Remise par RPC."}])
            self.assertEqual(name, "ok", message)
            name, message = execute_kw(self, user, "tablet.charge.waiver.wizard", "action_confirm", [[message]])
            self.assertEqual(name, "odoo.exceptions.AccessError", message)
        name, message = execute_kw(self, self.referent_alpha, "tablet.charge.waiver.wizard", "create", [{
            "charge_id": charge.id, "full": True, "reason": "Remise par RPC."}])
        self.assertEqual(name, "odoo.exceptions.AccessError", message)
        name, message = execute_kw(self, self.accountant_alpha, "tablet.charge.instalment.wizard", "create", [{
            "charge_id": charge.id, "count": 3, "first_date": fields.Date.to_string(fields.Date.today()),
            "reason": "Plan par RPC."}])
        self.assertEqual(name, "ok", message)
        name, message = execute_kw(self, self.accountant_alpha, "tablet.charge.instalment.wizard", "action_confirm",
                                   [[message]])
        self.assertEqual(name, "odoo.exceptions.AccessError", message)
        for fname, value in (("waived_amount", 50.0), ("state", "waived"), ("reminder_level", "3")):
            name, message = execute_kw(self, self.head_alpha, "tablet.charge", "write", [charge.ids, {fname: value}])
            self.assertIn(name, ("odoo.exceptions.AccessError", "odoo.exceptions.UserError"), message)
        name, message = execute_kw(self, self.head_alpha, "tablet.charge", "action_send_reminder", [charge.ids])
        self.assertEqual(name, "odoo.exceptions.AccessError", message)
        charge.invalidate_recordset()
        self.assertEqual(charge.state, "invoiced")
        self.assertFalse(charge.waiver_credit_note_ids or charge.instalment_ids)

    def test_schedule_refused_over_rpc(self):
        name, message = execute_kw(self, self.referent_alpha, "res.partner", "write", [
            self.college_alpha.ids, {"tablet_reminder_first_days": 3}])
        self.assertEqual(name, "odoo.exceptions.AccessError", message)
        name, message = execute_kw(self, self.accountant_alpha, "res.partner", "write", [
            self.college_beta.ids, {"tablet_reminder_first_days": 3}])
        self.assertEqual(name, "odoo.exceptions.AccessError", message)
        name, message = execute_kw(self, self.accountant_alpha, "res.partner", "write", [
            self.college_alpha.ids, {"tablet_reminder_first_days": 181}])
        self.assertEqual(name, "odoo.exceptions.ValidationError", message)
        name, message = execute_kw(self, self.accountant_alpha, "res.partner", "write", [
            self.college_alpha.ids, {"tablet_reminder_first_days": 3, "name": "Collège renommé"}])
        self.assertEqual(name, "odoo.exceptions.AccessError", message)
        name, message = execute_kw(self, self.accountant_alpha, "res.partner", "write", [
            self.college_alpha.ids, {"tablet_reminder_first_days": 3}])
        self.assertEqual(name, "ok", message)
        self.college_alpha.invalidate_recordset()
        self.assertEqual(self.college_alpha.tablet_reminder_first_days, 3)
        self.assertEqual(self.college_alpha.name, "Collège Alpha")
