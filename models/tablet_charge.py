from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_amount, format_date
from odoo.tools.translate import LazyTranslate

from .tablet_charge_tariff_line import CASE_OF_QUALIFICATION, CHARGE_CASES
from .relation_guard import check_link_targets
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
REMINDER_LEVELS = (0, 1, 2, 3)


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
    _tablet_action_fields = ("invoice_id", "credit_note_id")
    _tablet_frozen_fields = {
        "confirmed": SETTLED_FIELDS,
        "invoiced": ALL_FIELDS,
        "paid": ALL_FIELDS,
        "cancelled": ALL_FIELDS,
    }

    incident_id = fields.Many2one("tablet.incident", string="Incident", required=True, index=True,
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
    case = fields.Selection(CHARGE_CASES, string="Case", required=True, tracking=True)
    tariff_line_id = fields.Many2one(
        "tablet.charge.tariff.line", string="Tariff", index=True, tracking=True, ondelete="restrict",
        check_company=True, domain="[('college_id', '=', college_id), ('case', '=', case)]",
        help="The amount voted by the collège's conseil d'administration for this case (R24b).",
    )
    cap_amount = fields.Monetary(related="tariff_line_id.cap_amount", string="Cap")
    payer_id = fields.Many2one(
        "res.partner", string="Payer", index=True, tracking=True, ondelete="restrict",
        domain="[('id', 'in', allowed_payer_ids)]",
        help="A legal representative of the pupil; the borrower themselves when not a pupil.",
    )
    allowed_payer_ids = fields.Many2many("res.partner", compute="_compute_allowed_payer_ids", string="Possible Payers")
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    amount = fields.Monetary(string="Amount", required=True, tracking=True)
    state = fields.Selection(
        [("draft", "Draft"), ("confirmed", "Confirmed"), ("invoiced", "Invoiced"), ("paid", "Paid"),
         ("cancelled", "Cancelled")],
        string="Status", required=True, readonly=True, copy=False, index=True, tracking=True,
        # The actions write draft, confirmed, invoiced and cancelled; the compute only moves an
        # invoiced charge to paid and back, following the invoice's payment status.
        compute="_compute_state", store=True, precompute=True,
        help="Paid follows the payment of the invoice.",
    )
    invoice_id = fields.Many2one("account.move", string="Invoice", readonly=True, copy=False, index=True,
                                 check_company=True)
    invoice_payment_state = fields.Selection(related="invoice_id.payment_state", string="Payment Status")
    # For the collège's accounting export: read as related fields, like the payment status, by
    # every role that follows charges, accounting rights or not.
    invoice_date = fields.Date(related="invoice_id.invoice_date", string="Invoice Date")
    invoice_amount_residual = fields.Monetary(related="invoice_id.amount_residual", string="Amount Due")
    credit_note_id = fields.Many2one("account.move", string="Credit Note", readonly=True, copy=False,
                                     check_company=True)
    # Issue 14: the notice to the family
    # Read with superuser rights (related_sudo), like the incident type: the accountant reads no incident.
    qualification = fields.Selection(related="incident_id.qualification", store=True, string="Qualification")
    tariff_id = fields.Many2one(related="tariff_line_id.tariff_id", string="Deliberation")
    invoice_date_due = fields.Date(related="invoice_id.invoice_date_due", string="Due Date")

    _sql_constraints = [
        ("amount_not_negative", "CHECK(amount >= 0)", "The amount of a charge cannot be negative."),
    ]

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
            if not incident.warranty_claim_ids.filtered("warranty_void"):
                problems.append(_("no warranty claim of the incident was voided by the user (R21)."))
            value = self.equipment_id.sudo().cost
            if self.currency_id.compare_amounts(self.amount, value) > 0:
                problems.append(_("the amount is above the tablet's value (%s).",
                                  format_amount(self.env, value, self.currency_id)))
            return problems
        if incident.incident_type == "failure" or incident.qualification == "failure":
            problems.append(_("a hardware failure is the supplier's warranty, never the family's."))
        elif not (incident.decision_date and incident.decision == "replace" and incident.counterpart_charge):
            problems.append(_("the head has not decided a replacement with a financial counterpart for this "
                              "incident (R23, R24b)."))
        elif CASE_OF_QUALIFICATION.get(incident.qualification) != self.case:
            problems.append(_("the case does not match the qualification of the facts decided by the head."))
        line = self.tariff_line_id
        if not line:
            problems.append(_("no tariff line of a deliberation of the conseil d'administration (R24b)."))
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
                    problems.append(_("The Département %s has no sales journal for R21 reimbursements: set it on "
                                      "the Département's Tablet Programme page.", charge.company_id.name))
            elif not charge.college_id.tablet_journal_id:
                problems.append(_("The collège %s has no sales journal for tablet charges: set it on the "
                                  "collège's Tablet Programme page.", charge.college_id.name))
        if problems:
            listing = "\n".join("• " + problem for problem in dict.fromkeys(problems))
            raise UserError(_("No invoice was created:\n%s", listing))
        invoices = self.env["account.move"].create([charge._prepare_invoice_vals() for charge in self])
        invoices.action_post()
        for charge, invoice in zip(self, invoices):
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
            lines.insert(0, "Délibération du conseil d'administration : %s, votée le %s, applicable aux faits survenus à compter du %s." % (
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
        if reminder_level not in REMINDER_LEVELS:
            raise UserError(_("A reminder level is 0 (the notice), 1, 2 or 3 (got %s).", reminder_level))
        pdf, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            NOTICE_REPORT, self.ids, data={"reminder_level": reminder_level})
        prefix = {0: "Avis", 1: "Premier rappel", 2: "Second rappel", 3: "Mise en demeure"}[reminder_level]
        return pdf, "%s - %s.pdf" % (prefix, self._reference())

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
