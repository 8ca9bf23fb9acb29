from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import is_html_empty
from odoo.tools.translate import LazyTranslate

from .school_year import check_school_year, school_year_bounds, school_year_of
from .tablet_workflow_mixin import ALL_FIELDS, in_action, tablet_action
from .utils import window_action

_lt = LazyTranslate(__name__)

HEAD_GROUP = "tablet_loan.group_college_head"
REFERENT_GROUP = "tablet_loan.group_college_referent"
ACADEMY_GROUP = "tablet_loan.group_academy_officer"
MANAGER_GROUP = "tablet_loan.group_department_manager"
OFFICER_GROUP = "tablet_loan.group_department_officer"

# One figure per type of the incident model's selection (a test checks that none is missing).
INCIDENT_TYPE_FIELDS = {
    "breakage": "incident_breakage_count",
    "failure": "incident_failure_count",
    "loss": "incident_loss_count",
    "theft": "incident_theft_count",
}
# What became of a warranty claim: the supplier's answer, or pending while it has not answered.
CLAIM_OUTCOME_FIELDS = {
    "repaired": "claim_repaired_count",
    "replaced": "claim_replaced_count",
    "refused": "claim_refused_count",
    "pending": "claim_pending_count",
}
ANSWERED_CLAIM_STATES = ("answered", "returned")
INVOICED_CHARGE_STATES = ("invoiced", "paid")
# Written by the head while the report is a draft; frozen once submitted.
HEAD_FIELDS = {"college_id", "school_year", "usage_text"}
# Written only by the actions (submission, acknowledgements), never directly.
ACTION_FIELDS = {
    "figures_snapshot", "figures_date", "submitted_by_id", "submitted_date",
    "academy_read_by_id", "academy_read_date", "department_read_by_id", "department_read_date",
}
# The two recipients of the report (R27) and the group that acknowledges for each.
PARTY_GROUPS = {"academy": ACADEMY_GROUP, "department": MANAGER_GROUP}


