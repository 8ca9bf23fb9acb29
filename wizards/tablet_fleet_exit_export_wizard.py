from datetime import date

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class TabletFleetExitExportWizard(models.TransientModel):
    """Asks the period of the fleet exits export (tablets given or scrapped, for the
    Département's asset register), then downloads it."""

    _name = "tablet.fleet.exit.export.wizard"
    _description = "Fleet Exits Export"

    company_id = fields.Many2one("res.company", string="Département", required=True,
                                 default=lambda self: self.env.company)
    date_from = fields.Date(string="From", required=True,
                            default=lambda self: date(fields.Date.context_today(self).year, 1, 1))
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(_("The period starts on %(start)s, after its end on %(end)s: swap the dates.",
                                        start=wizard.date_from, end=wizard.date_to))

    def action_export(self):
        self.ensure_one()
        action = self.env.ref("tablet_loan.report_fleet_exits_xlsx").report_action(None, data={
            "company_id": self.company_id.id,
            "date_from": fields.Date.to_string(self.date_from),
            "date_to": fields.Date.to_string(self.date_to),
        }, config=False)
        action["close_on_report_download"] = True
        return action
