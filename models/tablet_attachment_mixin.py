from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

from .tablet_workflow_mixin import as_action


class TabletAttachmentMixin(models.AbstractModel):
    """Files uploaded in a record's form belong to that record once it is saved (R18, R19, R29).

    The web client uploads a file as soon as it is chosen, before a new record exists: Odoo
    keeps it with `res_id = 0`, which only its uploader may read, so a family's letter attached
    while declaring an incident would make the incident unreadable for the head and the
    Département. On create and write, every file of the model's many2many fields to
    `ir.attachment` is bound to its record and field (`res_model`, `res_id`, `res_field`):
    Odoo then lets read it exactly those who may read the record, and `ir.attachment` (see
    ir_attachment.py) applies the field's groups too. A file of another record or of another
    user is refused: linking it would read it through this record.
    """

    _name = "tablet.attachment.mixin"
    _description = "Files Bound to Their Record"

    @api.model
    def _tablet_attachment_fields(self):
        return [name for name, field in self._fields.items()
                if field.type == "many2many" and field.comodel_name == "ir.attachment"]

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        fnames = [f for f in self._tablet_attachment_fields() if any(f in vals for vals in vals_list)]
        if fnames:
            records._tablet_bind_attachments(fnames)
        return records

    def write(self, vals):
        res = super().write(vals)
        fnames = [f for f in self._tablet_attachment_fields() if f in vals]
        if fnames:
            self._tablet_bind_attachments(fnames)
        return res

    def _tablet_bind_attachments(self, fnames):
        """Bind the files of `fnames` to their record and field, or refuse them."""
        # sudo: only to list the linked ids and who uploaded them, whatever the field's groups;
        # the binding itself is written as the user, with ir.attachment's own checks.
        owner = {}  # attachment id -> (record id, field name)
        to_bind = {}  # (record id, field name) -> attachment ids
        all_fnames = self._tablet_attachment_fields()
        for record in self.sudo():
            for fname in fnames:
                for attachment in record[fname]:
                    key = (record.id, fname)
                    if owner.setdefault(attachment.id, key) != key:
                        raise UserError(_(
                            "The file “%(file)s” is attached twice: a file belongs to one record and one "
                            "field (%(record)s).", file=attachment.name, record=record.display_name))
                    bound_here = attachment.res_model == self._name and attachment.res_id == record.id
                    if bound_here and attachment.res_field == fname:
                        continue
                    pending = (not attachment.res_id and attachment.res_model in (False, self._name)
                               and (self.env.su or attachment.create_uid.id == self.env.uid))
                    if not (pending or bound_here and attachment.res_field in (False, *all_fnames)):
                        raise AccessError(_(
                            "File #%(id)s belongs to another record or was uploaded by someone else: upload "
                            "it again on %(record)s (%(field)s).", id=attachment.id, record=record.display_name,
                            field=self._fields[fname].get_description(self.env)["string"]))
                    to_bind.setdefault(key, []).append(attachment.id)
        Attachment = as_action(self.env["ir.attachment"])
        for (record_id, fname), ids in to_bind.items():
            Attachment.browse(ids).write({
                "res_model": self._name, "res_id": record_id, "res_field": fname, "public": False,
            })
