from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.translate import LazyTranslate

from .res_partner import COLLEGE_MEMBER_ROLES
from .school_year import check_school_year, school_year_of
from .tablet_workflow_mixin import ALL_FIELDS, as_action, in_action, tablet_action
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
    _tablet_action_fields = ("validated_date", "sent_partner_ids", "removed_names", "resubmitted")
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
        required=True, tracking=True,
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
    # Issue 19: what the Académie reads of a resubmitted list, against its last submission (the
    # validated one after a reopening, or the one it sent back).
    sent_partner_ids = fields.Many2many(
        "res.partner", "tablet_user_list_sent_partner_rel", "list_id", "partner_id",
        string="People as Last Submitted", readonly=True, copy=False,
        help="The people on the list when it was last submitted to the Académie.",
    )
    resubmitted = fields.Boolean(readonly=True, copy=False,
                                 help="Submitted again after a validation or after being sent back.")
    removed_names = fields.Text(string="Removed since the Last Submission", readonly=True, copy=False)
    added_count = fields.Integer(string="Added since the Last Submission", compute="_compute_added_count")

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

    @api.depends("line_ids.added_since_last_submission")
    def _compute_added_count(self):
        for user_list in self:
            user_list.added_count = len(user_list.line_ids.filtered("added_since_last_submission"))

    @api.constrains("school_year")
    def _check_school_year(self):
        check_school_year(self)

    def write(self, vals):
        if vals.keys() & {"college_id", "school_year"} and self.filtered(lambda user_list: user_list.state == "validated"):
            raise UserError(_("A validated list cannot change collège or school year."))
        if "return_reason" in vals and not in_action(self.env) and not self.env.user.has_group(ACADEMY_GROUP):
            # R3: the Académie validates the list; its reason for sending it back is its own word.
            raise AccessError(_("The Reason for Sending Back of a nominative list is written by the Académie "
                                "only."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_validated(self):
        if self.filtered(lambda user_list: user_list.state == "validated"):
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

    @tablet_action(HEAD_GROUP, role=_lt("the head of the collège"))
    def action_submit(self):
        """Only the head sets the list (B 4)."""
        for user_list in self:
            if user_list.state not in ("draft", "returned"):
                raise UserError(_("Only a draft or sent-back list can be submitted (%s).", user_list.name))
            if not user_list.line_ids:
                raise UserError(_("The list %s has no user: add them before submitting.", user_list.name))
        self._record_changes_since_last_submission()
        final = self._without_academy()
        (self - final)._write_state({"state": "submitted"})
        if final:
            # I 3.2: under a convention between the Département and the collège only, the head's list
            # is the one the tablets follow; the Académie neither sees nor validates it.
            final._write_state({"state": "validated", "validated_date": fields.Date.context_today(self),
                                "return_reason": False})
            current = self.env["tablet.convention"]._current_for(final.college_id)
            final._message_log_batch(bodies={user_list.id: self.env._(
                "List set by the head: under the convention model %s the Académie does not validate it.",
                current[user_list.college_id.id].model_id.display_name) for user_list in final})
        return True

    def _without_academy(self):
        """The lists of collèges whose convention does not make the Académie a party."""
        return self.filtered(lambda user_list: not user_list.college_id.tablet_academy_party)

    @tablet_action(ACADEMY_GROUP, role=_lt("an officer of the collège's Académie"))
    def action_validate(self):
        if self.filtered(lambda user_list: user_list.state != "submitted"):
            raise UserError(_("Only a submitted list can be validated."))
        self._check_academy_party()
        self._write_state({"state": "validated", "validated_date": fields.Date.context_today(self), "return_reason": False})
        return True

    @tablet_action(ACADEMY_GROUP, role=_lt("an officer of the collège's Académie"))
    def action_send_back(self):
        self._check_academy_party()
        for user_list in self:
            if user_list.state != "submitted":
                raise UserError(_("Only a submitted list can be sent back (%s).", user_list.name))
            if not (user_list.return_reason or "").strip():
                raise UserError(_("Write the reason for sending back the list %s to the head.", user_list.name))
        self._write_state({"state": "returned"})
        return True

    def _check_academy_party(self):
        outside = self._without_academy()
        if outside:
            raise UserError(_(
                "The Académie is not a party to the convention of %s: the head's list is final and is not "
                "validated nor sent back by the Académie.", ", ".join(outside.college_id.mapped("name"))))

    @tablet_action(HEAD_GROUP, role=_lt("the head of the collège"))
    def action_reopen(self):
        """A validated list is reopened (draft) to add arrivals, then validated again."""
        if self.filtered(lambda user_list: user_list.state != "validated"):
            raise UserError(_("Only a validated list can be reopened."))
        self._write_state({"state": "draft"})
        return True

    def _record_changes_since_last_submission(self):
        """On a new submission, against the previous one (the validated list after a reopening, or
        the list the Académie sent back): marks the people added, keeps the names of those removed
        and posts the summary for the Académie. Set-based: one write per kind of change."""
        Line = self.env["tablet.user.list.line"]
        added_lines, other_lines = Line, Line
        for user_list in self:
            before, now = user_list.sent_partner_ids, user_list.line_ids.partner_id
            added = user_list.line_ids.filtered(lambda line: before and line.partner_id not in before)
            added_lines |= added
            other_lines |= user_list.line_ids - added
            removed = (before - now).sorted("name")
            removed_names = "\n".join(removed.mapped("display_name")) or False
            as_action(user_list).write({"resubmitted": bool(before), "removed_names": removed_names,
                                        "sent_partner_ids": [Command.set(now.ids)]})
            if before:
                user_list.message_post(body=user_list._changes_summary(added.partner_id, removed))
        if added_lines:
            as_action(added_lines).write({"added_since_last_submission": True})
        other_lines = other_lines.filtered("added_since_last_submission")
        if other_lines:
            as_action(other_lines).write({"added_since_last_submission": False})

    def _changes_summary(self, added, removed):
        """The chatter's account of a resubmission: who was added, who was removed."""
        nobody = _("nobody")

        def names(partners):
            return Markup(", ").join(partners.sorted("name").mapped("display_name")) or nobody
        return Markup("<p>%s</p><ul><li>%s %s</li><li>%s %s</li></ul>") % (
            _("Resubmitted to the Académie. Changes since the last submission:"),
            _("Added (%s):", len(added)), names(added), _("Removed (%s):", len(removed)), names(removed))

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
        locked = self.filtered(lambda user_list: user_list.state in ("submitted", "validated"))
        if locked:
            raise UserError(_("The list %s is submitted or validated: reopen it to change its users.",
                              locked[0].name))
