from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date
from odoo.tools.translate import LazyTranslate

from .maintenance_equipment import MISSING_STATES, OUT_OF_FLEET_STATES, TABLET_STATES
from .relation_guard import check_link_targets
from .tablet_charge_tariff_line import CASE_OF_QUALIFICATION, QUALIFICATIONS, QUALIFICATIONS_OF_TYPE
from .tablet_workflow_mixin import ALL_FIELDS, as_action, tablet_action
from .utils import count_by, window_action

_lt = LazyTranslate(__name__)

DECLARATION_DELAY = timedelta(hours=48)
# Tariff case of each incident type (R24b); a failure is the supplier's warranty, not the family's.
CHARGE_CASE_OF_INCIDENT = {"breakage": "breakage", "loss": "loss", "theft": "theft"}
# Status the tablet takes once the incident is validated.
TABLET_STATE_OF_INCIDENT = {"breakage": "repair", "failure": "repair", "loss": "lost", "theft": "stolen"}
# The head's decision (R23, R24): prepared by the référent, frozen once decided.
DECISION_FIELDS = ("decision", "qualification", "replacement_equipment_id", "counterpart_no_gift", "counterpart_charge",
                   "counterpart_stays", "charge_amount", "decision_note")
# Who takes each step (README, "Incidents, warranty, replacements and charges").
COLLEGE_STAFF = ("tablet_loan.group_college_referent", "tablet_loan.group_department_manager")
COLLEGE_STAFF_ROLE = _lt("the collège's référents and head, or the Département's programme manager")
READERS = ("tablet_loan.group_college_referent", "tablet_loan.group_department_officer")
READERS_ROLE = _lt("the collège's référents and head, or the Département's staff")
HEAD = "tablet_loan.group_college_head"
# Issue 19: a tablet declared lost or stolen is no longer with its pupil from the declaration on.
MISSING_STATE_OF_INCIDENT = {"loss": "lost", "theft": "stolen"}
# Statuses in which the collège acts on a checked incident (warranty claim, closing, write-off, geolocation).
CHECKED_STATES = ("validated", "decided")
# Types of incident the head decides a replacement for (R23).
TO_DECIDE_TYPES = ("breakage", "loss", "theft")


