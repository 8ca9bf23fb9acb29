from odoo import Command, api, models

# How families pay a charge (issue 14): the names the payment wizard shows the collège's
# accountant, in French as they are written on the notices.
CHEQUE, TRANSFER = "Chèque", "Virement"
ODOO_MANUAL_NAME = "Manual Payment"


class AccountJournal(models.Model):
    _inherit = "account.journal"

    def _tablet_ensure_payment_methods(self):
        """The families of a tablet journal (a collège's, or the Département's for R21) pay by
        cheque or by transfer. Payments are registered in the bank journals of the journal's
        company, on Odoo's manual inbound method, which a journal may carry several times
        (mode 'multi'): the bank journals get the lines “Chèque” and “Virement”; the line Odoo
        named “Manual Payment” in English becomes “Virement” (its payments keep it).

        Configuration that follows setting a tablet journal, done as superuser: the Département's
        staff who set it do not manage bank journals themselves."""
        companies = self.filtered(lambda j: j.type == "sale").company_id
        if not companies:
            return
        manual = self.env.ref("account.account_payment_method_manual_in")
        banks = self.env["account.journal"].sudo().search([("type", "=", "bank"), ("company_id", "in", companies.ids)])
        for bank in banks:
            lines = bank.inbound_payment_method_line_ids.filtered(lambda line: line.payment_method_id == manual)
            names = set(lines.mapped("name"))
            commands = []
            if TRANSFER not in names:
                english = lines.filtered(lambda line: line.name == ODOO_MANUAL_NAME)[:1]
                if english:
                    commands.append(Command.update(english.id, {"name": TRANSFER, "sequence": 2}))
                else:
                    commands.append(Command.create({"name": TRANSFER, "payment_method_id": manual.id, "sequence": 2}))
            if CHEQUE not in names:
                commands.append(Command.create({"name": CHEQUE, "payment_method_id": manual.id, "sequence": 1}))
            if commands:
                bank.inbound_payment_method_line_ids = commands

    @api.model
    def _tablet_cheque_line(self, company):
        """The “Chèque” line of the company's first bank journal: what the payment wizard proposes
        for a notice (the families are asked for a cheque first)."""
        return self.env["account.payment.method.line"].sudo().search([
            ("journal_id.type", "=", "bank"), ("journal_id.company_id", "=", company.id),
            ("payment_type", "=", "inbound"), ("name", "=", CHEQUE)], order="sequence, id", limit=1)
