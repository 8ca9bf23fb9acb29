from odoo import api, fields, models

# Record rules read these fields through ``user``: changing them must drop the
# cached rule domains, or the user keeps seeing the collèges they had before.
RULE_SCOPE_FIELDS = {"tablet_college_ids", "tablet_academy_id"}


class ResUsers(models.Model):
    _inherit = "res.users"

    tablet_college_ids = fields.Many2many(
        "res.partner",
        "tablet_user_college_rel",
        "user_id",
        "college_id",
        string="Tablet Programme Collèges",
        domain=[("is_college", "=", True)],
        help="Collèges whose records this user sees as head, digital referent or accountant.",
    )
    tablet_academy_id = fields.Many2one(
        "res.partner",
        string="Tablet Programme Académie",
        domain=[("is_academy", "=", True)],
        help="Académie whose collèges this user sees as an académie officer.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        if any(RULE_SCOPE_FIELDS & vals.keys() for vals in vals_list):
            self.env.registry.clear_cache()
        return users

    def write(self, vals):
        res = super().write(vals)
        if RULE_SCOPE_FIELDS & vals.keys():
            self.env.registry.clear_cache()
        return res
