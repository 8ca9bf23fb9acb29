from odoo import api, models


class TabletLoanContractReport(models.AbstractModel):
    """Values of the loan contract PDF (R11).

    The contracts are read as the printing user, with their record rules: a user
    who may not read a loan gets a plain access error before anything is rendered,
    rather than a template error halfway through a class's PDF.
    """

    _name = "report.tablet_loan.report_loan_contract"
    _description = "Loan Contract Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        loans = self.env["tablet.loan"].browse(docids)
        loans.check_access("read")
        return {"doc_ids": docids, "doc_model": "tablet.loan", "docs": loans}
