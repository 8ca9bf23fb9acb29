from odoo import api, fields, models


class TabletBorrowerHistoryMixin(models.AbstractModel):
    """The borrower's loans, incidents and family's charges, shown where the head decides
    (a loan, an incident, the re-issue override; issue 14). Read under the user's own
    rights, so that each role sees only what it may read (the référent sees no charge);
    three searches for the whole recordset (`tablet.loan._history_of`)."""

    _name = "tablet.borrower.history.mixin"
    _description = "Borrower's History"

    history_loan_ids = fields.Many2many("tablet.loan", string="Loans of the Borrower", compute="_compute_history")
    history_incident_ids = fields.Many2many("tablet.incident", string="Incidents of the Borrower",
                                            compute="_compute_history")
    history_charge_ids = fields.Many2many("tablet.charge", string="Charges of the Family", compute="_compute_history")

    @api.depends("borrower_id")
    @api.depends_context("uid")  # read under each user's rights: not shared between users
    def _compute_history(self):
        history = self.env["tablet.loan"]._history_of(self.borrower_id)
        for record in self:
            loans, incidents, charges = history(record.borrower_id)
            # A loan or an incident is left out of its own history.
            record.history_loan_ids = loans - record if record._name == "tablet.loan" else loans
            record.history_incident_ids = incidents - record if record._name == "tablet.incident" else incidents
            record.history_charge_ids = charges