class TabletIncident(models.Model):
    """An incident declared by the family to the collège (R18, R19, R25, B 5.4).

    The collège keeps the family's letter; a late declaration is recorded, not refused.
    """

    _name = "tablet.incident"
    _description = "Tablet Incident"
    _inherit = ["tablet.workflow.mixin", "tablet.attachment.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "declaration_datetime desc, id desc"
    _check_company_auto = True
    # Facts only the actions record; what a validated incident no longer changes (R18, R19, R25).
    _tablet_action_fields = ("validated_date", "decision_date", "decided_by_id", "charge_id", "tablet_state_before")
    _tablet_frozen_fields = {
        "validated": ("incident_type", "loan_id", "event_datetime", "declaration_datetime",
                      "complaint_date", "complaint_attachment_ids"),
        # Decided (R23): as validated; the decision itself is frozen by its date (`_tablet_frozen_fields_of`).
        "decided": ("incident_type", "loan_id", "event_datetime", "declaration_datetime",
                    "complaint_date", "complaint_attachment_ids"),
        "closed": ALL_FIELDS,
        "cancelled": ALL_FIELDS,
    }

    incident_type = fields.Selection(
        [("breakage", "Breakage"), ("failure", "Failure"), ("loss", "Loss"), ("theft", "Theft")],
        string="Type", required=True, tracking=True, index=True,
    )
    loan_id = fields.Many2one(
        "tablet.loan", required=True, index=True, tracking=True, ondelete="restrict",
        domain="[('state', 'in', ('active', 'custody'))]",
    )
    equipment_id = fields.Many2one(
        "maintenance.equipment", string="Tablet", index=True, ondelete="restrict",
        compute="_compute_from_loan", store=True, precompute=True, readonly=True,
        help="The tablet concerned, kept even if the loan later receives a replacement.",
    )
    borrower_id = fields.Many2one("res.partner", compute="_compute_from_loan",
                                  store=True, precompute=True, readonly=True, index=True)
    college_id = fields.Many2one("res.partner", string="Collège", compute="_compute_from_loan",
                                 store=True, precompute=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", string="Département", compute="_compute_from_loan",
                                 store=True, precompute=True, readonly=True, index=True)
    school_class = fields.Char(related="loan_id.school_class")
    # Stored for the dashboards (pivot, graph): incidents per school year of the loan.
    school_year = fields.Char(related="loan_id.school_year", store=True, index=True, string="School Year")
    event_datetime = fields.Datetime(string="Happened on", required=True, tracking=True)
    declaration_datetime = fields.Datetime(
        string="Declared to the Collège on", required=True, tracking=True, default=fields.Datetime.now,
    )
    late_declaration = fields.Boolean(
        compute="_compute_late_declaration", store=True, index=True,
        help="Declared more than 48 hours after the event: recorded, not refused.",
    )
    circumstances = fields.Text(
        tracking=True,
        groups="tablet_loan.group_department_manager,tablet_loan.group_college_referent",
        help="As stated in the family's letter.",
    )
    letter_attachment_ids = fields.Many2many(
        "ir.attachment", "tablet_incident_letter_rel", "incident_id", "attachment_id",
        string="Family's Letter", groups="tablet_loan.group_department_manager,tablet_loan.group_college_referent",
        copy=False,
    )
    complaint_date = fields.Date(string="Complaint Filed on", tracking=True,
                                 help="Police or gendarmerie complaint, within 48 hours of a theft.")
    complaint_attachment_ids = fields.Many2many(
        "ir.attachment", "tablet_incident_complaint_rel", "incident_id", "attachment_id",
        string="Complaint", groups="tablet_loan.group_department_manager,tablet_loan.group_college_referent",
        copy=False,
    )
    complaint_deadline = fields.Datetime(
        string="Complaint Due by", compute="_compute_complaint_deadline", store=True, index=True,
        help="A theft's police or gendarmerie complaint is due within 48 hours of the event.",
    )
    complaint_overdue = fields.Boolean(
        compute="_compute_complaint_overdue", search="_search_complaint_overdue",
        help="A theft whose complaint is still missing after its deadline.",
    )
    has_complaint = fields.Boolean(compute="_compute_has_complaint", store=True, string="Complaint Attached")
    missing_complaint = fields.Boolean(
        compute="_compute_has_complaint", store=True, index=True,
        help="A theft without the police or gendarmerie complaint.",
    )
    state = fields.Selection(
        [("declared", "Declared"), ("validated", "Validated"), ("decided", "Decided"), ("closed", "Closed"),
         ("cancelled", "Cancelled")],
        string="Status", default="declared", required=True, readonly=True, copy=False, index=True, tracking=True,
    )
    validated_date = fields.Date(string="Validated on", readonly=True, copy=False)
    tablet_state_before = fields.Selection(
        TABLET_STATES, string="Tablet Status before the Declaration", readonly=True, copy=False,
        help="The tablet's status before a loss or a theft was declared: it comes back to it if the incident "
             "is cancelled.",
    )
    next_step = fields.Char(compute="_compute_next_step")
    # The tablet's condition, which decides whether the supplier's warranty may apply (R20, R21).
    surface_damage = fields.Boolean(
        string="Shocks, Scratches, Marks or Cracked Screen", tracking=True,
        help="The supplier's warranty does not apply to a tablet showing shocks, scratches or marks, nor to a "
             "cracked screen.",
    )
    opened_by_user = fields.Boolean(
        string="Opened or Repaired by the User", tracking=True,
        help="Opened, dismantled or repaired by the user: the warranty is void and the legal representative is "
             "asked to reimburse the equipment.",
    )
    warranty_claim_possible = fields.Boolean(
        compute="_compute_warranty_claim_possible", store=True,
        help="A checked breakage or failure of a tablet without surface damage, not opened by the user.",
    )
    warranty_claim_ids = fields.One2many("tablet.warranty.claim", "incident_id", string="Warranty Claims")
    # Issue 17: the acknowledgement and the decision written to the family (R4).
    letter_ids = fields.One2many("tablet.letter", "incident_id", string="Letters",
                                 groups="tablet_loan.group_college_referent,tablet_loan.group_department_manager")
    warranty_claim_count = fields.Integer(compute="_compute_warranty_claim_count")

    # Replacement decision (R23, R24): the référent prepares, only the head decides.
    decision = fields.Selection(
        [("replace", "Replace the tablet"), ("no_replacement", "No replacement")],
        string="Replacement Decision", tracking=True, copy=False,
        help="Decided by the head of the collège, conditioned on pedagogical use.",
    )
    qualification = fields.Selection(
        QUALIFICATIONS, string="Qualification of the Facts", tracking=True, copy=False,
        help="Set by the head when deciding: only a qualification the CA's deliberation charges may bring a "
             "financial counterpart, never a hardware failure.",
    )
    replacement_equipment_id = fields.Many2one(
        "maintenance.equipment", string="Replacement Tablet", copy=False, ondelete="restrict",
        domain="[('is_tablet', '=', True), ('college_id', '=', college_id), ('tablet_state', '=', 'stock'), "
               "('data_to_erase', '=', False)]",
        help="A tablet of the collège's stock whose data was erased at its last return.",
    )
    counterpart_no_gift = fields.Boolean(string="No Gift at the End of 3e", tracking=True, copy=False,
                                         help="The replacement will not be given at the end of 3e.")
    counterpart_charge = fields.Boolean(string="Financial Counterpart", tracking=True, copy=False,
                                        help="An amount set by the conseil d'administration's tariff.")
    counterpart_stays = fields.Boolean(string="Replacement Stays at the Collège", tracking=True, copy=False,
                                       help="The replacement no longer goes home.")
    currency_id = fields.Many2one(related="company_id.currency_id")
    tariff_line_id = fields.Many2one("tablet.charge.tariff.line", compute="_compute_tariff_line_id")
    proposed_charge_amount = fields.Monetary(string="Amount from the Tariff", compute="_compute_tariff_line_id")
    charge_cap = fields.Monetary(string="Cap", compute="_compute_tariff_line_id")
    charge_amount = fields.Monetary(string="Amount Decided", tracking=True, copy=False,
                                    help="Proposed from the tariff; the head may change it up to the cap.")
    charge_id = fields.Many2one("tablet.charge", readonly=True, copy=False)
    decision_note = fields.Text(string="Reasons of the Decision", copy=False)
    decision_date = fields.Date(string="Decided on", readonly=True, copy=False, tracking=True)
    decided_by_id = fields.Many2one("res.users", string="Decided by", readonly=True, copy=False)

    def _creation_message(self):
        """The chatter's first line: mail's "<description> created" reads wrong in French
        (the participle does not agree with the document's gender); a sentence of its own."""
        self.ensure_one()
        return _("Incident recorded.")

    @api.depends("loan_id")
    def _compute_from_loan(self):
        for incident in self:
            loan = incident.loan_id
            incident.equipment_id = incident.equipment_id or loan.equipment_id
            incident.borrower_id = loan.borrower_id
            incident.college_id = loan.college_id
            incident.company_id = loan.company_id

    @api.depends("event_datetime", "declaration_datetime")
    def _compute_late_declaration(self):
        for incident in self:
            incident.late_declaration = bool(
                incident.event_datetime and incident.declaration_datetime
                and incident.declaration_datetime - incident.event_datetime > DECLARATION_DELAY
            )

    @api.depends("complaint_attachment_ids", "incident_type")
    def _compute_has_complaint(self):
        for incident in self:
            incident.has_complaint = bool(incident.complaint_attachment_ids)
            incident.missing_complaint = incident.incident_type == "theft" and not incident.has_complaint

    @api.depends("incident_type", "event_datetime")
    def _compute_complaint_deadline(self):
        """R19: the complaint is due within 48 hours of the theft."""
        for incident in self:
            theft = incident.incident_type == "theft" and incident.event_datetime
            incident.complaint_deadline = incident.event_datetime + DECLARATION_DELAY if theft else False

    @api.depends("missing_complaint", "complaint_deadline", "state")
    def _compute_complaint_overdue(self):
        now = fields.Datetime.now()
        for incident in self:
            incident.complaint_overdue = bool(
                incident.missing_complaint and incident.state != "cancelled"
                and incident.complaint_deadline and incident.complaint_deadline < now)

    def _search_complaint_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Complaint Overdue is searched as true or false only."))
        now = fields.Datetime.now()
        if (operator == "=") == value:
            return [("missing_complaint", "=", True), ("state", "!=", "cancelled"), ("complaint_deadline", "<", now)]
        return ["|", "|", ("missing_complaint", "=", False), ("state", "=", "cancelled"),
                "|", ("complaint_deadline", "=", False), ("complaint_deadline", ">=", now)]

    @api.depends("state", "incident_type", "surface_damage", "opened_by_user")
    def _compute_warranty_claim_possible(self):
        """R20, R21: the button shows only where `_warranty_claim_refusal` would let the claim through."""
        for incident in self:
            incident.warranty_claim_possible = (
                incident.state in CHECKED_STATES and incident.incident_type in ("breakage", "failure")
                and not incident.surface_damage and not incident.opened_by_user)

    def _warranty_claim_refusal(self):
        """Why no warranty claim is made for this incident (R20, R21), or False."""
        self.ensure_one()
        if self.state not in CHECKED_STATES or self.incident_type not in ("breakage", "failure"):
            return _("A warranty claim is made for a validated breakage or failure incident (%s).", self.display_name)
        if self.surface_damage:
            return _("%s: the tablet shows shocks, scratches, marks or a cracked screen: the supplier's warranty "
                     "does not apply.", self.display_name)
        if self.opened_by_user:
            return _("%s: the tablet was opened, dismantled or repaired by the user: the warranty is void. Ask the "
                     "legal representative to reimburse the equipment instead.", self.display_name)
        return False

    @api.depends("state", "incident_type", "missing_complaint", "decision_date", "warranty_claim_possible")
    def _compute_next_step(self):
        """What the collège does next, shown on the form (issue 19)."""
        for incident in self:
            state = incident.state
            if state == "declared":
                step = (_("Attach the police or gendarmerie complaint, then validate the declaration.")
                        if incident.missing_complaint else _("Check the declaration, then validate it."))
            elif state == "validated" and incident.incident_type in TO_DECIDE_TYPES and not incident.decision_date:
                step = _("The head of the collège decides whether the tablet is replaced.")
            elif state in CHECKED_STATES and incident.warranty_claim_possible and incident.incident_type == "failure":
                step = _("Claim the supplier's warranty, then close the incident once the tablet is back.")
            elif state in CHECKED_STATES:
                step = _("Close the incident once everything it calls for is done.")
            else:
                step = False
            incident.next_step = step

    @api.depends("incident_type", "college_id", "equipment_id", "event_datetime")
    def _compute_tariff_line_id(self):
        Tariff = self.env["tablet.charge.tariff"]
        # The référent prepares the decision but sees no tariff ("no tariffs or invoices").
        readable = Tariff.has_access("read")
        lines = {}  # one look-up per (collège, day of the facts, case), not per incident
        for incident in self:
            case = CHARGE_CASE_OF_INCIDENT.get(incident.incident_type) if readable else False
            key = (incident.college_id, fields.Date.to_date(incident.event_datetime), case)
            if case and key not in lines:
                lines[key] = Tariff._find_line(*key)
            line = lines.get(key) if case else False
            incident.tariff_line_id = line or False
            incident.charge_cap = line.cap_amount if line else 0.0
            incident.proposed_charge_amount = line._amount_for(
                incident.equipment_id, fields.Date.to_date(incident.event_datetime)) if line else 0.0

    @api.onchange("counterpart_charge")
    def _onchange_counterpart_charge(self):
        if self.counterpart_charge and not self.charge_amount:
            self.charge_amount = self.proposed_charge_amount

    def _compute_warranty_claim_count(self):
        counts = count_by(self.env["tablet.warranty.claim"], "incident_id", self)
        for incident in self:
            incident.warranty_claim_count = counts.get(incident, 0)

    @api.depends("incident_type", "borrower_id")
    def _compute_display_name(self):
        labels = dict(self._fields["incident_type"]._description_selection(self.env))
        for incident in self:
            # Built outside `_()`: term extraction cannot read an f-string argument.
            number = "%05d" % (incident.id or 0)
            incident.display_name = _("%(type)s INC-%(id)s – %(borrower)s", type=labels.get(incident.incident_type, ""),
                                      id=number, borrower=incident.borrower_id.name or "")

    @api.constrains("event_datetime", "declaration_datetime")
    def _check_dates(self):
        for incident in self:
            if incident.declaration_datetime < incident.event_datetime:
                raise ValidationError(_("An incident cannot be declared (%(declared)s) before it happened (%(event)s).",
                                        declared=incident.declaration_datetime, event=incident.event_datetime))
            if incident.event_datetime > fields.Datetime.now():
                raise ValidationError(_("The incident cannot have happened in the future (%s).", incident.event_datetime))

    @api.constrains("loan_id")
    def _check_loan(self):
        for incident in self:
            if incident.loan_id.state not in ("active", "custody") and incident.state == "declared":
                raise ValidationError(_("Incidents are declared on a tablet currently lent: loan %s is not.",
                                        incident.loan_id.display_name))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_client_values(vals)
        incidents = super().create(vals_list)
        incidents._mark_tablet_missing()
        incidents.filtered("missing_complaint")._remind_complaint()
        for incident in incidents.filtered("late_declaration"):
            incident.message_post(body=_("Declared more than 48 hours after the event."))
        return incidents

    def write(self, vals):
        self._check_client_values(vals)
        # A declared incident whose type or loan changes gives its tablet back, then marks the right one.
        changed = self.filtered(lambda i: i.state == "declared") if vals.keys() & {"incident_type", "loan_id"} \
            else self.browse()
        if changed:
            changed.check_access("write")  # the tablet moves only for whoever may change the incident
        changed._restore_tablet_state()
        res = super().write(vals)
        changed._mark_tablet_missing()
        return res

    def _mark_tablet_missing(self):
        """Issue 19: a tablet declared lost or stolen leaves "Assigned" at the declaration, through the
        same write as the validation's; its status before is kept for a cancellation. One that is
        already missing or out of the fleet keeps its status (issue 15)."""
        for incident_type, tablet_state in MISSING_STATE_OF_INCIDENT.items():
            incidents = self.filtered(lambda i: i.incident_type == incident_type and i.equipment_id
                                      and i.equipment_id.tablet_state not in (*MISSING_STATES, *OUT_OF_FLEET_STATES))
            for before in set(incidents.equipment_id.mapped("tablet_state")):
                as_action(incidents.filtered(lambda i: i.equipment_id.tablet_state == before)).write(
                    {"tablet_state_before": before})
            if incidents:
                as_action(incidents.equipment_id).write({"tablet_state": tablet_state})

    def _restore_tablet_state(self):
        """A cancelled (or retyped) loss or theft gives the tablet back its status before the
        declaration, if it is still lost or stolen by it; a lent tablet then follows its loan again."""
        to_restore = self.filtered(lambda i: i.tablet_state_before and i.equipment_id == i.loan_id.equipment_id
                                   and i.equipment_id.tablet_state == MISSING_STATE_OF_INCIDENT.get(i.incident_type))
        for before in set(to_restore.mapped("tablet_state_before")):
            as_action(to_restore.filtered(lambda i: i.tablet_state_before == before).equipment_id).write(
                {"tablet_state": before})
        if to_restore:
            as_action(to_restore).write({"tablet_state_before": False})
            to_restore.loan_id._sync_tablet_state()

    def _check_client_values(self, vals):
        check_link_targets(self, vals, ("loan_id", "replacement_equipment_id"))

    def _tablet_frozen_fields_of(self):
        """Once the head has decided (R23), the decision and its counterparts are history."""
        frozen = super()._tablet_frozen_fields_of()
        if self.decision_date:
            frozen |= set(DECISION_FIELDS)
        return frozen

    @api.ondelete(at_uninstall=False)
    def _unlink_only_declared(self):
        if self.filtered(lambda i: i.state != "declared"):
            raise UserError(_("A validated incident cannot be deleted: cancel it instead."))

    def _remind_complaint(self):
        """R19: the complaint is due within 48 hours of the theft."""
        activity_type = self.env.ref("tablet_loan.mail_activity_incident_complaint")
        referents = self.env["tablet.loan"]._referent_users(self.college_id)
        for incident in self:
            incident.activity_schedule(
                activity_type_id=activity_type.id,
                date_deadline=fields.Date.to_date(incident.event_datetime + DECLARATION_DELAY),
                user_id=(referents.get(incident.college_id.id) or self.env.user).id,
                summary=_("Get the police or gendarmerie complaint for the theft of %s's tablet",
                          incident.borrower_id.name),
            )

    @tablet_action(*COLLEGE_STAFF, role=COLLEGE_STAFF_ROLE)
    def action_validate(self):
        """The collège has checked the declaration; the tablet's status follows (R25)."""
        for incident in self:
            if incident.state != "declared":
                raise UserError(_("Only a declared incident can be validated (%s).", incident.display_name))
            if incident.incident_type == "theft" and not incident.has_complaint:
                raise UserError(_("A theft is validated only with the police or gendarmerie complaint "
                                  "attached: attach it to %s.", incident.display_name))
        self._write_state({"state": "validated", "validated_date": fields.Date.context_today(self)})
        for incident_type, tablet_state in TABLET_STATE_OF_INCIDENT.items():
            # A lost or stolen tablet stays so until found or written off; one out of the fleet
            # stays out (issue 15).
            tablets = self.filtered(lambda i: i.incident_type == incident_type).equipment_id.filtered(
                lambda t: t.tablet_state not in (*MISSING_STATES, *OUT_OF_FLEET_STATES))
            if tablets:
                as_action(tablets).write({"tablet_state": tablet_state})
        self.activity_unlink(["tablet_loan.mail_activity_incident_complaint"])
        self._ask_head_to_decide()
        return True

    def _ask_head_to_decide(self):
        """R23: after a breakage, a loss or a theft, the head decides on a replacement."""
        to_decide = self.filtered(lambda i: i.incident_type in CHARGE_CASE_OF_INCIDENT)
        heads = self.env["tablet.loan"]._head_users(to_decide.college_id)
        for incident in to_decide:
            head = heads.get(incident.college_id.id)
            if head:
                incident.activity_schedule(
                    "mail.mail_activity_data_todo", user_id=head.id,
                    summary=_("Decide whether to replace the tablet of %s", incident.borrower_id.name),
                )

    @tablet_action(*COLLEGE_STAFF, role=COLLEGE_STAFF_ROLE)
    def action_cancel(self):
        if self.filtered(lambda i: i.state == "closed"):
            raise UserError(_("A closed incident cannot be cancelled."))
        self._write_state({"state": "cancelled"})
        self._restore_tablet_state()
        return True

    @tablet_action(*COLLEGE_STAFF, role=COLLEGE_STAFF_ROLE)
    def action_close(self):
        if self.filtered(lambda i: i.state not in CHECKED_STATES):
            raise UserError(_("Only a validated or decided incident can be closed."))
        self._write_state({"state": "closed"})
        return True

    @tablet_action(HEAD, role=_lt("the head of the collège, who decides on a replacement"))
    def action_decide(self):
        """R23, R24: the head decides on the replacement and its counterparts; the
        loan, the fleet and the charge follow at once, or nothing does."""
        for incident in self:
            incident._check_decision()
        today = fields.Date.context_today(self)
        for incident in self:
            loan = incident.loan_id
            if incident.decision == "replace":
                loan._replace_tablet(incident.replacement_equipment_id)
                loan_vals = {}
                if incident.counterpart_no_gift:
                    loan_vals["no_gift"] = True
                if incident.counterpart_stays:
                    loan_vals["stays_at_college"] = True
                if loan_vals:
                    loan.write(loan_vals)
            # Decided first: the charge stands on the head's decision (R24b).
            incident.write({"decision_date": today, "decided_by_id": self.env.uid})
            if incident.counterpart_charge:
                case = CASE_OF_QUALIFICATION[incident.qualification]
                incident.charge_id = self.env["tablet.charge"]._create_from_incident(
                    incident, case, amount=incident.charge_amount)
            incident.activity_feedback(["mail.mail_activity_data_todo"])
            incident.message_post(body=incident._decision_summary())
        self._write_state({"state": "decided"})
        return True

    def _check_decision(self):
        self.ensure_one()
        if self.state != "validated":
            raise UserError(_("Decide on a validated incident (%s is not).", self.display_name))
        if self.decision_date:
            raise UserError(_("The replacement of %s was already decided.", self.display_name))
        if not self.decision:
            raise UserError(_("Choose whether the tablet is replaced (Replacement Decision)."))
        types = dict(self._fields["incident_type"]._description_selection(self.env))
        qualifications = dict(self._fields["qualification"]._description_selection(self.env))
        if not self.qualification:
            raise UserError(_("Qualify the facts of %s before deciding (Qualification of the Facts): deliberate "
                              "damage, clear negligence, accident, hardware failure, loss or theft.",
                              self.display_name))
        if self.qualification not in QUALIFICATIONS_OF_TYPE[self.incident_type]:
            raise UserError(_("A %(type)s cannot be qualified as “%(qualification)s”: choose among %(allowed)s.",
                              type=types[self.incident_type].lower(),
                              qualification=qualifications[self.qualification],
                              allowed=", ".join(qualifications[q] for q in QUALIFICATIONS_OF_TYPE[self.incident_type])))
        if self.decision == "replace" and not self.replacement_equipment_id:
            raise UserError(_("Choose the Replacement Tablet from the collège's stock."))
        if self.decision != "replace" and (self.counterpart_no_gift or self.counterpart_stays):
            raise UserError(_("The counterparts “no gift” and “stays at the collège” go with a replacement."))
        if self.counterpart_charge:
            if self.incident_type not in CHARGE_CASE_OF_INCIDENT or self.qualification == "failure":
                raise UserError(_("A failure is covered by the supplier's warranty: no financial counterpart."))
            if self.decision != "replace":
                raise UserError(_("A financial counterpart goes only with a replacement decided by the "
                                  "head: choose “Replace the tablet” or untick the counterpart."))
            # A warranty case: the supplier's warranty repaired or replaced the tablet (R20).
            if self.warranty_claim_ids.filtered(
                    lambda c: c.state in ("answered", "returned") and c.answer in ("repaired", "replaced")):
                raise UserError(_("%s was repaired or replaced under the supplier's warranty: no financial "
                                  "counterpart.", self.display_name))
            if not self.tariff_line_id:
                raise UserError(_("%(college)s has no deliberation of its conseil d'administration in force on "
                                  "%(date)s charging this case: record it before asking a financial "
                                  "counterpart.", college=self.college_id.name,
                                  date=format_date(self.env, fields.Date.to_date(self.event_datetime))))
            if not self.tariff_line_id.tariff_id._charges(self.qualification):
                raise UserError(_("The deliberation %(deliberation)s does not charge “%(qualification)s”: no "
                                  "financial counterpart for these facts.",
                                  deliberation=self.tariff_line_id.tariff_id.ca_deliberation_ref,
                                  qualification=qualifications[self.qualification]))
            if self.charge_amount <= 0:
                raise ValidationError(_("The Amount Decided must be greater than zero."))
            if self.charge_amount > self.charge_cap:
                raise ValidationError(_("The Amount Decided (%(amount)s) is above the cap of the tariff (%(cap)s).",
                                        amount=self.charge_amount, cap=self.charge_cap))

    def _decision_summary(self):
        parts = [dict(self._fields["decision"]._description_selection(self.env))[self.decision],
                 dict(self._fields["qualification"]._description_selection(self.env))[self.qualification]]
        if self.decision == "replace":
            parts.append(_("new tablet %s", self.replacement_equipment_id.display_name))
        for fname in ("counterpart_no_gift", "counterpart_stays"):
            if self[fname]:
                parts.append(self._fields[fname].get_description(self.env)["string"])
        if self.charge_id:
            parts.append(_("financial counterpart of %(amount)s %(currency)s", amount=self.charge_amount,
                           currency=self.currency_id.symbol or ""))
        return _("Decision of the head: %s.", "; ".join(parts))

    @api.readonly
    @tablet_action(*READERS, role=READERS_ROLE)
    def action_open_warranty_claim(self):
        """A broken or failing tablet goes to the supplier's warranty (R20): open the
        incident's claim, or a new one with the incident filled in."""
        self.ensure_one()
        refusal = self._warranty_claim_refusal()
        if refusal:
            raise UserError(refusal)
        action = self.env["ir.actions.act_window"]._for_xml_id("tablet_loan.tablet_warranty_claim_action")
        open_claim = self.warranty_claim_ids.filtered(lambda c: c.state in ("draft", "sent", "answered"))[:1]
        action.update(views=[(False, "form")], view_mode="form", res_id=open_claim.id or False,
                      context={"default_incident_id": self.id})
        return action

    @api.readonly
    @tablet_action(*READERS, role=READERS_ROLE)
    def action_open_warranty_claims(self):
        self.ensure_one()
        return window_action(
            self.env, "tablet_loan.tablet_warranty_claim_action",
            [("incident_id", "=", self.id)], {"default_incident_id": self.id},
        )
