from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.translate import LazyTranslate

from .school_year import check_school_year, school_year_bounds
from .tablet_workflow_mixin import ALL_FIELDS, as_action, in_action, tablet_action
from .utils import count_by, user_env, window_action

_lt = LazyTranslate(__name__)

MANAGER_GROUP = "tablet_loan.group_department_manager"
OFFICER_GROUP = "tablet_loan.group_department_officer"
ACADEMY_GROUP = "tablet_loan.group_academy_officer"
HEAD_GROUP = "tablet_loan.group_college_head"
REFERENT_GROUP = "tablet_loan.group_college_referent"
ACCOUNTANT_GROUP = "tablet_loan.group_college_accountant"
# Once every party has signed, these describe what was signed: change them by avenant.
SIGNED_FIELDS = {
    "company_id", "academy_id", "college_id", "ca_deliberation_date", "ca_deliberation_ref",
    "date_signed_department", "date_signed_academy", "date_signed_college",
    "validity_type", "school_year", "date_start", "date_end",
}
# R5: each party records its own signature, and only its own.
PARTY_SIGNATURES = {
    "date_signed_department": (MANAGER_GROUP, _lt("the Département's programme manager")),
    "date_signed_academy": (ACADEMY_GROUP, _lt("an officer of the convention's Académie")),
    "date_signed_college": (HEAD_GROUP, _lt("the head of the collège")),
}
# Dates of things done: a signature or a deliberation is never in the future.
PAST_DATE_FIELDS = ("ca_deliberation_date", "date_signed_department", "date_signed_academy", "date_signed_college")
# The Académie reads and co-signs (README, Roles): its officers write their signature only,
# and the validity dates that follow from it (forms send them back, as computed).
ACADEMY_WRITABLE_FIELDS = {"date_signed_academy"}
VALIDITY_FIELDS = {"date_start", "date_end"}
RENEWAL_NOTICE_DAYS = 60


