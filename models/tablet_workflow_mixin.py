from odoo import _, api, models
from odoo.exceptions import AccessError

STATE_CONTEXT_KEY = "tablet_workflow_action"


class TabletWorkflowMixin(models.AbstractModel):
    """Statuses change only through the actions that check the programme's rules (the
    Académie validates lists, R3; data is erased before a loan closes, R16; ...). The
    views show `state` read-only, but RPC and imports write fields directly: refuse them."""

    _name = "tablet.workflow.mixin"
    _description = "Status Changed by Actions Only"

    def _state_write_allowed(self):
        return self.env.su or self.env.context.get(STATE_CONTEXT_KEY)

    def _refuse_state_write(self):
        raise AccessError(_("A status changes only through the buttons, which check the programme's rules "
                            "(%s).", self._description))

    @api.model_create_multi
    def create(self, vals_list):
        if not self._state_write_allowed():
            default = self._fields["state"].default(self) if self._fields["state"].default else False
            if any("state" in vals and vals["state"] != default for vals in vals_list):
                self._refuse_state_write()
        return super().create(vals_list)

    def write(self, vals):
        if "state" in vals and not self._state_write_allowed():
            self._refuse_state_write()
        return super().write(vals)

    def _write_state(self, vals):
        """The actions' way to change the status, once they have checked its preconditions."""
        return self.with_context(**{STATE_CONTEXT_KEY: True}).write(vals)
