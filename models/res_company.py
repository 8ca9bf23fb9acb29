from odoo import fields, models


class ResCompany(models.Model):
    """A Département: it sets how long its programme keeps personal data (R29)."""

    _inherit = "res.company"

    tablet_retention_months = fields.Integer(
        string="Personal Data Kept (months after the last loan)", default=12,
        help="Pupils and legal representatives whose loans all ended this long ago, and who owe no charge, "
             "are anonymised by a daily job; the figures are kept (R29).",
    )
