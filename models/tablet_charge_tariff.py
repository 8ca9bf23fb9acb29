from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .school_year import check_school_year, school_year_of


class TabletChargeTariff(models.Model):
    """Financial counterparts voted by the collège's conseil d'administration (R21, R24b).

    A replacement may cost the family only what the CA set: one tariff per collège
    and school year, one line per case, each line capped.
    """

    _name = "tablet.charge.tariff"
    _description = "Replacement Charge Tariff"
    _inherit = ["tablet.workflow.mixin", "mail.thread"]
    _tablet_state_field = False
    _order = "school_year desc, college_id"
    _check_company_auto = True

    college_id = fields.Many2one(
        "res.partner", string="Collège", required=True, index=True, tracking=True, ondelete="restrict",
        domain="[('is_college', '=', True)]",
    )
    company_id = fields.Many2one(related="college_id.company_id", string="Département", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    school_year = fields.Char(
        string="School Year", required=True, index=True, tracking=True,
        default=lambda self: school_year_of(fields.Date.context_today(self)),
        help="Written like 2026-2027.",
    )
    ca_deliberation_date = fields.Date(
        string="CA Deliberation Date", required=True, tracking=True,
        help="Date of the conseil d'administration's deliberation setting these amounts (R24b).",
    )
    ca_deliberation_ref = fields.Char(string="CA Deliberation Reference", required=True, tracking=True)
    depreciation_years = fields.Integer(
        string="Depreciation (years)", required=True, default=4, tracking=True,
        help="The tablet's residual value decreases linearly to zero over this many years from its purchase.",
    )
    line_ids = fields.One2many("tablet.charge.tariff.line", "tariff_id", string="Amounts by Case", copy=True)

    _sql_constraints = [
        ("college_year_unique", "UNIQUE(college_id, school_year)",
         "A collège has one tariff per school year: edit the existing one."),
        ("depreciation_years_positive", "CHECK(depreciation_years > 0)",
         "The depreciation period must be at least one year."),
    ]

    @api.depends("college_id", "school_year")
    def _compute_display_name(self):
        for tariff in self:
            tariff.display_name = _("Tariff %(year)s – %(college)s",
                                    year=tariff.school_year or "", college=tariff.college_id.name or "")

    @api.constrains("school_year")
    def _check_school_year(self):
        check_school_year(self)

    @api.constrains("depreciation_years")
    def _check_depreciation_years(self):
        for tariff in self:
            if tariff.depreciation_years <= 0:
                raise ValidationError(_("The depreciation period of %(tariff)s must be at least one year "
                                        "(got %(years)s).", tariff=tariff.display_name,
                                        years=tariff.depreciation_years))

    @api.constrains("college_id")
    def _check_college(self):
        for tariff in self:
            if not tariff.college_id.is_college:
                raise ValidationError(_("%s is not a collège: a tariff is voted by a collège's conseil "
                                        "d'administration.", tariff.college_id.display_name))

    @api.model
    def _find_line(self, college, school_year, case):
        """The tariff line of `case` voted by `college` for `school_year`, or an empty recordset."""
        return self.env["tablet.charge.tariff.line"].search([
            ("tariff_id.college_id", "=", college.id),
            ("tariff_id.school_year", "=", school_year),
            ("case", "=", case),
        ], limit=1)
