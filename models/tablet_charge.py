from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_amount, format_date
from odoo.tools.translate import LazyTranslate

from .relation_guard import check_link_targets
from .tablet_charge_tariff_line import CASE_OF_QUALIFICATION, CHARGE_CASES
from .tablet_workflow_mixin import ALL_FIELDS, tablet_action

_lt = LazyTranslate(__name__)

PAID_PAYMENT_STATES = ("paid", "in_payment")
# Who takes each step (README, "Charges"): those who manage charges confirm and cancel them,
# the collège's accountant (or an invoicing user) invoices and cancels invoices.
CHARGE_MANAGERS = ("tablet_loan.group_department_officer", "tablet_loan.group_college_head",
                   "tablet_loan.group_college_accountant")
CHARGE_MANAGERS_ROLE = _lt("the Département's staff, the head and the accountant of the collège")
INVOICING = ("tablet_loan.group_college_accountant", "account.group_account_invoice")
INVOICING_ROLE = _lt("the collège's accountant")
# What the payer is asked: settled at the confirmation (R24b).
SETTLED_FIELDS = ("incident_id", "case", "tariff_line_id", "payer_id", "amount")
# The notice to the family (issue 14) and the reminders printed from the same template.
NOTICE_REPORT = "tablet_loan.action_report_tablet_charge_notice"
NOTICE_LEVELS = (0, 1, 2, 3)
# Issue 14: follow-up of unpaid charges. The level is the OCA invoice's reminder counter.
REMINDER_LEVELS = [("0", "None"), ("1", "First Reminder"), ("2", "Second Reminder"), ("3", "Formal Notice")]
FORMAL_NOTICE = 3
REMINDER_SENDERS = ("tablet_loan.group_college_accountant", "tablet_loan.group_department_officer")
REMINDER_SENDERS_ROLE = _lt("the collège's accountant and the Département's staff")
REMINDER_ACTIVITY = "tablet_loan.mail_activity_charge_reminder"


