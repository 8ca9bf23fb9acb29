"""Issue 15 item 5: the Département's buyer orders tablets (Odoo's purchase), receives them with
the delivery intake of the order, and posts the supplier's bill: order, tablets received and
assets agree, and a delivery or a bill that does not match the order changes nothing."""
import base64
from datetime import date

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import TabletLoanCase


class TabletProcurementCase(TabletLoanCase):
    """A supplier, a tablet product whose purchases are booked on the asset account, the asset
    profile of Département A, and the helpers of the buyer's steps."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.profile = cls._asset_profile(cls.dept_a)
        cls.supplier = cls.env["res.partner"].create({"name": "Tablettes & Co (test)", "is_company": True,
                                                      "company_id": cls.dept_a.id})
        cls.product = cls.env["product.product"].with_company(cls.dept_a).create({
            "name": "Tablette TL-10", "type": "consu", "purchase_method": "receive",
            "property_account_expense_id": cls.profile.account_asset_id.id, "supplier_taxes_id": False,
        })
        # The Département's buyer: an officer who is also a user of Odoo's Purchase and Billing.
        cls.buyer = new_test_user(
            cls.env, login="t_buyer_a", company_id=cls.dept_a.id, company_ids=[Command.set(cls.dept_a.ids)],
            groups="tablet_loan.group_department_officer,purchase.group_purchase_user,account.group_account_invoice")

    def _order(self, quantity, price=289.9, announced=None):
        order = self.env["purchase.order"].with_user(self.buyer).create({
            "partner_id": self.supplier.id, "company_id": self.dept_a.id,
            "order_line": [Command.create({"product_id": self.product.id, "product_qty": quantity,
                                           "price_unit": price, "taxes_id": False})],
        })
        if announced:
            order.order_line.tablet_expected_serials = "\n".join(announced)
        order.button_confirm()
        return order

    def _file(self, serials, start=0):
        rows = ["Numéro de série;IMEI;Modèle"] + [
            f"{serial};{self._imei(900000 + start + i)};TL-10" for i, serial in enumerate(serials)]
        return base64.b64encode("\n".join(rows).encode())

    def _intake(self, order, serials, purchase_date=date(2025, 3, 1), start=0):
        form = Form(self.env["tablet.delivery.intake"].with_user(self.buyer).with_context(
            default_purchase_id=order.id, default_company_id=self.dept_a.id))
        form.college_id = self.college_alpha
        form.file = self._file(serials, start)
        form.purchase_date = purchase_date
        wizard = form.save()
        wizard.action_import()
        return self.env["maintenance.equipment"].search([("serial_no", "in", serials)], order="id")

    def _bill(self, order, invoice_date=date(2025, 3, 10)):
        action = order.with_user(self.buyer).action_create_invoice()
        bill = self.env["account.move"].browse(action["res_id"]).with_user(self.buyer)
        bill.invoice_date = invoice_date
        return bill

    def _procure(self, count, prefix="SN-PO", price=289.9, start=0):
        """Ordered, received, billed: `count` tablets of the collège Alpha with running assets."""
        order = self._order(count, price)
        tablets = self._intake(order, [f"{prefix}-{i:04d}" for i in range(count)], start=start)
        self._bill(order).action_post()
        return order, tablets

    def _balance(self, account):
        self.env.flush_all()
        return sum(self.env["account.move.line"].search([
            ("account_id", "=", account.id), ("parent_state", "=", "posted")]).mapped("balance"))


@tagged("post_install", "-at_install")
class TestProcurement(TabletProcurementCase):

    def test_order_intake_bill_and_assets_agree(self):
        """Issue 15: the order's tablets received at its price, the order line's received quantity,
        then the bill opens one asset per tablet; counts and amounts agree on every side."""
        order = self._order(3, price=289.9)
        line = order.order_line
        tablets = self._intake(order, ["SN-PO-A1", "SN-PO-A2", "SN-PO-A3"])
        self.assertEqual(len(tablets), 3)
        self.assertEqual(set(tablets.mapped("cost")), {289.9}, "the order's price, not a typed one")
        self.assertEqual(tablets.sudo().purchase_line_id, line)
        self.assertEqual(tablets.partner_id, self.supplier)
        self.assertEqual(line.qty_received, 3)
        assets = tablets.sudo().asset_id
        self.assertEqual(len(assets), 3, "one asset per tablet")
        self.assertEqual(set(assets.mapped("state")), {"draft"}, "waiting for the bill")
        self.assertEqual(assets.equipment_id, tablets)
        bill = self._bill(order)
        self.assertEqual(bill.invoice_line_ids.quantity, 3)
        bill.action_post()
        self.assertEqual(set(assets.mapped("state")), {"open"})
        acquisitions = assets.depreciation_line_ids.filtered(lambda l: l.type == "create")
        self.assertEqual(acquisitions.move_id, bill, "each acquisition stands on the bill")
        total = sum(assets.mapped("purchase_value"))
        self.assertAlmostEqual(total, 3 * 289.9)
        self.assertAlmostEqual(total, line.price_subtotal)
        self.assertAlmostEqual(total, bill.amount_untaxed)
        self.assertAlmostEqual(self._balance(self.profile.account_asset_id), total,
                               msg="the asset account holds the register's purchase values")
        self.assertFalse(self.env["account.asset"].search([("code", "=", bill.name)]),
                         "OCA does not add one asset for the whole bill line")
        self.assertEqual(order.with_user(self.buyer).order_line.tablet_count, 3)

    def test_delivery_not_matching_the_order_changes_nothing(self):
        """Issue 15: a delivery with tablets missing, extra or unknown to the order is refused,
        naming them; no tablet, no asset, nothing received."""
        order = self._order(3, announced=["SN-PO-B1", "SN-PO-B2", "SN-PO-B3"])
        cases = {
            "missing": (["SN-PO-B1", "SN-PO-B2"], ["SN-PO-B3"]),
            "unknown": (["SN-PO-B1", "SN-PO-B2", "SN-PO-X9"], ["SN-PO-B3", "SN-PO-X9"]),
            "extra": (["SN-PO-B1", "SN-PO-B2", "SN-PO-B3", "SN-PO-B4"], ["SN-PO-B4"]),
        }
        for case, (serials, named) in cases.items():
            with self.assertRaises(UserError, msg=case) as err:
                self._intake(order, serials)
            for serial in named:
                self.assertIn(serial, str(err.exception), case)
        self.assertFalse(self.env["maintenance.equipment"].with_context(active_test=False).search_count(
            [("serial_no", "like", "SN-PO-")]))
        self.assertEqual(order.order_line.qty_received, 0)
        self.assertFalse(self.env["account.asset"].search_count([("code", "like", "SN-PO-")]))
        # Without announced serials, the count against what is still to receive.
        order = self._order(2)
        with self.assertRaises(UserError) as err:
            self._intake(order, ["SN-PO-C1", "SN-PO-C2", "SN-PO-C3"])
        self.assertIn("SN-PO-C3", str(err.exception), "the extra tablet is named")
        with self.assertRaises(UserError) as err:
            self._intake(order, ["SN-PO-C1"])
        self.assertIn("1", str(err.exception))
        self.assertEqual(order.order_line.qty_received, 0)
        # The announced tablets, all of them: received.
        self.assertEqual(len(self._intake(self._order(1, announced=["SN-PO-D1"]), ["SN-PO-D1"])), 1)

    def test_bill_not_matching_the_tablets_received_is_refused(self):
        """Issue 15: a bill at another price than the tablets received, or for more tablets than
        received, is not posted: the register and the accounts would disagree."""
        order = self._order(2, price=300.0)
        tablets = self._intake(order, ["SN-PO-E1", "SN-PO-E2"])
        bill = self._bill(order)
        bill.invoice_line_ids.price_unit = 310.0
        with self.assertRaises(UserError) as err:
            bill.action_post()
        self.assertIn("300", str(err.exception))
        self.assertEqual(bill.state, "draft")
        self.assertEqual(set(tablets.sudo().asset_id.mapped("state")), {"draft"})
        bill.invoice_line_ids.write({"price_unit": 300.0, "quantity": 3})
        with self.assertRaises(UserError):
            bill.action_post()
        bill.invoice_line_ids.quantity = 2
        bill.action_post()
        self.assertEqual(set(tablets.sudo().asset_id.mapped("state")), {"open"})
        self.assertEqual(bill.state, "posted")
        self.assertEqual(fields.Date.to_date(tablets[0].purchase_date), date(2025, 3, 1))
