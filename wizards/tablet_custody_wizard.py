from odoo import _, api, fields, models
from odoo.exceptions import UserError


class TabletCustodyWizard(models.TransientModel):
    """Summer custody campaign: pupils' tablets stay at the collège during the holidays (R13, B 5.2)."""

    _name = "tablet.custody.wizard"
    _description = "Summer Custody Campaign"

    college_id = fields.Many2one(
        "res.partner", string="Collège", required=True, domain=[("is_college", "=", True)],
        default=lambda self: self.env.user.tablet_college_ids[:1],
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

    @api.depends("college_id", "direction")
    def _compute_loan_count(self):
        for wizard in self:
            wizard.loan_count = self.env["tablet.loan"].search_count(wizard._loans_domain()) if wizard.college_id else 0

    def _loans_domain(self):
        state = "active" if self.direction == "to_custody" else "custody"
        return [("college_id", "=", self.college_id.id), ("state", "=", state), ("borrower_role", "=", "pupil")]

    def action_apply(self):
        self.ensure_one()
        # Campaigns move thousands of loans: one summary on the collège instead of a message per loan.
        loans = self.env["tablet.loan"].with_context(tracking_disable=True).search(self._loans_domain())
        if not loans:
            raise UserError(_("No pupil loan of %(college)s is %(state)s.", college=self.college_id.name,
                              state=_("active") if self.direction == "to_custody" else _("in custody")))
        if self.direction == "back":
            loans.action_end_custody()
            self.college_id.message_post(body=_("Rentrée: %s tablets handed back to their pupils after the summer.",
                                                len(loans)))
            return {"type": "ir.actions.act_window_close"}
        missing = self.missing_loan_ids & loans
        (loans - missing).action_custody()
        activity_type = self.env.ref("tablet_loan.mail_activity_custody_missing")
        referent = self.env["tablet.loan"]._referent_users(self.college_id).get(self.college_id.id, self.env.user)
        for loan in missing:
            loan.activity_schedule(
                activity_type_id=activity_type.id, user_id=referent.id,
                summary=_("%s did not hand the tablet in for the summer", loan.borrower_id.name),
            )
        self.college_id.message_post(body=_(
            "Summer custody: %(kept)s tablets kept at the collège, %(missing)s not handed in.",
            kept=len(loans) - len(missing), missing=len(missing),
        ))
        return {"type": "ir.actions.act_window_close"}
