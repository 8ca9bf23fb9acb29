from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_date

from .res_partner import COLLEGE_MEMBER_ROLES


class ResCompany(models.Model):
    """A Département: it sets how long its programme keeps personal data (R29)."""

    _inherit = "res.company"

    tablet_retention_months = fields.Integer(
        string="Personal Data Kept (months after the last loan)", default=12,
        help="Pupils and legal representatives whose loans all ended this long ago, and who owe no charge, "
             "are anonymised by a daily job; the figures are kept (R29).",
    )

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
