import base64
import logging
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..models.utils import search_text_columns as search_database
from .common import TabletLoanCase, decide_for_charge

_logger = logging.getLogger(__name__)

@tagged("post_install", "-at_install")
class TestPrivacyLastTrace(TabletLoanCase):
    """R29 to the last trace (issue 17): after the anonymisation, no text column of any table of the
    database holds the former name of an anonymised person; the search itself is shown to find
    a name planted on purpose, so that it cannot pass for want of looking."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._college_sales_journal()
        Partner = cls.env["res.partner"]
        cls.rep = Partner.create({"name": "Anatolie Vercoutrenne", "school_role": "legal_representative",
                                  "company_id": cls.dept_a.id, "email": "anatolie.vercoutrenne@example.invalid",
                                  "street": "12 rue des Quinconces", "city": "Grenoble", "phone": "06 11 22 33 44"})
        cls.pupil = Partner.create({
            "name": "Zéphyrine Quintalbrosse", "school_role": "pupil", "college_id": cls.college_alpha.id,
            "grade_level": "5e", "school_class": "5e A", "email": "zephyrine.q@example.invalid",
            "legal_representative_ids": [Command.set(cls.rep.ids)]})
        cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.teacher_alpha | cls.pupil)
        cls.tablets = cls._tablets(cls.college_alpha, 2)
        cls.loan = cls._loan(cls.pupil, cls.tablets[0])
        cls.loan.action_activate()

    def _traces(self):
        """Everything that names the person, as a family's file holds it."""
        pupil, rep, loan = self.pupil, self.rep, self.loan
        now = datetime.now().replace(microsecond=0)
        Attachment = self.env["ir.attachment"]
        letter = Attachment.create({"name": "Lettre de Anatolie Vercoutrenne.pdf", "raw": b"%PDF-1.4 lettre",
                                    "description": "Courrier de la famille Quintalbrosse"})
        incident = self.env["tablet.incident"].create({
            "incident_type": "loss", "loan_id": loan.id, "event_datetime": now - timedelta(hours=3),
            "declaration_datetime": now, "circumstances": "Zéphyrine l'a oubliée dans le bus.",
            "letter_attachment_ids": [Command.set(letter.ids)]})
        self._commit_tracking()  # a record created in this transaction is not tracked until then
        incident.circumstances = "Zéphyrine Quintalbrosse l'a oubliée dans le bus de la ligne 4."
        incident.action_validate()
        # An invoiced charge, then cancelled by a credit note: the family owes nothing, the
        # invoice and its credit note stay (accounting records) and name the pupil and the payer.
        decide_for_charge(incident)
        charge = self.env["tablet.charge"]._create_from_incident(incident, "loss")
        charge.action_confirm()
        charge.action_create_invoice()
        charge.action_cancel()
        self.invoices = charge.invoice_id | charge.credit_note_id
        self.assertIn("Zéphyrine", self.invoices.invoice_line_ids[:1].name)
        self._commit_tracking()
        self.assertTrue(self.env["mail.tracking.value"].search([
            ("mail_message_id.model", "=", "tablet.incident"), ("mail_message_id.res_id", "=", incident.id),
            ("old_value_text", "ilike", "Zéphyrine")]), "the tracked circumstances name the pupil")
        Attachment.create({"name": "Contrat signé Quintalbrosse.pdf", "raw": b"%PDF-1.4 contrat",
                           "res_model": "tablet.loan", "res_id": loan.id})
        Attachment.create({"name": "Photo Zéphyrine.png", "raw": base64.b64decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="),
            "res_model": "res.partner", "res_id": pupil.id})
        loan.message_post(body="Zéphyrine Quintalbrosse a reçu sa tablette ; Anatolie Vercoutrenne a signé.")
        loan.message_subscribe(partner_ids=rep.ids)
        loan._remind_custody_missing()
        self.assertIn("Zéphyrine", loan.activity_ids[:1].summary)
        self.env["mail.mail"].create({
            "subject": "Convocation de Zéphyrine Quintalbrosse", "body_html": "<p>Madame Vercoutrenne,</p>",
            "email_to": rep.email, "recipient_ids": [Command.set(rep.ids)]})
        self.college_alpha.message_notify(partner_ids=self.head_alpha.partner_id.ids,
                                          subject="Tablettes non rendues", body="<ul><li>Zéphyrine Quintalbrosse</li></ul>")
        loan.with_context(mail_notify_force_send=False).message_post(
            body="Courrier à la famille Vercoutrenne", partner_ids=rep.ids, message_type="comment",
            subtype_xmlid="mail.mt_comment")
        # The geolocation of the lost tablet: its request and result name the pupil (R10).
        geolocation = self.env["tablet.geolocation.request"].create({
            "equipment_id": loan.equipment_id.id, "reason": "lost",
            "justification": "Tablette de Zéphyrine Quintalbrosse perdue."})
        self._commit_tracking()
        geolocation.action_request()
        geolocation.action_authorise()
        geolocation.write({"result": "Localisée chez Anatolie Vercoutrenne, 12 rue des Quinconces."})
        self._commit_tracking()
        self.assertEqual(geolocation.incident_id, incident)
        return incident, geolocation

    def test_no_trace_left_anywhere(self):
        incident, geolocation = self._traces()
        cr = self.env.cr
        own = ["Zéphyrine", "Quintalbrosse", "Anatolie", "Vercoutrenne", "zephyrine.q@", "anatolie.vercoutrenne@",
               "rue des Quinconces"]
        self.env.flush_all()
        before = search_database(cr, own)
        self.assertIn(("mail_tracking_value", "old_value_text"), before, "the search finds tracked values")
        self.assertIn(("mail_activity", "summary"), before)
        self.assertIn(("mail_message", "body"), before)
        self.assertIn(("ir_attachment", "name"), before)
        self.assertIn(("tablet_geolocation_request", "result"), before)
        # The demo's people too, every pupil and legal representative who can be, as the manager.
        manager = self.env.ref("tablet_loan.user_dept_manager", raise_if_not_found=False)
        Partner = self.env["res.partner"].with_context(active_test=False)
        demo = Partner.browse()
        if manager:
            demo = Partner.search([("school_role", "in", ("pupil", "legal_representative")),
                                   ("tablet_anonymized", "=", False), ("company_id", "in", manager.company_ids.ids)])
            demo -= Partner._tablet_people_owing(demo)
            # A representative whose child owes (as borrower) is kept with the child's file.
            demo -= demo.filtered(lambda p: p.pupil_ids & Partner._tablet_people_owing(p.pupil_ids))
            demo -= demo.legal_representative_ids & Partner._tablet_people_owing(demo.legal_representative_ids)
        demo_names = {p.name for p in demo}
        # A homonym still in the programme keeps the name: it is not the anonymised person's trace.
        kept = Partner.search([("name", "in", list(demo_names)), ("id", "not in", demo.ids)])
        demo_names -= set(kept.mapped("name"))
        if demo_names:
            demo_before = search_database(cr, sorted(demo_names))
            self.assertIn(("res_partner", "name"), demo_before, "the demo's names are found before")
            _logger.info("%s demo people to anonymise, their names in %s columns before", len(demo), len(demo_before))
        # Control: the search finds a name planted in a column no erasure touches.
        planted = (demo[:1].name or "Zéphyrine Quintalbrosse")
        self.college_alpha.comment = f"<p>Note : {planted}</p>"
        self.env.flush_all()
        self.assertIn(("res_partner", "comment"), search_database(cr, [planted]), "the search finds a planted name")
        self.college_alpha.comment = False

        (self.pupil | self.rep).with_user(self.manager_a).action_tablet_anonymize()
        if demo:
            demo.with_user(manager).action_tablet_anonymize()
        self.env.flush_all()
        left = search_database(cr, own + sorted(demo_names))
        self.assertFalse(left, f"former names still in the database: {left}")
        # The figures stay; the invoices keep their amounts, in the anonymised partner's name.
        self.assertEqual(len(self.invoices.exists()), 2)
        self.assertEqual(self.invoices[0].partner_id, self.rep)
        self.assertEqual(self.invoices[0].invoice_partner_display_name, self.rep.name)
        self.assertEqual(self.invoices[0].amount_total, self.invoices[1].amount_total)
        self.assertTrue(self.loan.exists() and incident.exists() and geolocation.exists())
        self.assertEqual(self.loan.borrower_id, self.pupil)
        self.assertTrue(self.pupil.tablet_anonymized and self.rep.tablet_anonymized)
        self.assertGreater(len(demo), 50 if manager else -1, "the demo's people are anonymised too")

    def test_whole_names_and_addresses(self):
        """The former name is rewritten where it stands as a whole word ("Élève 28", not the
        "Élève 284" still in the programme); the messages and queued e-mails from or to the former
        address go, found by the address in their headers whatever its case; others stay."""
        Partner, Message = self.env["res.partner"], self.env["mail.message"]
        gone = Partner.create({"name": "Élève 28", "school_role": "pupil", "college_id": self.college_alpha.id,
                               "grade_level": "5e", "email": "Famille.Vingt-Huit@Example.invalid"})
        kept = Partner.create({"name": "Élève 284", "school_role": "pupil", "college_id": self.college_alpha.id,
                               "grade_level": "5e"})
        notice = Message.create({
            "model": "res.partner", "res_id": self.college_alpha.id, "message_type": "notification",
            "body": "<ul><li>Tablette de Élève 28 non rendue</li><li>Tablette de Élève 284 non rendue</li></ul>"})
        values = {"model": "res.partner", "res_id": self.college_alpha.id, "message_type": "email", "author_id": False}
        from_them = Message.create({**values, "body": "Bonjour",
                                    "email_from": '"Famille" <famille.vingt-huit@example.INVALID>'})
        from_other = Message.create({**values, "body": "Bonjour", "email_from": '"Autre" <vingt-huit@example.invalid>'})
        queued = self.env["mail.mail"].create({
            "subject": "Convocation", "body_html": "<p>Madame,</p>",
            "email_to": "secretariat@example.invalid, famille.vingt-huit@example.invalid"})
        queued_message = queued.mail_message_id
        gone.with_user(self.manager_a).action_tablet_anonymize()
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertNotRegex(str(notice.body), r"Élève 28(?!\d)")
        self.assertIn(gone.name, str(notice.body))
        self.assertIn("Élève 284", str(notice.body))
        self.assertEqual(kept.name, "Élève 284")
        self.assertFalse(from_them.exists(), "the message from their address is erased")
        self.assertTrue(from_other.exists(), "an address that merely ends like theirs is someone else's")
        self.assertFalse(queued.exists() or queued_message.exists(), "the e-mail queued to them is erased")
        self.assertFalse(search_database(self.env.cr, ["Élève 28"]))

    def test_extension_point(self):
        """Every model that defines `_tablet_erase_person(partners)` is called with the anonymised
        people (other parts of the module erase what they alone hold)."""
        Loan = type(self.env["tablet.loan"])
        calls = []
        with patch.object(Loan, "_tablet_erase_person", create=True,
                          new=lambda model, partners: calls.append((model._name, partners.ids))):
            self.rep.with_user(self.manager_a).action_tablet_anonymize()
        self.assertEqual(calls, [("tablet.loan", self.rep.ids)])

    def test_erasure_is_set_based(self):
        """The queries of an anonymisation do not grow with the number of people."""
        now = datetime.now().replace(microsecond=0)
        Partner = self.env["res.partner"]

        def people(count, tag):
            pupils = Partner.create([{"name": f"Élève {tag} {n}", "school_role": "pupil",
                                      "college_id": self.college_alpha.id, "grade_level": "5e"}
                                     for n in range(count)])
            for pupil in pupils:
                pupil.message_post(body=f"Note sur {pupil.name}")
            return pupils

        def queries(records):
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.cr.sql_log_count
            records._tablet_anonymize()
            return self.cr.sql_log_count - start

        few, many = people(2, "petit"), people(12, "grand")
        self.assertTrue(now)
        count_few, count_many = queries(few), queries(many)
        self.assertLessEqual(count_many, count_few + 2, f"{count_few} queries for 2 people, {count_many} for 12")


