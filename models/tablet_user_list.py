from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.translate import LazyTranslate

from .res_partner import COLLEGE_MEMBER_ROLES
from .school_year import check_school_year, school_year_of
from .tablet_workflow_mixin import ALL_FIELDS, in_action, tablet_action
from .utils import count_by

_lt = LazyTranslate(__name__)

MANAGER_GROUP = "tablet_loan.group_department_manager"
ACADEMY_GROUP = "tablet_loan.group_academy_officer"
HEAD_GROUP = "tablet_loan.group_college_head"
REFERENT_GROUP = "tablet_loan.group_college_referent"


class TabletUserList(models.Model):
    """Nominative list of users set by the head and validated by the Académie (R3, B 4).

    A tablet is handed over only to a person on the validated list of the collège
    for the school year.
    """

    _name = "tablet.user.list"
    _description = "Nominative List of Tablet Users"
    _inherit = ["tablet.workflow.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "school_year desc, college_id"
    _check_company_auto = True
    _tablet_action_fields = ("validated_date",)
    # Submitted: the Académie reads what the head sent (it writes only its reason for sending
    # it back); validated: the basis of the year's loans, reopened by the head to change it.
    _tablet_frozen_fields = {"submitted": ("college_id", "school_year", "line_ids"), "validated": ALL_FIELDS}

    name = fields.Char(compute="_compute_name", store=True)
    college_id = fields.Many2one(
        "res.partner", string="Collège", required=True, index=True, tracking=True, ondelete="restrict",
        domain="[('is_college', '=', True)]", check_company=True,
    )
    company_id = fields.Many2one(related="college_id.company_id", store=True, index=True, string="Département")
    academy_id = fields.Many2one(related="college_id.academy_id", store=True, index=True)
    school_year = fields.Char(
        string="School Year", required=True, tracking=True,
        default=lambda self: school_year_of(fields.Date.context_today(self)),
    )
    state = fields.Selection(
        [("draft", "Draft"), ("submitted", "Submitted to the Académie"),
         ("validated", "Validated"), ("returned", "Sent Back")],
        string="Status", default="draft", required=True, readonly=True, copy=False, index=True, tracking=True,
    )
    line_ids = fields.One2many("tablet.user.list.line", "list_id", string="Users", copy=True)
    line_count = fields.Integer(compute="_compute_line_count")
    return_reason = fields.Text(string="Reason for Sending Back", tracking=True)
    validated_date = fields.Date(string="Validated on", readonly=True, copy=False, tracking=True)

    _sql_constraints = [
        ("college_year_unique", "UNIQUE(college_id, school_year)",
         "A collège has one nominative list per school year."),
    ]

    def _creation_message(self):
        """The chatter's first line: mail's "<description> created" reads wrong in French
        (the participle does not agree with the document's gender); a sentence of its own."""
        self.ensure_one()
        return _("Nominative list drawn up.")

    @api.depends("college_id.name", "school_year")
    def _compute_name(self):
        for user_list in self:
            user_list.name = _("Users %(year)s – %(college)s",
                               year=user_list.school_year, college=user_list.college_id.name or "")

    def _compute_line_count(self):
        counts = count_by(self.env["tablet.user.list.line"], "list_id", self)
        for user_list in self:
            user_list.line_count = counts.get(user_list, 0)

    @api.constrains("school_year")
    def _check_school_year(self):
        check_school_year(self)

    def write(self, vals):
        if vals.keys() & {"college_id", "school_year"} and self.filtered(lambda l: l.state == "validated"):
            raise UserError(_("A validated list cannot change collège or school year."))
        if "return_reason" in vals and not in_action(self.env) and not self.env.user.has_group(ACADEMY_GROUP):
            # R3: the Académie validates the list; its reason for sending it back is its own word.
            raise AccessError(_("The Reason for Sending Back of a nominative list is written by the Académie "
                                "only (R3)."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_validated(self):
        if self.filtered(lambda l: l.state == "validated"):
            raise UserError(_("A validated list cannot be deleted: it is the basis of the loans of its year."))

    @tablet_action(MANAGER_GROUP, REFERENT_GROUP, role=_lt("the collège's digital referents and head"))
    def action_fill_from_college(self):
        """Add every pupil, teacher, head and staff member of the collège not yet listed."""
        for user_list in self:
            if user_list.state not in ("draft", "returned"):
                raise UserError(_("Only a draft or sent-back list can be changed."))
            people = self.env["res.partner"].search([
                ("college_id", "=", user_list.college_id.id), ("school_role", "in", COLLEGE_MEMBER_ROLES),
                ("id", "not in", user_list.line_ids.partner_id.ids),
            ])
            user_list.line_ids = [Command.create({"partner_id": p.id}) for p in people]
        return True

    @tablet_action(HEAD_GROUP, role=_lt("the head of the collège (R3)"))
    def action_submit(self):
        """Only the head sets the list (B 4)."""
        for user_list in self:
            if user_list.state not in ("draft", "returned"):
                raise UserError(_("Only a draft or sent-back list can be submitted (%s).", user_list.name))
            if not user_list.line_ids:
                raise UserError(_("The list %s has no user: add them before submitting.", user_list.name))
        self._write_state({"state": "submitted"})
        return True

    @tablet_action(ACADEMY_GROUP, role=_lt("an officer of the collège's Académie (R3)"))
    def action_validate(self):
        if self.filtered(lambda l: l.state != "submitted"):
            raise UserError(_("Only a submitted list can be validated."))
        self._write_state({"state": "validated", "validated_date": fields.Date.context_today(self), "return_reason": False})
        return True

    @tablet_action(ACADEMY_GROUP, role=_lt("an officer of the collège's Académie (R3)"))
    def action_send_back(self):
        for user_list in self:
            if user_list.state != "submitted":
                raise UserError(_("Only a submitted list can be sent back (%s).", user_list.name))
            if not (user_list.return_reason or "").strip():
                raise UserError(_("Write the reason for sending back the list %s to the head.", user_list.name))
        self._write_state({"state": "returned"})
        return True

    @tablet_action(HEAD_GROUP, role=_lt("the head of the collège (R3)"))
    def action_reopen(self):
        """A validated list is reopened (draft) to add arrivals, then validated again."""
        if self.filtered(lambda l: l.state != "validated"):
            raise UserError(_("Only a validated list can be reopened."))
        self._write_state({"state": "draft"})
        return True

    @api.model
    def _validated_pairs(self, partners, colleges, school_years):
        """{(partner id, collège id, school year)} of people on a validated list."""
        lists = {row["id"]: (row["college_id"], row["school_year"]) for row in self.search_read([
            ("state", "=", "validated"), ("college_id", "in", colleges.ids), ("school_year", "in", list(school_years)),
        ], ["college_id", "school_year"], load=None)}
        lines = self.env["tablet.user.list.line"].search_read(
            [("list_id", "in", list(lists)), ("partner_id", "in", partners.ids)], ["partner_id", "list_id"], load=None)
        return {(line["partner_id"], *lists[line["list_id"]]) for line in lines}

    def _ensure_editable(self):
        locked = self.filtered(lambda l: l.state in ("submitted", "validated"))
        if locked:
            raise UserError(_("The list %s is submitted or validated: reopen it to change its users.",
                              locked[0].name))
