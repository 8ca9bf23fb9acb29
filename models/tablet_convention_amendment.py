from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .tablet_workflow_mixin import ALL_FIELDS


class TabletConventionAmendment(models.Model):
    """An avenant changes a signed convention without reopening it (I 7). It belongs to its
    convention for good, and no longer changes once the convention has expired."""

    _name = "tablet.convention.amendment"
    _description = "Convention Amendment"
    _inherit = ["tablet.workflow.mixin", "tablet.attachment.mixin"]
    _tablet_state_field = "convention_state"
    _tablet_frozen_fields = {"expired": ALL_FIELDS}
    _order = "date desc, id desc"
    _check_company_auto = True

    convention_id = fields.Many2one(
        "tablet.convention", required=True, index=True, ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(related="convention_id.company_id", store=True, index=True)
    college_id = fields.Many2one(related="convention_id.college_id", store=True, index=True)
    convention_state = fields.Selection(related="convention_id.state", string="Convention Status")
    name = fields.Char(string="Subject", required=True)
    date = fields.Date(string="Signed on", required=True, default=fields.Date.context_today)
    description = fields.Text(string="Changes")
    attachment_ids = fields.Many2many(
        "ir.attachment", "tablet_convention_amendment_attachment_rel", "amendment_id", "attachment_id",
        string="Signed Amendment",
    )

    def _tablet_frozen_fields_of(self):
        """An amendment stays with the convention it amends; all of it once that one expired."""
        return super()._tablet_frozen_fields_of() | {"convention_id"}

    @api.constrains("date", "convention_id")
    def _check_date(self):
        today = fields.Date.context_today(self)
        for amendment in self:
            if amendment.date > today:
                raise ValidationError(_(
                    "The amendment “%(name)s” is dated %(date)s, a date still to come: record it once signed.",
                    name=amendment.name, date=amendment.date,
                ))
            convention = amendment.convention_id
            if convention.state == "expired":
                raise ValidationError(_(
                    "Convention %s has expired: it can no longer be amended; sign a new convention.",
                    convention.name,
                ))
            if convention.state == "draft":
                raise ValidationError(_(
                    "Convention %s is still a draft: change it directly, amendments are for signed conventions.",
                    convention.name,
                ))
            if convention.signature_date and amendment.date < convention.signature_date:
                raise ValidationError(_(
                    "The amendment “%(name)s” is dated %(date)s, before convention %(convention)s was signed "
                    "(%(signed)s).", name=amendment.name, date=amendment.date,
                    convention=convention.name, signed=convention.signature_date,
                ))

    @api.model_create_multi
    def create(self, vals_list):
        amendments = super().create(vals_list)
        for amendment in amendments:
            amendment.convention_id.message_post(body=_(
                "Amendment “%(name)s” signed on %(date)s.", name=amendment.name, date=amendment.date,
            ))
        return amendments
