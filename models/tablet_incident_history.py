from odoo import api, fields, models


class TabletIncidentHistory(models.Model):
    """The borrower's history on the incident, where the head decides the replacement
    (issue 14, re-issue): kept apart from the incident's own file, which holds its workflow."""

    _inherit = "tablet.incident"

    history_loan_ids = fields.Many2many("tablet.loan", string="Loans of the Borrower", compute="_compute_history")
    history_incident_ids = fields.Many2many("tablet.incident", string="Other Incidents of the Borrower",
                                            compute="_compute_history")
    history_charge_ids = fields.Many2many("tablet.charge", string="Charges of the Family", compute="_compute_history")

    @api.depends("borrower_id")
    @api.depends_context("uid")  # read under each user's rights: not shared between users
    def _compute_history(self):
        history = self.env["tablet.loan"]._history_of(self.borrower_id)
        for incident in self:
            loans, incidents, charges = history(incident.borrower_id)
            incident.history_loan_ids = loans
            incident.history_incident_ids = incidents - incident
            incident.history_charge_ids = charges
