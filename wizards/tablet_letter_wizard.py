from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.tablet_letter import INCIDENT_KINDS, KINDS, SENDERS, SENDERS_ROLE
from ..models.tablet_workflow_mixin import tablet_action


class TabletLetterWizard(models.TransientModel):
    """Send one letter per family for the selected loans (a whole class with one action) or incidents
    (R4: the collège writes to families). All or nothing: `tablet.letter._send_letters` lists the rows
    that fail and sends nothing while one fails."""

    _name = "tablet.letter.wizard"
    _description = "Send Letters to Families"

    kind = fields.Selection(KINDS, string="Letter", required=True, default="contract")
    loan_ids = fields.Many2many("tablet.loan", string="Loans")
    incident_ids = fields.Many2many("tablet.incident", string="Incidents")
    college_id = fields.Many2one(
        "res.partner", string="Collège", domain=[("is_college", "=", True)],
        help="With a class: every open loan of the pupils of that class, instead of selected loans.")
    school_class = fields.Char(string="Class", help="As on the pupils' forms, e.g. 5e A.")
    registered_number = fields.Char(
        string="Registered Letter Number",
        help="Number of the registered letter with acknowledgement of receipt (lettre recommandée avec accusé "
             "de réception), typed from its receipt.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        model, ids = self.env.context.get("active_model"), self.env.context.get("active_ids") or []
        if model == "tablet.loan" and ids:
            values["loan_ids"] = [fields.Command.set(ids)]
        elif model == "tablet.incident" and ids:
            values["incident_ids"] = [fields.Command.set(ids)]
            values["kind"] = "incident_ack"
        return values

    def _records(self):
        """The incidents for an incident letter; else the chosen loans, or the class's open loans."""
        self.ensure_one()
        # The ids the user chose, read past the record rules (sudo, ids only): a many2many read silently
        # drops the records the user may not read, and a letter must not go to fewer families than asked.
        # `tablet.letter._send_letters` then checks the user's own right on each of them (AccessError).
        chosen = self.sudo()
        if self.kind in INCIDENT_KINDS:
            return self.env["tablet.incident"].browse(chosen.incident_ids.ids)
        if chosen.loan_ids:
            return self.env["tablet.loan"].browse(chosen.loan_ids.ids)
        if self.college_id and self.school_class:
            return self.env["tablet.loan"].search([
                ("college_id", "=", self.college_id.id), ("school_class", "=", self.school_class.strip()),
                ("state", "in", ("draft", "active", "custody"))])
        return self.env["tablet.loan"]

    @tablet_action(*SENDERS, role=SENDERS_ROLE)
    def action_send(self):
        self.ensure_one()
        records = self._records()
        if not records:
            raise UserError(_("Choose the loans (or a collège and a class) or the incidents to write about."))
        letters = self.env["tablet.letter"]._send_letters(self.kind, records, self.registered_number)
        return {
            "type": "ir.actions.act_window", "name": _("Letters Sent"), "res_model": "tablet.letter",
            "view_mode": "list,form", "domain": [("id", "in", letters.ids)], "target": "current",
        }
