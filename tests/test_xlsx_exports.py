import io
import json
import zipfile
from datetime import date, datetime, timedelta
from unittest.mock import patch
from urllib.parse import urlencode

import openpyxl
import xlsxwriter

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, TransactionCase, new_test_user, tagged

from ..reports.tablet_xlsx_report import HEADER_ROW
from .common import TabletLoanCase, decide_for_charge

FLEET_HEADERS = ("Collège", "Status", "Serial Number", "Model", "IMEI", "Supplier", "Purchase Date", "Warranty End",
                 "Tablets", "Purchase Cost", "Residual Value")


@tagged("post_install", "-at_install")
class TestXlsxExports(HttpCase, TabletLoanCase):
    """XLSX exports, each rendered as the user who asks for it: the Département's fleet
    inventory and exits (R7, R17), the supplier's claims without personal data (R20, R29),
    the collège's charges and payments (R21, R24b), the Département's summary."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env["account.chart.template"].try_loading("generic_coa", company=cls.dept_a, install_demo=False)
        default_sale = env["account.journal"].search([("company_id", "=", cls.dept_a.id), ("type", "=", "sale")],
                                                     limit=1)
        cls.college_alpha.tablet_journal_id = env["account.journal"].create({
            "name": "Participations Collège Alpha", "code": "CALP", "type": "sale",
            "company_id": cls.dept_a.id, "default_account_id": default_sale.default_account_id.id,
        })
        Partner = env["res.partner"]
        cls.supplier = Partner.create({"name": "Tablettes Services (test)", "is_company": True})
        cls.other_supplier = Partner.create({"name": "Autre Fournisseur (test)", "is_company": True})
        cls.supplier_user.partner_id.parent_id = cls.supplier
        cls.accountant_beta = new_test_user(
            env, login="t_accountant_beta_xlsx", groups="tablet_loan.group_college_accountant",
            company_id=cls.dept_a.id, company_ids=[Command.set(cls.dept_a.ids)],
            tablet_college_ids=[Command.set(cls.college_beta.ids)])

        # Fleet: Alpha 5 tablets at 300 €, Beta 3 at 400 €, Gamma (Département B) 2.
        cls.alpha = cls._tablets(cls.college_alpha, 5)
        cls.beta = cls._tablets(cls.college_beta, 3)
        cls.beta.cost = 400.0
        cls.gamma = cls._tablets(cls.college_gamma, 2)
        (cls.alpha | cls.beta).partner_id = cls.supplier
        cls.alpha[3].write({"tablet_state": "donated", "out_of_fleet_date": date(2026, 7, 1), "active": False})
        cls.alpha[4].write({"tablet_state": "scrapped", "out_of_fleet_date": date(2025, 3, 1), "active": False})
        cls.beta[2].write({"tablet_state": "scrapped", "out_of_fleet_date": date(2026, 7, 15), "active": False})

        # Loans and incidents: a pupil and a teacher at Alpha, a pupil at Beta.
        cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.teacher_alpha)
        cls._deployable(cls.college_beta, cls.pupil_beta)
        loans = (cls._loan(cls.pupil_alpha, cls.alpha[0]) | cls._loan(cls.teacher_alpha, cls.alpha[1])
                 | cls._loan(cls.pupil_beta, cls.beta[0]))
        loans.action_activate()
        cls.loan_pupil_alpha, cls.loan_teacher_alpha, cls.loan_beta = loans
        now = datetime.now().replace(microsecond=0)
        Incident = env["tablet.incident"]

        def incident(loan, incident_type, days_late=0):
            return Incident.create({"incident_type": incident_type, "loan_id": loan.id,
                                    "event_datetime": now - timedelta(days=days_late, hours=5),
                                    "declaration_datetime": now - timedelta(hours=1)})
        cls.failure_pupil = incident(cls.loan_pupil_alpha, "failure")
        cls.failure_teacher = incident(cls.loan_teacher_alpha, "failure", days_late=4)
        cls.breakage_alpha = incident(cls.loan_pupil_alpha, "breakage")
        cls.breakage_beta = incident(cls.loan_beta, "breakage", days_late=3)
        (cls.failure_pupil | cls.failure_teacher | cls.breakage_alpha | cls.breakage_beta).action_validate()

        # Claims: one answered by our supplier, one sent to another supplier.
        Claim = env["tablet.warranty.claim"]
        cls.claim = Claim.create({"incident_id": cls.failure_pupil.id, "fault_type": "component",
                                  "fault_description": "L'écran ne s'allume plus."})
        cls.other_claim = Claim.create({"incident_id": cls.failure_teacher.id, "fault_type": "system",
                                        "supplier_id": cls.other_supplier.id})
        (cls.claim | cls.other_claim).action_send()
        as_supplier = cls.claim.with_user(cls.supplier_user)
        as_supplier.write({"rma_number": "RMA-4242", "answer": "repaired"})
        as_supplier.action_record_answer()

        # Charges: Alpha 50 € invoiced and 20 € paid, 30 € draft, 20 € cancelled; Beta 70 € confirmed.
        Charge = env["tablet.charge"]
        decide_for_charge(cls.breakage_alpha | cls.breakage_beta)
        cls.charge_invoiced = Charge._create_from_incident(cls.breakage_alpha, "breakage", amount=50.0)
        cls.charge_draft = Charge._create_from_incident(cls.breakage_alpha, "breakage", amount=30.0)
        cls.charge_cancelled = Charge._create_from_incident(cls.breakage_alpha, "breakage", amount=20.0)
        cls.charge_beta = Charge._create_from_incident(cls.breakage_beta, "breakage", amount=70.0)
        (cls.charge_invoiced | cls.charge_cancelled | cls.charge_beta).action_confirm()
        cls.charge_cancelled.action_cancel()
        cls.charge_invoiced.with_user(cls.accountant_alpha).action_create_invoice()
        env["account.payment.register"].with_company(cls.dept_a).with_context(
            active_model="account.move", active_ids=cls.charge_invoiced.invoice_id.ids,
        ).create({"amount": 20.0, "payment_date": fields.Date.today()})._create_payments()
        cls.today = fields.Date.today()

    # ---------------------------------------------------------------- helpers
    def _render(self, report, user, docids=None, data=None):
        """The export as `user` downloads it, read back with openpyxl."""
        content, file_type = self.env["ir.actions.report"].with_user(user).with_context(lang="en_US")._render_xlsx(
            f"tablet_loan.{report}", docids or [], data or {})
        self.assertEqual(file_type, "xlsx")
        return openpyxl.load_workbook(io.BytesIO(content))

    def _render_action(self, action, user):
        """Render what a header button or a wizard returned."""
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_type"], "xlsx")
        ids = action["context"].get("active_ids") if not action.get("data") else None
        return self._render(action["report_name"].split(".", 1)[1], user, ids, action.get("data"))

    @staticmethod
    def _table(sheet):
        """(headers, rows) of a sheet: rows as tuples, from the header row down."""
        rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
        return rows[0], rows[1:]

    @staticmethod
    def _all_text(workbook):
        return "\n".join(str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True)
                         for value in row if value is not None)

    def _residual(self, tablets, on_date):
        return sum(tablet._residual_value(on_date, 4) for tablet in tablets)

    # ---------------------------------------------------------------- fleet inventory
    def test_fleet_inventory_from_the_list(self):
        """R7: the Département's officer exports its fleet from the tablets list, by collège and status."""
        action = self.env["maintenance.equipment"].with_user(self.officer_a).with_context(
            active_domain=[("is_tablet", "=", True)]).action_export_fleet_inventory_xlsx()
        workbook = self._render_action(action, self.officer_a)
        self.assertEqual(workbook.sheetnames, ["Fleet Inventory", "Totals"])
        headers, rows = self._table(workbook["Fleet Inventory"])
        self.assertEqual(headers, FLEET_HEADERS)
        in_fleet = self.alpha[:3] | self.beta[:2]
        details = [row for row in rows if row[2]]
        self.assertEqual(sorted(row[2] for row in details), sorted(in_fleet.mapped("serial_no")),
                         "the Département's tablets still in the fleet, not Gamma's, not those given or scrapped")
        self.assertEqual(self.alpha[0].tablet_state, "repair", "its failure was validated")
        alpha_repair = next(row for row in details if row[2] == self.alpha[0].serial_no)
        self.assertEqual(alpha_repair[:2], ("Collège Alpha", "In Repair"))
        self.assertEqual(alpha_repair[4], self.alpha[0].imei)
        self.assertEqual(alpha_repair[5], self.supplier.name)
        self.assertEqual(alpha_repair[6].date(), date(2026, 6, 1))
        self.assertEqual(alpha_repair[7].date(), date(2028, 6, 1))
        self.assertEqual(alpha_repair[9], 300.0)
        self.assertAlmostEqual(alpha_repair[10], self.alpha[0]._residual_value(self.today, 4), places=2)

        totals = {(row[0], row[1]): row[8:11] for row in rows if not row[2]}
        self.assertEqual(totals[("Total Collège Alpha", "In Repair")][:2], (2, 600.0))
        self.assertEqual(totals[("Total Collège Alpha", "In Stock")][:2], (1, 300.0))
        self.assertEqual(totals[("Total Collège Alpha", "All statuses")][:2], (3, 900.0))
        self.assertEqual(totals[("Total Collège Beta", "All statuses")][:2], (2, 800.0))
        grand = totals[("Grand Total", None)]
        self.assertEqual(grand[:2], (5, 1700.0))
        self.assertAlmostEqual(grand[2], self._residual(in_fleet, self.today), places=2)
        # Rows in order: each collège's statuses, then its total, the grand total last.
        self.assertEqual([row[:2] for row in rows if not row[2]], [
            ("Total Collège Alpha", "In Stock"), ("Total Collège Alpha", "In Repair"),
            ("Total Collège Alpha", "All statuses"), ("Total Collège Beta", "In Stock"),
            ("Total Collège Beta", "In Repair"), ("Total Collège Beta", "All statuses"), ("Grand Total", None)])

        _headers, total_rows = self._table(workbook["Totals"])
        self.assertEqual(total_rows[-1][:4], ("Grand Total", None, 5, 1700.0))

    def test_fleet_inventory_whole_company(self):
        """Benchmark's two ways: all tablet ids of the company, or no ids and the company in data."""
        ids = self.env["maintenance.equipment"].search([("company_id", "=", self.dept_a.id),
                                                        ("is_tablet", "=", True)]).ids
        by_ids = self._render("report_fleet_inventory_xlsx", self.manager_a, ids)
        by_company = self._render("report_fleet_inventory_xlsx", self.manager_a, data={"company_id": self.dept_a.id})
        rows_by_ids = self._table(by_ids["Fleet Inventory"])[1]
        self.assertEqual(rows_by_ids, self._table(by_company["Fleet Inventory"])[1])
        self.assertEqual(rows_by_ids[-1][8:10], (5, 1700.0))
        selected = self._render("report_fleet_inventory_xlsx", self.manager_a, self.beta[:1].ids)
        self.assertEqual([row[2] for row in self._table(selected["Fleet Inventory"])[1] if row[2]],
                         [self.beta[0].serial_no])

    def test_fleet_inventory_other_department(self):
        """Département B's manager gets its own fleet, never Département A's."""
        workbook = self._render("report_fleet_inventory_xlsx", self.manager_b)
        serials = [row[2] for row in self._table(workbook["Fleet Inventory"])[1] if row[2]]
        self.assertEqual(sorted(serials), sorted(self.gamma.mapped("serial_no")))
        with self.assertRaises(AccessError):
            self._render("report_fleet_inventory_xlsx", self.manager_b, data={"company_id": self.dept_a.id})
        with self.assertRaises(AccessError):
            self._render("report_fleet_inventory_xlsx", self.manager_b, self.alpha[:3].ids)

    def test_fleet_exports_refused_outside_the_departement(self):
        """The fleet's asset register and the summary are the Département's: others get an AccessError."""
        for user in (self.supplier_user, self.academy_user, self.accountant_alpha, self.head_alpha):
            for report in ("report_fleet_inventory_xlsx", "report_department_summary_xlsx"):
                with self.subTest(user=user.login, report=report), self.assertRaises(AccessError):
                    self._render(report, user, data={"company_id": self.dept_a.id})
        with self.assertRaises(AccessError):
            self._render("report_fleet_exits_xlsx", self.supplier_user,
                         data={"date_from": "2026-01-01", "date_to": "2026-12-31"})

    def test_fleet_inventory_queries_do_not_grow(self):
        """Tablets are read in batches: more tablets, same number of queries; the workbook streams."""
        Report = self.env["report.tablet_loan.report_fleet_inventory_xlsx"]
        self.assertTrue(Report.get_workbook_options()["constant_memory"])
        self._render("report_fleet_inventory_xlsx", self.officer_a)  # warm the caches

        def count():
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self._render("report_fleet_inventory_xlsx", self.officer_a)
            return self.cr.sql_log_count - before
        few = count()
        self._tablets(self.college_alpha, 40, start=100)
        self.assertEqual(count(), few)

    def test_download_through_the_web_client_routes(self):
        """What the list buttons trigger in the browser: report_xlsx's /report/xlsx route, with
        the list's search as options, or with the selected ids, as the logged-in user."""
        self.authenticate(self.officer_a.login, self.officer_a.login)
        query = urlencode({"options": json.dumps({"domain": [["is_tablet", "=", True], ["college_id", "=",
                                                                                            self.college_beta.id]]}),
                           "context": json.dumps({"lang": "en_US"})})
        response = self.url_open(f"/report/xlsx/tablet_loan.report_fleet_inventory_xlsx?{query}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        rows = self._table(openpyxl.load_workbook(io.BytesIO(response.content))["Fleet Inventory"])[1]
        self.assertEqual(sorted(row[2] for row in rows if row[2]), sorted(self.beta[:2].mapped("serial_no")))

        self.authenticate(self.supplier_user.login, self.supplier_user.login)
        response = self.url_open(f"/report/xlsx/tablet_loan.report_warranty_claims_xlsx/{self.claim.id}")
        self.assertEqual(response.status_code, 200)
        # The supplier reads the file in their own language: the sheet is named in French.
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        self.assertEqual(workbook.sheetnames, ["Demandes de garantie"])
        rows = self._table(workbook.worksheets[0])[1]
        self.assertEqual(rows[0][3:5], (self.alpha[0].serial_no, self.alpha[0].imei))
        with self.assertLogs("odoo.http", "WARNING"):
            response = self.url_open(f"/report/xlsx/tablet_loan.report_fleet_inventory_xlsx?{query}")
        self.assertNotEqual(response.status_code, 200, "the supplier has no fleet inventory")

    # ---------------------------------------------------------------- fleet exits
    def test_fleet_exits_over_a_period(self):
        """R17: tablets given or scrapped over the period, for the asset register, through the period wizard."""
        form = Form(self.env["tablet.fleet.exit.export.wizard"].with_user(self.officer_a))
        form.date_from = date(2026, 7, 1)
        form.date_to = date(2026, 7, 31)
        wizard = form.save()
        workbook = self._render_action(wizard.action_export(), self.officer_a)
        self.assertEqual(workbook.sheetnames, ["Fleet Exits"])
        headers, rows = self._table(workbook["Fleet Exits"])
        self.assertEqual(headers[:4], ("Status", "Left the Fleet on", "Collège", "Serial Number"))
        self.assertEqual([(row[0], row[1].date(), row[2], row[3]) for row in rows if row[3]], [
            ("Donated", date(2026, 7, 1), "Collège Alpha", self.alpha[3].serial_no),
            ("Scrapped", date(2026, 7, 15), "Collège Beta", self.beta[2].serial_no),
        ], "the tablet scrapped in 2025 is outside the period")
        self.assertEqual([(row[0], row[7], row[8]) for row in rows if not row[3]], [
            ("Total Donated", 1, 300.0), ("Total Scrapped", 1, 400.0), ("Grand Total", 2, 700.0)])
        expected_value = (self.alpha[3]._residual_value(date(2026, 7, 1), 4)
                          + self.beta[2]._residual_value(date(2026, 7, 15), 4))
        self.assertAlmostEqual(rows[-1][9], expected_value, places=2)

        form = Form(self.env["tablet.fleet.exit.export.wizard"].with_user(self.officer_a))
        form.date_from = date(2026, 8, 1)
        form.date_to = date(2026, 7, 1)
        with self.assertRaises(ValidationError):
            form.save()
        with self.assertRaises(UserError):
            self._render("report_fleet_exits_xlsx", self.officer_a, data={"date_from": "2026-07-01"})

    # ---------------------------------------------------------------- claims
    def test_claims_for_the_supplier_without_personal_data(self):
        """R29: the supplier's export has serial, IMEI and RMA of its claims only, no name of a person."""
        action = self.env["tablet.warranty.claim"].with_user(self.supplier_user).with_context(
            active_domain=[]).action_export_claims_xlsx()
        workbook = self._render_action(action, self.supplier_user)
        self.assertEqual(workbook.sheetnames, ["Warranty Claims"])
        headers, rows = self._table(workbook["Warranty Claims"])
        self.assertEqual(headers[:6], ("Reference", "Collège", "Supplier", "Serial Number", "IMEI", "Model"))
        self.assertEqual(headers[11], "RMA Number")
        self.assertEqual(len(rows), 2, "one claim, then the count")
        claim_row = rows[0]
        self.assertEqual(claim_row[:6], ("GAR-%05d" % self.claim.id, "Collège Alpha", self.supplier.name,
                                         self.alpha[0].serial_no, self.alpha[0].imei, "TL-10"))
        self.assertEqual(claim_row[8:12], ("Answered", self.claim.sent_date and
                                           datetime.combine(self.claim.sent_date, datetime.min.time()), None,
                                           "RMA-4242"))
        self.assertEqual(rows[-1][:2], (1, "Claims"))
        text = self._all_text(workbook)
        self.assertNotIn(self.alpha[1].serial_no, text, "the other supplier's claim")
        for person in (self.pupil_alpha, self.rep_alpha, self.teacher_alpha, self.pupil_beta, self.rep_beta):
            self.assertNotIn(person.name, text)
        self.assertNotIn("Élève", text)
        for report, data in [("report_fleet_inventory_xlsx", {}), ("report_department_summary_xlsx", {}),
                             ("report_charges_xlsx", {"date_from": "2026-01-01", "date_to": "2026-12-31"})]:
            with self.subTest(report=report), self.assertRaises(AccessError):
                self._render(report, self.supplier_user, data=data)

    def test_claims_for_the_departement(self):
        """The Département's officer exports every claim to process, still without names."""
        workbook = self._render("report_warranty_claims_xlsx", self.officer_a)
        _headers, rows = self._table(workbook["Warranty Claims"])
        self.assertEqual(sorted(row[3] for row in rows[:-1]), sorted(self.alpha[:2].mapped("serial_no")))
        self.assertEqual(rows[-1][0], 2)
        self.assertNotIn(self.teacher_alpha.name, self._all_text(workbook))
        head_rows = self._table(self._render("report_warranty_claims_xlsx", self.head_alpha,
                                             self.claim.ids)["Warranty Claims"])[1]
        self.assertEqual(head_rows[0][0], "GAR-%05d" % self.claim.id)
        with self.assertRaises(AccessError):
            self._render("report_warranty_claims_xlsx", self.manager_b, self.claim.ids)

    # ---------------------------------------------------------------- charges
    def _charges_export(self, user, colleges=None):
        form = Form(self.env["tablet.charge.export.wizard"].with_user(user))
        form.date_from = self.today - timedelta(days=1)
        form.date_to = self.today + timedelta(days=1)
        for college in colleges or ():
            form.college_ids.add(college)
        return self._render_action(form.save().action_export(), user)

    def test_charges_for_the_accountant(self):
        """R21, R24b: the collège's accountant gets their collège's charges, invoices and payments."""
        workbook = self._charges_export(self.accountant_alpha)
        self.assertEqual(workbook.sheetnames, ["Charges"])
        headers, rows = self._table(workbook["Charges"])
        self.assertEqual(headers, ("Collège", "Reference", "Recorded on", "Status", "Case", "Tablet Serial Number",
                                   "Payer", "Invoice", "Invoice Date", "Payment Status", "Charges", "Amount", "Paid",
                                   "Amount Due"))
        details = [row for row in rows if row[1]]
        self.assertEqual({row[0] for row in details}, {"Collège Alpha"}, "only the accountant's collège")
        self.assertEqual(sorted(row[1] for row in details), sorted(
            "CHG-%05d" % c.id for c in self.charge_invoiced | self.charge_draft | self.charge_cancelled))
        invoiced = next(row for row in details if row[1] == "CHG-%05d" % self.charge_invoiced.id)
        invoice = self.charge_invoiced.invoice_id
        self.assertEqual(invoiced[3:8], ("Invoiced", "Breakage", self.alpha[0].serial_no, self.rep_alpha.name,
                                         invoice.name))
        self.assertEqual(invoiced[9], "Partially Paid")
        self.assertEqual(invoiced[11:14], (50.0, 20.0, 30.0))
        self.assertEqual(invoice.amount_residual, 30.0)
        draft = next(row for row in details if row[1] == "CHG-%05d" % self.charge_draft.id)
        self.assertEqual(draft[7:14], (None, None, None, 1, 30.0, None, None))
        self.assertEqual([row[0] for row in rows if not row[1]], ["Total Collège Alpha", "Grand Total"])
        self.assertEqual(rows[-1][10:14], (2, 80.0, 20.0, 30.0), "the cancelled charge is left out of the totals")

    def test_charges_for_the_departement_and_refusals(self):
        """The Département gets every collège over the period; the Académie and the supplier no charge."""
        self.env.cr.execute("UPDATE tablet_charge SET create_date = %s WHERE id = %s",
                            [datetime(2020, 1, 15), self.charge_draft.id])
        self.env.invalidate_all()
        workbook = self._charges_export(self.officer_a)
        _headers, rows = self._table(workbook["Charges"])
        self.assertEqual(sorted(row[1] for row in rows if row[1]), sorted(
            "CHG-%05d" % c.id for c in self.charge_invoiced | self.charge_cancelled | self.charge_beta))
        totals = {row[0]: row[10:14] for row in rows if not row[1]}
        self.assertEqual(totals, {"Total Collège Alpha": (1, 50.0, 20.0, 30.0),
                                  "Total Collège Beta": (1, 70.0, 0, 0),
                                  "Grand Total": (2, 120.0, 20.0, 30.0)})
        beta_only = self._charges_export(self.accountant_beta)
        self.assertEqual([row[1] for row in self._table(beta_only["Charges"])[1] if row[1]],
                         ["CHG-%05d" % self.charge_beta.id])
        picked = self._charges_export(self.manager_a, colleges=self.college_beta)
        self.assertEqual({row[0] for row in self._table(picked["Charges"])[1] if row[1]}, {"Collège Beta"})
        period = {"date_from": "2026-01-01", "date_to": "2026-12-31"}
        for user in (self.academy_user, self.supplier_user, self.referent_alpha):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._render("report_charges_xlsx", user, data=period)
        with self.assertRaises(AccessError):
            self.env["tablet.charge.export.wizard"].with_user(self.academy_user).create({
                "date_from": date(2026, 1, 1), "date_to": date(2026, 12, 31)})

    # ---------------------------------------------------------------- summary
    def test_department_summary(self):
        """One sheet per subject, a row per collège and a total, counted as the manager."""
        action = self.env["maintenance.equipment"].with_user(self.manager_a).action_export_department_summary_xlsx()
        workbook = self._render_action(action, self.manager_a)
        self.assertEqual(workbook.sheetnames, ["Tablets", "Loans", "Incidents by Type", "Late Declarations",
                                               "Warranty Claims", "Charges"])

        def table(name):
            headers, rows = self._table(workbook[name])
            return [dict(zip(headers, row, strict=False)) for row in rows]

        tablets = {row["Collège"]: row for row in table("Tablets")}
        self.assertEqual(set(tablets), {"Collège Alpha", "Collège Beta", "Total"}, "nothing of Département B")
        self.assertEqual((tablets["Collège Alpha"]["In Repair"], tablets["Collège Alpha"]["In Stock"],
                          tablets["Collège Alpha"]["Donated"], tablets["Collège Alpha"]["Scrapped"],
                          tablets["Collège Alpha"]["Total"]), (2, 1, 1, 1, 5))
        self.assertEqual(tablets["Collège Alpha"]["Purchase Cost"], 1500.0)
        self.assertEqual((tablets["Total"]["Total"], tablets["Total"]["Purchase Cost"]), (8, 2700.0))

        loans = {row["Collège"]: row for row in table("Loans")}
        self.assertEqual((loans["Collège Alpha"]["Active"], loans["Collège Beta"]["Active"], loans["Total"]["Total"]),
                         (2, 1, 3))
        incidents = {row["Collège"]: row for row in table("Incidents by Type")}
        self.assertEqual((incidents["Collège Alpha"]["Failure"], incidents["Collège Alpha"]["Breakage"],
                          incidents["Collège Beta"]["Breakage"], incidents["Total"]["Total"]), (2, 1, 1, 4))
        late = {row["Collège"]: row for row in table("Late Declarations")}
        self.assertEqual((late["Collège Alpha"]["Late Declarations"], late["Collège Alpha"]["Incidents"]), (1, 3))
        self.assertAlmostEqual(late["Collège Alpha"]["Share Declared Late"], 1 / 3)
        self.assertEqual((late["Total"]["Late Declarations"], late["Total"]["Incidents"]), (2, 4))
        self.assertEqual(late["Total"]["Late Declarations"], self.env["tablet.incident"].search_count([
            ("company_id", "=", self.dept_a.id), ("late_declaration", "=", True)]))
        claims = {row["Collège"]: row for row in table("Warranty Claims")}
        self.assertEqual((claims["Collège Alpha"]["Answered"], claims["Collège Alpha"]["Sent to the Supplier"],
                          claims["Total"]["Total"]), (1, 1, 2))
        charges = {row["Collège"]: row for row in table("Charges")}
        alpha = charges["Collège Alpha"]
        self.assertEqual((alpha["Draft"], alpha["Invoiced"], alpha["Cancelled"], alpha["Total (cancelled left out)"],
                          alpha["Charges (cancelled left out)"]), (30.0, 50.0, 20.0, 80.0, 2))
        self.assertEqual(charges["Total"]["Total (cancelled left out)"], 150.0)

        by_ids = self._render("report_department_summary_xlsx", self.manager_a,
                              (self.alpha | self.beta).filtered("active").ids)
        for name in workbook.sheetnames:
            self.assertEqual(self._table(by_ids[name]), self._table(workbook[name]), name)

        other = self._render("report_department_summary_xlsx", self.manager_b)
        self.assertNotIn("Collège Alpha", self._all_text(other))
        self.assertEqual(self._table(other["Tablets"])[1][-1][-2:], (2, 600.0))
        with self.assertRaises(AccessError):
            self._render("report_department_summary_xlsx", self.manager_b, data={"company_id": self.dept_a.id})


@tagged("post_install", "-at_install")
class TestXlsxRowStream(TransactionCase):
    """The rows that the exports write straight into a streamed sheet's XML (`_stream_row`) make
    the same file, byte for byte, as xlsxwriter's own `write_*` calls: texts to escape, spaces
    to keep, control characters, empty cells with and without a format, numbers, dates around
    Excel's 1900-02-29, and the rows it leaves to xlsxwriter (booleans, a rich string, a row of
    its own height) in between."""

    def _book(self, streamed):
        Report = type(self.env["report.tablet_loan.xlsx_abstract"])
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "default_date_format": "dd/mm/yyyy"})
        bold = workbook.add_format({"bold": True})
        title = workbook.add_format({"font_size": 14})
        # The header's alone: its index comes before the rows' formats, as xlsxwriter gives them.
        head = workbook.add_format({"bold": True, "bg_color": "#D9E1F2"})
        day = workbook.add_format({"num_format": "dd/mm/yyyy"})
        money = workbook.add_format({"num_format": "0.00"})
        sheet, totals = workbook.add_worksheet("Rows"), workbook.add_worksheet("Totals")
        sheet.set_column(2, 2, 20, money)
        sheet.write_string(0, 0, "Title", title)
        sheet.set_row(HEADER_ROW, 30)
        sheet.write_string(HEADER_ROW, 0, "Header", head)
        totals.write_string(0, 0, "Totals", title)
        sheet.freeze_panes(HEADER_ROW + 1, 0)
        rows = [
            [("Collège A & B <test>", bold), ("<r>rich</r>", None), (None, None), (" leading", bold),
             ("trailing ", bold), ("a\x01b _x0041_", bold), ("é\nline", bold), ('say "hi"', bold), (1, bold),
             (2.5, money), (10**17 + 0.5, money), (date(1900, 2, 28), day), (date(1900, 3, 1), day),
             (date(2026, 12, 2), day), (False, bold), ("", None), ("x" * 40000, bold)],
            [("plain", None), (None, bold), (0, None), (-1.25, money), (True, bold)],
            [(None, None), (None, None)],
            [("Élève 28", bold), (289, money), (date(2024, 1, 31), day), (None, None), ("", None)],
            [(None, None), ("no format", None), (None, None), (7, None)],
        ]
        row = HEADER_ROW + 1
        with patch.object(Report, "_stream_row", Report._stream_row if streamed else staticmethod(lambda *a: False)):
            for _repeat in range(3):
                for cells in rows:
                    Report._write_row(sheet, row, cells)
                    Report._write_row(totals, row, cells[:3])
                    row += 1
            sheet.set_row(row + 1, 20)
            Report._write_row(sheet, row + 1, rows[3])
            Report._write_row(sheet, row + 3, rows[3])
        workbook.close()
        archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
        # The parts of the file but its creation time.
        return buffer.getvalue(), {name: archive.read(name) for name in archive.namelist()
                                   if name != "docProps/core.xml"}

    def test_streamed_rows_are_xlsxwriters(self):
        content, streamed = self._book(True)
        written = self._book(False)[1]
        self.assertEqual(sorted(streamed), sorted(written))
        for name in written:
            self.assertEqual(streamed[name], written[name], name)
        sheet = openpyxl.load_workbook(io.BytesIO(content))["Rows"]
        self.assertEqual(sheet.cell(HEADER_ROW + 2, 1).value, "Collège A & B <test>")
        self.assertEqual(sheet.cell(HEADER_ROW + 2, 4).value, " leading")
        self.assertEqual(sheet.cell(HEADER_ROW + 2, 14).value, datetime(2026, 12, 2))
