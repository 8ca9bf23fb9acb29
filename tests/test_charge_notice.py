import re
from datetime import datetime, timedelta

from lxml import html

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools import format_amount, mute_logger
from odoo.tools.safe_eval import safe_eval

from . import test_charge
from .common import TabletLoanCase, decide_for_charge, execute_kw

REPORT = "tablet_loan.action_report_tablet_charge_notice"
IBAN = "FR7630001007941234567890185"
IBAN_PRINTED = "FR76 3000 1007 9412 3456 7890 185"


def text_of(content):
    """The rendered letters' text, spaces normalised (amounts use narrow no-break spaces)."""
    tree = html.fromstring(content.decode() if isinstance(content, bytes) else content)
    return re.sub(r"\s+", " ", tree.text_content().replace("\xa0", " ").replace("\u202f", " "))


@tagged("post_install", "-at_install")
class TestChargeNotice(TabletLoanCase):
    """Issue 14, the notice to the family: issued in the collège's name (the Département's for
    R21), to the paying legal representative at their address, citing the deliberation, the
    incident, its qualification and the legal ground, due after the term the issuer voted,
    payable by cheque or transfer; the same letter serves the reminders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _journal, cls.default_sale = cls._college_sales_journal()
        # The generic chart counts in dollars; a French Département in euros (as the demo data does).
        euro = cls.env.ref("base.EUR")
        euro.active = True
        cls.dept_a.currency_id = euro
        france = cls.env.ref("base.fr")
        cls.college_alpha.write({
            "street": "1 rue des Écoles", "zip": "38000", "city": "Grenoble", "phone": "04 76 00 00 00",
            "country_id": france.id,
        })
        # The collège's accountant sets where families pay (the payee stays the default one).
        cls.college_alpha.with_user(cls.accountant_alpha).write({
            "tablet_accounting_office": "Agence comptable du Lycée Champollion",
            "tablet_accounting_office_address": "Cours Lafontaine\n38000 Grenoble",
            "tablet_iban": "fr76 3000 1007 9412 3456 7890 185", "tablet_bic": "bdfefrppcct",
        })
        cls.dept_a.write({"street": "7 rue Fantin-Latour", "zip": "38022", "city": "Grenoble", "country_id": france.id})
        cls.rep_alpha.write({"street": "5 allée des Tilleuls", "street2": "Bâtiment B", "zip": "38100",
                             "city": "Grenoble", "country_id": france.id, "lang": "fr_FR"})
        cls.pupil_two, cls.rep_two = cls._pupil_with_representative("Deux", cls.college_alpha, "5e", "5e A")
        cls.rep_two.write({"street": "9 quai Perrière", "zip": "38000", "city": "Grenoble", "country_id": france.id})
        cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.pupil_two | cls.teacher_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 2)
        cls.tariff = test_charge.TestCharge._tariff.__func__(cls)
        cls.incidents = cls.env["tablet.incident"]
        for pupil, tablet in zip(cls.pupil_alpha | cls.pupil_two, cls.tablets, strict=False):
            loan = cls._loan(pupil, tablet)
            loan.action_activate()
            cls.incidents |= cls.env["tablet.incident"].create({
                "incident_type": "breakage", "loan_id": loan.id,
                "event_datetime": datetime.now().replace(microsecond=0) - timedelta(hours=3)})
        cls.incidents.action_validate()
        decide_for_charge(cls.incidents, qualification="negligence")
        cls.charge = cls._invoiced(cls.incidents[0])
        cls.today = fields.Date.context_today(cls.charge)

    @classmethod
    def _invoiced(cls, incident, case="breakage", user=None):
        charge = cls.env["tablet.charge"].with_user(cls.head_alpha)._create_from_incident(
            incident.with_user(cls.head_alpha), case).with_user(user or cls.accountant_alpha)
        charge.action_confirm()
        charge.action_create_invoice()
        return charge

    def _render(self, charge, user=None, level=None):
        Report = self.env["ir.actions.report"].with_user(user or self.accountant_alpha)
        data = {"reminder_level": level} if level is not None else None
        content, _type = Report._render_qweb_html(REPORT, charge.ids, data=data)
        return text_of(content)

    def _date(self, value):
        return value.strftime("%d/%m/%Y")

    def _label(self, model, fname):
        return self.env[model]._fields[fname].get_description(self.env)["string"]

    # ---------------------------------------------------------------- the invoice
    def test_invoice_due_after_the_collège_term_with_its_ground(self):
        """The invoice is due 30 days after its date (no payment term: the issuer's days), cites the
        deliberation, the incident and the qualification, and carries the charge's reference."""
        invoice = self.charge.invoice_id
        self.assertEqual(invoice.journal_id, self.college_alpha.tablet_journal_id)
        self.assertFalse(invoice.invoice_payment_term_id)
        self.assertEqual(invoice.invoice_date_due, self.today + timedelta(days=30))
        self.assertEqual(self.charge.invoice_date_due, invoice.invoice_date_due)
        reference = "CHG-%05d" % self.charge.id
        self.assertEqual(invoice.payment_reference, reference)
        narration = text_of(invoice.narration)
        for expected in ("CA n° 4", "12/06/2026", "Article B 5.4", "article 1880 du Code civil",
                         "qualification retenue", reference):
            self.assertIn(expected, narration)
        self.assertEqual(invoice.preferred_payment_method_line_id.name, "Chèque")

    def test_collège_with_45_days(self):
        """A CA that voted 45 days: the next invoice is due 45 days after its date, the notice says so."""
        self.college_alpha.with_user(self.head_alpha).write({"tablet_payment_days": 45})
        charge = self._invoiced(self.incidents[1])
        self.assertEqual(charge.invoice_id.invoice_date_due, self.today + timedelta(days=45))
        text = self._render(charge)
        self.assertIn("dans un délai de 45 jours", text)
        self.assertIn(self._date(self.today + timedelta(days=45)), text)
        self.assertIn("Parent Deux", text)
        self.assertIn("9 quai Perrière", text)

    # ------------------------------------------------------------------ the notice
    def test_notice_names_issuer_recipient_ground_and_payment(self):
        """The notice, as the accountant prints it: the collège (UAI, address, accounting office),
        the payer at their address, the references, the facts and their qualification, the
        deliberation and its line, the legal ground, the amount, cheque and transfer, recourse."""
        charge = self.charge.with_user(self.accountant_alpha)
        invoice = charge.invoice_id
        text = self._render(charge)
        fr = self.env(context=dict(self.env.context, lang="fr_FR"))
        qualification = dict(fr["tablet.incident"]._fields["qualification"]._description_selection(fr))["negligence"]
        incident_type = dict(fr["tablet.incident"]._fields["incident_type"]._description_selection(fr))["breakage"]
        expected = [
            "Avis des sommes à payer",
            # issuer
            "Collège Alpha", "UAI : 0380027Y", "1 rue des Écoles", "Agence comptable du Lycée Champollion",
            "Cours Lafontaine",
            # recipient
            "Parent Alpha", "5 allée des Tilleuls", "Bâtiment B", "38100 Grenoble",
            # references
            invoice.name, self._date(invoice.invoice_date), self._date(self.today + timedelta(days=30)),
            "CHG-%05d" % charge.id,
            # object
            "Élève Alpha", self.tablets[0].serial_no, incident_type,
            "qualification des faits : " + qualification.lower(),
            # ground
            "du collège : CA n° 4, votée le 12/06/2026", "montant forfaitaire de 50,00 €", "plafonné à 150,00 €",
            "Article B 5.4", "article 1880 du Code civil", "non de l'usure normale ni d'une panne",
            # amount and payment
            format_amount(fr, 50.0, charge.currency_id).replace("\xa0", " ").replace("\u202f", " "),
            "dans un délai de 30 jours", "à l'ordre de Agent comptable du Collège Alpha",
            "IBAN " + IBAN_PRINTED, "BIC BDFEFRPPCCT",
            "Voies et délais de recours", "deux mois à compter de la notification",
        ]
        for fragment in expected:
            self.assertIn(fragment, text)
        self.assertNotIn("Mise en demeure", text)
        self.assertNotIn("Reste à payer", text)
        # Stored compact, printed in groups of four.
        self.assertEqual(self.college_alpha.tablet_iban, IBAN)
        self.assertEqual(self.college_alpha.tablet_bic, "BDFEFRPPCCT")

    def test_payee_and_print_button(self):
        """A payee set by the collège replaces the default; the header button prints the notice of
        an invoiced charge only, for those who follow charges."""
        self.college_alpha.with_user(self.officer_a).write({"tablet_cheque_payee": "Agent comptable du LP Vaucanson"})
        self.assertIn("à l'ordre de Agent comptable du LP Vaucanson", self._render(self.charge))
        action = self.charge.with_user(self.accountant_alpha).action_print_notice()
        self.assertEqual(action["report_name"], "tablet_loan.report_tablet_charge_notice")
        report = self.env.ref(REPORT)
        self.assertEqual(report.paperformat_id.format, "A4")
        self.assertEqual(safe_eval(report.print_report_name, {"object": self.charge}), "Avis - CHG-%05d" % self.charge.id)
        draft = self.env["tablet.charge"].with_user(self.head_alpha)._create_from_incident(
            self.incidents[1].with_user(self.head_alpha), "breakage")
        with self.assertRaisesRegex(UserError, "n'est pas facturée|not invoiced"):
            draft.action_print_notice()
        with self.assertRaises(AccessError):
            self.charge.with_user(self.referent_alpha).action_print_notice()

    def test_head_prints_the_notice_without_reading_the_accounting(self):
        """The head issues the notice for the collège: it prints the invoice's number and amount,
        while the invoice itself stays out of the head's reach."""
        invoice = self.charge.invoice_id
        text = self._render(self.charge.with_user(self.head_alpha), user=self.head_alpha)
        self.assertIn("Avis des sommes à payer", text)
        self.assertIn(invoice.name, text)
        with self.assertRaises(AccessError):
            invoice.with_user(self.head_alpha).check_access("read")

    def test_charge_shows_qualification_and_deliberation(self):
        """The accountant, who reads no incident, reads the qualification and the deliberation on the charge."""
        charge = self.charge.with_user(self.accountant_alpha)
        with self.assertRaises(AccessError):
            charge.incident_id.check_access("read")
        self.assertEqual((charge.qualification, charge.tariff_id), ("negligence", self.tariff))
        found = self.env["tablet.charge"].with_user(self.accountant_alpha).search([("qualification", "=", "negligence")])
        self.assertEqual(found, charge)
        groups = self.env["tablet.charge"].with_user(self.accountant_alpha)._read_group(
            [], ["qualification"], ["__count"])
        self.assertEqual(groups, [("negligence", 1)])

    def test_reminder_levels(self):
        """Reminders print from the same template: their title, the amount still due, and for the
        formal notice the last warning before recovery by legal means."""
        self._pay(20.0)
        titles = {1: "Premier rappel", 2: "Second rappel", 3: "Mise en demeure de payer"}
        for level, title in titles.items():
            text = self._render(self.charge, level=level)
            self.assertIn(title, text)
            self.assertIn("Reste à payer 30,00 €", text)
            for other in set(titles.values()) - {title}:
                self.assertNotIn(other, text)
            self.assertIn("À régler dès réception du présent courrier", text)
            self.assertNotIn("dans un délai de 30 jours", text)
            if level == 3:
                self.assertIn("recouvrement de la créance par les voies de droit", text)
            else:
                self.assertNotIn("voies de droit", text)
        pdf, filename = self.charge.with_user(self.accountant_alpha)._notice_pdf(reminder_level=2)
        self.assertEqual(filename, "Second rappel - CHG-%05d.pdf" % self.charge.id)
        self.assertIn("Second rappel", text_of(pdf))  # tests render HTML in place of the PDF
        self.assertEqual(self.charge._notice_pdf()[1], "Avis - CHG-%05d.pdf" % self.charge.id)
        with self.assertRaises(UserError):
            self.charge._notice_pdf(reminder_level=4)

    # ------------------------------------------------------------------ payment
    def _pay(self, amount=None):
        invoice = self.charge.invoice_id
        form = Form(self.env["account.payment.register"].with_user(self.accountant_alpha).with_context(
            active_model="account.move", active_ids=invoice.ids))
        if amount:
            form.amount = amount  # a part: the invoice stays open for the rest
        return form.save().action_create_payments()

    def test_payment_register_offers_cheque_and_transfer(self):
        """The accountant registers the family's cheque from the invoice: the wizard offers
        “Chèque” and “Virement” (no English “Manual Payment”), proposes the cheque; the charge is paid."""
        invoice = self.charge.invoice_id
        form = Form(self.env["account.payment.register"].with_user(self.accountant_alpha).with_context(
            active_model="account.move", active_ids=invoice.ids))
        offered = [line.name for line in form.available_payment_method_line_ids]
        self.assertIn("Chèque", offered)
        self.assertIn("Virement", offered)
        self.assertNotIn("Manual Payment", offered)
        self.assertEqual(form.payment_method_line_id.name, "Chèque")
        form.communication = "CHG-%05d chèque n° 1234567" % self.charge.id
        wizard = form.save()
        wizard.action_create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.charge.state, "paid")
        payment = self.env["account.payment"].search([("partner_id", "=", self.rep_alpha.id)])
        self.assertEqual(payment.payment_method_line_id.name, "Chèque")

    # ---------------------------------------------------------------------- R21
    def test_r21_notice_is_the_département_s(self):
        """R21: the reimbursement is invoiced by the Département in its own journal, at the tablet's
        value, due after the Département's term; the notice names the Département, the Payeur
        départemental and the ground of R21, and no deliberation."""
        invoicing = new_test_user(self.env, login="t_dept_invoicing", company_id=self.dept_a.id,
                                  company_ids=[Command.set(self.dept_a.ids)],
                                  groups="tablet_loan.group_department_officer,account.group_account_invoice")
        claim = Form(self.env["tablet.warranty.claim"].with_user(self.referent_alpha).with_context(
            default_incident_id=self.incidents[1].id))
        claim.supplier_id = self.env["res.partner"].create({"name": "Fournisseur (test)", "is_company": True})
        claim.fault_type = "component"
        claim.opened_by_user = True
        claim = claim.save()
        claim.with_user(self.head_alpha).action_create_reimbursement_charge()
        charge = claim.charge_id.with_user(invoicing)
        charge.action_confirm()
        with self.assertRaisesRegex(UserError, "equipment reimbursements|remboursements de matériel"):  # R21
            charge.action_create_invoice()
        self.assertEqual(charge.state, "confirmed")
        r21_journal = self.env["account.journal"].create({
            "name": "Remboursements R21", "code": "R21", "type": "sale", "company_id": self.dept_a.id,
            "default_account_id": self.default_sale.default_account_id.id})
        self.dept_a.write({"tablet_r21_journal_id": r21_journal.id, "tablet_payment_days": 60,
                           "tablet_iban": "FR3410071380000000100012345", "tablet_bic": "TRPUFRP1"})
        charge.action_create_invoice()
        invoice = charge.invoice_id
        self.assertEqual((invoice.journal_id, invoice.company_id, invoice.amount_total), (r21_journal, self.dept_a, 300.0))
        self.assertEqual(invoice.invoice_date_due, self.today + timedelta(days=60))
        self.assertIn("Article B 5.4 de la convention de mise à disposition", text_of(invoice.narration))
        self.assertNotIn("R21", text_of(invoice.narration))  # a family does not know the module's rule codes
        text = self._render(charge, user=invoicing)
        for fragment in ("Département A (test)", "7 rue Fantin-Latour", "Parent Deux", "Remboursement de la tablette",
                         "Article B 5.4", "a réparé ou ouvert la tablette", "à l'ordre de Payeur départemental",
                         "IBAN FR34 1007 1380 0000 0010 0012 345", "dans un délai de 60 jours",
                         "Montant du remboursement 300,00 €"):
            self.assertIn(fragment, text)
        self.assertNotIn("Délibération du conseil", text)
        self.assertNotIn("UAI", text)
        # The collège's accountant does not read the Département's books.
        with self.assertRaises(AccessError):
            invoice.with_user(self.accountant_alpha).check_access("read")

    # ------------------------------------------------------------------ bad input
    def test_bad_payment_settings_refused_with_the_field_named(self):
        college = self.college_alpha.with_user(self.accountant_alpha)
        cases = [
            ({"tablet_iban": "FR76 3000 1007 9412 3456 7890 186"}, "tablet_iban", "IBAN"),
            ({"tablet_iban": "FR76 1234"}, "tablet_iban", "IBAN"),
            ({"tablet_bic": "BDFE"}, "tablet_bic", "BIC"),
            ({"tablet_bic": "BDFEFRPPC"}, "tablet_bic", "BIC"),
            ({"tablet_payment_days": 0}, "tablet_payment_days", "90"),
            ({"tablet_payment_days": 120}, "tablet_payment_days", "90"),
        ]
        for vals, fname, expected in cases:
            with self.subTest(vals=vals), self.assertRaises(ValidationError) as caught:
                with self.env.cr.savepoint():
                    college.write(vals)
            self.assertIn(self._label("res.partner", fname), str(caught.exception))
            self.assertIn(expected, str(caught.exception))
        self.assertEqual((self.college_alpha.tablet_iban, self.college_alpha.tablet_bic,
                          self.college_alpha.tablet_payment_days), (IBAN, "BDFEFRPPCCT", 30))
        with self.assertRaises(ValidationError):
            self.dept_a.write({"tablet_payment_days": 120})
        with self.assertRaises(ValidationError):
            self.dept_a.write({"tablet_iban": "DE00 1234"})
        with self.assertRaisesRegex(ValidationError, "collège"):
            self.rep_alpha.write({"tablet_iban": IBAN})

    def test_who_writes_the_payment_settings(self):
        """The Département's staff and the collège's head and accountant write them; the référent,
        the académie, the supplier and another collège's head are refused, nothing changed; the
        accountant writes nothing else of a partner."""
        for user in (self.manager_a, self.officer_a, self.head_alpha, self.accountant_alpha):
            self.college_alpha.with_user(user).write({"tablet_payment_days": 31})
            self.assertEqual(self.college_alpha.tablet_payment_days, 31)
            self.college_alpha.write({"tablet_payment_days": 30})
        head_beta = new_test_user(self.env, login="t_head_beta_notice", groups="tablet_loan.group_college_head",
                                  company_id=self.dept_a.id, company_ids=[Command.set(self.dept_a.ids)],
                                  tablet_college_ids=[Command.set(self.college_beta.ids)])
        for user in (self.referent_alpha, self.academy_user, self.supplier_user, head_beta):
            with self.subTest(user=user.login), self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
                self.college_alpha.with_user(user).write({"tablet_iban": "FR3410071380000000100012345"})
        self.assertEqual(self.college_alpha.tablet_iban, IBAN)
        with self.assertRaisesRegex(AccessError, "IBAN"):
            self.college_alpha.with_user(self.referent_alpha).write({"tablet_iban": "FR3410071380000000100012345"})
        with self.assertRaises(AccessError):
            self.college_alpha.with_user(self.accountant_alpha).write({"name": "Collège Alpha (renommé)"})
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            self.rep_alpha.with_user(self.accountant_alpha).write({"street": "Ailleurs"})
        self.assertEqual((self.college_alpha.name, self.rep_alpha.street), ("Collège Alpha", "5 allée des Tilleuls"))

    def test_accountant_sets_the_settings_in_the_collège_form(self):
        form = Form(self.college_alpha.with_user(self.accountant_alpha))
        form.tablet_payment_days = 40
        form.tablet_cheque_payee = "Agent comptable du Collège Alpha et du LP"
        form.save()
        self.assertEqual((self.college_alpha.tablet_payment_days, self.college_alpha.tablet_cheque_payee),
                         (40, "Agent comptable du Collège Alpha et du LP"))


