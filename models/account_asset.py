from odoo import api, fields, models
from odoo.exceptions import AccessError

from .tablet_workflow_mixin import in_action
from .utils import user_env

# Programme roles that read the tablets' values but never write the register (R7): the collège's
# référents, heads and accountants (who are Billing users for their charges, and Billing users may
# write OCA's assets), the Académie and the supplier's agents.
NON_DEPARTMENT_ROLES = ("tablet_loan.group_college_referent", "tablet_loan.group_college_accountant",
                        "tablet_loan.group_academy_officer", "tablet_loan.group_supplier_agent")


def check_register_writer(records):
    """R7: only the Département's officers and managers write its asset register; a user of a
    collège, of the Académie or of the supplier is refused whatever their accounting groups.
    Users outside the programme keep OCA's and Odoo's rights (the Accounting app's own users)."""
    env = records.env
    if env.su or in_action(env) or env.user.has_group("tablet_loan.group_department_officer"):
        return
    if any(env.user.has_group(group) for group in NON_DEPARTMENT_ROLES):
        # A plain function has no `self` for `_()` to find the user's language in: the records' env.
        raise AccessError(user_env(records)._(
            "The asset register (%(model)s) is the Département's: its officers and programme managers "
            "acquire, depreciate and dispose of the tablets; the collège reads their values.",
            model=records._description))


class AccountAsset(models.Model):
    """A fixed asset of OCA's register; the tablets' assets name their tablet."""

    _inherit = "account.asset"

    equipment_id = fields.Many2one(
        "maintenance.equipment", string="Tablet", index="btree_not_null", copy=False, readonly=True,
        ondelete="restrict", help="The tablet this asset stands for (one asset per tablet).")

    @api.model_create_multi
    def create(self, vals_list):
        check_register_writer(self)
        return super().create(vals_list)

    def write(self, vals):
        check_register_writer(self)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_register_writer(self):
        check_register_writer(self)

    def remove(self):
        """OCA's removal wizard, opened from the asset: for the Département only."""
        check_register_writer(self)
        return super().remove()
