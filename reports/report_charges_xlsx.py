from datetime import datetime, time, timedelta

from odoo import _, models
from odoo.tools import format_date, split_every

from .tablet_xlsx_report import HEADER_ROW, READ_BATCH

CHARGE_FIELDS = ["college_id", "create_date", "state", "case", "tablet_serial_no", "payer_id", "invoice_id",
                 "invoice_date", "invoice_payment_state", "amount", "invoice_amount_residual"]


class ReportChargesXlsx(models.AbstractModel):
    """Damage charges (R21, R24b) with their invoices and payments, for the collège's
    accounting: amount, invoice, payment status, what was paid and what is still due;
    totals per collège and overall, leaving out cancelled charges.

    Which charges: ``docids`` (charges) when given; else those recorded between
    ``data["date_from"]`` and ``data["date_to"]`` (YYYY-MM-DD, required then), within
    ``data["company_id"]`` (default the user's current companies), optionally
    ``data["college_ids"]``, and always the user's record rules: a collège's accountant
    or head gets their collèges, the Département its company; the Académie and the
    supplier have no access to charges.
    """

    _name = "report.tablet_loan.report_charges_xlsx"
    _inherit = "report.tablet_loan.xlsx_abstract"
    _description = "Damage Charges XLSX Export"
    _export_model = "tablet.charge"
    _export_groups = ("tablet_loan.group_department_officer", "tablet_loan.group_college_head",
                      "tablet_loan.group_college_accountant")

    def generate_xlsx_report(self, workbook, data, charges):
        self._check_export_allowed()
        data = data or {}
        Charge = self.env["tablet.charge"]
        Charge.check_access("read")
        companies = self._export_companies(data)
        domain = [("company_id", "in", companies.ids)]
        if charges:
            charges.check_access("read")
            domain.append(("id", "in", charges.ids))
            scope = self._scope_label(companies)
        else:
            date_from, date_to = self._period(data)
            domain += [("create_date", ">=", datetime.combine(date_from, time.min)),
                       ("create_date", "<", datetime.combine(date_to + timedelta(days=1), time.min))]
            if data.get("college_ids"):
                domain.append(("college_id", "in", data["college_ids"]))
            domain += self._extra_domain(data)
            scope = _("%(departments)s – charges recorded from %(start)s to %(end)s",
                      departments=self._scope_label(companies), start=format_date(self.env, date_from),
                      end=format_date(self.env, date_to))
        fmt = self._formats(workbook, companies[:1].currency_id or self.env.company.currency_id)
        sheet = self._add_sheet(workbook, fmt, _("Charges"), _("Damage Charges and Payments"),
                                scope + " " + _("(totals leave out cancelled charges)"), [
            (_("Collège"), 26), (_("Reference"), 12), (_("Recorded on"), 12), (_("Status"), 12), (_("Case"), 22),
            (_("Tablet Serial Number"), 18), (_("Payer"), 24), (_("Invoice"), 18), (_("Invoice Date"), 12),
            (_("Payment Status"), 14), (_("Charges"), 9), (_("Amount"), 12), (_("Paid"), 12), (_("Amount Due"), 12),
        ])
        labels = {name: self._selection_labels(Charge, name) for name in ("state", "case", "invoice_payment_state")}
        row = HEADER_ROW + 1
        grand, college_total, current = [0, 0.0, 0.0, 0.0], None, None
        for batch in split_every(READ_BATCH, Charge.search(domain, order="college_id, id").ids):
            records = Charge.browse(batch)
            for values in records.read(CHARGE_FIELDS):
                college = values["college_id"] and values["college_id"][1] or ""
                if college_total is None or college != current:
                    if college_total is not None:
                        row = self._total_row(sheet, row, fmt, _("Total %s", current), college_total)
                    current, college_total = college, [0, 0.0, 0.0, 0.0]
                cancelled = values["state"] == "cancelled"
                invoiced = bool(values["invoice_id"]) and not cancelled
                due = values["invoice_amount_residual"] if invoiced else 0.0
                paid = values["amount"] - due if invoiced and values["invoice_payment_state"] != "reversed" else 0.0
                self._write_row(sheet, row, [
                    (college, fmt["text"]), ("CHG-%05d" % values["id"], fmt["text"]),
                    (values["create_date"].date(), fmt["date"]), (labels["state"].get(values["state"]), fmt["text"]),
                    (labels["case"].get(values["case"]), fmt["text"]), (values["tablet_serial_no"], fmt["text"]),
                    (values["payer_id"] and values["payer_id"][1], fmt["text"]),
                    (values["invoice_id"] and values["invoice_id"][1], fmt["text"]),
                    (values["invoice_date"], fmt["date"]),
                    (labels["invoice_payment_state"].get(values["invoice_payment_state"]), fmt["text"]),
                    (1, fmt["int"]), (values["amount"], fmt["money"]),
                    (paid if invoiced else None, fmt["money"]), (due if invoiced else None, fmt["money"]),
                ])
                row += 1
                if not cancelled:
                    for total in (college_total, grand):
                        total[0] += 1
                        total[1] += values["amount"]
                        total[2] += paid
                        total[3] += due
            records.invalidate_recordset()
        if college_total is not None:
            row = self._total_row(sheet, row, fmt, _("Total %s", current), college_total)
        self._total_row(sheet, row, fmt, _("Grand Total"), grand)

    def _total_row(self, sheet, row, fmt, label, total):
        self._write_row(sheet, row, [(label, fmt["total"])] + [(None, fmt["total"])] * 9 + [
            (total[0], fmt["total_int"]), (total[1], fmt["total_money"]), (total[2], fmt["total_money"]),
            (total[3], fmt["total_money"])])
        return row + 1
