from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class TabletPeriodExportMixin(models.AbstractModel):
    """What the period exports share: a Département, a checked period, and the download
    of an XLSX report with them; each wizard names its report and adds its own data."""

    _name = "tablet.period.export.mixin"
    _description = "Period of an XLSX Export"
    _export_report = None  # XML id of the report_xlsx action

    company_id = fields.Many2one("res.company", string="Département", required=True,
                                 default=lambda self: self.env.company)
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(_("The period starts on %(start)s, after its end on %(end)s: swap the dates.",
                                        start=wizard.date_from, end=wizard.date_to))

    def _export_data(self):
        return {
            "company_id": self.company_id.id,
            "date_from": fields.Date.to_string(self.date_from),
            "date_to": fields.Date.to_string(self.date_to),
        }

    def action_export(self):
        self.ensure_one()
        action = self.env.ref(self._export_report).report_action(None, data=self._export_data(), config=False)
        action["close_on_report_download"] = True
        return action
