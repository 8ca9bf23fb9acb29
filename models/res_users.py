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

    # Global rules (AND-ed with every group rule) read these: Odoo's own group rules
    # ("equipment I follow", "all journal entries" for billing users) are OR-ed with
    # ours, so only a global rule can keep a collège user inside their collèges.
    tablet_restricted = fields.Boolean(
        string="Restricted to a Scope", compute="_compute_tablet_scope",
        help="Académie, collège or supplier user without a Département role: sees only their scope.")
    tablet_scope_college_ids = fields.Many2many(
        "res.partner", string="Collèges in Scope", compute="_compute_tablet_scope",
        help="Collèges this restricted user works with: their own, or those of their académie.")
    tablet_scope_journal_ids = fields.Many2many(
        "account.journal", string="Journals in Scope", compute="_compute_tablet_scope",
        help="Sales journals of those collèges: the only invoices a collège accountant sees.")
    tablet_is_supplier = fields.Boolean(string="Supplier Warranty Desk", compute="_compute_tablet_scope")

    @api.depends("groups_id", "tablet_college_ids", "tablet_academy_id")
    @api.depends_context("uid")
    def _compute_tablet_scope(self):
        # Computed once per user and request, on every first rule check: the groups by their cached
        # xml ids (`env.ref` would ask the database whether each group exists, seven queries).
        def group(xmlid):
            return self.env["res.groups"].browse(self.env["ir.model.data"]._xmlid_to_res_id(xmlid, raise_if_not_found=True))
        department = group("tablet_loan.group_department_officer")
        academy_group = group("tablet_loan.group_academy_officer")
        supplier_group = group("tablet_loan.group_supplier_agent")
        scoped = (academy_group | group("tablet_loan.group_college_referent")
                  | group("tablet_loan.group_college_accountant") | supplier_group)
        academy_colleges = self.env["res.partner"].sudo().search([
            ("is_college", "=", True), ("academy_id", "in", self.tablet_academy_id.ids),
        ]) if self.tablet_academy_id else self.env["res.partner"]
        for user in self:
            # sudo: the scope is what rules are computed from, it cannot depend on them
            groups = user.sudo().groups_id  # implied groups included
            user.tablet_restricted = bool(groups & scoped) and not (groups & department) and not user._is_superuser()
            colleges = user.sudo().tablet_college_ids
            if academy_group in groups:
                colleges |= academy_colleges.filtered(lambda c: c.academy_id == user.tablet_academy_id)
            user.tablet_scope_college_ids = colleges
            user.tablet_scope_journal_ids = colleges.tablet_journal_id
            user.tablet_is_supplier = supplier_group in groups

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
