from odoo import _, models
from odoo.tools import SQL, format_date, split_every

from ..models.maintenance_equipment import DEFAULT_DEPRECIATION_YEARS, OUT_OF_FLEET_STATES
from .tablet_xlsx_report import HEADER_ROW, READ_BATCH

TABLET_FIELDS = ["tablet_state", "out_of_fleet_date", "college_id", "serial_no", "model", "imei", "purchase_date",
                 "cost"]


class ReportFleetExitsXlsx(models.AbstractModel):
    """Tablets that left the Département's fleet over a period, for its asset register:
    given to a 3e pupil (R17), written off after a loss or a theft, or scrapped (replaced under
    warranty, or out of order after a refused repair: issue 15), with their purchase
    cost, net book value on the day they left and disposal entry, read from the asset register
    (the asset's removal: its residual value and journal entry); a tablet without asset (none
    when it was received, or exchanged under warranty: its asset went on with the new tablet)
    keeps the linear value over the default years. Totals per status and overall.

    ``data``: ``date_from`` and ``date_to`` (YYYY-MM-DD, required), ``company_id``
    (default: the user's current companies), as the period wizard sends them. Optional
    ``docids`` (tablets) narrow the export to those tablets. Département officers and managers only.
    """

    _name = "report.tablet_loan.report_fleet_exits_xlsx"
    _inherit = "report.tablet_loan.xlsx_abstract"
    _description = "Fleet Exits XLSX Export"
    _export_model = "maintenance.equipment"
    _export_groups = ("tablet_loan.group_department_officer",)

    def generate_xlsx_report(self, workbook, data, tablets):
        self._check_export_allowed()
        date_from, date_to = self._period(data)
        # Given, written-off and scrapped tablets are archived.
        Tablet = self.env["maintenance.equipment"].with_context(active_test=False)
        companies = self._export_companies(data)
        domain = [("is_tablet", "=", True), ("company_id", "in", companies.ids),
                  ("tablet_state", "in", OUT_OF_FLEET_STATES),
                  ("out_of_fleet_date", ">=", date_from), ("out_of_fleet_date", "<=", date_to)]
        if tablets:
            tablets.with_env(Tablet.env).check_access("read")
            domain.append(("id", "in", tablets.ids))
        fmt = self._formats(workbook, companies[:1].currency_id or self.env.company.currency_id)
        scope = _("%(departments)s – from %(start)s to %(end)s; net book value linear over %(years)s years",
                  departments=self._scope_label(companies), start=format_date(self.env, date_from),
                  end=format_date(self.env, date_to), years=DEFAULT_DEPRECIATION_YEARS)
        sheet = self._add_sheet(workbook, fmt, _("Fleet Exits"), _("Tablets Given or Scrapped"), scope, [
            (_("Status"), 14), (_("Left the Fleet on"), 12), (_("Collège"), 28), (_("Serial Number"), 18),
            (_("Model"), 16), (_("IMEI"), 18), (_("Purchase Date"), 12), (_("Tablets"), 9),
            (_("Purchase Cost"), 14), (_("Net Book Value at Exit"), 16), (_("Disposal Entry"), 18),
        ])
        state_labels = self._selection_labels(Tablet, "tablet_state")
        row = HEADER_ROW + 1
        grand, state_total, current_state = [0, 0.0, 0.0], None, None
        ids = Tablet.search(domain, order="tablet_state, out_of_fleet_date, serial_no, id").ids
        for batch in split_every(READ_BATCH, ids):
            records = Tablet.browse(batch)
            register = self._register_exits(batch)
            for tablet, values in zip(records, records.read(TABLET_FIELDS), strict=False):
                if values["tablet_state"] != current_state:
                    if state_total:
                        row = self._total_row(sheet, row, fmt, _("Total %s", state_labels[current_state]), state_total)
                    current_state, state_total = values["tablet_state"], [0, 0.0, 0.0]
                book_value, entry = register.get(tablet.id) or (
                    tablet._linear_value(values["out_of_fleet_date"], DEFAULT_DEPRECIATION_YEARS), None)
                self._write_row(sheet, row, [
                    (state_labels[current_state], fmt["text"]), (values["out_of_fleet_date"], fmt["date"]),
                    (values["college_id"] and values["college_id"][1], fmt["text"]),
                    (values["serial_no"], fmt["text"]), (values["model"], fmt["text"]),
                    (values["imei"], fmt["text"]), (values["purchase_date"], fmt["date"]), (1, fmt["int"]),
                    (values["cost"], fmt["money"]), (book_value, fmt["money"]), (entry, fmt["text"]),
                ])
                row += 1
                for total in (state_total, grand):
                    total[0] += 1
                    total[1] += values["cost"]
                    total[2] += book_value
            records.invalidate_recordset()
        if state_total:
            row = self._total_row(sheet, row, fmt, _("Total %s", state_labels[current_state]), state_total)
        self._total_row(sheet, row, fmt, _("Grand Total"), grand)

    def _register_exits(self, tablet_ids):
        """{tablet id: (residual value at removal, disposal entry name)} from the asset register, in one
        query for the batch. The tablets were checked readable above and the export is the Département's
        (`_export_groups`), whose officers read the register: read here in SQL, as the values of the
        tablets' own assets only."""
        self.env["account.asset.line"].check_access("read")
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """SELECT e.id, l.amount, m.name
                 FROM unnest(%s::int[]) AS t(id)
                 JOIN maintenance_equipment e ON e.id = t.id
                 JOIN account_asset_line l ON l.asset_id = e.asset_id AND l.type = 'remove'
                 LEFT JOIN account_move m ON m.id = l.move_id""", list(tablet_ids)))
        return {tablet_id: (amount, name) for tablet_id, amount, name in self.env.cr.fetchall()}

    def _total_row(self, sheet, row, fmt, label, total):
        self._write_row(sheet, row, [(label, fmt["total"])] + [(None, fmt["total"])] * 6 + [
            (total[0], fmt["total_int"]), (total[1], fmt["total_money"]), (total[2], fmt["total_money"]),
            (None, fmt["total"])])
        return row + 1
