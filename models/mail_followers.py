from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL


class MailFollowers(models.Model):
    """A follower row shows a person's name and e-mail (related fields, read as superuser):
    it is read only by those who may read both the followed record and the person (R4, R29).

    Odoo lets every internal user read every follower of every record: a supplier agent would
    read the families following their invoices. Like `ir.attachment`, the rows the user may
    not read are filtered out of `_search`, which `read`, `search` and the chatter go through.
    """

    _inherit = "mail.followers"

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        query = super()._search(domain, offset, limit, order)
        if self.env.su:
            return query
        rows = self.env.execute_query(query.select(
            SQL.identifier(self._table, "id"), SQL.identifier(self._table, "res_model"),
            SQL.identifier(self._table, "res_id"), SQL.identifier(self._table, "partner_id"),
        ))
        if not rows:
            return query
        documents = defaultdict(set)
        for _id, res_model, res_id, _partner in rows:
            documents[res_model].add(res_id)
        readable = set()
        for res_model, res_ids in documents.items():
            if res_model not in self.env or not self.env[res_model].has_access("read"):
                continue
            found = self.env[res_model].with_context(active_test=False).search([("id", "in", list(res_ids))])
            readable.update((res_model, res_id) for res_id in found.ids)
        partners = set(self.env["res.partner"].with_context(active_test=False).search(
            [("id", "in", list({row[3] for row in rows}))]).ids)
        kept = [id_ for id_, res_model, res_id, partner in rows
                if (res_model, res_id) in readable and partner in partners]
        return self.browse(kept)._as_query()  # the result is known: the query is not run again
