from odoo import api, fields, models


class TabletReminderScheduleWizard(models.TransientModel):
    """Issue 14: the collège's schedule of reminders of unpaid charges, set from its form.

    The collège's accountant reads contacts only (no write right on res.partner), so the
    form of the collège opens read-only for them: this wizard is their way to set the three
    delays, which `res.partner.write` lets them write for their own collèges (and the
    Département's staff and the head for theirs); it refuses everyone else."""

    _name = "tablet.reminder.schedule.wizard"
    _description = "Schedule of Reminders of Unpaid Charges"

    college_id = fields.Many2one("res.partner", string="Collège", required=True, domain=[("is_college", "=", True)],
                                 default=lambda self: self.env.context.get("active_id"))
    first_days = fields.Integer(string="First Reminder (days after the due date)", compute="_compute_days",
                                store=True, readonly=False)
    second_days = fields.Integer(string="Second Reminder (days after the first)", compute="_compute_days",
                                 store=True, readonly=False)
    notice_days = fields.Integer(string="Formal Notice (days after the second reminder)", compute="_compute_days",
                                 store=True, readonly=False)

    @api.depends("college_id")
    def _compute_days(self):
        for wizard in self:
            college = wizard.college_id
            wizard.first_days = college.tablet_reminder_first_days
            wizard.second_days = college.tablet_reminder_second_days
            wizard.notice_days = college.tablet_reminder_notice_days

    def action_confirm(self):
        self.ensure_one()
        self.college_id.write({
            "tablet_reminder_first_days": self.first_days,
            "tablet_reminder_second_days": self.second_days,
            "tablet_reminder_notice_days": self.notice_days,
        })
        return {"type": "ir.actions.act_window_close"}
