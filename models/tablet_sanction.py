from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_date
from odoo.tools.translate import LazyTranslate

from .tablet_workflow_mixin import ALL_FIELDS, in_action, tablet_action

_lt = LazyTranslate(__name__)

HEAD = "tablet_loan.group_college_head"
HEAD_ROLE = _lt("the head of the pupil's collège")
DEPARTMENT = "tablet_loan.group_department_officer"
DEPARTMENT_ROLE = _lt("the Département's officers and programme manager")
# Measures that withdraw home use for their period (R26): the tablet stays at the collège.
HOME_USE_KINDS = ("restricted_use", "kept_at_school")
# The Département's own follow-up of a wilful-damage case (R22): written by its users only.
DEPARTMENT_FIELDS = ("department_action", "department_note")
# The loan states on which a measure has an effect (a returned or closed loan has none left).
OPEN_LOAN_STATES = ("draft", "active", "custody")


class TabletSanction(models.Model):
    """A measure taken by the head on a pupil's programme file after a breach of the
    charter or the contract (R26, B 5.2): restricted use, tablet kept at the collège,
    exclusion from the programme or disciplinary referral; and, when the facts are wilful
    damage to the tablet (R22, B 5.4), the case the Département follows and acts on.

    The effect on the loan goes through the loan's own paths: home use is withdrawn with
    the loan's `stays_at_college` (so `home_use_allowed` follows as for R24c) and given back
    when the measure ends, unless it was already withdrawn before; an exclusion ends the loan
    as a departure does (R14: `_end_on` and the référent's activity to get the tablet back).
    """

    _name = "tablet.sanction"
    _description = "Measure on a Pupil's Programme File"
    _inherit = ["tablet.workflow.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["borrower_id"]
    _tablet_action_fields = ("loan_effect_applied", "loan_stayed_before", "department_action_date",
                             "department_action_by_id")
    # In force, the measure's facts are what the loan's effects stand on; ended or cancelled,
    # only the Département's follow-up of a wilful-damage case still changes.
    _tablet_frozen_fields = {
        "in_force": ("borrower_id", "kind", "date_start", "wilful_damage", "incident_id"),
        "ended": ALL_FIELDS, "cancelled": ALL_FIELDS,
    }
    _tablet_free_fields = DEPARTMENT_FIELDS

    borrower_id = fields.Many2one(
        "res.partner", string="Pupil", required=True, index=True, tracking=True, ondelete="restrict",
        domain="[('school_role', '=', 'pupil')]",
    )
    college_id = fields.Many2one(
        "res.partner", string="Collège", compute="_compute_college_id", store=True, precompute=True,
        index=True, readonly=True, check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", string="Département", compute="_compute_college_id", store=True, precompute=True,
        readonly=True,
    )
    loan_id = fields.Many2one(
        "tablet.loan", compute="_compute_loan_id", store=True, precompute=True,
        readonly=True, ondelete="set null",
        help="The pupil's open loan, on which the measure takes effect.",
    )
    kind = fields.Selection(
        [("restricted_use", "Restricted use"), ("kept_at_school", "Tablet kept at the collège"),
         ("exclusion", "Exclusion from the programme"), ("referral", "Disciplinary referral")],
        string="Measure", required=True, default="restricted_use", tracking=True,
        help="Restricted use and tablet kept at the collège withdraw home use for the measure's period; "
             "an exclusion ends the loan and the tablet is returned; a referral has no effect on the loan.",
    )
    ground = fields.Text(tracking=True,
                         help="The breach of the charter or of the contract the measure answers.")
    date_start = fields.Date(string="Start Date", required=True, tracking=True,
                             default=lambda self: fields.Date.context_today(self))
    date_end = fields.Date(string="End Date", tracking=True,
                           help="Home use comes back the day after; leave empty for a measure ended by hand.")
    wilful_damage = fields.Boolean(
        tracking=True,
        help="The tablet was damaged on purpose: the Département sees the case and may act.",
    )
    incident_id = fields.Many2one(
        "tablet.incident", tracking=True, ondelete="restrict",
        domain="[('borrower_id', '=', borrower_id)]",
        help="Required for wilful damage: the incident the head qualified as deliberate damage.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("in_force", "In Force"), ("ended", "Ended"), ("cancelled", "Cancelled")],
        string="Status", default="draft", required=True, readonly=True, copy=False, index=True, tracking=True,
    )
    loan_effect_applied = fields.Boolean(string="Effect on the Loan Applied", readonly=True, copy=False)
    loan_stayed_before = fields.Boolean(
        string="Home Use Already Withdrawn", readonly=True, copy=False,
        help="Home use was already withdrawn when the measure came into force (another measure, or a "
             "replacement's counterpart): the end of this measure does not give it back.")
    department_action = fields.Selection(
        [("none", "No action"), ("reminder", "Reminder letter"), ("claim", "Claim for reimbursement"),
         ("complaint", "Complaint filed")],
        string="Département's Action", tracking=True, copy=False,
        help="What the Département does about the wilful damage; written by its officers only.",
    )
    department_note = fields.Text(string="Département's Note", copy=False)
    department_action_date = fields.Date(string="Action Recorded on", readonly=True, copy=False, tracking=True)
    department_action_by_id = fields.Many2one("res.users", string="Action Recorded by", readonly=True, copy=False)

    # ------------------------------------------------------------------ computes
    def _creation_message(self):
        """The chatter's first line: mail's "<description> created" reads wrong in French
        (the participle does not agree with the document's gender); a sentence of its own."""
        self.ensure_one()
        return _("Measure recorded.")

    @api.depends("borrower_id")
    def _compute_college_id(self):
        for sanction in self:
            sanction.college_id = sanction.borrower_id.college_id
            sanction.company_id = sanction.borrower_id.college_id.company_id

    @api.depends("borrower_id")
    def _compute_loan_id(self):
        loans = self.env["tablet.loan"].search([
            ("borrower_id", "in", self.borrower_id.ids), ("state", "in", OPEN_LOAN_STATES)])
        by_borrower = {loan.borrower_id.id: loan for loan in loans}
        for sanction in self:
            sanction.loan_id = by_borrower.get(sanction.borrower_id.id, False)

    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for sanction in self:
            sanction.display_name = _("%(kind)s – %(pupil)s", kind=labels.get(sanction.kind, ""),
                                      pupil=sanction.borrower_id.name or "")

    # --------------------------------------------------------------- constraints
    @api.constrains("ground")
    def _check_ground(self):
        for sanction in self:
            if not (sanction.ground or "").strip():
                raise ValidationError(_(
                    "Ground: write the breach of the charter or of the contract that the measure answers."))

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for sanction in self:
            if sanction.date_end and sanction.date_end < sanction.date_start:
                raise ValidationError(_(
                    "End Date (%(end)s) cannot be before Start Date (%(start)s): give an end date on or after the start.",
                    end=format_date(self.env, sanction.date_end), start=format_date(self.env, sanction.date_start)))

    @api.constrains("wilful_damage", "incident_id", "borrower_id")
    def _check_incident(self):
        for sanction in self:
            if sanction.wilful_damage and not sanction.incident_id:
                raise ValidationError(_(
                    "Incident: wilful damage needs the incident the head qualified as deliberate damage."))
            if sanction.wilful_damage and sanction.incident_id.qualification != "deliberate":
                raise ValidationError(_(
                    "Incident: %(incident)s is not qualified as deliberate damage; wilful damage needs "
                    "an incident whose replacement decision qualified the facts as deliberate.",
                    incident=sanction.incident_id.display_name))
            if sanction.incident_id and sanction.incident_id.borrower_id != sanction.borrower_id:
                raise ValidationError(_("Incident: %(incident)s concerns another pupil than %(pupil)s.",
                                        incident=sanction.incident_id.display_name,
                                        pupil=sanction.borrower_id.name))

    @api.constrains("borrower_id")
    def _check_pupil(self):
        for sanction in self:
            if sanction.borrower_id.school_role != "pupil" or not sanction.borrower_id.college_id:
                raise ValidationError(_("Pupil: %(name)s is not a pupil of a collège; a measure is taken "
                                        "on a pupil's programme file.", name=sanction.borrower_id.name))

    # ------------------------------------------------------------------ CRUD
    def _check_writer(self, vals):
        """Who writes what (R22, R26): the measure is the head's; the Département's follow-up is the
        Département's. A record rule says which records a role reaches; this says which fields."""
        if in_action(self.env):
            return
        user = self.env.user
        if vals.keys() & set(DEPARTMENT_FIELDS) and not user.has_group(DEPARTMENT):
            raise AccessError(_("The Département's action on wilful damage is written by the "
                                "Département's officers and programme manager only."))
        if vals.keys() - set(DEPARTMENT_FIELDS) and not user.has_group(HEAD):
            raise AccessError(_("A measure on a pupil's programme file is recorded by the head of "
                                "the pupil's collège only."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_writer(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_writer(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.filtered(lambda s: s.state != "draft"):
            raise UserError(_("Only a draft measure can be deleted: cancel or end it instead, it is part "
                              "of the pupil's file."))

    # ------------------------------------------------------------------ actions
    @tablet_action(HEAD, role=HEAD_ROLE)
    def action_confirm(self):
        """The measure comes into force; its effect on the loan applies from its start date."""
        self.check_access("write")
        self._ensure_state(("draft",), _("Putting in force"))
        self._check_ground()
        self._check_incident()
        self._write_state({"state": "in_force"})
        self._apply_effects()
        return True

    @tablet_action(HEAD, role=HEAD_ROLE)
    def action_end(self):
        """The head ends the measure before its end date: home use comes back."""
        self.check_access("write")
        self._ensure_state(("in_force",), _("Ending"))
        self._end()
        return True

    @tablet_action(HEAD, role=HEAD_ROLE)
    def action_cancel(self):
        """A draft set aside: it never took effect."""
        self.check_access("write")
        self._ensure_state(("draft",), _("Cancelling"))
        self._write_state({"state": "cancelled"})
        return True

    @tablet_action(DEPARTMENT, role=DEPARTMENT_ROLE)
    def action_record_department_action(self):
        """The Département records what it does about the wilful damage (R22): dated and signed."""
        self.check_access("write")
        self._ensure_state(("in_force", "ended"), _("Recording the Département's action"))
        not_wilful = self.filtered(lambda s: not s.wilful_damage)
        if not_wilful:
            raise UserError(_("%(measures)s: the Département acts on wilful damage only.",
                              measures=", ".join(not_wilful.mapped("display_name"))))
        missing = self.filtered(lambda s: not s.department_action)
        if missing:
            raise UserError(_("Département's Action: choose what the Département does (no action, reminder "
                              "letter, claim for reimbursement or complaint filed) for %(measures)s.",
                              measures=", ".join(missing.mapped("display_name"))))
        self._write_state({"department_action_date": fields.Date.context_today(self),
                           "department_action_by_id": self.env.user.id})
        labels = dict(self._fields["department_action"]._description_selection(self.env))
        self._message_log_batch(bodies={s.id: Markup("%s") % self.env._(
            "The Département's action on the wilful damage: %(action)s.", action=labels[s.department_action])
            for s in self})
        return True

    # ------------------------------------------------------------ loan effects
    def _apply_effects(self):
        """Apply, set-based, the effect of the measures in force whose period has begun."""
        today = fields.Date.context_today(self)
        due = self.filtered(lambda s: s.state == "in_force" and not s.loan_effect_applied and s.date_start <= today)
        if not due:
            return
        # The loan may have changed since the draft (a new tablet): the pupil's open loan now.
        due._compute_loan_id()
        with_loan = due.filtered(lambda s: s.loan_id.state in OPEN_LOAN_STATES)
        home = with_loan.filtered(lambda s: s.kind in HOME_USE_KINDS)
        if home:
            others = self.search([("loan_id", "in", home.loan_id.ids), ("state", "=", "in_force"),
                                  ("loan_effect_applied", "=", True), ("kind", "in", HOME_USE_KINDS),
                                  ("id", "not in", home.ids)])
            # Already withdrawn by another measure: this one inherits what that one will give back.
            before = {s.loan_id.id: s.loan_stayed_before for s in others}
            stayed = home.filtered(lambda s: before.get(s.loan_id.id, s.loan_id.stays_at_college))
            stayed._write_state({"loan_stayed_before": True})
            loans = (home - stayed).loan_id.filtered(lambda loan: not loan.stays_at_college)
            loans.write({"stays_at_college": True})
            loans._message_log_batch(bodies={loan.id: self.env._(
                "Home use withdrawn by a measure of the head: the tablet stays at the collège.")
                for loan in loans})
        exclusions = with_loan.filtered(lambda s: s.kind == "exclusion")
        for date_start, group in exclusions.grouped("date_start").items():
            ended = group.loan_id._end_on(date_start)
            ended._message_log_batch(bodies={loan.id: self.env._(
                "The pupil is excluded from the programme: the loan ends on %(date)s and the tablet is "
                "due back.", date=format_date(self.env, loan.date_end)) for loan in ended})
            ended._ask_for_return()
        due._write_state({"loan_effect_applied": True})

    def _end(self):
        """End measures in force (set-based): home use comes back on the loans no other measure,
        and no replacement's counterpart, keeps at the collège."""
        self._write_state({"state": "ended"})
        home = self.filtered(lambda s: s.kind in HOME_USE_KINDS and s.loan_effect_applied
                             and not s.loan_stayed_before and s.loan_id.state in OPEN_LOAN_STATES)
        if not home:
            return
        still = self.search([("loan_id", "in", home.loan_id.ids), ("state", "=", "in_force"),
                             ("loan_effect_applied", "=", True), ("kind", "in", HOME_USE_KINDS)])
        loans = home.loan_id - still.loan_id - self._tablet_counterpart_loans(home.loan_id)
        loans.write({"stays_at_college": False})
        loans._message_log_batch(bodies={loan.id: self.env._(
            "The head's measure has ended: the tablet may go home again.") for loan in loans})

    @api.model
    def _tablet_counterpart_loans(self, loans):
        """Loans that a replacement's counterpart keeps at the collège (R24c): decided while a
        measure was in force, it found `stays_at_college` already set and recorded nothing on
        the loan, so the decided incidents are what say it. One query for all the loans."""
        if not loans:
            return loans
        incidents = self.env["tablet.incident"].search([
            ("loan_id", "in", loans.ids), ("decision", "=", "replace"), ("counterpart_stays", "=", True),
            ("decision_date", "!=", False), ("state", "!=", "cancelled")])
        return loans & incidents.loan_id

    @api.model
    def _cron_sanction_dates(self):
        """Daily: measures whose start has come take effect; those past their end date end."""
        today = fields.Date.context_today(self)
        self.search([("state", "=", "in_force"), ("loan_effect_applied", "=", False),
                     ("date_start", "<=", today)])._apply_effects()
        self.search([("state", "=", "in_force"), ("date_end", "<", today)])._end()

    # ------------------------------------------------------------------ R29
    @api.model
    def _tablet_erase_person(self, partners):
        """R29: a person's measures stay counted (the annual report's figures); their free texts,
        which may describe the pupil or the family, are blanked in one query. Called by the
        anonymisation, which checked its right to erase, after it deleted the measures' chatter."""
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "UPDATE tablet_sanction SET ground = %s, department_note = NULL WHERE borrower_id = ANY(%s)",
            self.env._("Erased: the pupil's data has been anonymised."), partners.ids))
        self.invalidate_model(["ground", "department_note"])
