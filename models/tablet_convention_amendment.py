from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class TabletConventionAmendment(models.Model):
    """An avenant changes a signed convention without reopening it (I 7)."""

    _name = "tablet.convention.amendment"
    _description = "Convention Amendment"
    _inherit = ["tablet.attachment.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    convention_id = fields.Many2one(
        "tablet.convention", string="Convention", required=True, index=True, ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(related="convention_id.company_id", store=True, index=True)
    college_id = fields.Many2one(related="convention_id.college_id", store=True, index=True)
    name = fields.Char(string="Subject", required=True)
    date = fields.Date(string="Signed on", required=True, default=fields.Date.context_today)
    description = fields.Text(string="Changes")
    attachment_ids = fields.Many2many(
        "ir.attachment", "tablet_convention_amendment_attachment_rel", "amendment_id", "attachment_id",
        string="Signed Amendment",
    )

    @api.constrains("date", "convention_id")
    def _check_date(self):
        for amendment in self:
            convention = amendment.convention_id
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
