from odoo import api, fields, models
from odoo.tools import SQL, drop_view_if_exists

from .res_partner import GRADE_LEVELS

# The lines of a collège (R8): each pupils' level, the school's adults, pupils whose level is not
# recorded, and the collège's own stock. A line's id is the collège's id times LEVEL_SLOTS plus its
# rank here: stable from one reading to the next, so a list or a pivot can be reopened on a line.
NEED_LEVELS = [
    *GRADE_LEVELS,
    ("staff", "Teachers and Staff"),
    ("none", "Pupils without a Level"),
    ("stock", "Collège's Stock"),
]
LEVEL_SLOTS = 10
# Open loans: the tablet is lent (handed over or about to be, or kept at the collège for the summer).
LENT_LOAN_STATES = ("draft", "active", "custody")
# At the collège but not lendable as they are: to repair, out of order, found and to check.
UNAVAILABLE_STATES = ("repair", "out_of_order", "found")
ADULT_ROLES = ("teacher", "head", "staff")


class TabletFleetNeed(models.Model):
    """R8 (I 3.1): the number of tablets follows the headcounts of the levels in the programme.
    Per collège under a signed convention and per level, the people to equip against the
    tablets the collège holds: those lent to that level's people, plus, on the collège's "stock"
    line, its stock and the tablets waiting at the collège (to repair, out of order, found).

    A read-only SQL view, as Odoo's own reports (`account.invoice.report`, `sale.report`): always
    current, nothing to keep in step, read under the record rules of its collège and Département.
    Every level of a collège is in its programme (the conventions do not phase it per level), and
    every person is one tablet: the need is the headcount of active people (not archived, not
    left, not anonymised). The school's adults (teachers, heads, staff, R3) are one line."""

    _name = "tablet.fleet.need"
    _description = "Tablets Needed and Held per Collège and Level"
    _auto = False
    _order = "company_id, college_id, level_rank"

    college_id = fields.Many2one("res.partner", string="Collège", readonly=True)
    company_id = fields.Many2one("res.company", string="Département", readonly=True)
    academy_id = fields.Many2one("res.partner", string="Académie", readonly=True)
    level = fields.Selection(NEED_LEVELS, readonly=True)
    level_rank = fields.Integer(string="Level Order", readonly=True)
    headcount = fields.Integer(readonly=True,
                               help="Active people of the level at the collège: not archived, not left.")
    needed_count = fields.Integer(string="Tablets Needed", readonly=True,
                                  help="One tablet per person of the level in the programme.")
    lent_count = fields.Integer(string="Tablets Lent", readonly=True,
                                help="Tablets of open loans (draft, active, in custody) to the level's people.")
    stock_count = fields.Integer(string="Tablets in Stock", readonly=True)
    unavailable_count = fields.Integer(string="Tablets Waiting at the Collège", readonly=True,
                                       help="In repair, out of order or found and to check: held, not lendable.")
    held_count = fields.Integer(string="Tablets Held", readonly=True,
                                help="Lent to the level's people, plus the collège's stock on its stock line.")
    gap = fields.Integer(readonly=True,
                         help="Tablets held minus tablets needed: negative when tablets are missing.")

    @api.depends("college_id", "level")
    def _compute_display_name(self):
        """A line is a collège's level: "Collège du Lac – 5e", not the collège alone."""
        levels = dict(self._fields["level"]._description_selection(self.env))
        for need in self:
            need.display_name = "%s – %s" % (need.college_id.name or "", levels.get(need.level, ""))

    def init(self):
        """One view over people, loans and tablets: a handful of GROUP BYs, whatever the size."""
        drop_view_if_exists(self.env.cr, self._table)
        ranks = SQL(" ").join(SQL("WHEN %s THEN %s", level, rank) for rank, (level, _label) in enumerate(NEED_LEVELS))
        self.env.cr.execute(SQL("""
            CREATE OR REPLACE VIEW %(view)s AS (
            WITH people AS (
                SELECT p.college_id,
                       CASE WHEN p.school_role = 'pupil' THEN COALESCE(p.grade_level, 'none') ELSE 'staff' END
                           AS level,
                       count(*) AS headcount
                  FROM res_partner p
                 WHERE p.active AND p.college_id IS NOT NULL AND NOT COALESCE(p.tablet_anonymized, FALSE)
                   AND p.school_role IN %(roles)s
                   AND (p.leaving_date IS NULL OR p.leaving_date > CURRENT_DATE)
                 GROUP BY 1, 2
            ), lent AS (
                SELECT l.college_id,
                       CASE WHEN l.borrower_role = 'pupil' THEN COALESCE(l.grade_level, 'none') ELSE 'staff' END
                           AS level,
                       count(*) AS lent_count
                  FROM tablet_loan l
                 WHERE l.state IN %(lent_states)s
                 GROUP BY 1, 2
            ), fleet AS (
                SELECT e.college_id, 'stock'::varchar AS level,
                       count(*) FILTER (WHERE e.tablet_state = 'stock') AS stock_count,
                       count(*) FILTER (WHERE e.tablet_state IN %(unavailable)s) AS unavailable_count
                  FROM maintenance_equipment e
                 WHERE e.is_tablet AND e.active AND e.college_id IS NOT NULL
                 GROUP BY 1
            ), lines AS (
                SELECT college_id, level FROM people
                 UNION SELECT college_id, level FROM lent
                 UNION SELECT college_id, level FROM fleet
            )
            SELECT c.id * %(slots)s + (CASE lines.level %(ranks)s END) AS id,
                   c.id AS college_id, c.company_id, c.academy_id,
                   lines.level, (CASE lines.level %(ranks)s END) AS level_rank,
                   COALESCE(people.headcount, 0) AS headcount,
                   COALESCE(people.headcount, 0) AS needed_count,
                   COALESCE(lent.lent_count, 0) AS lent_count,
                   COALESCE(fleet.stock_count, 0) AS stock_count,
                   COALESCE(fleet.unavailable_count, 0) AS unavailable_count,
                   COALESCE(lent.lent_count, 0) + COALESCE(fleet.stock_count, 0)
                       + COALESCE(fleet.unavailable_count, 0) AS held_count,
                   COALESCE(lent.lent_count, 0) + COALESCE(fleet.stock_count, 0)
                       + COALESCE(fleet.unavailable_count, 0) - COALESCE(people.headcount, 0) AS gap
              FROM lines
              JOIN res_partner c ON c.id = lines.college_id AND c.is_college
              LEFT JOIN people ON people.college_id = lines.college_id AND people.level = lines.level
              LEFT JOIN lent ON lent.college_id = lines.college_id AND lent.level = lines.level
              LEFT JOIN fleet ON fleet.college_id = lines.college_id AND fleet.level = lines.level
             WHERE EXISTS (SELECT 1 FROM tablet_convention v WHERE v.college_id = c.id AND v.state = 'signed')
            )""", view=SQL.identifier(self._table), roles=("pupil", *ADULT_ROLES),
            lent_states=LENT_LOAN_STATES, unavailable=UNAVAILABLE_STATES, slots=LEVEL_SLOTS, ranks=ranks))

    @api.model
    def _line(self, college, level):
        """`college`'s line for `level` (see NEED_LEVELS), whether or not it exists."""
        return self.browse(college.id * LEVEL_SLOTS + [key for key, _label in NEED_LEVELS].index(level))
