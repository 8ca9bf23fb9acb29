from odoo import fields, models


class TabletChargeExportWizard(models.TransientModel):
    """Asks the period (and optionally the collèges) of the charges and payments export
    for the collège's accounting, then downloads it."""

    _name = "tablet.charge.export.wizard"
    _description = "Damage Charges Export"
    _inherit = ["tablet.period.export.mixin"]
    _export_report = "tablet_loan.report_charges_xlsx"

    date_from = fields.Date(string="From", required=True,
                            default=lambda self: fields.Date.context_today(self).replace(day=1),
                            help="Charges recorded from this day.")
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today,
                          help="Charges recorded up to this day included.")
    college_ids = fields.Many2many("res.partner", string="Collèges", domain=[("is_college", "=", True)],
                                   help="Leave empty for every collège you follow.")

    def _export_data(self):
        return dict(super()._export_data(), college_ids=self.college_ids.ids)
