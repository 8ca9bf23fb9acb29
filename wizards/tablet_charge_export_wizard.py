from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class TabletChargeExportWizard(models.TransientModel):
    """Asks the period (and optionally the collèges) of the charges and payments export
    for the collège's accounting, then downloads it."""

    _name = "tablet.charge.export.wizard"
    _description = "Damage Charges Export"

    company_id = fields.Many2one("res.company", string="Département", required=True,
                                 default=lambda self: self.env.company)
    date_from = fields.Date(string="From", required=True,
                            default=lambda self: fields.Date.context_today(self).replace(day=1),
                            help="Charges recorded from this day.")
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today,
                          help="Charges recorded up to this day included.")
    college_ids = fields.Many2many("res.partner", string="Collèges", domain=[("is_college", "=", True)],
                                   help="Leave empty for every collège you follow.")

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(_("The period starts on %(start)s, after its end on %(end)s: swap the dates.",
                                        start=wizard.date_from, end=wizard.date_to))

    def action_export(self):
        self.ensure_one()
        action = self.env.ref("tablet_loan.report_charges_xlsx").report_action(None, data={
            "company_id": self.company_id.id,
            "date_from": fields.Date.to_string(self.date_from),
            "date_to": fields.Date.to_string(self.date_to),
            "college_ids": self.college_ids.ids,
        }, config=False)
        action["close_on_report_download"] = True
        return action
