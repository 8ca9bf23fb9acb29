from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.relation_guard import check_link_targets
from ..models.school_year import school_year_of
from ..models.tablet_workflow_mixin import as_action
from ..models.utils import window_action

OVERRIDERS = ("tablet_loan.group_college_head", "tablet_loan.group_department_manager")


class TabletReissueOverrideWizard(models.TransientModel):
    """The head lends a tablet although a charge of the family is overdue, with a reason that
    stays on the loan and in its chatter (issue 14, re-issue). Only the head (and the
    Département's manager) opens it: the access rights give it to nobody else."""

    _name = "tablet.reissue.override.wizard"
    _inherit = ["tablet.borrower.history.mixin"]
    _description = "Tablet Lent Despite an Unpaid Charge"

    college_id = fields.Many2one(
        "res.partner", string="Collège", required=True, domain=[("is_college", "=", True)],
        default=lambda self: self.env.user.tablet_college_ids[:1],
    )
    school_year = fields.Char(
        required=True, default=lambda self: school_year_of(fields.Date.context_today(self)),
    )
    borrower_id = fields.Many2one(
        "res.partner", required=True,
        domain="[('college_id', '=', college_id), ('school_role', 'in', ('pupil', 'teacher', 'head', 'staff'))]",
    )
    # A draft prepared before the charge fell overdue gets the decision; otherwise a draft is made.
    loan_id = fields.Many2one("tablet.loan", string="Prepared Loan", compute="_compute_loan_id")
    equipment_id = fields.Many2one(
        "maintenance.equipment", string="Tablet",
        domain="[('is_tablet', '=', True), ('college_id', '=', college_id), ('tablet_state', '=', 'stock')]",
    )
    date_start = fields.Date(string="Handed over on", default=fields.Date.context_today)
    reason = fields.Text(required=True,
                         help="Why the tablet is lent although a charge of the family is unpaid.")
    blocking_reason = fields.Text(string="Unpaid Charges", compute="_compute_blocking_reason")
    @api.depends("borrower_id")
    def _compute_loan_id(self):
        drafts = self.env["tablet.loan"].search([("borrower_id", "in", self.borrower_id.ids), ("state", "=", "draft")])
        for wizard in self:
            wizard.loan_id = drafts.filtered(lambda loan: loan.borrower_id == wizard.borrower_id)[:1]

    @api.depends("borrower_id")
    def _compute_blocking_reason(self):
        reasons = self.env["tablet.loan"]._overdue_family_reasons(self.borrower_id.ids)
        for wizard in self:
            wizard.blocking_reason = reasons.get(wizard.borrower_id.id, False)

    def action_confirm(self):
        """Puts the head's reason on the prepared draft, or makes the draft with it: the référent
        then hands it over as usual."""
        self.ensure_one()
        if not self.env.su and not any(self.env.user.has_group(g) for g in OVERRIDERS):
            raise AccessError(_("Only the head of the collège lends a tablet despite an unpaid charge."))
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(_("Give the reason for lending a tablet despite the unpaid charge."))
        Loan = self.env["tablet.loan"]
        if self.loan_id:
            loan = self.loan_id
            loan.check_access("write")
            as_action(loan).write({"reissue_override_reason": reason})
        else:
            if not self.equipment_id:
                raise UserError(_("Choose the tablet to lend."))
            vals = {"borrower_id": self.borrower_id.id, "equipment_id": self.equipment_id.id,
                    "college_id": self.college_id.id, "school_year": self.school_year,
                    "date_start": self.date_start}
            # The links are checked under the head's rights before the loan is made with the pass.
            check_link_targets(Loan, vals, Loan._LINKED_FIELDS)
            Loan.check_access("create")
            loan = as_action(Loan).create({**vals, "reissue_override_reason": reason}).with_env(self.env)
            loan.check_access("write")
        loan.message_post(body=_("Tablet lent by decision of %(head)s although a charge of the family is "
                                 "unpaid past its due date. Reason: %(reason)s",
                                 head=self.env.user.name, reason=reason))
        return window_action(self.env, "tablet_loan.tablet_loan_action", [("id", "=", loan.id)])
