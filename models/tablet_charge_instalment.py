from odoo import api, fields, models


class TabletChargeInstalment(models.Model):
    """Issue 14: one instalment of the plan (échéancier) the head of the collège grants a
    family for an unpaid charge. Written by the head's wizard only (nobody has a write right
    on it); `paid` follows the payments of the invoice, applied to the instalments in order."""

    _name = "tablet.charge.instalment"
    _description = "Charge Instalment"
    _inherit = ["tablet.workflow.mixin"]
    _order = "charge_id, sequence, id"
    _check_company_auto = True
    _tablet_state_field = False

    charge_id = fields.Many2one("tablet.charge", required=True, index=True, ondelete="cascade",
                                check_company=True)
    college_id = fields.Many2one(related="charge_id.college_id", store=True, index=True, string="Collège")
    company_id = fields.Many2one(related="charge_id.company_id", store=True, index=True, string="Département")
    currency_id = fields.Many2one(related="charge_id.currency_id", string="Currency")
    sequence = fields.Integer(string="No.", required=True, default=1)
    due_date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    paid = fields.Boolean(
        compute="_compute_paid", store=True,
        help="Paid once what remains due on the invoice is no more than the later instalments.")

    @api.depends("charge_id.invoice_id.amount_residual", "charge_id.instalment_ids.amount",
                 "charge_id.instalment_ids.sequence")
    def _compute_paid(self):
        """Payments are applied to the instalments in order: an instalment is paid when the
        amount still due on the invoice is covered by the instalments after it."""
        for charge, instalments in self.grouped("charge_id").items():
            residual = charge.invoice_id.amount_residual
            later = 0.0
            for instalment in charge.instalment_ids.sorted(lambda i: (i.sequence, i.id), reverse=True):
                if instalment in instalments:
                    instalment.paid = charge.currency_id.compare_amounts(residual, later) <= 0
                later += instalment.amount
            for instalment in instalments - charge.instalment_ids:
                instalment.paid = False

    @api.depends("charge_id", "sequence", "due_date")
    def _compute_display_name(self):
        for instalment in self:
            instalment.display_name = f"{instalment.charge_id.display_name} – {instalment.sequence}"
