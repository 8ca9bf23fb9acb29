import base64
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date
from odoo.tools.translate import LazyTranslate

from .tablet_workflow_mixin import as_action, tablet_action

_lt = LazyTranslate(__name__)

LETTER_REPORT = "tablet_loan.action_report_tablet_letter"
# The collège writes to families (R4): its staff, or the Département's programme manager.
SENDERS = ("tablet_loan.group_college_referent", "tablet_loan.group_department_manager")
SENDERS_ROLE = _lt("the collège's référents and head, or the Département's programme manager")
LOAN_KINDS = ("contract", "overdue_first", "overdue_second", "overdue_registered", "custody", "gift")
INCIDENT_KINDS = ("incident_ack", "incident_decision")
OVERDUE_STEPS = ("overdue_first", "overdue_second", "overdue_registered")
# Days a family is given between two steps of the overdue escalation (the letters say so).
OVERDUE_STEP_DAYS = 8
MAX_LISTED = 20
KINDS = [("contract", "Contract to Sign"),
         ("overdue_first", "Overdue Return: First Notice"),
         ("overdue_second", "Overdue Return: Second Notice"),
         ("overdue_registered", "Overdue Return: Registered Letter"),
         ("custody", "Summer Custody"),
         ("gift", "End-of-3e Gift"),
         ("incident_ack", "Incident Acknowledgement"),
         ("incident_decision", "Incident Decision")]


