from datetime import date, datetime, timedelta

from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import TabletLoanCase, decide_for_charge


@tagged("post_install", "-at_install")
class TestCharge(TabletLoanCase):
    """R21, R24b: the family pays what the conseil d'administration voted, invoiced by the collège."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.journal_alpha, _default_sale = cls._college_sales_journal()
        cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.teacher_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 2)
        cls.loan = cls._loan(cls.pupil_alpha, cls.tablets[0])
        cls.loan.action_activate()
        cls.incident = cls.env["tablet.incident"].create({
            "incident_type": "breakage", "loan_id": cls.loan.id,
            "event_datetime": datetime.now().replace(microsecond=0) - timedelta(hours=3),
        })
        cls.incident_day = fields.Date.to_date(cls.incident.event_datetime)
        cls.accountant_beta = new_test_user(
            cls.env, login="t_accountant_beta", groups="tablet_loan.group_college_accountant",
            company_id=cls.dept_a.id, company_ids=[Command.set(cls.dept_a.ids)],
            tablet_college_ids=[Command.set(cls.college_beta.ids)])
        cls.tariff = cls._tariff()
        decide_for_charge(cls.incident)

    @classmethod
    def _tariff(cls):
        """The tariff as the head of the collège records the CA's deliberation (R24b)."""
        form = Form(cls.env["tablet.charge.tariff"].with_user(cls.head_alpha))
        form.college_id = cls.college_alpha
        form.school_year = "2026-2027"
        form.ca_deliberation_date = date(2026, 6, 12)
        form.ca_deliberation_ref = "CA n° 4"
        for case, amount_type, value, cap in [("breakage", "fixed", 50.0, 150.0), ("loss", "percent", 50.0, 100.0),
                                              ("theft", "percent", 10.0, 150.0),
                                              ("warranty_void", "fixed", 120.0, 150.0)]:
            with form.line_ids.new() as line:
                line.case = case
                line.amount_type = amount_type
                if amount_type == "fixed":
                    line.fixed_amount = value
                else:
                    line.percentage = value
                line.cap_amount = cap
        return form.save()

    def _line(self, case):
        return self.env["tablet.charge.tariff"]._find_line(self.college_alpha, date(2026, 9, 15), case)

    def _charge(self, case="breakage", amount=None):
        return self.env["tablet.charge"].with_user(self.head_alpha)._create_from_incident(
            self.incident.with_user(self.head_alpha), case, amount=amount)

    def _invoiced_charge(self):
        charge = self._charge().with_user(self.accountant_alpha)
        charge.action_confirm()
        charge.action_create_invoice()
        return charge

    def test_residual_value(self):
        """Linear depreciation over the CA's number of years, never below zero."""
        tablet = self.tablets[0]  # 300 €, bought on 2026-06-01
        self.assertEqual(tablet._residual_value(date(2026, 6, 1), 4), 300.0)
        self.assertEqual(tablet._residual_value(date(2026, 1, 1), 4), 300.0, "before the purchase: full cost")
        self.assertAlmostEqual(tablet._residual_value(date(2027, 6, 1), 4), 225.0)
        self.assertAlmostEqual(tablet._residual_value(date(2027, 6, 1), 2), 150.0)
        self.assertEqual(tablet._residual_value(date(2031, 6, 1), 4), 0.0)
        self.tablets[1].purchase_date = False
        self.assertEqual(self.tablets[1]._residual_value(date(2031, 6, 1), 4), 300.0)

    def test_tariff_amounts_and_caps(self):
        tablet = self.tablets[0]
        self.assertEqual(self._line("breakage")._amount_for(tablet, date(2027, 6, 1)), 50.0)
        # 50 % of 225 = 112.50, capped at 100
        self.assertEqual(self._line("loss")._amount_for(tablet, date(2027, 6, 1)), 100.0)
        # 10 % of 225
        self.assertEqual(self._line("theft")._amount_for(tablet, date(2027, 6, 1)), 22.5)
        self.assertEqual(self._line("theft")._amount_for(tablet, date(2031, 6, 1)), 0.0)
        self.assertFalse(self.env["tablet.charge.tariff"]._find_line(self.college_beta, date(2026, 9, 15), "loss"))
        self.assertFalse(self.env["tablet.charge.tariff"]._find_line(self.college_alpha, date(2026, 6, 11), "loss"))

    def test_tariff_constraints(self):
        line = self._line("breakage")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.tariff.line_ids = [Command.create({"case": "breakage", "fixed_amount": 10.0, "cap_amount": 20.0})]
        for vals, expected in [({"fixed_amount": 200.0}, "plafond"), ({"fixed_amount": -5.0}, "négatif"),
                               ({"amount_type": "percent", "percentage": 120.0}, "entre 0 et 100"),
                               ({"cap_amount": 0.0}, "positif")]:
            with self.subTest(vals=vals), self.assertRaises(ValidationError) as err, self.cr.savepoint():
                line.write(vals)
            self.assertIn(expected, str(err.exception))
        self.assertRecordValues(line, [{"amount_type": "fixed", "fixed_amount": 50.0, "cap_amount": 150.0}])
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.tariff.school_year = "2026-2028"
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["tablet.charge.tariff"].create({
                "college_id": self.college_alpha.id, "school_year": "2026-2027",
                "ca_deliberation_date": date(2026, 6, 12), "ca_deliberation_ref": "CA n° 5"})

    def test_create_from_incident_proposes_the_tariff(self):
        """The amount voted for the case and the first legal representative as payer."""
        charge = self._charge("breakage")
        self.assertRecordValues(charge, [{
            "state": "draft", "amount": 50.0, "payer_id": self.rep_alpha.id,
            "tariff_line_id": self._line("breakage").id, "college_id": self.college_alpha.id,
            "company_id": self.dept_a.id, "borrower_id": self.pupil_alpha.id, "incident_type": "breakage",
        }])
        residual = self.tablets[0]._residual_value(self.incident_day, 4)
        self.assertEqual(self._line("loss")._amount_for(self.tablets[0], self.incident_day),
                         min(100.0, round(residual * 0.5, 2)))
        self.assertEqual(self._charge("breakage", amount=12.0).amount, 12.0)

    def test_charge_form(self):
        """The head records a charge in the form: the tariff, its amount and the payer are proposed."""
        form = Form(self.env["tablet.charge"].with_user(self.head_alpha))
        form.incident_id = self.incident
        self.assertEqual(form.case, "breakage")
        self.assertEqual(form.tariff_line_id, self._line("breakage"))
        self.assertEqual(form.amount, 50.0)
        self.assertEqual(form.payer_id, self.rep_alpha)
        form.amount = 120.0
        charge = form.save()
        self.assertRecordValues(charge, [{"state": "draft", "case": "breakage", "amount": 120.0,
                                          "tariff_line_id": self._line("breakage").id}])

    def test_amount_above_cap_or_negative_refused(self):
        charge = self._charge("breakage")
        with self.assertRaises(ValidationError) as err, self.cr.savepoint():
            charge.with_user(self.accountant_alpha).amount = 151.0
        self.assertIn("150", str(err.exception))
        with self.assertRaises(ValidationError), self.cr.savepoint():
            charge.with_user(self.accountant_alpha).amount = -1.0
        self.assertEqual(charge.amount, 50.0)
        with self.assertRaises(ValidationError) as err, self.cr.savepoint():
            charge.payer_id = self.teacher_alpha
        self.assertIn("représentants légaux", str(err.exception))
        self.assertEqual(charge.payer_id, self.rep_alpha)

    def test_accountant_invoices_and_is_paid(self):
        """The collège's accountant confirms, invoices the legal representative and sees the payment."""
        charge = self._charge("breakage")
        with Form(charge.with_user(self.accountant_alpha)) as form:
            self.assertEqual(form.incident_type, "breakage")
            form.amount = 40.0
        charge = charge.with_user(self.accountant_alpha)
        charge.action_confirm()
        self.assertEqual(charge.state, "confirmed")
        charge.action_create_invoice()
        invoice = charge.invoice_id
        self.assertRecordValues(invoice, [{
            "state": "posted", "move_type": "out_invoice", "journal_id": self.journal_alpha.id,
            "partner_id": self.rep_alpha.id, "amount_total": 40.0, "amount_tax": 0.0, "payment_state": "not_paid",
        }])
        self.assertIn(self.tablets[0].serial_no, invoice.invoice_line_ids.name)
        self.assertIn(self.pupil_alpha.name, invoice.invoice_line_ids.name)
        self.assertEqual(charge.state, "invoiced")
        self.assertIn(charge, self.env["tablet.charge"].with_user(self.accountant_alpha).search([("state", "=", "invoiced")]))
        self.assertEqual(charge.action_open_invoice()["res_id"], invoice.id)
        with self.assertRaises(UserError):
            invoice.unlink()
        self.env["account.payment.register"].with_user(self.accountant_alpha).with_context(
            active_model="account.move", active_ids=invoice.ids).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(charge.state, "paid")
        with self.assertRaises(UserError) as err:
            charge.action_cancel()
        self.assertIn("rembourse", str(err.exception))
        self.assertEqual(charge.state, "paid")

    def test_batch_invoices(self):
        """A recordset of charges: one invoice each, created together."""
        charges = (self._charge("breakage") | self._charge("breakage", amount=120.0)).with_user(self.accountant_alpha)
        charges.action_confirm()
        charges.action_create_invoice()
        self.assertEqual(len(charges.invoice_id), 2)
        self.assertEqual(sorted(charges.invoice_id.mapped("amount_total")), [50.0, 120.0])
        self.assertEqual(set(charges.mapped("state")), {"invoiced"})

    def test_cancel(self):
        """Draft: simply cancelled; invoiced: cancelled by a credit note linked to the charge."""
        draft = self._charge("breakage").with_user(self.accountant_alpha)
        draft.action_cancel()
        self.assertEqual(draft.state, "cancelled")
        self.assertFalse(draft.credit_note_id)
        charge = self._invoiced_charge()
        charge.action_cancel()
        self.assertEqual(charge.state, "cancelled")
        credit_note = charge.credit_note_id
        self.assertRecordValues(credit_note, [{
            "move_type": "out_refund", "state": "posted", "reversed_entry_id": charge.invoice_id.id,
            "amount_total": 50.0, "partner_id": self.rep_alpha.id}])
        self.assertEqual(charge.invoice_id.payment_state, "reversed")
        with self.assertRaises(UserError):
            charge.action_cancel()

    def test_confirmed_charges_are_cancelled_not_deleted(self):
        """Audit trail: only a draft charge may be deleted; confirmed and invoiced ones are cancelled."""
        draft = self._charge("breakage").with_user(self.head_alpha)
        confirmed = self._charge("breakage").with_user(self.accountant_alpha)
        confirmed.action_confirm()
        with self.assertRaises(UserError):
            confirmed.with_user(self.head_alpha).unlink()
        self.assertTrue(confirmed.exists())
        draft.unlink()
        self.assertFalse(draft.exists())

    def test_invoice_preconditions(self):
        charge = self._charge("breakage").with_user(self.accountant_alpha)
        with self.assertRaises(UserError):
            charge.action_create_invoice()  # still a draft
        charge.payer_id = False
        with self.assertRaises(UserError) as err:
            charge.action_confirm()
        self.assertIn("payeur", str(err.exception))
        charge.sudo().state = "confirmed"  # as if the payer had been removed after the confirmation
        with self.assertRaises(UserError) as err:
            charge.action_create_invoice()
        self.assertIn("payeur", str(err.exception))
        self.assertFalse(charge.invoice_id)
        charge.sudo().payer_id = self.rep_alpha  # a confirmed charge's payer is settled: repaired as superuser
        self.college_alpha.tablet_journal_id = False
        with self.assertRaises(UserError) as err:
            charge.action_create_invoice()
        self.assertIn("journal", str(err.exception))
        self.assertEqual(charge.state, "confirmed")
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.college_alpha.tablet_journal_id = self.env["account.journal"].search([
                ("company_id", "=", self.dept_a.id), ("type", "=", "bank")], limit=1)

    def test_who_sees_what(self):
        charge = self._charge("breakage")
        as_accountant = charge.with_user(self.accountant_alpha)
        with self.assertRaises(AccessError):
            self.incident.with_user(self.accountant_alpha).read(["incident_type"])
        self.assertEqual(as_accountant.incident_type, "breakage")
        self.assertEqual(as_accountant.incident_date, self.incident.event_datetime)
        self.assertEqual(as_accountant.borrower_id, self.pupil_alpha)
        self.assertEqual(self.env["tablet.charge"].with_user(self.accountant_alpha).search([]), charge)
        self.assertEqual(self.env["tablet.charge.tariff"].with_user(self.accountant_alpha).search([]), self.tariff)
        with self.assertRaises(AccessError):
            self.tariff.with_user(self.accountant_alpha).ca_deliberation_ref = "changed"
        for user in (self.referent_alpha, self.academy_user, self.supplier_user):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.env["tablet.charge.tariff"].with_user(user).search([])
                with self.assertRaises(AccessError):
                    self.env["tablet.charge"].with_user(user).search([])
        for user in (self.manager_b, self.accountant_beta):
            with self.subTest(user=user.login):
                self.assertFalse(self.env["tablet.charge"].with_user(user).search([]))
                self.assertFalse(self.env["tablet.charge.tariff"].with_user(user).search([]))
                with self.assertRaises(AccessError):
                    charge.with_user(user).read(["amount"])
        self.assertEqual(self.env["tablet.charge"].with_user(self.officer_a).search([]), charge)
