from odoo import _, models
from odoo.tools import split_every

from .tablet_xlsx_report import HEADER_ROW, READ_BATCH

# What the supplier's warranty desk needs, and nothing that names a person (R29): no
# incident, loan, borrower or family; the collège is where the tablet goes back.
CLAIM_FIELDS = ["college_id", "supplier_id", "serial_no", "imei", "equipment_id", "fault_type", "fault_description",
                "state", "sent_date", "days_waiting", "rma_number", "answer", "answer_date", "new_serial_no",
                "new_imei", "returned_date"]
# Claims the supplier still has to process, exported when no claim or search is given.
TO_PROCESS_STATES = ("sent", "answered")


class ReportWarrantyClaimsXlsx(models.AbstractModel):
    """Warranty claims for the supplier's warranty desk (R20): serial numbers, IMEI, RMA
    numbers and answers, never personal data (R29), so that the same file can be sent
    to the supplier whoever exports it.

    Which claims: ``docids`` (claims) when given; else those matching ``data["domain"]``
    (the claims list's search, from its header button); else the claims to process (sent
    or answered). Always within ``data["company_id"]`` or the user's current companies,
    and the user's record rules: a supplier agent gets only the claims sent to their company.
    """

    _name = "report.tablet_loan.report_warranty_claims_xlsx"
    _inherit = "report.tablet_loan.xlsx_abstract"
    _description = "Warranty Claims XLSX Export"
    _export_model = "tablet.warranty.claim"
    _export_groups = ("tablet_loan.group_department_officer", "tablet_loan.group_college_referent",
                      "tablet_loan.group_supplier_agent")

    def generate_xlsx_report(self, workbook, data, claims):
        self._check_export_allowed()
        data = data or {}
        Claim = self.env["tablet.warranty.claim"]
        companies = self._export_companies(data)
        domain = [("company_id", "in", companies.ids)]
        if claims:
            claims.check_access("read")
            domain.append(("id", "in", claims.ids))
        elif data.get("domain") is not None:
            domain += self._extra_domain(data)
        else:
            domain.append(("state", "in", TO_PROCESS_STATES))
        fmt = self._formats(workbook, None)
        sheet = self._add_sheet(workbook, fmt, _("Warranty Claims"), _("Warranty Claims"),
                                self._scope_label(companies), [
            (_("Reference"), 12), (_("Collège"), 26), (_("Supplier"), 22), (_("Serial Number"), 18), (_("IMEI"), 18),
            (_("Model"), 14), (_("Fault"), 24), (_("Fault Description"), 40), (_("Status"), 14),
            (_("Sent on"), 12), (_("Days Waiting"), 9), (_("RMA Number"), 16), (_("Supplier's Answer"), 14),
            (_("Answered on"), 12), (_("New Serial Number"), 18), (_("New IMEI"), 18), (_("Returned on"), 12),
        ])
        labels = {name: self._selection_labels(Claim, name) for name in ("fault_type", "state", "answer")}
        row = HEADER_ROW + 1
        for batch in split_every(READ_BATCH, Claim.search(domain, order="sent_date, id").ids):
            claims = Claim.browse(batch)
            rows = claims.read(CLAIM_FIELDS)
            models_by_tablet = {t["id"]: t["model"] for t in claims.equipment_id.read(["model"])}
            for values in rows:
                tablet_id = values["equipment_id"] and values["equipment_id"][0]
                self._write_row(sheet, row, [
                    ("GAR-%05d" % values["id"], fmt["text"]),  # the reference of the claim's name
                    (values["college_id"] and values["college_id"][1], fmt["text"]),
                    (values["supplier_id"] and values["supplier_id"][1], fmt["text"]),
                    (values["serial_no"], fmt["text"]), (values["imei"], fmt["text"]),
                    (models_by_tablet.get(tablet_id), fmt["text"]),
                    (labels["fault_type"].get(values["fault_type"]), fmt["text"]),
                    (values["fault_description"], fmt["wrap"]),
                    (labels["state"].get(values["state"]), fmt["text"]),
                    (values["sent_date"], fmt["date"]), (values["days_waiting"] or None, fmt["int"]),
                    (values["rma_number"], fmt["text"]), (labels["answer"].get(values["answer"]), fmt["text"]),
                    (values["answer_date"], fmt["date"]), (values["new_serial_no"], fmt["text"]),
                    (values["new_imei"], fmt["text"]), (values["returned_date"], fmt["date"]),
                ])
                row += 1
            claims.invalidate_recordset()
        # The claim count under the references.
        self._write_row(sheet, row, [(row - HEADER_ROW - 1, fmt["total_int"]), (_("Claims"), fmt["total"])]
                        + [(None, fmt["total"])] * 15)
