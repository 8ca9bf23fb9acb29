from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _tablet_open_assets(self):
        """See `account.move`: this bill line's quantity of draft tablet assets start running."""
        self.ensure_one()
        order_line = self.purchase_line_id
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """SELECT a.id, a.purchase_value FROM account_asset a JOIN maintenance_equipment e ON e.asset_id = a.id
                WHERE e.purchase_line_id = %s AND a.state = 'draft'
                ORDER BY a.id LIMIT %s""", order_line.id, int(self.quantity)))
        rows = self.env.cr.fetchall()
        if not rows:
            return
        currency = self.company_id.currency_id
        if len(rows) != self.quantity:
            raise UserError(_(
                "The bill %(bill)s charges %(billed)s tablets of %(line)s but only %(received)s received ones wait "
                "for their bill: record the delivery intake first, or correct the quantity.",
                bill=self.move_id.display_name, billed=self.quantity, line=order_line.display_name,
                received=len(rows)))
        unit = currency.round(self.balance / self.quantity)
        wrong = {value for _id, value in rows if currency.compare_amounts(value, unit)}
        if wrong:
            raise UserError(_(
                "The bill %(bill)s charges %(unit)s per tablet of %(line)s, but the tablets were received at "
                "%(received)s (the order's price): correct the bill or the order so that they agree.",
                bill=self.move_id.display_name, unit=unit, line=order_line.display_name,
                received=", ".join(str(value) for value in sorted(wrong))))
        ids = [row[0] for row in rows]
        self.env.cr.execute(SQL(
            """UPDATE account_asset_line SET move_id = %(move)s, move_check = true
                WHERE asset_id = ANY(%(ids)s) AND type = 'create'""", move=self.move_id.id, ids=ids))
        self.env.cr.execute(SQL(
            "UPDATE account_asset SET state = 'open' WHERE id = ANY(%s)", ids))
        self.env["account.asset"].invalidate_model()
        self.env["account.asset.line"].invalidate_model()
