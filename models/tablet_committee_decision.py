from odoo import _, api, fields, models


class TabletCommitteeDecision(models.Model):
    """A decision of the local digital committee (R28): what is to be done, by whom, by when.
    Its owner gets an activity for the due date, closed when the decision is done."""

    _name = "tablet.committee.decision"
    _description = "Local Digital Committee Decision"
    _inherit = ["tablet.workflow.mixin", "mail.thread", "mail.activity.mixin"]
    _tablet_state_field = False
    _order = "date_due, id"
    _check_company_auto = True

    meeting_id = fields.Many2one("tablet.committee.meeting", required=True, index=True,
                                 ondelete="cascade")
    college_id = fields.Many2one(related="meeting_id.college_id", store=True, index=True, string="Collège")
    company_id = fields.Many2one(related="meeting_id.company_id", store=True, string="Département")
    academy_id = fields.Many2one(related="meeting_id.academy_id", store=True, string="Académie")
    name = fields.Text(string="Decision", required=True)
    user_id = fields.Many2one("res.users", string="Owner", help="Who carries the decision out.")
    date_due = fields.Date(string="Due on")
    done = fields.Boolean()

    def _creation_message(self):
        """The chatter's first line: mail's "<description> created" reads wrong in French
        (the participle does not agree with the document's gender); a sentence of its own."""
        self.ensure_one()
        return _("Committee decision recorded.")

    @api.model_create_multi
    def create(self, vals_list):
        decisions = super().create(vals_list)
        decisions._schedule_activities()
        return decisions

    def write(self, vals):
        res = super().write(vals)
        if vals.keys() & {"user_id", "date_due", "done"}:
            self.activity_unlink(["mail.mail_activity_data_todo"])
            self._schedule_activities()
        return res

    def _schedule_activities(self):
        """One activity per open decision with an owner and a due date, in one batch."""
        todo = self.env.ref("mail.mail_activity_data_todo")
        pending = self.filtered(lambda d: d.user_id and d.date_due and not d.done
                                and d.meeting_id.state != "cancelled")
        if not pending:
            return
        model_id = self.env["ir.model"]._get_id(self._name)
        self.env["mail.activity"].with_context(mail_activity_quick_update=True).create([{
            "res_model_id": model_id, "res_id": decision.id, "activity_type_id": todo.id,
            "summary": self.env._("Committee decision: %(decision)s", decision=(decision.name or "")[:80]),
            "date_deadline": decision.date_due, "user_id": decision.user_id.id, "automated": True,
        } for decision in pending])
