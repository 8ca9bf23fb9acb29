from datetime import date

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# Rows are read this many at a time: one query per batch, whatever the number of rows.
READ_BATCH = 2000
# Row of the column headers (0-based): title on row 0, scope on row 1, a blank row between.
HEADER_ROW = 3


class TabletXlsxReport(models.AbstractModel):
    """What the programme's XLSX exports share.

    Rendered as the exporting user: report_xlsx calls `create_xlsx_report` with
    `sudo(False)`, nothing here switches to superuser, so access rights and record
    rules decide which rows appear (a collège's accountant gets their collèges, a
    supplier agent the claims addressed to their company). Workbooks are streamed
    (xlsxwriter's constant_memory mode): each sheet keeps one row in memory, rows are
    written in order, records are read in batches of READ_BATCH.
    """

    _name = "report.tablet_loan.xlsx_abstract"
    _inherit = "report.report_xlsx.abstract"
    _description = "Tablet Programme XLSX Export"

    # Model of the docids, and the groups allowed to export (any of them); set by each export.
    _export_model = None
    _export_groups = ()

    def get_workbook_options(self):
        return {"constant_memory": True, "default_date_format": "dd/mm/yyyy"}

    def _get_objs_for_report(self, docids, data):
        """The records given by id, else none: the export then reads its scope from `data`.
        Unlike report_xlsx's default, neither the context's active_ids (the list behind a
        wizard) nor its active_model are used, so that code can call `create_xlsx_report`
        directly."""
        return self.env[self._export_model].browse(docids or [])

    @api.model
    def _export_action(self, report_xmlid, records, data=None):
        """What a list's header button returns: the export of the selected `records`, else of
        every record the list shows (its search domain arrives as `active_domain`)."""
        report = self.env.ref(report_xmlid)
        if records:
            return report.report_action(records, data=data, config=False)
        data = dict(data or {}, domain=self.env.context.get("active_domain") or [])
        return report.report_action(None, data=data, config=False)

    # ------------------------------------------------------------------ scope
    def _export_name(self):
        report = self.env["ir.actions.report"]._get_report_from_name(self._name[len("report."):])
        return report.name or self._description

    def _check_export_allowed(self):
        """Exports carry a role's whole view of a model: only the roles they are made for run them."""
        if self.env.su or self.env.user.has_groups(",".join(self._export_groups)):
            return
        raise AccessError(_("Your role does not allow the export “%s”.", self._export_name()))

    def _export_companies(self, data):
        """The Départements to export: `company_id` of `data`, one of the user's companies,
        else the user's current companies."""
        company_id = (data or {}).get("company_id")
        if not company_id:
            return self.env.companies
        try:
            company_id = int(company_id)
        except (TypeError, ValueError):
            raise UserError(_("company_id must be the id of a Département (a number), not “%s”.",
                              company_id)) from None
        if not self.env.su and company_id not in self.env.user.company_ids.ids:
            raise AccessError(_("You do not belong to the Département you asked to export."))
        return self.env["res.company"].browse(company_id)

    @api.model
    def _extra_domain(self, data):
        """The search domain of the list the export was started from, if any."""
        domain = (data or {}).get("domain") or []
        if not isinstance(domain, list):
            raise UserError(_("domain must be a search domain (a list), not “%s”.", domain))
        return domain

    @api.model
    def _date_param(self, data, key, default=None):
        value = (data or {}).get(key) or default
        try:
            day = fields.Date.to_date(value)
        except ValueError:
            day = None
        if not day:
            raise UserError(_("%(key)s must be a date written YYYY-MM-DD, not “%(value)s”.", key=key, value=value))
        return day

    @api.model
    def _period(self, data):
        date_from = self._date_param(data, "date_from")
        date_to = self._date_param(data, "date_to")
        if date_from > date_to:
            raise UserError(_("The period starts on %(start)s, after its end on %(end)s: swap the dates.",
                              start=date_from, end=date_to))
        return date_from, date_to

    # ---------------------------------------------------------------- writing
    def _formats(self, workbook, currency):
        money = self._money_format(currency)
        base = {"valign": "top"}
        total = {"bold": True, "top": 1, "bg_color": "#F2F2F2"}
        specs = {
            "title": {"bold": True, "font_size": 14},
            "subtitle": {"italic": True, "font_color": "#595959"},
            "header": {"bold": True, "bg_color": "#D9E1F2", "bottom": 1, "text_wrap": True, "valign": "vcenter"},
            "text": base,
            "wrap": {**base, "text_wrap": True},
            "date": {**base, "num_format": "dd/mm/yyyy"},
            "int": {**base, "num_format": "0"},
            "money": {**base, "num_format": money},
            "percent": {**base, "num_format": "0.0 %"},
            "total": total,
            "total_int": {**total, "num_format": "0"},
            "total_money": {**total, "num_format": money},
            "total_percent": {**total, "num_format": "0.0 %"},
        }
        return {name: workbook.add_format(spec) for name, spec in specs.items()}

    @staticmethod
    def _money_format(currency):
        """Amounts as French accountants read them (1 234,56 € with a French locale): the
        separators come from the reader's locale, the symbol is quoted as Excel expects."""
        if not currency:
            return "#,##0.00"
        number = "#,##0" + ("." + "0" * currency.decimal_places if currency.decimal_places else "")
        symbol = '"%s"' % currency.symbol
        return f"{symbol} {number}" if currency.position == "before" else f"{number} {symbol}"

    def _add_sheet(self, workbook, fmt, name, title, scope, columns):
        """A sheet with its title, scope line and column headers; `columns` are (header, width)."""
        sheet = workbook.add_worksheet(name[:31])
        for col, (_header, width) in enumerate(columns):
            sheet.set_column(col, col, width)
        sheet.write_string(0, 0, title, fmt["title"])
        sheet.write_string(1, 0, scope, fmt["subtitle"])
        sheet.set_row(HEADER_ROW, 30)
        for col, (header, _width) in enumerate(columns):
            sheet.write_string(HEADER_ROW, col, header, fmt["header"])
        sheet.freeze_panes(HEADER_ROW + 1, 0)
        return sheet

    @staticmethod
    def _write_row(sheet, row, cells):
        """`cells` are (value, format) pairs; empty values leave the cell blank."""
        for col, (value, cell_format) in enumerate(cells):
            if value is None or value is False or value == "":
                sheet.write_blank(row, col, None, cell_format)
            elif isinstance(value, str):
                sheet.write_string(row, col, value, cell_format)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(row, col, value, cell_format)
            elif isinstance(value, date):
                sheet.write_datetime(row, col, value, cell_format)
            else:
                sheet.write(row, col, value, cell_format)

    @staticmethod
    def _selection_labels(model, field_name):
        return dict(model._fields[field_name]._description_selection(model.env))

    def _scope_label(self, companies):
        return ", ".join(companies.mapped("name"))
