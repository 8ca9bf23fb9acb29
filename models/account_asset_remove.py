from odoo import api, models

from .account_asset import check_register_writer


class AccountAssetRemove(models.TransientModel):
    """OCA's disposal wizard: a collège user is refused before any entry is prepared (R7)."""

    _inherit = "account.asset.remove"

    @api.model_create_multi
    def create(self, vals_list):
        check_register_writer(self)
        return super().create(vals_list)

    def remove(self):
        check_register_writer(self)
        return super().remove()
