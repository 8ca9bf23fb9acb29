"""What the database holds beyond the ORM's columns: the loans' composite indexes and the
tablets' fill factor.

One function, `tune_tables`, serves both paths to a database of this version, so that a fresh
install and an upgraded database end with the same schema:
- a fresh install runs it from `post_init_hook`;
- an upgrade runs it from the migration script of the version that changed it
  (`migrations/18.0.2.0.0/post-migrate.py`); a later change of these indexes ships its own
  migration calling it again.
A plain update (`-u tablet_loan`) of the same version leaves them alone: until 18.0.1.0.1 the
models' `init()` dropped and created them at every update. Odoo keeps an index it does not
know of ("Keep unexpected index"), so what is dropped here stays dropped.
"""
from odoo.tools import SQL
from odoo.tools.sql import create_index, drop_index, make_index_name

# Indexes: those the record rules and the lists' filters use, and no more, because each index
# is written again for every loan whose status changes, and a campaign changes tens of
# thousands (see README, Benchmark). The collège roles' rule and lists go through (collège,
# school year, status); the Département's through (company, status); the overdue returns
# through a small index of the open loans with an end date. Borrower and tablet keep their own
# index (`index=True`: history of a person or a tablet, deletion checks).
LOAN_TABLE = "tablet_loan"
LOAN_INDEXES = (
    # (name, columns, where)
    ("tablet_loan_college_year_state_index", ["college_id", "school_year", "state"], ""),
    ("tablet_loan_company_state_index", ["company_id", "state"], ""),
    ("tablet_loan_open_date_end_index", ["date_end"], "state IN ('active', 'custody') AND date_end IS NOT NULL"),
)
# Single-column indexes of earlier versions (`index=True` then) that the ones above replace.
LOAN_REPLACED_INDEXES = ("college_id", "company_id", "convention_id", "school_year", "state", "school_class",
                         "home_use_allowed", "date_start", "date_end")

# Campaigns change the status of tens of thousands of tablets at once (summer custody, rentrée,
# gifts). With no index on the status (tablets are looked up by collège, whose index serves, or
# all together) and some free room in each page, PostgreSQL updates a tablet's row in place (a
# "HOT" update) without writing every index again. IMEI and MDM id are found through their
# UNIQUE constraints' indexes; nearly every equipment of the programme is a tablet, so an index
# on is_tablet is never used.
EQUIPMENT_TABLE = "maintenance_equipment"
EQUIPMENT_REPLACED_INDEXES = ("imei", "mdm_device_id", "is_tablet", "tablet_state")
# Pages of the tablets' table are filled to half only: a campaign changes the status of most
# tablets, batch after batch, and each new version of a row must find room in its own page to
# be written in place (HOT, no index touched). At 80 % only about half did; the table is small.
# The free room applies to pages written from then on (VACUUM FULL maintenance_equipment
# applies it to the existing ones).
EQUIPMENT_FILLFACTOR = 50


def tune_tables(cr):
    """Drop the replaced indexes, create the loans' indexes, set the tablets' fill factor.
    Idempotent: running it on a database that has them already changes nothing."""
    for table, fnames in ((LOAN_TABLE, LOAN_REPLACED_INDEXES), (EQUIPMENT_TABLE, EQUIPMENT_REPLACED_INDEXES)):
        for fname in fnames:
            drop_index(cr, make_index_name(table, fname), table)
    for name, columns, where in LOAN_INDEXES:
        create_index(cr, name, LOAN_TABLE, columns, where=where)
    cr.execute(SQL("ALTER TABLE %s SET (fillfactor = %s)", SQL.identifier(EQUIPMENT_TABLE), EQUIPMENT_FILLFACTOR))


def post_init_hook(env):
    tune_tables(env.cr)