class TabletConvention(models.Model):
    """Partnership convention binding Département, Académie and Collège (R1, R2, R5, R6).

    The Isère model runs 3 years from signature (I 6), the Bouches-du-Rhône one a
    school year (B 9); the collège's home-use decision recorded here drives R12.
    """

    _name = "tablet.convention"
    _description = "Tablet Programme Partnership Convention"
    _inherit = ["tablet.workflow.mixin", "tablet.attachment.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    # Signed: what was signed changes by amendment (I 7); expired: the record is closed.
    _tablet_action_fields = ("name",)
    _tablet_frozen_fields = {"signed": tuple(SIGNED_FIELDS), "expired": ALL_FIELDS}
    _tablet_free_fields = ("note", "user_id")

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, index="trigram",
        default=lambda self: _("New"),
    )
    state = fields.Selection(
        [("draft", "Draft"), ("signed", "Signed"), ("expired", "Expired")],
        string="Status", default="draft", required=True, readonly=True, copy=False,
        index=True, tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", string="Département", required=True, index=True, tracking=True,
        default=lambda self: self.env.company,
    )
    college_id = fields.Many2one(
        "res.partner", string="Collège", required=True, index=True, tracking=True,
        check_company=True, ondelete="restrict",
        domain="[('is_college', '=', True)]",
    )
    academy_id = fields.Many2one(
        "res.partner", string="Académie", index=True, tracking=True, ondelete="restrict",
        compute="_compute_academy_id", store=True, readonly=False, precompute=True,
        domain="[('is_academy', '=', True)]",
        help="Leave empty for a convention between the Département and the collège only (Isère model).",
    )
    user_id = fields.Many2one(
        "res.users", string="Département Follow-up", tracking=True,
        default=lambda self: self.env.user,
        help="Receives the renewal activity before the convention expires.",
    )
    ca_deliberation_date = fields.Date(
        string="CA Deliberation Date", tracking=True,
        help="Date on which the conseil d'administration authorised the head to sign (R5).",
    )
    ca_deliberation_ref = fields.Char(string="CA Deliberation Reference")
    date_signed_department = fields.Date(string="Signed by the Département on", tracking=True)
    date_signed_academy = fields.Date(string="Signed by the Académie on", tracking=True)
    date_signed_college = fields.Date(string="Signed by the Collège on", tracking=True)
    signature_date = fields.Date(
        compute="_compute_signature_date", store=True, precompute=True,
        help="Date of the last signature required: the convention takes effect then.",
    )
    validity_type = fields.Selection(
        [("three_years", "3 years from signature"), ("school_year", "One school year")],
        string="Validity", required=True, default="three_years", tracking=True,
    )
    school_year = fields.Char(string="School Year", help="Written as 2026-2027.", tracking=True)
    date_start = fields.Date(
        string="Start Date", compute="_compute_dates", store=True, readonly=False,
        precompute=True, tracking=True, index=True,
    )
    date_end = fields.Date(
        string="End Date", compute="_compute_dates", store=True, readonly=False,
        precompute=True, tracking=True, index=True,
    )
    referent_ids = fields.Many2many(
        "res.partner", "tablet_convention_referent_rel", "convention_id", "partner_id",
        string="Digital Referents",
        domain="[('college_id', '=', college_id), ('school_role', 'in', ('teacher', 'staff', 'head'))]",
        help="Référents numériques named by the collège (R2); the Département is told of every change.",
    )
    charter_adopted_date = fields.Date(
        string="Usage Charter Adopted on", tracking=True,
        help="The collège adopts a charter for digital tools before deployment (R6).",
    )
    home_use_allowed = fields.Boolean(
        string="Home Use Allowed", tracking=True,
        help="The collège lets tablets go home once the legal representatives have signed (R12).",
    )
    wifi_ready_date = fields.Date(string="Wi-Fi in Service since", tracking=True,
                                  help="Teachers receive their tablets once Wi-Fi works (R9).")
    broadband_ready_date = fields.Date(string="Very-High-Speed Internet since", tracking=True,
                                       help="Pupils receive their tablets once the collège has it (R9).")
    teacher_deployment_date = fields.Date(string="Teachers' Deployment Date", tracking=True,
                                          help="Pupils' loans cannot start before this date (R9).")
    amendment_ids = fields.One2many("tablet.convention.amendment", "convention_id", string="Amendments")
    amendment_count = fields.Integer(compute="_compute_amendment_count")
    note = fields.Html(string="Notes")

    _sql_constraints = [
        (
            "single_signed_per_college",
            "EXCLUDE (college_id WITH =) WHERE (state = 'signed')",
            "A collège can have only one signed convention at a time: let the current one expire first.",
        ),
        (
            "dates_in_order",
            "CHECK (date_end IS NULL OR date_start IS NULL OR date_end >= date_start)",
            "The end date of a convention cannot be before its start date.",
        ),
    ]

    def _creation_message(self):
        """The chatter's first line: mail's "<description> created" reads wrong in French
        (the participle does not agree with the document's gender); a sentence of its own."""
        self.ensure_one()
        return _("Convention drawn up.")

    @api.depends("college_id")
    def _compute_academy_id(self):
        for convention in self:
            convention.academy_id = convention.college_id.academy_id

    @api.depends("date_signed_department", "date_signed_academy", "date_signed_college", "academy_id")
    def _compute_signature_date(self):
        for convention in self:
            dates = [convention.date_signed_department, convention.date_signed_college]
            if convention.academy_id:
                dates.append(convention.date_signed_academy)
            convention.signature_date = max(dates) if all(dates) else False

    @api.depends("signature_date", "validity_type", "school_year")
    def _compute_dates(self):
        for convention in self:
            convention.date_start, convention.date_end = convention._validity_dates()

    def _validity_dates(self):
        """(start, end) that the signatures give: 3 years from the last one (I 6), or the
        school year (B 9)."""
        self.ensure_one()
        bounds = school_year_bounds(self.school_year)
        start = self.signature_date
        if self.validity_type == "school_year" and bounds:
            return start or bounds[0], bounds[1]
        return start, start and start + relativedelta(years=3, days=-1)

    def _compute_amendment_count(self):
        counts = count_by(self.env["tablet.convention.amendment"], "convention_id", self)
        for convention in self:
            convention.amendment_count = counts.get(convention, 0)

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for convention in self:
            if convention.date_start and convention.date_end and convention.date_end < convention.date_start:
                raise ValidationError(_(
                    "The end date (%(end)s) of convention %(name)s is before its start date (%(start)s).",
                    end=convention.date_end, start=convention.date_start, name=convention.name,
                ))

    @api.constrains("validity_type", "school_year")
    def _check_school_year(self):
        check_school_year(self)
        for convention in self:
            if convention.validity_type == "school_year" and not convention.school_year:
                raise ValidationError(_(
                    "Convention %s is valid for one school year: set the School Year, e.g. 2026-2027.",
                    convention.name,
                ))

    @api.constrains(*PAST_DATE_FIELDS)
    def _check_dates_not_in_future(self):
        """R5: signatures and the CA's deliberation are recorded once made; a signature dated
        2999 would keep the convention valid until 3002."""
        today = fields.Date.context_today(self)
        for convention in self:
            for fname in PAST_DATE_FIELDS:
                if convention[fname] and convention[fname] > today:
                    raise ValidationError(_(
                        "%(field)s of convention %(name)s is %(date)s, a date still to come: record it once "
                        "it has happened (today at the latest).",
                        field=self._field_label(fname), name=convention.name, date=convention[fname],
                    ))

    @api.constrains("academy_id", "college_id")
    def _check_academy(self):
        """The Académie party is the collège's own (or none, on the Isère model): the
        convention is not shown to another académie."""
        for convention in self:
            if convention.academy_id and convention.academy_id != convention.college_id.academy_id:
                raise ValidationError(_(
                    "The Académie of convention %(name)s must be the one of %(college)s (%(academy)s), or none "
                    "for a convention between the Département and the collège only.",
                    name=convention.name, college=convention.college_id.display_name,
                    academy=convention.college_id.academy_id.display_name or _("none"),
                ))

    @api.constrains("college_id", "referent_ids")
    def _check_referents(self):
        for convention in self:
            strangers = convention.referent_ids.filtered(lambda p: p.college_id != convention.college_id)
            if strangers:
                raise ValidationError(_(
                    "The digital referents must work at %(college)s: %(names)s do not.",
                    college=convention.college_id.display_name,
                    names=", ".join(strangers.mapped("display_name")),
                ))

    @api.model_create_multi
    def create(self, vals_list):
        """The reference is the sequence's: a client cannot give a convention another one's."""
        trusted = in_action(self.env)
        for vals in vals_list:
            self._check_party_fields(vals)
            if not trusted:
                self._tablet_check_vals(vals, creating=True)  # the reference is an action field
            if not trusted or vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("tablet.convention") or _("New")
        # The pass only lets the sequence's reference through, once the values are checked
        # above; the records go back to the caller without it.
        return super(TabletConvention, as_action(self)).create(vals_list).with_env(self.env)

    def write(self, vals):
        self._check_party_fields(vals)
        locked = SIGNED_FIELDS & vals.keys()
        if locked:
            signed = self.filtered(lambda c: c.state != "draft")
            if signed:
                raise UserError(_(
                    "Convention %(names)s is no longer a draft: its parties, signatures and dates cannot "
                    "change (%(fields)s). Record an amendment (avenant) instead.",
                    names=", ".join(signed.mapped("name")),
                    fields=", ".join(self._field_label(f) for f in sorted(locked)),
                ))
        old_referents = {c: c.referent_ids for c in self} if "referent_ids" in vals else {}
        res = super().write(vals)
        if VALIDITY_FIELDS & vals.keys() and self._is_academy_only():
            moved = self.filtered(lambda c: (c.date_start, c.date_end) != c._validity_dates())
            if moved:
                self._refuse_academy_write(VALIDITY_FIELDS & vals.keys())
        for convention, before in old_referents.items():
            if convention.referent_ids != before:
                convention._notify_referent_change()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(c.state != "draft" for c in self):
            raise UserError(_("A signed or expired convention cannot be deleted: it is part of the programme's record."))

    def _check_party_fields(self, vals):
        """R5: each party records its own signature (the Département's programme manager, an
        officer of the Académie, the head of the collège), and an Académie officer writes
        nothing else: a refused write names the fields and who records them."""
        if in_action(self.env):
            return
        user = self.env.user
        changed = {fname for fname in vals if not self or any(
            convention._tablet_value_changes(fname, vals[fname]) for convention in self)}
        if not self:  # creation: empty values are no signature
            changed = {fname for fname in changed if vals[fname]}
        for fname, (group, role) in PARTY_SIGNATURES.items():
            if fname in changed and not user.has_group(group):
                raise AccessError(_(
                    "%(field)s is recorded by %(role)s only: each party records its own signature (R5).",
                    field=self._field_label(fname), role=user_env(self)._(role),
                ))
        if self._is_academy_only():
            others = {fname for fname in changed - ACADEMY_WRITABLE_FIELDS - VALIDITY_FIELDS if fname in self._fields}
            if others:
                self._refuse_academy_write(others)

    def _is_academy_only(self):
        user = self.env.user
        return (not in_action(self.env) and user.has_group(ACADEMY_GROUP)
                and not (user.has_group(HEAD_GROUP) or user.has_group(MANAGER_GROUP)))

    def _refuse_academy_write(self, fnames):
        raise AccessError(_(
            "The Académie reads and co-signs the convention: %(fields)s are written by the collège "
            "and the Département.", fields=", ".join(sorted(self._field_label(f) for f in fnames)),
        ))

    def _field_label(self, fname):
        """Field label in the user's language, for messages naming what is wrong."""
        env = self.with_context(lang=self.env.lang or self.env.user.lang).env
        return self._fields[fname].get_description(env)["string"]

    def _notify_referent_change(self):
        """R2: the collège keeps the Département informed of its référents."""
        names = ", ".join(self.referent_ids.mapped("name")) or _("none")
        self.message_post(
            body=_("Digital referents of %(college)s are now: %(names)s.",
                   college=self.college_id.name, names=names),
            partner_ids=self.user_id.partner_id.ids,
            subtype_xmlid="mail.mt_comment",
        )

    @tablet_action(MANAGER_GROUP, ACADEMY_GROUP, HEAD_GROUP,
                   role=_lt("the parties: the Département's programme manager, an Académie officer or the "
                            "head of the collège"))
    def action_sign(self):
        """Once every party has recorded its signature, any of them marks the convention signed."""
        for convention in self:
            convention._check_can_sign()
        self._write_state({"state": "signed"})
        for convention in self:
            convention.message_post(body=_(
                "Convention signed by every party; valid from %(start)s to %(end)s.",
                start=convention.date_start, end=convention.date_end,
            ))
        return True

    def _check_can_sign(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(_("Only a draft convention can be signed (%s is not a draft).", self.name))
        missing = []
        if not self.ca_deliberation_date:
            missing.append(self._field_label("ca_deliberation_date"))
        for fname in ("date_signed_department", "date_signed_college"):
            if not self[fname]:
                missing.append(self._field_label(fname))
        if self.academy_id and not self.date_signed_academy:
            missing.append(self._field_label("date_signed_academy"))
        if not (self.date_start and self.date_end):
            missing.append(self._field_label("date_end"))
        if missing:
            raise UserError(_(
                "Convention %(name)s cannot be signed yet. Missing: %(fields)s.",
                name=self.name, fields=", ".join(missing),
            ))
        if self.date_signed_college < self.ca_deliberation_date:
            raise UserError(_(
                "The collège signed convention %(name)s on %(signed)s, before the conseil d'administration "
                "authorised it on %(ca)s (R5).",
                name=self.name, signed=self.date_signed_college, ca=self.ca_deliberation_date,
            ))
        other = self.search([("college_id", "=", self.college_id.id), ("state", "=", "signed")], limit=1)
        if other:
            raise UserError(_(
                "%(college)s already has a signed convention (%(other)s): a collège has one signed "
                "convention at a time.", college=self.college_id.display_name, other=other.name,
            ))

    @tablet_action(MANAGER_GROUP, role=_lt("the Département's programme manager"))
    def action_expire(self):
        """R5: a convention runs its 3 years (I 6) or its school year (B 9) and then expires by
        the daily job; only the Département ends it earlier (every new loan of the collège
        is refused from then on)."""
        return self._expire()

    def _expire(self):
        if any(c.state != "signed" for c in self):
            raise UserError(_("Only a signed convention can expire."))
        self._write_state({"state": "expired"})
        return True

    @tablet_action(OFFICER_GROUP, ACADEMY_GROUP, REFERENT_GROUP, ACCOUNTANT_GROUP,
                   role=_lt("the readers of the convention"))
    def action_open_amendments(self):
        self.ensure_one()
        return window_action(
            self.env, "tablet_loan.tablet_convention_amendment_action",
            [("convention_id", "=", self.id)], {"default_convention_id": self.id},
        )

    @api.model
    def _cron_expire_conventions(self):
        """Daily: expire conventions past their end; remind the Département of renewals."""
        today = fields.Date.context_today(self)
        self.search([("state", "=", "signed"), ("date_end", "<", today)])._expire()
        activity_type = self.env.ref("tablet_loan.mail_activity_convention_renewal")
        soon = self.search([
            ("state", "=", "signed"),
            ("date_end", "<=", today + relativedelta(days=RENEWAL_NOTICE_DAYS)),
        ]).filtered(lambda c: activity_type not in c.activity_ids.activity_type_id)
        for convention in soon:
            convention.activity_schedule(
                activity_type_id=activity_type.id,
                date_deadline=convention.date_end,
                user_id=(convention.user_id or self.env.user).id,
                summary=_("Renew the convention of %s", convention.college_id.name),
            )
