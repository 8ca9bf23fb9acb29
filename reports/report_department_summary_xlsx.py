from collections import defaultdict

from odoo import _, fields, models
from odoo.tools import format_date

from ..models.maintenance_equipment import TABLET_STATES
from .tablet_xlsx_report import HEADER_ROW


class ReportDepartmentSummaryXlsx(models.AbstractModel):
    """The Département's summary of its programme, one sheet per subject, each with a
    row per collège and a total row: tablets by status, loans by status, incidents by
    type, late declarations (R18), warranty claims by status, damage charges by status.

    Every figure is a ``_read_group`` aggregate run as the exporting user (a handful of
    queries whatever the size of the fleet), so record rules decide what is counted.

    Which Département: ``data["company_id"]`` when given (the user must belong to it);
    else the Départements of the ``docids`` tablets (e.g. all tablet ids of a company:
    the summary is then the whole company's, not only those tablets'); else the user's
    current companies. Département officers and managers only.
    """

    _name = "report.tablet_loan.report_department_summary_xlsx"
    _inherit = "report.tablet_loan.xlsx_abstract"
    _description = "Département Summary XLSX Export"
    _export_model = "maintenance.equipment"
    _export_groups = ("tablet_loan.group_department_officer",)

    def generate_xlsx_report(self, workbook, data, tablets):
        self._check_export_allowed()
        data = data or {}
        if tablets and not data.get("company_id"):
            tablets.check_access("read")
            companies = self.env["maintenance.equipment"]._read_group(
                [("id", "in", tablets.ids)], [], ["company_id:recordset"])[0][0]
        else:
            companies = self._export_companies(data)
        company_domain = [("company_id", "in", companies.ids)]
        fmt = self._formats(workbook, companies[:1].currency_id or self.env.company.currency_id)
        scope = _("%(departments)s – on %(date)s", departments=self._scope_label(companies),
                  date=format_date(self.env, fields.Date.context_today(self)))
        env = self.env

        Tablet = env["maintenance.equipment"].with_context(active_test=False)
        tablet_states = self._selection_labels(Tablet, "tablet_state")
        by_state = self._pivot(Tablet, [("is_tablet", "=", True)] + company_domain, "tablet_state", "__count")
        costs = self._pivot(Tablet, [("is_tablet", "=", True)] + company_domain, "company_id", "cost:sum")
        self._pivot_sheet(
            workbook, fmt, _("Tablets"), _("Tablets by Status"), scope, by_state,
            [(state, tablet_states[state]) for state, _label in TABLET_STATES],
            extra=[(_("Purchase Cost"), {college: sum(v.values()) for college, v in costs.items()}, "money")])

        Loan = env["tablet.loan"]
        self._pivot_sheet(workbook, fmt, _("Loans"), _("Loans by Status"), scope,
                          self._pivot(Loan, company_domain, "state", "__count"), self._columns(Loan, "state"))

        Incident = env["tablet.incident"]
        incident_domain = company_domain + [("state", "!=", "cancelled")]
        self._pivot_sheet(workbook, fmt, _("Incidents by Type"), _("Incidents by Type (cancelled left out)"), scope,
                          self._pivot(Incident, incident_domain, "incident_type", "__count"),
                          self._columns(Incident, "incident_type"))
        late = self._pivot(Incident, incident_domain, "late_declaration", "__count")
        self._pivot_sheet(
            workbook, fmt, _("Late Declarations"), _("Incidents Declared More Than 48 Hours Late"), scope,
            late, [(True, _("Late Declarations")), (False, _("Declared in Time"))], total_label=_("Incidents"),
            share=(True, _("Share Declared Late")))

        Claim = env["tablet.warranty.claim"]
        self._pivot_sheet(workbook, fmt, _("Warranty Claims"), _("Warranty Claims by Status"), scope,
                          self._pivot(Claim, company_domain, "state", "__count"), self._columns(Claim, "state"))

        Charge = env["tablet.charge"]
        charge_columns = self._columns(Charge, "state")
        amounts = self._pivot(Charge, company_domain, "state", "amount:sum")
        counts = self._pivot(Charge, company_domain + [("state", "!=", "cancelled")], "company_id", "__count")
        self._pivot_sheet(
            workbook, fmt, _("Charges"), _("Damage Charges: Amounts by Status"), scope, amounts, charge_columns,
            value_format="money", total_label=_("Total (cancelled left out)"), exclude_from_total={"cancelled"},
            extra=[(_("Charges (cancelled left out)"), {c: sum(v.values()) for c, v in counts.items()}, "int")])

    def _columns(self, model, field_name):
        return list(self._selection_labels(model, field_name).items())

    @staticmethod
    def _pivot(model, domain, column_field, aggregate):
        """{collège: {value of column_field: aggregate}} in one query, as the user."""
        table = defaultdict(dict)
        for college, column, value in model._read_group(domain, ["college_id", column_field], [aggregate]):
            if isinstance(column, models.BaseModel):
                column = column.id
            table[college][column] = value or 0
        return table

    def _pivot_sheet(self, workbook, fmt, name, title, scope, table, columns, value_format="int", total_label=None,
                     exclude_from_total=(), extra=(), share=None):
        """One row per collège (by name), one column per (key, label) of `columns`, a total
        column (without `exclude_from_total`), `extra` columns (label, {collège: value},
        format), an optional `share` column (key, label): that key's part of the total."""
        headers = [(_("Collège"), 30)] + [(label, 13) for _key, label in columns]
        headers.append((total_label or _("Total"), 13))
        headers += [(label, 16) for label, _values, _fmt in extra]
        if share:
            headers.append((share[1], 13))
        sheet = self._add_sheet(workbook, fmt, name, title, scope, headers)
        colleges = set(table)
        for _label, values, _fmt in extra:
            colleges.update(values)
        colleges = sorted(colleges, key=lambda c: (not c, c.display_name if c else ""))
        row = HEADER_ROW + 1
        sums = [0] * (len(columns) + 1 + len(extra))
        for college in colleges:
            line = [table.get(college, {}).get(key, 0) for key, _label in columns]
            line.append(sum(v for (key, _label), v in zip(columns, line, strict=False) if key not in exclude_from_total))
            line += [values.get(college, 0) for _label, values, _fmt in extra]
            sums = [a + b for a, b in zip(sums, line, strict=False)]
            self._write_pivot_row(sheet, row, fmt, college.display_name if college else _("Without collège"),
                                  line, columns, value_format, extra, share, total=False)
            row += 1
        self._write_pivot_row(sheet, row, fmt, _("Total"), sums, columns, value_format, extra, share, total=True)

    def _write_pivot_row(self, sheet, row, fmt, label, line, columns, value_format, extra, share, total):
        prefix = "total_" if total else ""
        number = fmt[prefix + value_format]
        cells = [(label, fmt["total" if total else "text"])]
        cells += [(value, number) for value in line[:len(columns) + 1]]
        cells += [(value, fmt[prefix + extra_format])
                  for value, (_label, _values, extra_format) in zip(line[len(columns) + 1:], extra, strict=False)]
        if share:
            index = [key for key, _label in columns].index(share[0])
            ratio = line[index] / line[len(columns)] if line[len(columns)] else 0.0
            cells.append((ratio, fmt[prefix + "percent"]))
        self._write_row(sheet, row, cells)
