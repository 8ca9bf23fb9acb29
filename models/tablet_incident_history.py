from odoo import fields, models


class TabletIncidentHistory(models.Model):
    """The borrower's history on the incident, where the head decides the replacement
    (issue 14, re-issue): kept apart from the incident's own file, which holds its workflow."""

    _name = "tablet.incident"
    _inherit = ["tablet.incident", "tablet.borrower.history.mixin"]

    history_incident_ids = fields.Many2many(string="Other Incidents of the Borrower")
