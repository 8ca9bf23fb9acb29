"""School years are written "2026-2027" and run from 1 September to 31 August."""
import re
from datetime import date

from odoo.exceptions import ValidationError

from .utils import user_env

SCHOOL_YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{4})$")


def school_year_bounds(school_year):
    """(1 September, 31 August) of a school year written "2026-2027", or None."""
    match = SCHOOL_YEAR_PATTERN.match(school_year or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        return None
    return date(int(match.group(1)), 9, 1), date(int(match.group(2)), 8, 31)


def school_year_of(day):
    """The school year a date falls in: 2026-09-01 and 2027-06-30 are both in "2026-2027"."""
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


def check_school_year(records, fname="school_year"):
    """Refuse a school year that is not two consecutive years (empty values are left to `required`)."""
    for record in records:
        if record[fname] and not school_year_bounds(record[fname]):
            raise ValidationError(user_env(records)._(
                "The school year “%s” is not valid: write two consecutive years, e.g. 2026-2027.", record[fname]))
