from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

from ..models.tablet_workflow_mixin import tablet_action

_lt = LazyTranslate(__name__)


class TabletChargeWaiverWizard(models.TransientModel):
    """Issue 14: the head of the collège grants a waiver (remise gracieuse), of all or part of
    what is still due on an invoiced charge, with a reason kept in the charge's chatter. The
    accountant and the Département open it to read the amounts; only the head confirms."""

    _name = "tablet.charge.waiver.wizard"
    _description = "Waiver of a Charge (Remise Gracieuse)"
    _inherit = ["tablet.charge.head.decision.mixin"]

    full = fields.Boolean(string="Waive the Whole Amount Due", default=True)
    amount = fields.Monetary(string="Amount Waived", compute="_compute_amount", store=True, readonly=False)

    @api.depends("full", "charge_id")
    def _compute_amount(self):
        for wizard in self:
            if wizard.full or not wizard.amount:
                wizard.amount = wizard.amount_due

    @tablet_action("tablet_loan.group_college_head", role=_lt("the head of the collège"))
    def action_confirm(self):
        """The credit note, the charge's new status and the message are the charge's
        `_grant_waiver`, run with the action's pass once the role is checked."""
        self._charge_to_decide()._grant_waiver(self.amount_due if self.full else self.amount, self.reason or "")
        return {"type": "ir.actions.act_window_close"}
