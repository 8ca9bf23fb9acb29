"""Issue 15 item 4: the tablets are the Département's fixed assets (R7) until they are given
(R17), written off or scrapped. Each tablet is one asset of OCA's register, created in bulk with
OCA's own depreciation board; each exit books its disposal; the tariffs read the book value; only
the Département writes the register. After every exit the fleet, the register and the accounts
agree."""
import io
from datetime import date, datetime, timedelta

import openpyxl

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, tagged

from ..reports.tablet_xlsx_report import HEADER_ROW
from .common import execute_kw
from .test_procurement import TabletProcurementCase


@tagged("post_install", "-at_install")
class TestAssetRegister(HttpCase, TabletProcurementCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pupil_3e, _rep = cls._pupil_with_representative("Trois", cls.college_alpha, "3e", "3e A")
        cls.pupil_5e, _rep = cls._pupil_with_representative("Cinq", cls.college_alpha, "5e", "5e A")
        cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.pupil_3e | cls.pupil_5e | cls.teacher_alpha)
        cls.supplier_user.partner_id.parent_id = cls.supplier
        cls.Register = cls.env["tablet.asset.register"]

    # ------------------------------------------------------------------ helpers
    def _active(self, borrower, tablet):
        loan = self._loan(borrower, tablet)
        loan.action_activate()
        return loan

    def _incident(self, loan, incident_type):
        now = datetime.now().replace(microsecond=0)
        incident = self.env["tablet.incident"].with_user(self.referent_alpha).create({
            "incident_type": incident_type, "loan_id": loan.id,
            "event_datetime": now - timedelta(hours=5), "declaration_datetime": now - timedelta(hours=1),
        })
        if incident_type == "theft":
            incident.complaint_attachment_ids = self.env["ir.attachment"].create({
                "name": "plainte.pdf", "datas": b"JVBERi0xLjQgcGxhaW50ZQ==",
                "res_model": "tablet.incident", "res_id": incident.id})
        incident.action_validate()
        return incident

    def _return(self, loan):
        form = Form(self.env["tablet.return.wizard"].with_user(self.referent_alpha).with_context(
            active_model="tablet.loan", active_ids=loan.ids))
        form.date_return = fields.Date.today()
        return form.save().action_confirm()

    def _assert_agree(self, disposed_count):
        """The fleet, the register and the accounts tell the same story: one running asset per tablet
        in the fleet, whose purchase values the asset account holds net of the disposals; each
        disposal's residual value on the disposed value account; the depreciation account holds
        what was posted and not disposed of."""
        self.env.invalidate_all()
        Asset = self.env["account.asset"].with_context(active_test=False)
        fleet = self.env["maintenance.equipment"].search([("company_id", "=", self.dept_a.id), ("is_tablet", "=", True)])
        carried = Asset.search([("company_id", "=", self.dept_a.id), ("equipment_id", "!=", False),
                                ("state", "in", ("open", "close"))])
        removed = Asset.search([("company_id", "=", self.dept_a.id), ("state", "=", "removed")])
        self.assertEqual(carried.equipment_id, fleet, "one running asset per tablet in the fleet")
        self.assertEqual(len(removed), disposed_count, "one removed asset per tablet out of the fleet")
        profile = self.profile
        self.assertAlmostEqual(self._balance(profile.account_asset_id), sum(carried.mapped("purchase_value")),
                               places=2, msg="asset account = purchase values of the assets carried")
        self.assertAlmostEqual(-self._balance(profile.account_depreciation_id), sum(carried.mapped("value_depreciated")),
                               places=2, msg="accumulated depreciation = posted depreciation of the assets carried")
        removal_lines = removed.depreciation_line_ids.filtered(lambda line: line.type == "remove")
        self.assertAlmostEqual(self._balance(profile.account_residual_value_id), sum(removal_lines.mapped("amount")),
                               places=2, msg="disposed value account = residual values at disposal")
        return carried, removed

    # ----------------------------------------------------------- bulk = OCA
    def test_bulk_assets_are_oca_assets(self):
        """The set-based path gives each tablet of a delivery the row and board OCA computes for one
        asset created through its own create() and compute_depreciation_board()."""
        _order, tablets = self._procure(4, prefix="SN-PAR")
        reference = self.env["account.asset"].create({
            "name": "Référence", "profile_id": self.profile.id, "purchase_value": 289.9,
            "date_start": date(2025, 3, 1), "partner_id": self.supplier.id, "company_id": self.dept_a.id})
        reference.compute_depreciation_board()
        reference.validate()

        def board(asset):
            return [(line.type, line.line_date, line.amount, line.init_entry, line.remaining_value,
                     line.depreciated_value, bool(line.previous_id))
                    for line in asset.depreciation_line_ids.sorted(lambda l: (l.line_date, l.type != "create", l.id))]

        expected = board(reference)
        self.assertEqual(len([row for row in expected if row[0] == "depreciate"]), 5, "4 years, prorata: 5 lines")
        for tablet in tablets:
            asset = tablet.sudo().asset_id
            self.assertEqual(board(asset), expected, tablet.serial_no)
            for fname in ("purchase_value", "depreciation_base", "value_residual", "method", "method_number",
                          "method_period", "prorata", "date_start", "profile_id", "partner_id", "company_id"):
                self.assertEqual(asset[fname], reference[fname], fname)
            self.assertEqual((asset.code, asset.equipment_id), (tablet.serial_no, tablet))
            chain = asset.depreciation_line_ids.filtered(lambda l: l.type == "depreciate").sorted("line_date")
            self.assertEqual(chain[1:].previous_id, chain[:-1], "each line follows its own asset's previous one")

    def test_book_value_feeds_the_tariff(self):
        """R21, R24b: the tariff's percentage applies to the asset's book value, read on its board
        (linear between two lines), not to the cost typed on the tablet; a tablet without asset keeps
        the linear fallback."""
        _order, tablets = self._procure(1, prefix="SN-BV")
        tablet = tablets
        asset = tablet.sudo().asset_id
        first = asset.depreciation_line_ids.filtered(lambda l: l.type == "depreciate").sorted("line_date")[0]
        self.assertEqual(first.line_date, date(2025, 12, 31))
        self.assertAlmostEqual(tablet._residual_value(date(2025, 3, 1), 99), 289.9)
        self.assertAlmostEqual(tablet._residual_value(first.line_date, 99), 289.9 - first.amount, places=2)
        middle = tablet._residual_value(date(2026, 7, 2), 99)
        self.assertTrue(289.9 - first.amount - 72.475 < middle < 289.9 - first.amount, middle)
        self.assertAlmostEqual(tablet._residual_value(date(2030, 1, 1), 99), 0.0)
        tariff = self.env["tablet.charge.tariff"].create({
            "college_id": self.college_alpha.id, "ca_deliberation_ref": "CA 2025-3",
            "ca_deliberation_date": date(2025, 1, 5), "effective_date": date(2025, 1, 5), "depreciation_years": 2,
            "line_ids": [Command.create({"case": "loss", "amount_type": "percent", "percentage": 50.0,
                                         "cap_amount": 1000.0})]})
        amount = tariff.line_ids._amount_for(tablet, date(2026, 7, 2))
        self.assertAlmostEqual(amount, round(middle * 0.5, 2), places=2)
        # The head computes charges: the value reaches them, the asset does not.
        self.assertAlmostEqual(tablet.with_user(self.head_alpha)._residual_value(date(2026, 7, 2), 2), middle, places=2)
        with self.assertRaises(AccessError):
            tablet.with_user(self.head_alpha).read(["asset_id"])
        bare = self._tablets(self.college_alpha, 1, start=70)
        self.assertAlmostEqual(bare._residual_value(date(2026, 6, 1), 2), 300.0)
        self.assertAlmostEqual(bare._residual_value(date(2027, 6, 1), 2), 150.0, places=0)

    # ------------------------------------------------------------------ exits
    def test_every_exit_keeps_fleet_register_and_accounts_agreeing(self):
        """Issue 15, 'Done when': tablets followed through every exit: given (R17), written off after
        a theft, scrapped after a refused repair, replaced under warranty. After each, fleet count,
        register and accounting entries agree."""
        _order, tablets = self._procure(6, prefix="SN-EX")
        gift_tablet, stolen, broken, replaced = tablets[0], tablets[1], tablets[2], tablets[3]
        # The first year's depreciation is posted (OCA's own posting): the disposals reverse it.
        for asset in tablets.sudo().asset_id:
            asset.depreciation_line_ids.filtered(lambda l: l.line_date == date(2025, 12, 31)).create_move()
        first_year = tablets[0].sudo().asset_id.value_depreciated
        self.assertGreater(first_year, 0)
        self._assert_agree(0)

        # Given to a 3e pupil at the end of the year (R17), by the head.
        self._active(self.pupil_3e, gift_tablet)
        form = Form(self.env["tablet.gift.wizard"].with_user(self.head_alpha))
        form.college_id = self.college_alpha
        cron = self.env.ref("tablet_loan.ir_cron_tablet_asset_disposals")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        form.save().action_confirm()
        asset = gift_tablet.with_context(active_test=False).sudo().asset_id
        # The day's gifts leave the register together by the scheduled action, which the gift triggers.
        self.assertEqual(asset.state, "open")
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers + 1)
        self.env["tablet.asset.register"]._cron_book_disposals()
        self.assertEqual((asset.state, asset.date_remove), ("removed", fields.Date.today()))
        removal = asset.depreciation_line_ids.filtered(lambda l: l.type == "remove")
        self.assertAlmostEqual(removal.amount, 289.9 - first_year, places=2)
        self.assertIn(removal.name, ("Donnée à l'élève", "Given to the pupil"))  # R17
        self.assertEqual(removal.move_id.state, "posted")
        self.assertFalse(removal.tablet_to_book)
        self.assertFalse(asset.depreciation_line_ids.filtered(lambda l: l.type == "depreciate" and not l.move_id),
                         "no depreciation planned after the disposal")
        self._assert_agree(1)

        # Written off after a theft, citing its incident (R7, R19).
        loan = self._active(self.pupil_alpha, stolen)
        self._incident(loan, "theft")
        self._return(loan)
        stolen.with_user(self.officer_a).action_write_off()
        asset = stolen.with_context(active_test=False).sudo().asset_id
        self.assertEqual(asset.state, "removed")
        self.assertEqual(asset.depreciation_line_ids.filtered(lambda l: l.type == "remove").move_id.state, "posted",
                         "a write-off is booked at once")
        self._assert_agree(2)

        # Scrapped after the supplier refused the repair.
        loan = self._active(self.pupil_5e, broken)
        incident = self._incident(loan, "failure")
        claim = self.env["tablet.warranty.claim"].with_user(self.referent_alpha).create({
            "incident_id": incident.id, "fault_type": "component", "fault_description": "Écran noir."})
        claim.action_send()
        as_supplier = claim.with_user(self.supplier_user)
        as_supplier.write({"rma_number": "RMA-15", "answer": "refused", "refusal_reason": "Oxydation."})
        as_supplier.action_record_answer()
        as_supplier.action_mark_returned()
        self._return(loan)
        broken.with_user(self.officer_a).action_scrap()
        self.assertEqual(broken.with_context(active_test=False).sudo().asset_id.state, "removed")
        self._assert_agree(3)

        # Replaced under warranty: the supplier's exchange; the asset goes on with the new tablet.
        loan = self._active(self.teacher_alpha, replaced)
        incident = self._incident(loan, "failure")
        claim = self.env["tablet.warranty.claim"].with_user(self.referent_alpha).create({
            "incident_id": incident.id, "fault_type": "component", "fault_description": "Batterie."})
        claim.action_send()
        as_supplier = claim.with_user(self.supplier_user)
        as_supplier.write({"rma_number": "RMA-16", "answer": "replaced", "new_serial_no": "SN-EX-NEW",
                           "new_imei": self._imei(990001)})
        as_supplier.action_record_answer()
        moves_before = self.env["account.move"].search_count([])
        asset = replaced.sudo().asset_id
        as_supplier.action_mark_returned()
        new = claim.new_equipment_id
        self.assertEqual(replaced.with_context(active_test=False).tablet_state, "scrapped")
        self.assertEqual((asset.equipment_id, new.sudo().asset_id, asset.state), (new, asset, "open"))
        self.assertFalse(replaced.with_context(active_test=False).sudo().asset_id)
        self.assertEqual(self.env["account.move"].search_count([]), moves_before, "no entry for an exchange")
        carried, removed = self._assert_agree(3)
        self.assertEqual(len(carried), 3)
        self.assertEqual(sorted(removed.equipment_id.mapped("tablet_state")), ["donated", "scrapped", "written_off"])

        # The fleet exits export reads the register: book value at exit and disposal entry.
        today = fields.Date.to_string(fields.Date.today())
        content, _kind = self.env["ir.actions.report"].with_user(self.officer_a).with_context(
            lang="en_US")._render_xlsx("tablet_loan.report_fleet_exits_xlsx", [],
                                       {"date_from": today, "date_to": today, "company_id": self.dept_a.id})
        sheet = openpyxl.load_workbook(io.BytesIO(content))["Fleet Exits"]
        rows = {row[3]: row for row in sheet.iter_rows(min_row=HEADER_ROW + 2, values_only=True) if row[3]}
        for asset in removed:
            removal = asset.depreciation_line_ids.filtered(lambda l: l.type == "remove")
            row = rows[asset.equipment_id.serial_no]
            self.assertAlmostEqual(row[9], removal.amount, places=2)
            self.assertEqual(row[10], removal.move_id.name)
        self.assertIsNone(rows[replaced.serial_no][10], "an exchange has no disposal entry")

    def test_write_off_without_incident_and_found_on_a_tablet_not_lost_change_nothing(self):
        """Bad input: a write-off without an incident, a "found" on a tablet that was not lost:
        refused naming the tablet; its asset still runs, no entry."""
        _order, tablets = self._procure(2, prefix="SN-BAD")
        moves = self.env["account.move"].search_count([])
        loan = self._active(self.pupil_alpha, tablets[0])
        incident = self.env["tablet.incident"].with_user(self.referent_alpha).create({
            "incident_type": "loss", "loan_id": loan.id, "event_datetime": datetime.now() - timedelta(hours=3),
            "declaration_datetime": datetime.now() - timedelta(hours=1)})
        self.assertTrue(incident)
        with self.assertRaises(UserError) as err:
            tablets[0].with_user(self.officer_a).action_write_off()
        self.assertIn(tablets[0].serial_no, str(err.exception))
        with self.assertRaises(UserError) as err:
            tablets[1].with_user(self.referent_alpha).action_mark_found()
        self.assertIn(tablets[1].serial_no, str(err.exception))
        self.assertEqual(set(tablets.sudo().asset_id.mapped("state")), {"open"})
        self.assertEqual(self.env["account.move"].search_count([]), moves)

    # ----------------------------------------------------------------- rights
    def test_college_users_do_not_write_the_register(self):
        """R7: the collège's référent, head and accountant (a Billing user for the charges, whom OCA
        lets write assets) cannot create, change or dispose of an asset, through the ORM or JSON-RPC;
        nothing changes. The Département's officer can."""
        _order, tablets = self._procure(1, prefix="SN-SEC")
        asset = tablets.sudo().asset_id
        for user in (self.referent_alpha, self.head_alpha, self.accountant_alpha):
            with self.assertRaises(AccessError, msg=user.login):
                asset.with_user(user).write({"purchase_value": 1.0})
            with self.assertRaises(AccessError, msg=user.login):
                self.env["account.asset"].with_user(user).create({
                    "name": "X", "profile_id": self.profile.id, "purchase_value": 10.0,
                    "date_start": date(2025, 1, 1), "company_id": self.dept_a.id})
            with self.assertRaises(AccessError, msg=user.login):
                self.env["account.asset.remove"].with_user(user).with_context(
                    active_id=asset.id, active_ids=asset.ids).create({"date_remove": date(2026, 1, 1)}).remove()
            with self.assertRaises(AccessError, msg=user.login):
                tablets.with_user(user).action_open_asset()
        for user in (self.accountant_alpha, self.head_alpha):
            name, message = execute_kw(self, user, "account.asset", "write", [asset.ids, {"purchase_value": 1.0}])
            self.assertEqual(name, "odoo.exceptions.AccessError", user.login)
            name, _message = execute_kw(self, user, "account.asset", "remove", [asset.ids])
            self.assertEqual(name, "odoo.exceptions.AccessError", user.login)
        name, _message = execute_kw(self, self.accountant_alpha, "account.asset.line", "write",
                                    [asset.depreciation_line_ids[:1].ids, {"amount": 1.0}])
        self.assertEqual(name, "odoo.exceptions.AccessError")
        asset.invalidate_recordset()
        self.assertEqual((asset.purchase_value, asset.state), (289.9, "open"), "nothing changed")
        # The Département's officer keeps the register.
        asset.with_user(self.officer_a).write({"note": "Inventaire 2026"})
        action = tablets.with_user(self.officer_a).action_open_asset()
        self.assertEqual(self.env["account.asset"].search(action["domain"]), asset)
