import base64
import binascii
import io
from datetime import timedelta

from PIL import Image, UnidentifiedImageError

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.tablet_loan import LOAN_ACTORS
from ..models.tablet_loan_signature import MOMENTS, blank_image_problem
from ..models.tablet_workflow_mixin import tablet_action

HANDOVER_STATES = ("draft", "active", "custody")
RETURN_STATES = ("returned", "closed")


class TabletLoanSignatureWizard(models.TransientModel):
    """Record the signature at the desk (R11, R15): each legal representative of the pupil (both
    where the collège so decides) signs on the screen, or the scanned signed paper copy is
    attached instead; name, date and time, and the staff member present. Replaces typing a
    signer and a date into the loan.

    Odoo's `signature` widget (web's SignatureField, a PNG drawn in the browser) serves a desk
    signature in place; OCA `sign_oca` sends documents to sign by e-mail or portal, which the
    hand-over does not need (README, Signing)."""

    _name = "tablet.loan.signature.wizard"
    _description = "Record the Signature"

    loan_id = fields.Many2one("tablet.loan", required=True, ondelete="cascade")
    moment = fields.Selection(MOMENTS, required=True, compute="_compute_moment", store=True,
                              readonly=False, precompute=True)
    method = fields.Selection(
        [("screen", "Signed on screen"), ("paper", "Signed on paper (scanned copy)")],
        required=True, default="screen")
    one_representative_signs = fields.Boolean(
        compute="_compute_one_signs", store=True, readonly=False,
        precompute=True,
        help="One legal representative's signature is enough; otherwise every one of them signs.")
    signer_candidate_ids = fields.Many2many("res.partner", string="May Sign", compute="_compute_candidates")
    signer_1_id = fields.Many2one("res.partner", string="First Signer",
                                  domain="[('id', 'in', signer_candidate_ids)]")
    signature_1 = fields.Binary(string="Signature of the First Signer")
    signer_2_id = fields.Many2one("res.partner", string="Second Signer",
                                  domain="[('id', 'in', signer_candidate_ids)]")
    signature_2 = fields.Binary(string="Signature of the Second Signer")
    signed_at = fields.Datetime(string="Signed at", required=True, default=fields.Datetime.now)
    staff_user_id = fields.Many2one("res.users", string="Staff Member Present", required=True,
                                    default=lambda self: self.env.user, domain="[('share', '=', False)]")
    scan_file = fields.Binary(string="Scanned Signed Copy")
    scan_filename = fields.Char(string="File Name")

    @api.depends("loan_id")
    def _compute_moment(self):
        for wizard in self:
            wizard.moment = "return" if wizard.loan_id.state in RETURN_STATES else "handover"

    @api.depends("loan_id")
    def _compute_one_signs(self):
        for wizard in self:
            wizard.one_representative_signs = wizard.loan_id.one_representative_signs

    @api.depends("loan_id")
    def _compute_candidates(self):
        for wizard in self:
            wizard.signer_candidate_ids = wizard.loan_id._signers_needed()[0] if wizard.loan_id else False

    @api.onchange("loan_id", "moment")
    def _onchange_loan_signers(self):
        """Proposed: those who have not signed this moment yet, in the order of the pupil's file."""
        if not self.loan_id:
            return
        signed = self.loan_id.signature_ids.filtered(lambda s: s.moment == self.moment).signer_id
        waiting = self.loan_id._signers_needed()[0] - signed
        self.signer_1_id = waiting[:1]
        self.signer_2_id = waiting[1:2]

    @api.onchange("one_representative_signs")
    def _onchange_one_representative_signs(self):
        """One representative is enough: the second slot goes."""
        if self.one_representative_signs:
            self.signer_2_id = False
            self.signature_2 = False

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        loan = self.env["tablet.loan"].browse(values.get("loan_id")).exists()
        if loan:
            moment = "return" if loan.state in RETURN_STATES else "handover"
            waiting = loan._signers_needed()[0] - loan.signature_ids.filtered(lambda s: s.moment == moment).signer_id
            if "signer_1_id" in fields_list:
                values["signer_1_id"] = waiting[:1].id
            if "signer_2_id" in fields_list:
                values["signer_2_id"] = waiting[1:2].id
        return values

    # ------------------------------------------------------------------ checks
    def _slots(self):
        return [(signer, image) for signer, image in ((self.signer_1_id, self.signature_1),
                                                      (self.signer_2_id, self.signature_2)) if signer]

    def _problems(self):
        """Every reason the signatures cannot be recorded, all at once, naming person and field."""
        loan, problems = self.loan_id, []
        states = HANDOVER_STATES if self.moment == "handover" else RETURN_STATES
        if loan.state not in states:
            problems.append(_("%(loan)s is %(state)s: the %(moment)s is not signed in that status.",
                              loan=loan.display_name, state=loan._tablet_state_label().lower(),
                              moment=dict(MOMENTS)[self.moment].lower()))
        slots = self._slots()
        if not slots:
            problems.append(_("First Signer: choose who signs."))
        allowed = loan._signers_needed()[0]
        already = loan.signature_ids.filtered(lambda s: s.moment == self.moment).signer_id
        seen = self.env["res.partner"]
        for signer, image in slots:
            if signer not in allowed:
                problems.append(_(
                    "%(signer)s is not a legal representative of %(pupil)s: the contract is signed by "
                    "%(allowed)s.", signer=signer.display_name, pupil=loan.borrower_id.display_name,
                    allowed=", ".join(allowed.mapped("name")) or _("none recorded")))
            if signer in seen or signer in already:
                problems.append(_("%s has already signed this moment of the contract.", signer.display_name))
            seen |= signer
            if self.method == "screen":
                label = self._fields["signature_1" if signer == self.signer_1_id else "signature_2"].get_description(
                    self.env)["string"]
                problem = blank_image_problem(self.env, image, label)
                if problem:
                    problems.append(_("%(signer)s: %(problem)s", signer=signer.display_name, problem=problem))
        if self.signed_at and self.signed_at > fields.Datetime.now() + timedelta(minutes=5):
            problems.append(_("Signed at: the date and time is in the future; enter when the person signed, "
                              "now at the latest."))
        if self.method == "paper":
            problems += self._scan_problems()
        return problems

    def _scan_problems(self):
        label = self._fields["scan_file"].get_description(self.env)["string"]
        if not self.scan_file:
            return [_("%s: attach the scanned signed contract (PDF or image).", label)]
        try:
            raw = base64.b64decode(self.scan_file)
        except (binascii.Error, ValueError):
            return [_("%s: the file cannot be read; attach a PDF or an image.", label)]
        if raw.startswith(b"%PDF-"):
            return []
        try:
            Image.open(io.BytesIO(raw)).verify()
        except (OSError, UnidentifiedImageError):
            return [_("%s is neither a PDF nor an image: attach the scan as a PDF, PNG or JPEG file.", label)]
        return []

    # ----------------------------------------------------------------- action
    @tablet_action(*LOAN_ACTORS)
    def action_confirm(self):
        self.ensure_one()
        loan = self.loan_id
        # The user's own rights on the loan (record rules): a wizard may name any loan.
        loan.check_access("write")
        problems = self._problems()
        if problems:
            raise UserError(_("The signature cannot be recorded:\n%s", "\n".join(f"• {p}" for p in problems)))
        if self.moment == "handover" and loan.one_representative_signs != self.one_representative_signs:
            loan.write({"one_representative_signs": self.one_representative_signs})
        scan = base64.b64decode(self.scan_file) if self.method == "paper" else None
        loan._record_signatures(self.moment, [{
            "signer_id": signer.id, "method": self.method, "signed_at": self.signed_at,
            "staff_user_id": self.staff_user_id.id,
            "signature_image": image if self.method == "screen" else False,
        } for signer, image in self._slots()], scan=scan, scan_name=self.scan_filename)
        return {"type": "ir.actions.act_window_close"}
