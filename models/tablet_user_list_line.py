from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class TabletUserListLine(models.Model):
    """A person on a nominative list (R3). Its collège, Département, role and class follow the
    list and the person: they are never written here (that would move the line to another
    collège, or rewrite the person's class through the list)."""

    _name = "tablet.user.list.line"
    _description = "Nominative List Line"
    _inherit = ["tablet.workflow.mixin"]
    _tablet_state_field = False
    _tablet_action_fields = ("added_since_last_submission",)
    _order = "school_role, school_class, partner_id"

    list_id = fields.Many2one("tablet.user.list", required=True, index=True, ondelete="cascade")
    college_id = fields.Many2one(related="list_id.college_id", store=True, index=True)
    company_id = fields.Many2one(related="list_id.company_id", store=True, index=True)
    partner_id = fields.Many2one("res.partner", string="Person", required=True, index=True, ondelete="restrict")
    school_role = fields.Selection(related="partner_id.school_role", store=True)
    school_class = fields.Char(related="partner_id.school_class", store=True)
    # Issue 19: set when the list is submitted again, for the Académie to see who is new.
    added_since_last_submission = fields.Boolean(string="Added since the Last Submission", readonly=True,
                                                 copy=False)

    _sql_constraints = [
        ("person_unique", "UNIQUE(list_id, partner_id)", "A person appears once on a list."),
    ]

    @api.constrains("partner_id", "list_id")
    def _check_person(self):
        for line in self:
            if line.partner_id.college_id != line.list_id.college_id:
                raise ValidationError(_("%(person)s is not a member of %(college)s.",
                                        person=line.partner_id.display_name,
                                        college=line.list_id.college_id.display_name))

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.list_id._ensure_editable()
        return lines

    def write(self, vals):
        self.list_id._ensure_editable()
        res = super().write(vals)
        if "list_id" in vals:
            self.list_id._ensure_editable()  # the list it moves to, too
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_if_list_editable(self):
        self.list_id._ensure_editable()
