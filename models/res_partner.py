import json
import re
import unicodedata

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import column_exists
from odoo.tools.translate import LazyTranslate

from .payment_settings import PAYMENT_DAYS_DEFAULT, check_payment_settings, normalize_payment_vals
from .relation_guard import check_link_targets, check_link_targets_many
from .tablet_workflow_mixin import in_action, tablet_action
from .utils import (
    EMAIL_ADDRESS_SQL,
    NameReplacer,
    check_access_sql,
    check_input,
    count_by,
    email_addresses,
    id_array,
    window_action,
)

_lt = LazyTranslate(__name__)

# Check letters of the French UAI (Unité Administrative Immatriculée): the
# alphabet without I, O and Q, indexed by the seven digits modulo 23.
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
# ASCII digits only: `\d` would take full-width or Arabic-Indic digits, and the same UAI
# written with them would escape the uniqueness constraint.
UAI_PATTERN = re.compile(r"^([0-9]{7})([A-Z])$")
# What places a partner in the programme's scopes (R1): a collège or académie, its UAI, its
# académie, its sales journal; and, for a collège or an académie, its Département (company).
# Record rules follow them; only the Département's staff write them.
COLLEGE_SCOPE_FIELDS = ("is_college", "is_academy", "uai_code", "academy_id", "tablet_journal_id")
DEPARTMENT_GROUP = "tablet_loan.group_department_officer"
COLLEGE_READER_GROUPS = ("tablet_loan.group_department_officer", "tablet_loan.group_academy_officer",
                         "tablet_loan.group_college_referent", "tablet_loan.group_college_accountant")
# Who reads loans (README's access matrix): the Département's staff, the collège's référents and head.
LOAN_READER_GROUPS = ("tablet_loan.group_department_officer", "tablet_loan.group_college_referent")
MANAGER_GROUP = "tablet_loan.group_department_manager"
REFERENT_GROUP = "tablet_loan.group_college_referent"
# Issue 14, the notice to the family: how the collège is paid, and when its unpaid charges are
# reminded. Written by the Département's staff and by the collège's head and accountant (the
# accountant writes nothing else of a partner).
NOTICE_FIELDS = ("tablet_accounting_office", "tablet_accounting_office_address", "tablet_cheque_payee",
                 "tablet_iban", "tablet_bic", "tablet_payment_days")
REMINDER_SCHEDULE_FIELDS = ("tablet_reminder_first_days", "tablet_reminder_second_days", "tablet_reminder_notice_days")
PAYMENT_FIELDS = NOTICE_FIELDS + REMINDER_SCHEDULE_FIELDS
PAYMENT_WRITERS = (DEPARTMENT_GROUP, "tablet_loan.group_college_head", "tablet_loan.group_college_accountant")
ACCOUNTANT_GROUP = "tablet_loan.group_college_accountant"

SCHOOL_ROLES = [
    ("pupil", "Pupil"),
    ("teacher", "Teacher"),
    ("head", "Head of collège"),
    ("staff", "Staff"),
    ("legal_representative", "Legal representative"),
]
GRADE_LEVELS = [("6e", "6e"), ("5e", "5e"), ("4e", "4e"), ("3e", "3e")]
# People who belong to one collège; legal representatives belong to their children's.
COLLEGE_MEMBER_ROLES = ("pupil", "teacher", "head", "staff")
# Links between people: only to people the user may already read; a pupil's legal
# representatives (and a representative's children) also to people the user may already write,
# since the record rules give the pupil's collège rights on their representatives.
PEOPLE_READ_LINKS = ("parent_id", "college_id")
PEOPLE_WRITE_LINKS = ("legal_representative_ids", "pupil_ids")


ENDED_LOAN_STATES = ("closed", "donated")
# R29, the columns outside the partner where a former name is rewritten, with their SQL type.
COLUMN_TYPES = {("mail_message", "body"): "text", ("mail_message", "record_name"): "varchar",
                ("mail_message", "subject"): "varchar", ("account_move_line", "name"): "varchar",
                ("account_move", "narration"): "text", ("account_move", "invoice_partner_display_name"): "varchar",
                ("account_move", "invoice_origin"): "varchar", ("account_move", "ref"): "varchar",
                ("account_move_line", "ref"): "varchar"}
OPEN_CHARGE_STATES = ("draft", "confirmed", "invoiced")
ANONYMIZE_BATCH_SIZE = 10_000
ANONYMIZE_BATCH_PARAM = "tablet_loan.anonymize_batch_size"
REMINDER_DAYS_MAX = 180
# Identity and contact fields erased by anonymisation; role, collège, grade and class stay for the figures.
# Issue 16: the identifiers of SIECLE and STS-web, the key of every re-import (never the names). Written by
# the import only: a hand-typed identifier would make the next import update or end the wrong person.
SIECLE_FIELDS = ("siecle_eleve_id", "siecle_personne_id", "sts_individu_id", "siecle_college_id")
PERSONAL_FIELDS = ("email", "phone", "mobile", "street", "street2", "zip", "city", "comment", "vat", "ref",
                   "website", "function", "title", "image_1920", "siecle_eleve_id", "siecle_personne_id",
                   "sts_individu_id")


def uai_check_letter(digits):
    """Expected check letter for the seven digits of a UAI code."""
    return UAI_LETTERS[int(digits) % 23]


