from odoo import api, fields, models

from .account_asset import check_register_writer


class AccountAssetLine(models.Model):
    """Depreciation, acquisition and removal lines: written by the Département only (R7)."""

    _inherit = "account.asset.line"

    # Deleting depreciation lines (each disposal drops the unposted ones) makes PostgreSQL look up, for
    # every line deleted, the lines whose previous_id points at it (ON DELETE SET NULL): without an
    # index, a scan of the whole table per line; 10,000 gifts ran for minutes.
    previous_id = fields.Many2one(index="btree_not_null")
    tablet_to_book = fields.Boolean(
        string="Disposal to Book", readonly=True, copy=False,
        help="A tablet's removal whose disposal entry the register books next (the gifts' are booked by a "
             "scheduled action, one entry per Département, profile and day).")

    @api.model_create_multi
    def create(self, vals_list):
        check_register_writer(self)
        return super().create(vals_list)

    def write(self, vals):
        check_register_writer(self)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_register_writer(self):
        check_register_writer(self)
