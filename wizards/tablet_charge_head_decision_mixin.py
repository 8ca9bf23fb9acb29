from odoo import fields, models


class TabletChargeHeadDecisionMixin(models.AbstractModel):
    """What the head's decisions on an unpaid charge share (waiver, instalment plan, issue 14):
    the charge they open from, what is still due on it, and the reason that its chatter keeps.
    The decision itself is the charge's method, run by the wizard's `action_confirm` once the
    role is checked, on a charge of the head's own collèges."""

    _name = "tablet.charge.head.decision.mixin"
    _description = "Head's Decision on an Unpaid Charge"

    charge_id = fields.Many2one("tablet.charge", required=True, readonly=True,
                                default=lambda self: self.env.context.get("active_id"))
    currency_id = fields.Many2one(related="charge_id.currency_id")
    amount_due = fields.Monetary(related="charge_id.invoice_amount_residual", string="Amount Still Due")
    reason = fields.Text(required=True,
                         help="Why the head decides so: it stays in the charge's chatter.")

    def _charge_to_decide(self):
        self.ensure_one()
        self.charge_id.check_access("write")  # the head's own collèges only
        return self.charge_id