@tagged("post_install", "-at_install")
class TestGeolocationPurge(TabletLoanCase):
    """R10, R29: what a geolocation found is erased after the period the Département sets."""

    def test_results_purged_after_the_period(self):
        self.dept_a.tablet_geolocation_retention_days = 30
        tablet = self._tablets(self.college_alpha, 1)
        Request = self.env["tablet.geolocation.request"]
        old, recent = Request.create([{
            "equipment_id": tablet.id, "reason": "authorities", "authority_reference": f"PV {n}",
            "justification": "Réquisition judiciaire."} for n in (1, 2)])
        for request in old | recent:
            request.action_request()
            request.action_authorise()
            request.write({"result": "Localisée au 3 place Grenette."})
        self._commit_tracking()
        self.env.cr.execute("UPDATE tablet_geolocation_request SET create_date = now() - interval '31 days' "
                            "WHERE id = %s", [old.id])
        self.env.invalidate_all()
        Request._cron_purge_results()
        self.assertFalse(old.result, "older than the period: erased")
        self.assertEqual(recent.result, "Localisée au 3 place Grenette.")
        self.assertFalse(self.env["mail.tracking.value"].search([
            ("mail_message_id.model", "=", Request._name), ("mail_message_id.res_id", "=", old.id),
            ("field_id.name", "=", "result")]), "its tracked values too")
        self.assertTrue(old.exists(), "the request stays in the log")
        with self.assertRaises(ValidationError):
            self.dept_a.write({"tablet_geolocation_retention_days": 0})
