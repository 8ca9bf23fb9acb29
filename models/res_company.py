import re
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

from .payment_settings import PAYMENT_DAYS_DEFAULT, check_payment_settings, normalize_payment_vals
from .res_partner import COLLEGE_MEMBER_ROLES

# A legal designation of the Département's public accountant, printed on the R21 notices.
DEPARTMENT_PAYEE = "Payeur départemental"


class ResCompany(models.Model):
    """A Département: it sets how long its programme keeps personal data (R29), and how the
    families pay the reimbursements it asks for when the user voided the warranty (R21)."""

    _inherit = "res.company"

    tablet_retention_months = fields.Integer(
        string="Personal Data Kept (months after the last loan)", default=12,
        help="Pupils and legal representatives whose loans all ended this long ago, and who owe no charge, "
             "are anonymised by a daily job; the figures are kept.",
    )
    tablet_geolocation_retention_days = fields.Integer(
        string="Geolocation Results Kept (days)", default=90,
        help="What a geolocation found is erased this many days after the request was made, by a daily job; "
             "the request stays in the log.")
    # R29, B 7: the Département's data protection officer, named in the families' information notice
    # and in the register of processing activities.
    tablet_dpo_name = fields.Char(string="Data Protection Officer")
    tablet_dpo_email = fields.Char(string="DPO's E-mail")
    tablet_dpo_address = fields.Text(string="DPO's Postal Address")
    # Issue 14: the notice to the family (R21 reimbursements are the Département's)
    tablet_r21_journal_id = fields.Many2one(
        "account.journal", string="Sales Journal for Equipment Reimbursements", ondelete="restrict",
        domain="[('type', '=', 'sale'), ('company_id', '=', id)]",
        help="The Département's sales journal in which the reimbursements of tablets whose warranty the user "
             "voided are invoiced, in the Département's name.")
    tablet_payment_days = fields.Integer(
        string="Payment Term (days)", default=PAYMENT_DAYS_DEFAULT,
        help="Days between an equipment reimbursement invoice and its due date (30 by default, 1 to 90).")
    tablet_cheque_payee = fields.Char(
        string="Cheques Payable to", help="Payee printed on the equipment reimbursement notices; empty: “Payeur départemental”.")
    tablet_iban = fields.Char(string="IBAN for Transfers", help="The Département's account for equipment reimbursements.")
    tablet_bic = fields.Char(string="BIC for Transfers", help="8 or 11 characters, e.g. BDFEFRPPCCT.")
    # Issue 15: the Département's asset register (R7, R17)
    tablet_asset_profile_id = fields.Many2one(
        "account.asset.profile", string="Asset Profile for Tablets", ondelete="restrict",
        domain="[('company_id', '=', id)]",
        help="Accounts, journal and years of depreciation of the tablets' fixed assets: each tablet delivered "
             "becomes one asset of this profile, disposed of when it is given, written off or scrapped.")

    @api.constrains("tablet_retention_months", "tablet_geolocation_retention_days")
    def _check_tablet_retention(self):
        for company in self:
            if not 1 <= company.tablet_retention_months <= 120:
                raise ValidationError(_("Personal Data Kept (months after the last loan) of %(company)s must be "
                                        "between 1 and 120 months.", company=company.name))
            if not 1 <= company.tablet_geolocation_retention_days <= 3650:
                raise ValidationError(_("Geolocation Results Kept (days) of %(company)s must be between 1 and 3650 "
                                        "days.", company=company.name))

    @api.constrains("tablet_dpo_email")
    def _check_tablet_dpo_email(self):
        for company in self.filtered("tablet_dpo_email"):
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", company.tablet_dpo_email.strip()):
                raise ValidationError(_("DPO's E-mail of %(company)s must be an e-mail address, e.g. "
                                        "dpo@departement.fr (got “%(value)s”).",
                                        company=company.name, value=company.tablet_dpo_email))

    @api.constrains("tablet_iban", "tablet_bic", "tablet_payment_days")
    def _check_tablet_payment_settings(self):
        for company in self:
            check_payment_settings(company)

    @api.constrains("tablet_r21_journal_id")
    def _check_tablet_r21_journal(self):
        for company in self.filtered("tablet_r21_journal_id"):
            journal = company.tablet_r21_journal_id
            if journal.type != "sale" or journal.company_id != company:
                raise ValidationError(_(
                    "The journal for the equipment reimbursements of %(company)s must be one of its sales journals "
                    "(%(journal)s is not).", company=company.name, journal=journal.display_name))

    def _tablet_cheque_payee(self):
        self.ensure_one()
        return self.tablet_cheque_payee or DEPARTMENT_PAYEE

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            normalize_payment_vals(vals)
        companies = super().create(vals_list)
        companies.tablet_r21_journal_id._tablet_ensure_payment_methods()
        return companies

    def write(self, vals):
        normalize_payment_vals(vals)
        res = super().write(vals)
        if vals.get("tablet_r21_journal_id"):
            self.tablet_r21_journal_id._tablet_ensure_payment_methods()
        return res

    # ------------------------------------------------------------ weekly digest
    @api.model
    def _cron_tablet_movements_digest(self, days=7):
        """Weekly (R8): each Département hears of the people who arrived at or left its collèges
        over the last `days` days, as one message on the Département to its officers and programme
        managers, with the counts per collège: never one message or activity per pupil.

        Three grouped queries for every Département together (arrivals, departures, departures
        whose tablet is still out), then one message per Département that has news."""
        today = fields.Date.context_today(self)
        since = today - timedelta(days=days)
        Partner = self.env["res.partner"].with_context(active_test=False)
        people = [("school_role", "in", COLLEGE_MEMBER_ROLES), ("college_id", "!=", False)]
        counts = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
        for column, fname in ((0, "arrival_date"), (1, "leaving_date")):
            for company, college, count in Partner._read_group(
                    [*people, (fname, ">", since), (fname, "<=", today)], ["company_id", "college_id"], ["__count"]):
                counts[company][college][column] = count
        Loan = self.env["tablet.loan"]
        for company, college, count in Loan._read_group(
                [("state", "in", Loan._open_states()), ("borrower_id.leaving_date", ">", since),
                 ("borrower_id.leaving_date", "<=", today)], ["company_id", "college_id"], ["__count"]):
            counts[company][college][2] = count
        if not counts:
            return
        officers = self.env.ref("tablet_loan.group_department_officer").users.filtered(lambda u: u.active)
        for company, colleges in counts.items():
            recipients = officers.filtered(lambda u: company in u.company_ids).partner_id
            if not recipients:
                continue
            rows = Markup().join(Markup(
                "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>") % (college.name, *numbers)
                for college, numbers in sorted(colleges.items(), key=lambda item: item[0].name or ""))
            company.partner_id.message_notify(
                partner_ids=recipients.ids,
                subject=self.env._("Arrivals and departures in the collèges of %(department)s since %(date)s",
                                   department=company.name, date=format_date(self.env, since)),
                body=Markup("<table class='table table-sm'><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>"
                            "%s</table>") % (
                    self.env._("Collège"), self.env._("Arrivals"), self.env._("Departures"),
                    self.env._("Departures with a Tablet Still Out"), rows),
            )
