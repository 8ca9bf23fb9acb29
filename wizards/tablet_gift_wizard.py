from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

from ..models.relation_guard import check_link_targets
from ..models.school_year import school_year_of
from ..models.tablet_campaign import GIFT_ALL_OR_NOTHING
from ..models.utils import read_columns, window_action


class TabletGiftWizard(models.TransientModel):
    """End of 3e: the tablet may be given to a pupil who managed it responsibly (R17, B 5.1)."""

    _name = "tablet.gift.wizard"
    _description = "End-of-3e Gift"

    college_id = fields.Many2one(
        "res.partner", string="Collège", required=True, domain=[("is_college", "=", True)],
        default=lambda self: self.env.user.tablet_college_ids[:1],
    )
    gift_date = fields.Date(string="Given on", required=True, default=fields.Date.context_today)
    line_ids = fields.One2many("tablet.gift.wizard.line", "wizard_id", string="3e Pupils",
                               compute="_compute_line_ids", store=True, readonly=False)
    eligible_count = fields.Integer(compute="_compute_counts")
    selected_count = fields.Integer(compute="_compute_counts")

    @api.depends("college_id", "gift_date")
    def _compute_line_ids(self):
        """The 3e pupils with an active loan, and those who returned their tablet during the
        school year of the gift and whose tablet waits in the collège's stock (R17, issue 15)."""
        for wizard in self:
            school_year = school_year_of(wizard.gift_date or fields.Date.context_today(self))
            loans = self.env["tablet.loan"].search([
                ("college_id", "=", wizard.college_id.id),
                ("borrower_role", "=", "pupil"), ("grade_level", "=", "3e"),
                "|", ("state", "=", "active"),
                "&", "&", ("state", "=", "closed"), ("school_year", "=", school_year),
                ("equipment_id.tablet_state", "=", "stock"),
            ], order="school_class, borrower_id")
            refusals = loans._gift_refusals()
            # Clear the former lines only if there are any: a new wizard has none (in cache), and the
            # clear command would search the lines table for them.
            wizard.line_ids = ([Command.clear()] if wizard.line_ids else []) + [Command.create({
                "loan_id": loan.id, "eligible": loan not in refusals, "selected": loan not in refusals,
                "reason": refusals.get(loan, False),
            }) for loan in loans]

    @api.depends("line_ids.eligible", "line_ids.selected")
    def _compute_counts(self):
        for wizard in self:
            wizard.eligible_count = len(wizard.line_ids.filtered("eligible"))
            wizard.selected_count = len(wizard.line_ids.filtered("selected"))

    def action_confirm(self):
        self.ensure_one()
        chosen = self.line_ids.filtered("selected")
        if not chosen:
            raise UserError(_("Select the pupils who receive their tablet."))
        refused = chosen.filtered(lambda line: not line.eligible)
        if refused:
            raise UserError(_("These pupils cannot receive their tablet:\n%s", "\n".join(
                f"• {line.loan_id.borrower_id.name}: {line.reason}" for line in refused)))
        # The lines are data a client may write: the loans are checked again here (R17, R24a).
        # One narrow read under the head's rules: reading the loans as records fetched all their columns.
        loans = chosen.loan_id
        outside = loans.browse([loan_id for loan_id, row in read_columns(loans, ["college_id"]).items()
                                if row["college_id"] != self.college_id.id])
        if outside:
            raise UserError(_("These loans are not of %(college)s: %(loans)s.", college=self.college_id.name,
                              loans=", ".join(outside.mapped("display_name"))))
        # Up to a batch at once, checked by the batch itself (refused as a whole); more (a head of
        # several collèges) in committed batches, checked here first so that the head hears now.
        Campaign = self.env["tablet.campaign"]
        if len(chosen) > Campaign._batch_size("gift"):
            loans._check_gift_refusals()
        campaign = Campaign.with_context(**{GIFT_ALL_OR_NOTHING: True})._launch(
            "gift", self.college_id, total_count=len(chosen), gift_date=self.gift_date,
            loan_ids=[Command.set(chosen.loan_id.ids)])
        if campaign.state != "done":
            return campaign._queue_action()
        return window_action(self.env, "tablet_loan.tablet_loan_action", [("id", "in", chosen.loan_id.ids)])


class TabletGiftWizardLine(models.TransientModel):
    _name = "tablet.gift.wizard.line"
    _description = "End-of-3e Gift Line"

    wizard_id = fields.Many2one("tablet.gift.wizard", required=True, ondelete="cascade")
    loan_id = fields.Many2one("tablet.loan", required=True)
    # Read as the user, not as superuser (the default of related fields): a line a client points
    # at another collège's loan tells nothing of its pupil.
    borrower_id = fields.Many2one(related="loan_id.borrower_id", compute_sudo=False)
    school_class = fields.Char(related="loan_id.school_class", compute_sudo=False)
    serial_no = fields.Char(related="loan_id.serial_no", compute_sudo=False)
    eligible = fields.Boolean()
    selected = fields.Boolean(string="Give")
    reason = fields.Char(string="Why Not")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_link_targets(self, vals, ("loan_id",))
        return super().create(vals_list)

    def write(self, vals):
        check_link_targets(self, vals, ("loan_id",))
        return super().write(vals)
