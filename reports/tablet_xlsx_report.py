import math
from datetime import date

from xlsxwriter.utility import preserve_whitespace, xl_col_to_name
from xlsxwriter.worksheet import re_control_chars_1, re_control_chars_2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# Rows are read this many at a time: one query per batch, whatever the number of rows.
READ_BATCH = 2000
# Row of the column headers (0-based): title on row 0, scope on row 1, a blank row between.
HEADER_ROW = 3

# Excel's serial number of 1899-12-31 (day 0); day 60 is the 1900-02-29 that Excel believes in.
_EXCEL_EPOCH = date(1899, 12, 31).toordinal()
_COLUMN_NAMES = []


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
        """`cells` are (value, format) pairs; empty values leave the cell blank.

        Each cell through xlsxwriter's `write_*` costs about 10 µs (argument checks, a cell
        tuple, then the XML of the row when the next row starts): 11 columns of 75,000 tablets
        took 8 of the fleet inventory's 11 seconds. In constant_memory mode the row's XML is
        therefore written here, exactly as xlsxwriter writes it (`_stream_row`; a test compares
        both files byte for byte); the rows it does not cover go through `write_*`."""
        if TabletXlsxReport._stream_row(sheet, row, cells):
            return
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
    def _stream_row(sheet, row, cells):  # noqa: C901 - one branch per cell type xlsxwriter writes, in its order
        """Write row `row` of `cells` as `<row>` XML into the row file of a constant_memory sheet,
        as xlsxwriter's `write_*` then `_write_single_row` would, and keep its bookkeeping (the
        row written so far, the sheet's dimensions). Returns False, having written nothing, for
        what it does not reproduce: a sheet not in constant_memory mode or with Excel 2010 row
        attributes, a row with its own height or format or comments, a row before or at the one
        pending in xlsxwriter, values other than text, numbers and dates (booleans, datetimes,
        NaN, rich strings); those go through xlsxwriter's public calls."""
        if not (getattr(sheet, "constant_memory", False) and getattr(sheet, "fh", None)
                and getattr(sheet, "excel_version", None) == 2007 and not sheet.date_1904
                and sheet.default_row_height == sheet.original_row_height
                and 0 <= row < sheet.xls_rowmax and len(cells) <= sheet.xls_colmax
                and row not in sheet.set_rows and row not in sheet.comments
                and (row > sheet.previous_row or (row == sheet.previous_row and not sheet.table))):
            return False
        # First what is written, with no side effect: a row that xlsxwriter must write, or that has
        # nothing to write, leaves xlsxwriter's state as it is.
        strmax = sheet.xls_strmax
        written = False
        for value, cell_format in cells:
            kind = type(value)
            if kind is str and value:
                if value.startswith("<r>") and value[:strmax].endswith("</r>"):
                    return False  # a rich string: written by xlsxwriter without escaping
                written = True
            elif kind is int or kind is date:
                written = True
            elif kind is float:
                if not math.isfinite(value):
                    return False
                written = True
            elif value is None or value is False or value == "":
                written = written or bool(cell_format)  # xlsxwriter writes no blank cell without a format
            else:
                return False
        if not written:
            return True
        # The row pending in xlsxwriter, if any, goes first: its formats get their index before
        # this row's, as when xlsxwriter writes both.
        if row > sheet.previous_row:
            sheet._write_single_row(row)
        while len(_COLUMN_NAMES) < len(cells):
            _COLUMN_NAMES.append(xl_col_to_name(len(_COLUMN_NAMES)))
        # The style attribute of each format, once per sheet (its index is fixed once given).
        styles = sheet.__dict__.setdefault("_tablet_styles", {})
        number = str(row + 1)
        parts = ['<row r="%s">' % number]
        append = parts.append
        first = last = None
        for col, (value, cell_format) in enumerate(cells):
            kind = type(value)
            if not cell_format and (value is None or value is False or (kind is str and not value)):
                continue  # xlsxwriter writes no blank cell without a format
            style = styles.get(cell_format)
            if style is None:
                if cell_format:
                    style = ' s="%d"' % cell_format._get_xf_index()
                elif col in sheet.col_formats:
                    style = ' s="%d"' % sheet.col_formats[col]._get_xf_index()
                else:
                    style = ""
                if cell_format:  # without a format, the column's: not cached
                    styles[cell_format] = style
            if kind is str and value:
                text = value[:strmax]
                space = ""
                # Written as it is unless it holds XML-special, control or non-printable characters,
                # an "_xHHHH_" escape, leading or trailing spaces, or is a rich string: then as
                # xlsxwriter's `_write_cell` and `_xml_inline_string` do.
                if not (text.isprintable() and not text[0].isspace() and not text[-1].isspace()
                        and "&" not in text and "<" not in text and ">" not in text and '"' not in text
                        and "_x" not in text):
                    text = re_control_chars_1.sub(r"_x005F\1", text)
                    text = re_control_chars_2.sub(lambda match: "_x%04X_" % ord(match.group(1)), text)
                    text = text.replace("\uFFFE", "_xFFFE_").replace("\uFFFF", "_xFFFF_")
                    space = ' xml:space="preserve"' if preserve_whitespace(text) else ""
                    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                append('<c r="%s%s"%s t="inlineStr"><is><t%s>%s</t></is></c>' % (
                    _COLUMN_NAMES[col], number, style, space, text))
            elif kind is int or kind is float:
                append('<c r="%s%s"%s><v>%.16G</v></c>' % (_COLUMN_NAMES[col], number, style, value))
            elif kind is date:
                serial = value.toordinal() - _EXCEL_EPOCH
                append('<c r="%s%s"%s><v>%.16G</v></c>' % (
                    _COLUMN_NAMES[col], number, style, serial + 1 if serial > 59 else serial))
            else:  # empty, with a format (anything else went to xlsxwriter above)
                append('<c r="%s%s"%s/>' % (_COLUMN_NAMES[col], number, style))
            if first is None:
                first = col
            last = col
        sheet.fh.write("".join(parts) + "</row>")
        sheet._check_dimensions(row, first)
        sheet._check_dimensions(row, last)
        return True

    @staticmethod
    def _selection_labels(model, field_name):
        return dict(model._fields[field_name]._description_selection(model.env))

    def _scope_label(self, companies):
        return ", ".join(companies.mapped("name"))
