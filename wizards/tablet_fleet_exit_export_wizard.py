from datetime import date

from odoo import fields, models


class TabletFleetExitExportWizard(models.TransientModel):
    """Asks the period of the fleet exits export (tablets given or scrapped, for the
    Département's asset register), then downloads it."""

    _name = "tablet.fleet.exit.export.wizard"
    _description = "Fleet Exits Export"
    _inherit = ["tablet.period.export.mixin"]
    _export_report = "tablet_loan.report_fleet_exits_xlsx"

    date_from = fields.Date(string="From", required=True,
                            default=lambda self: date(fields.Date.context_today(self).year, 1, 1))