@tagged("post_install", "-at_install")
class TestChargeNoticeRpc(HttpCase):
    """Issue 14: who writes the collège's payment settings, over JSON-RPC as the demo users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env.ref("tablet_loan.user_referent", raise_if_not_found=False):
            cls.skipTest(cls, "the demo users are needed (database without demo data)")
        cls.lac_bleu = cls.env.ref("tablet_loan.demo_college_lac_bleu")
        cls.users = {login: cls.env.ref(f"tablet_loan.user_{login}") for login in
                     ("dept_officer", "academy", "head", "referent", "accountant", "supplier")}
        cls.other_head = new_test_user(
            cls.env, login="t_head_trois_sources", groups="tablet_loan.group_college_head",
            company_id=cls.lac_bleu.company_id.id, company_ids=[Command.set(cls.lac_bleu.company_id.ids)],
            tablet_college_ids=[Command.set(cls.env.ref("tablet_loan.demo_college_trois_sources").ids)])

    def _write(self, user, vals, partner=None):
        return execute_kw(self, user, "res.partner", "write", [[(partner or self.lac_bleu).id], vals])

    def test_refused_roles(self):
        before = (self.lac_bleu.tablet_iban, self.lac_bleu.tablet_payment_days)
        for login in ("referent", "academy", "supplier"):
            name, _message = self._write(self.users[login], {"tablet_iban": "FR3410071380000000100012345"})
            self.assertEqual(name, "odoo.exceptions.AccessError", login)
        name, _message = self._write(self.other_head, {"tablet_payment_days": 45})
        self.assertEqual(name, "odoo.exceptions.AccessError")
        name, _message = self._write(self.users["accountant"], {"name": "Renommé"})
        self.assertEqual(name, "odoo.exceptions.AccessError")
        self.env.invalidate_all()
        self.assertEqual((self.lac_bleu.tablet_iban, self.lac_bleu.tablet_payment_days), before)
        self.assertEqual(self.lac_bleu.name, "Collège du Lac Bleu")

    def test_allowed_roles_and_bad_input(self):
        for login, days in (("dept_officer", 31), ("head", 32), ("accountant", 33)):
            self.assertEqual(self._write(self.users[login], {"tablet_payment_days": days}), ("ok", True), login)
            self.env.invalidate_all()
            self.assertEqual(self.lac_bleu.tablet_payment_days, days)
        name, message = self._write(self.users["accountant"], {"tablet_payment_days": 120})
        self.assertEqual(name, "odoo.exceptions.ValidationError")
        self.assertIn("90", message)
        name, message = self._write(self.users["accountant"], {"tablet_bic": "XX"})
        self.assertEqual(name, "odoo.exceptions.ValidationError")
        self.assertIn("BIC", message)
