from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.translate import LazyTranslate

from .school_year import check_school_year, school_year_bounds
from .tablet_convention_model import VALIDITY_TYPES
from .tablet_workflow_mixin import ALL_FIELDS, as_action, in_action, tablet_action
from .utils import count_by, in_lang_of, user_env, window_action

_lt = LazyTranslate(__name__)

MANAGER_GROUP = "tablet_loan.group_department_manager"
OFFICER_GROUP = "tablet_loan.group_department_officer"
ACADEMY_GROUP = "tablet_loan.group_academy_officer"
HEAD_GROUP = "tablet_loan.group_college_head"
REFERENT_GROUP = "tablet_loan.group_college_referent"
ACCOUNTANT_GROUP = "tablet_loan.group_college_accountant"
SUPPLIER_GROUP = "tablet_loan.group_supplier_agent"
# R2 (I 2.2, B 3.3): a référent is collège staff; these roles are not (the officer's group
# is implied by the programme manager's).
NOT_REFERENT_GROUPS = (OFFICER_GROUP, ACADEMY_GROUP, SUPPLIER_GROUP)
# Once every party has signed, these describe what was signed: change them by avenant.
SIGNED_FIELDS = {
    "company_id", "academy_id", "college_id", "ca_deliberation_date", "ca_deliberation_ref",
    "date_signed_department", "date_signed_academy", "date_signed_college",
    "model_id", "validity_type", "school_year", "date_start", "date_end",
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
    model_id = fields.Many2one(
        "tablet.convention.model", string="Convention Model", required=True, index=True, tracking=True,
        ondelete="restrict", check_company=True, default=lambda self: self._default_model(),
        help="The kind of convention signed: it sets, for the collège, whether the Académie is a party, "
             "whether the contract is signed before the hand-over, the gift at the end of 3e, the validity, "
             "home use and the funding statement of its documents.",
    )
    academy_id = fields.Many2one(
        "res.partner", string="Académie", index=True, tracking=True, ondelete="restrict",
        compute="_compute_academy_id", store=True, readonly=False, precompute=True,
        domain="[('is_academy', '=', True)]",
        help="The collège's Académie, where the convention model makes it a party.",
    )
    user_id = fields.Many2one(
        "res.users", string="Département Follow-up", tracking=True,
        default=lambda self: self.env.user,
        help="Receives the renewal activity before the convention expires.",
    )
    ca_deliberation_date = fields.Date(
        string="CA Deliberation Date", tracking=True,
        help="Date on which the conseil d'administration authorised the head to sign.",
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
        VALIDITY_TYPES, string="Validity", compute="_compute_from_model", store=True, precompute=True,
        readonly=True, help="Set by the convention model.",
    )
    school_year = fields.Char(help="Written as 2026-2027.", tracking=True)
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
        domain="[('college_id', '=', college_id), ('school_role', 'in', ('teacher', 'staff', 'head')), "
               "('user_ids.share', '=', False)]",
        help="Référents numériques named by the collège among its users: once the convention is signed, "
             "they get the digital referent role for the collège. The Département is told of every change.",
    )
    charter_adopted_date = fields.Date(
        string="Usage Charter Adopted on", tracking=True,
        help="The collège adopts a charter for digital tools before deployment.",
    )
    home_use_allowed = fields.Boolean(
        tracking=True,
        help="Tablets go home once the legal representatives have signed: as the collège decides, "
             "where the convention model leaves it to the collège.",
    )
    model_home_use = fields.Selection(related="model_id.home_use")
    funding_statement = fields.Text(related="model_id.funding_statement")
    wifi_ready_date = fields.Date(string="Wi-Fi in Service since", tracking=True,
                                  help="Teachers receive their tablets once Wi-Fi works.")
    broadband_ready_date = fields.Date(string="Very-High-Speed Internet since", tracking=True,
                                       help="Pupils receive their tablets once the collège has it.")
    teacher_deployment_date = fields.Date(string="Teachers' Deployment Date", tracking=True,
                                          help="Pupils' loans cannot start before this date.")
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

    def _default_model(self):
        """The Département's own model when it has one, else the module's general one."""
        return self.env["tablet.convention.model"].search(
            [("company_id", "=", self.env.company.id)], limit=1) or self.env.ref(
            "tablet_loan.tablet_convention_model_department", raise_if_not_found=False)

    @api.depends("college_id", "model_id.academy_party")
    def _compute_academy_id(self):
        for convention in self:
            convention.academy_id = convention.model_id.academy_party and convention.college_id.academy_id

    @api.depends("model_id.validity_type")
    def _compute_from_model(self):
        """R5: the model sets the validity (3 years from signature, I 6, or a school year, B 9)."""
        for convention in self:
            convention.validity_type = convention.model_id.validity_type or "three_years"

    @api.model
    def _current_for(self, colleges):
        """{collège id: its convention now}: the signed one, else the newest draft (one query)."""
        if not colleges:
            return {}
        current = {}
        for convention in self.sudo().search([("college_id", "in", colleges.ids), ("state", "!=", "expired")],
                                             order="id"):
            if convention.state == "signed" or current.get(convention.college_id.id, self).state != "signed":
                current[convention.college_id.id] = convention
        # sudo: the switches of a collège's convention apply to whoever acts there; the records go
        # back to the caller's environment.
        return {college_id: convention.with_env(self.env) for college_id, convention in current.items()}

    @api.onchange("model_id")
    def _onchange_model_id(self):
        """R12: home use as the model sets it, unless it leaves it to the collège."""
        for convention in self:
            decided = convention.model_id._home_use_decided() if convention.model_id else None
            if decided is not None:
                convention.home_use_allowed = decided

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

    @api.constrains("validity_type", "home_use_allowed", "model_id")
    def _check_model_switches(self):
        """A client may write a stored compute: what the model sets, it keeps."""
        for convention in self:
            model = convention.model_id
            if convention.validity_type != model.validity_type:
                raise ValidationError(_(
                    "The validity of convention %(name)s is set by its model %(model)s (%(validity)s).",
                    name=convention.name, model=model.display_name,
                    validity=dict(VALIDITY_TYPES)[model.validity_type]))
            if model._home_use_decided() not in (None, convention.home_use_allowed):
                raise ValidationError(_(
                    "Home use at %(college)s is set by the convention model %(model)s: %(home_use)s.",
                    college=convention.college_id.display_name, model=model.display_name,
                    home_use=dict(model._fields["home_use"]._description_selection(self.env))[model.home_use]))

    @api.constrains("academy_id", "college_id", "model_id", "date_signed_academy")
    def _check_academy(self):
        """The Académie party is the collège's own where the model makes it a party, and none
        otherwise (Isère model): the convention is not shown to another académie."""
        for convention in self:
            if (convention.academy_id or convention.date_signed_academy) and not convention.model_id.academy_party:
                raise ValidationError(_(
                    "Under the convention model %(model)s the Académie is not a party: convention %(name)s "
                    "binds the Département and the collège only.",
                    model=convention.model_id.display_name, name=convention.name))
            if convention.model_id.academy_party and convention.college_id.academy_id and not convention.academy_id:
                raise ValidationError(_(
                    "Under the convention model %(model)s the Académie is a party: convention %(name)s names "
                    "%(academy)s.", model=convention.model_id.display_name, name=convention.name,
                    academy=convention.college_id.academy_id.display_name))
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
        self._check_referent_users()

    @api.model_create_multi
    def create(self, vals_list):
        """The reference is the sequence's: a client cannot give a convention another one's."""
        trusted = in_action(self.env)
        Model = self.env["tablet.convention.model"]
        for vals in vals_list:
            model = Model.browse(vals["model_id"]) if vals.get("model_id") else self._default_model()
            if model and "home_use_allowed" not in vals and model._home_use_decided() is not None:
                vals["home_use_allowed"] = model._home_use_decided()
            self._check_party_fields(vals)
            if not trusted:
                self._tablet_check_vals(vals, creating=True)  # the reference is an action field
            if not trusted or vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("tablet.convention") or _("New")
        # The pass only lets the sequence's reference through, once the values are checked
        # above; the records go back to the caller without it.
        return super(TabletConvention, as_action(self)).create(vals_list).with_env(self.env)

    def write(self, vals):
        if vals.get("model_id") and "home_use_allowed" not in vals:
            # R12: a model that decides home use decides it for the draft moved under it.
            decided = self.env["tablet.convention.model"].browse(vals["model_id"])._home_use_decided()
            if decided is not None:
                vals = dict(vals, home_use_allowed=decided)
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
        referent_access = self._referent_access_before(vals)
        res = super().write(vals)
        if VALIDITY_FIELDS & vals.keys() and self._is_academy_only():
            moved = self.filtered(lambda c: (c.date_start, c.date_end) != c._validity_dates())
            if moved:
                self._refuse_academy_write(VALIDITY_FIELDS & vals.keys())
        for convention, before in old_referents.items():
            if convention.referent_ids != before:
                convention._notify_referent_change()
        self._referent_access_after(referent_access)
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
                    "%(field)s is recorded by %(role)s only: each party records its own signature.",
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
                "authorised it on %(ca)s.",
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

    @api.readonly
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
        ])
        # One search for the reminders already there and one create for the new ones, whatever
        # the number of conventions (what activity_schedule does for each, done for all).
        reminded = self.env["mail.activity"].search([
            ("res_model", "=", self._name), ("res_id", "in", soon.ids), ("activity_type_id", "=", activity_type.id)])
        soon -= self.browse(reminded.mapped("res_id"))
        if soon:
            model_id = self.env["ir.model"]._get_id(self._name)
            vals_list = []
            for convention in soon:
                user = convention.user_id or self.env.user
                vals_list.append({
                    "res_model_id": model_id, "res_id": convention.id, "activity_type_id": activity_type.id,
                    "summary": in_lang_of(self, user).env._(
                        "Renew the convention of %s", convention.college_id.name),
                    "note": activity_type.default_note, "automated": True,
                    "date_deadline": convention.date_end, "user_id": user.id,
                })
            self.env["mail.activity"].create(vals_list)

    # ------------------------------------------------------- référents' access (R2)
    def _check_referent_users(self):
        """R2 (I 2.2, B 3.3): the référent role follows the convention (`_sync_referent_access`),
        so only collège staff who log in may be named: an active internal account, and no
        Département, Académie or supplier role. Read as superuser: the check must see every
        account of the person, whatever the writer may read; it writes nothing."""
        outsiders = self.env["res.groups"].browse([self.env.ref(xmlid).id for xmlid in NOT_REFERENT_GROUPS])
        for convention in self.sudo():
            for partner in convention.referent_ids:
                users = partner.with_context(active_test=False).user_ids.filtered(lambda u: u.active and not u.share)
                if not users:
                    raise ValidationError(_(
                        "%(name)s cannot be a digital referent of %(college)s: a digital referent is a user of the "
                        "collège. Expected a member of the collège's staff with an active internal user account.",
                        name=partner.display_name, college=convention.college_id.display_name,
                    ))
                roles = users.groups_id & outsiders
                if roles:
                    raise ValidationError(_(
                        "%(name)s cannot be a digital referent of %(college)s: their account holds the role "
                        "%(roles)s. A digital referent is a member of the collège's staff, not of the Département, "
                        "an Académie or a supplier.",
                        name=partner.display_name, college=convention.college_id.display_name,
                        roles=", ".join(roles.mapped("full_name")),
                    ))

    def _referent_access_before(self, vals):
        """{convention: référents its signature makes référents} before a write that changes the
        status or the référents (None otherwise): a draft or expired convention names nobody."""
        if not {"state", "referent_ids"} & vals.keys():
            return None
        return {convention: convention._signed_referents() for convention in self}

    def _referent_access_after(self, before):
        """After the write: the référents a signed convention gained get the role, those it lost
        (removed, or the convention expired) lose it; a draft's référents change nothing."""
        if not before:
            return
        grant, revoke = [], []
        for convention, old in before.items():
            new = convention._signed_referents()
            if new - old:
                grant.append((convention.college_id, new - old))
            if old - new:
                revoke.append((convention.college_id, old - new))
        if grant or revoke:
            self._sync_referent_access(grant, revoke)

    def _signed_referents(self):
        self.ensure_one()
        return self.referent_ids if self.state == "signed" else self.referent_ids.browse()

    def _sync_referent_access(self, grant, revoke):  # noqa: C901 - grant then revoke, each per collège and group
        """R2 (issue 18): the référent group and the collège in `tablet_college_ids` follow the
        signed convention. `grant` and `revoke` are lists of (collège, partners).

        A user loses the collège unless a signed convention of that collège still names them or
        they are its head or accountant (the same field gives them their scope); they lose the
        group unless a signed convention still names them or they are a head (who implies it).

        sudo: writing res.users needs the user administration right, which the head of the
        collège does not hold. It is safe: this one write adds or removes only the référent
        group and the convention's own collège, and only on the accounts of people that
        `_check_referent_users` accepted as staff of that collège when they were named."""
        Users = self.env["res.users"].sudo().with_context(active_test=False)
        group = self.env.ref(REFERENT_GROUP)
        keepers = self.env.ref(HEAD_GROUP) | self.env.ref(ACCOUNTANT_GROUP)
        head = self.env.ref(HEAD_GROUP)
        partners = self.env["res.partner"].concat(*(p for _college, p in grant + revoke))
        users_of = defaultdict(Users.browse)
        for user in Users.search([("partner_id", "in", partners.ids), ("share", "=", False)]):
            users_of[user.partner_id.id] |= user
        # What signed conventions still name, after the write (one query).
        named = defaultdict(set)
        revoked = self.env["res.partner"].concat(*(p for _college, p in revoke))
        if revoked:
            for convention in self.sudo().search([("state", "=", "signed"), ("referent_ids", "in", revoked.ids)]):
                for partner in convention.referent_ids & revoked:
                    named[partner.id].add(convention.college_id.id)
        # user -> (collèges to link, collèges to unlink, add the group, remove the group)
        changes = defaultdict(lambda: [set(), set(), False, False])
        for college, people in grant:
            for partner in people:
                for user in users_of[partner.id].filtered("active"):
                    changes[user][0].add(college.id)
                    changes[user][2] = True
        for college, people in revoke:
            for partner in people:
                for user in users_of[partner.id]:
                    if college.id not in named[partner.id] and college.id not in changes[user][0] \
                            and not user.groups_id & keepers:
                        changes[user][1].add(college.id)
                    if not named[partner.id] and not changes[user][2] and head not in user.groups_id:
                        changes[user][3] = True
        by_change = defaultdict(Users.browse)
        for user, (link, unlink, add, remove) in changes.items():
            by_change[(frozenset(link), frozenset(unlink), add, remove)] |= user
        for (link, unlink, add, remove), users in by_change.items():
            vals = {}
            if link or unlink:
                vals["tablet_college_ids"] = [Command.link(c) for c in link] + [Command.unlink(c) for c in unlink]
            if add or remove:
                vals["groups_id"] = [Command.link(group.id) if add else Command.unlink(group.id)]
            if vals:
                users.write(vals)
