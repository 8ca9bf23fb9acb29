from odoo import api, models

from .account_asset import check_register_writer


class AccountAssetLine(models.Model):
    """Depreciation, acquisition and removal lines: written by the Département only (R7)."""

    _inherit = "account.asset.line"

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
