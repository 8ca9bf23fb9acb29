import base64
import io
import re
from datetime import date

from openpyxl import Workbook

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import TabletLoanCase


@tagged("post_install", "-at_install")
class TestDeliveryIntake(TabletLoanCase):
    """A supplier's delivery file becomes the collège's stock, entirely or not at all."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier = cls.env["res.partner"].create({"name": "Tablettes Services (test)", "is_company": True})
        cls.Tablet = cls.env["maintenance.equipment"].with_context(active_test=False)

    @staticmethod
    def _csv(rows, delimiter=";", encoding="utf-8-sig"):
        return base64.b64encode("\r\n".join(delimiter.join(row) for row in rows).encode(encoding))

    @staticmethod
    def _xlsx(rows):
        workbook = Workbook()
        for row in rows:
            workbook.active.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return base64.b64encode(buffer.getvalue())

    def _wizard(self, content, filename, user=None, **values):
        """The wizard filled in as the officer does; the file widget also sets the file name."""
        Wizard = self.env["tablet.delivery.intake"].with_user(user or self.officer_a)
        form = Form(Wizard.with_context(default_filename=filename))
        form.file = content
        form.college_id = self.college_alpha
        form.partner_id = self.supplier
        form.purchase_date = date(2026, 6, 1)
        form.unit_cost = 289.9
        form.warranty_months = 36
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    def _import_error(self, content, filename="livraison.csv", **values):
        """The error of a refused import, after checking that it created nothing."""
        count = self.Tablet.search_count([])
        wizard = self._wizard(content, filename, **values)
        with self.assertRaises(UserError) as caught:
            wizard.action_import()
        self.assertEqual(self.Tablet.search_count([]), count, "a refused file must create no tablet")
        return str(caught.exception)

    def _problem_lines(self, message, row):
        """Lines of the report about one row (the first line is the summary)."""
        return [line for line in message.splitlines()[1:] if re.search(rf"\b{row}\b", line)]

    def test_csv_semicolon_creates_stock(self):
        imeis = [self._imei(900000 + i) for i in range(3)]
        content = self._csv([
            ["Numéro de série", "IMEI", "Modèle"],
            ["DLV-0001", imeis[0], "TL-11"],
            ["DLV-0002", imeis[1], "TL-11"],
            ["DLV-0003", imeis[2], ""],
        ])
        messages_before = len(self.college_alpha.message_ids)
        action = self._wizard(content, "livraison.csv", default_model="TL-10").action_import()

        tablets = self.Tablet.search([("serial_no", "like", "DLV-000")], order="serial_no")
        self.assertEqual(len(tablets), 3)
        self.assertEqual(tablets.mapped("imei"), imeis)
        self.assertEqual(tablets.mapped("model"), ["TL-11", "TL-11", "TL-10"])
        self.assertEqual(tablets.mapped("name"), ["TL-11", "TL-11", "TL-10"])
        for tablet in tablets:
            self.assertTrue(tablet.is_tablet)
            self.assertEqual(tablet.tablet_state, "stock")
            self.assertEqual(tablet.college_id, self.college_alpha)
            self.assertEqual(tablet.company_id, self.dept_a)
            self.assertEqual(tablet.partner_id, self.supplier)
            self.assertEqual(tablet.category_id, self.env.ref("tablet_loan.equipment_category_tablet"))
            self.assertAlmostEqual(tablet.cost, 289.9)
            self.assertEqual(tablet.purchase_date, date(2026, 6, 1))
            self.assertEqual(tablet.effective_date, date(2026, 6, 1))
            self.assertEqual(tablet.warranty_date, date(2029, 6, 1))
        self.assertEqual(action["res_model"], "maintenance.equipment")
        self.assertEqual(action["domain"], [("id", "in", tablets.ids)])
        # One summary on the collège, not one message per tablet.
        self.assertEqual(len(self.college_alpha.message_ids), messages_before + 1)
        summary = self.college_alpha.message_ids[:1]
        self.assertRegex(summary.body, r"\b3\b")
        self.assertIn(self.supplier.name, summary.body)
        self.assertFalse(tablets.message_ids, "tablets of a delivery are created without a log message each")

    def test_xlsx_import(self):
        content = self._xlsx([
            ["Serial Number", "imei", "Model"],
            ["XLS-0001", self._imei(910001), "TL-12"],
            # Spreadsheets store an IMEI typed without quotes as a number.
            ["XLS-0002", int(self._imei(910002)), None],
            [None, None, None],
        ])
        self._wizard(content, "Livraison.XLSX").action_import()
        tablets = self.Tablet.search([("serial_no", "in", ["XLS-0001", "XLS-0002"])], order="serial_no")
        self.assertEqual(tablets.mapped("imei"), [self._imei(910001), self._imei(910002)])
        self.assertEqual(tablets.mapped("model"), ["TL-12", False])
        self.assertTrue(all(t.tablet_state == "stock" and t.college_id == self.college_alpha for t in tablets))

    def test_csv_comma_cp1252_without_model_column(self):
        content = self._csv([["N° de série", "IMEI"], ["WIN-0001", self._imei(920001)]],
                            delimiter=",", encoding="cp1252")
        self._wizard(content, "livraison.csv", default_model="TL-10").action_import()
        tablet = self.Tablet.search([("serial_no", "=", "WIN-0001")])
        self.assertEqual(tablet.imei, self._imei(920001))
        self.assertEqual(tablet.model, "TL-10")

    def test_every_problem_reported_at_once(self):
        existing = self._tablets(self.college_beta, 2)
        bad_imei = self._imei(930003)[:-1] + str((int(self._imei(930003)[-1]) + 1) % 10)
        message = self._import_error(self._csv([
            ["serial", "imei", "model"],
            ["NEW-0002", self._imei(930002), "TL-11"],      # 2: fine alone, not created
            ["NEW-0003", bad_imei, "TL-11"],                 # 3: wrong Luhn digit
            ["NEW-0002", self._imei(930004), "TL-11"],       # 4: serial of row 2
            [existing[0].serial_no, self._imei(930005), ""],  # 5: serial in the fleet
            ["NEW-0006", existing[1].imei, ""],              # 6: IMEI in the fleet
            ["", self._imei(930007), ""],                    # 7: no serial
        ]))
        self.assertFalse(self._problem_lines(message, 2)[1:], "row 2 is only mentioned as the first occurrence")
        self.assertTrue([line for line in self._problem_lines(message, 3) if bad_imei in line and "Luhn" in line])
        self.assertTrue([line for line in self._problem_lines(message, 4) if "NEW-0002" in line and "2" in line])
        self.assertTrue([line for line in self._problem_lines(message, 5) if existing[0].serial_no in line])
        self.assertTrue([line for line in self._problem_lines(message, 6) if existing[1].imei in line])
        self.assertTrue(self._problem_lines(message, 7))
        self.assertEqual(len(message.splitlines()), 6, message)
        self.assertFalse(self.Tablet.search([("serial_no", "in", ["NEW-0002", "NEW-0003", "NEW-0006"])]))

    def test_missing_imei_column_named(self):
        message = self._import_error(self._csv([["serial", "model"], ["MISS-0001", "TL-11"]]))
        self.assertIn("IMEI", message)
        self.assertIn("“imei”", message)
        self.assertNotIn("MISS-0001", message)

    def test_empty_file_and_wrong_type_refused(self):
        # A header without any tablet row: one problem, reported like the others.
        self.assertEqual(len(self._import_error(self._csv([["serial", "imei"], ["", ""]])).splitlines()), 2)
        message = self._import_error(self._csv([["serial", "imei"], ["PDF-1", self._imei(940001)]]),
                                     filename="livraison.pdf")
        self.assertIn("livraison.pdf", message)
        self.assertIn(".xlsx", message)

    def test_cost_and_warranty_must_be_positive(self):
        content = self._csv([["serial", "imei"], ["ZERO-1", self._imei(950001)]])
        with self.assertRaises(ValidationError):
            self._wizard(content, "livraison.csv", unit_cost=0.0)
        with self.assertRaises(ValidationError):
            self._wizard(content, "livraison.csv", warranty_months=0)
        self.assertFalse(self.Tablet.search([("serial_no", "=", "ZERO-1")]))

    def test_referent_cannot_use_wizard(self):
        content = self._csv([["serial", "imei"], ["REF-0001", self._imei(960001)]])
        with self.assertRaises(AccessError):
            self._wizard(content, "livraison.csv", user=self.referent_alpha).action_import()
        self.assertFalse(self.Tablet.search([("serial_no", "=", "REF-0001")]))

    def test_serial_of_another_department_or_archived_is_reported(self):
        gamma = self._tablets(self.college_gamma, 1)
        archived = self._tablets(self.college_alpha, 1, start=50)
        archived.active = False
        # The officer cannot see Département B's tablet: only the uniqueness check does.
        self.assertFalse(self.env["maintenance.equipment"].with_user(self.officer_a).search(
            [("serial_no", "=", gamma.serial_no)]))
        message = self._import_error(self._csv([
            ["serial", "imei"],
            [gamma.serial_no, self._imei(970002)],
            ["OTHER-0003", gamma.imei],
            [archived.serial_no, self._imei(970004)],
        ]))
        self.assertTrue([line for line in self._problem_lines(message, 2) if gamma.serial_no in line])
        self.assertTrue([line for line in self._problem_lines(message, 3) if gamma.imei in line])
        self.assertTrue([line for line in self._problem_lines(message, 4) if archived.serial_no in line])
        # Nothing else about the other Département's tablet leaks into the message.
        self.assertNotIn(self.college_gamma.name, message)
        self.assertNotIn(self.dept_b.name, message)