class TabletCharge(models.Model):
    """What the family is asked to pay after an incident (R21, R24b), and its invoice.

    The collège's accountant invoices and follows the charge without reading the
    incident itself: what they need of it comes through related fields.
    """

    _name = "tablet.charge"
    _description = "Damage Charge"
    _inherit = ["tablet.workflow.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True
    # The invoice and credit note are the actions' (a client pointing a charge at another, paid
    # invoice would read it and make the charge look paid).
    _tablet_action_fields = ("invoice_id", "credit_note_id",
                             # Issue 14: the head's waiver and instalment plan are the wizards'.
                             "waived_amount", "waiver_reason", "waiver_credit_note_ids", "rest_due_date",
                             "instalment_ids", "instalment_reason")
    _tablet_frozen_fields = {
        "confirmed": SETTLED_FIELDS,
        "invoiced": ALL_FIELDS,
        "paid": ALL_FIELDS,
        "waived": ALL_FIELDS,
        "cancelled": ALL_FIELDS,
    }

    incident_id = fields.Many2one("tablet.incident", required=True, index=True,
                                  ondelete="restrict", tracking=True, check_company=True)
    loan_id = fields.Many2one(related="incident_id.loan_id", store=True, index=True)
    college_id = fields.Many2one(related="incident_id.college_id", store=True, index=True, string="Collège")
    company_id = fields.Many2one(related="incident_id.company_id", store=True, index=True, string="Département")
    borrower_id = fields.Many2one(related="incident_id.borrower_id", store=True, index=True, string="Borrower")
    # Stored for the dashboards (pivot, graph): charges per school year of the loan.
    school_year = fields.Char(related="loan_id.school_year", store=True, index=True, string="School Year")
    # Read with superuser rights (related_sudo): the accountant has no access to incidents.
    incident_type = fields.Selection(related="incident_id.incident_type", store=True, string="Incident Type")
    incident_date = fields.Datetime(related="incident_id.event_datetime", string="Incident Date")
    equipment_id = fields.Many2one(related="incident_id.equipment_id", string="Tablet")
    tablet_serial_no = fields.Char(related="incident_id.equipment_id.serial_no", string="Tablet Serial Number")
    case = fields.Selection(CHARGE_CASES, required=True, tracking=True)
    tariff_line_id = fields.Many2one(
        "tablet.charge.tariff.line", string="Tariff", index=True, tracking=True, ondelete="restrict",
        check_company=True, domain="[('college_id', '=', college_id), ('case', '=', case)]",
        help="The amount voted by the collège's conseil d'administration for this case.",
    )
    cap_amount = fields.Monetary(related="tariff_line_id.cap_amount", string="Cap")
    payer_id = fields.Many2one(
        "res.partner", index=True, tracking=True, ondelete="restrict",
        domain="[('id', 'in', allowed_payer_ids)]",
        help="A legal representative of the pupil; the borrower themselves when not a pupil.",
    )
    allowed_payer_ids = fields.Many2many("res.partner", compute="_compute_allowed_payer_ids", string="Possible Payers")
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    amount = fields.Monetary(required=True, tracking=True)
    state = fields.Selection(
        [("draft", "Draft"), ("confirmed", "Confirmed"), ("invoiced", "Invoiced"), ("paid", "Paid"),
         ("waived", "Waived"), ("cancelled", "Cancelled")],
        string="Status", required=True, readonly=True, copy=False, index=True, tracking=True,
        # The actions write draft, confirmed, invoiced, waived and cancelled; the compute only moves
        # an invoiced charge to paid and back, following the invoice's payment status.
        compute="_compute_state", store=True, precompute=True,
        help="Paid follows the payment of the invoice.",
    )
    invoice_id = fields.Many2one("account.move", readonly=True, copy=False, index=True,
                                 check_company=True)
    invoice_payment_state = fields.Selection(related="invoice_id.payment_state", string="Payment Status")
    # For the collège's accounting export: read as related fields, like the payment status, by
    # every role that follows charges, accounting rights or not.
    invoice_date = fields.Date(related="invoice_id.invoice_date", string="Invoice Date")
    invoice_amount_residual = fields.Monetary(related="invoice_id.amount_residual", string="Amount Due")
    credit_note_id = fields.Many2one("account.move", readonly=True, copy=False,
                                     check_company=True)
    # Issue 14: the notice to the family
    # Read with superuser rights (related_sudo), like the incident type: the accountant reads no incident.
    qualification = fields.Selection(related="incident_id.qualification", store=True, string="Qualification")
    tariff_id = fields.Many2one(related="tariff_line_id.tariff_id", string="Deliberation")
    invoice_date_due = fields.Date(related="invoice_id.invoice_date_due", string="Due Date")

    # Issue 14: follow-up of unpaid charges
    reminder_level = fields.Selection(
        REMINDER_LEVELS, compute="_compute_reminder", store=True, index=True,
        help="The last reminder sent to the payer, from the invoice's reminder counter (OCA overdue reminders).")
    reminder_last_date = fields.Date(string="Last Reminder", compute="_compute_reminder", store=True)
    follow_up_due_date = fields.Date(
        string="Follow-up Due Date", compute="_compute_follow_up", store=True, index=True,
        help="What the family must have paid by: the invoice's due date, the new due date of the rest after a "
             "partial waiver, or the first unpaid instalment of a plan; none when paid, waived or cancelled. "
             "Reminders and the re-issue block both follow it.")
    reminder_next_date = fields.Date(
        string="Next Step Due On", compute="_compute_follow_up", store=True, index=True,
        help="When the next reminder is due on the collège's schedule; under the head's waiver or instalment "
             "plan, the day after a missed date.")
    waived_amount = fields.Monetary(readonly=True, copy=False, tracking=True,
                                    help="Remise gracieuse granted by the head of the collège.")
    waiver_reason = fields.Text(string="Reason for the Waiver", readonly=True, copy=False, tracking=True)
    waiver_credit_note_ids = fields.Many2many(
        "account.move", "tablet_charge_waiver_credit_note_rel", "charge_id", "move_id",
        string="Waiver Credit Notes", readonly=True, copy=False)
    rest_due_date = fields.Date(string="Rest Due On", readonly=True, copy=False, tracking=True,
                                help="Due date of what remains to pay after a partial waiver.")
    instalment_ids = fields.One2many("tablet.charge.instalment", "charge_id", string="Instalment Plan",
                                     readonly=True, copy=False)
    instalment_reason = fields.Text(string="Reason for the Instalment Plan", readonly=True, copy=False,
                                    tracking=True)

    _sql_constraints = [
        ("amount_not_negative", "CHECK(amount >= 0)", "The amount of a charge cannot be negative."),
    ]

    def _creation_message(self):
        """The chatter's first line: mail's "<description> created" reads wrong in French
        (the participle does not agree with the document's gender); a sentence of its own."""
        self.ensure_one()
        return _("Financial contribution recorded.")

    @api.depends("incident_type", "borrower_id")
    def _compute_display_name(self):
        types = dict(self._fields["incident_type"]._description_selection(self.env))
        for charge in self:
            reference = charge._reference()  # no f-string inside _(): Babel would evaluate it
            charge.display_name = _("Charge %(ref)s – %(type)s – %(borrower)s", ref=reference,
                                    type=types.get(charge.incident_type, ""), borrower=charge.borrower_id.name or "")

    @api.depends("borrower_id")
    def _compute_allowed_payer_ids(self):
        for charge in self:
            charge.allowed_payer_ids = charge._payer_candidates()

    @api.depends("invoice_id.payment_state")
    def _compute_state(self):
        """Draft, confirmed and cancelled are set by the actions; invoiced and paid follow the invoice."""
        for charge in self:
            if not charge.state:
                charge.state = "draft"
            elif charge.state in ("invoiced", "paid") and charge.invoice_id:
                paid = charge.invoice_id.payment_state in PAID_PAYMENT_STATES
                charge.state = "paid" if paid else "invoiced"

    @api.depends("invoice_id.overdue_reminder_counter", "invoice_id.overdue_reminder_last_date")
    def _compute_reminder(self):
        """Issue 14: the OCA counter of the invoice is the record of the reminders sent, whoever
        sent them (this module's action or the accountant's OCA wizard)."""
        for charge in self:
            charge.reminder_level = str(min(charge.invoice_id.overdue_reminder_counter or 0, FORMAL_NOTICE))
            charge.reminder_last_date = charge.invoice_id.overdue_reminder_last_date

    @api.depends("state", "invoice_id.invoice_date_due", "rest_due_date", "waived_amount",
                 "instalment_ids.due_date", "instalment_ids.paid", "reminder_level", "reminder_last_date",
                 "college_id.tablet_reminder_first_days", "college_id.tablet_reminder_second_days",
                 "college_id.tablet_reminder_notice_days")
    def _compute_follow_up(self):
        """Issue 14: one due date that the reminders and the re-issue block both follow, and
        the date of the next step on the collège's schedule. Stored: the daily job and the
        filters search it instead of computing it charge by charge."""
        for charge in self:
            due = charge._follow_up_due()
            charge.follow_up_due_date = due
            charge.reminder_next_date = charge._next_step_date(due)

    def _follow_up_due(self):
        self.ensure_one()
        if self.state != "invoiced" or not self.invoice_id:
            return False
        if self.instalment_ids:
            unpaid = self.instalment_ids.filtered(lambda i: not i.paid).sorted(lambda i: (i.sequence, i.id))
            return unpaid[:1].due_date or False
        return self.rest_due_date or self.invoice_id.invoice_date_due or False

    def _next_step_date(self, due):
        """Under the head's arrangement (partial waiver, instalment plan) the reminders are closed:
        only a missed date calls the accountant, the day after. Otherwise the collège's schedule:
        first reminder after the due date, second after the first, formal notice after the second."""
        self.ensure_one()
        if not due:
            return False
        if self._under_arrangement():
            return due + timedelta(days=1)
        level = int(self.reminder_level or 0)
        college = self.college_id
        if level == 0:
            return due + timedelta(days=college.tablet_reminder_first_days or 15)
        if level >= FORMAL_NOTICE or not self.reminder_last_date:
            return False
        days = college.tablet_reminder_second_days if level == 1 else college.tablet_reminder_notice_days
        return self.reminder_last_date + timedelta(days=days or 15)

    def _under_arrangement(self):
        """A partial waiver or an instalment plan decided by the head closes the reminders."""
        self.ensure_one()
        return bool(self.instalment_ids or self.currency_id.compare_amounts(self.waived_amount, 0) > 0)

    def _payer_candidates(self):
        self.ensure_one()
        borrower = self.borrower_id
        if borrower.school_role == "pupil":
            return borrower.legal_representative_ids
        return borrower

    @api.constrains("amount", "tariff_line_id")
    def _check_amount(self):
        for charge in self:
            amount = format_amount(self.env, charge.amount, charge.currency_id)
            if charge.currency_id.compare_amounts(charge.amount, 0) < 0:
                raise ValidationError(_("The amount of %(charge)s cannot be negative (got %(amount)s).",
                                        charge=charge.display_name, amount=amount))
            cap = charge.tariff_line_id.cap_amount
            if charge.tariff_line_id and charge.currency_id.compare_amounts(charge.amount, cap) > 0:
                raise ValidationError(_(
                    "The amount of %(charge)s (%(amount)s) is above the cap of %(cap)s voted by the conseil "
                    "d'administration for this case: ask at most %(cap)s.",
                    charge=charge.display_name, amount=amount, cap=format_amount(self.env, cap, charge.currency_id)))

    @api.constrains("incident_id", "case", "tariff_line_id", "amount")
    def _check_ground(self):
        """Issue 14: a charge stands on its ground or does not exist (R21, R23, R24b)."""
        for charge in self:
            problems = charge._ground_problems()
            if problems:
                raise ValidationError(_("%(charge)s cannot be asked of the family:\n%(problems)s",
                                        charge=charge.display_name,
                                        problems="\n".join("• " + problem for problem in problems)))

    def _ground_problems(self):
        """What is missing for this charge to stand: the R21 reimbursement needs a warranty
        voided by the user and stays within the tablet's value; a counterpart (R24b) needs the
        head's replacement decision with a financial counterpart, a chargeable qualification
        and the line of the deliberation in force on the date of the facts."""
        self.ensure_one()
        incident = self.incident_id.sudo()  # read the ground whoever creates (the accountant reads no incident)
        problems = []
        if incident.state == "cancelled":
            problems.append(_("the incident %s is cancelled.", incident.display_name))
        if self.case == "warranty_void":
            if not (incident.opened_by_user or incident.warranty_claim_ids.filtered("warranty_void")):
                problems.append(_("no warranty claim of the incident was voided by the user."))
            value = self.equipment_id.sudo().cost
            if self.currency_id.compare_amounts(self.amount, value) > 0:
                problems.append(_("the amount is above the tablet's value (%s).",
                                  format_amount(self.env, value, self.currency_id)))
            return problems
        if incident.incident_type == "failure" or incident.qualification == "failure":
            problems.append(_("a hardware failure is the supplier's warranty, never the family's."))
        elif not (incident.decision_date and incident.decision == "replace" and incident.counterpart_charge):
            problems.append(_("the head has not decided a replacement with a financial counterpart for this "
                              "incident."))
        elif CASE_OF_QUALIFICATION.get(incident.qualification) != self.case:
            problems.append(_("the case does not match the qualification of the facts decided by the head."))
        line = self.tariff_line_id
        if not line:
            problems.append(_("no tariff line of a deliberation of the conseil d'administration."))
        else:
            in_force = self.env["tablet.charge.tariff"].sudo()._in_force(
                self.college_id, fields.Date.to_date(incident.event_datetime))
            if line.tariff_id != in_force:
                problems.append(_("the tariff line is not of the deliberation in force on the date of the facts "
                                  "(%s).", in_force.display_name or _("none")))
            elif incident.qualification and not line.tariff_id._charges(incident.qualification):
                problems.append(_("the deliberation %s does not charge this qualification.",
                                  line.tariff_id.ca_deliberation_ref))
        return problems

    @api.constrains("tariff_line_id", "case", "college_id")
    def _check_tariff_line(self):
        for charge in self.filtered("tariff_line_id"):
            line = charge.tariff_line_id
            if line.college_id != charge.college_id or line.case != charge.case:
                raise ValidationError(_(
                    "The tariff line %(line)s does not apply to %(charge)s: choose a line of %(college)s "
                    "for the same case.", line=line.display_name, charge=charge.display_name,
                    college=charge.college_id.name))

    @api.constrains("payer_id", "borrower_id")
    def _check_payer(self):
        for charge in self.filtered("payer_id"):
            if charge.payer_id not in charge._payer_candidates():
                if charge.borrower_id.school_role == "pupil":
                    raise ValidationError(_(
                        "%(payer)s cannot pay %(charge)s: the payer must be one of the legal representatives "
                        "of %(pupil)s.", payer=charge.payer_id.display_name, charge=charge.display_name,
                        pupil=charge.borrower_id.name))
                raise ValidationError(_(
                    "%(payer)s cannot pay %(charge)s: the borrower %(borrower)s, who is not a pupil, pays "
                    "themselves.", payer=charge.payer_id.display_name, charge=charge.display_name,
                    borrower=charge.borrower_id.name))

    @api.onchange("incident_id", "case")
    def _onchange_incident_or_case(self):
        """In the form, propose what `_create_from_incident` would: case, tariff, amount, payer."""
        if not self.incident_id:
            return
        if not self.case and self.incident_type in dict(CHARGE_CASES):
            self.case = self.incident_type
        if not self.payer_id:
            self.payer_id = self._payer_candidates()[:1]
        if self.case:
            self.tariff_line_id = self.env["tablet.charge.tariff"]._find_line(
                self.college_id, self.incident_date, self.case)
            self._onchange_tariff_line_id()

    @api.onchange("tariff_line_id")
    def _onchange_tariff_line_id(self):
        if self.tariff_line_id and self.equipment_id:
            self.amount = self.tariff_line_id._amount_for(self.equipment_id, fields.Date.to_date(self.incident_date))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_client_values(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_client_values(vals)
        return super().write(vals)

    def _check_client_values(self, vals):
        check_link_targets(self, vals, ("incident_id", "tariff_line_id", "payer_id"))

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        """A confirmed charge is part of the audit trail: it is cancelled, never deleted."""
        if self.filtered(lambda c: c.state != "draft" or c.invoice_id):
            raise UserError(_("Only a draft charge can be deleted: cancel a confirmed or invoiced one instead."))

    @tablet_action(*CHARGE_MANAGERS, role=CHARGE_MANAGERS_ROLE)
    def action_confirm(self):
        """The amount and the payer are settled; the charge can be invoiced."""
        for charge in self:
            if charge.state != "draft":
                raise UserError(_("Only a draft charge can be confirmed (%s).", charge.display_name))
            if charge.currency_id.compare_amounts(charge.amount, 0) <= 0:
                raise UserError(_("Set the amount of %s before confirming it: it must be above zero.",
                                  charge.display_name))
            if not charge.payer_id:
                raise UserError(_("Set the payer of %s (a legal representative) before confirming it.",
                                  charge.display_name))
            problems = charge._ground_problems()
            if problems:
                raise UserError(_("%(charge)s cannot be confirmed:\n%(problems)s", charge=charge.display_name,
                                  problems="\n".join("• " + problem for problem in problems)))
        self._write_state({"state": "confirmed"})
        return True

    @tablet_action(*INVOICING, role=INVOICING_ROLE)
    def action_create_invoice(self):
        """One posted customer invoice per charge, in the collège's journal, created in one batch."""
        problems = []
        for charge in self:
            if charge.state != "confirmed":
                problems.append(_("%s is not confirmed.", charge.display_name))
            if not charge.payer_id:
                problems.append(_("%s has no payer: set a legal representative.", charge.display_name))
            if charge.case == "warranty_void":
                if not charge.company_id.tablet_r21_journal_id:
                    problems.append(_("The Département %s has no sales journal for equipment reimbursements: set it on "
                                      "the Département's Tablet Programme page.", charge.company_id.name))
            elif not charge.college_id.tablet_journal_id:
                problems.append(_("The collège %s has no sales journal for tablet charges: set it on the "
                                  "collège's Tablet Programme page.", charge.college_id.name))
        if problems:
            listing = "\n".join("• " + problem for problem in dict.fromkeys(problems))
            raise UserError(_("No invoice was created:\n%s", listing))
        invoices = self.env["account.move"].create([charge._prepare_invoice_vals() for charge in self])
        invoices.action_post()
        for charge, invoice in zip(self, invoices, strict=False):
            charge.invoice_id = invoice
        self._write_state({"state": "invoiced"})
        for charge in self:
            charge.message_post(body=_("Invoice %s posted.", charge.invoice_id._get_html_link()))
        return True

    def _issuer(self):
        """Who asks the family to pay: the collège for a counterpart voted by its CA (R24b), the
        Département for the R21 reimbursement. Its journal, payment term and payee."""
        self.ensure_one()
        if self.case == "warranty_void":
            return self.company_id, self.company_id.tablet_r21_journal_id
        return self.college_id, self.college_id.tablet_journal_id

    def _reference(self):
        """The charge's reference, printed on the notice and asked on cheques and transfers."""
        self.ensure_one()
        return "CHG-%05d" % (self.id or 0)

    def _prepare_invoice_vals(self):
        """The invoice in the issuer's journal, due after the issuer's payment term (set here rather
        than by a payment term, so that it is the issuer's, not the payer's), its narration citing
        the ground the charge stands on."""
        self.ensure_one()
        issuer, journal = self._issuer()
        types = dict(self._fields["incident_type"]._description_selection(self.env))
        label = _("Financial contribution: %(type)s of the tablet %(serial)s lent to %(pupil)s",
                  type=types.get(self.incident_type, "").lower(), serial=self.tablet_serial_no or "",
                  pupil=self.borrower_id.name)
        today = fields.Date.context_today(self)
        cheque = self.env["account.journal"]._tablet_cheque_line(self.company_id)
        return {
            "move_type": "out_invoice",
            "company_id": self.company_id.id,
            "journal_id": journal.id,
            "partner_id": self.payer_id.id,
            "currency_id": self.currency_id.id,
            "invoice_date": today,
            "invoice_payment_term_id": False,
            "invoice_date_due": today + timedelta(days=issuer.tablet_payment_days),
            "invoice_origin": self.display_name,
            # The reference the family quotes on the cheque or the transfer. Not `ref`: the invoice
            # would then be named "CALP/2026/00001 (CHG-00012)" in every list and export.
            "payment_reference": self._reference(),
            "preferred_payment_method_line_id": cheque.id,
            "narration": self._invoice_narration(),
            "invoice_line_ids": [Command.create({
                "name": label,
                "quantity": 1,
                "price_unit": self.amount,
                "account_id": journal.default_account_id.id,
                "tax_ids": [Command.clear()],
            })],
        }

    def _invoice_narration(self):
        """The ground of the charge, in French as the family reads it: the deliberation, the
        incident and its qualification, the legal ground (Code civil art. 1880; convention B 5.4)."""
        self.ensure_one()
        values = self._notice_ground()
        lines = [values["ground"]]
        if values["tariff"]:
            tariff = values["tariff"]
            lines.insert(0, "Délibération du conseil d'administration : %s, votée le %s, "
                            "applicable aux faits survenus à compter du %s." % (
                tariff.ca_deliberation_ref, values["date"](tariff.ca_deliberation_date),
                values["date"](tariff.effective_date)))
        incident = values["incident"]
        lines.insert(0, "Incident : %s du %s%s." % (
            values["incident_type"], values["date"](incident.event_datetime),
            " ; qualification retenue : %s" % values["qualification"].lower() if values["qualification"] else ""))
        lines.append("Référence à rappeler avec le paiement : %s." % self._reference())
        return "\n".join(lines)

    def _notice_ground(self):
        """What the notice and the invoice say of the facts and of the ground, read as superuser
        (the accountant who prints the notice reads no incident), labels in French."""
        self.ensure_one()
        fr = self.with_context(lang="fr_FR")
        incident = self.incident_id.sudo()
        types = dict(fr._fields["incident_type"]._description_selection(fr.env))
        qualifications = dict(fr._fields["qualification"]._description_selection(fr.env))

        def date(value):
            return format_date(fr.env, value, lang_code="fr_FR") if value else ""

        if self.case == "warranty_void":
            ground = ("Article B 5.4 de la convention de mise à disposition : l'utilisateur a réparé ou "
                      "ouvert la tablette, ce qui annule la garantie du fournisseur ; le Département demande le "
                      "remboursement du matériel, à sa valeur.")
        else:
            ground = ("Article B 5.4 de la convention entre le collège et la famille, et article 1880 du Code civil : "
                      "l'emprunteur répond des dégradations survenues par sa faute, non de l'usure normale ni d'une "
                      "panne du matériel.")
        return {
            "incident": incident,
            "incident_type": types.get(incident.incident_type, ""),
            "qualification": qualifications.get(incident.qualification, ""),
            "decision_date": incident.decision_date,
            "tariff": self.tariff_line_id.tariff_id.sudo(),
            "ground": ground,
            "date": date,
        }

    def _notice_pdf(self, reminder_level=0):
        """(PDF bytes, file name) of the notice to the family, or of its reminder at `reminder_level`
        (1: first reminder, 2: second, 3: formal notice): the same template, for one charge. Used to
        attach the letters to reminders."""
        self.ensure_one()
        if reminder_level not in NOTICE_LEVELS:
            raise UserError(_("A reminder level is 0 (the notice), 1, 2 or 3 (got %s).", reminder_level))
        pdf, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            NOTICE_REPORT, self.ids, data={"reminder_level": reminder_level})
        prefix = {0: "Avis", 1: "Premier rappel", 2: "Second rappel", 3: "Mise en demeure"}[reminder_level]
        return pdf, "%s - %s.pdf" % (prefix, self._reference())

    @api.readonly
    @tablet_action(*CHARGE_MANAGERS, role=CHARGE_MANAGERS_ROLE)
    def action_print_notice(self):
        """The notice to the family (avis des sommes à payer) of invoiced or paid charges."""
        for charge in self:
            if charge.state not in ("invoiced", "paid"):
                raise UserError(_("%s is not invoiced: the notice to the family is printed once the invoice is "
                                  "posted.", charge.display_name))
        return self.env.ref(NOTICE_REPORT).report_action(self.ids)

    @tablet_action(*CHARGE_MANAGERS, *INVOICING, role=CHARGE_MANAGERS_ROLE)
    def action_cancel(self):
        """Draft or confirmed: cancelled. Invoiced: cancelled by a credit note. Paid: refund in accounting."""
        for charge in self:
            if charge.state == "paid":
                raise UserError(_("%s is paid: refund the payer through accounting (a credit note and a "
                                  "refund payment), it cannot simply be cancelled.", charge.display_name))
            if charge.state == "cancelled":
                raise UserError(_("%s is already cancelled.", charge.display_name))
            if charge.state == "waived":  # issue 14
                raise UserError(_("%s is closed by the head's waiver (remise gracieuse) and its credit note: "
                                  "there is nothing left to cancel.", charge.display_name))
        invoiced = self.filtered(lambda c: c.state == "invoiced")
        if invoiced and not self.env.su and not any(self.env.user.has_group(group) for group in INVOICING):
            raise AccessError(_("Cancelling an invoiced charge issues a credit note: it is for %s.", INVOICING_ROLE))
        if invoiced:
            invoices = invoiced.invoice_id
            credit_notes = invoices._reverse_moves(default_values_list=[{
                "ref": _("Cancellation of %s", charge.display_name),
                "invoice_date": fields.Date.context_today(self),
            } for charge in invoiced], cancel=True)
            by_invoice = {note.reversed_entry_id: note for note in credit_notes}
            for charge in invoiced:
                charge.credit_note_id = by_invoice.get(charge.invoice_id)
        self._write_state({"state": "cancelled"})
        for charge in invoiced:
            charge.message_post(body=_("Cancelled by the credit note %s.", charge.credit_note_id._get_html_link()))
        return True

    @api.readonly
    @tablet_action("account.group_account_invoice", "account.group_account_readonly",
                   role=_lt("the collège's accountant and the Département's staff, who read invoices"))
    def action_open_invoice(self):
        self.ensure_one()
        moves = self.invoice_id | self.credit_note_id
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        if len(moves) == 1:
            action.update(views=[(False, "form")], res_id=moves.id)
        else:
            action["domain"] = [("id", "in", moves.ids)]
        action["context"] = {"create": False}
        return action

    @api.model
    def _create_from_incident(self, incident, case, amount=None):
        """A draft charge for `incident` in `case`: the deliberation of the collège's CA in force
        on the date of the facts proposes the amount, the first legal representative pays (R21, R24b)."""
        incident.ensure_one()
        if case == "warranty_void":
            # R21: the Département's reimbursement, at the tablet's value, not a CA tariff.
            line = self.env["tablet.charge.tariff.line"]
            if amount is None:
                amount = incident.equipment_id.sudo().cost
        else:
            line = self.env["tablet.charge.tariff"]._find_line(incident.college_id, incident.event_datetime, case)
            if amount is None:
                amount = line._amount_for(incident.equipment_id, fields.Date.to_date(incident.event_datetime)) if line else 0.0
        borrower = incident.borrower_id
        payer = borrower.legal_representative_ids[:1] if borrower.school_role == "pupil" else borrower
        return self.create({
            "incident_id": incident.id,
            "case": case,
            "tariff_line_id": line.id,
            "payer_id": payer.id,
            "amount": amount,
        })

    # ------------------------------------------------------------------------------------------
    # Issue 14: follow-up of unpaid charges (reminders, waiver, instalment plan)
    # ------------------------------------------------------------------------------------------
    def _reminder_refusal(self, today):
        """Why no reminder can be sent for this charge today, or None."""
        self.ensure_one()
        if self.state == "paid":
            return _("it is paid.")
        if self.state == "waived" or self.currency_id.compare_amounts(self.waived_amount, 0) > 0:
            return _("the head of the collège granted a waiver (remise gracieuse).")
        if self.instalment_ids:
            return _("it is under an instalment plan decided by the head of the collège.")
        if self.state != "invoiced":
            return _("it is not invoiced.")
        if int(self.reminder_level or 0) >= FORMAL_NOTICE:
            return _("the formal notice (mise en demeure) was already sent.")
        if not self.reminder_next_date or self.reminder_next_date > today:
            return _("the next reminder is not due before %s.", format_date(self.env, self.reminder_next_date)) \
                if self.reminder_next_date else _("nothing is due.")
        return None

    @tablet_action(*REMINDER_SENDERS, role=REMINDER_SENDERS_ROLE)
    def action_send_reminder(self):
        """Send the next step (first reminder, second, formal notice) of the charges whose step is due.

        The reminders are recorded in OCA `account_invoice_overdue_reminder` (one
        `overdue.reminder.action` of type letter per payer and collège, one counter line per
        invoice), so that the accountant's OCA screens show them; the invoice's counter is the
        charge's level. All charges are checked first: nothing is sent if one cannot be."""
        today = fields.Date.context_today(self)
        problems = [(charge, charge._reminder_refusal(today)) for charge in self]
        problems = [self.env._("%(charge)s: %(reason)s", charge=charge.display_name, reason=reason)
                    for charge, reason in problems if reason]
        if problems:
            raise UserError(_("No reminder was sent:\n%s", "\n".join("• " + p for p in problems)))
        levels = {charge: int(charge.reminder_level or 0) + 1 for charge in self}
        Action = self.env["overdue.reminder.action"]
        if not Action.has_access("create"):
            # The Département's staff read invoices only (account.group_account_readonly): the
            # reminder's history is written for them once role and scope are checked above; the
            # history keeps who sent it (user_id).
            Action = Action.sudo()
        by_payer = defaultdict(lambda: self.browse())
        for charge in self:
            by_payer[(charge.payer_id, charge.college_id, charge.company_id)] |= charge
        Action.create([{
            "reminder_type": "post",
            "partner_id": payer.id,
            "commercial_partner_id": payer.commercial_partner_id.id,
            "company_id": company.id,
            "user_id": self.env.uid,
            "date": today,
            "reminder_ids": [Command.create({"invoice_id": charge.invoice_id.id, "counter": levels[charge]})
                             for charge in charges],
        } for (payer, _college, company), charges in by_payer.items()])
        labels = dict(self._fields["reminder_level"]._description_selection(self.env))
        for charge in self:
            level = levels[charge]
            # The letter of this level (the notice's template), kept with the message.
            pdf, filename = charge._notice_pdf(level)
            charge.message_post(body=_("%(step)s sent to %(payer)s (letter), %(amount)s due.",
                                       step=labels[str(level)], payer=charge.payer_id.name,
                                       amount=format_amount(self.env, charge.invoice_amount_residual,
                                                            charge.currency_id)),
                                attachments=[(filename, pdf)])
        self.activity_feedback([REMINDER_ACTIVITY], feedback=_("Reminder sent."))
        return True

    def _close_reminders(self):
        """The head's waiver or instalment plan stops the reminders: OCA's wizard skips the
        invoice (no_overdue_reminder), and the open reminder activities go."""
        invoices = self.invoice_id
        if invoices and not invoices.has_access("write"):
            invoices = invoices.sudo()  # the head has no accounting right; only this flag is written
        invoices.write({"no_overdue_reminder": True})
        self.activity_unlink([REMINDER_ACTIVITY])

    def _grant_waiver(self, amount, reason):
        """Issue 14: the head's remise gracieuse, full or partial, on an invoiced charge: a posted
        credit note for the waived amount, reconciled with the invoice. Full: the charge is
        waived; partial: the rest is due at a new date. Called by the waiver wizard."""
        self.ensure_one()
        if self.state != "invoiced":
            raise UserError(_("Only an invoiced, unpaid charge can be waived (%s).", self.display_name))
        due = self.invoice_amount_residual
        if self.currency_id.compare_amounts(amount, 0) <= 0 or self.currency_id.compare_amounts(amount, due) > 0:
            raise UserError(_("The waived amount must be above zero and at most the amount still due, %(due)s "
                              "(got %(amount)s).", due=format_amount(self.env, due, self.currency_id),
                              amount=format_amount(self.env, amount, self.currency_id)))
        if not (reason or "").strip():
            raise UserError(_("Give the reason for the waiver (remise gracieuse)."))
        full = self.currency_id.compare_amounts(amount, due) == 0
        credit_note = self._waiver_credit_note(amount, reason)
        today = fields.Date.context_today(self)
        vals = {
            "waived_amount": self.waived_amount + amount,
            "waiver_reason": reason.strip(),
            "waiver_credit_note_ids": [Command.link(credit_note.id)],
        }
        if full:
            vals.update(state="waived", rest_due_date=False)
        else:
            vals["rest_due_date"] = today + timedelta(days=self._payment_days())
        replaced_plan = self.instalment_ids
        if replaced_plan:
            # The plan spread an amount the waiver changed. Nobody deletes instalments directly
            # (README, Access matrix): the head's waiver does, for this charge only.
            replaced_plan.sudo().unlink()
        self._write_state(vals)
        self._close_reminders()
        if full:
            body = _("Waiver (remise gracieuse) of the whole amount due, %(amount)s, granted by %(head)s: the "
                     "charge is closed by the credit note %(note)s. Reason: %(reason)s",
                     amount=format_amount(self.env, amount, self.currency_id), head=self.env.user.name,
                     note=credit_note.name, reason=reason.strip())
        else:
            body = _("Partial waiver (remise gracieuse) of %(amount)s granted by %(head)s (credit note %(note)s); "
                     "%(rest)s remains due by %(date)s. Reason: %(reason)s",
                     amount=format_amount(self.env, amount, self.currency_id), head=self.env.user.name,
                     note=credit_note.name, rest=format_amount(self.env, due - amount, self.currency_id),
                     date=format_date(self.env, self.rest_due_date), reason=reason.strip())
        if replaced_plan:
            body += " " + _("The instalment plan no longer applies.")
        self.message_post(body=body)
        return credit_note

    def _payment_days(self):
        """Days the family has to pay the rest after a partial waiver: the issuer's payment term,
        as for the notice (the collège's, or the Département's for the R21 reimbursement)."""
        return self._issuer()[0].tablet_payment_days

    def _waiver_credit_note(self, amount, reason):
        """A posted out_refund of `amount` reversing the invoice, reconciled with it."""
        invoice = self.invoice_id
        Move = self.env["account.move"]
        if not Move.has_access("create"):
            # The head decides the waiver but has no accounting right (README, Access matrix):
            # the credit note is the action's, for this charge's invoice only, checked above;
            # the chatter message is posted as the head.
            Move = Move.sudo()
        invoice = invoice.with_env(Move.env)
        line = invoice.invoice_line_ids[:1]
        note = Move.create({
            "move_type": "out_refund",
            "company_id": invoice.company_id.id,
            "journal_id": invoice.journal_id.id,
            "partner_id": invoice.partner_id.id,
            "currency_id": invoice.currency_id.id,
            "invoice_date": fields.Date.context_today(self),
            "reversed_entry_id": invoice.id,
            "invoice_origin": invoice.name,
            "ref": _("Waiver (remise gracieuse) of %s", self.display_name),
            "invoice_line_ids": [Command.create({
                "name": _("Waiver (remise gracieuse): %s", reason.strip())[:500],
                "quantity": 1,
                "price_unit": amount,
                "account_id": line.account_id.id,
                "tax_ids": [Command.clear()],
            })],
        })
        note.action_post()
        receivable = (note.line_ids | invoice.line_ids).filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled)
        receivable.reconcile()
        return note

    def _set_instalment_plan(self, count, first_date, reason):
        """Issue 14: the head spreads what is still due over `count` monthly instalments from
        `first_date`, to the cent; a new plan replaces the previous one. Called by the wizard."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        due = self.invoice_amount_residual
        problems = []
        if self.state != "invoiced":
            problems.append(_("only an invoiced, unpaid charge can be spread (%s).", self.display_name))
        elif self.currency_id.compare_amounts(due, 0) <= 0:
            problems.append(_("nothing is due on %s.", self.display_name))
        if not 2 <= (count or 0) <= 12:
            problems.append(_("the number of instalments must be from 2 to 12 (got %s).", count or 0))
        if not first_date or first_date < today:
            problems.append(_("the first instalment must fall today or later (got %s).",
                              format_date(self.env, first_date) if first_date else _("no date")))
        if not (reason or "").strip():
            problems.append(_("give the reason for the instalment plan."))
        if problems:
            raise UserError(_("No instalment plan was set:\n%s", "\n".join("• " + p for p in problems)))
        currency = self.currency_id
        share = currency.round(due / count)
        amounts = [share] * (count - 1) + [currency.round(due - share * (count - 1))]
        Instalment = self.env["tablet.charge.instalment"]
        if not Instalment.has_access("create"):
            # Nobody writes instalments directly (README, Access matrix): the plan is the head's
            # wizard's, for this charge only, checked above.
            Instalment = Instalment.sudo()
        previous = self.instalment_ids.with_env(Instalment.env)
        previous.unlink()
        Instalment.create([{
            "charge_id": self.id, "sequence": index + 1, "amount": amount,
            "due_date": first_date + relativedelta(months=index),
        } for index, amount in enumerate(amounts)])
        self._write_state({"instalment_reason": reason.strip()})
        self._close_reminders()
        lines = ", ".join(self.env._("%(amount)s on %(date)s", amount=format_amount(self.env, amount, currency),
                            date=format_date(self.env, first_date + relativedelta(months=index)))
                          for index, amount in enumerate(amounts))
        body = _("Instalment plan decided by %(head)s: %(count)s monthly instalments (%(lines)s). Reason: %(reason)s",
                 head=self.env.user.name, count=count, lines=lines, reason=reason.strip())
        if previous:
            body += " " + _("It replaces the previous plan.")
        self.message_post(body=body)
        return True

    @api.model
    def _cron_follow_up_unpaid(self):
        """Daily: an activity "Relance d'impayé" for the collège's accountant (else its head)
        on each invoiced charge whose next step is due, never two for the same step (the step
        is the activity's deadline); activities of charges no longer due go. A fixed number of
        queries whatever the number of charges."""
        activity_type = self.env.ref(REMINDER_ACTIVITY)
        today = fields.Date.context_today(self)
        due = self.search([("state", "=", "invoiced"), ("reminder_next_date", "<=", today)])
        Activity = self.env["mail.activity"]
        open_activities = Activity.search([("res_model", "=", self._name),
                                           ("activity_type_id", "=", activity_type.id)])
        step_of = {charge.id: charge.reminder_next_date for charge in due}
        # An open activity stays while its step is the charge's; others are stale.
        stale = open_activities.filtered(lambda a: step_of.get(a.res_id) != a.date_deadline)
        kept = {a.res_id for a in open_activities - stale}
        stale.unlink()
        todo = due.filtered(lambda c: c.id not in kept)
        if not todo:
            return
        users = self._follow_up_users(todo.college_id)
        # mail.activity names each activity after its record, browsed one by one: read the
        # charges' names (and their borrowers) for all of them at once first.
        todo.mapped("display_name")
        model_id = self.env["ir.model"]._get_id(self._name)
        Activity.with_context(mail_activity_quick_update=True).create([{
            "res_model_id": model_id, "res_id": charge.id, "activity_type_id": activity_type.id,
            "summary": charge._follow_up_summary(), "automated": True,
            "date_deadline": charge.reminder_next_date,
            "user_id": (users.get(charge.college_id.id) or self.env.user).id,
        } for charge in todo])

    def _follow_up_summary(self):
        self.ensure_one()
        amount = format_amount(self.env, self.invoice_amount_residual, self.currency_id)
        if self.instalment_ids:
            return _("Instalment of %(date)s unpaid (%(amount)s still due)",
                     date=format_date(self.env, self.follow_up_due_date), amount=amount)
        if self._under_arrangement():
            return _("Rest unpaid after the waiver, due on %(date)s (%(amount)s)",
                     date=format_date(self.env, self.follow_up_due_date), amount=amount)
        labels = dict(self._fields["reminder_level"]._description_selection(self.env))
        return _("%(step)s to send (%(amount)s due since %(date)s)", step=labels[str(int(self.reminder_level or 0) + 1)],
                 amount=amount, date=format_date(self.env, self.follow_up_due_date))

    @api.model
    def _follow_up_users(self, colleges):
        """{collège id: user} who follows its unpaid charges: its accountant, else its head
        (the first by id). One query for all the collèges."""
        accountant = self.env.ref("tablet_loan.group_college_accountant")
        head = self.env.ref("tablet_loan.group_college_head")
        users = self.env["res.users"].sudo().search([
            ("share", "=", False), ("groups_id", "in", (accountant | head).ids),
            ("tablet_college_ids", "in", colleges.ids)], order="id")
        chosen = {}
        for group in (accountant, head):
            for user in users.filtered(lambda u: group in u.groups_id):
                for college in user.tablet_college_ids:
                    chosen.setdefault(college.id, user)
        return chosen
