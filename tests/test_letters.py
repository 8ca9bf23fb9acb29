"""Issue 17, item 2: the collège's letters to families (R4) and the warranty desk's e-mails (R20, R29)."""
from datetime import datetime, timedelta
from pathlib import Path

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from ..models.tablet_workflow_mixin import as_action
from .common import TabletLoanCase, decide_for_charge, execute_kw


def _mails_to(env, partner, record):
    """mail.mail queued to `partner` about `record` (tests do not send: the queue is the proof)."""
    return env["mail.mail"].sudo().search([
        ("recipient_ids", "in", partner.ids), ("model", "=", record._name), ("res_id", "=", record.id)])


@tagged("post_install", "-at_install")
class TestLetters(TabletLoanCase, HttpCase):
    """R4: one letter per family, by e-mail or printed, always in the chatter; nothing half-done.

    An HttpCase: wkhtmltopdf fetches the report's style sheets from Odoo's HTTP server (the PDF test)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.rep_alpha.email = "parent.alpha@example.com"
        cls.pupil_post, cls.rep_post = cls._pupil_with_representative("Poste", cls.college_alpha, "5e", "5e A")
        cls.rep_post.write({"street": "3 rue des Lilas", "zip": "38000", "city": "Grenoble"})
        cls.pupil_none, cls.rep_none = cls._pupil_with_representative("Sanscontact", cls.college_alpha, "5e", "5e A")
        cls.pupil_third, cls.rep_third = cls._pupil_with_representative("Troisième", cls.college_alpha, "3e", "3e A")
        cls.rep_third.email = "parent.troisieme@example.com"
        cls.college_alpha.write({"street": "1 place du Lac", "zip": "38100", "city": "Grenoble",
                                 "phone": "04 76 00 00 00", "email": "secretariat@college-alpha.example"})
        people = cls.pupil_alpha | cls.pupil_post | cls.pupil_none | cls.pupil_third
        cls._deployable(cls.college_alpha, people)
        tablets = cls._tablets(cls.college_alpha, 4)
        cls.loan_mail, cls.loan_post, cls.loan_none, cls.loan_third = loans = cls.env["tablet.loan"].browse([
            cls._loan(pupil, tablet).id for pupil, tablet in zip(people, tablets, strict=False)])
        loans.action_activate()
        cls.referent_beta = new_test_user(
            cls.env, login="t_letters_referent_beta", groups="tablet_loan.group_college_referent",
            company_id=cls.dept_a.id, company_ids=[Command.set(cls.dept_a.ids)],
            tablet_college_ids=[Command.set(cls.college_beta.ids)])
        Partner.flush_model()

    def _wizard(self, user, model, records, **values):
        """The "Send Letters" wizard as the user opens it from the selected records' Action menu."""
        form = Form(self.env["tablet.letter.wizard"].with_user(user).with_context(
            active_model=model, active_ids=records.ids))
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    def _overdue(self, loan, days=20):
        as_action(loan).write({"date_end": fields.Date.today() - timedelta(days=days)})

    def _age(self, letters, days):
        """The letters were sent `days` ago (the escalation waits between its steps)."""
        as_action(letters).write({"date": fields.Date.today() - timedelta(days=days)})

    # ------------------------------------------------------------------ batch
    def test_batch_by_email_and_by_post(self):
        """One action for the selection: e-mail where the family has one, printed otherwise; the PDF kept,
        each loan's chatter says what was sent, to whom, how."""
        loans = self.loan_mail | self.loan_post
        wizard = self._wizard(self.referent_alpha, "tablet.loan", loans, kind="contract")
        self.assertEqual(wizard.loan_ids, loans)
        action = wizard.action_send()
        letters = self.env["tablet.letter"].search(action["domain"])
        self.assertEqual(len(letters), 2)
        by_loan = {letter.loan_id: letter for letter in letters}
        mailed, posted = by_loan[self.loan_mail], by_loan[self.loan_post]
        self.assertEqual((mailed.channel, mailed.state, mailed.recipient_ids), ("email", "sent", self.rep_alpha))
        self.assertEqual((posted.channel, posted.state, posted.recipient_ids), ("print", "to_post", self.rep_post))
        self.assertIn("3 rue des Lilas", posted.recipient_summary)
        self.assertEqual(mailed.sent_by_id, self.referent_alpha)
        for letter in letters:
            self.assertEqual(letter.attachment_id.res_model, "tablet.letter")
            self.assertEqual(letter.attachment_id.res_id, letter.id)
            # Odoo's test mode renders reports as HTML: the letter's own text is in it.
            self.assertIn(b"Le chef d", letter.attachment_id.raw)
        # The e-mail: queued to the family, with the letter attached, from the collège (R4).
        mails = _mails_to(self.env, self.rep_alpha, self.loan_mail)
        self.assertEqual(len(mails), 1)
        self.assertIn(mailed.attachment_id, mails.attachment_ids)
        self.assertIn("contrat de prêt", mails.subject.lower())
        self.assertIn("secretariat@college-alpha.example", mails.email_from)
        self.assertFalse(_mails_to(self.env, self.rep_post, self.loan_post), "a printed letter is not e-mailed")
        # The chatter of both loans tells the story, the printed one carries the PDF to print.
        notes = self.env["mail.message"].search([("model", "=", "tablet.loan"), ("res_id", "=", self.loan_post.id),
                                                 ("attachment_ids", "in", posted.attachment_id.ids)])
        self.assertEqual(len(notes), 1)
        self.assertIn(self.rep_post.name, notes.body)
        logged = self.env["mail.message"].search([("model", "=", "tablet.loan"), ("res_id", "=", self.loan_mail.id),
                                                  ("body", "ilike", self.rep_alpha.name)])
        self.assertTrue(logged)
        # The référent posts the printed letter.
        posted.with_user(self.referent_alpha).action_mark_posted()
        self.assertEqual(posted.state, "sent")
        with self.assertRaises(UserError):
            posted.with_user(self.referent_alpha).action_mark_posted()

    def test_class_selected_by_collège_and_class(self):
        """A collège and a class instead of a selection: every open loan of the class (5e A here)."""
        self.rep_none.email = "parent.sanscontact@example.com"
        wizard = self._wizard(self.referent_alpha, "tablet.loan", self.env["tablet.loan"], kind="custody",
                              college_id=self.college_alpha, school_class="5e A")
        wizard.action_send()
        letters = self.env["tablet.letter"].search([("kind", "=", "custody")])
        self.assertEqual(letters.loan_id, self.loan_mail | self.loan_post | self.loan_none)

    def test_family_without_email_or_address_nothing_sent(self):
        """Bad input: a family with neither e-mail nor postal address stops the whole batch, named."""
        loans = self.loan_mail | self.loan_none
        messages = self.env["mail.message"].search_count([("model", "=", "tablet.loan"), ("res_id", "in", loans.ids)])
        wizard = self._wizard(self.referent_alpha, "tablet.loan", loans, kind="contract")
        with self.assertRaises(UserError) as caught:
            wizard.action_send()
        self.assertIn(self.rep_none.name, str(caught.exception))
        self.assertIn(self.pupil_none.name, str(caught.exception))
        self.assertNotIn(self.pupil_alpha.name, str(caught.exception), "only the failing row is named")
        self.assertFalse(self.env["tablet.letter"].search([]))
        self.assertFalse(_mails_to(self.env, self.rep_alpha, self.loan_mail))
        self.assertEqual(self.env["mail.message"].search_count([
            ("model", "=", "tablet.loan"), ("res_id", "in", loans.ids)]), messages)

    def test_pupil_without_legal_representative(self):
        self.pupil_none.legal_representative_ids = [Command.clear()]
        with self.assertRaises(UserError) as caught:
            self._wizard(self.referent_alpha, "tablet.loan", self.loan_none, kind="custody").action_send()
        self.assertIn(self.pupil_none.name, str(caught.exception))

    # ------------------------------------------------------------ overdue
    def test_overdue_escalation_in_order(self):
        """First notice, then second (8 days later at least), then the registered letter with its number."""
        Letter = self.env["tablet.letter"].with_user(self.referent_alpha)
        loan = self.loan_mail
        with self.assertRaises(UserError, msg="not overdue yet"):
            Letter._send_letters("overdue_first", loan)
        self._overdue(loan)
        with self.assertRaises(UserError, msg="a second notice before a first one"):
            Letter._send_letters("overdue_second", loan)
        first = Letter._send_letters("overdue_first", loan)
        with self.assertRaises(UserError, msg="the first notice twice"):
            Letter._send_letters("overdue_first", loan)
        with self.assertRaises(UserError, msg="the second notice the same day as the first"):
            Letter._send_letters("overdue_second", loan)
        self._age(first, 9)
        second = Letter._send_letters("overdue_second", loan)
        self._age(second, 9)
        with self.assertRaises(UserError, msg="a registered letter without its number"):
            self.env["tablet.letter.wizard"].with_user(self.referent_alpha).create({
                "kind": "overdue_registered", "loan_ids": [Command.set(loan.ids)]}).action_send()
        with self.assertRaises(UserError, msg="a registered letter goes by post: no postal address"):
            Letter._send_letters("overdue_registered", loan, "1A 234 567 8901 2")
        self.assertEqual(self.env["tablet.letter"].search_count([("kind", "=", "overdue_registered")]), 0)
        self.rep_alpha.write({"street": "5 rue du Moulin", "zip": "38000", "city": "Grenoble"})
        wizard = self._wizard(self.referent_alpha, "tablet.loan", loan, kind="overdue_registered",
                              registered_number="1A 234 567 8901 2")
        wizard.action_send()
        registered = self.env["tablet.letter"].search([("kind", "=", "overdue_registered")])
        self.assertEqual((registered.channel, registered.registered_number), ("print", "1A 234 567 8901 2"))
        self.assertIn(b"1A 234 567 8901 2", registered.attachment_id.raw)
        loan.invalidate_recordset()
        steps = loan.with_user(self.referent_alpha).overdue_letters
        self.assertEqual(steps.count(";"), 2, steps)

    # ----------------------------------------------------------- incidents
    def test_incident_acknowledgement_and_decision(self):
        now = datetime.now().replace(microsecond=0)
        incident = self.env["tablet.incident"].with_user(self.referent_alpha).create({
            "incident_type": "breakage", "loan_id": self.loan_mail.id, "circumstances": "Chute dans la cour.",
            "event_datetime": now - timedelta(hours=5), "declaration_datetime": now - timedelta(hours=1)})
        wizard = self._wizard(self.referent_alpha, "tablet.incident", incident)
        self.assertEqual((wizard.kind, wizard.incident_ids), ("incident_ack", incident))
        wizard.action_send()
        ack = incident.with_user(self.referent_alpha).letter_ids
        self.assertEqual((ack.kind, ack.loan_id, ack.channel), ("incident_ack", self.loan_mail, "email"))
        self.assertTrue(_mails_to(self.env, self.rep_alpha, incident))
        with self.assertRaises(UserError, msg="no decision yet"):
            self._wizard(self.referent_alpha, "tablet.incident", incident, kind="incident_decision").action_send()
        incident.action_validate()
        decide_for_charge(incident)
        self._wizard(self.referent_alpha, "tablet.incident", incident, kind="incident_decision").action_send()
        decision = incident.letter_ids.filtered(lambda letter: letter.kind == "incident_decision")
        self.assertIn(b"participation financi", decision.attachment_id.raw)

    def test_gift_letter_for_3e_only(self):
        with self.assertRaises(UserError):
            self.env["tablet.letter"].with_user(self.head_alpha)._send_letters("gift", self.loan_mail)
        letter = self.env["tablet.letter"].with_user(self.head_alpha)._send_letters("gift", self.loan_third)
        self.assertEqual(letter.recipient_ids, self.rep_third)

    # ------------------------------------------------------------- refusals
    def test_roles_that_may_not_write_to_families(self):
        """The officer, the Académie, the accountant and the supplier open no letter wizard and read no
        letter; a référent of another collège cannot write about this collège's loans."""
        letter = self.env["tablet.letter"].with_user(self.referent_alpha)._send_letters("contract", self.loan_mail)
        for user in (self.officer_a, self.academy_user, self.accountant_alpha, self.supplier_user):
            with self.assertRaises(AccessError, msg=user.login):
                self.env["tablet.letter.wizard"].with_user(user).create({
                    "kind": "contract", "loan_ids": [Command.set(self.loan_mail.ids)]})
            with self.assertRaises(AccessError, msg=user.login):
                letter.with_user(user).read(["recipient_summary"])
            with self.assertRaises(AccessError, msg=user.login):
                self.env["tablet.letter"].with_user(user)._send_letters("custody", self.loan_mail)
        wizard = self.env["tablet.letter.wizard"].with_user(self.referent_beta).create({
            "kind": "custody", "loan_ids": [Command.set(self.loan_mail.ids)]})
        with self.assertRaises(AccessError):
            wizard.action_send()
        with self.assertRaises(AccessError):
            letter.with_user(self.referent_beta).read(["recipient_summary"])
        self.assertEqual(self.env["tablet.letter"].search_count([]), 1)

    def test_letters_written_by_actions_only(self):
        """A client neither makes nor rewrites a letter: the record is what was sent."""
        letter = self.env["tablet.letter"].with_user(self.referent_alpha)._send_letters("contract", self.loan_post)
        with self.assertRaises(AccessError):
            letter.with_user(self.referent_alpha).write({"registered_number": "FAUX"})
        with self.assertRaises(AccessError):
            self.env["tablet.letter"].with_user(self.referent_alpha).create({
                "kind": "contract", "loan_id": self.loan_mail.id, "college_id": self.college_alpha.id,
                "company_id": self.dept_a.id, "channel": "email"})
        with self.assertRaises(AccessError):
            letter.with_user(self.manager_a).unlink()

    # ----------------------------------------------------------- PDF, privacy
    def test_letter_pdf_renders(self):
        """A real PDF (wkhtmltopdf), kept in /tmp for a look at its page."""
        self._overdue(self.loan_post)
        letter = self.env["tablet.letter"].with_user(self.referent_alpha)._send_letters("overdue_first", self.loan_post)
        pdf, kind = self.env["ir.actions.report"].with_context(force_report_rendering=True)._render_qweb_pdf(
            "tablet_loan.action_report_tablet_letter", res_ids=letter.ids)
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        Path("/tmp/tablet_letter_overdue_first.pdf").write_bytes(pdf)

    def test_erase_person_removes_their_letters(self):
        """R29: the anonymisation's hook removes the letters of a person and their PDFs (set-based)."""
        letters = self.env["tablet.letter"].with_user(self.referent_alpha)._send_letters(
            "contract", self.loan_mail | self.loan_post)
        attachments = letters.attachment_id
        self.env["tablet.letter"]._tablet_erase_person(self.rep_alpha)
        self.assertEqual(letters.exists().loan_id, self.loan_post)
        self.assertEqual(len(attachments.exists()), 1)


