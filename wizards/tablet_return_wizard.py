from odoo import _, api, fields, models
from odoo.exceptions import UserError


class TabletReturnWizard(models.TransientModel):
    """The tablet comes back: condition, accessories and data erasure are recorded (R15, R16)."""

    _name = "tablet.return.wizard"
    _description = "Tablet Return"

    loan_ids = fields.Many2many("tablet.loan", string="Loans")
    date_return = fields.Date(string="Returned on", required=True, default=fields.Date.context_today)
    condition = fields.Selection(
        [("good", "Good working order"), ("worn", "Worn but working"), ("damaged", "Damaged")],
        string="Condition", required=True, default="good",
        help="A damaged tablet goes to repair instead of back to stock.",
    )
    cover_returned = fields.Boolean(string="Cover Returned", default=True)
    charger_returned = fields.Boolean(string="Charger Returned", default=True)
    cable_returned = fields.Boolean(string="Cable Returned", default=True)
    data_wiped = fields.Boolean(string="Data Erased", default=True,
                                help="All data on the tablet is erased; there is no backup (R16).")
    data_wiped_date = fields.Date(string="Data Erased on", default=fields.Date.context_today)
    note = fields.Text(string="Notes")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "tablet.loan":
            values["loan_ids"] = [(6, 0, self.env.context.get("active_ids") or [])]
        return values

    def action_confirm(self):
        self.ensure_one()
        if not self.loan_ids:
            raise UserError(_("Choose the loans whose tablet comes back."))
        if self.data_wiped and not self.data_wiped_date:
            raise UserError(_("Set the date on which the data was erased."))
        accessories = {name for name in ("cover", "charger", "cable") if self[f"{name}_returned"]}
        self.loan_ids._register_return(
            self.date_return, self.condition, self.data_wiped and self.data_wiped_date, accessories, self.note,
        )
        return {"type": "ir.actions.act_window_close"}
