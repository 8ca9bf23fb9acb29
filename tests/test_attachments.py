"""Files uploaded on a record (family's letters, theft complaints, signed amendments) belong to
that record once it is saved, and are read by exactly those who may read the record and the
field holding them: through `ir.attachment` and through `/web/content` (R18, R19, R25, R29).
"""
from datetime import datetime, timedelta

from odoo import Command, fields, http
from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import demo_users

LETTER = b"%PDF-1.4 Lettre de la famille : la tablette est tombee dans la cour."
COMPLAINT = b"%PDF-1.4 Recepisse de plainte, gendarmerie de Lac-Bleu."
SCAN = b"%PDF-1.4 Avenant signe par les parties."


@tagged("post_install", "-at_install")
class TestAttachments(HttpCase):
    """As the demo users (and a référent of another collège), in the browser's order: the file
    is uploaded as soon as it is chosen, before the record is saved."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = demo_users(cls.env)
        if cls.users is None:
            cls.skipTest(cls, "the demo users are needed (database without demo data)")
        ref = cls.env.ref
        department = ref("tablet_loan.demo_department")
        cls.users["referent_trois"] = new_test_user(
            cls.env, login="referent_trois", groups="tablet_loan.group_college_referent",
            company_id=department.id, company_ids=[Command.set(department.ids)],
            tablet_college_ids=[Command.set(ref("tablet_loan.demo_college_trois_sources").ids)])
        cls.loans = cls.env["tablet.loan"].search([
            ("college_id", "=", ref("tablet_loan.demo_college_lac_bleu").id), ("state", "=", "active"),
            ("incident_ids", "=", False)], limit=2)

    # ------------------------------------------------------------------ helpers
    def _upload(self, login, model, name, content, res_id=0):
        """What the many2many_binary widget does when a file is chosen."""
        self.authenticate(login, login)
        response = self.url_open("/web/binary/upload_attachment", data={
            "model": model, "id": res_id, "csrf_token": http.Request.csrf_token(self)},
            files={"ufile": (name, content, "application/pdf")})
        self.assertEqual(response.status_code, 200)
        return self.env["ir.attachment"].browse(response.json()[0]["id"])

    def _download(self, login, attachment):
        self.authenticate(login, login)
        with mute_logger("odoo.http"):
            return self.url_open(f"/web/content/{attachment.id}?download=true")

    def _declare(self, incident_type, loan, files):
        """The référent declares an incident in its form, files attached before the first save."""
        now = datetime.now().replace(microsecond=0)
        form = Form(self.env["tablet.incident"].with_user(self.users["referent"]))
        form.incident_type = incident_type
        form.loan_id = loan
        form.event_datetime = now - timedelta(hours=6)
        form.declaration_datetime = now
        form.circumstances = "Chute dans la cour ; écran fissuré."
        for fname, attachment in files.items():
            getattr(form, fname).add(attachment)
        return form.save()

    def _assert_readable(self, attachment, content, logins):
        for login in logins:
            with self.subTest(login=login, file=attachment.name):
                self.assertEqual(attachment.with_user(self.users[login]).read(["name", "raw"])[0]["raw"], content)
                response = self._download(login, attachment)
                self.assertEqual((response.status_code, response.content), (200, content))

    def _assert_unreadable(self, attachment, logins):
        for login in logins:
            with self.subTest(login=login, file=attachment.name):
                with self.assertRaises(AccessError):
                    attachment.with_user(self.users[login]).read(["name", "raw"])
                Attachment = self.env["ir.attachment"].with_user(self.users[login])
                self.assertFalse(Attachment.search([("id", "=", attachment.id)]))
                self.assertFalse(Attachment.search([("res_field", "=", attachment.res_field)]))
                self.assertNotEqual(self._download(login, attachment).status_code, 200)

    # ------------------------------------------------------------------ tests
    def test_letter_attached_before_the_first_save(self):
        """R18, R23, R25: the family's letter attached while declaring; the head opens the incident
        and decides, the Département manager opens it; no one else reads the letter."""
        letter = self._upload("referent", "tablet.incident", "lettre-famille.pdf", LETTER)
        self.assertEqual((letter.res_model, letter.res_id), ("tablet.incident", 0), "uploaded before the record exists")
        incident = self._declare("breakage", self.loans[0], {"letter_attachment_ids": letter})
        letter.invalidate_recordset()
        self.assertRecordValues(letter, [{"res_model": "tablet.incident", "res_id": incident.id,
                                          "res_field": "letter_attachment_ids", "public": False}])
        incident.with_user(self.users["referent"]).action_validate()
        for login in ("head", "dept_manager"):
            with self.subTest(login=login):
                form = Form(incident.with_user(self.users[login]))
                self.assertIn(letter, form.letter_attachment_ids)
                values = incident.with_user(self.users[login]).web_read(
                    {"letter_attachment_ids": {"fields": {"name": {}, "mimetype": {}}}, "circumstances": {}})[0]
                self.assertEqual([v["name"] for v in values["letter_attachment_ids"]], ["lettre-famille.pdf"])
        form = Form(incident.with_user(self.users["head"]))
        form.decision = "no_replacement"
        form.qualification = "accident"
        form.save().action_decide()
        self.assertEqual(incident.decided_by_id, self.users["head"], "the head could decide (R23)")
        self._assert_readable(letter, LETTER, ["referent", "head", "dept_manager"])
        self._assert_unreadable(letter, ["referent_trois", "supplier", "accountant", "dept_officer", "academy"])

    def test_department_officer_reads_the_incident_not_the_letter(self):
        """R25, R29: the Département's officer follows incidents without the family's letter or
        the complaint, through no door: ir.attachment, /web/content, the chatter's files."""
        letter = self._upload("referent", "tablet.incident", "lettre.pdf", LETTER)
        complaint = self._upload("referent", "tablet.incident", "plainte.pdf", COMPLAINT)
        theft = self._declare("theft", self.loans[1], {"letter_attachment_ids": letter,
                                                       "complaint_attachment_ids": complaint})
        self.assertTrue(theft.has_complaint)
        theft.with_user(self.users["referent"]).action_validate()
        officer = self.users["dept_officer"]
        self.assertEqual(theft.with_user(officer).read(["incident_type"])[0]["incident_type"], "theft")
        self._assert_unreadable(letter, ["dept_officer"])
        self._assert_unreadable(complaint, ["dept_officer", "supplier", "accountant", "referent_trois"])
        files = self.env["ir.attachment"].with_user(officer).search(
            [("res_model", "=", "tablet.incident"), ("res_id", "=", theft.id)])
        self.assertFalse(files & (letter | complaint))
        self.assertFalse((letter | complaint) & theft.with_user(officer)._get_mail_thread_data_attachments())
        self._assert_readable(complaint, COMPLAINT, ["head", "dept_manager"])

    def test_signed_amendment_scan(self):
        """R5: a signed amendment uploaded in the convention's form is read with the convention."""
        convention = self.env.ref("tablet_loan.demo_convention_lac_bleu")
        scan = self._upload("head", "tablet.convention.amendment", "avenant.pdf", SCAN)
        amendment = self.env["tablet.convention.amendment"].with_user(self.users["head"]).create({
            "convention_id": convention.id, "name": "Avenant n° 1 (test)", "date": fields.Date.today(),
            "attachment_ids": [Command.link(scan.id)]})
        scan.invalidate_recordset()
        self.assertEqual((scan.res_model, scan.res_id, scan.res_field),
                         (amendment._name, amendment.id, "attachment_ids"))
        self._assert_readable(scan, SCAN, ["head", "academy", "dept_officer"])
        self._assert_unreadable(scan, ["referent_trois", "supplier"])

    def test_no_file_of_another_record_or_user(self):
        """A file already attached elsewhere, or uploaded by someone else, is not linked: it would
        be read through this record. A bound file is neither moved nor made public."""
        letter = self._upload("referent", "tablet.incident", "lettre.pdf", LETTER)
        incident = self._declare("breakage", self.loans[0], {"letter_attachment_ids": letter})
        other = self._declare("failure", self.loans[1], {})
        as_referent = other.with_user(self.users["referent"])
        with self.assertRaises(AccessError):
            as_referent.write({"letter_attachment_ids": [Command.link(letter.id)]})
        heads_upload = self._upload("head", "tablet.incident", "autre.pdf", COMPLAINT)
        with self.assertRaises(AccessError):
            as_referent.write({"letter_attachment_ids": [Command.link(heads_upload.id)]})
        self.assertFalse(other.letter_attachment_ids)
        for vals in ({"res_field": False}, {"public": True}, {"res_id": other.id}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                letter.with_user(self.users["referent"]).write(vals)
        letter.invalidate_recordset()
        self.assertRecordValues(letter, [{"res_model": "tablet.incident", "res_id": incident.id,
                                          "res_field": "letter_attachment_ids", "public": False}])
        self._assert_unreadable(letter, ["dept_officer"])