class TabletAnnualReport(models.Model):
    """The head's annual report on digital usage and the place of tablets in it, sent to
    the Académie and the Département at the end of each school year (R27, B 6; with the
    damages the collège reports to the Département, R25, I 3.4).

    Figures. While the report is a draft they are computed live from the collège's loans,
    incidents, warranty claims and charges, so the head sees what will be sent. On
    submission they are frozen in `figures_snapshot`, with the date: the Académie and the
    Département read exactly what the head sent, even after loans close, incidents are
    cancelled or people are anonymised (R29). Every figure field reads the snapshot when
    there is one and the live aggregates otherwise: one definition for both, and a
    submitted report's figures cannot drift. The aggregates are counts and sums only, run
    with superuser rights on a domain pinned to the report's collège and school year: the
    Académie reads no loan or incident and the référent no charge, yet both read the
    report, whose own record rules decide who sees it.
    """

    _name = "tablet.annual.report"
    _description = "Annual Report on Digital Usage"
    _inherit = ["tablet.workflow.mixin", "mail.thread", "mail.activity.mixin"]
    _tablet_action_fields = tuple(ACTION_FIELDS)
    # Submitted: what the Académie and the Département received no longer changes (R27).
    _tablet_frozen_fields = {"submitted": ALL_FIELDS, "acknowledged": ALL_FIELDS}
    _order = "school_year desc, college_id"
    _rec_names_search = ["college_id", "school_year"]
    _check_company_auto = True
    # The Académie and the Département comment on the report they read.
    _mail_post_access = "read"

    college_id = fields.Many2one(
        "res.partner", string="Collège", required=True, index=True, tracking=True, ondelete="restrict",
        domain="[('is_college', '=', True)]", check_company=True,
        default=lambda self: self._default_college_id(),
    )
    company_id = fields.Many2one(related="college_id.company_id", store=True, index=True, string="Département")
    academy_id = fields.Many2one(related="college_id.academy_id", store=True, index=True, string="Académie")
    school_year = fields.Char(
        required=True, index=True, tracking=True,
        default=lambda self: school_year_of(fields.Date.context_today(self)),
        help="Written as 2026-2027.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("submitted", "Submitted"), ("acknowledged", "Acknowledged")],
        string="Status", default="draft", required=True, readonly=True, copy=False, index=True, tracking=True,
        help="Acknowledged once the Académie (when the collège has one) and the Département have read it.",
    )
    usage_text = fields.Html(
        string="Digital Usage", copy=False,
        help="The head's account of the digital usage of the collège and of the place of the tablets "
             "in it; required to submit.",
    )
    submitted_by_id = fields.Many2one("res.users", string="Submitted by", readonly=True, copy=False, tracking=True)
    submitted_date = fields.Datetime(string="Submitted on", readonly=True, copy=False, tracking=True)
    academy_read_by_id = fields.Many2one("res.users", string="Read for the Académie by", readonly=True,
                                         copy=False, tracking=True)
    academy_read_date = fields.Datetime(string="Read by the Académie on", readonly=True, copy=False)
    department_read_by_id = fields.Many2one("res.users", string="Read for the Département by", readonly=True,
                                            copy=False, tracking=True)
    department_read_date = fields.Datetime(string="Read by the Département on", readonly=True, copy=False)
    can_acknowledge = fields.Boolean(compute="_compute_can_acknowledge")
    figures_snapshot = fields.Json(string="Figures as Submitted", readonly=True, copy=False)
    figures_date = fields.Datetime(
        string="Figures Frozen on", readonly=True, copy=False,
        help="The figures were computed and frozen when the head submitted the report.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    figures = fields.Json(compute="_compute_figures",
                          help="The figures shown: the snapshot once submitted, else computed live.")

    # Figures: live while draft, the snapshot once submitted.
    tablets_deployed = fields.Integer(
        compute="_compute_figures",
        help="Loans of the school year handed over to their users (drafts not counted).",
    )
    home_use_count = fields.Integer(
        string="Loans with Home Use", compute="_compute_figures",
        help="Loans of the year whose tablet may go home.",
    )
    home_use_share = fields.Float(compute="_compute_figures",
                                  help="Loans with home use out of the tablets deployed.")
    incident_count = fields.Integer(
        string="Incidents", compute="_compute_figures",
        help="Incidents that happened during the school year, cancelled ones excepted.",
    )
    incident_breakage_count = fields.Integer(string="Breakages", compute="_compute_figures")
    incident_failure_count = fields.Integer(string="Failures", compute="_compute_figures")
    incident_loss_count = fields.Integer(string="Losses", compute="_compute_figures")
    incident_theft_count = fields.Integer(string="Thefts", compute="_compute_figures")
    late_declaration_count = fields.Integer(
        string="Late Declarations", compute="_compute_figures",
        help="Incidents declared more than 48 hours after they happened.",
    )
    claim_count = fields.Integer(
        string="Warranty Claims", compute="_compute_figures",
        help="Warranty claims of the year's incidents, cancelled ones excepted.",
    )
    claim_repaired_count = fields.Integer(string="Repaired", compute="_compute_figures")
    claim_replaced_count = fields.Integer(string="Replaced", compute="_compute_figures")
    claim_refused_count = fields.Integer(string="Refused", compute="_compute_figures")
    claim_pending_count = fields.Integer(string="Pending", compute="_compute_figures",
                                         help="Claims the supplier has not answered yet.")
    charge_count = fields.Integer(
        string="Charges", compute="_compute_figures",
        help="Charges asked from families for the year's incidents, cancelled ones excepted.",
    )
    charge_amount = fields.Monetary(string="Amount Asked", compute="_compute_figures")
    charge_invoiced_amount = fields.Monetary(string="Amount Invoiced", compute="_compute_figures")
    charge_paid_amount = fields.Monetary(string="Amount Paid", compute="_compute_figures")
    committee_meeting_ids = fields.Many2many(
        "tablet.committee.meeting", string="Committee Meetings", compute="_compute_committee_meeting_ids",
        help="The local digital committee's meetings held during the school year, with their minutes.")

    _sql_constraints = [
        ("college_year_unique", "UNIQUE(college_id, school_year)",
         "A collège sends one annual report per school year."),
    ]

    # ------------------------------------------------------------------ defaults
    def _creation_message(self):
        """The chatter's first line: mail's "<description> created" reads wrong in French
        (the participle does not agree with the document's gender); a sentence of its own."""
        self.ensure_one()
        return _("Annual report opened as a draft.")

    @api.model
    def _default_college_id(self):
        """The head's collège, when they have only one: the year's report in one step."""
        colleges = self.env.user.tablet_college_ids
        return colleges if len(colleges) == 1 else False

    # ------------------------------------------------------------------ computes
    @api.depends("college_id.name", "school_year")
    def _compute_display_name(self):
        """Not stored: each reader sees it in their language."""
        for report in self:
            report.display_name = _("Annual Report %(year)s – %(college)s",
                                    year=report.school_year or "", college=report.college_id.name or "")

    @api.depends("college_id", "school_year")
    def _compute_committee_meeting_ids(self):
        """R27, R28: the committee's meetings held in the report's school year, read in one query
        under the reader's own rights (the meetings' rules follow the report's readers)."""
        meetings = self.env["tablet.committee.meeting"].search([
            ("college_id", "in", self.college_id.ids), ("school_year", "in", self.mapped("school_year")),
            ("state", "=", "held")], order="date, id")
        by_key = meetings.grouped(lambda m: (m.college_id.id, m.school_year))
        for report in self:
            report.committee_meeting_ids = by_key.get((report.college_id.id, report.school_year), meetings.browse())

    @api.depends("state", "academy_id", "academy_read_date", "department_read_date")
    @api.depends_context("uid")
    def _compute_can_acknowledge(self):
        party = self._acknowledging_party()
        academy = self.env.user.tablet_academy_id
        for report in self:
            report.can_acknowledge = bool(
                party and report.state == "submitted" and not report[f"{party}_read_date"]
                and (party != "academy" or (report.academy_id and report.academy_id == academy))
            )

    @api.depends("college_id", "school_year", "state", "figures_snapshot")
    @api.depends_context("tz")
    def _compute_figures(self):
        live = self.filtered(lambda r: not r.figures_snapshot)
        live_figures = live._live_figures() if live else {}
        for report in self:
            figures = report.figures_snapshot or live_figures.get(
                (report.college_id.id, report.school_year)) or self._empty_figures()
            report.figures = figures
            report._set_figures(figures)

    def _set_figures(self, figures):
        """Fill the figure fields from a figures dict (live, or the submitted snapshot)."""
        self.ensure_one()
        deployed = figures.get("tablets_deployed", 0)
        home_use = figures.get("home_use_count", 0)
        by_type = figures.get("incidents_by_type", {})
        by_outcome = figures.get("claims_by_outcome", {})
        self.tablets_deployed = deployed
        self.home_use_count = home_use
        self.home_use_share = home_use / deployed if deployed else 0.0
        self.incident_count = sum(by_type.values())
        for incident_type, fname in INCIDENT_TYPE_FIELDS.items():
            self[fname] = by_type.get(incident_type, 0)
        self.late_declaration_count = figures.get("late_declaration_count", 0)
        self.claim_count = sum(by_outcome.values())
        for outcome, fname in CLAIM_OUTCOME_FIELDS.items():
            self[fname] = by_outcome.get(outcome, 0)
        self.charge_count = figures.get("charge_count", 0)
        self.charge_amount = figures.get("charge_amount", 0.0)
        self.charge_invoiced_amount = figures.get("charge_invoiced_amount", 0.0)
        self.charge_paid_amount = figures.get("charge_paid_amount", 0.0)

    @api.model
    def _incident_types(self):
        return [value for value, _label in self.env["tablet.incident"]._fields["incident_type"].selection]

    @api.model
    def _empty_figures(self):
        return {
            "tablets_deployed": 0,
            "home_use_count": 0,
            "incidents_by_type": dict.fromkeys(self._incident_types(), 0),
            "late_declaration_count": 0,
            "claims_by_outcome": dict.fromkeys(CLAIM_OUTCOME_FIELDS, 0),
            "charge_count": 0,
            "charge_amount": 0.0,
            "charge_invoiced_amount": 0.0,
            "charge_paid_amount": 0.0,
        }

    def _live_figures(self):
        """{(collège id, school year): figures} of the reports in `self`, in four grouped
        queries whatever the number of reports: loans, incidents, claims, charges.

        Loans count in the school year they were made for; incidents in the school year in
        which they happened; claims and charges with their incident.
        """
        keys = {(r.college_id.id, r.school_year) for r in self
                if r.college_id and school_year_bounds(r.school_year)}
        result = {key: self._empty_figures() for key in keys}
        if not keys:
            return result
        college_ids = list({college_id for college_id, _year in keys})
        years = list({year for _college_id, year in keys})
        # Counts and sums only, over the reports' own collèges and years: see the class docstring.
        env = self.sudo().env

        for college, year, home_use, count in env["tablet.loan"]._read_group(
            [("college_id", "in", college_ids), ("school_year", "in", years), ("state", "!=", "draft")],
            ["college_id", "school_year", "home_use_allowed"], ["__count"],
        ):
            figures = result.get((college.id, year))
            if figures:
                figures["tablets_deployed"] += count
                if home_use:
                    figures["home_use_count"] += count

        # Incidents grouped by the month they happened in (in the user's time zone): the month
        # gives the school year; the date range only narrows the scan, a day wider each side.
        bounds = [school_year_bounds(year) for year in years]
        start = min(first for first, _last in bounds) - timedelta(days=1)
        end = max(last for _first, last in bounds) + timedelta(days=2)
        incident_keys = {}
        for college, month, incident_type, late, count, ids in env["tablet.incident"]._read_group(
            [("college_id", "in", college_ids), ("state", "!=", "cancelled"),
             ("event_datetime", ">=", start), ("event_datetime", "<", end)],
            ["college_id", "event_datetime:month", "incident_type", "late_declaration"], ["__count", "id:array_agg"],
        ):
            key = (college.id, school_year_of(month))
            figures = result.get(key)
            if not figures:
                continue
            by_type = figures["incidents_by_type"]
            by_type[incident_type] = by_type.get(incident_type, 0) + count
            if late:
                figures["late_declaration_count"] += count
            incident_keys.update(dict.fromkeys(ids, key))
        if not incident_keys:
            return result

        for incident, state, answer, count in env["tablet.warranty.claim"]._read_group(
            [("incident_id", "in", list(incident_keys)), ("state", "!=", "cancelled")],
            ["incident_id", "state", "answer"], ["__count"],
        ):
            outcome = answer if answer and state in ANSWERED_CLAIM_STATES else "pending"
            result[incident_keys[incident.id]]["claims_by_outcome"][outcome] += count

        for incident, state, count, amount in env["tablet.charge"]._read_group(
            [("incident_id", "in", list(incident_keys)), ("state", "!=", "cancelled")],
            ["incident_id", "state"], ["__count", "amount:sum"],
        ):
            figures = result[incident_keys[incident.id]]
            figures["charge_count"] += count
            figures["charge_amount"] += amount
            if state in INVOICED_CHARGE_STATES:
                figures["charge_invoiced_amount"] += amount
            if state == "paid":
                figures["charge_paid_amount"] += amount
        return result

    # --------------------------------------------------------------- constraints
    @api.constrains("school_year")
    def _check_school_year(self):
        check_school_year(self)

    # ---------------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        if not in_action(self.env):
            if any(vals.get("usage_text") for vals in vals_list) and not self.env.user.has_group(HEAD_GROUP):
                raise AccessError(_("Only the head of the collège writes the annual report."))
        return super().create(vals_list)

    def write(self, vals):
        """The head writes the report while it is a draft; the actions write the rest."""
        if not in_action(self.env):
            if HEAD_FIELDS & vals.keys():
                if self.filtered(lambda r: r.state != "draft"):
                    raise UserError(_("A submitted annual report cannot change: it is what the Académie and "
                                      "the Département received."))
                if not self.env.user.has_group(HEAD_GROUP):
                    raise AccessError(_("Only the head of the collège writes the annual report."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.filtered(lambda r: r.state != "draft"):
            raise UserError(_("A submitted annual report cannot be deleted: the Académie and the Département "
                              "received it."))

    # ------------------------------------------------------------------- actions
    @tablet_action(HEAD_GROUP, role=_lt("the head of the collège"))
    def action_submit(self):
        """Only the head sends the report, with their text, to the Académie and the
        Département (R27); the figures are frozen as they are at that moment."""
        for report in self:
            if report.state != "draft":
                raise UserError(_("The annual report %s is already submitted.", report.display_name))
            if is_html_empty(report.usage_text):
                raise UserError(_("Write the Digital Usage of %s (the place of the tablets in the collège's "
                                  "digital usage) before submitting it.", report.display_name))
        figures = self._live_figures()
        now = fields.Datetime.now()
        for report in self:
            report._write_state({
                "state": "submitted",
                "figures_snapshot": figures[(report.college_id.id, report.school_year)],
                "figures_date": now,
                "submitted_by_id": self.env.uid,
                "submitted_date": now,
            })
        self._notify_recipients()
        return True

    def _recipients(self):
        """{report: {party: users}}: the académie officers of the collège's académie and the
        programme managers of its Département, members of its company (two searches)."""
        Users = self.env["res.users"].sudo()
        academy_users = Users.search([
            ("groups_id", "in", self.env.ref(ACADEMY_GROUP).id), ("share", "=", False),
            ("tablet_academy_id", "in", self.academy_id.ids), ("company_ids", "in", self.company_id.ids),
        ]) if self.academy_id else Users
        managers = Users.search([
            ("groups_id", "in", self.env.ref(MANAGER_GROUP).id), ("share", "=", False),
            ("company_ids", "in", self.company_id.ids),
        ])
        return {report: {
            "academy": academy_users.filtered(lambda u: report.academy_id and u.tablet_academy_id == report.academy_id
                                              and report.company_id in u.company_ids),
            "department": managers.filtered(lambda u: report.company_id in u.company_ids),
        } for report in self}

    def _notify_recipients(self):
        activity_type = self.env.ref("tablet_loan.mail_activity_annual_report_read")
        for report, parties in self._recipients().items():
            users = parties["academy"] | parties["department"]
            report.message_post(
                body=_("Annual report %(year)s of %(college)s submitted to the Académie and the "
                       "Département.", year=report.school_year, college=report.college_id.name),
                partner_ids=users.partner_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            for user in users:
                report.activity_schedule(
                    activity_type_id=activity_type.id, user_id=user.id,
                    summary=_("Read the annual report %(year)s of %(college)s",
                              year=report.school_year, college=report.college_id.name),
                )

    @api.model
    def _acknowledging_party(self):
        """'academy' or 'department', the recipient the user reads for, or False."""
        return next((party for party, group in PARTY_GROUPS.items() if self.env.user.has_group(group)), False)

    @tablet_action(ACADEMY_GROUP, MANAGER_GROUP,
                   role=_lt("an officer of the Académie or the Département's programme manager"))
    def action_acknowledge(self):
        """The Académie's officer or the Département's programme manager records that they
        read the report; it is acknowledged once every recipient has (R27)."""
        party = self._acknowledging_party()
        if not party:
            raise AccessError(_("Only an officer of the Académie or the programme manager of the Département "
                                "acknowledges an annual report."))
        labels = {"academy": _("the Académie"), "department": _("the Département")}
        for report in self:
            if report.state != "submitted":
                raise UserError(_("Only a submitted annual report is acknowledged (%s).", report.display_name))
            if party == "academy" and report.academy_id != self.env.user.tablet_academy_id:
                raise AccessError(_("%(report)s is addressed to another académie.", report=report.display_name))
            reader = report[f"{party}_read_by_id"]  # outside `_()`: term extraction evaluates f-strings
            if reader:
                raise UserError(_("%(report)s was already read for %(party)s by %(user)s.", report=report.display_name,
                                  party=labels[party], user=reader.name))
        now = fields.Datetime.now()
        activity_type = self.env.ref("tablet_loan.mail_activity_annual_report_read")
        for report in self:
            vals = {f"{party}_read_by_id": self.env.uid, f"{party}_read_date": now}
            others_read = all(report[f"{other}_read_date"] for other in report._parties() if other != party)
            if others_read:
                vals["state"] = "acknowledged"
            report._write_state(vals)
            report.activity_ids.filtered(
                lambda a: a.activity_type_id == activity_type and a.user_id.has_group(PARTY_GROUPS[party])
            ).action_feedback(feedback=_("Read by %s.", self.env.user.name))
            report.message_post(body=_("Read for %(party)s by %(user)s.", party=labels[party],
                                       user=self.env.user.name))
        return True

    def _parties(self):
        """The recipients of this report: the Académie only when the collège has one (Isère model)."""
        self.ensure_one()
        return ["academy", "department"] if self.academy_id else ["department"]

    @api.model
    @tablet_action(MANAGER_GROUP, role=_lt("the Département's programme manager"))
    def action_generate_year_reports(self):
        """A draft report for each collège of the user's Départements that lent tablets this
        school year and has no report yet; the heads then write and submit them."""
        year = school_year_of(fields.Date.context_today(self))
        groups = self.env["tablet.loan"]._read_group(
            [("school_year", "=", year), ("state", "!=", "draft"), ("company_id", "in", self.env.companies.ids)],
            ["college_id"])
        colleges = self.env["res.partner"].concat(*(college for college, in groups))
        existing = self.search([("college_id", "in", colleges.ids), ("school_year", "=", year)]).college_id
        self.create([{"college_id": college.id, "school_year": year} for college in colleges - existing])
        return window_action(self.env, "tablet_loan.tablet_annual_report_action",
                             [("school_year", "=", year)], {"search_default_group_college": 1})

    @api.readonly
    @tablet_action(OFFICER_GROUP, ACADEMY_GROUP, REFERENT_GROUP, role=_lt("the readers of the annual report"))
    def action_print(self):
        return self.env.ref("tablet_loan.action_report_annual_report").report_action(self)

    # ------------------------------------------------------------------- report
    def _get_report_base_filename(self):
        self.ensure_one()
        return _("Annual report %(year)s - %(college)s", year=self.school_year, college=self.college_id.name)

    def _incident_rows(self):
        """[(label, count)] for each type of the incident model's selection, in the report's language."""
        self.ensure_one()
        labels = self.env["tablet.incident"]._fields["incident_type"]._description_selection(self.env)
        by_type = self.figures.get("incidents_by_type", {})
        return [(label, by_type.get(value, 0)) for value, label in labels]
