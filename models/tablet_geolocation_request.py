from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .relation_guard import check_link_targets
from .tablet_workflow_mixin import ALL_FIELDS, in_action, tablet_action
from .utils import user_env

_lt = LazyTranslate(__name__)

# Who may take each step: a référent asks, the head authorises, the Département carries out.
REQUEST = "tablet_loan.group_college_referent"
REQUEST_ROLE = _lt("the collège's référents and head, who ask for a geolocation")
AUTHORISE = "tablet_loan.group_college_head"
AUTHORISE_ROLE = _lt("the head of the collège, who authorises a geolocation")
CARRY_OUT = "tablet_loan.group_department_officer"
CARRY_OUT_ROLE = _lt("the Département's staff, who carry out a geolocation")
# The incident that justifies locating the tablet (R10): a validated loss or theft.
INCIDENT_OF_REASON = {"lost": "loss", "stolen": "theft"}
# What the head authorised: it no longer changes once asked.
GROUNDS = ("equipment_id", "reason", "justification", "authority_reference")


class TabletGeolocationRequest(models.Model):
    """Geolocation of a tablet through the Département's MDM is exceptional: only for a
    lost or stolen tablet, or on the request of the authorities (R10, B 3.1, B 5.4).
    Every step is logged; only the collège's référents and head and the Département see it."""

    _name = "tablet.geolocation.request"
    _description = "Tablet Geolocation Request"
    _inherit = ["tablet.workflow.mixin", "mail.thread"]
    _order = "create_date desc, id desc"
    _check_company_auto = True
    _tablet_action_fields = ("requested_by_id", "authorised_by_id", "done_by_id", "closed_date")
    # The result is the Département's, once the head has authorised.
    _tablet_frozen_fields = {
        "draft": ("result",),
        "requested": (*GROUNDS, "result"),
        "authorised": GROUNDS,
        "done": GROUNDS,
        "refused": ALL_FIELDS,
        "closed": ALL_FIELDS,
    }

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
    justification = fields.Text(required=True, tracking=True)
    incident_id = fields.Many2one(
        "tablet.incident", compute="_compute_incident_id", store=True, readonly=True,
        index="btree_not_null", ondelete="restrict",
        help="The validated loss or theft of the tablet that justifies locating it.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("requested", "Requested"), ("authorised", "Authorised by the Head"),
         ("refused", "Refused"), ("done", "Carried Out"), ("closed", "Closed")],
        string="Status", default="draft", required=True, readonly=True, copy=False, index=True, tracking=True,
    )
    requested_by_id = fields.Many2one("res.users", string="Requested by", readonly=True, copy=False, tracking=True)
    authorised_by_id = fields.Many2one("res.users", string="Decided by", readonly=True, copy=False, tracking=True)
    done_by_id = fields.Many2one("res.users", string="Carried Out by", readonly=True, copy=False, tracking=True)
    result = fields.Text(tracking=True, help="What the MDM reported; kept only as long as needed.")
    closed_date = fields.Date(string="Closed on", readonly=True, copy=False, tracking=True)

    def _creation_message(self):
        """The chatter's first line: mail's "<description> created" reads wrong in French
        (the participle does not agree with the document's gender); a sentence of its own."""
        self.ensure_one()
        return _("Geolocation request opened.")

    @api.depends("equipment_id", "reason")
    def _compute_incident_id(self):
        """The latest validated (or closed) loss or theft of the tablet, whatever its status says."""
        requests = self.filtered(lambda r: r.reason in INCIDENT_OF_REASON and r.equipment_id)
        (self - requests).incident_id = False
        if not requests:
            return
        incidents = self.env["tablet.incident"].search([
            ("equipment_id", "in", requests.equipment_id.ids), ("incident_type", "in", ("loss", "theft")),
            ("state", "in", ("validated", "decided", "closed")),
        ], order="event_datetime desc, id desc")
        for request in requests:
            request.incident_id = incidents.filtered(
                lambda i: i.equipment_id == request.equipment_id
                and i.incident_type == INCIDENT_OF_REASON[request.reason])[:1]

    @api.constrains("reason", "equipment_id", "justification", "authority_reference")
    def _check_grounds(self):
        for request in self:
            if not (request.justification or "").strip():
                raise ValidationError(_("Write the Justification of the geolocation request: it is exceptional."))
            tablet = request.equipment_id
            if request.reason in ("lost", "stolen") and tablet.tablet_state != request.reason:
                labels = dict(tablet._fields["tablet_state"]._description_selection(self.env))
                raise ValidationError(_(
                    "Tablet %(tablet)s is not declared %(expected)s (its status is “%(state)s”): geolocation is "
                    "only for a lost or stolen tablet, or on the request of the authorities.",
                    tablet=tablet.display_name, expected=labels[request.reason].lower(),
                    state=labels[tablet.tablet_state],
                ))
            if request.reason in INCIDENT_OF_REASON and not request.incident_id:
                raise ValidationError(_(
                    "Tablet %(tablet)s has no validated %(incident)s incident: geolocation is only for a tablet "
                    "whose loss or theft the collège validated, or on the request of the authorities.",
                    tablet=tablet.display_name,
                    incident=dict(self.env["tablet.incident"]._fields["incident_type"]._description_selection(
                        self.env))[INCIDENT_OF_REASON[request.reason]].lower(),
                ))
            if request.reason == "authorities" and not (request.authority_reference or "").strip():
                raise ValidationError(_("Give the Authorities' Reference of their request."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_link_targets(self, vals, ("equipment_id",))
        return super().create(vals_list)

    def write(self, vals):
        check_link_targets(self, vals, ("equipment_id",))
        if "result" in vals and not in_action(self.env) and not self.env.user.has_group(CARRY_OUT):
            # R10: the Département runs the MDM; what the geolocation found is its record.
            raise AccessError(_("The Result of a geolocation is recorded by %s only.", user_env(self)._(CARRY_OUT_ROLE)))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.filtered(lambda r: r.state != "draft"):
            raise UserError(_("A geolocation request that was sent is part of the log and cannot be deleted."))

    def _take_step(self, from_states, to_state, user_field=None):
        """One logged transition; the action calling it has checked the role of its step."""
        wrong = self.filtered(lambda r: r.state not in from_states)
        if wrong:
            raise UserError(_("The geolocation request of %s is not at this step.", wrong[0].equipment_id.display_name))
        vals = {"state": to_state}
        if user_field:
            vals[user_field] = self.env.uid
        self._write_state(vals)
        return True

    @tablet_action(REQUEST, role=REQUEST_ROLE)
    def action_request(self):
        return self._take_step(("draft",), "requested", "requested_by_id")

    @tablet_action(AUTHORISE, role=AUTHORISE_ROLE)
    def action_authorise(self):
        return self._take_step(("requested",), "authorised", "authorised_by_id")

    @tablet_action(AUTHORISE, role=AUTHORISE_ROLE)
    def action_refuse(self):
        return self._take_step(("requested",), "refused", "authorised_by_id")

    @tablet_action(CARRY_OUT, role=CARRY_OUT_ROLE)
    def action_carry_out(self):
        if self.filtered(lambda r: not (r.result or "").strip()):
            raise UserError(_("Record the Result of the geolocation before marking it carried out."))
        return self._take_step(("authorised",), "done", "done_by_id")

    @tablet_action(CARRY_OUT, role=CARRY_OUT_ROLE)
    def action_close(self):
        self._take_step(("done", "refused"), "closed")
        self.write({"closed_date": fields.Date.context_today(self)})
        return True

    # ------------------------------------------------------------------ R29
    @api.model
    def _cron_purge_results(self):
        """Daily (R10, R29): what a geolocation found is erased once the request is older than its
        Département's `tablet_geolocation_retention_days`, its tracked values too; the request
        stays in the log. Two queries for every Département together, whatever the number."""
        self.env.flush_all()
        self.env.cr.execute(SQL("""
            UPDATE tablet_geolocation_request r SET result = NULL, write_date = %(now)s
              FROM res_company c
             WHERE c.id = r.company_id AND r.result IS NOT NULL
               AND r.create_date < %(now)s - make_interval(days => COALESCE(c.tablet_geolocation_retention_days, 90))
         RETURNING r.id""", now=self.env.cr.now()))
        ids = [row[0] for row in self.env.cr.fetchall()]
        if ids:
            field = self.env["ir.model.fields"]._get(self._name, "result")
            self.env.cr.execute(SQL("""
                DELETE FROM mail_tracking_value t USING mail_message m
                 WHERE m.id = t.mail_message_id AND m.model = %s AND m.res_id = ANY(%s) AND t.field_id = %s
            """, self._name, ids, field.id))
            self.invalidate_model(["result"])
        return ids
