from odoo import api, models

from .utils import check_input


class TabletInputMixin(models.AbstractModel):
    """Values no record of the programme may hold are refused by name before they are
    stored: NaN or infinite amounts (JSON clients can send them), integers beyond the
    database's, texts beyond `utils.TEXT_MAX_LENGTHS`. Otherwise they end in a server
    error, or worse, in a charge or an invoice. Every model of the module inherits it
    (through `tablet.workflow.mixin` for most); `res.partner` calls `check_input` on its
    own fields."""

    _name = "tablet.input.mixin"
    _description = "Checked Input"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_input(self, vals)
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, vals)
        return super().write(vals)
