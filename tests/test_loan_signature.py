"""Issue 17, item 1: the contract signed in place, at the hand-over and at the return, by each legal
representative of the pupil, with the staff member present; the signed PDF rendered once and kept,
immutable, its digest in the chatter; a scanned paper copy as the alternative."""
import base64
import hashlib
from datetime import date

from lxml import html

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..models.tablet_workflow_mixin import as_action
from .common import TabletLoanCase, blank_signature, demo_users, drawn_signature, execute_kw

WIZARD = "tablet.loan.signature.wizard"


@tagged("post_install", "-at_install")
class TestLoanSignature(TabletLoanCase, HttpCase):
    """Through the ORM as test users, and through JSON-RPC as the demo users. An HttpCase:
    wkhtmltopdf fetches the report's style sheets from Odoo's HTTP server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.second_rep = Partner.create({"name": "Parent Alpha Deux", "school_role": "legal_representative",
                                         "company_id": cls.dept_a.id})
        cls.pupil_alpha.legal_representative_ids = [Command.link(cls.second_rep.id)]
        cls.stranger = Partner.create({"name": "Voisin Sans Lien", "school_role": "legal_representative",
                                       "company_id": cls.dept_a.id})
        cls.pupil_two, cls.rep_two = cls._pupil_with_representative("Deux", cls.college_alpha, "5e", "5e A")
        cls._deployable(cls.college_alpha, cls.pupil_alpha + cls.pupil_two + cls.teacher_alpha)
        tablets = cls._tablets(cls.college_alpha, 3)
        cls.loan = cls._loan(cls.pupil_alpha, tablets[0])
        cls.loan.action_activate()
        cls.loan_two = cls._loan(cls.pupil_two, tablets[1])
        cls.loan_two.action_activate()
        cls.teacher_loan = cls._loan(cls.teacher_alpha, tablets[2])
        cls.referent_beta = new_test_user(
            cls.env, login="t_referent_beta_sign", groups="tablet_loan.group_college_referent",
            company_id=cls.dept_a.id, company_ids=[Command.set(cls.dept_a.ids)],
            tablet_college_ids=[Command.set(cls.college_beta.ids)])

    # ---------------------------------------------------------------- helpers
    def _wizard_form(self, loan, user=None):
        # force_report_rendering: a real PDF under the tests too (an HttpCase serves wkhtmltopdf).
        Wizard = self.env[WIZARD].with_user(user or self.referent_alpha).with_context(
            default_loan_id=loan.id, force_report_rendering=True)
        return Form(Wizard)

    def _sign(self, loan, signers, user=None, images=None, **vals):
        form = self._wizard_form(loan, user)
        form.signer_1_id = signers[0]
        form.signature_1 = (images or [drawn_signature(1)])[0]
        if len(signers) > 1:
            form.signer_2_id = signers[1]
            form.signature_2 = (images or [None, drawn_signature(2)])[1]
        else:
            form.signer_2_id = self.env["res.partner"]
        for name, value in vals.items():
            setattr(form, name, value)
        result = form.save().action_confirm()
        self._render_copies()
        return result

    def _render_copies(self):
        """What the scheduled action does right after the signature's request (triggered by it)."""
        self.env["tablet.loan"].with_context(force_report_rendering=True)._cron_keep_signed_copies()
        self.env.invalidate_all()

    def _unchanged(self, loan):
        loan.invalidate_recordset()
        self.assertFalse(loan.signature_ids)
        self.assertFalse(loan.signed_by_id)
        self.assertFalse(loan.signed_contract_id)

    # ------------------------------------------------------------- hand-over
    def test_two_representatives_sign_on_screen_and_the_pdf_is_kept(self):
        """Defaults: both representatives proposed, now, the user; the PDF rendered once, digest posted."""
        form = self._wizard_form(self.loan)
        self.assertEqual(form.moment, "handover")
        self.assertEqual(form.signer_1_id, self.rep_alpha)
        self.assertEqual(form.signer_2_id, self.second_rep)
        self.assertEqual(form.staff_user_id, self.referent_alpha)
        self.assertFalse(form.one_representative_signs)
        form.signature_1 = drawn_signature(1)
        form.signature_2 = drawn_signature(2)
        triggers = self.env["ir.cron.trigger"].search_count([])
        form.save().action_confirm()
        loan = self.loan
        # The request records the signatures; the copy is rendered right after, by the scheduled action.
        self.assertEqual(loan.signed_copy_due, "handover")
        self.assertFalse(loan.signed_contract_id)
        self.assertEqual(self.env["ir.cron.trigger"].search_count([
            ("cron_id", "=", self.env.ref("tablet_loan.ir_cron_tablet_signed_copies").id)]), 1)
        self.assertEqual(self.env["ir.cron.trigger"].search_count([]), triggers + 1)
        self._render_copies()
        self.assertFalse(loan.signed_copy_due)
        self.assertEqual(loan.signature_ids.signer_id, self.rep_alpha | self.second_rep)
        self.assertEqual(set(loan.signature_ids.mapped("staff_user_id")), {self.referent_alpha})
        self.assertEqual(loan.signed_by_id, self.rep_alpha)
        self.assertEqual(loan.signed_date, date.today())
        self.assertTrue(loan.home_use_allowed, "signed by a legal representative (R12)")
        pdf = loan.signed_contract_id
        self.assertEqual(pdf.res_model, "tablet.loan")
        self.assertEqual(pdf.res_id, loan.id)
        self.assertTrue(pdf.raw.startswith(b"%PDF"), "a real PDF, kept")
        digest = hashlib.sha256(pdf.raw).hexdigest()
        self.assertTrue(loan.message_ids.filtered(lambda m: digest in (m.body or "")), "SHA-256 in the chatter")
        # The report shows each signature: image, name, date and time, staff member present.
        content, _type = self.env["ir.actions.report"].with_user(self.referent_alpha)._render_qweb_html(
            "tablet_loan.action_report_loan_contract", loan.ids)
        rows = html.fromstring(content.decode()).xpath("//tr[contains(@class, 'o_tablet_loan_signature')]")
        self.assertEqual([row.get("data-signer") for row in rows], ["Parent Alpha", "Parent Alpha Deux"])
        self.assertTrue(all(row.xpath(".//img[starts-with(@src, 'data:image/png;base64,')]") for row in rows))
        self.assertIn(self.referent_alpha.name, rows[0].text_content())
        # The signed copy is not rendered again: the action opens the kept file.
        action = loan.with_user(self.officer_a).action_open_signed_contract()
        self.assertEqual(action["url"], f"/web/content/{pdf.id}?download=true")

    def test_one_representative_then_the_other(self):
        """Both sign, as the collège decided: the PDF waits for the second, who signs later."""
        self._sign(self.loan, [self.rep_alpha])
        self.assertEqual(self.loan.signed_by_id, self.rep_alpha)
        self.assertFalse(self.loan.signed_contract_id, "the second representative has not signed yet")
        form = self._wizard_form(self.loan)
        self.assertEqual(form.signer_1_id, self.second_rep, "only who has not signed is proposed")
        form.signature_1 = drawn_signature(3)
        form.save().action_confirm()
        self._render_copies()
        self.assertTrue(self.loan.signed_contract_id)
        self.assertEqual(len(self.loan.signature_ids), 2)

    def test_one_representative_is_enough_when_the_college_so_decides(self):
        self._sign(self.loan, [self.second_rep], one_representative_signs=True)
        self.assertTrue(self.loan.one_representative_signs)
        self.assertTrue(self.loan.signed_contract_id)
        self.assertEqual(self.loan.signed_by_id, self.second_rep)

    def test_staff_signs_their_own_contract(self):
        form = self._wizard_form(self.teacher_loan, self.manager_a)
        self.assertEqual(form.signer_1_id, self.teacher_alpha)
        form.signature_1 = drawn_signature()
        form.save().action_confirm()
        self._render_copies()
        self.assertEqual(self.teacher_loan.signed_by_id, self.teacher_alpha)
        self.assertTrue(self.teacher_loan.signed_contract_id)

    # ------------------------------------------------------------- bad input
    def test_not_a_representative_is_refused(self):
        # The parent of another pupil of the collège, and the pupil themselves.
        for signer in (self.rep_two, self.pupil_alpha):
            with self.assertRaises(UserError) as caught:
                self._sign(self.loan, [signer])
            self.assertIn(signer.name, str(caught.exception))
            self.assertIn("Élève Alpha", str(caught.exception))
            self._unchanged(self.loan)
        # Not even through the model: the constraint holds in an action.
        with self.assertRaises(ValidationError):
            as_action(self.env["tablet.loan.signature"]).create({
                "loan_id": self.loan.id, "moment": "handover", "signer_id": self.stranger.id,
                "signature_image": drawn_signature(), "signed_at": "2026-09-01 10:00:00",
                "staff_user_id": self.referent_alpha.id})

    def test_blank_or_empty_signature_is_refused(self):
        for image in (blank_signature(), blank_signature(colour=(255, 255, 255, 255)), False,
                      base64.b64encode(b"not an image").decode()):
            with self.assertRaises(UserError) as caught:
                self._sign(self.loan, [self.rep_alpha], images=[image])
            self.assertIn("Parent Alpha", str(caught.exception))
            self.assertIn("Signature", str(caught.exception))
            self._unchanged(self.loan)

    def test_signing_twice_is_refused(self):
        self._sign(self.loan, [self.rep_alpha])
        with self.assertRaises(UserError) as caught:
            self._sign(self.loan, [self.rep_alpha])
        self.assertIn("Parent Alpha", str(caught.exception))
        self.assertEqual(len(self.loan.signature_ids), 1)

    def test_signed_copy_cannot_be_replaced_nor_deleted(self):
        self._sign(self.loan, [self.rep_alpha, self.second_rep])
        pdf = self.loan.signed_contract_id
        checksum = pdf.checksum
        signature = self.loan.signature_ids[0]
        image = self.env["ir.attachment"].search([("res_model", "=", "tablet.loan.signature"),
                                                  ("res_id", "=", signature.id), ("res_field", "=", "signature_image")])
        self.assertTrue(image, "the drawn image is a file of the signature")
        for user in (self.referent_alpha, self.manager_a, self.env.user):
            for files in (pdf, image):
                with self.assertRaises(UserError) as caught:
                    files.with_user(user).write({"raw": b"%PDF-1.4 faux"})
                self.assertIn(self.loan._reference(), str(caught.exception))
                with self.assertRaises(UserError):
                    files.with_user(user).unlink()
                with self.assertRaises(UserError):
                    files.with_user(user).write({"res_id": self.loan_two.id})
        other = self.env["ir.attachment"].create({"name": "autre.pdf", "raw": b"%PDF-1.4 autre"})
        for user in (self.referent_alpha, self.manager_a):
            with self.assertRaises(AccessError):
                self.loan.with_user(user).write({"signed_contract_id": other.id})
            with self.assertRaises(UserError):
                signature.with_user(user).write({"signed_at": "2026-09-02 10:00:00"})
            with self.assertRaises(AccessError):
                signature.with_user(user).unlink()
        with self.assertRaises(UserError):
            signature.unlink()  # not even the superuser, while the borrower is not anonymised
        self.loan.invalidate_recordset()
        self.assertEqual(self.loan.signed_contract_id, pdf)
        self.assertEqual(pdf.checksum, checksum)
        self.assertEqual(len(self.loan.signature_ids), 2)

    def test_anonymised_borrower_lets_the_erasure_through(self):
        """R29: the anonymisation marks the borrower first, then deletes every file of their loans."""
        self._sign(self.loan, [self.rep_alpha, self.second_rep])
        pdf, signatures = self.loan.signed_contract_id, self.loan.signature_ids
        as_action(self.pupil_alpha).write({"tablet_anonymized": True})
        images = self.env["ir.attachment"].search([
            ("res_model", "=", "tablet.loan.signature"), ("res_id", "in", signatures.ids),
            ("res_field", "=", "signature_image")])
        self.assertEqual(len(images), 2)
        signatures.unlink()
        self.assertFalse(images.exists(), "the drawn images go with their signatures")
        pdf.unlink()
        self.assertFalse(pdf.exists())

    def test_no_copy_rendered_for_a_person_anonymised_meanwhile(self):
        """R29: the copy waits for the scheduled action; the borrower anonymised before it runs gets none."""
        form = self._wizard_form(self.loan)
        form.signature_1 = drawn_signature(1)
        form.signature_2 = drawn_signature(2)
        form.save().action_confirm()
        self.assertEqual(self.loan.signed_copy_due, "handover")
        as_action(self.pupil_alpha).write({"tablet_anonymized": True})
        self._render_copies()
        self.assertFalse(self.loan.signed_copy_due)
        self.assertFalse(self.loan.signed_contract_id)
        self.assertFalse(self.env["ir.attachment"].search_count([
            ("res_model", "=", "tablet.loan"), ("res_id", "=", self.loan.id)]))

    # ------------------------------------------------------------ paper copy
    def test_scanned_paper_copy(self):
        scan = b"%PDF-1.4 contrat signe scanne"
        form = self._wizard_form(self.loan)
        form.method = "paper"
        form.scan_file = base64.b64encode(scan).decode()
        wizard = form.save()
        wizard.scan_filename = "contrat_signe.pdf"  # set by the upload widget with the file
        wizard.action_confirm()
        loan = self.loan
        self.assertEqual(set(loan.signature_ids.mapped("method")), {"paper"})
        self.assertEqual(loan.signed_contract_id.raw, scan)
        self.assertEqual(loan.signed_contract_id.name, "contrat_signe.pdf")
        self.assertTrue(loan.message_ids.filtered(lambda m: hashlib.sha256(scan).hexdigest() in (m.body or "")))
        with self.assertRaises(UserError):
            loan.signed_contract_id.with_user(self.referent_alpha).unlink()

    def test_scan_that_is_not_a_pdf_nor_an_image_is_refused(self):
        for content in (False, base64.b64encode(b"bonjour").decode()):
            # As the client sends it (the form itself requires a file before saving).
            wizard = self.env[WIZARD].with_user(self.referent_alpha).create({
                "loan_id": self.loan.id, "method": "paper", "signer_1_id": self.rep_alpha.id, "scan_file": content})
            with self.assertRaises(UserError) as caught:
                wizard.action_confirm()
            self.assertRegex(str(caught.exception), r"(?i)scann")
            self._unchanged(self.loan)

    # ---------------------------------------------------------------- return
    def test_return_is_signed_too(self):
        self._sign(self.loan, [self.rep_alpha, self.second_rep])
        self.env["tablet.return.wizard"].with_user(self.referent_alpha).with_context(
            active_model="tablet.loan", active_ids=self.loan.ids).create({}).action_confirm()
        self.assertIn(self.loan.state, ("returned", "closed"))
        form = self._wizard_form(self.loan)
        self.assertEqual(form.moment, "return")
        self.assertEqual(form.signer_1_id, self.rep_alpha)
        form.signature_1 = drawn_signature(4)
        form.signature_2 = drawn_signature(5)
        form.save().action_confirm()
        self._render_copies()
        self.assertTrue(self.loan.signed_return_id.raw.startswith(b"%PDF"))
        self.assertNotEqual(self.loan.signed_return_id, self.loan.signed_contract_id)
        self.assertEqual(self.loan.signature_ids.mapped("moment").count("return"), 2)

    # ----------------------------------------------------------------- roles
    def test_roles_that_may_not_record_a_signature(self):
        for user in (self.officer_a, self.academy_user, self.accountant_alpha, self.supplier_user):
            with self.assertRaises(AccessError):
                self.env[WIZARD].with_user(user).create({"loan_id": self.loan.id, "signer_1_id": self.rep_alpha.id,
                                                         "signature_1": drawn_signature()})
        with self.assertRaises(AccessError):
            self.loan.with_user(self.officer_a).action_open_signature_wizard()
        # A référent of another collège names this loan in a wizard of their own: refused.
        with self.assertRaises(AccessError):
            self.env[WIZARD].with_user(self.referent_beta).create({
                "loan_id": self.loan.id, "signer_1_id": self.rep_alpha.id,
                "signature_1": drawn_signature()}).action_confirm()
        # No one creates a signature outside the wizard's action.
        with self.assertRaises(AccessError):
            self.env["tablet.loan.signature"].with_user(self.referent_alpha).create({
                "loan_id": self.loan.id, "moment": "handover", "signer_id": self.rep_alpha.id,
                "signature_image": drawn_signature(), "signed_at": "2026-09-01 10:00:00",
                "staff_user_id": self.referent_alpha.id})
        self._unchanged(self.loan)

    # -------------------------------------------------------------- JSON-RPC
    def test_json_rpc(self):
        """As the demo users: the référent records the signature; the supplier, the accountant and
        the Académie cannot; nobody replaces or deletes the signed PDF."""
        users = demo_users(self.env)
        if not users:
            self.skipTest("the demo users are needed")
        for login in ("referent", "supplier", "accountant", "academy"):
            users[login].write({"company_ids": [Command.link(self.dept_a.id)],
                                "tablet_college_ids": [Command.link(self.college_alpha.id)]})
        vals = {"loan_id": self.loan.id, "signer_1_id": self.rep_alpha.id, "signature_1": drawn_signature(1),
                "signer_2_id": self.second_rep.id, "signature_2": drawn_signature(2)}
        for login in ("supplier", "accountant", "academy"):
            name, _message = execute_kw(self, users[login], WIZARD, "create", [vals])
            self.assertEqual(name, "odoo.exceptions.AccessError", login)
        name, message = execute_kw(self, users["referent"], WIZARD, "create",
                                   [dict(vals, signer_2_id=self.rep_two.id)])
        self.assertEqual(name, "ok", message)
        name, message = execute_kw(self, users["referent"], WIZARD, "action_confirm", [[message]])
        self.assertEqual(name, "odoo.exceptions.UserError")
        self.assertIn("Parent Deux", message)
        self._unchanged(self.loan)
        name, wizard_id = execute_kw(self, users["referent"], WIZARD, "create", [vals])
        name, message = execute_kw(self, users["referent"], WIZARD, "action_confirm", [[wizard_id]])
        self.assertEqual(name, "ok", message)
        self.loan.invalidate_recordset()
        self.assertEqual(self.loan.signed_copy_due, "handover")
        # Nobody marks the copy as prepared, nor asks for it without the role; the référent may.
        with mute_logger("odoo.http"):
            for login in ("referent", "accountant"):
                name, _message = execute_kw(self, users[login], "tablet.loan", "write",
                                            [[self.loan.id], {"signed_copy_due": False}])
                self.assertEqual(name, "odoo.exceptions.AccessError", login)
            name, _message = execute_kw(self, users["accountant"], "tablet.loan", "action_keep_signed_copy",
                                        [[self.loan.id]])
            self.assertEqual(name, "odoo.exceptions.AccessError")
        self.loan.invalidate_recordset()
        self.assertEqual(self.loan.signed_copy_due, "handover")
        name, message = execute_kw(self, users["referent"], "tablet.loan", "action_keep_signed_copy",
                                   [[self.loan.id]])
        self.assertEqual(name, "ok", message)
        self.loan.invalidate_recordset()
        self.assertFalse(self.loan.signed_copy_due)
        pdf = self.loan.signed_contract_id
        self.assertTrue(pdf)
        checksum = pdf.checksum
        referent = users["referent"]
        with mute_logger("odoo.http"):
            for method, args in (("write", [[pdf.id], {"datas": base64.b64encode(b"faux").decode()}]),
                                 ("unlink", [[pdf.id]])):
                name, message = execute_kw(self, referent, "ir.attachment", method, args)
                self.assertEqual(name, "odoo.exceptions.UserError", message)
            other = self.env["ir.attachment"].create({"name": "autre.pdf", "raw": b"%PDF-1.4 autre"})
            name, _message = execute_kw(self, referent, "tablet.loan", "write",
                                        [[self.loan.id], {"signed_contract_id": other.id}])
            self.assertEqual(name, "odoo.exceptions.AccessError")
            name, _message = execute_kw(self, referent, "tablet.loan.signature", "write",
                                        [self.loan.signature_ids.ids, {"signer_id": self.rep_alpha.id}])
            self.assertIn(name, ("odoo.exceptions.AccessError", "odoo.exceptions.UserError"))
        self.loan.invalidate_recordset()
        pdf.invalidate_recordset()
        self.assertEqual(self.loan.signed_contract_id, pdf)
        self.assertEqual(pdf.checksum, checksum)