class TabletLetter(models.Model):
    """One letter of the collège to a family (R4: the collège is the families' only contact):
    what was sent, to whom, how (e-mail, or printed for the post), and the PDF as sent.

    Letters are written only by `_send_letters` (the "Send Letters" wizard): every field is an
    action field, so no client creates or rewrites a letter by hand. They hold people's names and
    addresses: `_tablet_erase_person` removes them when a person is anonymised (R29)."""

    _name = "tablet.letter"
    _description = "Letter to a Family"
    _inherit = ["tablet.workflow.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _tablet_action_fields = (
        "kind", "loan_id", "incident_id", "borrower_id", "college_id", "company_id", "recipient_ids",
        "recipient_summary", "channel", "registered_number", "date", "attachment_id", "sent_by_id",
    )

    kind = fields.Selection(
        KINDS,
        string="Letter", required=True, readonly=True, index=True,
    )
    loan_id = fields.Many2one("tablet.loan", readonly=True, index=True, ondelete="cascade")
    incident_id = fields.Many2one("tablet.incident", readonly=True, index=True,
                                  ondelete="cascade")
    borrower_id = fields.Many2one("res.partner", readonly=True, index=True, ondelete="cascade")
    college_id = fields.Many2one("res.partner", string="Collège", required=True, readonly=True, index=True,
                                 ondelete="restrict", help="The sender: the collège writes to families.")
    company_id = fields.Many2one("res.company", string="Département", required=True, readonly=True)
    recipient_ids = fields.Many2many(
        "res.partner", "tablet_letter_recipient_rel", "letter_id", "partner_id", string="Recipients",
        readonly=True, help="The pupil's legal representatives, or the adult borrower.")
    recipient_summary = fields.Text(
        string="Sent to", readonly=True,
        help="The names and the e-mail addresses or postal address as the letter was sent.")
    channel = fields.Selection(
        [("email", "E-mail"), ("print", "Printed for the post")], string="Sent by", required=True, readonly=True,
        help="By e-mail where the family has an e-mail address, printed for the post otherwise.")
    registered_number = fields.Char(
        string="Registered Letter Number", readonly=True,
        help="The number of the registered letter with acknowledgement of receipt, typed by the sender.")
    date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    state = fields.Selection(
        [("to_post", "To Post"), ("sent", "Sent")], string="Status", required=True, readonly=True,
        default="sent",
        help="A printed letter is to post until someone says it went in the post.")
    attachment_id = fields.Many2one("ir.attachment", string="Letter (PDF)", readonly=True, ondelete="set null")
    sent_by_id = fields.Many2one("res.users", string="Sent by User", readonly=True, ondelete="set null")

    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for letter in self:
            letter.display_name = _("%(kind)s – %(borrower)s (%(date)s)", kind=labels.get(letter.kind, ""),
                                    borrower=letter.borrower_id.name or "",
                                    date=format_date(self.env, letter.date))

    # ----------------------------------------------------------------- actions
    @tablet_action(*SENDERS, role=SENDERS_ROLE)
    def action_mark_posted(self):
        """A printed letter went in the post: the collège says so, the date stays that of the letter."""
        wrong = self.filtered(lambda letter: letter.state != "to_post")
        if wrong:
            raise UserError(_("%s is not a printed letter waiting to be posted.", wrong[0].display_name))
        self.check_access("write")
        self._write_state({"state": "sent"})
        for letter in self:
            letter._document().message_post(body=_("Letter “%(letter)s” posted.", letter=letter.display_name))
        return True

    # ------------------------------------------------------------ business
    def _document(self):
        """The loan or incident whose chatter tells the letter's story."""
        self.ensure_one()
        return self.incident_id or self.loan_id

    @api.model
    def _family_of(self, borrower):
        """Who a letter about `borrower` goes to: a pupil's legal representatives, else the adult."""
        return borrower.legal_representative_ids if borrower.school_role == "pupil" else borrower

    @api.model
    def _has_address(self, partner):
        return bool(partner.street and partner.zip and partner.city)

    @api.model
    def _kind_label(self, kind):
        return dict(self._fields["kind"]._description_selection(self.env))[kind]

    @api.model
    def _previous_letters(self, loans, kinds):
        """{(loan id, kind): latest date} of the letters already sent, read in one query."""
        groups = self._read_group([("loan_id", "in", loans.ids), ("kind", "in", kinds)],
                                  ["loan_id", "kind"], ["date:max"])
        return {(loan.id, kind): last for loan, kind, last in groups}

    @api.model
    def _letter_problems(self, kind, records, registered_number):
        """[text] of what stops `kind` letters on `records` (loans or incidents): nothing is sent
        while one row fails, so the message names every failing row and why."""
        problems = []
        if kind == "overdue_registered" and not (registered_number or "").strip():
            problems.append(_("type the number of the registered letter (lettre recommandée avec accusé de "
                              "réception), as printed on its receipt"))
        if kind == "overdue_registered" and len(records) > 1:
            problems.append(_("a registered letter has its own number: send them one loan at a time"))
        today = fields.Date.context_today(self)
        previous = self._previous_letters(records, OVERDUE_STEPS) if kind in OVERDUE_STEPS else {}
        labels = {k: self._kind_label(k) for k in OVERDUE_STEPS}
        for record in records:
            borrower = record.borrower_id
            name = record.display_name
            family = self._family_of(borrower)
            if not family:
                problems.append(_("%(record)s: %(pupil)s has no legal representative recorded; add one on the "
                                  "pupil's form", record=name, pupil=borrower.name))
            elif kind == "overdue_registered":
                if not any(self._has_address(p) for p in family):
                    problems.append(_("%(record)s: a registered letter goes by post, and %(family)s has no postal "
                                      "address (street, ZIP and city)", record=name,
                                      family=", ".join(family.mapped("name"))))
            elif not any(p.email for p in family) and not any(self._has_address(p) for p in family):
                problems.append(_("%(record)s: %(family)s (family of %(pupil)s) has neither an e-mail address "
                                  "nor a postal address (street, ZIP and city); fill in one of them",
                                  record=name, family=", ".join(family.mapped("name")), pupil=borrower.name))
            problem = self._kind_problem(kind, record, previous, labels, today)
            if problem:
                problems.append(f"{name}: {problem}")
        return problems

    @api.model
    def _kind_problem(self, kind, record, previous, labels, today):  # noqa: C901 - one branch per kind of letter
        """Why `record` is not in the state a `kind` letter speaks of (None when it is)."""
        if kind in INCIDENT_KINDS:
            if record._name != "tablet.incident":
                return _("this letter is about an incident")
            if record.state == "cancelled":
                return _("the incident is cancelled")
            if kind == "incident_decision" and not record.decision_date:
                return _("the head of the collège has not decided yet")
            return None
        if record._name != "tablet.loan":
            return _("this letter is about a loan")
        if kind == "contract":
            if record.state not in ("draft", "active"):
                return _("the loan is no longer to sign")
            if record.signed_by_id:
                return _("the contract is already signed by %s", record.signed_by_id.name)
        elif kind == "custody":
            if record.borrower_role != "pupil" or record.state not in ("active", "custody"):
                return _("summer custody concerns the active loans of pupils")
        elif kind == "gift":
            if record.grade_level != "3e" or record.state not in ("active", "custody", "donated"):
                return _("the gift concerns the loans of 3e pupils")
            if record.no_gift:
                return _("the head decided that this tablet is not given at the end of 3e")
        elif kind in OVERDUE_STEPS:
            if not record.is_overdue:
                return _("the return is not overdue (the loan ends on %s)",
                         format_date(self.env, record.date_end) if record.date_end else _("no date"))
            step = OVERDUE_STEPS.index(kind)
            if previous.get((record.id, kind)):
                return _("the %(letter)s was already sent on %(date)s", letter=labels[kind].lower(),
                         date=format_date(self.env, previous[(record.id, kind)]))
            if step:
                before = OVERDUE_STEPS[step - 1]
                last = previous.get((record.id, before))
                if not last:
                    return _("send the %(before)s first: each step of the overdue escalation follows the "
                             "previous one", before=labels[before].lower())
                earliest = last + timedelta(days=OVERDUE_STEP_DAYS)
                if today < earliest:
                    return _("the %(letter)s may be sent from %(date)s, %(days)s days after the %(before)s of "
                             "%(sent)s", letter=labels[kind].lower(), date=format_date(self.env, earliest),
                             days=OVERDUE_STEP_DAYS, before=labels[before].lower(),
                             sent=format_date(self.env, last))
        return None

    @api.model
    def _send_letters(self, kind, records, registered_number=False):
        """Send one `kind` letter per family of `records` (loans or incidents): by e-mail to the members
        of the family who have one, printed for the post otherwise; the PDF is kept on the letter and
        every letter is told in the loan's or incident's chatter. All or nothing: any failing row stops
        the whole batch before anything is written, with the list of failing rows."""
        if not records:
            raise UserError(_("Choose the loans or incidents to write about."))
        # The user must be allowed to change what they write about (a référent of another collège is not).
        records.check_access("write")
        problems = self._letter_problems(kind, records, registered_number)
        if problems:
            raise UserError(_("No letter was sent. Correct these rows first:\n%(rows)s", rows="\n".join(
                f"• {p}" for p in problems[:MAX_LISTED]) + ("\n…" if len(problems) > MAX_LISTED else "")))
        today = fields.Date.context_today(self)
        vals_list = []
        for record in records:
            family = self._family_of(record.borrower_id)
            mailed = family.filtered("email") if kind != "overdue_registered" else family.browse()
            recipients = mailed or family.filtered(self._has_address)
            vals_list.append({
                "kind": kind, "borrower_id": record.borrower_id.id, "college_id": record.college_id.id,
                "company_id": record.company_id.id,
                "loan_id": record.loan_id.id if record._name == "tablet.incident" else record.id,
                "incident_id": record.id if record._name == "tablet.incident" else False,
                "recipient_ids": [fields.Command.set(recipients.ids)],
                "recipient_summary": "\n".join(
                    f"{p.name} <{p.email}>" if mailed
                    else f"{p.name}, {p._display_address(without_company=True)}".replace("\n", ", ")
                    for p in recipients),
                "channel": "email" if mailed else "print",
                "state": "sent" if mailed else "to_post",
                "registered_number": (registered_number or "").strip() or False,
                "date": today, "sent_by_id": self.env.uid,
            })
        letters = as_action(self).create(vals_list)
        letters._attach_pdfs()
        letters._post()
        # The caller gets the letters without the actions' pass (with the pass, any write would go through).
        return self.browse(letters.ids)

    def _attach_pdfs(self):
        """The letter as sent, one PDF each (the family's own letter), kept as the letter's attachment."""
        Report = self.env["ir.actions.report"]
        attachments = self.env["ir.attachment"].create([{
            "name": _("%(kind)s - %(borrower)s.pdf", kind=letter._kind_label(letter.kind),
                      borrower=letter.borrower_id.name),
            "type": "binary", "mimetype": "application/pdf",
            "datas": base64.b64encode(Report._render_qweb_pdf(LETTER_REPORT, res_ids=letter.ids)[0]),
            "res_model": self._name, "res_id": letter.id,
        } for letter in self])
        for letter, attachment in zip(self, attachments, strict=False):
            letter._write_state({"attachment_id": attachment.id})

    def _post(self):
        """E-mails through the loan's or incident's chatter (Odoo notifies the family, a mail.mail per
        message); printed letters as a note with the PDF. Subjects and bodies come from the kind's
        mail template, rendered for all letters of a kind at once."""
        for kind in set(self.mapped("kind")):
            letters = self.filtered(lambda letter: letter.kind == kind)
            template = self.env.ref(f"tablet_loan.mail_template_tablet_letter_{kind}")
            subjects = template._render_field("subject", letters.ids)
            bodies = template._render_field("body_html", letters.ids)
            for letter in letters:
                document = letter._document()
                names = ", ".join(letter.recipient_ids.mapped("name"))
                if letter.channel == "email":
                    college = letter.college_id
                    document.message_post(
                        body=bodies[letter.id], subject=subjects[letter.id],
                        partner_ids=letter.recipient_ids.ids, attachment_ids=letter.attachment_id.ids,
                        message_type="comment", subtype_xmlid="mail.mt_comment",
                        email_from=college.email_formatted if college.email else None,
                        email_add_signature=False,
                        # The e-mail stays in the mail queue once sent: the proof of what left, and when.
                        mail_auto_delete=False,
                    )
                    document.message_post(body=_(
                        "Letter “%(letter)s” sent by e-mail to %(recipients)s.",
                        letter=letter._kind_label(kind), recipients=names))
                else:
                    document.message_post(
                        body=_("Letter “%(letter)s” printed for the post to %(recipients)s%(number)s: the PDF is "
                               "attached, to print and post.", letter=letter._kind_label(kind), recipients=names,
                               number=_(" (registered letter no. %s)", letter.registered_number)
                               if letter.registered_number else ""),
                        attachment_ids=letter.attachment_id.ids)

    def _report_values(self):
        """What the PDF says beyond the letter's own fields (read once per letter)."""
        self.ensure_one()
        loan = self.loan_id
        incident = self.incident_id
        previous = {}
        if self.kind in ("overdue_second", "overdue_registered"):
            previous = self._previous_letters(loan, OVERDUE_STEPS)
        return {
            "first_date": previous.get((loan.id, "overdue_first")),
            "second_date": previous.get((loan.id, "overdue_second")),
            "step_days": OVERDUE_STEP_DAYS,
            "incident_type": incident and dict(incident._fields["incident_type"]._description_selection(
                self.env)).get(incident.incident_type, ""),
            "decision": incident and dict(incident._fields["decision"]._description_selection(
                self.env)).get(incident.decision, ""),
            "postal": self.recipient_ids.filtered(self._has_address)[:1],
        }

    @api.model
    def _tablet_erase_person(self, partners):
        """R29: the letters about or to `partners` go with the person (set-based): the letters, their
        PDFs and the recipients' links. Called by the anonymisation, which has checked its right to
        erase; the superuser step is that erasure, nothing else."""
        letters = self.sudo().with_context(active_test=False).search([
            "|", ("borrower_id", "in", partners.ids), ("recipient_ids", "in", partners.ids)])
        letters.attachment_id.unlink()
        letters.unlink()
        return True
