import hashlib
import logging
from collections import Counter, defaultdict
from datetime import datetime

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_date

from .maintenance_equipment import FOLLOWS_LOAN_STATES, PHYSICALLY_RETURNED_STATES
from .relation_guard import check_link_targets
from .res_partner import COLLEGE_MEMBER_ROLES
from .school_year import check_school_year, school_year_of
from .tablet_workflow_mixin import ALL_FIELDS, as_action, tablet_action
from .utils import bulk_update, bulk_write, check_access_sql, in_lang_of, read_columns

_logger = logging.getLogger(__name__)

OPEN_STATES = ("draft", "active", "custody")
# Loans whose tablet may be given at the end of 3e (R17): with the pupil, or returned in good
# order at the end of the year and still in the collège's stock (issue 15).
GIFT_LOAN_STATES = ("active", "closed")
# Tablet status that follows each loan status.
TABLET_STATE_OF_LOAN = {"draft": "assigned", "active": "assigned", "custody": "custody", "donated": "donated"}
ACCESSORIES = ("cover", "charger", "cable")
# Qualifications of the facts that are the pupil's fault (R17: "managed responsibly"); an accident,
# a failure, a loss or a theft with complaint are not.
FAULT_QUALIFICATIONS = ("deliberate", "negligence")
MAX_LISTED = 15
# Who runs a loan's actions: the collège's référents (and heads, who are référents too) and
# the Département's programme manager, as the access matrix gives them the loans to write.
LOAN_ACTORS = ("tablet_loan.group_college_referent", "tablet_loan.group_department_manager")
# Who reads loans (README's access matrix): the Département and the collège's référents and heads.
LOAN_READERS = ("tablet_loan.group_department_officer", "tablet_loan.group_college_referent")
# Facts of the hand-over: once the tablet is handed over, they are the contract's history (R11).
HANDED_OVER = ("borrower_id", "equipment_id", "college_id", "school_year", "date_start",
               "cover_delivered", "charger_delivered", "cable_delivered")
# The return's checklist (R15, R16): written by the return only.
CHECKLIST = ("date_return", "return_condition", "cover_returned", "charger_returned", "cable_returned",
             "returned_powers_on", "returned_mdm_released")
# Once returned, the contract's terms no longer change either; only the erasure is left (R16).
RETURNED = HANDED_OVER + CHECKLIST + ("signed_by_id", "signed_date", "date_end", "no_gift", "stays_at_college")


def _listing(lines):
    """At most MAX_LISTED lines of an error message, and how many more."""
    text = "\n".join(f"• {line}" for line in lines[:MAX_LISTED])
    if len(lines) > MAX_LISTED:
        text += "\n" + _("… and %s more.", len(lines) - MAX_LISTED)
    return text


