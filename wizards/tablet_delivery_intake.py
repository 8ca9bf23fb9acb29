import base64
import csv
import io
import json
import re
import unicodedata
import zipfile

from dateutil.relativedelta import relativedelta
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..models.maintenance_equipment import imei_error
from ..models.relation_guard import check_link_targets

# Headers as suppliers write them, compared without case, accents or punctuation.
HEADER_ALIASES = {
    "serial_no": ("serial", "serial number", "numéro de série", "n° de série", "nº de série",
                  "numero de serie", "sn"),
    "imei": ("imei",),
    "model": ("model", "modèle", "modele"),
}
REQUIRED_COLUMNS = ("serial_no", "imei")
MAX_LISTED = 50
XLSX_MAGIC = b"PK\x03\x04"


def _normalize_header(text):
    """“N° de Série”, “numero de serie” and “Numéro_de_série” name the same column."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


HEADER_COLUMN = {_normalize_header(alias): column for column, aliases in HEADER_ALIASES.items() for alias in aliases}


def _cell_text(value):
    """Spreadsheets turn IMEIs and numeric serials into numbers: give back their digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class TabletDeliveryIntake(models.TransientModel):
    """A supplier's delivery file becomes the collège's stock in one step, or not at
    all: a half-imported delivery would be harder to correct than a refused one."""

    _name = "tablet.delivery.intake"
    _description = "Supplier Delivery Intake"
    _check_company_auto = True

    file = fields.Binary(
        string="Delivery File", required=True, attachment=False,
        help="CSV (separated by “;” or “,”) or Excel (.xlsx) file sent by the supplier, one tablet per row.",
    )
    filename = fields.Char(string="File Name")
    company_id = fields.Many2one(
        "res.company", string="Département", required=True, default=lambda self: self.env.company,
    )
    college_id = fields.Many2one(
        "res.partner", string="Collège", required=True, check_company=True,
        domain="[('is_college', '=', True), ('company_id', '=', company_id)]",
        help="Collège whose stock receives the delivered tablets.",
    )
    partner_id = fields.Many2one("res.partner", string="Supplier", required=True, check_company=True)
    purchase_date = fields.Date(required=True, default=fields.Date.context_today)
    unit_cost = fields.Float(string="Purchase Cost per Tablet", required=True)
    warranty_months = fields.Integer(
        string="Warranty (Months)", required=True, default=24,
        help="The warranty of each tablet ends this many months after the purchase date.",
    )
    default_model = fields.Char(
        help="Model of the tablets whose row gives none, or when the file has no model column.",
    )
    purchase_id = fields.Many2one(
        "purchase.order", string="Purchase Order", check_company=True,
        domain="[('state', 'in', ('purchase', 'done')), ('company_id', '=', company_id)]",
        help="The Département's order to the supplier this delivery fulfils.")
    purchase_line_id = fields.Many2one(
        "purchase.order.line", string="Order Line", check_company=True,
        domain="[('order_id', '=', purchase_id)]",
        help="The line of the Département's purchase order this delivery fulfils: the file must hold exactly the "
             "tablets still to receive on it (its announced serial numbers, if any), the tablets take its price "
             "and their assets wait for its bill.",
    )

    @api.onchange("purchase_id")
    def _onchange_purchase_id(self):
        """The order's first line still to receive."""
        if self.purchase_line_id.order_id != self.purchase_id:
            self.purchase_line_id = self.purchase_id.order_line.filtered(
                lambda line: line.product_id and line.qty_received < line.product_qty)[:1]

    @api.onchange("purchase_line_id")
    def _onchange_purchase_line_id(self):
        line = self.purchase_line_id
        if line:
            self.partner_id = line.order_id.partner_id
            self.unit_cost = line.price_unit
            self.purchase_date = (line.order_id.date_approve or line.order_id.date_order).date()
            self.company_id = line.company_id

    @api.model_create_multi
    def create(self, vals_list):
        # A supplier, collège or order line id the officer may not read would be read back by name.
        for vals in vals_list:
            check_link_targets(self, vals, ("partner_id", "college_id", "purchase_id", "purchase_line_id"))
        return super().create(vals_list)

    def write(self, vals):
        check_link_targets(self, vals, ("partner_id", "college_id", "purchase_id", "purchase_line_id"))
        return super().write(vals)

    @api.constrains("unit_cost")
    def _check_unit_cost(self):
        for wizard in self:
            if wizard.unit_cost <= 0:
                raise ValidationError(_(
                    "Purchase Cost per Tablet: enter the price paid for one tablet, an amount greater than zero "
                    "(e.g. 289.90)."
                ))

    @api.constrains("warranty_months")
    def _check_warranty_months(self):
        for wizard in self:
            if wizard.warranty_months <= 0:
                raise ValidationError(_(
                    "Warranty (Months): enter a whole number of months greater than zero (e.g. 24)."
                ))

    def action_import(self):
        """One note on the collège for the whole delivery: that is the event, not each tablet."""
        self.ensure_one()
        rows = self._read_rows()
        problems, records = self._parse_rows(rows)
        if problems:
            raise UserError(self._problem_report(problems))
        if self.purchase_id and not self.purchase_line_id:
            raise UserError(_("Order Line: choose the line of the order %s that this delivery fulfils.",
                              self.purchase_id.name))
        if self.purchase_line_id:
            self._check_against_order(records)
        campaign = self.env["tablet.campaign"]._launch(
            "intake", self.college_id, company_id=self.company_id.id, total_count=len(records),
            intake_data=base64.b64encode(json.dumps(self._intake_data(records)).encode()))
        if campaign.state != "done":
            return campaign._queue_action()
        tablets = self.env["maintenance.equipment"].search(
            [("serial_no", "in", [record["serial_no"] for record in records])], order="id")
        action = self.env["ir.actions.act_window"]._for_xml_id("tablet_loan.maintenance_equipment_action_tablet")
        action["domain"] = [("id", "in", tablets.ids)]
        # The stored action context names the category with ref(), which the web client cannot evaluate.
        action["context"] = {"default_is_tablet": True,
                             "default_category_id": self.env.ref("tablet_loan.equipment_category_tablet").id}
        return action

    # ------------------------------------------------------------------ reading
    def _file_kind(self, content):
        """The extension decides; without a file name, the content does (an .xlsx is a zip)."""
        if not self.filename:
            return "xlsx" if content.startswith(XLSX_MAGIC) else "csv"
        extension = self.filename.rsplit(".", 1)[-1].lower() if "." in self.filename else ""
        if extension not in ("csv", "xlsx"):
            raise UserError(_(
                "Delivery File: “%(filename)s” is neither a CSV file (.csv) nor an Excel workbook (.xlsx). "
                "Save the supplier's file in one of these formats and import it again.",
                filename=self.filename,
            ))
        return extension

    def _read_rows(self):
        """All rows of the file as lists of text, the header first."""
        content = base64.b64decode(self.file or b"")
        if self._file_kind(content) == "xlsx":
            return self._read_xlsx(content)
        return self._read_csv(content)

    def _read_csv(self, content):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Spreadsheets saved on French Windows write “Numéro de série” in cp1252.
            try:
                text = content.decode("cp1252")
            except UnicodeDecodeError:
                raise UserError(self._unreadable_message()) from None
        header_line = text.lstrip("\r\n").partition("\n")[0]
        try:
            delimiter = csv.Sniffer().sniff(header_line, delimiters=";,").delimiter
        except csv.Error:
            delimiter = ","  # a single column: the delimiter does not matter
        try:
            return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
        except csv.Error:
            raise UserError(self._unreadable_message()) from None

    def _read_xlsx(self, content):
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
            raise UserError(self._unreadable_message()) from None
        try:
            return [[_cell_text(value) for value in row] for row in workbook.active.iter_rows(values_only=True)]
        finally:
            workbook.close()

    def _unreadable_message(self):
        return _(
            "Delivery File: “%(filename)s” could not be read. Expected a CSV file in UTF-8 or Windows-1252 "
            "encoding, or an Excel workbook (.xlsx).",
            filename=self.filename or _("unnamed file"),
        )

    # --------------------------------------------------------------- validating
    def _column_labels(self):
        return {"serial_no": _("Serial Number"), "imei": _("IMEI"), "model": _("Model")}

    def _parse_rows(self, rows):  # noqa: C901 - one check per column, all problems reported at once
        """Every problem of the file at once, with its row number as a spreadsheet shows it."""
        if not rows or not any(rows[0]):
            return [(1, _("The file has no header row. Expected row 1 to name the columns: "
                          "serial number, IMEI and, optionally, model."))], []
        problems = []
        labels = self._column_labels()
        columns = {}
        for index, header in enumerate(rows[0]):
            column = HEADER_COLUMN.get(_normalize_header(header))
            if not column:
                continue
            if column in columns:
                problems.append((1, _(
                    "Row 1: the headers “%(first)s” and “%(second)s” both name the column “%(column)s”; keep only one.",
                    first=rows[0][columns[column]], second=header, column=labels[column],
                )))
            else:
                columns[column] = index
        for column in REQUIRED_COLUMNS:
            if column not in columns:
                problems.append((1, _(
                    "Row 1: the column “%(column)s” is missing. Accepted headers: %(headers)s.",
                    column=labels[column], headers=", ".join(f"“{alias}”" for alias in HEADER_ALIASES[column]),
                )))
        if problems:
            return problems, []

        def cell(row, column):
            index = columns.get(column)
            return row[index].strip() if index is not None and index < len(row) else ""

        records = []
        row_of_serial, row_of_imei = {}, {}
        for number, row in enumerate(rows[1:], start=2):
            if not any(value.strip() for value in row):
                continue  # blank lines at the end of a spreadsheet are not tablets
            serial, imei = cell(row, "serial_no"), cell(row, "imei").replace(" ", "")
            if not serial:
                problems.append((number, _("Row %(row)s: the serial number is empty.", row=number)))
            elif serial in row_of_serial:
                problems.append((number, _(
                    "Row %(row)s: the serial number “%(serial)s” is already on row %(first_row)s of the file.",
                    row=number, serial=serial, first_row=row_of_serial[serial],
                )))
            else:
                row_of_serial[serial] = number
            reason = imei_error(imei)
            if not imei:
                problems.append((number, _("Row %(row)s: the IMEI is empty.", row=number)))
            elif reason:
                problems.append((number, _(
                    "Row %(row)s: the IMEI “%(imei)s” is not valid: %(reason)s.", row=number, imei=imei, reason=reason,
                )))
            elif imei in row_of_imei:
                problems.append((number, _(
                    "Row %(row)s: the IMEI “%(imei)s” is already on row %(first_row)s of the file.",
                    row=number, imei=imei, first_row=row_of_imei[imei],
                )))
            else:
                row_of_imei[imei] = number
            records.append({"serial_no": serial, "imei": imei, "model": cell(row, "model")})
        if not records:
            return [(2, _("The file contains no tablet: expected one row per tablet after the header row."))], []

        taken_serials, taken_imeis = self._registered_serials_and_imeis(row_of_serial, row_of_imei)
        for serial in taken_serials:
            problems.append((row_of_serial[serial], _(
                "Row %(row)s: the serial number “%(serial)s” is already registered.",
                row=row_of_serial[serial], serial=serial,
            )))
        for imei in taken_imeis:
            problems.append((row_of_imei[imei], _(
                "Row %(row)s: the IMEI “%(imei)s” is already registered.",
                row=row_of_imei[imei], imei=imei,
            )))
        problems.sort(key=lambda problem: problem[0])
        return problems, records

    def _registered_serials_and_imeis(self, serials, imeis):
        """Serials and IMEIs of the file that some equipment already carries."""
        # Uniqueness is database-wide (SQL constraints) while an officer reads only the
        # tablets of their Département, archived ones included: sudo() only to test that
        # uniqueness, and only the colliding values leave this method, no other data.
        Equipment = self.env["maintenance.equipment"].sudo().with_context(active_test=False)
        found = Equipment.search_read(
            ["|", ("serial_no", "in", list(serials)), ("imei", "in", list(imeis))], ["serial_no", "imei"],
        )
        taken_serials = {values["serial_no"] for values in found} & serials.keys()
        taken_imeis = {values["imei"] for values in found} & imeis.keys()
        return taken_serials, taken_imeis

    def _problem_report(self, problems):
        lines = [f"• {message}" for _row, message in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            lines.append(_("… and %s more.", len(problems) - MAX_LISTED))
        return "\n".join([
            _("Nothing was imported. Correct these %(count)s problem(s) in the file and import it again:",
              count=len(problems)),
            *lines,
        ])

    def _check_against_order(self, records):
        """The delivery is the order line's (issue 15): the same supplier and, tablet for tablet, what
        is still to receive; with announced serial numbers, exactly those. Nothing is created otherwise."""
        line = self.purchase_line_id
        if self.purchase_id and line.order_id != self.purchase_id:
            raise UserError(_("Order Line: choose a line of the order %s.", self.purchase_id.name))
        if line.order_id.state not in ("purchase", "done"):
            raise UserError(_("The order %s is not confirmed: confirm it before receiving its tablets.",
                              line.order_id.name))
        if line.order_id.partner_id.commercial_partner_id != self.partner_id.commercial_partner_id:
            raise UserError(_("Supplier: the order %(order)s is from %(supplier)s, not from %(other)s.",
                              order=line.order_id.name, supplier=line.order_id.partner_id.display_name,
                              other=self.partner_id.display_name))
        serials = [record["serial_no"] for record in records]
        announced = line._announced_serials()
        problems = []
        if announced:
            received = set(line.with_context(active_test=False).tablet_ids.mapped("serial_no"))
            expected = [serial for serial in announced if serial not in received]
            missing = [serial for serial in expected if serial not in set(serials)]
            unknown = [serial for serial in serials if serial not in set(expected)]
            if missing:
                problems.append(_("missing from the file, announced for the order: %s", self._listing(missing)))
            if unknown:
                problems.append(_("in the file but not announced for the order (unknown or already received): %s",
                                  self._listing(unknown)))
        else:
            remaining = int(line.product_qty - line.qty_received)
            if len(serials) > remaining:
                problems.append(_("%(count)s tablet(s) more than the %(remaining)s still to receive; extra: %(serials)s",
                                  count=len(serials) - remaining, remaining=remaining,
                                  serials=self._listing(serials[remaining:])))
            elif len(serials) < remaining:
                problems.append(_("%(count)s tablet(s) missing: the file holds %(received)s of the %(remaining)s still "
                                  "to receive", count=remaining - len(serials), received=len(serials),
                                  remaining=remaining))
        if problems:
            raise UserError(_("Nothing was imported: the delivery does not match the order line %(line)s "
                              "(%(order)s):\n%(problems)s", line=line.product_id.display_name or line.name,
                              order=line.order_id.name, problems="\n".join(f"• {p}" for p in problems)))

    def _listing(self, serials):
        shown = ", ".join(serials[:MAX_LISTED])
        return shown + (_(" … and %s more", len(serials) - MAX_LISTED) if len(serials) > MAX_LISTED else "")

    # ----------------------------------------------------------------- creating
    def _unit_cost(self):
        line = self.purchase_line_id
        if not line:
            return self.unit_cost
        return line.currency_id._convert(line.price_unit, self.company_id.currency_id, self.company_id,
                                         self.purchase_date)

    def _intake_data(self, records):
        """What the campaign needs to create the tablets: the values they share, then one
        row (serial number, IMEI, model, name) per tablet. No message per tablet: the
        collège gets one summary for the delivery."""
        default_name = self.default_model or _("Tablet")
        return {
            "values": {
                "is_tablet": True,
                "tablet_state": "stock",
                "category_id": self.env.ref("tablet_loan.equipment_category_tablet").id,
                "college_id": self.college_id.id,
                "company_id": self.company_id.id,
                "partner_id": self.partner_id.id,
                # An order's delivery costs the order's price (in the Département's currency).
                "cost": self._unit_cost(),
                "purchase_line_id": self.purchase_line_id.id or False,
                "purchase_date": fields.Date.to_string(self.purchase_date),
                "effective_date": fields.Date.to_string(self.purchase_date),
                "warranty_date": fields.Date.to_string(
                    self.purchase_date + relativedelta(months=self.warranty_months)),
            },
            "rows": [[record["serial_no"], record["imei"], record["model"] or self.default_model or False,
                      record["model"] or default_name] for record in records],
        }
