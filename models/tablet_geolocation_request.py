from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

# Who may take each step: a référent asks, the head authorises, the Département carries out.
STEP_GROUPS = {
    "request": "tablet_loan.group_college_referent",
    "authorise": "tablet_loan.group_college_head",
    "carry_out": "tablet_loan.group_department_officer",
}


class TabletGeolocationRequest(models.Model):
    """Geolocation of a tablet through the Département's MDM is exceptional: only for a
    lost or stolen tablet, or on the request of the authorities (R10, B 3.1, B 5.4).
    Every step is logged; only the collège's référents and head and the Département see it."""

    _name = "tablet.geolocation.request"
    _description = "Tablet Geolocation Request"
    _inherit = ["tablet.workflow.mixin", "mail.thread"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    equipment_id = fields.Many2one(
        "maintenance.equipment", string="Tablet", required=True, index=True, tracking=True, ondelete="restrict",
        domain="[('is_tablet', '=', True)]",
    )
    college_id = fields.Many2one(related="equipment_id.college_id", store=True, index=True, string="Collège")
    company_id = fields.Many2one(related="equipment_id.company_id", store=True, index=True, string="Département")
    reason = fields.Selection(
        [("lost", "The tablet is lost"), ("stolen", "The tablet is stolen"),
         ("authorities", "Request of the authorities")],
        string="Ground", required=True, tracking=True,
    )
    authority_reference = fields.Char(
        string="Authorities' Reference", tracking=True,
        help="Reference of the police, gendarmerie or court request.",
    )
    justification = fields.Text(string="Justification", required=True, tracking=True)
    state = fields.Selection(
        [("draft", "Draft"), ("requested", "Requested"), ("authorised", "Authorised by the Head"),
         ("refused", "Refused"), ("done", "Carried Out"), ("closed", "Closed")],
        string="Status", default="draft", required=True, readonly=True, copy=False, index=True, tracking=True,
    )
    requested_by_id = fields.Many2one("res.users", string="Requested by", readonly=True, copy=False, tracking=True)
    authorised_by_id = fields.Many2one("res.users", string="Decided by", readonly=True, copy=False, tracking=True)
    done_by_id = fields.Many2one("res.users", string="Carried Out by", readonly=True, copy=False, tracking=True)
    result = fields.Text(string="Result", tracking=True, help="What the MDM reported; kept only as long as needed.")
    closed_date = fields.Date(string="Closed on", readonly=True, copy=False, tracking=True)

    @api.constrains("reason", "equipment_id", "justification", "authority_reference")
    def _check_grounds(self):
        for request in self:
            if not (request.justification or "").strip():
                raise ValidationError(_("Write the Justification of the geolocation request: it is exceptional (R10)."))
            tablet = request.equipment_id
            if request.reason in ("lost", "stolen") and tablet.tablet_state != request.reason:
                labels = dict(tablet._fields["tablet_state"]._description_selection(self.env))
                raise ValidationError(_(
                    "Tablet %(tablet)s is not declared %(expected)s (its status is “%(state)s”): geolocation is "
                    "only for a lost or stolen tablet, or on the request of the authorities (R10).",
                    tablet=tablet.display_name, expected=labels[request.reason].lower(),
                    state=labels[tablet.tablet_state],
                ))
            if request.reason == "authorities" and not (request.authority_reference or "").strip():
                raise ValidationError(_("Give the Authorities' Reference of their request (R10)."))

    def write(self, vals):
        locked = vals.keys() & {"equipment_id", "reason", "justification", "authority_reference"}
        if locked and self.filtered(lambda r: r.state != "draft"):
            raise UserError(_("A geolocation request that was sent cannot change its tablet, ground or "
                              "justification: make a new request."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.filtered(lambda r: r.state != "draft"):
            raise UserError(_("A geolocation request that was sent is part of the log and cannot be deleted."))

    def _check_role(self, step):
        if not self.env.user.has_group(STEP_GROUPS[step]):
            raise AccessError(_("Your role may not take this step of a geolocation request (R10)."))

    def _take_step(self, step, from_states, to_state, user_field=None):
        """One logged transition, by the role the programme gives that step."""
        self._check_role(step)
        wrong = self.filtered(lambda r: r.state not in from_states)
        if wrong:
            raise UserError(_("The geolocation request of %s is not at this step.", wrong[0].equipment_id.display_name))
        vals = {"state": to_state}
        if user_field:
            vals[user_field] = self.env.uid
        self._write_state(vals)
        return True

    def action_request(self):
        return self._take_step("request", ("draft",), "requested", "requested_by_id")

    def action_authorise(self):
        return self._take_step("authorise", ("requested",), "authorised", "authorised_by_id")

    def action_refuse(self):
        return self._take_step("authorise", ("requested",), "refused", "authorised_by_id")

    def action_carry_out(self):
        self._check_role("carry_out")
        if self.filtered(lambda r: not (r.result or "").strip()):
            raise UserError(_("Record the Result of the geolocation before marking it carried out."))
        return self._take_step("carry_out", ("authorised",), "done", "done_by_id")

    def action_close(self):
        self._take_step("carry_out", ("done", "refused"), "closed")
        self.write({"closed_date": fields.Date.context_today(self)})
        return True
