from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class PurchaseOrderLine(models.Model):
    """A line of tablets ordered from the supplier (R7): its delivery intake creates the tablets
    (and their assets), sets the quantity received, and its bill opens the assets."""

    _inherit = "purchase.order.line"

    tablet_ids = fields.One2many("maintenance.equipment", "purchase_line_id", string="Tablets Received",
                                 groups="tablet_loan.group_department_officer")
    tablet_count = fields.Integer(string="Number of Tablets Received", compute="_compute_tablet_count",
                                  groups="tablet_loan.group_department_officer")
    tablet_expected_serials = fields.Text(
        string="Announced Serial Numbers", groups="tablet_loan.group_department_officer",
        help="The serial numbers the supplier's shipping notice announces, one per line (optional): the delivery "
             "intake then refuses a file with a serial number missing, extra or unknown to the order.")

    def _compute_tablet_count(self):
        counts = dict(self.env["maintenance.equipment"].with_context(active_test=False)._read_group(
            [("purchase_line_id", "in", self.ids)], ["purchase_line_id"], ["__count"]))
        for line in self:
            line.tablet_count = counts.get(line, 0)

    def _announced_serials(self):
        """The announced serial numbers, in the order of the notice, without blanks."""
        self.ensure_one()
        return [serial.strip() for serial in (self.tablet_expected_serials or "").splitlines() if serial.strip()]

    @api.constrains("tablet_expected_serials")
    def _check_tablet_expected_serials(self):
        for line in self:
            serials = line._announced_serials()
            twice = sorted({serial for serial in serials if serials.count(serial) > 1})
            if twice:
                raise ValidationError(_("Announced Serial Numbers of %(line)s: %(serials)s appear(s) twice.",
                                        line=line.display_name, serials=", ".join(twice)))
