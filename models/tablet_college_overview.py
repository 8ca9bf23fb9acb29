from odoo import api, fields, models
from odoo.tools import SQL, drop_view_if_exists

from .tablet_fleet_need import LENT_LOAN_STATES

RENEWAL_NOTICE_DAYS = 60
OPEN_INCIDENT_STATES = ("declared", "validated", "decided")


class TabletCollegeOverview(models.Model):
    """The Département's headline figures, one line per collège (issue 19): contracts signed,
    tablets needed against held (R8), open incidents, unpaid charges, conventions to sign or
    to renew (R5). Summed by the list, pivot and graph for the whole Département.

    A read-only SQL view like `tablet.fleet.need`: always current, a handful of GROUP BYs
    whatever the Département's size, read under the record rules of the collège."""

    _name = "tablet.college.overview"
    _description = "Programme Overview per Collège"
    _auto = False
    _order = "company_id, college_name"

    college_id = fields.Many2one("res.partner", string="Collège", readonly=True)
    college_name = fields.Char(string="Collège Name", readonly=True)
    company_id = fields.Many2one("res.company", string="Département", readonly=True)
    academy_id = fields.Many2one("res.partner", string="Académie", readonly=True)
    academy_party = fields.Boolean(string="Académie Is a Party", readonly=True)
    convention_id = fields.Many2one("tablet.convention", readonly=True,
                                    help="The signed convention, else the newest draft.")
    convention_state = fields.Selection(
        [("none", "No Convention"), ("draft", "To Sign"), ("signed", "Signed"), ("to_renew", "To Renew")],
        string="Convention Status", readonly=True,
        help="To renew: signed, ending within 60 days.")
    convention_end = fields.Date(string="Convention Ends on", readonly=True)
    loan_count = fields.Integer(string="Open Loans", readonly=True,
                                help="Loans prepared, handed over or kept at the collège for the summer.")
    signed_count = fields.Integer(string="Contracts Signed", readonly=True)
    unsigned_count = fields.Integer(string="Contracts to Sign", readonly=True)
    needed_count = fields.Integer(string="Tablets Needed", readonly=True,
                                  help="Once the convention is signed: one tablet per active pupil, teacher and "
                                       "staff member (the needs and fleet report).")
    held_count = fields.Integer(string="Tablets Held", readonly=True,
                                help="Lent, in stock or waiting at the collège (repair, out of order, found).")
    missing_count = fields.Integer(string="Tablets Missing", readonly=True,
                                   help="Tablets needed beyond those the collège holds.")
    incident_count = fields.Integer(string="Open Incidents", readonly=True,
                                    help="Declared, validated or decided, not closed nor cancelled.")
    unpaid_count = fields.Integer(string="Unpaid Charges", readonly=True)
    unpaid_amount = fields.Float(string="Amount Unpaid", readonly=True, digits=(16, 2),
                                 help="What families still owe on invoiced charges.")

    @api.depends("college_id")
    def _compute_display_name(self):
        """A line is its collège."""
        for line in self:
            line.display_name = line.college_name or ""

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("""
            CREATE OR REPLACE VIEW %(view)s AS (
            WITH convention AS (
                SELECT DISTINCT ON (v.college_id) v.college_id, v.id, v.state, v.date_end
                  FROM tablet_convention v
                 WHERE v.state IN ('draft', 'signed')
                 ORDER BY v.college_id, (v.state = 'signed') DESC, v.id DESC
            ), needs AS (
                -- The needs and the fleet are tablet.fleet.need's (R8), summed per collège: one
                -- definition of a person to equip and of a tablet held for both reports.
                SELECT n.college_id, sum(n.needed_count) AS needed, sum(n.held_count) AS held
                  FROM tablet_fleet_need n
                 GROUP BY 1
            ), loans AS (
                SELECT l.college_id, count(*) AS loans,
                       count(*) FILTER (WHERE l.signed_date IS NOT NULL) AS signed
                  FROM tablet_loan l
                 WHERE l.state IN %(lent_states)s
                 GROUP BY 1
            ), incidents AS (
                SELECT i.college_id, count(*) AS open
                  FROM tablet_incident i
                 WHERE i.state IN %(incident_states)s
                 GROUP BY 1
            ), charges AS (
                SELECT c.college_id, count(*) AS unpaid, sum(COALESCE(m.amount_residual, c.amount)) AS amount
                  FROM tablet_charge c
                  LEFT JOIN account_move m ON m.id = c.invoice_id
                 WHERE c.state = 'invoiced'
                 GROUP BY 1
            )
            SELECT c.id, c.id AS college_id, c.name AS college_name, c.company_id, c.academy_id,
                   COALESCE(c.tablet_academy_party, TRUE) AS academy_party,
                   convention.id AS convention_id,
                   CASE WHEN convention.id IS NULL THEN 'none'
                        WHEN convention.state = 'draft' THEN 'draft'
                        WHEN convention.date_end <= CURRENT_DATE + %(notice)s THEN 'to_renew'
                        ELSE 'signed' END AS convention_state,
                   convention.date_end AS convention_end,
                   COALESCE(loans.loans, 0) AS loan_count,
                   COALESCE(loans.signed, 0) AS signed_count,
                   COALESCE(loans.loans, 0) - COALESCE(loans.signed, 0) AS unsigned_count,
                   COALESCE(needs.needed, 0) AS needed_count,
                   COALESCE(needs.held, 0) AS held_count,
                   GREATEST(COALESCE(needs.needed, 0) - COALESCE(needs.held, 0), 0) AS missing_count,
                   COALESCE(incidents.open, 0) AS incident_count,
                   COALESCE(charges.unpaid, 0) AS unpaid_count,
                   COALESCE(charges.amount, 0) AS unpaid_amount
              FROM res_partner c
              LEFT JOIN convention ON convention.college_id = c.id
              LEFT JOIN needs ON needs.college_id = c.id
              LEFT JOIN loans ON loans.college_id = c.id
              LEFT JOIN incidents ON incidents.college_id = c.id
              LEFT JOIN charges ON charges.college_id = c.id
             WHERE c.is_college AND c.active
            )""", view=SQL.identifier(self._table), lent_states=LENT_LOAN_STATES,
            incident_states=OPEN_INCIDENT_STATES, notice=RENEWAL_NOTICE_DAYS))
