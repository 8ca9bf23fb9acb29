from odoo import models
from odoo.tools import SQL

from .account_asset import check_register_writer


class AccountMove(models.Model):
    """A vendor bill of an order of tablets opens their assets (issue 15).

    The delivery intake created one draft asset per tablet received, valued at the order's
    price; the bill's line for those tablets (its account is the profile's asset account, with
    no asset profile on the line, so that OCA does not create one asset for the whole line)
    takes as many draft assets of its order line as its quantity, in the order of reception:
    their acquisition lines point at the bill and they start running. A bill whose price or
    quantity does not match the tablets received is refused: order, tablets and assets agree."""

    _inherit = "account.move"

    def _post(self, soft=True):
        bills = self.filtered(lambda move: move.move_type in ("in_invoice", "in_refund"))
        lines = bills.invoice_line_ids.filtered(lambda line: line.purchase_line_id)
        if lines:
            self.env["maintenance.equipment"].flush_model(["purchase_line_id"])
            self.env.cr.execute(SQL("SELECT DISTINCT purchase_line_id FROM maintenance_equipment "
                                    "WHERE purchase_line_id = ANY(%s)", lines.purchase_line_id.ids))
            with_tablets = {row[0] for row in self.env.cr.fetchall()}
            lines = lines.filtered(lambda line: line.purchase_line_id.id in with_tablets)
        if lines:
            check_register_writer(self.env["account.asset"])
            # OCA would create one asset for the whole line: the tablets' assets exist already.
            lines.filtered("asset_profile_id").asset_profile_id = False
        posted = super()._post(soft=soft)
        for line in lines.filtered(lambda line: line.move_id.state == "posted"
                                   and line.move_id.move_type == "in_invoice"):
            line._tablet_open_assets()
        return posted
