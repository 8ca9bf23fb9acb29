from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date, html2plaintext, is_html_empty
from odoo.tools.translate import LazyTranslate

from .school_year import school_year_of
from .tablet_workflow_mixin import ALL_FIELDS, tablet_action

_lt = LazyTranslate(__name__)

HEAD = "tablet_loan.group_college_head"
# The project team writes the committee's meetings: the head, who chairs, and the référents (R28).
TEAM = "tablet_loan.group_college_referent"
TEAM_ROLE = _lt("the collège's head and référents")
SUMMARY_LENGTH = 300


class TabletCommitteeMeeting(models.Model):
    """A meeting of the collège's local digital committee (R28, convention B 6): coordinated and
    chaired by the head, made of the project team, open as needed to the Département's and the
    Académie's representatives, and sometimes enlarged to parents and pupils. It follows the
    project and gathers the users' needs; its minutes go into the annual report (R27)."""

    _name = "tablet.committee.meeting"
    _description = "Local Digital Committee Meeting"
    _inherit = ["tablet.workflow.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["college_id", "agenda"]
    # Held, the minutes are what was sent round: they no longer change; cancelled, nothing does.
    _tablet_frozen_fields = {
        "held": ("college_id", "date", "chair_id", "minutes"),
        "cancelled": ALL_FIELDS,
    }

    college_id = fields.Many2one(
        "res.partner", string="Collège", required=True, index=True, tracking=True, ondelete="restrict",
        domain="[('is_college', '=', True)]", check_company=True,
        default=lambda self: self.env.user.tablet_college_ids[:1],
    )
    company_id = fields.Many2one(related="college_id.company_id", store=True, index=True, string="Département")
    academy_id = fields.Many2one(related="college_id.academy_id", store=True, index=True, string="Académie")
    date = fields.Date(required=True, tracking=True,
                       default=lambda self: fields.Date.context_today(self))
    school_year = fields.Char(compute="_compute_school_year", store=True, index=True)
    chair_id = fields.Many2one(
        "res.users", tracking=True, ondelete="restrict",
        default=lambda self: self.env.user if self.env.user.has_group(HEAD) else False,
        help="The head of the collège, who coordinates and chairs the committee.",
    )
    attendee_ids = fields.Many2many("res.partner", string="Project Team Present",
                                    help="Members of the project team present at the meeting.")
    department_attends = fields.Boolean(string="Département Represented")
    academy_attends = fields.Boolean(string="Académie Represented")
    enlarged = fields.Boolean(string="Enlarged to Parents and Pupils",
                              help="Representatives of the pupils' parents and pupils took part.")
    agenda = fields.Text()
    minutes = fields.Html(help="Required to mark the meeting held; listed in the annual report.")
    needs = fields.Text(string="Needs Expressed by Users",
                        help="Functional and hardware needs the users expressed.")
    decision_ids = fields.One2many("tablet.committee.decision", "meeting_id", string="Decisions")
    state = fields.Selection(
        [("planned", "Planned"), ("held", "Held"), ("cancelled", "Cancelled")],
        string="Status", default="planned", required=True, readonly=True, copy=False, index=True, tracking=True,
    )

    def _creation_message(self):
        """The chatter's first line: mail's "<description> created" reads wrong in French
        (the participle does not agree with the document's gender); a sentence of its own."""
        self.ensure_one()
        return _("Committee meeting planned.")

    @api.depends("date")
    def _compute_school_year(self):
        for meeting in self:
            meeting.school_year = school_year_of(meeting.date) if meeting.date else False

    def _compute_display_name(self):
        for meeting in self:
            meeting.display_name = _("Digital committee of %(date)s – %(college)s",
                                     date=format_date(self.env, meeting.date) if meeting.date else "",
                                     college=meeting.college_id.name or "")

    @api.constrains("chair_id", "college_id")
    def _check_chair(self):
        """R28: the head chairs. Checked on the stored values, so that no client skips it."""
        for meeting in self:
            if not meeting.chair_id:
                raise ValidationError(_("Chair: a meeting of the local digital committee is chaired by the head "
                                        "of %(college)s; choose them.", college=meeting.college_id.name))
            chair = meeting.chair_id.sudo()  # whether the chair is a head: read on the user, not on a rule
            if not chair.has_group(HEAD) or meeting.college_id not in chair.tablet_college_ids:
                raise ValidationError(_("Chair: %(user)s is not the head of %(college)s; the local digital "
                                        "committee is chaired by the collège's head.",
                                        user=chair.name, college=meeting.college_id.name))

    @api.ondelete(at_uninstall=False)
    def _unlink_only_planned(self):
        if self.filtered(lambda m: m.state == "held"):
            raise UserError(_("A meeting held cannot be deleted: its minutes are part of the annual report."))

    def _ensure_planned(self, action):
        wrong = self.filtered(lambda m: m.state != "planned")
        if wrong:
            raise UserError(_("%(action)s is for planned meetings only: %(meetings)s.",
                              action=action, meetings=", ".join(wrong.mapped("display_name"))))

    @tablet_action(TEAM, role=TEAM_ROLE)
    def action_hold(self):
        """The meeting took place; its minutes are what the annual report lists (R27)."""
        self.check_access("write")
        self._ensure_planned(_("Marking held"))
        missing = self.filtered(lambda m: is_html_empty(m.minutes))
        if missing:
            raise UserError(_("Minutes: write the minutes of %(meetings)s before marking it held.",
                              meetings=", ".join(missing.mapped("display_name"))))
        self._write_state({"state": "held"})
        return True

    @tablet_action(TEAM, role=TEAM_ROLE)
    def action_cancel(self):
        self.check_access("write")
        self._ensure_planned(_("Cancelling"))
        self._write_state({"state": "cancelled"})
        self.decision_ids.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def _minutes_summary(self):
        """The first lines of the minutes, as plain text, for the annual report (R27)."""
        self.ensure_one()
        text = " ".join(html2plaintext(self.minutes or "").split())
        return text if len(text) <= SUMMARY_LENGTH else text[:SUMMARY_LENGTH].rsplit(" ", 1)[0] + " …"