class TabletLoan(models.Model):
    """Loan contract (convention de mise à disposition) between the Département,
    through the collège, and one user (R11–R16, B 5.2, B 5.3)."""

    _name = "tablet.loan"
    _description = "Tablet Loan Contract"
    _inherit = ["tablet.workflow.mixin", "tablet.borrower.history.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    # Found by the borrower's name or the tablet's serial number (incident form, search bar).
    _rec_names_search = ["borrower_id", "serial_no"]
    # Written by the return wizard, the erasure and the gift only (R15, R16, R17).
    # The head's override of an overdue family charge is the override wizard's (issue 14).
    _tablet_action_fields = (*CHECKLIST, "data_wiped_date", "donated_date", "reissue_override_reason",
                             "signed_contract_id", "signed_return_id", "signed_copy_due")
    _tablet_frozen_fields = {"active": HANDED_OVER, "custody": HANDED_OVER, "returned": RETURNED,
                             "closed": ALL_FIELDS, "donated": ALL_FIELDS}

    borrower_id = fields.Many2one(
        "res.partner", required=True, index=True, tracking=True, ondelete="restrict",
        domain="[('college_id', '=', college_id), ('school_role', 'in', ('pupil', 'teacher', 'head', 'staff'))]",
    )
    college_id = fields.Many2one(
        "res.partner", string="Collège", required=True, tracking=True, ondelete="restrict",
        domain="[('is_college', '=', True)]", check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", string="Département", required=True,
        compute="_compute_company_id", store=True, precompute=True,
    )
    equipment_id = fields.Many2one(
        "maintenance.equipment", string="Tablet", required=True, index=True, tracking=True, ondelete="restrict",
        domain="[('is_tablet', '=', True), ('college_id', '=', college_id), ('tablet_state', '=', 'stock')]",
    )
    serial_no = fields.Char(related="equipment_id.serial_no", string="Serial Number")
    convention_id = fields.Many2one(
        "tablet.convention", ondelete="restrict",
        compute="_compute_convention_id", store=True, precompute=True, readonly=True,
        help="The collège's signed partnership convention under which the tablet is lent.",
    )
    school_year = fields.Char(
        required=True, tracking=True,
        default=lambda self: school_year_of(fields.Date.context_today(self)),
    )
    state = fields.Selection(
        [("draft", "Draft"), ("active", "Active"), ("custody", "In Custody"), ("returned", "Returned"),
         ("donated", "Donated"), ("closed", "Closed")],
        string="Status", default="draft", required=True, readonly=True, copy=False, tracking=True,
    )
    borrower_role = fields.Selection(related="borrower_id.school_role", store=True, string="Borrower Role")
    grade_level = fields.Selection(related="borrower_id.grade_level", store=True)
    school_class = fields.Char(related="borrower_id.school_class", store=True)
    signed_date = fields.Date(string="Signed on", tracking=True, copy=False)
    signed_by_id = fields.Many2one(
        "res.partner", string="Signed by", tracking=True, copy=False, ondelete="restrict",
        help="A legal representative for a minor pupil; the borrower themselves otherwise.",
    )
    # Stated as the exception (one signature is enough), so that a loan created in bulk (SQL,
    # no defaults) waits for every legal representative, the rule.
    one_representative_signs = fields.Boolean(
        tracking=True,
        help="The collège's choice for this pupil: one legal representative's signature is enough. "
             "Otherwise every legal representative signs (both where there are two).",
    )
    signature_ids = fields.One2many("tablet.loan.signature", "loan_id", string="Signatures")
    signed_contract_id = fields.Many2one(
        "ir.attachment", readonly=True, copy=False, index="btree_not_null",
        # set null: only the anonymisation deletes the file (ir_attachment.py), and the loan stays.
        ondelete="set null",
        help="The contract rendered once with the hand-over signatures, or its scanned paper copy: "
             "kept as it is, its SHA-256 digest in the chatter.",
    )
    signed_return_id = fields.Many2one(
        "ir.attachment", readonly=True, copy=False, index="btree_not_null",
        # set null: only the anonymisation deletes the file (ir_attachment.py), and the loan stays.
        ondelete="set null",
        help="The contract rendered again once the return is signed, with both moments' signatures, "
             "or its scanned paper copy.",
    )
    # Rendering a contract takes wkhtmltopdf seconds: the signature is recorded at once and the
    # copy rendered by the scheduled action right after (or at once, on the desk's request).
    signed_copy_due = fields.Selection(
        [("handover", "Hand-over Contract"), ("return", "Return Contract")], string="Signed Copy Being Prepared",
        readonly=True, copy=False, index="btree_not_null",
        help="The signatures of this moment are complete: its signed copy is being rendered and will be "
             "attached to the loan in a few moments.",
    )
    home_use_allowed = fields.Boolean(
        string="Home Use", compute="_compute_home_use_allowed", store=True,
        help="The collège's convention allows home use and the contract is signed by a legal "
             "representative; never for a tablet that must stay at the collège.",
    )
    date_start = fields.Date(string="Handed over on", tracking=True, copy=False)
    date_end = fields.Date(
        string="Loan Ends on", tracking=True, copy=False,
        help="The day the user leaves the collège: the tablet is due back by then.",
    )
    date_return = fields.Date(string="Returned on", tracking=True, copy=False)
    no_gift = fields.Boolean(string="No Gift at the End of 3e", tracking=True,
                             help="Counterpart of a replacement decided by the head.")
    stays_at_college = fields.Boolean(string="Stays at the Collège", tracking=True,
                                      help="Counterpart of a replacement: the tablet no longer goes home.")
    data_wiped_date = fields.Date(string="Data Erased on", tracking=True, copy=False,
                                  help="All data is erased when the tablet comes back; there is no backup.")
    donated_date = fields.Date(string="Given to the Pupil on", tracking=True, copy=False)
    cover_delivered = fields.Boolean(default=True)
    charger_delivered = fields.Boolean(default=True)
    cable_delivered = fields.Boolean(default=True)
    cover_returned = fields.Boolean(copy=False)
    charger_returned = fields.Boolean(copy=False)
    cable_returned = fields.Boolean(copy=False)
    return_condition = fields.Selection(
        [("good", "Good working order"), ("worn", "Worn but working"), ("damaged", "Damaged")],
        string="Condition on Return", tracking=True, copy=False,
    )
    returned_powers_on = fields.Boolean(string="Powers On at Return", copy=False, tracking=True)
    returned_mdm_released = fields.Boolean(
        string="Released from the MDM", copy=False, tracking=True,
        help="The tablet is released from the pupil's profile in the Département's MDM.")
    return_note = fields.Text(string="Return Notes", copy=False)
    incident_ids = fields.One2many("tablet.incident", "loan_id", string="Incidents")
    # Figures of the loans pivot (issue 19): stored so that they add up per collège and status;
    # computed only, so the workflow guard refuses a client's write like any computed field.
    home_use_count = fields.Integer(
        string="Home Use Allowed", compute="_compute_pivot_figures", store=True, aggregator="sum",
        help="1 when the tablet may go home: the pivot adds up the contracts allowing home use.")
    incident_count = fields.Integer(
        string="Incidents Declared", compute="_compute_pivot_figures", store=True, aggregator="sum",
        help="Incidents declared on this loan (breakage, failure, loss, theft), cancelled ones excepted.")
    missing_accessory_count = fields.Integer(
        string="Accessories Missing at Return", compute="_compute_pivot_figures", store=True, aggregator="sum",
        help="Cover, charger or cable handed over but not brought back with the tablet.")
    is_overdue = fields.Boolean(string="Return Overdue", compute="_compute_is_overdue", search="_search_is_overdue")
    # Issue 17: the collège's letters to the family (R4) and the overdue escalation they record.
    letter_ids = fields.One2many("tablet.letter", "loan_id", string="Letters",
                                 groups="tablet_loan.group_college_referent,tablet_loan.group_department_manager")
    overdue_letters = fields.Char(
        string="Overdue Return Letters", compute="_compute_overdue_letters",
        groups="tablet_loan.group_college_referent,tablet_loan.group_department_manager",
        help="First notice, second notice, then a registered letter: each step after the previous one.")
    # The borrower's history where the head decides (issue 14): read under the user's own
    # rights, so a role sees only the records it may read (the référent sees no charge).
    history_loan_ids = fields.Many2many(string="Other Loans of the Borrower")
    reissue_override_reason = fields.Text(
        string="Lent Despite an Unpaid Charge", readonly=True, copy=False,
        help="The head's reason for lending a tablet although a charge of the family is overdue.",
    )

    _sql_constraints = [
        ("one_open_loan_per_tablet", "EXCLUDE (equipment_id WITH =) WHERE (state IN ('draft', 'active', 'custody'))",
         "This tablet is already lent: a tablet has one open loan at a time."),
        ("one_open_loan_per_borrower", "EXCLUDE (borrower_id WITH =) WHERE (state IN ('draft', 'active', 'custody'))",
         "This person already has a tablet: a user has one open loan at a time."),
        ("return_after_start", "CHECK (date_return IS NULL OR date_start IS NULL OR date_return >= date_start)",
         "A tablet cannot be returned before it was handed over."),
    ]

    # Its composite indexes are created by hooks.tune_tables (install and migrations).

    def _creation_message(self):
        """The chatter's first line: mail's "<description> created" reads wrong in French
        (the participle does not agree with the document's gender); a sentence of its own."""
        self.ensure_one()
        return _("Loan contract drawn up.")

    @api.model
    def _open_states(self):
        return list(OPEN_STATES)

    # ------------------------------------------------------------------ computes
    @api.depends("college_id")
    def _compute_company_id(self):
        for loan in self:
            loan.company_id = loan.college_id.company_id

    @api.depends("college_id")
    def _compute_convention_id(self):
        conventions = self.env["tablet.convention"].search([
            ("college_id", "in", self.college_id.ids), ("state", "=", "signed"),
        ])
        by_college = {c.college_id.id: c for c in conventions}
        for loan in self:
            loan.convention_id = by_college.get(loan.college_id.id, loan.convention_id)

    @api.depends("convention_id.home_use_allowed", "signed_by_id", "signed_date", "stays_at_college",
                 "borrower_id.school_role", "borrower_id.legal_representative_ids")
    def _compute_home_use_allowed(self):
        for loan in self:
            loan.home_use_allowed = bool(
                loan.convention_id.home_use_allowed and not loan.stays_at_college
                and loan.signed_date and loan._signed_by_right_person()
            )

    @api.depends("home_use_allowed", "incident_ids.state", "state", "cover_delivered", "charger_delivered",
                 "cable_delivered", "cover_returned", "charger_returned", "cable_returned")
    def _compute_pivot_figures(self):
        """The loans pivot's measures; the incidents are read with the batch (one query)."""
        returned = ("returned", "closed")
        for loan in self:
            loan.home_use_count = int(bool(loan.home_use_allowed))
            loan.incident_count = len(loan.incident_ids.filtered(lambda i: i.state != "cancelled"))
            loan.missing_accessory_count = 0 if loan.state not in returned else sum(
                1 for delivered, back in ((loan.cover_delivered, loan.cover_returned),
                                          (loan.charger_delivered, loan.charger_returned),
                                          (loan.cable_delivered, loan.cable_returned))
                if delivered and not back)

    def _signed_by_right_person(self):
        self.ensure_one()
        if self.borrower_id.school_role == "pupil":
            return self.signed_by_id in self.borrower_id.legal_representative_ids
        return self.signed_by_id == self.borrower_id

    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for loan in self:
            loan.is_overdue = bool(loan.state in ("active", "custody") and loan.date_end and loan.date_end < today)

    def _compute_overdue_letters(self):
        """The escalation's steps already sent, with their dates (one query for the whole batch)."""
        Letter = self.env["tablet.letter"]
        steps = ("overdue_first", "overdue_second", "overdue_registered")
        sent = Letter._previous_letters(self, steps) if self.ids else {}
        labels = {k: Letter._kind_label(k) for k in steps}
        for loan in self:
            loan.overdue_letters = "; ".join(
                _("%(letter)s on %(date)s", letter=labels[k], date=format_date(self.env, sent[(loan.id, k)]))
                for k in steps if (loan.id, k) in sent) or False

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on overdue returns."))
        domain = [("state", "in", ("active", "custody")), ("date_end", "<", fields.Date.context_today(self))]
        return domain if (operator == "=") == value else ["!", *domain]

    @api.depends("borrower_id", "equipment_id", "school_year")
    def _compute_display_name(self):
        for loan in self:
            loan.display_name = _("Loan %(ref)s – %(borrower)s", ref=loan._reference(),
                                  borrower=loan.borrower_id.name or "")

    def _reference(self):
        self.ensure_one()
        return f"PRET-{self.id:06d}" if self.id else _("New")

    # --------------------------------------------------------------- constraints
    @api.constrains("signed_by_id", "signed_date", "borrower_id")
    def _check_signature(self):
        """R11: a legal representative signs for a minor pupil; an adult signs for themselves."""
        for loan in self.filtered("signed_by_id"):
            if not loan._signed_by_right_person():
                if loan.borrower_id.school_role == "pupil":
                    raise ValidationError(_(
                        "%(signer)s is not a legal representative of %(pupil)s: only one of them (%(reps)s) "
                        "signs the loan contract of a pupil.",
                        signer=loan.signed_by_id.display_name, pupil=loan.borrower_id.display_name,
                        reps=", ".join(loan.borrower_id.legal_representative_ids.mapped("name")) or _("none recorded"),
                    ))
                raise ValidationError(_("%(borrower)s signs their own loan contract, not %(signer)s.",
                                        borrower=loan.borrower_id.display_name, signer=loan.signed_by_id.display_name))
            if not loan.signed_date:
                raise ValidationError(_("Set the date on which %s signed the contract.", loan.signed_by_id.display_name))

    @api.constrains("signed_date")
    def _check_signed_date(self):
        """R12: home use follows a signature that was given; a date to come is a typing error (or a
        way to grant home use before the family signs)."""
        today = fields.Date.context_today(self)
        for loan in self.filtered(lambda loan: loan.signed_date and loan.signed_date > today):
            raise ValidationError(_(
                "%(field)s: %(date)s is in the future. Enter the day the contract was signed, today "
                "(%(today)s) at the latest, as a date such as %(today)s.",
                field=self._fields["signed_date"].get_description(self.env)["string"],
                date=format_date(self.env, loan.signed_date), today=format_date(self.env, today),
            ))

    @api.constrains("school_year")
    def _check_school_year(self):
        check_school_year(self)

    def _check_opening(self):
        """Every rule a new loan must meet, checked on the whole batch in a fixed number of
        queries, all problems reported at once (R3, R7, R9, R11, one open loan each).

        The values are read as plain rows (a rentrée checks hundreds of loans at once, and
        record attribute access costs more than the checks); names are read for problems only."""
        problems = []
        rows = list(read_columns(self, ["equipment_id", "borrower_id", "college_id", "school_year",
                                        "convention_id"]).values())
        Tablet, Partner = self.env["maintenance.equipment"], self.env["res.partner"]
        tablets = read_columns(Tablet.browse({r["equipment_id"] for r in rows}),
                               ["is_tablet", "college_id", "tablet_state"])
        people = read_columns(Partner.browse({r["borrower_id"] for r in rows}), ["school_role", "college_id"])
        unwiped = {row["equipment_id"] for row in self.search_read(
            [("equipment_id", "in", list(tablets)), ("state", "=", "returned")], ["equipment_id"], load=None)}
        listed = self.env["tablet.user.list"]._validated_pairs(
            Partner.browse(list(people)), Partner.browse({r["college_id"] for r in rows}),
            {r["school_year"] for r in rows})
        states = dict(Tablet._fields["tablet_state"]._description_selection(self.env))
        for row in rows:
            tablet_id, person_id, college_id = row["equipment_id"], row["borrower_id"], row["college_id"]
            tablet, person = tablets[tablet_id], people[person_id]
            tablet_name = lambda: Tablet.browse(tablet_id).display_name  # noqa: E731 - read on failure only
            college_name = lambda: Partner.browse(college_id).name  # noqa: E731
            if not tablet["is_tablet"]:
                problems.append(_("%s is not a tablet of the programme", tablet_name()))
            elif tablet["college_id"] != college_id:
                problems.append(_("tablet %(tablet)s is not in the stock of %(college)s",
                                  tablet=tablet_name(), college=college_name()))
            elif tablet_id in unwiped:
                problems.append(_("the data of tablet %s has not been erased since its last return",
                                  tablet_name()))
            elif tablet["tablet_state"] != "stock":
                problems.append(_("tablet %(tablet)s is not in stock (%(state)s)", tablet=tablet_name(),
                                  state=states[tablet["tablet_state"]]))
            if person["school_role"] not in COLLEGE_MEMBER_ROLES or person["college_id"] != college_id:
                problems.append(_("%(person)s is not a pupil or staff member of %(college)s",
                                  person=Partner.browse(person_id).display_name, college=college_name()))
            elif (person_id, college_id, row["school_year"]) not in listed:
                problems.append(_("%(person)s is not on the validated list of users of %(college)s for %(year)s",
                                  person=Partner.browse(person_id).display_name, college=college_name(),
                                  year=row["school_year"]))
            if not row["convention_id"]:
                problems.append(_("%s has no signed partnership convention", college_name()))
        problems += self._deployment_order_problems()
        problems += self.filtered(lambda loan: loan.state in ("active", "custody"))._handover_signature_problems()
        if problems:
            raise UserError(_("These tablets cannot be lent:\n%s", _listing(list(dict.fromkeys(problems)))))

    def _handover_signature_problems(self):
        """I 3.2: where the collège's convention model says so, the loan contract is signed before
        the tablet is handed over (elsewhere the tablet is handed over first and stays at school
        until the legal representatives sign, R12)."""
        waiting = self.filtered(lambda loan: loan.convention_id.model_id.signature_before_handover
                                and not loan._contract_signed())
        return [self.env._("the contract of %(person)s is not signed yet: under the convention of %(college)s the tablet "
                  "is handed over once the contract is signed", person=loan.borrower_id.display_name,
                  college=loan.college_id.name) for loan in waiting[:MAX_LISTED]]

    def _contract_signed(self):
        """Every hand-over signature the contract needs is recorded (or its signed copy kept)."""
        self.ensure_one()
        if self.signed_contract_id:
            return True
        return bool(self.signature_ids.filtered(lambda s: s.moment == "handover")) \
            and not self._signatures_missing("handover")

    def _deployment_order_problems(self):
        """R6 (I 4, B 3.3): the usage charter is adopted before deployment. R9 (I 3.3): teachers
        first, once Wi-Fi works; pupils after the teachers' deployment date, once very-high-speed
        internet is in service. Checked once per convention, role and start date."""
        problems = []
        groups = {(row["convention_id"], row["borrower_role"] == "pupil", row["date_start"])
                  for row in read_columns(self, ["convention_id", "borrower_role", "date_start"]).values()
                  if row["date_start"] and row["convention_id"]}
        Convention = self.env["tablet.convention"]
        for convention_id, pupil, date_start in sorted(groups, key=lambda g: (g[0], g[1], g[2])):
            convention = Convention.browse(convention_id)
            college = convention.college_id.name
            if not convention.charter_adopted_date or date_start < convention.charter_adopted_date:
                problems.append(_("%s adopts its usage charter for digital tools before any tablet is "
                                  "handed over", college))
            if pupil:
                if not convention.teacher_deployment_date or date_start < convention.teacher_deployment_date:
                    problems.append(_("pupils of %(college)s receive their tablets after the teachers' deployment "
                                      "date (%(date)s)", college=college,
                                      date=convention.teacher_deployment_date or _("not set")))
                elif not convention.broadband_ready_date or date_start < convention.broadband_ready_date:
                    problems.append(_("very-high-speed internet is not in service at %s: pupils wait for it", college))
            elif not convention.wifi_ready_date or date_start < convention.wifi_ready_date:
                problems.append(_("Wi-Fi is not in service at %s: teachers wait for it", college))
        return problems

    @api.model
    def _check_not_already_lent(self, vals_list):
        """Before inserting: the tablets and people of the batch are free, each once (the
        EXCLUDE constraints would refuse them, with a less helpful message)."""
        problems = []
        tablet_ids = [v.get("equipment_id") for v in vals_list if v.get("equipment_id")]
        borrower_ids = [v.get("borrower_id") for v in vals_list if v.get("borrower_id")]
        Tablet, Partner = self.env["maintenance.equipment"], self.env["res.partner"]
        for tablet_id in [t for t, n in Counter(tablet_ids).items() if n > 1]:
            problems.append(_("tablet %s is given to several people", Tablet.browse(tablet_id).display_name))
        for borrower_id in [b for b, n in Counter(borrower_ids).items() if n > 1]:
            problems.append(_("%s would receive several tablets", Partner.browse(borrower_id).display_name))
        others = self.search([
            ("state", "in", OPEN_STATES),
            "|", ("equipment_id", "in", tablet_ids), ("borrower_id", "in", borrower_ids),
        ])
        for loan in others:
            if loan.equipment_id.id in tablet_ids:
                problems.append(_("tablet %(tablet)s is already lent to %(other)s (%(ref)s)",
                                  tablet=loan.equipment_id.display_name, other=loan.borrower_id.name,
                                  ref=loan._reference()))
            if loan.borrower_id.id in borrower_ids:
                problems.append(_("%(person)s already has tablet %(tablet)s", person=loan.borrower_id.display_name,
                                  tablet=loan.equipment_id.display_name))
        if problems:
            raise UserError(_("These tablets cannot be lent:\n%s", _listing(problems)))

    # ---------------------------------------------------------------------- CRUD
    # People, collège and tablet a loan links: only those the user may already read, or a
    # foreign id would be read back by name (issue 13).
    _LINKED_FIELDS = ("borrower_id", "signed_by_id", "college_id", "equipment_id")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_link_targets(self, vals, self._LINKED_FIELDS)
        self._check_not_already_lent(vals_list)
        self._check_no_overdue_family_charge([v.get("borrower_id") for v in vals_list
                                              if not v.get("reissue_override_reason")])
        loans = super().create(vals_list)
        loans._check_opening()
        loans._sync_tablet_state()
        return loans

    def write(self, vals):
        check_link_targets(self, vals, self._LINKED_FIELDS)
        if vals.keys() & {"no_gift", "stays_at_college"} and not self.env.su and not (
                self.env.user.has_group("tablet_loan.group_college_head")
                or self.env.user.has_group("tablet_loan.group_department_manager")):
            raise AccessError(_("Only the head of the collège sets the counterparts of a replacement."))
        if "one_representative_signs" in vals:
            # R11: who must sign is settled once the hand-over's signatures are complete (the form
            # shows it read-only then; a client's write is refused here).
            signed = self.filtered(lambda loan: loan.signed_contract_id or loan.signed_copy_due == "handover")
            if signed:
                raise UserError(_("The contract of %s is signed: who had to sign it no longer changes.",
                                  signed[0].display_name))
        if vals.keys() & {"borrower_id", "equipment_id", "college_id", "school_year"}:
            if self.filtered(lambda loan: loan.state != "draft"):
                raise UserError(_("Only a draft loan can change borrower, tablet, collège or school year: "
                                  "return the tablet and open a new loan."))
            old_tablets = self.equipment_id
            if vals.get("borrower_id"):
                # The head's override was given for the former borrower: it does not follow (issue 14).
                self._check_no_overdue_family_charge([vals["borrower_id"]])
            self.browse()._check_not_already_lent([{
                "equipment_id": vals.get("equipment_id"), "borrower_id": vals.get("borrower_id")}] * len(self))
            res = super().write(vals)
            # A loan moved to another collège must stay one the user may write (no door out of a scope).
            self.check_access("write")
            self._check_opening()
            as_action(old_tablets - self.equipment_id).write({"tablet_state": "stock"})
            self._sync_tablet_state()
            return res
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.filtered(lambda loan: loan.state != "draft"):
            raise UserError(_("Only a draft loan can be deleted: a loan that started is part of the "
                              "tablet's history. Return the tablet to close it."))
        if self.filtered("signed_date"):
            raise UserError(_("A signed loan contract cannot be deleted: the legal representative's "
                              "signature is part of the record."))

    def unlink(self):
        tablets = self.equipment_id
        res = super().unlink()
        # The draft never handed over gives its tablet back to the stock: the tablet's status
        # follows its loans (an action's consequence, not a client's write).
        as_action(tablets.filtered(lambda t: t.tablet_state == "assigned")).write({"tablet_state": "stock"})
        return res

    # ------------------------------------------------------------------- re-issue
    @api.model
    def _history_of(self, people):
        """A function giving (loans, incidents, charges of the family) of one person, read for
        all `people` in three searches under the user's rights; a model the user may not read
        gives nothing (issue 14)."""
        Loan, Incident, Charge = self.env["tablet.loan"], self.env["tablet.incident"], self.env["tablet.charge"]
        people = people.exists()
        representatives = people.legal_representative_ids
        family = {p.id: {p.id, *p.legal_representative_ids.ids} for p in people}
        loans = incidents = None
        charges = Charge
        if people and Loan.has_access("read"):
            loans = Loan.search([("borrower_id", "in", people.ids)])
        if people and Incident.has_access("read"):
            incidents = Incident.search([("borrower_id", "in", people.ids)])
        if people and Charge.has_access("read"):
            charges = Charge.search(["|", ("borrower_id", "in", people.ids),
                                     ("payer_id", "in", representatives.ids)])

        def history(person):
            if not person:
                return Loan, Incident, Charge
            ids = family.get(person.id, {person.id})
            return (loans.filtered(lambda loan: loan.borrower_id == person) if loans is not None else Loan,
                    incidents.filtered(lambda i: i.borrower_id == person) if incidents is not None else Incident,
                    charges.filtered(lambda c: c.borrower_id == person or c.payer_id.id in ids))
        return history

    @api.model
    def _overdue_family_charges(self, borrower_ids):
        """{borrower id: [(charge id, due date, amount due)]} of the charges of each person's
        family that are overdue: invoiced, the invoice posted, not paid, past the charge's
        follow-up due date (the invoice's due date, the rest's after a partial waiver, the
        first unpaid instalment of the head's plan; none once waived or paid).
        The family is the person (borrower of the charge) and their legal representatives
        (payer of the charge). One query whatever the number of people (issue 14).

        Read in SQL past the record rules on purpose: the block is a rule of the programme,
        which holds whoever deploys (a référent does not read charges); only the fact, the
        due date and the reference come out, never the invoice."""
        borrower_ids = [b for b in set(borrower_ids) if b]
        if not borrower_ids:
            return {}
        self.env["tablet.charge"].flush_model(["borrower_id", "payer_id", "invoice_id", "state", "follow_up_due_date"])
        self.env["account.move"].flush_model(["state", "payment_state", "invoice_date_due", "amount_residual"])
        self.env["res.partner"].flush_model(["legal_representative_ids"])
        self.env.cr.execute(SQL("""
            SELECT p.id, c.id, c.follow_up_due_date, m.amount_residual
              FROM res_partner p
              JOIN tablet_charge c ON c.borrower_id = p.id OR c.payer_id IN (
                       SELECT r.representative_id FROM tablet_pupil_representative_rel r WHERE r.pupil_id = p.id)
              JOIN account_move m ON m.id = c.invoice_id
             WHERE p.id = ANY(%(ids)s) AND c.state = 'invoiced' AND m.state = 'posted'
               AND m.payment_state NOT IN ('paid', 'in_payment', 'reversed')
               AND c.follow_up_due_date < %(today)s
             ORDER BY p.id, c.follow_up_due_date, c.id
        """, ids=borrower_ids, today=fields.Date.context_today(self)))
        charges = defaultdict(list)
        for borrower_id, charge_id, due, residual in self.env.cr.fetchall():
            charges[borrower_id].append((charge_id, due, residual))
        return dict(charges)

    @api.model
    def _overdue_family_reasons(self, borrower_ids):
        """{borrower id: why no tablet may be lent to them} (issue 14), for the messages."""
        reasons = {}
        for borrower_id, charges in self._overdue_family_charges(borrower_ids).items():
            reasons[borrower_id] = _(
                "a charge of the family is unpaid past its due date (%(charges)s): no new tablet until it is "
                "paid, unless the head of the collège decides otherwise with a reason",
                charges=", ".join(_("CHG-%(ref)s due on %(date)s", ref="%05d" % charge_id,
                                    date=format_date(self.env, due)) for charge_id, due, _amount in charges))
        return reasons

    @api.model
    def _check_no_overdue_family_charge(self, borrower_ids):
        """No new loan for a person whose family has an overdue charge (issue 14)."""
        reasons = self._overdue_family_reasons(borrower_ids)
        if reasons:
            Partner = self.env["res.partner"]
            raise UserError(_("These tablets cannot be lent:\n%s", _listing([
                f"{Partner.browse(borrower_id).display_name}: {reason}" for borrower_id, reason in reasons.items()])))

    @api.model
    def _bulk_create_loans(self, vals_list):
        """Insert many loans with one INSERT, whatever their number (rentrée deployment).

        The ORM inserts 100 rows per query and logs a message per record; a rentrée
        inserts thousands of loans that all follow the same rules, so this writes
        them in one statement, then runs the same checks as `create` on the batch
        and posts nothing per loan (the caller posts one summary). The database
        constraints still hold against concurrent deployments.
        """
        if not vals_list:
            return self.browse()
        self.check_access("create")  # rows are inserted below, past create()
        self._check_not_already_lent(vals_list)
        self._check_no_overdue_family_charge([v["borrower_id"] for v in vals_list])
        colleges = self.env["res.partner"].browse({v["college_id"] for v in vals_list})
        # search_fetch applies the record rules in SQL; fetch() would check them in Python,
        # person by person, when the fields are already in the cache.
        borrowers = self.env["res.partner"].search_fetch(
            [("id", "in", [v["borrower_id"] for v in vals_list])], ["school_role", "grade_level", "school_class"])
        conventions = {c.college_id.id: c for c in self.env["tablet.convention"].search(
            [("college_id", "in", colleges.ids), ("state", "=", "signed")])}
        defaults = {"state": "draft", **{f"{a}_delivered": True for a in ACCESSORIES}}
        # Stored computes are filled here rather than recomputed: a new, unsigned loan has
        # no home use (R12), and the borrower's role and class are copied from them.
        columns = ["borrower_id", "college_id", "company_id", "equipment_id", "convention_id", "school_year",
                   "state", "date_start", "cover_delivered", "charger_delivered", "cable_delivered",
                   "borrower_role", "grade_level", "school_class", "home_use_allowed"]
        rows = []
        for vals in vals_list:
            vals = {**defaults, **vals}
            college = colleges.browse(vals["college_id"])
            borrower = borrowers.browse(vals["borrower_id"])
            vals.update(company_id=college.company_id.id,
                        convention_id=conventions[college.id].id if college.id in conventions else None,
                        borrower_role=borrower.school_role, grade_level=borrower.grade_level or None,
                        school_class=borrower.school_class or None, home_use_allowed=False)
            rows.append([vals.get(c) for c in columns])
        self.env.flush_all()
        uid, now = self.env.uid, fields.Datetime.now()
        query = SQL(
            """INSERT INTO tablet_loan (%s, create_uid, create_date, write_uid, write_date)
               SELECT *, %s, %s, %s, %s FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::int[],
                   %s::varchar[], %s::varchar[], %s::date[], %s::bool[], %s::bool[], %s::bool[],
                   %s::varchar[], %s::varchar[], %s::varchar[], %s::bool[])
               RETURNING id""",
            SQL(", ").join(SQL.identifier(c) for c in columns), uid, now, uid, now,
            *[[row[i] for row in rows] for i in range(len(columns))],
        )
        self.env.cr.execute(query)
        loans = self.browse([row[0] for row in self.env.cr.fetchall()])
        loans._check_opening()
        loans._sync_tablet_state()
        return loans

    # ------------------------------------------------------------------ actions
    def _sync_tablet_state(self):
        """The tablets follow their loans' status: one query to find those that change, one
        to check the user may write them, one UPDATE, whatever the number of loans (the ORM
        would read the loans and flush the tablets a thousand and a hundred at a time). The
        change is tracked on the loan, which is the tablet's history, not again on each tablet.

        Only tablets that follow their loan move (in stock, lent, in custody): a lost, stolen,
        found or out-of-order tablet, or one at the supplier, keeps its status (issue 15)."""
        if not self:
            return
        self.flush_recordset(["state", "equipment_id"])
        target = SQL("CASE l.state %s END", SQL(" ").join(
            SQL("WHEN %s THEN %s", loan_state, tablet_state) for loan_state, tablet_state in TABLET_STATE_OF_LOAN.items()))
        self.env.cr.execute(SQL("""
            SELECT e.id, %(target)s FROM tablet_loan l JOIN maintenance_equipment e ON e.id = l.equipment_id
             WHERE l.id = ANY(%(ids)s) AND l.state IN %(states)s AND e.tablet_state IS DISTINCT FROM %(target)s
               AND e.tablet_state IN %(follows)s
        """, target=target, ids=list(self._ids), states=tuple(TABLET_STATE_OF_LOAN), follows=FOLLOWS_LOAN_STATES))
        rows = self.env.cr.fetchall()
        if not rows:
            return
        tablets = self.env["maintenance.equipment"].browse([tablet_id for tablet_id, _state in rows])
        check_access_sql(tablets, "write")
        tablets.flush_recordset(["tablet_state"])
        self.env.cr.execute(SQL("""
            UPDATE maintenance_equipment e SET tablet_state = v.state, write_uid = %s, write_date = %s
              FROM unnest(%s::int[], %s::varchar[]) AS v(id, state) WHERE e.id = v.id
        """, self.env.uid, self.env.cr.now(), [r[0] for r in rows], [r[1] for r in rows]))
        tablets.invalidate_recordset(["tablet_state", "write_uid", "write_date"])
        tablets.modified(["tablet_state"])

    def _pivot_figure_fields(self):
        """The loans pivot's stored figures: a change of status between lent, kept at the collège
        and given leaves them as they are (only a return counts missing accessories)."""
        return [self._fields[fname] for fname in ("home_use_count", "incident_count", "missing_accessory_count")]

    def _bulk_set_state(self, state):
        """Campaigns (summer custody and back, R13): the status of thousands of loans and of
        their tablets in one UPDATE each, within the user's access rules; the campaign posts
        one summary per batch. Returns {collège id: loans changed}."""
        if state not in ("active", "custody"):
            raise UserError(_("A campaign moves loans between lent and kept at the collège only."))
        # Between lent and kept at the collège no figure of the loans pivot changes (only a return
        # does): they are neither recomputed nor written again for every loan of the campaign.
        with self.env.protecting(self._pivot_figure_fields(), self):
            rows = bulk_update(self, {"state": state}, returning=("equipment_id", "college_id"))
        tablet_state = TABLET_STATE_OF_LOAN.get(state)
        if tablet_state:
            # Only the tablets physically with the pupil or at the collège (R13): never a lost or
            # stolen one, nor one at the supplier (issue 15); the campaign leaves their loans out.
            self.env["maintenance.equipment"].flush_model(["tablet_state"])
            self.env.cr.execute(SQL(
                "SELECT id FROM maintenance_equipment WHERE id = ANY(%s) AND tablet_state IN ('assigned', 'custody')",
                list({tablet_id for tablet_id, _college in rows})))
            tablets = self.env["maintenance.equipment"].browse([row[0] for row in self.env.cr.fetchall()])
            bulk_update(tablets, {"tablet_state": tablet_state})
        return dict(Counter(college_id for _tablet, college_id in rows))

    @api.model
    def _custody_tablet_domain(self, kind):
        """R13 applies to the tablets physically at the collège or with their pupil: the summer
        takes the lent ones, the rentrée gives back those in custody; a lost or stolen tablet, or
        one at the supplier, is left where it is, and so is its loan (issue 15)."""
        return [("equipment_id.tablet_state", "=", "assigned" if kind == "custody" else "custody")]

    def _tablets(self):
        """The loans' tablets in one query, whatever their number."""
        self.flush_recordset(["equipment_id"])
        self.env.cr.execute(SQL("SELECT DISTINCT equipment_id FROM tablet_loan WHERE id = ANY(%s)", list(self._ids)))
        return self.env["maintenance.equipment"].with_context(active_test=False).browse(
            [row[0] for row in self.env.cr.fetchall()])

    def _replace_tablet(self, new_tablet):
        """A warranty replacement takes the old tablet's place in this open loan (R20).

        Loans refuse a change of tablet once started (see `write`): this is the one
        exception, made by the warranty claim when the supplier's replacement comes back.
        """
        self.ensure_one()
        self._ensure_state(OPEN_STATES, _("Replacing the tablet"))
        if not new_tablet.is_tablet or new_tablet.college_id != self.college_id:
            raise UserError(_("%(tablet)s is not a tablet of %(college)s.", tablet=new_tablet.display_name,
                              college=self.college_id.name))
        if new_tablet.tablet_state != "stock" or self.search_count([
                ("equipment_id", "=", new_tablet.id), ("state", "in", OPEN_STATES)]):
            raise UserError(_("The replacement tablet %s is not free: it must be in stock and lent to nobody.",
                              new_tablet.display_name))
        # R16: a replacement is erased and in working order (an out-of-order tablet is not in stock).
        if self.search_count([("equipment_id", "=", new_tablet.id), ("state", "=", "returned")]):
            raise UserError(_("The replacement tablet %s has not been erased since its last return: "
                              "confirm the erasure of its data on that loan first.", new_tablet.display_name))
        old_tablet = self.equipment_id
        # Written directly, past the draft-only check of `write`: the pupil keeps the same
        # contract, only the device under it changes.
        super(TabletLoan, as_action(self)).write({"equipment_id": new_tablet.id})
        self._sync_tablet_state()
        self.message_post(body=_("Tablet %(old)s replaced by %(new)s under the supplier warranty.",
                                 old=old_tablet.display_name, new=new_tablet.display_name))
        return True

    def _ensure_pupils(self, action):
        """R13 concerns pupils only: a teacher or staff member keeps the tablet over the summer."""
        others = self.filtered(lambda loan: loan.borrower_role != "pupil")
        if others:
            raise UserError(_("%(action)s is for pupils' tablets only: teachers and staff keep theirs over "
                              "the summer. Not a pupil's loan: %(loans)s.",
                              action=action, loans=", ".join(others[:MAX_LISTED].mapped("display_name"))))

    @tablet_action(*LOAN_ACTORS)
    def action_activate(self):
        """Hand the tablet over (R11): the loan starts."""
        self._ensure_state(("draft",), _("Handing over"))
        # A charge may have fallen overdue since the draft was prepared (issue 14).
        self._check_no_overdue_family_charge(self.filtered(lambda loan: not loan.reissue_override_reason).borrower_id.ids)
        today = fields.Date.context_today(self)
        for loan in self.filtered(lambda loan: not loan.date_start):
            loan.date_start = today
        problems = self._deployment_order_problems() + self._handover_signature_problems()
        if problems:
            raise UserError(_("These tablets cannot be handed over yet:\n%s", _listing(list(dict.fromkeys(problems)))))
        self._write_state({"state": "active"})
        self._sync_tablet_state()
        return True

    @tablet_action(*LOAN_ACTORS)
    def action_custody(self):
        """Summer holidays: pupils' tablets stay at the collège (R13); teachers and staff keep theirs."""
        self._ensure_state(("active",), _("Keeping in custody"))
        self._ensure_pupils(_("Keeping in custody"))
        # One query for a campaign's thousands of loans (reading each tablet costs seconds).
        self.flush_recordset(["equipment_id"])
        self.env["maintenance.equipment"].flush_model(["tablet_state"])
        self.env.cr.execute(SQL(
            "SELECT l.id FROM tablet_loan l JOIN maintenance_equipment e ON e.id = l.equipment_id "
            "WHERE l.id = ANY(%s) AND e.tablet_state IS DISTINCT FROM 'assigned' ORDER BY l.id LIMIT %s",
            list(self._ids), MAX_LISTED))
        away = self.browse([row[0] for row in self.env.cr.fetchall()])
        if away:
            labels = dict(self.env["maintenance.equipment"]._fields["tablet_state"]._description_selection(self.env))
            raise UserError(_(
                "Summer custody keeps at the collège only tablets the pupils hand in; these are not with "
                "their pupil: %s.", ", ".join(
                    f"{loan.equipment_id.display_name} ({labels[loan.equipment_id.tablet_state].lower()})"
                    for loan in away[:MAX_LISTED])))
        self._write_state({"state": "custody"})
        self._sync_tablet_state()
        return True

    @tablet_action(*LOAN_ACTORS)
    def action_end_custody(self):
        self._ensure_state(("custody",), _("Handing back after custody"))
        self._write_state({"state": "active"})
        self._sync_tablet_state()
        return True

    @api.readonly
    @tablet_action(*LOAN_ACTORS)
    def action_open_return_wizard(self):
        self._ensure_state(("active", "custody"), _("Returning"))
        return {
            "type": "ir.actions.act_window",
            "name": _("Return of the Tablet"),
            "res_model": "tablet.return.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

    def _register_return(self, date_return, condition, wiped_date, returned_accessories, note=False,
                         powers_on=True, mdm_released=True):
        """The tablet is back (R15), checked against the return's checklist: condition,
        accessories, powers on, released from the MDM, data erased (R16). Damage found opens an
        incident from the return itself (a breakage, or a failure for a tablet that does not
        power on), which goes on to a warranty claim or a charge as any incident does; the
        tablet waits at the collège, out of order. The loan closes once the data is erased and
        the tablet released from the MDM. Returns the incidents opened.

        A tablet that is not in hand (lost, stolen, at the supplier, out of order) is not put
        back in stock by its loan's end: the loan closes without it, the tablet keeps its
        status, and only "found" or a write-off move a lost or stolen one (issue 15)."""
        self._ensure_state(("active", "custody"), _("Returning"))
        if wiped_date and wiped_date < date_return:
            raise UserError(_("The data cannot be erased (%(wiped)s) before the tablet is returned (%(returned)s).",
                              wiped=wiped_date, returned=date_return))
        in_hand = self.filtered(lambda loan: loan.equipment_id.tablet_state in PHYSICALLY_RETURNED_STATES)
        away = self - in_hand
        damaged = condition == "damaged" or not powers_on
        incidents = in_hand._open_return_incidents(date_return, condition, note) if damaged else \
            self.env["tablet.incident"]
        accessories = {f"{a}_returned": a in returned_accessories for a in ACCESSORIES}
        in_hand._write_state({
            "date_return": date_return, "return_condition": condition, "return_note": note,
            "returned_powers_on": powers_on, "returned_mdm_released": mdm_released,
            "data_wiped_date": wiped_date or False,
            "state": "closed" if wiped_date and mdm_released else "returned", **accessories})
        as_action(in_hand.equipment_id).write({"tablet_state": "out_of_order" if damaged else "stock"})
        if away:
            away._write_state({"date_return": date_return, "return_note": note, "state": "closed", **accessories})
            labels = dict(self.env["maintenance.equipment"]._fields["tablet_state"]._description_selection(self.env))
            away._message_log_batch(bodies={loan.id: self.env._(
                "Loan closed without its tablet %(tablet)s, which stays %(state)s: only “found” or a write-off "
                "by the Département changes that.", tablet=loan.equipment_id.display_name,
                state=labels[loan.equipment_id.tablet_state].lower()) for loan in away})
        self.activity_unlink(["tablet_loan.mail_activity_loan_overdue_return"])
        return incidents

    def _open_return_incidents(self, date_return, condition, note):
        """Damage found at the return (R16, R25): one declared incident per loan, dated the day
        of the return, which the collège validates and follows as any other."""
        now = fields.Datetime.now()
        event = min(datetime.combine(date_return, datetime.min.time()), now)
        incident_type = "breakage" if condition == "damaged" else "failure"
        found = _("damaged") if condition == "damaged" else _("does not power on")
        circumstances = _("Found at the return of the tablet on %(date)s: %(found)s.",
                          date=format_date(self.env, date_return), found=found)
        if note:
            circumstances = f"{circumstances}\n{note}"
        incidents = self.env["tablet.incident"].create([{
            "incident_type": incident_type, "loan_id": loan.id, "event_datetime": event,
            "declaration_datetime": event, "circumstances": circumstances,
        } for loan in self])
        self._message_log_batch(bodies={incident.loan_id.id: self.env._(
            "Damage found at the return: incident %s opened.", incident.display_name) for incident in incidents})
        return incidents

    @tablet_action(*LOAN_ACTORS)
    def action_confirm_data_wiped(self):
        """R16: the tablet's data has been erased; the loan closes."""
        self._ensure_state(("returned",), _("Confirming the data erasure"))
        # The MDM's wipe erases the tablet and releases it from the pupil's profile (R10, R16).
        self._write_state({"data_wiped_date": fields.Date.context_today(self), "returned_mdm_released": True,
                           "state": "closed"})
        return True

    @api.readonly
    @tablet_action(*LOAN_READERS)
    def action_print_contract(self):
        return self.env.ref("tablet_loan.action_report_loan_contract").report_action(self)

    # -------------------------------------------------------------- signatures
    @api.readonly
    @tablet_action(*LOAN_ACTORS)
    def action_open_signature_wizard(self):
        """One action records the signatures at the desk, with its defaults (R11, R15)."""
        self.ensure_one()
        self._ensure_state(("draft", "active", "custody", "returned", "closed"), _("Recording the signature"))
        return {
            "type": "ir.actions.act_window",
            "name": _("Record the Signature"),
            "res_model": "tablet.loan.signature.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_loan_id": self.id},
        }

    @api.readonly
    @tablet_action(*LOAN_READERS, *LOAN_ACTORS)
    def action_open_signed_contract(self):
        """The kept signed copy, as it was rendered or scanned: never rendered again."""
        self.ensure_one()
        attachment = self.signed_return_id or self.signed_contract_id
        if not attachment:
            raise UserError(_("%s has no signed copy yet: record the signatures of the hand-over first.",
                              self.display_name))
        return {"type": "ir.actions.act_url", "target": "new",
                "url": f"/web/content/{attachment.id}?download=true"}

    def _signers_needed(self):
        """(people who may sign, whether all of them must): the legal representatives of a pupil
        (all of them when the collège so decides), the borrower themselves otherwise (R11)."""
        self.ensure_one()
        if self.borrower_id.school_role == "pupil":
            return self.borrower_id.legal_representative_ids, not self.one_representative_signs
        return self.borrower_id, True

    def _signatures_missing(self, moment):
        """The people whose signature the moment still waits for (empty: complete)."""
        self.ensure_one()
        allowed, all_sign = self._signers_needed()
        signed = self.signature_ids.filtered(lambda s: s.moment == moment).signer_id
        if not allowed:
            return allowed
        if all_sign:
            return allowed - signed
        return allowed.browse() if signed & allowed else allowed

    def _record_signatures(self, moment, signatures, scan=None, scan_name=None):
        """After the wizard's checks: the signatures are recorded; once the moment's are complete,
        the signed copy is kept (rendered once, or the scan) and the legacy signature fields set."""
        self.ensure_one()
        records = self.env["tablet.loan.signature"].create([dict(vals, loan_id=self.id, moment=moment)
                                                             for vals in signatures])
        self.message_post(body=_("Signed (%(moment)s) by %(signers)s, staff member present: %(staff)s.",
                                 moment=dict(records._fields["moment"]._description_selection(self.env))[moment],
                                 signers=", ".join(records.signer_id.mapped("name")),
                                 staff=", ".join(records.staff_user_id.mapped("name"))))
        if moment == "handover" and not self.signed_by_id:
            first = self.signature_ids.filtered(lambda s: s.moment == "handover")[:1]
            signed_on = fields.Date.context_today(self, first.signed_at)
            self._write_state({"signed_by_id": first.signer_id.id, "signed_date": signed_on})
        if not self._signatures_missing(moment):
            if scan is not None:
                self._keep_signed_copy(moment, scan, scan_name)
            else:
                self._queue_signed_copy(moment)
        return records

    def _queue_signed_copy(self, moment):
        """The copy is rendered after the request, by the scheduled action: a family's signature at
        the desk does not wait for wkhtmltopdf, nor do the other users' requests behind it."""
        self.ensure_one()
        fname = "signed_contract_id" if moment == "handover" else "signed_return_id"
        if self[fname] or self.signed_copy_due == moment:
            raise UserError(_("%(loan)s already has its signed copy (%(file)s): it is kept as it is.",
                              loan=self.display_name, file=self[fname].name or dict(
                                  self._fields["signed_copy_due"]._description_selection(self.env))[moment]))
        if self.signed_copy_due:
            # The other moment's copy, still waiting: kept first, so that each shows its own signatures.
            self._keep_signed_copy(self.signed_copy_due)
        self._write_state({"signed_copy_due": moment})
        self.env.ref("tablet_loan.ir_cron_tablet_signed_copies")._trigger()

    @api.model
    def _cron_keep_signed_copies(self, limit=20):
        """Render the signed copies waiting, oldest first, a few per run; the scheduler runs again
        (committing in between) while some remain. A copy that fails to render is logged and
        left waiting for the next run."""
        # R29: nothing is rendered for a person anonymised meanwhile (their signatures are gone).
        gone = self.search([("signed_copy_due", "!=", False), ("borrower_id.tablet_anonymized", "=", True)])
        if gone:
            gone._write_state({"signed_copy_due": False})
        loans = self.search([("signed_copy_due", "!=", False)], order="id", limit=limit)
        done = 0
        for loan in loans:
            try:
                with self.env.cr.savepoint():
                    loan.with_company(loan.company_id)._keep_signed_copy(loan.signed_copy_due)
                done += 1
            except Exception:  # noqa: BLE001 - one copy that fails does not hold the others back
                _logger.exception("Signed copy of loan %s not rendered; retried at the next run", loan.id)
        remaining = self.search_count([("signed_copy_due", "!=", False), ("id", ">", loans[-1:].id or 0)])
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @tablet_action(*LOAN_ACTORS)
    def action_keep_signed_copy(self):
        """At the desk, when the family waits for its copy: rendered now rather than by the
        scheduled action."""
        # The user's own rights on the loan (record rules), as the signature wizard checks them.
        self.check_access("write")
        for loan in self:
            if not loan.signed_copy_due:
                raise UserError(_("%s has no signed copy waiting to be prepared.", loan.display_name))
            loan._keep_signed_copy(loan.signed_copy_due)
        return True

    def _keep_signed_copy(self, moment, content=None, filename=None):
        """Render the contract with its signatures once (or keep the scan) as a file of the loan,
        and post its SHA-256 digest: the copy is then never rendered again nor replaced
        (ir_attachment.py refuses it)."""
        self.ensure_one()
        fname = "signed_contract_id" if moment == "handover" else "signed_return_id"
        if self[fname]:
            raise UserError(_("%(loan)s already has its signed copy (%(file)s): it is kept as it is.",
                              loan=self.display_name, file=self[fname].name))
        title = _("Signed contract") if moment == "handover" else _("Signed return")
        if content is None:
            # Under Odoo's tests the report comes as HTML unless the context forces the PDF
            # (`force_report_rendering`): wkhtmltopdf would wait for the test's own HTTP request.
            content, _type = self.env["ir.actions.report"]._render_qweb_pdf(
                "tablet_loan.action_report_loan_contract", self.ids)
            filename = f"{title} {self._reference()}.pdf"
        attachment = self.env["ir.attachment"].create({
            "name": filename or f"{title} {self._reference()}", "raw": content,
            "res_model": self._name, "res_id": self.id})
        vals = {fname: attachment.id}
        if self.signed_copy_due == moment:
            vals["signed_copy_due"] = False
        self._write_state(vals)
        self.message_post(body=_("%(title)s kept: %(file)s, SHA-256 %(digest)s.", title=title,
                                 file=attachment.name, digest=hashlib.sha256(content).hexdigest()),
                          attachment_ids=attachment.ids)
        return attachment

    # -------------------------------------------------------------- departures
    def _end_on(self, leaving_date):
        """R14: the loan ends on the day the user leaves; the tablet is due back then."""
        self._ensure_state(OPEN_STATES, _("Ending the loan"))
        self.filtered(lambda loan: loan.state == "draft").unlink()
        started = self.exists()
        started.write({"date_end": leaving_date})
        return started

    @api.model
    def _referent_users(self, colleges):
        """{collège id: user} who receives the collège's activities: a digital referent
        user of the collège, else its head, else the Département follow-up."""
        users = self.env["res.users"].search([("tablet_college_ids", "in", colleges.ids), ("share", "=", False)])
        referent_group = self.env.ref("tablet_loan.group_college_referent")
        head_group = self.env.ref("tablet_loan.group_college_head")
        by_college = {}
        # The référent does the first-level follow-up (I 2.2); the head only when there is none.
        for user in users.sorted(lambda u: (referent_group not in u.groups_id, head_group in u.groups_id, u.id)):
            for college in user.tablet_college_ids:
                by_college.setdefault(college.id, user)
        return by_college

    @api.model
    def _head_users(self, colleges):
        """{collège id: user} of the head of each collège, who decides replacements (R23)."""
        users = self.env["res.users"].search([("tablet_college_ids", "in", colleges.ids), ("share", "=", False)])
        by_college = {}
        for user in users.filtered(lambda u: u.has_group("tablet_loan.group_college_head")).sorted("id"):
            for college in user.tablet_college_ids:
                by_college.setdefault(college.id, user)
        return by_college

    @api.model
    def _cron_overdue_returns(self):
        """Daily: an activity for the référent on each return past its due date (R14)."""
        self.search([("is_overdue", "=", True)])._ask_for_return()

    @api.model
    def _cron_end_loans_of_leavers(self):
        """Daily (R14): the loan ends on the day its user leaves the collège. A leaving date typed
        on the person's form ends their open loans on that day once it has come (a draft never
        handed over is cancelled), and the référent gets an activity to get the tablet back."""
        self._end_loans_of_leavers()

    @api.model
    def _end_loans_of_leavers(self, borrowers=None):
        """The daily job's work (R14), for everyone or for `borrowers` only: the SIECLE import
        (issue 16) ends at once the loans of the pupils whose departure it records in the past."""
        today = fields.Date.context_today(self)
        domain = [("state", "in", OPEN_STATES), ("borrower_id.leaving_date", "<=", today)]
        if borrowers is not None:
            domain.append(("borrower_id", "in", borrowers.ids))
        loans = self.search(domain)
        loans = loans.filtered(lambda loan: not loan.date_end or loan.date_end > loan.borrower_id.leaving_date)
        if not loans:
            return self.browse()
        ended = self.browse()
        for leaving_date, group in loans.grouped(lambda loan: loan.borrower_id.leaving_date).items():
            ended |= group._end_on(leaving_date)
        ended._message_log_batch(bodies={loan.id: self.env._(
            "The loan ends on %(date)s: the user leaves the collège. The tablet is due back by then.",
            date=format_date(self.env, loan.date_end)) for loan in ended})
        ended._ask_for_return()
        return ended

    def _ask_for_return(self):
        """An activity for the référent of each loan to get its tablet back (R14), unless one is
        already there. The activities are created in one batch, without an e-mail each: the
        référent gets one notice per collège listing the tablets, rather than one e-mail per tablet.
        The texts are in the référent's language, as the notice they receive (read once per
        language: `_()` without a language in the context asks the database for the user's)."""
        activity_type = self.env.ref("tablet_loan.mail_activity_loan_overdue_return")
        followed = self.env["mail.activity"].search([
            ("res_model", "=", self._name), ("res_id", "in", self.ids), ("activity_type_id", "=", activity_type.id)])
        overdue = self - self.browse(followed.mapped("res_id"))
        if not overdue:
            return
        today = fields.Date.context_today(self)
        referents = self._referent_users(overdue.college_id)
        model_id = self.env["ir.model"]._get_id(self._name)
        by_user, vals_list = defaultdict(lambda: defaultdict(list)), []
        for loan in overdue:
            user = referents.get(loan.college_id.id) or loan.convention_id.user_id or self.env.user
            summary = in_lang_of(self, user).env._(
                "Tablet of %(borrower)s not returned (due %(date)s)", borrower=loan.borrower_id.name,
                date=loan.date_end)
            vals_list.append({
                "res_model_id": model_id, "res_id": loan.id, "activity_type_id": activity_type.id,
                "summary": summary, "note": activity_type.default_note, "automated": True,
                "date_deadline": today, "user_id": user.id,
            })
            by_user[user][loan.college_id].append(summary)
        # mail.activity.create subscribes the assignees one référent at a time (Odoo batches by user).
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(vals_list)
        self._notify_overdue(by_user)

    def _notify_overdue(self, by_user):
        """R14: one notice per collège to its référent listing the tablets not returned, on the
        collège (a `user_notification`, as `message_notify` writes it: not in its chatter).

        A référent who receives their notifications by e-mail (Odoo's default) gets it as Odoo's
        digest sends its e-mails: the `mail.mail` of every collège created in one batch (its
        message with it), and its `mail.notification` (the référent's, of type e-mail, which the
        sending updates as for any notification). `message_notify` did the same one collège at a
        time, rendering Odoo's notification layout around the list (about ten queries each). A
        référent who handles notifications in Odoo gets them through `message_notify` (an inbox
        notification, no e-mail).

        sudo: as `message_notify` and the digest do, the outgoing mail and its notification are
        written as superuser (only administrators may create `mail.mail`); the recipients are
        checked first as for any message the user sends (`_tablet_check_partners_readable`)."""
        self.env["mail.thread"]._tablet_check_partners_readable(
            [user.partner_id.id for user in by_user], _("Sending a notification"))
        author = self.env.user.partner_id
        email_from = author.email_formatted or self.env.company.partner_id.email_formatted or False
        note = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        colleges = self.env["res.partner"].concat(*(college for colleges in by_user.values() for college in colleges))
        reply_to = colleges._notify_get_reply_to(default=email_from)  # as message_notify, for all at once
        notices, recipients = [], []
        for user, colleges in by_user.items():
            env = in_lang_of(self, user).env
            for college, summaries in colleges.items():
                subject = env._("%(count)s tablets not returned on time at %(college)s",
                                count=len(summaries), college=college.name)
                body = Markup("<ul>%s</ul>") % Markup().join(Markup("<li>%s</li>") % line for line in summaries)
                if user.notification_type == "inbox":
                    college.message_notify(partner_ids=user.partner_id.ids, subject=subject, body=body)
                    continue
                notices.append({
                    "model": "res.partner", "res_id": college.id, "record_name": college.name,
                    "message_type": "user_notification", "subtype_id": note, "is_internal": True,
                    "author_id": author.id, "email_from": email_from, "reply_to": reply_to[college.id],
                    "subject": subject, "body": body,
                    "body_html": Markup("<p>%s</p>") % subject + body, "partner_ids": user.partner_id.ids,
                    "recipient_ids": user.partner_id.ids, "is_notification": True, "auto_delete": True,
                    "state": "outgoing",
                })
                recipients.append(user.partner_id.id)
        if notices:
            mails = self.env["mail.mail"].sudo().create(notices)
            self.env["mail.notification"].sudo().create([{
                "mail_message_id": mail.mail_message_id.id, "mail_mail_id": mail.id, "res_partner_id": partner_id,
                "author_id": author.id, "notification_type": "email", "notification_status": "ready", "is_read": True,
            } for mail, partner_id in zip(mails, recipients, strict=False)])

    def _remind_custody_missing(self):
        """R13: the référent follows up each pupil who did not hand the tablet in for the summer."""
        activity_type = self.env.ref("tablet_loan.mail_activity_custody_missing")
        referents = self._referent_users(self.college_id)
        for loan in self:
            user = referents.get(loan.college_id.id) or self.env.user
            loan.activity_schedule(activity_type_id=activity_type.id, user_id=user.id,
                                   summary=_("%s did not hand the tablet in for the summer", loan.borrower_id.name))

    # ------------------------------------------------------------------- gifts
    def _gift_refusals(self):
        """{loan: reason} for loans whose tablet may not be given at the end of 3e (R17, R24a).

        "Managed responsibly throughout" (R17): the tablet is with the pupil in working order
        (not lost, stolen, at the supplier or out of order), the pupil has not left the collège
        without returning it (R14), and no fault over the pupil's whole history in the
        programme, every loan and year, not only the current loan (issue 15).

        A pupil who returned the tablet at the end of the year in good order (working, erased and
        released, the loan closed) may be given it too (issue 15): the tablet is still in the
        collège's stock, lent to nobody since, and the pupil holds no other tablet.

        One query for the batch, whatever the number of loans: the loans the user may read (record
        rules applied once), each reason the ORM's own search of them, the first reason that
        holds winning. The reasons are facts read past the record rules (the tablet's
        state, the pupil's departure, the convention's model, the incidents), as the faults are."""
        if not self:
            return {}
        Loan = self.with_context(active_test=False)
        ids = [("id", "in", self.ids)]
        today = fields.Date.context_today(self)
        active = ("state", "=", "active")
        checks = [
            ([("state", "not in", GIFT_LOAN_STATES)], _("the loan is neither active nor closed after a return")),
            (["|", ("borrower_role", "!=", "pupil"), ("grade_level", "!=", "3e")],
             _("only pupils finishing 3e receive their tablet")),
            # I 3.2: the Isère convention forbids any cession, even free of charge.
            ([("convention_id.model_id.gift_allowed", "=", False)],
             _("the collège's convention forbids giving a tablet away: every tablet comes back to the Département")),
            ([active, ("borrower_id.leaving_date", "<", today)],
             _("the pupil left the collège without returning the tablet")),
            ([active, ("equipment_id.tablet_state", "!=", "assigned")],
             _("the tablet is not with the pupil in working order (lost, stolen, at the supplier or out of order)")),
            ([("state", "=", "closed"), "|", "|", "|", ("date_return", "=", False),
              ("return_condition", "not in", ("good", "worn")), ("returned_powers_on", "=", False),
              ("data_wiped_date", "=", False)],
             _("the tablet was not returned in working order with its data erased")),
            ([("state", "=", "closed"), ("equipment_id.tablet_state", "!=", "stock")],
             _("the returned tablet is no longer in the collège's stock")),
            ([("state", "=", "closed"), ("id", "not in", self._latest_loan_of_tablets())],
             _("the tablet was lent to someone else after its return")),
            ([("state", "=", "closed"), ("borrower_id", "in", self._borrowers_with_open_loan())],
             _("the pupil holds another tablet: the gift is that one")),
            ([("no_gift", "=", True)], _("no gift: counterpart of a replacement decided by the head")),
            ([("incident_ids.state", "in", ("declared", "validated", "decided"))], _("an incident is still open on this loan")),
            ([("borrower_id", "in", self._borrowers_at_fault())],
             _("a fault over the pupil's years in the programme (damage qualified as deliberate or negligent, "
               "a charge, or a warranty voided by the user)")),
        ]
        # The loans under the user's record rules, once; each reason the batch's loans that meet it
        # (a sub-query of the batch, which PostgreSQL joins from the loans' ids), or, for a reason on
        # the loan's own columns, the ORM's condition itself on the row (no sub-query to plan and run).
        query = Loan._search(ids)
        loan_id = SQL.identifier(query.table, "id")
        facts = Loan.sudo()

        def when(domain):
            if self._on_own_columns(domain):
                own = facts._where_calc(domain, active_test=False)
                if not own._joins and own.table == query.table:
                    return own.where_clause
            return SQL("%s IN %s", loan_id, facts._search(ids + domain).subselect())
        whens = SQL(" ").join(SQL("WHEN %s THEN %s", when(domain), index) for index, (domain, _reason) in enumerate(checks))
        rows = self.env.execute_query(query.select(loan_id, SQL("CASE %s END", whens)))
        return {self.browse(loan): checks[index][1] for loan, index in rows if index is not None}

    @api.model
    def _on_own_columns(self, domain):
        """Whether `domain` reads only the loan's own columns (no path, no sub-query)."""
        return all(not isinstance(leaf, (list, tuple)) or (
            "." not in leaf[0] and self._fields[leaf[0]].column_type and self._fields[leaf[0]].store
            and not isinstance(leaf[2], SQL)) for leaf in domain)

    def _latest_loan_of_tablets(self):
        """The latest loan of each tablet of this batch's closed loans (the only ones it is asked
        for), as a sub-query: a returned tablet is given only on its last loan, not after it went
        to someone else."""
        self.flush_model(["equipment_id", "state"])
        return SQL("""(SELECT DISTINCT ON (equipment_id) id FROM tablet_loan
                        WHERE equipment_id IN (SELECT equipment_id FROM tablet_loan
                                                WHERE id = ANY(%s) AND state = 'closed')
                        ORDER BY equipment_id, id DESC)""", list(self._ids))

    def _borrowers_with_open_loan(self):
        """The borrowers of this batch's closed loans (the only ones it is asked for) who hold an
        open loan, as a sub-query."""
        self.flush_model(["borrower_id", "state"])
        return SQL("""(SELECT borrower_id FROM tablet_loan
                        WHERE state IN %s AND borrower_id IN (SELECT borrower_id FROM tablet_loan
                                                               WHERE id = ANY(%s) AND state = 'closed'))""",
                   OPEN_STATES, list(self._ids))

    def _borrowers_at_fault(self):
        """This batch's borrowers with a fault anywhere in their history (R17, R21, R24), as a
        sub-query: an incident the head qualified as deliberate damage or clear negligence, a
        charge that was not cancelled, a warranty claim voided by the user.

        Read past the record rules on purpose, the facts only: a pupil who changed collège keeps
        their history, and the head's référents who prepare the gift read no charge."""
        self.flush_model(["borrower_id"])
        people = SQL("(SELECT borrower_id FROM tablet_loan WHERE id = ANY(%s))", list(self._ids))
        Incident = self.env["tablet.incident"].sudo().with_context(active_test=False)
        incidents = Incident._search([
            ("borrower_id", "in", people), ("state", "!=", "cancelled"),
            "|", "&", ("qualification", "in", FAULT_QUALIFICATIONS), ("decision_date", "!=", False),
            ("warranty_claim_ids.warranty_void", "=", True),
        ])
        charges = self.env["tablet.charge"].sudo()._search([("borrower_id", "in", people), ("state", "!=", "cancelled")])
        return SQL("(%s UNION %s)", incidents.subselect(SQL.identifier(Incident._table, "borrower_id")),
                   charges.subselect(SQL.identifier("tablet_charge", "borrower_id")))

    def _check_gift_refusals(self, refusals=None):
        """R17: the gift is refused as a whole, naming each pupil and why, when one loan may not be given."""
        refusals = self._gift_refusals() if refusals is None else refusals
        if refusals:
            raise UserError(_("These pupils cannot receive their tablet:\n%s",
                              _listing([f"{loan.borrower_id.name}: {reason}" for loan, reason in refusals.items()])))

    def _donate(self, date, checked=False, returned=None):
        """R17: the tablets are given and leave the fleet (archived, date kept for the asset
        register): a fixed number of queries whatever the number of loans. `checked`: the caller
        has just computed `_gift_refusals` of these loans in the same transaction (the campaign's
        batch), which is not done twice; `returned`: those of them closed after a return, as the
        caller has just read them (private arguments: no client reaches them)."""
        if not checked:
            self._check_gift_refusals()
        if returned is None:
            # The states in one narrow read: the loans' records are not needed (a fetch reads every column).
            returned = self.browse([loan_id for loan_id, row in read_columns(self, ["state"]).items()
                                    if row["state"] == "closed"])
        # A tablet given after its return keeps its loan's end (the return); an active loan ends today.
        if returned:
            bulk_write(returned, {"state": "donated", "donated_date": date})
        if self - returned:
            lent = self - returned
            with self.env.protecting(self._pivot_figure_fields(), lent):
                bulk_write(lent, {"state": "donated", "donated_date": date, "date_end": date})
        tablets = self._tablets()
        bulk_write(tablets, {"tablet_state": "donated", "out_of_fleet_date": date, "active": False})
        # R17: the given tablets leave the Département's asset register by the scheduled action, one
        # entry for all the day's gifts (the heads give collège by collège).
        self.env["tablet.asset.register"]._dispose_given_later()
        return True
