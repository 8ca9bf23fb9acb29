from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import format_amount, format_date
from odoo.tools.translate import LazyTranslate

from ..models.tablet_workflow_mixin import tablet_action

_lt = LazyTranslate(__name__)


class TabletChargeInstalmentWizard(models.TransientModel):
    """Issue 14: the head of the collège spreads what is still due on an invoiced charge over
    2 to 12 monthly instalments (échéancier), with a reason kept in the charge's chatter."""

    _name = "tablet.charge.instalment.wizard"
    _description = "Instalment Plan of a Charge"
    _inherit = ["tablet.charge.head.decision.mixin"]

    count = fields.Integer(string="Number of Instalments", required=True, default=3,
                           help="From 2 to 12 monthly instalments.")
    first_date = fields.Date(string="First Instalment On", required=True,
                             default=lambda self: fields.Date.context_today(self) + relativedelta(months=1))
    preview = fields.Text(string="Instalments", compute="_compute_preview")

    @api.depends("count", "first_date", "amount_due")
    def _compute_preview(self):
        for wizard in self:
            currency = wizard.currency_id
            if not (2 <= wizard.count <= 12 and wizard.first_date and currency):
                wizard.preview = False
                continue
            share = currency.round(wizard.amount_due / wizard.count)
            amounts = [share] * (wizard.count - 1) + [currency.round(wizard.amount_due - share * (wizard.count - 1))]
            wizard.preview = "\n".join(
                f"{index + 1}. {format_date(self.env, wizard.first_date + relativedelta(months=index))} : "
                f"{format_amount(self.env, amount, currency)}" for index, amount in enumerate(amounts))

    @tablet_action("tablet_loan.group_college_head", role=_lt("the head of the collège"))
    def action_confirm(self):
        self._charge_to_decide()._set_instalment_plan(self.count, self.first_date, self.reason or "")
        return {"type": "ir.actions.act_window_close"}