@tagged("post_install", "-at_install")
class TestWarrantyClaimMails(TabletLoanCase):
    """R20: the supplier's desk gets an e-mail when a claim is sent, the référents when it is answered;
    the supplier's e-mail carries technical data only, never the pupil (R29, B 7)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        supplier = cls.env["res.partner"].create({"name": "Tablettes Services (test)", "is_company": True})
        cls.supplier_user.partner_id.write({"parent_id": supplier.id, "email": "garantie@tablettes.example"})
        cls.referent_alpha.partner_id.email = "referent.alpha@example.com"
        cls._deployable(cls.college_alpha, cls.pupil_alpha)
        tablet = cls._tablets(cls.college_alpha, 1)
        tablet.partner_id = supplier
        loan = cls._loan(cls.pupil_alpha, tablet)
        loan.action_activate()
        now = datetime.now().replace(microsecond=0)
        cls.incident = cls.env["tablet.incident"].create({
            "incident_type": "failure", "loan_id": loan.id, "event_datetime": now - timedelta(hours=5),
            "declaration_datetime": now - timedelta(hours=1)})
        cls.incident.action_validate()

    def test_supplier_told_without_the_pupil_then_referent_told(self):
        claim = self.env["tablet.warranty.claim"].with_user(self.referent_alpha).create({
            "incident_id": self.incident.id, "fault_type": "component",
            "fault_description": "L'écran ne s'allume plus."})
        claim.action_send()
        mails = _mails_to(self.env, self.supplier_user.partner_id, claim)
        self.assertEqual(len(mails), 1)
        self.assertIn(claim.serial_no, mails.body_html)
        for secret in (self.pupil_alpha.name, self.rep_alpha.name):
            self.assertNotIn(secret, mails.body_html or "")
            self.assertNotIn(secret, mails.subject or "")
        as_supplier = claim.with_user(self.supplier_user)
        as_supplier.write({"rma_number": "RMA-4242", "answer": "repaired"})
        as_supplier.action_record_answer()
        told = _mails_to(self.env, self.referent_alpha.partner_id, claim)
        self.assertEqual(len(told), 1)
        self.assertIn("RMA-4242", told.body_html)
        # The supplier reads the claim's chatter: no school staff named there.
        bodies = " ".join(claim.with_user(self.supplier_user).message_ids.mapped("body"))
        self.assertNotIn(self.referent_alpha.name, bodies)


@tagged("post_install", "-at_install")
class TestLettersRpc(HttpCase):
    """Over JSON-RPC as the demo users: who may send letters to Lac Bleu's families."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env.ref("tablet_loan.user_referent", raise_if_not_found=False):
            cls.skipTest(cls, "the demo users are needed (database without demo data)")
        lac_bleu = cls.env.ref("tablet_loan.demo_college_lac_bleu")
        cls.loan = cls.env["tablet.loan"].search([("college_id", "=", lac_bleu.id), ("state", "=", "active"),
                                                  ("borrower_role", "=", "pupil")], limit=1)
        cls.loan.borrower_id.legal_representative_ids[:1].email = "famille.rpc@example.com"
        cls.users = {login: cls.env.ref(f"tablet_loan.user_{login}") for login in
                     ("dept_officer", "academy", "referent", "accountant", "supplier")}
        cls.other_referent = new_test_user(
            cls.env, login="t_letters_rpc_referent", groups="tablet_loan.group_college_referent",
            company_id=lac_bleu.company_id.id, company_ids=[Command.set(lac_bleu.company_id.ids)],
            tablet_college_ids=[Command.set(cls.env.ref("tablet_loan.demo_college_trois_sources").ids)])

    def _send(self, user):
        name, result = execute_kw(self, user, "tablet.letter.wizard", "create",
                                  [{"kind": "contract", "loan_ids": [[6, 0, self.loan.ids]]}])
        if name != "ok":
            return name, result
        return execute_kw(self, user, "tablet.letter.wizard", "action_send", [[result]])

    def test_refused_then_allowed(self):
        for login in ("dept_officer", "academy", "accountant", "supplier"):
            name, _message = self._send(self.users[login])
            self.assertEqual(name, "odoo.exceptions.AccessError", login)
        name, _message = self._send(self.other_referent)
        self.assertEqual(name, "odoo.exceptions.AccessError")
        self.assertFalse(self.env["tablet.letter"].search([("loan_id", "=", self.loan.id)]))
        name, result = self._send(self.users["referent"])
        self.assertEqual(name, "ok", result)
        letter = self.env["tablet.letter"].search([("loan_id", "=", self.loan.id)])
        self.assertEqual((letter.kind, letter.channel), ("contract", "email"))
        name, _message = execute_kw(self, self.users["referent"], "tablet.letter", "write",
                                    [letter.ids, {"registered_number": "FAUX"}])
        self.assertEqual(name, "odoo.exceptions.AccessError")
