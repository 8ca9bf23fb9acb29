import base64
import binascii
import io

from PIL import Image, UnidentifiedImageError

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

MOMENTS = [("handover", "Hand-over"), ("return", "Return")]
# A pixel lighter than this (0-255 grey, on white) is paper, not ink.
INK_THRESHOLD = 200


def blank_image_problem(env, data, label):
    """Why `data` (base64) is no signature, or None: empty, unreadable, or every pixel white or
    transparent (a canvas submitted without a stroke). In the language of `env`."""
    if not data:
        return env._("%(field)s is empty: draw the signature in the box.", field=label)
    try:
        raw = base64.b64decode(data, validate=False)
        image = Image.open(io.BytesIO(raw))
        image.load()
    except (binascii.Error, ValueError, OSError, UnidentifiedImageError):
        return env._("%(field)s is not an image: draw the signature in the box (PNG or JPEG).", field=label)
    rgba = image.convert("RGBA")
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    darkest, _lightest = Image.alpha_composite(paper, rgba).convert("L").getextrema()
    if darkest >= INK_THRESHOLD:
        return env._("%(field)s is blank (no stroke drawn): the person signs in the box.", field=label)
    return None


class TabletLoanSignature(models.Model):
    """One person's signature of a loan contract, at the hand-over or at the return (R11, R15):
    who signed, when, the staff member present, and the drawn image (or a scanned paper copy,
    kept on the loan). Written once by the signature wizard's action and never changed: the
    proof the collège keeps (R11). Only the anonymisation (R29) deletes it, once the borrower
    is anonymised (see `_unlink_only_after_anonymisation`)."""

    _name = "tablet.loan.signature"
    _description = "Loan Contract Signature"
    _inherit = ["tablet.workflow.mixin"]
    _order = "loan_id, moment, signed_at, id"
    _tablet_state_field = False
    _tablet_action_fields = ("loan_id", "moment", "method", "signer_id", "signature_image", "signed_at",
                             "staff_user_id")

    loan_id = fields.Many2one("tablet.loan", required=True, index=True, ondelete="restrict")
    moment = fields.Selection(MOMENTS, required=True)
    method = fields.Selection(
        [("screen", "Signed on screen"), ("paper", "Signed on paper (scanned copy)")],
        required=True, default="screen")
    signer_id = fields.Many2one("res.partner", string="Signed by", required=True, ondelete="restrict")
    signature_image = fields.Binary(string="Signature", attachment=True)
    signed_at = fields.Datetime(string="Signed at", required=True)
    staff_user_id = fields.Many2one("res.users", string="Staff Member Present", required=True, ondelete="restrict")

    @api.constrains("signer_id", "loan_id")
    def _check_signer(self):
        """R11: a legal representative signs for a pupil; an adult signs for themselves."""
        for signature in self:
            borrower = signature.loan_id.borrower_id
            allowed = (borrower.legal_representative_ids if borrower.school_role == "pupil" else borrower)
            if signature.signer_id not in allowed:
                raise ValidationError(_(
                    "Signed by: %(signer)s is not a legal representative of %(pupil)s; the contract is "
                    "signed by %(allowed)s.", signer=signature.signer_id.display_name,
                    pupil=borrower.display_name,
                    allowed=", ".join(allowed.mapped("name")) or _("none recorded")))

    @api.constrains("signature_image", "method")
    def _check_image(self):
        label = self._fields["signature_image"].get_description(self.env)["string"]
        for signature in self.filtered(lambda s: s.method == "screen"):
            problem = blank_image_problem(self.env, signature.with_context(bin_size=False).signature_image, label)
            if problem:
                raise ValidationError(_("%(signer)s: %(problem)s", signer=signature.signer_id.display_name,
                                        problem=problem))

    # pylint: disable-next=method-required-super
    def write(self, vals):  # refuses every write: there is no parent behaviour to keep
        """Signatures are records of what happened: nothing of them changes, not even in an action."""
        raise UserError(_("A signature of a loan contract cannot be changed: it is the proof of what was "
                          "signed, by whom and when. Record a new signature instead."))

    @api.ondelete(at_uninstall=False)
    def _unlink_only_after_anonymisation(self):
        """Kept for as long as the loan's borrower is not anonymised (R11: the collège keeps the
        signed contract); the anonymisation (R29) sets `res.partner.tablet_anonymized` on the
        borrower before it deletes their traces, so it may delete these. The condition is the
        data itself, not a context key: a client can send any key, not anonymise a person by it."""
        kept = self.filtered(lambda s: not s.loan_id.borrower_id.tablet_anonymized)
        if kept:
            raise UserError(_(
                "The signature of %(signer)s on %(loan)s cannot be deleted: the collège keeps it until the "
                "borrower's personal data is anonymised.",
                signer=kept[0].signer_id.display_name, loan=kept[0].loan_id.display_name))
