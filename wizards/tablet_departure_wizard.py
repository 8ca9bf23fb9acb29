from odoo import _, api, fields, models
from odoo.exceptions import UserError


class TabletDepartureWizard(models.TransientModel):
    """Ending loans: the user leaves the collège, the family writes a registered letter,
    or the Département ends the loan (R14, B 5.2, I 3.1)."""

    _name = "tablet.departure.wizard"
    _description = "End of Tablet Loans"

    partner_ids = fields.Many2many("res.partner", string="People Leaving")
    loan_ids = fields.Many2many("tablet.loan", string="Loans to End", compute="_compute_loan_ids",
                                store=True, readonly=False)
    reason = fields.Selection(
        [("leaving", "The user leaves the collège"),
         ("letter", "Registered letter from the user or legal representative"),
         ("department", "Decision of the Département")],
        required=True, default="leaving",
    )
    end_date = fields.Date(string="Loan Ends on", required=True, default=fields.Date.context_today,
                           help="The tablet is due back by this date, the user's last day of presence.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        model, ids = self.env.context.get("active_model"), self.env.context.get("active_ids") or []
        if model == "res.partner":
            values["partner_ids"] = [(6, 0, ids)]
        elif model == "tablet.loan":
            values.update(loan_ids=[(6, 0, ids)], reason="letter")
        return values

    @api.depends("partner_ids")
    def _compute_loan_ids(self):
        for wizard in self:
            if wizard.partner_ids:
                wizard.loan_ids = self.env["tablet.loan"].search([
                    ("borrower_id", "in", wizard.partner_ids.ids),
                    ("state", "in", self.env["tablet.loan"]._open_states()),
                ])

    def action_confirm(self):
        self.ensure_one()
        if not self.partner_ids and not self.loan_ids:
            raise UserError(_("Choose the people leaving or the loans to end."))
        if self.partner_ids:
            self.partner_ids.write({"leaving_date": self.end_date})
        reason = dict(self._fields["reason"]._description_selection(self.env))[self.reason]
        drafts = self.loan_ids.filtered(lambda loan: loan.state == "draft")
        ended = self.loan_ids._end_on(self.end_date)
        for loan in ended:
            loan.message_post(body=_("The loan ends on %(date)s: %(reason)s. The tablet is due back by then.",
                                     date=self.end_date, reason=reason.lower()))
        if ended.filtered("is_overdue"):
            self.env["tablet.loan"]._cron_overdue_returns()
        if not ended and not drafts:
            return {"type": "ir.actions.act_window_close"}
        return {
            "type": "ir.actions.client", "tag": "display_notification",
            "params": {"type": "success", "sticky": False, "next": {"type": "ir.actions.act_window_close"},
                       "message": _("%(ended)s loans end on %(date)s; %(drafts)s prepared loans cancelled.",
                                    ended=len(ended), date=self.end_date, drafts=len(drafts))},
        }
