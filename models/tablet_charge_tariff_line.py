from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount, formatLang

# Cases in which the family may be asked to pay (R21, R24b); shared with tablet.charge.
CHARGE_CASES = [
    ("breakage", "Breakage"),
    ("loss", "Loss"),
    ("theft", "Theft"),
    ("warranty_void", "Warranty voided by the user"),
]

# The head's qualification of the facts when deciding a replacement (R23, R24b; Code civil
# art. 1880-1884: the borrower answers for damage due to their fault, not for a failure).
QUALIFICATIONS = [
    ("deliberate", "Deliberate damage"),
    ("negligence", "Clear negligence"),
    ("accident", "Accident"),
    ("failure", "Hardware failure"),
    ("loss", "Loss"),
    ("theft", "Theft with complaint"),
]
# Which qualifications fit each incident type, and the tariff case each charges under.
QUALIFICATIONS_OF_TYPE = {
    "breakage": ("deliberate", "negligence", "accident", "failure"),
    "failure": ("failure",),
    "loss": ("loss",),
    "theft": ("theft",),
}
CASE_OF_QUALIFICATION = {"deliberate": "breakage", "negligence": "breakage", "accident": "breakage",
                         "loss": "loss", "theft": "theft"}


class TabletChargeTariffLine(models.Model):
    """What one case costs the family: a fixed amount or a share of the tablet's
    residual value, never more than the cap voted by the CA (R24b)."""

    _name = "tablet.charge.tariff.line"
    _description = "Replacement Charge Tariff Line"
    _inherit = ["tablet.workflow.mixin"]
    _tablet_state_field = False
    _order = "tariff_id, case"
    _check_company_auto = True

    tariff_id = fields.Many2one("tablet.charge.tariff", required=True, index=True,
                                ondelete="cascade")
    college_id = fields.Many2one(related="tariff_id.college_id", store=True, index=True)
    company_id = fields.Many2one(related="tariff_id.company_id", store=True, index=True)
    school_year = fields.Char(related="tariff_id.school_year", store=True)
    currency_id = fields.Many2one(related="tariff_id.currency_id")
    case = fields.Selection(CHARGE_CASES, required=True)
    amount_type = fields.Selection(
        [("fixed", "Fixed amount"), ("percent", "Percentage of the residual value")],
        required=True, default="fixed",
    )
    fixed_amount = fields.Monetary()
    percentage = fields.Float(digits=(5, 2),
                              help="Share of the tablet's residual value, between 0 and 100.")
    cap_amount = fields.Monetary(string="Cap", required=True,
                                 help="The family never pays more than this for the case.")

    _sql_constraints = [
        ("tariff_case_unique", 'UNIQUE(tariff_id, "case")', "A tariff has one line per case."),
    ]

    # The CA voted these amounts: every change is logged on the tariff's chatter (audit trail).
    AUDITED_FIELDS = frozenset(("case", "amount_type", "fixed_amount", "percentage", "cap_amount"))

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._post_on_tariffs(_("Line added"), {line: line._audit_text() for line in lines})
        return lines

    def write(self, vals):
        if not self.AUDITED_FIELDS & vals.keys():
            return super().write(vals)
        before = {line: line._audit_text() for line in self}
        res = super().write(vals)
        self._post_on_tariffs(_("Line changed"), {line: f"{before[line]} → {line._audit_text()}" for line in self})
        return res

    @api.ondelete(at_uninstall=False)
    def _log_removal(self):
        self.filtered(lambda line: line.tariff_id.exists())._post_on_tariffs(
            _("Line removed"), {line: line._audit_text() for line in self})

    def _audit_text(self):
        self.ensure_one()
        cases = dict(self._fields["case"]._description_selection(self.env))
        cap = format_amount(self.env, self.cap_amount, self.currency_id)
        if self.amount_type == "fixed":
            amount = format_amount(self.env, self.fixed_amount, self.currency_id)
        else:
            amount = _("%s %% of the residual value", formatLang(self.env, self.percentage))
        return _("%(case)s: %(amount)s, cap %(cap)s", case=cases.get(self.case, self.case), amount=amount, cap=cap)

    def _post_on_tariffs(self, title, texts):
        """One message per tariff for the whole batch."""
        for tariff in self.tariff_id:
            lines = [texts[line] for line in self if line.tariff_id == tariff]
            tariff.message_post(body=Markup("<p>%s</p><ul>%s</ul>") % (
                title, Markup().join(Markup("<li>%s</li>") % text for text in lines)))

    @api.depends("case", "tariff_id")
    def _compute_display_name(self):
        cases = dict(self._fields["case"]._description_selection(self.env))
        for line in self:
            line.display_name = _("%(case)s – %(tariff)s", case=cases.get(line.case, ""),
                                  tariff=line.tariff_id.display_name or "")

    @api.constrains("amount_type", "fixed_amount", "percentage", "cap_amount")
    def _check_amounts(self):
        cases = dict(self._fields["case"]._description_selection(self.env))
        for line in self:
            case = cases.get(line.case, line.case)
            cap = format_amount(self.env, line.cap_amount, line.currency_id)
            amount = format_amount(self.env, line.fixed_amount, line.currency_id)
            if line.cap_amount <= 0:
                raise ValidationError(_("The cap of the case “%(case)s” must be a positive amount (got %(cap)s).",
                                        case=case, cap=cap))
            if line.fixed_amount < 0:
                raise ValidationError(_("The fixed amount of the case “%(case)s” cannot be negative (got %(amount)s).",
                                        case=case, amount=amount))
            if not 0 <= line.percentage <= 100:
                raise ValidationError(_("The percentage of the case “%(case)s” must be between 0 and 100 "
                                        "(got %(percentage)s).", case=case, percentage=line.percentage))
            if line.amount_type == "fixed" and line.fixed_amount > line.cap_amount:
                raise ValidationError(_("The fixed amount of the case “%(case)s” (%(amount)s) is above its cap "
                                        "(%(cap)s).", case=case, amount=amount, cap=cap))

    def _amount_for(self, tablet, on_date):
        """Amount asked for `tablet` on `on_date`: the fixed amount or the percentage of
        the residual value, whichever applies, limited to the cap."""
        self.ensure_one()
        if self.amount_type == "fixed":
            amount = self.fixed_amount
        else:
            residual = tablet._residual_value(on_date, self.tariff_id.depreciation_years)
            amount = residual * self.percentage / 100.0
        amount = min(self.cap_amount, amount)
        return self.currency_id.round(amount) if self.currency_id else amount
