from stdnum import iban as stdnum_iban

from odoo import api, models
from odoo.exceptions import UserError

# Titles of the letters printed from the notice's template (issue 14: notice, then reminders).
TITLES = {0: "Avis des sommes à payer", 1: "Premier rappel", 2: "Second rappel", 3: "Mise en demeure de payer"}


class TabletChargeNoticeReport(models.AbstractModel):
    """Values of the notice to the family (avis des sommes à payer) and of its reminders.

    The charges are read as the printing user, with their record rules; what the notice says
    of the incident (its date, the head's decision and qualification) is read as superuser by
    `tablet.charge._notice_ground`, since the collège's accountant reads no incident.
    The text is French whatever the reader's language: it is an administrative act of a
    French public body; the payer's language (else French) formats dates and amounts.
    """

    _name = "report.tablet_loan.report_tablet_charge_notice"
    _description = "Notice to the Family (Charge)"

    @api.model
    def _get_report_values(self, docids, data=None):
        charges = self.env["tablet.charge"].browse(docids)
        charges.check_access("read")
        level = int((data or {}).get("reminder_level") or 0)
        if level not in TITLES:
            raise UserError(self.env._("A reminder level is 0 (the notice), 1, 2 or 3 (got %s).", level))
        not_invoiced = charges.filtered(lambda c: not c.invoice_id)
        if not_invoiced:
            raise UserError(self.env._("%s is not invoiced: the notice to the family is printed once the invoice "
                                       "is posted.", ", ".join(not_invoiced.mapped("display_name"))))
        return {
            "doc_ids": docids,
            "doc_model": "tablet.charge",
            "docs": charges,
            "reminder_level": level,
            "title": TITLES[level],
            "notice": {charge.id: self._notice(charge) for charge in charges},
        }

    @api.model
    def _notice(self, charge):
        issuer, journal = charge._issuer()
        is_r21 = charge.case == "warranty_void"
        ground = charge._notice_ground()
        return {
            # The head, who issues the notice for the collège (ordonnateur), reads the charge but not the
            # accounting: the notice prints its invoice's number, dates and amounts, nothing else of it.
            "invoice": charge.invoice_id.sudo(),
            "is_r21": is_r21,
            "issuer": issuer,
            # The address block: the collège itself, or the Département's partner.
            "issuer_partner": issuer.partner_id.sudo() if is_r21 else issuer,
            "payee": issuer._tablet_cheque_payee(),
            "iban": stdnum_iban.format(issuer.tablet_iban) if issuer.tablet_iban else "",
            "bic": issuer.tablet_bic or "",
            "days": issuer.tablet_payment_days,
            "lang": charge.payer_id.lang or "fr_FR",
            **ground,
        }
