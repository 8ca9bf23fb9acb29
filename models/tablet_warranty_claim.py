from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date
from odoo.tools.translate import LazyTranslate

from .maintenance_equipment import imei_error
from .relation_guard import check_link_targets
from .tablet_workflow_mixin import ACTION_KEY, ALL_FIELDS, as_action, in_action, tablet_action

_lt = LazyTranslate(__name__)

# The supplier is expected to answer within this delay (follow-up activity, search filter).
ANSWER_DELAY_DAYS = 15
OPEN_CLAIM_STATES = ("draft", "sent", "answered")
# States in which the supplier's warranty desk sees a claim (never a draft).
SUPPLIER_STATES = ("sent", "answered", "returned")
# R20: the only faults the supplier warranty covers.
COVERED_FAULTS = ("component", "whole_device", "system")
# What a supplier agent may write on a claim addressed to their company (R29).
SUPPLIER_WRITABLE_FIELDS = {"rma_number", "answer", "refusal_reason", "new_serial_no", "new_imei", "returned_date",
                            "repair_report"}
# Written by the supplier's warranty desk only (issue 19): its own account of the repair.
SUPPLIER_ONLY_FIELDS = {"repair_report"}
# Roles of the programme that may see the incident, hence the pupil (R29).
PERSONAL_DATA_GROUPS = "tablet_loan.group_department_officer,tablet_loan.group_college_referent,tablet_loan.group_college_head"
# Who takes each step (README, "Warranty claims" and "Supplier desk").
COLLEGE_OR_DEPARTMENT = ("tablet_loan.group_college_referent", "tablet_loan.group_department_officer")
COLLEGE_OR_DEPARTMENT_ROLE = _lt("the collège's référents and head, or the Département's staff")
ANSWERING = (*COLLEGE_OR_DEPARTMENT, "tablet_loan.group_supplier_agent")
ANSWERING_ROLE = _lt("the supplier's warranty desk, the collège's référents and head, or the Département's staff")
# The claim as the référent sent it: the supplier answers on this, nobody changes it afterwards (R20, R21).
SENT_FIELDS = ("incident_id", "supplier_id", "claim_date", "fault_type", "surface_damage", "opened_by_user",
               "fault_description")
ANSWER_FIELDS = ("rma_number", "answer", "refusal_reason", "new_serial_no", "new_imei")