class ResPartner(models.Model):
    _inherit = "res.partner"

    is_college = fields.Boolean(
        string="Is a Collège",
        index=True,
        help="A collège of the programme. It belongs to the Département set as its company.",
    )
    is_academy = fields.Boolean(
        string="Is an Académie",
        index=True,
        help="An académie (rectorat) that validates user lists and receives annual reports.",
    )
    uai_code = fields.Char(
        string="UAI Code",
        index=True,
        copy=False,
        tracking=True,
        help="Identifier of the establishment: 7 digits then the check letter, e.g. 0380027Y.",
    )
    academy_id = fields.Many2one(
        "res.partner",
        string="Académie",
        index=True,
        domain=[("is_academy", "=", True)],
        ondelete="restrict",
        tracking=True,
    )
    school_role = fields.Selection(
        SCHOOL_ROLES, string="Role at School", index=True, tracking=True,
    )
    college_id = fields.Many2one(
        "res.partner",
        string="Collège",
        index=True,
        domain=[("is_college", "=", True)],
        ondelete="restrict",
        tracking=True,
    )
    grade_level = fields.Selection(GRADE_LEVELS, tracking=True)
    school_class = fields.Char(string="Class", help="Class of a pupil, e.g. 5e B.", tracking=True)
    legal_representative_ids = fields.Many2many(
        "res.partner",
        "tablet_pupil_representative_rel",
        "pupil_id",
        "representative_id",
        string="Legal Representatives",
        domain=[("school_role", "=", "legal_representative")],
    )
    pupil_ids = fields.Many2many(
        "res.partner",
        "tablet_pupil_representative_rel",
        "representative_id",
        "pupil_id",
        string="Children",
        domain=[("school_role", "=", "pupil")],
    )
    leaving_date = fields.Date(
        string="Leaves the Collège on", tracking=True, copy=False,
        help="The loan of a person leaving ends that day; the tablet is due back by then.",
    )
    arrival_date = fields.Date(
        string="Arrived at the Collège on", tracking=True, copy=False,
        help="The day the person joined the collège; the day they were recorded unless typed (arrivals get "
             "a tablet).",
    )
    # Whether the person holds a tablet now (an open loan): who holds a tablet is read only by the
    # roles that read loans (README, Record rules).
    tablet_holder = fields.Boolean(
        string="Holds a Tablet", compute="_compute_tablet_holder", search="_search_tablet_holder",
        groups="tablet_loan.group_department_officer,tablet_loan.group_college_referent")
    tablet_journal_id = fields.Many2one(
        "account.journal", string="Sales Journal for Tablet Charges", ondelete="restrict", tracking=True,
        domain="[('type', '=', 'sale'), ('company_id', '=', company_id)]",
        help="Sales journal of the collège's Département in which the damage charges of this collège are invoiced.",
    )
    tablet_anonymized = fields.Boolean(string="Anonymised", readonly=True, copy=False, index=True)
    # Issue 16: SIECLE and STS-web identifiers, unique within the collège whose files they come from.
    siecle_eleve_id = fields.Char(
        string="SIECLE Pupil ID", readonly=True, copy=False, index="btree_not_null",
        help="ELEVE_ID of the pupil in the collège's SIECLE exports: the key of the next imports.")
    siecle_personne_id = fields.Char(
        string="SIECLE Person ID", readonly=True, copy=False, index="btree_not_null",
        help="PERSONNE_ID of the legal representative in the collège's SIECLE exports.")
    sts_individu_id = fields.Char(
        string="STS-web ID", readonly=True, copy=False, index="btree_not_null",
        help="INDIVIDU ID of the teacher or staff member in the collège's STS-web export.")
    siecle_college_id = fields.Many2one(
        "res.partner", string="Imported from the Files of", readonly=True, copy=False, index="btree_not_null",
        ondelete="restrict", help="The collège whose SIECLE or STS-web files this person was imported from.")
    # Loans name pupils: readable by those who may read loans, absent for every other user of Contacts.
    tablet_loan_ids = fields.One2many(
        "tablet.loan", "borrower_id", string="Tablet Loans",
        groups="tablet_loan.group_department_officer,tablet_loan.group_college_referent")
    tablet_loan_count = fields.Integer(compute="_compute_tablet_loan_count")
    college_member_count = fields.Integer(compute="_compute_college_member_count")
    tablet_convention_count = fields.Integer(compute="_compute_tablet_convention_count")
    tablet_convention_ids = fields.One2many("tablet.convention", "college_id", string="Conventions")
    tablet_academy_party = fields.Boolean(
        string="Académie Is a Party", compute="_compute_tablet_academy_party", store=True,
        help="The collège's convention makes the Académie a party: its officers see the collège's records "
             "and validate its list of users. Not under the Isère model.",
    )
    # Issue 14: the notice to the family
    tablet_accounting_office = fields.Char(
        string="Accounting Office", tracking=True,
        help="The agence comptable that collects the collège's revenue, named on the notices to families.")
    tablet_accounting_office_address = fields.Text(
        string="Accounting Office Address", help="Postal address of the accounting office, as printed on the notices.")
    tablet_cheque_payee = fields.Char(
        string="Cheques Payable to", tracking=True,
        help="Payee printed on the notices; empty: “Agent comptable du <collège>”.")
    tablet_iban = fields.Char(string="IBAN for Transfers", tracking=True,
                              help="Account of the accounting office to which families pay by transfer.")
    tablet_bic = fields.Char(string="BIC for Transfers", tracking=True, help="8 or 11 characters, e.g. BDFEFRPPCCT.")
    tablet_payment_days = fields.Integer(
        string="Payment Term (days)", default=PAYMENT_DAYS_DEFAULT, tracking=True,
        help="Days between the invoice and its due date, as voted by the CA (30 by default, 1 to 90).")
    # Issue 14: follow-up of unpaid charges
    tablet_reminder_first_days = fields.Integer(
        string="First Reminder (days after the due date)", default=15, tracking=True,
        help="Days after the due date of an unpaid charge before the first reminder is due (1 to 180).")
    tablet_reminder_second_days = fields.Integer(
        string="Second Reminder (days after the first)", default=15, tracking=True,
        help="Days after the first reminder before the second one is due (1 to 180).")
    tablet_reminder_notice_days = fields.Integer(
        string="Formal Notice (days after the second reminder)", default=15, tracking=True,
        help="Days after the second reminder before the formal notice (mise en demeure) is due (1 to 180).")

    _sql_constraints = [
        (
            "uai_code_unique",
            "UNIQUE(uai_code)",
            "This UAI code is already used by another establishment: a UAI identifies one establishment.",
        ),
        ("siecle_eleve_id_unique", "UNIQUE(siecle_college_id, siecle_eleve_id)",
         "This SIECLE pupil ID is already used by another pupil of the same collège."),
        ("siecle_personne_id_unique", "UNIQUE(siecle_college_id, siecle_personne_id)",
         "This SIECLE person ID is already used by another person of the same collège."),
        ("sts_individu_id_unique", "UNIQUE(siecle_college_id, sts_individu_id)",
         "This STS-web ID is already used by another staff member of the same collège."),
    ]

    def _compute_college_member_count(self):
        counts = count_by(self, "college_id", self.filtered("is_college"))
        for partner in self:
            partner.college_member_count = counts.get(partner, 0)

    def _compute_tablet_loan_count(self):
        counts = {}
        if self.env["tablet.loan"].has_access("read"):
            counts = count_by(self.env["tablet.loan"], "borrower_id", self)
        for partner in self:
            partner.tablet_loan_count = counts.get(partner, 0)

    def _auto_init(self):
        """People recorded before `arrival_date` existed arrived, for the programme, the day they
        were recorded: filled once, when the column is created."""
        created = not column_exists(self.env.cr, self._table, "arrival_date")
        res = super()._auto_init()
        if created:
            self.env.cr.execute(SQL("UPDATE res_partner SET arrival_date = create_date::date WHERE school_role IN %s",
                                    COLLEGE_MEMBER_ROLES))
        return res

    def _compute_tablet_holder(self):
        Loan = self.env["tablet.loan"]
        holders = set(Loan.search([("borrower_id", "in", self.ids), ("state", "in", Loan._open_states())])
                      .borrower_id.ids) if self.ids and Loan.has_access("read") else set()
        for partner in self:
            partner.tablet_holder = partner.id in holders

    def _search_tablet_holder(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Holds a Tablet is searched with = or != and True or False."))
        Loan = self.env["tablet.loan"]
        loans = Loan._search([("state", "in", Loan._open_states())])
        return [("id", "in" if (operator == "=") == value else "not in", loans.subselect("borrower_id"))]

    @api.depends("is_college", "tablet_convention_ids.state", "tablet_convention_ids.model_id.academy_party")
    def _compute_tablet_academy_party(self):
        """The Académie's record rules read this: a collège under a convention without the Académie
        keeps its people out of the Académie's sight (R1, R29)."""
        colleges = self.filtered("is_college")
        current = self.env["tablet.convention"]._current_for(colleges)
        for partner in self:
            convention = current.get(partner.id)
            partner.tablet_academy_party = convention.model_id.academy_party if convention else True

    def _tablet_convention_model(self):
        """The convention model the collège runs now (its signed convention, else its draft)."""
        self.ensure_one()
        convention = self.env["tablet.convention"]._current_for(self).get(self.id)
        return convention.model_id if convention else self.env["tablet.convention.model"]

    def _tablet_funding_statement(self):
        """R30 (I 5): who carries out and funds the programme, as the collège's convention model words it."""
        self.ensure_one()
        model = self._tablet_convention_model() or self.env.ref(
            "tablet_loan.tablet_convention_model_department", raise_if_not_found=False)
        return model.funding_statement if model else ""

    def _compute_tablet_convention_count(self):
        counts = {}
        if self.env["tablet.convention"].has_access("read"):
            counts = count_by(self.env["tablet.convention"], "college_id", self.filtered("is_college"))
        for partner in self:
            partner.tablet_convention_count = counts.get(partner, 0)

    @api.constrains("uai_code")
    def _check_uai_code(self):
        for partner in self.filtered("uai_code"):
            match = UAI_PATTERN.match(partner.uai_code)
            if not match:
                raise ValidationError(_(
                    "The UAI code “%(code)s” of %(name)s is not valid: expected 7 digits "
                    "followed by a check letter, e.g. 0380027Y.",
                    code=partner.uai_code, name=partner.display_name,
                ))
            expected = uai_check_letter(match.group(1))
            if match.group(2) != expected:
                raise ValidationError(_(
                    "The UAI code “%(code)s” of %(name)s has a wrong check letter: "
                    "for the digits %(digits)s the letter must be “%(letter)s” (%(digits)s%(letter)s).",
                    code=partner.uai_code, name=partner.display_name,
                    digits=match.group(1), letter=expected,
                ))

    @api.constrains("is_college", "is_academy", "uai_code", "company_id", "academy_id")
    def _check_establishment(self):
        for partner in self:
            if partner.is_college and partner.is_academy:
                raise ValidationError(_("%s cannot be both a collège and an académie.", partner.display_name))
            if partner.is_college and not partner.uai_code:
                raise ValidationError(_("The collège %s needs its UAI code (e.g. 0380027Y).", partner.display_name))
            if partner.is_college and not partner.company_id:
                raise ValidationError(_(
                    "The collège %s must belong to a Département: set its Company.", partner.display_name,
                ))
            if partner.academy_id and not partner.is_college:
                raise ValidationError(_("Only a collège belongs to an académie (%s is not a collège).",
                                        partner.display_name))

    @api.constrains("tablet_journal_id", "is_college", "company_id")
    def _check_tablet_journal(self):
        for partner in self.filtered("tablet_journal_id"):
            journal = partner.tablet_journal_id
            if not partner.is_college:
                raise ValidationError(_("Only a collège has a sales journal for tablet charges (%s is not a collège).",
                                        partner.display_name))
            if journal.type != "sale" or journal.company_id != partner.company_id:
                raise ValidationError(_(
                    "The journal for the tablet charges of %(college)s must be a sales journal of its Département "
                    "%(company)s (%(journal)s is not).",
                    college=partner.display_name, company=partner.company_id.name, journal=journal.display_name,
                ))

    @api.constrains(*PAYMENT_FIELDS, "is_college")
    def _check_tablet_payment_settings(self):
        for partner in self:
            if partner.is_college:
                check_payment_settings(partner)
            elif any(partner[fname] for fname in NOTICE_FIELDS if fname != "tablet_payment_days"):
                raise ValidationError(_("Only a collège has payment settings for the notices to families "
                                        "(%s is not a collège).", partner.display_name))

    def _tablet_cheque_payee(self):
        """The payee of cheques printed on the notices (“Agent comptable du Collège …” by default)."""
        self.ensure_one()
        # A legal designation of the public accountant, in French whatever the user's language.
        return self.tablet_cheque_payee or f"Agent comptable du {self.name}"

    @api.constrains(*REMINDER_SCHEDULE_FIELDS)
    def _check_reminder_schedule(self):
        """Issue 14: a schedule of reminders in whole days, neither immediate nor beyond half a year."""
        for partner in self.filtered("is_college"):
            for fname in REMINDER_SCHEDULE_FIELDS:
                if not 1 <= partner[fname] <= REMINDER_DAYS_MAX:
                    raise ValidationError(_(
                        "%(field)s of %(college)s must be a number of days from 1 to %(max)s (got %(value)s).",
                        field=self._fields[fname].get_description(self.env)["string"], college=partner.display_name,
                        max=REMINDER_DAYS_MAX, value=partner[fname]))

    @api.constrains("school_role", "college_id", "grade_level", "company_id")
    def _check_school_person(self):
        for partner in self:
            role = partner.school_role
            if partner.college_id and not partner.college_id.is_college:
                raise ValidationError(_("%(college)s, set as the collège of %(name)s, is not a collège.",
                                        college=partner.college_id.display_name, name=partner.display_name))
            if role in COLLEGE_MEMBER_ROLES and not partner.college_id:
                raise ValidationError(_("%s has a role at school: set their Collège.", partner.display_name))
            if partner.grade_level and role != "pupil":
                raise ValidationError(_("Only a pupil has a grade level (%s is not a pupil).", partner.display_name))
            if partner.college_id and partner.company_id and partner.company_id != partner.college_id.company_id:
                raise ValidationError(_(
                    "%(name)s belongs to the Département %(company)s but their collège %(college)s "
                    "belongs to %(college_company)s.",
                    name=partner.display_name, company=partner.company_id.name,
                    college=partner.college_id.display_name,
                    college_company=partner.college_id.company_id.name,
                ))

    @api.model_create_multi
    def create(self, vals_list):
        # One check for all the records (an import creates hundreds of people in one call).
        check_link_targets_many(self, vals_list, PEOPLE_READ_LINKS, PEOPLE_WRITE_LINKS)
        # Looked up once for the whole call, not once per record: the module's fields and, when
        # the values carry payment settings, their defaults (a creation passes them all).
        own_fields = self._tablet_own_fields()
        payment_defaults = self.default_get(list(PAYMENT_FIELDS)) \
            if any(fname in vals for vals in vals_list for fname in PAYMENT_FIELDS) else {}
        for vals in vals_list:
            if vals.get("tablet_anonymized") and not in_action(self.env):
                raise AccessError(_("%s is set by the anonymisation of personal data only.",
                                    self._fields["tablet_anonymized"].get_description(self.env)["string"]))
            self._check_siecle_vals(vals)
            self._check_academy_party_vals(vals)
            self._prepare_school_vals(vals, own_fields=own_fields, payment_defaults=payment_defaults)
            if vals.get("school_role") in COLLEGE_MEMBER_ROLES and "arrival_date" not in vals:
                vals["arrival_date"] = fields.Date.context_today(self)
        partners = super().create(vals_list)
        partners.tablet_journal_id._tablet_ensure_payment_methods()
        return partners

    def write(self, vals):
        check_link_targets(self, vals, PEOPLE_READ_LINKS, PEOPLE_WRITE_LINKS)
        if "tablet_anonymized" in vals and not in_action(self.env):
            raise AccessError(_("%s is set by the anonymisation of personal data only.",
                                self._fields["tablet_anonymized"].get_description(self.env)["string"]))
        self._check_siecle_vals(vals)
        self._check_academy_party_vals(vals)
        self._prepare_school_vals(vals)
        res = super().write(vals)
        if vals.get("tablet_journal_id"):
            self.tablet_journal_id._tablet_ensure_payment_methods()
        return res

    def _check_academy_party_vals(self, vals):
        """The Académie's rules read the flag: it follows the collège's convention, nobody writes it."""
        if "tablet_academy_party" in vals and not in_action(self.env):
            raise AccessError(_("%s follows the collège's convention model: change the convention (by amendment).",
                                self._fields["tablet_academy_party"].get_description(self.env)["string"]))

    def _check_siecle_vals(self, vals):
        """Issue 16: SIECLE and STS-web identifiers come from the import only (their rules row in the README)."""
        if in_action(self.env):
            return
        fnames = [fname for fname in SIECLE_FIELDS if fname in vals]
        fnames = [fname for fname in fnames if any(self._tablet_changes(p, fname, vals[fname]) for p in self)] \
            if self else [fname for fname in fnames if vals[fname]]
        if fnames:
            raise AccessError(_(
                "%(fields)s are written by the SIECLE and STS-web import only: they are the key of the next imports.",
                fields=", ".join(sorted(self._fields[f].get_description(self.env)["string"] for f in fnames))))

    def _prepare_school_vals(self, vals, own_fields=None, payment_defaults=None):
        """Normalise the UAI and file school people under their collège's Département; check
        the programme's fields (input, and who places a partner in the programme's scopes).
        `own_fields` and `payment_defaults`: what `create` looked up once for all its records."""
        if vals.get("uai_code") and isinstance(vals["uai_code"], str):
            # NFKC: full-width digits and letters (０３８…Ｙ), non-breaking spaces become ASCII.
            vals["uai_code"] = unicodedata.normalize("NFKC", vals["uai_code"]).strip().upper()
        normalize_payment_vals(vals)
        check_input(self, vals, self._tablet_own_fields() if own_fields is None else own_fields)
        self._check_college_scope_vals(vals)
        self._check_payment_settings_vals(vals, defaults=payment_defaults)
        if vals.get("college_id") and not vals.get("company_id"):
            vals["company_id"] = self.browse(vals["college_id"]).company_id.id
        if vals.get("is_college"):
            vals.update(is_company=True, company_type="company")
            if not vals.get("company_id") and not self:
                vals["company_id"] = self.env.company.id

    @api.model
    def _tablet_own_fields(self):
        return {name for name, field in self._fields.items() if field._module == "tablet_loan"}

    def _check_college_scope_vals(self, vals):
        """R1: a collège belongs to its Département and its académie, and is known by its UAI;
        record rules follow these fields. A head (who may write their collège's address)
        moving it to another académie would hand its conventions, lists and reports to that
        académie: only the Département's staff write them."""
        if in_action(self.env) or self.env.user.has_group(DEPARTMENT_GROUP):
            return
        fnames = [fname for fname in COLLEGE_SCOPE_FIELDS if fname in vals]
        if "company_id" in vals and (vals.get("is_college") or vals.get("is_academy")
                                      or any(p.is_college or p.is_academy for p in self)):
            fnames.append("company_id")
        if self:
            fnames = [fname for fname in fnames if any(self._tablet_changes(p, fname, vals[fname]) for p in self)]
        else:
            fnames = [fname for fname in fnames if vals[fname]]
        if fnames:
            raise AccessError(_(
                "%(fields)s place a collège or an académie in the programme (Département, académie, UAI): "
                "only the Département's staff change them.",
                fields=", ".join(sorted(self._fields[f].get_description(self.env)["string"] for f in fnames)),
            ))

    def _check_payment_settings_vals(self, vals, defaults=None):
        """Issue 14: the collège's payment settings are the Département's staff's and the collège's
        head's and accountant's (a référent does not set where families pay). The accountant, who
        may write their collèges only for this, writes nothing else of a partner. `defaults`: the
        payment fields' defaults, when the caller (a `create` of many records) read them once."""
        if in_action(self.env) or self.env.su:
            return
        user = self.env.user
        fnames = [fname for fname in PAYMENT_FIELDS if fname in vals]
        if self:
            fnames = [fname for fname in fnames if any(self._tablet_changes(p, fname, vals[fname]) for p in self)]
        elif fnames:
            # A user's creation passes every default of its partner (_inherits): the defaults
            # (a 30-day term, 15-day reminders) are nobody's choice and need no right.
            if defaults is None or any(fname not in defaults for fname in fnames):
                defaults = self.default_get(fnames)
            fnames = [fname for fname in fnames if (vals[fname] or False) != (defaults.get(fname) or False)]
        if fnames and not any(user.has_group(group) for group in PAYMENT_WRITERS):
            raise AccessError(_(
                "%(fields)s say where families pay and when they are reminded: only the Département's staff "
                "and the collège's head and accountant change them.",
                fields=", ".join(sorted(self._fields[f].get_description(self.env)["string"] for f in fnames))))
        if user.has_group(ACCOUNTANT_GROUP) and not user.has_group("base.group_partner_manager"):
            others = [fname for fname in vals if fname not in PAYMENT_FIELDS and fname in self._fields
                      and (not self or any(self._tablet_changes(p, fname, vals[fname]) for p in self))]
            if others:
                raise AccessError(_(
                    "A collège accountant changes only the payment settings of their collèges, not %(fields)s.",
                    fields=", ".join(sorted(self._fields[f].get_description(self.env)["string"] for f in others))))

    @staticmethod
    def _tablet_changes(partner, fname, value):
        """Whether writing `value` changes `fname` of `partner` (forms send unchanged values back)."""
        field = partner._fields[fname]
        return (field.convert_to_write(partner[fname], partner) or False) != (value or False)

    def get_formview_id(self, access_uid=None):
        """A pupil, legal representative or member of staff opens the programme's form wherever
        they are clicked (a loan's borrower, a charge's payer...): no VAT, job position or sales
        tab for them. Collèges, académies and every other contact keep the contact form."""
        if len(self) == 1 and self.school_role and not self.is_college and not self.is_academy:
            return self.env["ir.model.data"]._xmlid_to_res_id("tablet_loan.res_partner_view_form_school_person")
        return super().get_formview_id(access_uid=access_uid)

    @api.readonly
    @tablet_action(*COLLEGE_READER_GROUPS, role=_lt("the programme's users"))
    def action_open_college_members(self):
        self.ensure_one()
        return window_action(
            self.env, "tablet_loan.res_partner_action_school_people",
            [("college_id", "=", self.id)], {"default_college_id": self.id, "search_default_group_school_role": 1},
        )

    @api.readonly
    @tablet_action(*LOAN_READER_GROUPS, role=_lt("the Département and the collège's référents and head"))
    def action_open_tablet_loans(self):
        self.ensure_one()
        return window_action(self.env, "tablet_loan.tablet_loan_action", [("borrower_id", "=", self.id)], {})

    @api.readonly
    @tablet_action(MANAGER_GROUP, REFERENT_GROUP, role=_lt("the Département's programme manager and the "
                                                           "collège's référents and head"))
    def action_open_departure_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Departure from the Collège"),
            "res_model": "tablet.departure.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

    @api.readonly
    @tablet_action(*COLLEGE_READER_GROUPS, role=_lt("the programme's users"))
    def action_open_tablet_conventions(self):
        self.ensure_one()
        return window_action(
            self.env, "tablet_loan.tablet_convention_action",
            [("college_id", "=", self.id)], {"default_college_id": self.id},
        )

    # ------------------------------------------------------- personal data (R29)
    @api.model
    def _cron_tablet_anonymize(self):
        """Daily: anonymise the people whose loans all ended before the retention period.

        A batch at a time: the scheduler commits each one and calls again while people
        remain (`_notify_progress`), so that a first run over years of history neither holds
        one long transaction nor starts again from the beginning after an interruption."""
        size = int(self.env["ir.config_parameter"].sudo().get_param(ANONYMIZE_BATCH_PARAM, ANONYMIZE_BATCH_SIZE))
        today = fields.Date.context_today(self)
        done, remaining = 0, 0
        for company in self.env["res.company"].search([]):
            limit = today - relativedelta(months=company.tablet_retention_months or 12)
            pupils, left = self._tablet_expired_pupils(company, limit, size - done)
            pupils._tablet_anonymize()
            done += len(pupils)
            remaining += left
        if done < size:
            representatives, left = self._tablet_expired_representatives(size - done)
            representatives._tablet_anonymize()
            done += len(representatives)
            remaining += left
        else:
            remaining += 1  # the legal representatives are looked at once the pupils are done
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _tablet_expired_pupils(self, company, limit, size):
        """(At most `size` pupils whose loans with `company` all ended before `limit` and who owe
        nothing, how many more there are). One query: the retention job runs as superuser over
        every loan of the Département, which the ORM would read a thousand at a time."""
        if size <= 0:
            return self.browse(), 0
        self.env.flush_all()
        self.env.cr.execute(SQL("""
            SELECT id, count(*) OVER () FROM (
                SELECT l.borrower_id AS id
                  FROM tablet_loan l JOIN res_partner p ON p.id = l.borrower_id
                 WHERE l.company_id = %(company)s AND p.school_role = 'pupil' AND p.tablet_anonymized IS NOT TRUE
                 GROUP BY l.borrower_id
                HAVING bool_and(l.state IN %(ended)s)
                   AND max(greatest(l.date_return, l.donated_date, l.date_end)) < %(limit)s
            ) ended
             WHERE NOT EXISTS (SELECT 1 FROM tablet_charge c
                                WHERE c.state IN %(owing)s AND ended.id IN (c.borrower_id, c.payer_id))
             ORDER BY id LIMIT %(size)s
        """, company=company.id, ended=ENDED_LOAN_STATES, limit=limit, owing=OPEN_CHARGE_STATES, size=size))
        rows = self.env.cr.fetchall()
        return self.browse([row[0] for row in rows]), (rows[0][1] - len(rows) if rows else 0)

    @api.model
    def _tablet_expired_representatives(self, size):
        """(At most `size` legal representatives all of whose children are anonymised and who owe
        nothing, how many more there are): they are kept as long as one child is."""
        self.env.flush_all()
        self.env.cr.execute(SQL("""
            SELECT r.id, count(*) OVER ()
              FROM res_partner r
             WHERE r.school_role = 'legal_representative' AND r.tablet_anonymized IS NOT TRUE
               AND EXISTS (SELECT 1 FROM tablet_pupil_representative_rel rel WHERE rel.representative_id = r.id)
               AND NOT EXISTS (SELECT 1 FROM tablet_pupil_representative_rel rel
                                 JOIN res_partner child ON child.id = rel.pupil_id
                                WHERE rel.representative_id = r.id AND child.tablet_anonymized IS NOT TRUE)
               AND NOT EXISTS (SELECT 1 FROM tablet_charge c
                                WHERE c.state IN %(owing)s AND r.id IN (c.borrower_id, c.payer_id))
             ORDER BY r.id LIMIT %(size)s
        """, owing=OPEN_CHARGE_STATES, size=size))
        rows = self.env.cr.fetchall()
        return self.browse([row[0] for row in rows]), (rows[0][1] - len(rows) if rows else 0)

    @api.model
    def _tablet_people_owing(self, people):
        """People who still owe a charge, as pupil or as payer: they are not anonymised."""
        if "tablet.charge" not in self.env or not people:
            return self.browse()
        charges = self.env["tablet.charge"].search([
            ("state", "in", OPEN_CHARGE_STATES),
            "|", ("borrower_id", "in", people.ids), ("payer_id", "in", people.ids),
        ])
        return charges.borrower_id | charges.payer_id

    def _tablet_anonymize(self):
        """Erase identity and contacts, keep the records that make the programme's figures.

        In a fixed number of queries, whatever the number of people (the retention job
        anonymises thousands per batch): one UPDATE of the partners, which marks them
        `tablet_anonymized` first (guards of immutable files let their erasure through then),
        then every trace elsewhere (`_tablet_erase_traces`)."""
        owing = self._tablet_people_owing(self)
        if owing:
            raise UserError(_("%s still owes a charge: the data is kept until it is paid or cancelled.",
                              ", ".join(owing.mapped("name"))))
        if not self:
            return True
        check_access_sql(self, "write")
        roles = dict(self._fields["school_role"]._description_selection(self.env))
        names = []
        for role, label in [*roles.items(), (None, "")]:
            # The translated name, split around the id that PostgreSQL puts in.
            prefix, _sep, suffix = _("Anonymised %(role)s %(id)s", role=label, id="\x00").partition("\x00")
            names.append((role, prefix, suffix))
        name = SQL("CASE %s ELSE %s || id || %s END", SQL(" ").join(
            SQL("WHEN school_role = %s THEN %s || id || %s", role, prefix, suffix) for role, prefix, suffix in names
            if role), names[-1][1], names[-1][2])
        erased = [fname for fname in PERSONAL_FIELDS
                  if self._fields[fname].column_type and not self._fields[fname].translate]
        self.flush_recordset()
        # What named the people before: the traces elsewhere are found and rewritten with it.
        self.env.cr.execute(SQL("SELECT id, name, email FROM res_partner WHERE id = ANY(%s)", id_array(self.ids)))
        former = {pid: (name, email) for pid, name, email in self.env.cr.fetchall()}
        # Which of these columns did hold something: only their dependents need computing again.
        self.env.cr.execute(SQL("SELECT %s FROM res_partner WHERE id = ANY(%s)", SQL(", ").join(
            SQL("bool_or(%s IS NOT NULL)", SQL.identifier(fname)) for fname in erased), id_array(self.ids)))
        erased_filled = [fname for fname, filled in zip(erased, self.env.cr.fetchone(), strict=False) if filled]
        # Computed columns whose value, once the identity is gone, is known: written here too.
        derived = {"complete_name": name, "email_normalized": SQL("NULL"), "phone_sanitized": SQL("NULL")}
        derived = {fname: value for fname, value in derived.items()
                   if fname in self._fields and self._fields[fname].store}
        self.env.cr.execute(SQL(
            "UPDATE res_partner SET name = %(name)s, tablet_anonymized = true, active = false, write_uid = %(uid)s, "
            "write_date = %(now)s, %(erased)s, %(derived)s WHERE id = ANY(%(ids)s)",
            name=name, uid=self.env.uid, now=self.env.cr.now(), ids=id_array(self.ids),
            erased=SQL(", ").join(SQL("%s = NULL", SQL.identifier(fname)) for fname in erased),
            derived=SQL(", ").join(SQL("%s = %s", SQL.identifier(fname), value) for fname, value in derived.items()),
        ))
        self.invalidate_recordset()
        self.modified(["name", "tablet_anonymized", "active", *erased_filled])
        for fname in derived:
            self.env.remove_to_compute(self._fields[fname], self)
        self._tablet_erase_traces(former)
        return True

    @api.model
    def _tablet_person_models(self):
        """{model: [fields]}: the models this module defines and the stored many2one fields by which
        their records belong to a person (loans as borrower or signer, incidents, charges as borrower
        or payer, list lines, letters of other branches...), then, to a fixed point, those that belong
        to such a record (claims and geolocation requests through their incident, charges through
        their loan, instalments through their charge). Read from the registry: a model added later is
        covered without a change here. Tablets, conventions and lists are the collège's, not a
        person's: they are not module-defined, or point at no such record."""
        own = [name for name in self.env.registry
               if name != self._name and self.env[name]._original_module == "tablet_loan"
               and not self.env[name]._abstract and not self.env[name]._transient and self.env[name]._auto]
        links = {}
        found = {self._name}
        while True:
            grown = False
            for name in own:
                fnames = sorted(
                    fname for fname, field in self.env[name]._fields.items()
                    if field.type == "many2one" and field.store and field.comodel_name in found
                    and not field.related and field._module == "tablet_loan")
                if fnames and fnames != links.get(name):
                    links[name] = fnames
                    if name not in found:
                        found.add(name)
                    grown = True
            if not grown:
                return links

    def _tablet_person_records(self):
        """{model: ids} of every record of the module that belongs to these people: one query per
        model of `_tablet_person_models` and per pass, two passes (a charge found through its
        incident, an incident through its charge), whatever their number and their links. The
        second pass asks again only the models linked to a model asked after them in the first, or
        asked again before them (the others would find the same): fewer queries, the same number
        whatever the people."""
        records = {self._name: list(self.ids)}
        links = self._tablet_person_models()
        position = {name: index for index, name in enumerate(links)}
        again = []
        for name, fnames in links.items():
            comodels = {self.env[name]._fields[fname].comodel_name for fname in fnames}
            if any(position.get(comodel, -1) >= position[name] or comodel in again for comodel in comodels):
                again.append(name)
        for names in (list(links), again):
            for name in names:
                fnames = links[name]
                Model = self.env[name]
                self.env.cr.execute(SQL("SELECT id FROM %s WHERE %s", SQL.identifier(Model._table), SQL(" OR ").join(
                    SQL("%s = ANY(%s)", SQL.identifier(fname),
                        id_array(records.get(Model._fields[fname].comodel_name, [])))
                    for fname in fnames)))
                records[name] = sorted({row[0] for row in self.env.cr.fetchall()} | set(records.get(name, [])))
        return {name: ids for name, ids in records.items() if ids}

    def _tablet_erase_traces(self, former):
        """R29, to the last trace: what names these (now anonymised) people outside their
        partner row. `former` is {id: (name, e-mail)} as they were.

        - files (`ir.attachment`, field files such as pictures and signatures included) of the
          people and of every record that belongs to them (`_tablet_person_records`): letters,
          complaints, signatures, signed copies, exports. Through the ORM, so that the filestore is
          cleaned and the guards of immutable files apply (they let the files of anonymised people go);
        - chatter messages on those records, messages they wrote or that were addressed to them,
          the mail queue to them (`mail.mail`), with their tracking values and notifications
          (deleted with the message by the database's cascade); activities, followers on those
          records and their own followings;
        - elsewhere (the collège's digests, the invoices of their charges, tracked links to them
          on other records), their former name, as a whole word, rewritten as the anonymised one;
        - free texts of their incidents and geolocation requests that describe them;
        - `_tablet_erase_person(partners)` of every model that defines it: the extension point
          of other parts of the module (letters...), called last.
        Invoices are accounting records (kept ten years, Code de commerce L123-22): their figures
        and PDF stay; their partner is the anonymised partner and the labels naming the pupil
        now name the anonymised person (labels, origin, reference, narration, stored partner name).
        A fixed number of queries whatever the number of people,
        plus the ORM's unlink of the files."""
        if not self:
            return
        env, cr = self.env, self.env.cr
        env.flush_all()
        ids = list(self.ids)
        targets = self._tablet_person_records()
        on_targets = SQL(" OR ").join(
            SQL("(%s = %s AND %s = ANY(%s))", SQL.identifier("res_model"), name, SQL.identifier("res_id"),
                id_array(rec_ids))
            for name, rec_ids in targets.items())
        # 1. Files: those bound to a field too (`res_field`), which a search leaves out unless named.
        cr.execute(SQL("SELECT id FROM ir_attachment WHERE %s", on_targets))
        attachment_ids = [row[0] for row in cr.fetchall()]
        # The people are anonymised: the guards of signed copies let their files go (sudo: a legal
        # erasure of files the user may not read, e.g. the letters' field groups).
        env["ir.attachment"].sudo().browse(attachment_ids).unlink()
        # 2. Messages: on their records, written by them, addressed to them, queued to them. By
        # e-mail address, the addresses of the headers compared with theirs (`= ANY` of a constant
        # array is a hash lookup): `ILIKE ANY` of 10,000 patterns compared every message with every
        # address (the retention job's batch spent three seconds on it with 200 messages).
        emails = sorted({address for _name, email in former.values() for address in email_addresses(email)})
        on_records = SQL(" OR ").join(
            SQL("(model = %s AND res_id = ANY(%s))", name, id_array(rec_ids)) for name, rec_ids in targets.items())
        cr.execute(SQL("""
            DELETE FROM mail_message m
             WHERE %(on_records)s OR m.author_id = ANY(%(ids)s)
                OR m.id IN (SELECT mail_message_id FROM mail_message_res_partner_rel
                             WHERE res_partner_id = ANY(%(ids)s))
                OR m.id IN (SELECT mail_message_id FROM mail_notification WHERE res_partner_id = ANY(%(ids)s))
                OR m.id IN (SELECT mm.mail_message_id FROM mail_mail mm
                              JOIN mail_mail_res_partner_rel r ON r.mail_mail_id = mm.id
                             WHERE r.res_partner_id = ANY(%(ids)s))
                OR m.id IN (SELECT mm.mail_message_id FROM mail_mail mm,
                                   regexp_matches(lower(mm.email_to), %(address)s, 'g') AS a(address)
                             WHERE a.address[1] = ANY(%(emails)s::varchar[]))
                OR (strpos(m.email_from, '@') > 0 AND EXISTS (
                        SELECT FROM regexp_matches(lower(m.email_from), %(address)s, 'g') AS a(address)
                         WHERE a.address[1] = ANY(%(emails)s::varchar[])))
        """, on_records=on_records, ids=id_array(ids), emails=emails, address=EMAIL_ADDRESS_SQL))
        # 3. Activities and followers of their records; what they followed.
        cr.execute(SQL("DELETE FROM mail_activity WHERE %s", SQL(" OR ").join(
            SQL("(res_model = %s AND res_id = ANY(%s))", name, id_array(rec_ids))
            for name, rec_ids in targets.items())))
        cr.execute(SQL("DELETE FROM mail_followers WHERE partner_id = ANY(%s) OR %s", id_array(ids), on_targets))
        # 4. Elsewhere: the former name, as written, becomes the anonymised one. Tracked links to
        # them (a signer, a payer on another record), then texts of the collèges' and invoices' chatter.
        for side in ("old", "new"):
            cr.execute(SQL("""
                UPDATE mail_tracking_value t SET %(char)s = p.name
                  FROM res_partner p, ir_model_fields f
                 WHERE f.id = t.field_id AND f.ttype = 'many2one' AND f.relation = 'res.partner'
                   AND p.id = t.%(integer)s AND p.id = ANY(%(ids)s)
            """, char=SQL.identifier(f"{side}_value_char"), integer=SQL.identifier(f"{side}_value_integer"),
                ids=id_array(ids)))
        names = [(former[pid][0], name) for pid, name in
                 env["res.partner"].browse(ids).with_context(active_test=False).mapped(lambda p: (p.id, p.name))
                 if former.get(pid) and former[pid][0]]
        if names:
            colleges = list({cid for cid in self.with_context(active_test=False).mapped("college_id").ids})
            colleges += list(set(self.with_context(active_test=False).pupil_ids.college_id.ids) - set(colleges))
            cr.execute(SQL("""SELECT unnest(array[invoice_id, credit_note_id]) FROM tablet_charge
                               WHERE id = ANY(%s)""", targets.get("tablet.charge", [])))
            invoices = [row[0] for row in cr.fetchall() if row[0]]
            elsewhere = [("mail_message", "body", SQL("(model = 'res.partner' AND res_id = ANY(%s)) OR "
                                                      "(model = 'account.move' AND res_id = ANY(%s))",
                                                      colleges, invoices)),
                         ("mail_message", "record_name", SQL("(model = 'res.partner' AND res_id = ANY(%s)) OR "
                                                             "(model = 'account.move' AND res_id = ANY(%s))",
                                                             colleges, invoices)),
                         ("mail_message", "subject", SQL("model = 'res.partner' AND res_id = ANY(%s)", colleges)),
                         ("account_move_line", "name", SQL("move_id = ANY(%s)", invoices)),
                         ("account_move", "narration", SQL("id = ANY(%s)", invoices)),
                         ("account_move", "invoice_partner_display_name", SQL("id = ANY(%s)", invoices)),
                         ("account_move", "invoice_origin", SQL("id = ANY(%s)", invoices)),
                         ("account_move", "ref", SQL("id = ANY(%s)", invoices)),
                         ("account_move_line", "ref", SQL("move_id = ANY(%s)", invoices))]
            # Each text of these columns in the scope is read once and the names found in it as
            # whole words (`NameReplacer`); only the texts that held one are written back.
            replacer = NameReplacer(names)
            for table, column, where in elsewhere:
                cr.execute(SQL(
                    "SELECT id, %(col)s::text FROM %(table)s WHERE (%(where)s) AND %(col)s IS NOT NULL",
                    col=SQL.identifier(column), table=SQL.identifier(table), where=where))
                hits = [(row_id, new_text) for row_id, text in cr.fetchall()
                        if (new_text := replacer.replace(text)) is not None]
                # Written even when empty: the same number of queries whatever the people.
                cr.execute(SQL(
                    "UPDATE %(table)s t SET %(col)s = u.txt::%(type)s "
                    "FROM unnest(%(ids)s::int[], %(txts)s::text[]) AS u(id, txt) WHERE t.id = u.id",
                    table=SQL.identifier(table), col=SQL.identifier(column), type=SQL(COLUMN_TYPES[(table, column)]),
                    ids=[hit[0] for hit in hits], txts=[hit[1] for hit in hits]))
        # 5. Free texts that describe them: the incidents' circumstances, the geolocations' result
        # and justification (the requests stay in the log, R10). Run even for none: the same
        # number of queries whatever the people.
        cr.execute(SQL("UPDATE tablet_incident SET circumstances = NULL WHERE id = ANY(%s)",
                       id_array(targets.get("tablet.incident", []))))
        cr.execute(SQL("UPDATE tablet_geolocation_request SET result = NULL, justification = %s WHERE id = ANY(%s)",
                       _("Erased."), targets.get("tablet.geolocation.request", [])))
        env.invalidate_all()
        # 6. The extension point: a model that keeps something else naming people erases it.
        for name in env.registry:
            Model = env[name]
            if not Model._abstract and hasattr(type(Model), "_tablet_erase_person"):
                Model.sudo()._tablet_erase_person(self)

    def action_tablet_anonymize(self):
        if not self.env.user.has_group("tablet_loan.group_department_manager"):
            raise AccessError(_("Only the Département's programme manager anonymises people ahead of time."))
        return self._tablet_anonymize()

    def action_tablet_export_personal_data(self):
        """Right of access (GDPR art. 15): everything the programme holds about this person, as a file."""
        self.ensure_one()
        if not (self.env.user.has_group("tablet_loan.group_college_head")
                or self.env.user.has_group("tablet_loan.group_department_manager")):
            raise AccessError(_("The export of a person's data is made by the head of the collège or the "
                                "Département's programme manager."))
        data = self._tablet_personal_data()
        attachment = self.env["ir.attachment"].create({
            "name": _("personal-data-%s.json", self.id),
            "raw": json.dumps(data, ensure_ascii=False, indent=2, default=str).encode(),
            "mimetype": "application/json", "res_model": self._name, "res_id": self.id,
        })
        self.message_post(body=_("Personal data exported (right of access)."))
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}

    def _tablet_personal_data(self):
        """Read under the user's own rights: an export shows nothing its author may not see."""
        def rows(records, fnames):
            return records.read([f for f in fnames if f in records._fields]) if records else []
        person_fields = ["name", "school_role", "college_id", "grade_level", "school_class", "email", "phone",
                         "mobile", "street", "zip", "city", "legal_representative_ids", "pupil_ids", "arrival_date",
                         "leaving_date"]
        loans = self.env["tablet.loan"].search(["|", ("borrower_id", "=", self.id), ("signed_by_id", "=", self.id)])
        incidents = self.env["tablet.incident"].search([("borrower_id", "=", self.id)])
        charges = self.env["tablet.charge"].search(["|", ("borrower_id", "=", self.id), ("payer_id", "=", self.id)])
        lists = self.env["tablet.user.list.line"].search([("partner_id", "=", self.id)])
        return {
            "person": rows(self, person_fields)[0],
            "user_lists": rows(lists, ["list_id", "school_role", "school_class"]),
            "loans": rows(loans, ["display_name", "equipment_id", "school_year", "state", "signed_date",
                                  "signed_by_id", "home_use_allowed", "date_start", "date_end", "date_return",
                                  "data_wiped_date", "no_gift", "stays_at_college"]),
            "incidents": rows(incidents, ["display_name", "incident_type", "event_datetime", "declaration_datetime",
                                          "late_declaration", "circumstances", "state", "decision"]),
            "charges": rows(charges, ["display_name", "case", "amount", "payer_id", "state", "invoice_id"]),
        }
