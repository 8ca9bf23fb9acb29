"""Payment settings of an issuer of charges (issue 14, the notice to the family).

A collège (res.partner) issues the counterparts voted by its CA; the Département
(res.company) issues the R21 reimbursements. Both tell the family how to pay: within
how many days, by cheque to whom, by transfer to which account. The same checks serve
both, so that a notice never prints an account number a bank would refuse.
"""
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

from odoo.exceptions import ValidationError

PAYMENT_DAYS_DEFAULT = 30
PAYMENT_DAYS_MIN, PAYMENT_DAYS_MAX = 1, 90


def normalize_payment_vals(vals):
    """IBAN and BIC as banks print them compactly: no spaces, upper case."""
    for fname in ("tablet_iban", "tablet_bic"):
        if isinstance(vals.get(fname), str):
            vals[fname] = stdnum_iban.compact(vals[fname]) or False


def check_payment_settings(record):
    """Refuse an IBAN that fails its check digits, a BIC that is not 8 or 11 characters of
    the right form, and a payment term outside 1 to 90 days; the error names the field."""
    def label(fname):
        return record._fields[fname].get_description(record.env)["string"]

    if record.tablet_iban:
        try:
            stdnum_iban.validate(record.tablet_iban)
        except StdnumError:
            raise ValidationError(record.env._(
                "%(field)s of %(name)s is not a valid IBAN (“%(value)s”): expected the country code, two check "
                "digits and the account number, e.g. FR76 3000 1007 9412 3456 7890 185.",
                field=label("tablet_iban"), name=record.display_name, value=record.tablet_iban)) from None
    if record.tablet_bic:
        try:
            stdnum_bic.validate(record.tablet_bic)
        except StdnumError:
            raise ValidationError(record.env._(
                "%(field)s of %(name)s is not a valid BIC (“%(value)s”): expected 8 or 11 letters and digits "
                "(bank, country, place, optional branch), e.g. BDFEFRPPCCT.",
                field=label("tablet_bic"), name=record.display_name, value=record.tablet_bic)) from None
    if not PAYMENT_DAYS_MIN <= record.tablet_payment_days <= PAYMENT_DAYS_MAX:
        raise ValidationError(record.env._(
            "%(field)s of %(name)s must be between %(min)s and %(max)s days (got %(days)s).",
            field=label("tablet_payment_days"), name=record.display_name, min=PAYMENT_DAYS_MIN,
            max=PAYMENT_DAYS_MAX, days=record.tablet_payment_days))