class TabletWarrantyClaim(models.Model):
    """A broken or failing tablet sent to the supplier under its warranty (R20, R21).

    The référent records the tablet's condition, which decides whether the warranty
    applies; the supplier's warranty desk answers on the claim without ever seeing
    the pupil or the family (R29).
    """

    _name = "tablet.warranty.claim"
    _description = "Warranty Claim"
    _inherit = ["tablet.workflow.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _tablet_action_fields = ("sent_date", "answer_date", "reimbursement_requested", "charge_id", "new_equipment_id")
    _tablet_frozen_fields = {
        "sent": SENT_FIELDS,
        "answered": SENT_FIELDS + ANSWER_FIELDS,
        "returned": ALL_FIELDS,
        "cancelled": ALL_FIELDS,
    }

    incident_id = fields.Many2one(
        "tablet.incident", required=True, index=True, ondelete="restrict",
        domain="[('warranty_claim_possible', '=', True)]",
        groups=PERSONAL_DATA_GROUPS, check_company=True,
        help="The validated breakage or failure incident. Hidden from the supplier: it names the pupil.",
    )
    equipment_id = fields.Many2one(
        "maintenance.equipment", string="Tablet", index=True, ondelete="restrict",
        compute="_compute_from_incident", store=True, precompute=True, readonly=True,
    )
    serial_no = fields.Char(related="equipment_id.serial_no", string="Serial Number")
    imei = fields.Char(related="equipment_id.imei", string="IMEI")
    college_id = fields.Many2one(
        "res.partner", string="Collège", index=True, compute="_compute_from_incident",
        store=True, precompute=True, readonly=True, help="Where the tablet is delivered back.",
    )
    company_id = fields.Many2one(
        "res.company", string="Département", index=True, compute="_compute_from_incident",
        store=True, precompute=True, readonly=True,
    )
    supplier_id = fields.Many2one(
        "res.partner", required=True, index=True, tracking=True,
        compute="_compute_supplier_id", store=True, precompute=True, readonly=False,
        domain="[('is_company', '=', True)]",
        help="By default the tablet's vendor.",
    )
    # The référent's record of the tablet's condition (R20, R21).
    surface_damage = fields.Boolean(
        string="Shocks, Scratches or Marks", tracking=True,
        help="The tablet shows shocks, scratches or marks on its surface: the warranty does not apply.",
    )
    opened_by_user = fields.Boolean(
        string="Opened or Repaired by the User", tracking=True,
        help="Opened, dismantled or repaired by the user: the warranty is void and the legal "
             "representative is asked to reimburse the equipment.",
    )
    fault_type = fields.Selection(
        [("component", "Failure of a component"),
         ("whole_device", "Failure of the whole device"),
         ("system", "System problem attributable to the manufacturer"),
         ("other", "Other cause (use, accident)")],
        string="Fault", required=True, tracking=True,
    )
    claim_date = fields.Date(
        string="Claimed on", required=True, default=fields.Date.context_today, tracking=True,
        help="The day the claim is made: the tablet's warranty must still run then.",
    )
    warranty_date = fields.Date(related="equipment_id.warranty_date", string="Warranty Ends on")
    fault_description = fields.Text(
        help="Read by the supplier: describe the fault, never the pupil or the family.",
    )
    eligible = fields.Boolean(string="Eligible for the Warranty", compute="_compute_eligible", store=True, index=True)
    ineligibility_reason = fields.Char(string="Why Not Eligible", compute="_compute_eligible", store=True)
    warranty_void = fields.Boolean(
        compute="_compute_warranty_void", store=True, index=True,
        help="The user opened, dismantled or repaired the tablet.",
    )
    charge_id = fields.Many2one(
        "tablet.charge", string="Reimbursement Charge", readonly=True, copy=False,
        groups="tablet_loan.group_department_officer,tablet_loan.group_college_head",
        help="The equipment's reimbursement asked from the legal representative.",
    )
    reimbursement_requested = fields.Boolean(
        string="Reimbursement to Request", readonly=True, copy=False, tracking=True,
        help="The warranty is void: the Département asks the legal representative to reimburse the equipment.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("sent", "Sent to the Supplier"), ("answered", "Answered"),
         ("returned", "Returned"), ("cancelled", "Cancelled")],
        string="Status", default="draft", required=True, readonly=True, copy=False, index=True, tracking=True,
    )
    sent_date = fields.Date(string="Sent on", readonly=True, copy=False, tracking=True)
    days_waiting = fields.Integer(compute="_compute_days_waiting",
                                  help="Days since the claim was sent, while the supplier has not answered.")
    rma_number = fields.Char(string="RMA Number", copy=False, tracking=True,
                             help="The supplier's return merchandise authorisation number.")
    answer = fields.Selection(
        [("repaired", "Repaired"), ("replaced", "Replaced"), ("refused", "Refused")],
        string="Supplier's Answer", copy=False, tracking=True,
    )
    answer_date = fields.Date(string="Answered on", readonly=True, copy=False)
    refusal_reason = fields.Text(copy=False)
    new_serial_no = fields.Char(string="New Serial Number", copy=False, help="Of the replacement tablet.")
    new_imei = fields.Char(string="New IMEI", copy=False, help="Of the replacement tablet: 15 digits, Luhn checked.")
    new_equipment_id = fields.Many2one("maintenance.equipment", string="Replacement Tablet", readonly=True,
                                       copy=False, check_company=True, groups=PERSONAL_DATA_GROUPS)
    returned_date = fields.Date(string="Returned on", copy=False, tracking=True)
    repair_report = fields.Text(
        copy=False, tracking=True,
        help="Written by the supplier's warranty desk: what was found and done on the tablet.",
    )
    # Stored, hence computed as superuser: the supplier reads where to send the tablet back,
    # not the collège's record itself (R29: a collège's address names no pupil).
    return_address = fields.Text(
        compute="_compute_return_address", store=True,
        help="Where the supplier sends the tablet back: the collège's address.",
    )
    # Stored for the dashboards (pivot, graph); a school year names no pupil (R29).
    school_year = fields.Char(related="incident_id.loan_id.school_year", store=True, index=True,
                              string="School Year")

    # ------------------------------------------------------------------ computes
    def _creation_message(self):
        """The chatter's first line: mail's "<description> created" reads wrong in French
        (the participle does not agree with the document's gender); a sentence of its own."""
        self.ensure_one()
        return _("Warranty claim opened.")

    @api.depends("incident_id")
    def _compute_from_incident(self):
        for claim in self:
            incident = claim.incident_id
            claim.equipment_id = incident.equipment_id
            claim.college_id = incident.college_id
            claim.company_id = incident.company_id

    @api.depends("college_id.name", "college_id.street", "college_id.street2", "college_id.zip", "college_id.city",
                 "college_id.country_id")
    def _compute_return_address(self):
        for claim in self:
            college = claim.college_id
            address = college._display_address(without_company=True).strip() if college else ""
            claim.return_address = "\n".join(part for part in (college.name, address) if part) or False

    @api.depends("equipment_id")
    def _compute_supplier_id(self):
        for claim in self:
            claim.supplier_id = claim.equipment_id.partner_id or claim.supplier_id

    @api.depends("fault_type", "surface_damage", "opened_by_user", "claim_date", "equipment_id.warranty_date")
    def _compute_eligible(self):
        """R20: only a component, whole-device or manufacturer's system fault on an
        undamaged tablet, claimed while its warranty runs; R21: never one the user opened
        or repaired."""
        for claim in self:
            warranty_end = claim.equipment_id.warranty_date
            if warranty_end and claim.claim_date and claim.claim_date > warranty_end:
                reason = _("the warranty of the tablet ended on %(end)s, before the claim of %(claim)s",
                           end=format_date(self.env, warranty_end), claim=format_date(self.env, claim.claim_date))
            elif claim.fault_type and claim.fault_type not in COVERED_FAULTS:
                reason = _("the warranty covers only failures of a component or of the whole tablet and "
                           "system problems attributable to the manufacturer")
            elif claim.surface_damage:
                reason = _("the tablet shows shocks, scratches or marks on its surface")
            elif claim.opened_by_user:
                reason = _("the tablet was opened, dismantled or repaired by the user: the warranty is void")
            elif not claim.fault_type:
                reason = _("the fault is not recorded")
            else:
                reason = False
            claim.eligible = not reason
            claim.ineligibility_reason = reason

    @api.depends("opened_by_user")
    def _compute_warranty_void(self):
        for claim in self:
            claim.warranty_void = claim.opened_by_user

    @api.depends("state", "sent_date")
    def _compute_days_waiting(self):
        today = fields.Date.context_today(self)
        for claim in self:
            waiting = claim.state == "sent" and claim.sent_date
            claim.days_waiting = (today - claim.sent_date).days if waiting else 0

    @api.depends("equipment_id")
    def _compute_display_name(self):
        for claim in self:
            # The reference is built outside `_()`: term extraction cannot read an f-string argument.
            ref = "GAR-%05d" % (claim.id or 0)
            claim.display_name = _("Claim %(ref)s – %(tablet)s", ref=ref,
                                   tablet=claim.equipment_id.serial_no or claim.equipment_id.name or "")

    # --------------------------------------------------------------- constraints
    @api.constrains("incident_id")
    def _check_incident(self):
        """Only a validated breakage or failure goes to the supplier, one open claim at a time."""
        for claim in self:
            incident = claim.incident_id
            if incident.incident_type not in ("breakage", "failure"):
                raise ValidationError(_("A warranty claim is made for a breakage or a failure, not for %s.",
                                        incident.display_name))
            if incident.state not in ("validated", "decided") and claim.state == "draft":
                raise ValidationError(_("Validate the incident %s before claiming the warranty.",
                                        incident.display_name))
            # R20, R21: no claim where the incident already says the warranty cannot apply (issue 19).
            if claim.state == "draft" and (incident.surface_damage or incident.opened_by_user):
                raise ValidationError(incident._warranty_claim_refusal())
        open_claims = self.search([("incident_id", "in", self.incident_id.ids), ("state", "in", OPEN_CLAIM_STATES)])
        by_incident = {}
        for claim in open_claims:
            by_incident.setdefault(claim.incident_id, []).append(claim)
        for incident, claims in by_incident.items():
            if len(claims) > 1:
                raise ValidationError(_("Incident %s already has an open warranty claim: finish or cancel it first.",
                                        incident.display_name))

    @api.constrains("new_imei")
    def _check_new_imei(self):
        for claim in self.filtered("new_imei"):
            error = imei_error(claim.new_imei)
            if error:
                raise ValidationError(_("The new IMEI “%(imei)s” is not valid: %(error)s.",
                                        imei=claim.new_imei, error=error))

    # ---------------------------------------------------------------------- CRUD
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_supplier_only_fields(vals)
            check_link_targets(self, vals, ("incident_id", "supplier_id"))
        claims = super().create(vals_list)
        claims._request_reimbursement()
        return claims

    def write(self, vals):
        """R29: a supplier agent answers the claim and nothing else."""
        if self._is_supplier_agent() and not in_action(self.env):
            forbidden = set(vals) - SUPPLIER_WRITABLE_FIELDS
            if forbidden:
                names = ", ".join(sorted(self._fields[f].get_description(self.env)["string"]
                                         if f in self._fields else f for f in forbidden))
                raise AccessError(_("The supplier's warranty desk may only record its answer; it cannot change: %s.",
                                    names))
            if self.filtered(lambda c: c.state not in ("sent", "answered")):
                raise AccessError(_("The supplier's answer is recorded only on a claim sent to them and not yet "
                                    "returned."))
        else:
            self._check_supplier_only_fields(vals)
        check_link_targets(self, vals, ("incident_id", "supplier_id"))
        res = super().write(vals)
        if vals.get("opened_by_user"):
            self._request_reimbursement()
        return res

    def _check_supplier_only_fields(self, vals):
        """The repair report is the supplier's own word: nobody else writes it (issue 19)."""
        fnames = vals.keys() & SUPPLIER_ONLY_FIELDS
        if fnames and not in_action(self.env) and not self._is_supplier_agent():
            raise AccessError(_("%s is written by the supplier's warranty desk only.",
                                ", ".join(self._fields[f].get_description(self.env)["string"] for f in sorted(fnames))))

    def _write_internal(self, vals):
        """State changes made by the actions, which check their own preconditions."""
        return as_action(self).write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if self.filtered(lambda c: c.state not in ("draft", "cancelled")):
            raise UserError(_("A warranty claim sent to the supplier cannot be deleted: cancel it instead."))

    # ------------------------------------------------------------------- actions
    def _is_supplier_agent(self):
        user = self.env.user
        return not self.env.su and user.has_group("tablet_loan.group_supplier_agent") and not user.has_groups(
            PERSONAL_DATA_GROUPS)

    def _follow_up_users(self):
        """{claim: user} following the supplier's answer: the Département follow-up of
        the collège's convention, else the claim's creator."""
        conventions = self.env["tablet.convention"].search([
            ("college_id", "in", self.college_id.ids), ("state", "=", "signed"), ("user_id", "!=", False)])
        by_college = {c.college_id.id: c.user_id for c in conventions}
        return {claim: by_college.get(claim.college_id.id) or claim.create_uid or self.env.user for claim in self}

    @tablet_action(*COLLEGE_OR_DEPARTMENT, role=COLLEGE_OR_DEPARTMENT_ROLE)
    def action_send(self):
        """Send the claim to the supplier: only an eligible one (R20, R21)."""
        self._ensure_state(("draft",), _("Sending to the supplier"))
        for claim in self:
            if not claim.supplier_id:
                raise UserError(_("Set the Supplier of %s before sending it.", claim.display_name))
            if not claim.eligible:
                raise UserError(_("%(claim)s cannot be sent to the supplier: %(reason)s.",
                                  claim=claim.display_name, reason=claim.ineligibility_reason))
        today = fields.Date.context_today(self)
        self._write_internal({"state": "sent", "sent_date": today})
        activity_type = self.env.ref("tablet_loan.mail_activity_warranty_answer")
        for claim, user in self._follow_up_users().items():
            claim.activity_schedule(
                activity_type_id=activity_type.id, user_id=user.id,
                date_deadline=today + timedelta(days=ANSWER_DELAY_DAYS),
                summary=_("Supplier answer expected from %s", claim.supplier_id.name),
            )
        self._mail_supplier_desk()
        return True

    def _mail_claim(self, template_xmlid, recipients_of, who, name_them=True):
        """One e-mail per claim from `template_xmlid` to `recipients_of(claim)` (partners), queued as a
        mail.mail, and a note in the claim's chatter saying to whom. The template carries technical data
        only (R29). The superuser renders and queues it: a supplier agent reads neither the collège's
        staff nor mail templates' internals, and the claim was checked by the action before."""
        template = self.env.ref(template_xmlid).sudo()
        for claim in self:
            partners = recipients_of(claim).filtered("email")
            if not partners:
                claim.message_post(body=_("No e-mail address for %s: nobody was told by e-mail.", who))
                continue
            template.send_mail(claim.id, email_values={"recipient_ids": [Command.set(partners.ids)]})
            # The supplier reads the claim's chatter: it names no school staff (R29).
            claim.message_post(body=_("E-mail sent to %(who)s: %(recipients)s.", who=who,
                                      recipients=", ".join(partners.mapped("name")) if name_them else len(partners)))

    def _mail_supplier_desk(self):
        """The supplier's warranty desk learns that a claim was sent to it: its agents' e-mails, else the
        supplier company's own."""
        group = self.env.ref("tablet_loan.group_supplier_agent")
        agents = self.env["res.users"].sudo().search([
            ("groups_id", "in", group.ids),
            ("partner_id.commercial_partner_id", "in", self.supplier_id.commercial_partner_id.ids)])

        def recipients(claim):
            company = claim.supplier_id.commercial_partner_id
            found = agents.filtered(lambda u: u.partner_id.commercial_partner_id == company).partner_id
            return found.filtered("email") or claim.supplier_id.sudo()
        self._mail_claim("tablet_loan.mail_template_warranty_claim_sent", recipients, _("the supplier's desk"))

    def _mail_referents(self):
        """The collège's référents learn that the supplier answered their claim."""
        group = self.env.ref("tablet_loan.group_college_referent")
        staff = self.env["res.users"].sudo().search([
            ("groups_id", "in", group.ids), ("tablet_college_ids", "in", self.college_id.ids), ("share", "=", False)])

        def recipients(claim):
            return staff.filtered(lambda u: claim.college_id in u.tablet_college_ids).partner_id
        self._mail_claim("tablet_loan.mail_template_warranty_claim_answered", recipients,
                         _("the collège's référents"), name_them=False)

    def _request_reimbursement(self):
        """R21: the warranty is void; the Département asks the legal representative to
        reimburse the equipment (the charge itself is made from this flag)."""
        void = self.filtered(lambda c: c.warranty_void and not c.reimbursement_requested)
        if not void:
            return
        void._write_internal({"reimbursement_requested": True})
        heads = self.env["tablet.loan"]._head_users(void.college_id)
        for claim in void:
            claim.message_post(body=_(
                "The tablet was opened, dismantled or repaired by the user: the warranty is void. "
                "A reimbursement of the equipment is to be asked from the legal representative."))
            head = heads.get(claim.college_id.id, self.env.user)
            claim.activity_schedule(
                "mail.mail_activity_data_todo", user_id=head.id,
                summary=_("Ask the legal representative to reimburse the equipment"),
            )

    @tablet_action("tablet_loan.group_college_head", "tablet_loan.group_department_officer",
                   role=_lt("the head of the collège or the Département's staff, who manage charges"))
    def action_create_reimbursement_charge(self):
        """R21: the charge to the legal representative, from the collège's tariff for a
        warranty voided by the user (made by the head or the Département, who manage charges)."""
        for claim in self:
            if not claim.warranty_void:
                raise UserError(_("The warranty of %s is not void: no reimbursement to ask.", claim.display_name))
            if claim.charge_id:
                raise UserError(_("The reimbursement of %s is already asked.", claim.display_name))
        for claim in self:
            claim.charge_id = self.env["tablet.charge"]._create_from_incident(claim.incident_id, "warranty_void")
            claim.activity_feedback(["mail.mail_activity_data_todo"])
        if len(self) == 1:
            return {"type": "ir.actions.act_window", "res_model": "tablet.charge", "res_id": self.charge_id.id,
                    "view_mode": "form"}
        return True

    @tablet_action(*ANSWERING, role=ANSWERING_ROLE)
    def action_record_answer(self):
        """The supplier's answer: RMA number, and what it does with the tablet."""
        self._ensure_state(("sent",), _("Recording the supplier's answer"))
        for claim in self:
            missing = []
            if not claim.rma_number:
                missing.append(self._fields["rma_number"].get_description(self.env)["string"])
            if not claim.answer:
                missing.append(self._fields["answer"].get_description(self.env)["string"])
            elif claim.answer == "refused" and not claim.refusal_reason:
                missing.append(self._fields["refusal_reason"].get_description(self.env)["string"])
            elif claim.answer == "replaced":
                missing += [self._fields[f].get_description(self.env)["string"]
                            for f in ("new_serial_no", "new_imei") if not claim[f]]
            if missing:
                raise UserError(_("Fill in %(fields)s to record the answer on %(claim)s.",
                                  fields=", ".join(missing), claim=claim.display_name))
        self._write_internal({"state": "answered", "answer_date": fields.Date.context_today(self)})
        self.activity_feedback(["tablet_loan.mail_activity_warranty_answer"])
        self._mail_referents()
        return True

    @tablet_action(*ANSWERING, role=ANSWERING_ROLE)
    def action_mark_returned(self):
        """The tablet is back from the supplier: repaired, replaced or refused."""
        self._ensure_state(("answered",), _("Marking as returned"))
        # Only claims this user may write (for a supplier agent: addressed to their company).
        self.check_access("write")
        if self._is_supplier_agent():
            company = self.env.user.commercial_partner_id
            if self.filtered(lambda c: c.supplier_id.commercial_partner_id != company):
                raise AccessError(_("This warranty claim is not addressed to your company."))
        today = fields.Date.context_today(self)
        for claim in self:
            claim._write_internal({"state": "returned", "returned_date": claim.returned_date or today})
        # The Département's rule: the supplier's repair or replacement takes the old tablet's
        # place in the fleet and in the pupil's loan. The supplier agent (and the référent) have
        # no right on loans or to create tablets: these effects, and only these, run as superuser
        # once the claims above are checked as theirs and answered.
        effects = self.sudo()
        effects.filtered(lambda c: c.answer == "repaired")._return_repaired()
        for claim in effects.filtered(lambda c: c.answer == "replaced"):
            claim._return_replaced()
        effects.filtered(lambda c: c.answer == "refused")._return_refused()
        for claim in self:
            labels = dict(self._fields["answer"]._description_selection(self.env))
            claim.message_post(body=_("Tablet back from %(supplier)s (%(answer)s, RMA %(rma)s).",
                                      supplier=claim.supplier_id.name, answer=labels[claim.answer],
                                      rma=claim.rma_number))
        return True

    @tablet_action(*COLLEGE_OR_DEPARTMENT, role=COLLEGE_OR_DEPARTMENT_ROLE)
    def action_cancel(self):
        if self.filtered(lambda c: c.state == "returned"):
            raise UserError(_("A warranty claim whose tablet is back cannot be cancelled."))
        self._write_internal({"state": "cancelled"})
        self.activity_unlink(["tablet_loan.mail_activity_warranty_answer"])
        return True

    @tablet_action(*COLLEGE_OR_DEPARTMENT, role=COLLEGE_OR_DEPARTMENT_ROLE)
    def action_draft(self):
        self._ensure_state(("cancelled",), _("Resetting to draft"))
        self._check_incident_free()
        self._write_internal({"state": "draft"})
        return True

    def _check_incident_free(self):
        others = self.search([("incident_id", "in", self.incident_id.ids), ("state", "in", OPEN_CLAIM_STATES),
                              ("id", "not in", self.ids)], limit=1)
        if others:
            raise UserError(_("Incident %s already has an open warranty claim: finish or cancel it first.",
                              others.incident_id.display_name))

    # ---------------------------------------------------------- return effects
    def _open_loans_by_tablet(self, tablets):
        Loan = self.env["tablet.loan"]
        loans = Loan.search([("equipment_id", "in", tablets.ids), ("state", "in", Loan._open_states())])
        return {loan.equipment_id.id: loan for loan in loans}

    def _return_repaired(self):
        """Repaired: the tablet goes back to its pupil if still lent, else to stock."""
        loans = self._open_loans_by_tablet(self.equipment_id)
        lent = self.equipment_id.filtered(lambda t: t.id in loans)
        as_action(lent).write({"tablet_state": "assigned"})
        as_action(self.equipment_id - lent).write({"tablet_state": "stock"})

    def _return_replaced(self):
        """Replaced: the new tablet takes the old one's place in the loan and in the fleet;
        the old one leaves the fleet."""
        self.ensure_one()
        old = self.equipment_id
        Tablet = self.env["maintenance.equipment"].with_context(active_test=False)
        if Tablet.search_count([("serial_no", "=", self.new_serial_no)]):
            raise UserError(_("The New Serial Number %s is already registered on another tablet.", self.new_serial_no))
        if Tablet.search_count([("imei", "=", self.new_imei)]):
            raise UserError(_("The New IMEI %s is already registered on another tablet.", self.new_imei))
        # Not followed by whoever records the return: maintenance lets followers read equipment,
        # and a supplier agent must see no tablet outside their claims.
        new = Tablet.with_context(mail_create_nosubscribe=True).create({
            "name": old.name, "model": old.model, "is_tablet": True, "serial_no": self.new_serial_no,
            "imei": self.new_imei, "college_id": old.college_id.id, "company_id": old.company_id.id,
            "category_id": old.category_id.id, "partner_id": old.partner_id.id, "cost": old.cost,
            "purchase_date": old.purchase_date, "warranty_date": old.warranty_date, "tablet_state": "stock",
        })
        loan = self._open_loans_by_tablet(old).get(old.id)
        if loan:
            loan._replace_tablet(new)
        as_action(old).write({"tablet_state": "scrapped", "out_of_fleet_date": self.returned_date, "active": False})
        # An exchange under warranty changes no value of the Département: the asset follows the new tablet.
        self.env["tablet.asset.register"]._transfer(old, new)
        self.new_equipment_id = new
        new.message_post(body=_("Replacement of %(old)s under warranty claim %(claim)s.",
                                old=old.display_name, claim=self.display_name))

    def _return_refused(self):
        """Refused: the tablet comes back to the collège out of order, where the collège and the
        Département act on it (issue 15): the head decides a replacement and any charge on the
        incident (R23, R24), the Département scraps the tablet once no loan holds it (R7)."""
        as_action(self.equipment_id.filtered(lambda t: t.tablet_state == "repair")).write(
            {"tablet_state": "out_of_order"})
        activity_type = self.env.ref("tablet_loan.mail_activity_warranty_refused")
        referents = self.env["tablet.loan"]._referent_users(self.college_id)
        for claim in self:
            claim.activity_schedule(
                activity_type_id=activity_type.id, date_deadline=fields.Date.context_today(self),
                user_id=(referents.get(claim.college_id.id) or claim.create_uid).id,
                summary=_("Warranty refused by %(supplier)s for tablet %(tablet)s: decide what comes next",
                          supplier=claim.supplier_id.name, tablet=claim.equipment_id.display_name),
            )

    @api.readonly
    @tablet_action(*ANSWERING, role=ANSWERING_ROLE)
    def action_export_claims_xlsx(self):
        """Claims list header button: the selected claims, else all those the list shows,
        without personal data (R29) so that the file can go to the supplier."""
        # The report action carries the context to the browser: without the actions' pass, which
        # is no JSON value and grants nothing the export needs.
        plain = self.with_env(self.env(context={k: v for k, v in self.env.context.items() if k != ACTION_KEY}))
        return plain.env["report.tablet_loan.xlsx_abstract"]._export_action(
            "tablet_loan.report_warranty_claims_xlsx", plain)
