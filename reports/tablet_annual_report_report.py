from odoo import api, models


class TabletAnnualReportReport(models.AbstractModel):
    """Values of the annual report PDF (R27), printed in French for the Académie and the
    Département. The reports are read as the printing user, with their record rules."""

    _name = "report.tablet_loan.report_annual_report"
    _description = "Annual Report PDF"

    @api.model
    def _get_report_values(self, docids, data=None):
        reports = self.env["tablet.annual.report"].browse(docids)
        reports.check_access("read")
        # French when the language is installed (the programme's institutions are French).
        lang = self.env["res.lang"]._get_data(code="fr_FR").code or self.env.lang or "en_US"
        return {"doc_ids": docids, "doc_model": "tablet.annual.report", "docs": reports, "report_lang": lang}
