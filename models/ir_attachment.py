from odoo import _, api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .tablet_workflow_mixin import in_action

BINDING_FIELDS = {"res_model", "res_id", "res_field", "public"}


class IrAttachment(models.Model):
    """Files of the programme's records (family's letters, complaints, scans) are read by exactly
    those who may read the record *and* its field (R29).

    Odoo checks a file's record on every read (`_search`, which `read` and `/web/content` go
    through), but applies the groups of its `res_field` only in `check()`, which neither of them
    calls for internal users: a Département officer, who may read an incident but not its
    letters, would download them. The files bound by `tablet.attachment.mixin` are filtered
    here by their field's groups too, and stay bound: moving or publishing them is refused.
    """

    _inherit = "ir.attachment"

    @api.model
    def _tablet_field_models(self):
        """Models whose attachment fields bind their files (tablet.attachment.mixin)."""
        return [name for name in self.env.registry.descendants(["tablet.attachment.mixin"], "_inherit")
                if name != "tablet.attachment.mixin" and not self.env[name]._abstract]

    @api.model
    def _tablet_closed_fields(self):
        """{(model, field)} of bound files this user may not read: the field's groups exclude them."""
        closed = set()
        for model in self._tablet_field_models():
            Model = self.env[model]
            for fname in Model._tablet_attachment_fields():
                if not Model._fields[fname].is_accessible(self.env):
                    closed.add((model, fname))
        return closed

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        query = super()._search(domain, offset, limit, order)
        if self.env.su:
            return query
        closed = self._tablet_closed_fields()
        if closed:
            # In the query itself, so that limit and offset still count readable files only.
            res_model, res_field = SQL.identifier(self._table, "res_model"), SQL.identifier(self._table, "res_field")
            query.add_where(SQL(" AND ").join(
                SQL("NOT (%s IS NOT DISTINCT FROM %s AND %s IS NOT DISTINCT FROM %s)", res_model, model, res_field, fname)
                for model, fname in sorted(closed)
            ))
        return query

    def _tablet_bound(self):
        """The attachments of self that a programme record's field holds."""
        fields_by_model = {model: set(self.env[model]._tablet_attachment_fields())
                           for model in self._tablet_field_models()}
        # sudo: the binding of the files, not their content, decides what may change
        return self.sudo().filtered(lambda a: a.res_field in fields_by_model.get(a.res_model, ())).sudo(False)

    def _tablet_signed_copies(self):
        """{attachment: loan} of the files of self that are signed copies still kept: a loan's
        signed contract or signed return (R11, R15) and the drawn images of its signatures.

        Kept until the anonymisation (R29): it sets `res.partner.tablet_anonymized` on the borrower
        before it deletes every file of their loans, and a file whose loan's borrower is
        anonymised is let through. The condition is on the data, not on a context key, which any
        client could send; the anonymisation of a person is itself the programme manager's or the
        cron's. Two queries whatever the number of files."""
        if not self.ids:
            return {}
        # sudo: which files are signed copies must be known whatever the user reads
        Loan = self.env["tablet.loan"].sudo()
        kept = {}
        for loan in Loan.search(["|", ("signed_contract_id", "in", self.ids), ("signed_return_id", "in", self.ids)]):
            for attachment in loan.signed_contract_id | loan.signed_return_id:
                if attachment.id in self.ids:
                    kept[attachment.id] = loan
        images = self.sudo().filtered(lambda a: a.res_model == "tablet.loan.signature" and a.res_id)
        if images:
            signatures = self.env["tablet.loan.signature"].sudo().browse(images.mapped("res_id")).exists()
            loan_of = {s.id: s.loan_id for s in signatures}
            for image in images:
                if image.res_id in loan_of:
                    kept[image.id] = loan_of[image.res_id]
        return {self.browse(aid): loan for aid, loan in kept.items() if not loan.borrower_id.tablet_anonymized}

    def _tablet_refuse_signed_copies(self, verb):
        kept = self._tablet_signed_copies()
        if kept:
            attachment, loan = next(iter(kept.items()))
            raise UserError(_(
                "%(file)s is the signed copy of %(loan)s: it cannot be %(verb)s. The collège keeps it as "
                "it was signed until the borrower's personal data is anonymised.",
                file=attachment.sudo().name, loan=loan.display_name, verb=verb))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed_copies(self):
        self._tablet_refuse_signed_copies(_("deleted"))

    def write(self, vals):
        if vals.keys() - {"access_token"}:
            self._tablet_refuse_signed_copies(_("replaced or changed"))
        if vals.keys() & BINDING_FIELDS and not in_action(self.env):
            bound = self._tablet_bound()
            if bound:
                raise AccessError(_(
                    "File #%(id)s belongs to a field of its record: it cannot be moved to another record "
                    "or field, nor made public; remove it from the record or upload a new one.",
                    id=bound[0].id))
        return super().write(vals)
