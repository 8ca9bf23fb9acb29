from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

from .school_year import check_school_year, school_year_of


class TabletChargeTariff(models.Model):
    """Financial counterparts voted by the collège's conseil d'administration (R21, R24b).

    A tariff is one deliberation of the collège's CA: numbered, voted on a date, in force
    from its date of effect (not before the vote). A replacement may cost the family only
    what the deliberation in force on the date of the facts set: one line per case it
    charges, each line capped; older facts keep the older deliberation.
    """

    _name = "tablet.charge.tariff"
    _description = "Replacement Charge Tariff"
    _inherit = ["tablet.workflow.mixin", "mail.thread"]
    _tablet_state_field = False
    _order = "effective_date desc, id desc"
    _check_company_auto = True

    college_id = fields.Many2one(
        "res.partner", string="Collège", required=True, index=True, tracking=True, ondelete="restrict",
        domain="[('is_college', '=', True)]",
    )
    company_id = fields.Many2one(related="college_id.company_id", string="Département", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    # Informative since issue 14: the date of effect chooses the deliberation, not the year.
    school_year = fields.Char(
        index=True, tracking=True,
        default=lambda self: school_year_of(fields.Date.context_today(self)),
        help="Written like 2026-2027. For reference only: a charge takes the deliberation in force on the "
             "date of the facts.",
    )
    ca_deliberation_date = fields.Date(
        string="CA Deliberation Date", required=True, tracking=True,
        help="Date of the conseil d'administration's deliberation setting these amounts.",
    )
    ca_deliberation_ref = fields.Char(string="CA Deliberation Reference", required=True, tracking=True,
                                      help="The deliberation's number, cited on the charges.")
    effective_date = fields.Date(
        string="Date of Effect", required=True, index=True, tracking=True,
        help="The deliberation applies to facts from this date until the date of effect of the next one; "
             "it cannot take effect before its vote.",
    )
    # The qualifications the deliberation charges (R24b): a hardware failure never is.
    charges_deliberate = fields.Boolean(string="Charges Deliberate Damage", default=True, tracking=True)
    charges_negligence = fields.Boolean(string="Charges Clear Negligence", default=True, tracking=True)
    charges_accident = fields.Boolean(string="Charges Accidents", tracking=True,
                                      help="An accident without fault is not charged unless the CA voted so.")
    charges_loss = fields.Boolean(string="Charges Losses", default=True, tracking=True)
    charges_theft = fields.Boolean(string="Charges Thefts with Complaint", default=True, tracking=True)
    depreciation_years = fields.Integer(
        string="Depreciation (years)", required=True, default=4, tracking=True,
        help="The tablet's residual value decreases linearly to zero over this many years from its purchase.",
    )
    line_ids = fields.One2many("tablet.charge.tariff.line", "tariff_id", string="Amounts by Case", copy=True)

    _sql_constraints = [
        ("college_effect_unique", "UNIQUE(college_id, effective_date)",
         "A collège has one deliberation taking effect on a given date."),
        ("depreciation_years_positive", "CHECK(depreciation_years > 0)",
         "The depreciation period must be at least one year."),
    ]

    def _creation_message(self):
        """The chatter's first line: mail's "<description> created" reads wrong in French
        (the participle does not agree with the document's gender); a sentence of its own."""
        self.ensure_one()
        return _("Tariff recorded.")

    @api.depends("college_id", "ca_deliberation_ref", "effective_date")
    def _compute_display_name(self):
        for tariff in self:
            tariff.display_name = _("Deliberation %(ref)s (in force from %(date)s) – %(college)s",
                                    ref=tariff.ca_deliberation_ref or "",
                                    date=tariff.effective_date and format_date(self.env, tariff.effective_date) or "",
                                    college=tariff.college_id.name or "")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # Unless the CA said otherwise, a deliberation takes effect on its vote.
            if not vals.get("effective_date") and vals.get("ca_deliberation_date"):
                vals["effective_date"] = vals["ca_deliberation_date"]
        return super().create(vals_list)

    @api.onchange("ca_deliberation_date")
    def _onchange_ca_deliberation_date(self):
        if self.ca_deliberation_date and not self.effective_date:
            self.effective_date = self.ca_deliberation_date

    @api.constrains("ca_deliberation_date", "effective_date")
    def _check_effective_date(self):
        for tariff in self:
            if tariff.effective_date and tariff.ca_deliberation_date \
                    and tariff.effective_date < tariff.ca_deliberation_date:
                raise ValidationError(_(
                    "The deliberation %(ref)s cannot take effect on %(effect)s, before its vote on %(vote)s: "
                    "set a date of effect on or after the vote.", ref=tariff.ca_deliberation_ref,
                    effect=format_date(self.env, tariff.effective_date),
                    vote=format_date(self.env, tariff.ca_deliberation_date)))

    @api.constrains("school_year")
    def _check_school_year(self):
        check_school_year(self.filtered("school_year"))

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

    def _charges(self, qualification):
        """Whether this deliberation lists `qualification` as chargeable."""
        self.ensure_one()
        fname = f"charges_{qualification}"
        return fname in self._fields and bool(self[fname])

    @api.model
    def _in_force(self, college, on_date):
        """The deliberation of `college` in force on `on_date` (the date of the facts): the one
        with the latest date of effect on or before it, or an empty recordset."""
        if not college or not on_date:
            return self.browse()
        return self.search([("college_id", "=", college.id), ("effective_date", "<=", on_date)],
                           order="effective_date desc, id desc", limit=1)

    @api.model
    def _find_line(self, college, on_date, case):
        """The line of `case` of the deliberation in force on `on_date`, or an empty recordset.
        A case the deliberation in force does not charge has no line, even if an older one had."""
        return self._in_force(college, fields.Date.to_date(on_date)).line_ids.filtered(lambda line: line.case == case)[:1]
