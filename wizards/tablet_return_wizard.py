from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.utils import window_action


class TabletReturnWizard(models.TransientModel):
    """The tablet comes back, checked against the return's checklist (R15, R16): condition,
    accessories, powers on, released from the MDM, data erased. Damage found opens an incident
    from the return itself (issue 15), which the wizard opens for the référent to follow."""

    _name = "tablet.return.wizard"
    _description = "Tablet Return"

    loan_ids = fields.Many2many("tablet.loan", string="Loans")
    date_return = fields.Date(string="Returned on", required=True, default=fields.Date.context_today)
    condition = fields.Selection(
        [("good", "Good working order"), ("worn", "Worn but working"), ("damaged", "Damaged")],
        required=True, default="good",
        help="A damaged tablet waits out of order at the collège, and an incident is opened from the return.",
    )
    powers_on = fields.Boolean(default=True,
                               help="A tablet that does not power on opens a failure incident from the return.")
    mdm_released = fields.Boolean(string="Released from the MDM", default=True,
                                  help="Released from the pupil's profile in the Département's MDM.")
    cover_returned = fields.Boolean(default=True)
    charger_returned = fields.Boolean(default=True)
    cable_returned = fields.Boolean(default=True)
    data_wiped = fields.Boolean(string="Data Erased", default=True,
                                help="All data on the tablet is erased; there is no backup.")
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
        incidents = self.loan_ids._register_return(
            self.date_return, self.condition, self.data_wiped and self.data_wiped_date, accessories, self.note,
            powers_on=self.powers_on, mdm_released=self.mdm_released,
        )
        if not incidents:
            return {"type": "ir.actions.act_window_close"}
        # Damage found: the référent goes on with the incident (validation, then claim or decision).
        action = window_action(self.env, "tablet_loan.tablet_incident_action", [("id", "in", incidents.ids)])
        if len(incidents) == 1:
            action.update(res_id=incidents.id, views=[(False, "form")], view_mode="form")
        return action
