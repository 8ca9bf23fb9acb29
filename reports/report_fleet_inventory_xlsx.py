from itertools import islice

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date, split_every

from ..models.maintenance_equipment import DEFAULT_DEPRECIATION_YEARS, TABLET_STATES, linear_value
from ..models.utils import id_array
from .tablet_xlsx_report import HEADER_ROW, READ_BATCH

# Residual value: linear over DEFAULT_DEPRECIATION_YEARS from the purchase, as the CA tariffs by
# default, for tablets without asset; else the asset's book value.
TABLET_FIELDS = ["serial_no", "model", "imei", "partner_id", "purchase_date", "warranty_date", "cost"]


class ReportFleetInventoryXlsx(models.AbstractModel):
    """The Département's fleet inventory for its asset register (R7): every tablet still
    in the fleet by collège and status, with purchase cost, residual value and warranty
    end, totals per collège and status, per collège and overall.

    Which tablets:

    - ``docids``: ids of tablets (``maintenance.equipment``), exactly those; the user must
      be allowed to read every one of them (AccessError otherwise);
    - empty ``docids`` and ``data = {"company_id": id}``: every tablet of that Département
      still in the fleet (given or scrapped tablets are archived: see the fleet exits
      export); the user must belong to it;
    - empty ``docids`` and no ``company_id``: the same for the user's current companies.

    ``data`` may also hold ``domain`` (the tablets list's search, from its header button),
    ``date`` (residual value date, default today) and ``depreciation_years`` (default 4).
    Département officers and managers only.
    """

    _name = "report.tablet_loan.report_fleet_inventory_xlsx"
    _inherit = "report.tablet_loan.xlsx_abstract"
    _description = "Fleet Inventory XLSX Export"
    _export_model = "maintenance.equipment"
    _export_groups = ("tablet_loan.group_department_officer",)

    def generate_xlsx_report(self, workbook, data, tablets):
        self._check_export_allowed()
        data = data or {}
        Tablet = self.env["maintenance.equipment"]
        if tablets:
            Tablet = Tablet.with_context(active_test=False)
            tablets = tablets.with_env(Tablet.env)
            tablets.check_access("read")
            domain = [("id", "in", tablets.ids), ("is_tablet", "=", True)]
            companies = Tablet._read_group(domain, [], ["company_id:recordset"])[0][0]
        else:
            companies = self._export_companies(data)
            domain = [("is_tablet", "=", True), ("company_id", "in", companies.ids)] + self._extra_domain(data)
        on_date = self._date_param(data, "date", fields.Date.context_today(self))
        years = data.get("depreciation_years") or DEFAULT_DEPRECIATION_YEARS
        if not isinstance(years, int) or years <= 0:
            raise UserError(_("depreciation_years must be a whole number of years above zero, not “%s”.", years))
        currency = companies[:1].currency_id or self.env.company.currency_id
        fmt = self._formats(workbook, currency)

        scope = _("%(departments)s – residual value on %(date)s, linear over %(years)s years from the purchase",
                  departments=self._scope_label(companies), date=format_date(self.env, on_date), years=years)
        sheet = self._add_sheet(workbook, fmt, _("Fleet Inventory"), _("Fleet Inventory"), scope, [
            (_("Collège"), 28), (_("Status"), 18), (_("Serial Number"), 18), (_("Model"), 16), (_("IMEI"), 18),
            (_("Supplier"), 22), (_("Purchase Date"), 12), (_("Warranty End"), 12), (_("Tablets"), 9),
            (_("Purchase Cost"), 14), (_("Residual Value"), 14),
        ])
        totals = self._add_sheet(workbook, fmt, _("Totals"), _("Fleet Inventory: Totals"), scope, [
            (_("Collège"), 28), (_("Status"), 22), (_("Tablets"), 9), (_("Purchase Cost"), 14),
            (_("Residual Value"), 14),
        ])
        state_labels = self._selection_labels(Tablet, "tablet_state")
        state_rank = {state: rank for rank, (state, _label) in enumerate(TABLET_STATES)}
        # One query for the serial order, one for the groups; then READ_BATCH tablets per read.
        serial_order = Tablet.search(domain, order="serial_no, id").ids
        serial_rank = {tablet_id: rank for rank, tablet_id in enumerate(serial_order)}
        # The register's book values of the whole fleet in one query (issue 15); the others linear.
        book_values = self.env["tablet.asset.register"]._book_values(serial_order, on_date)
        groups = Tablet._read_group(domain, ["college_id", "tablet_state"], ["id:array_agg"])
        # The few suppliers' names once, as `read()` gives a many2one's (the name only, under superuser).
        suppliers = {partner.id: partner.sudo().display_name
                     for [partner] in Tablet._read_group(domain, ["partner_id"]) if partner}
        college_rank = {}
        for college, _state, _ids in groups:
            college_rank.setdefault(college, len(college_rank) if college else 10**9)
        groups.sort(key=lambda g: (college_rank[g[0]], state_rank.get(g[1], 99)))

        row, total_row = HEADER_ROW + 1, HEADER_ROW + 1
        grand = [0, 0.0, 0.0]
        college_total = None
        for group in groups:
            group[2].sort(key=serial_rank.__getitem__)
        # The rows in the sheet's order, READ_BATCH per query across the groups (a collège's
        # status holds a few hundred tablets: one query per group was 350 queries for the fleet).
        rows = self._tablet_rows(tablet_id for _college, _state, ids in groups for tablet_id in ids)
        text, date_format, integer, money = fmt["text"], fmt["date"], fmt["int"], fmt["money"]
        for index, (college, state, ids) in enumerate(groups):
            college_name = college.display_name if college else _("Without collège")
            state_label = state_labels.get(state, state)
            if college_total is None:
                college_total = [0, 0.0, 0.0]
            group_total = [0, 0.0, 0.0]
            for tablet_id, serial_no, model, imei, partner_id, purchase_date, warranty_date, cost in islice(
                    rows, len(ids)):
                residual = book_values[tablet_id] if tablet_id in book_values \
                    else linear_value(cost, purchase_date, on_date, years)
                self._write_row(sheet, row, [
                    (college_name, text), (state_label, text), (serial_no, text), (model, text), (imei, text),
                    (suppliers.get(partner_id), text), (purchase_date, date_format),
                    (warranty_date, date_format), (1, integer), (cost, money), (residual, money),
                ])
                row += 1
                group_total[0] += 1
                group_total[1] += cost
                group_total[2] += residual
            label = _("Total %s", college_name)
            row = self._total_row(sheet, row, fmt, label, state_labels.get(state, state), group_total, 8)
            total_row = self._total_row(totals, total_row, fmt, college_name, state_labels.get(state, state),
                                        group_total, 2, plain=True)
            college_total = [a + b for a, b in zip(college_total, group_total, strict=False)]
            last_of_college = index + 1 == len(groups) or groups[index + 1][0] != college
            if last_of_college:
                row = self._total_row(sheet, row, fmt, label, _("All statuses"), college_total, 8)
                total_row = self._total_row(totals, total_row, fmt, label, _("All statuses"), college_total, 2)
                grand = [a + b for a, b in zip(grand, college_total, strict=False)]
                college_total = None
        self._total_row(sheet, row, fmt, _("Grand Total"), "", grand, 8)
        self._total_row(totals, total_row, fmt, _("Grand Total"), "", grand, 2)

    def _tablet_rows(self, ids):
        """The columns (`id` first, then TABLET_FIELDS) of the tablets `ids`, in that order, READ_BATCH
        per query: the user reads these tablets (the domain's search applied the record rules) and
        these fields (checked here); the ORM's `read` took a third of the export's time at 75,000
        tablets. `id = ANY(...)` of an array literal (`id_array`), ordered here: with `unnest(...)
        WITH ORDINALITY`, PostgreSQL hashed the whole table for each batch (100 ms a batch against
        10)."""
        Tablet = self.env["maintenance.equipment"]
        Tablet.check_field_access_rights("read", TABLET_FIELDS)
        Tablet.flush_model(TABLET_FIELDS)
        columns = SQL(", ").join(SQL.identifier("e", fname) for fname in TABLET_FIELDS)
        for batch in split_every(READ_BATCH, ids):
            self.env.cr.execute(SQL("SELECT e.id, %s FROM maintenance_equipment e WHERE e.id = ANY(%s)",
                                    columns, id_array(batch)))
            rows = {row[0]: row for row in self.env.cr.fetchall()}
            yield from (rows[tablet_id] for tablet_id in batch)

    def _total_row(self, sheet, row, fmt, label, state_label, total, first_amount_col, plain=False):
        """Count, cost and residual value from column `first_amount_col`; bold unless `plain`."""
        text, integer, money = ("text", "int", "money") if plain else ("total", "total_int", "total_money")
        cells = [(label, fmt[text]), (state_label, fmt[text])]
        cells += [(None, fmt[text])] * (first_amount_col - 2)
        cells += [(total[0], fmt[integer]), (total[1], fmt[money]), (total[2], fmt[money])]
        self._write_row(sheet, row, cells)
        return row + 1
