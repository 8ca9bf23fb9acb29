from odoo import _, api, fields, models
from odoo.exceptions import UserError


class TabletCustodyWizard(models.TransientModel):
    """Summer custody campaign: pupils' tablets stay at the collège during the holidays (R13, B 5.2).

    A collège's référent runs it for their collège; the Département's manager for all its
    collèges at once. Up to a batch of loans it is done at once; beyond, it becomes a
    campaign run in the background in committed batches (`tablet.campaign`).
    """

    _name = "tablet.custody.wizard"
    _description = "Summer Custody Campaign"

    college_id = fields.Many2one(
        "res.partner", string="Collège", domain=[("is_college", "=", True)],
        default=lambda self: self.env.user.tablet_college_ids[:1],
    )
    all_colleges = fields.Boolean(
        string="All My Collèges",
        help="Every collège you can see: the whole Département for its programme manager.",
    )
    direction = fields.Selection(
        [("to_custody", "Summer: tablets are handed in and kept at the collège"),
         ("back", "Rentrée: tablets are handed back to the pupils")],
        string="Campaign", required=True, default="to_custody",
    )
    missing_loan_ids = fields.Many2many(
        "tablet.loan", string="Tablets Not Handed In",
        domain="[('college_id', '=', college_id), ('state', '=', 'active'), ('borrower_role', '=', 'pupil')]",
        help="Pupils who did not hand their tablet in: their loan stays active and the referent gets an activity.",
    )
    loan_count = fields.Integer(string="Loans Concerned", compute="_compute_loan_count")
    in_background = fields.Boolean(string="Runs in the Background", compute="_compute_loan_count",
                                   help="More loans than a batch: the campaign runs in the background.")

    @api.depends("college_id", "all_colleges", "direction")
    def _compute_loan_count(self):
        for wizard in self:
            batch_size = self.env["tablet.campaign"]._batch_size("custody" if wizard.direction == "to_custody" else "back")
            colleges = wizard._colleges()
            wizard.loan_count = self.env["tablet.loan"].search_count(wizard._loans_domain(colleges)) if colleges else 0
            wizard.in_background = wizard.loan_count > batch_size

    def _colleges(self):
        if self.all_colleges:
            return self.env["res.partner"].search([("is_college", "=", True),
                                                   ("company_id", "in", self.env.companies.ids)])
        return self.college_id

    def _loans_domain(self, colleges):
        state = "active" if self.direction == "to_custody" else "custody"
        return [("college_id", "in", colleges.ids), ("state", "=", state), ("borrower_role", "=", "pupil"),
                *self.env["tablet.loan"]._custody_tablet_domain("custody" if self.direction == "to_custody" else "back")]

    def action_apply(self):
        self.ensure_one()
        colleges = self._colleges()
        if not colleges:
            raise UserError(_("Choose the collège, or tick “All My Collèges”."))
        domain = self._loans_domain(colleges)
        count = self.env["tablet.loan"].search_count(domain)
        if not count:
            raise UserError(_("No pupil loan of %(college)s is %(state)s.",
                              college=", ".join(colleges[:5].mapped("name")),
                              state=_("active") if self.direction == "to_custody" else _("in custody")))
        missing = self.env["tablet.loan"]
        if self.direction == "to_custody":
            # R13 is for pupils: a teacher's loan among the "not handed in" is a mistake, said so.
            self.missing_loan_ids._ensure_pupils(_("Summer custody"))
            missing = self.missing_loan_ids.filtered_domain(domain)
            missing._remind_custody_missing()
        # Campaigns move thousands of loans: one summary per collège instead of a message per loan.
        kind = "custody" if self.direction == "to_custody" else "back"
        campaign = self.env["tablet.campaign"]._launch(
            kind, colleges,
            total_count=count - len(missing), loan_ids=[fields.Command.set(missing.ids)])
        if campaign.state != "done":
            return campaign._queue_action()
        return {"type": "ir.actions.act_window_close"}
