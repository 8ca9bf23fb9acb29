from odoo import Command, _, api, models
from odoo.exceptions import AccessError

# Context of the module's batch code once it has made the assignees of the activities it creates
# follow their records in one statement (`_tablet_follow`): `mail.activity.create` then does not
# subscribe them again one assignee at a time. An object, compared with `is`: no client sends it.
_FOLLOWERS_DONE = object()
FOLLOWERS_KEY = "tablet_followers_done"


class MailThread(models.AbstractModel):
    """Following a record and posting on it never reach people outside the user's scope
    (R4: the collège is the families' sole contact; R29).

    Odoo lets a user who may write a record add any partner id as its follower (then read
    their name and e-mail on `mail.followers`) and post to any partner id (an e-mail leaves).
    Here the partners must be ones the user may read, and a message posted by a user does
    not notify followers they may not read.
    """

    _inherit = "mail.thread"

    @api.model
    def _tablet_check_partners_readable(self, partner_ids, action):
        """Refuse `action` with partners this user may not read (superuser code is trusted)."""
        if self.env.su or not partner_ids:
            return
        ids = {pid for pid in partner_ids if pid != self.env.user.partner_id.id}
        if not ids:
            return
        readable = self.env["res.partner"].with_context(active_test=False).search_count([("id", "in", list(ids))])
        if readable != len(ids):
            raise AccessError(_(
                "%(action)s: %(count)s of these people are outside your scope (you may not read them); "
                "only people you may read can follow a record or receive its messages.",
                action=action, count=len(ids) - readable))

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        if self.env.context.get(FOLLOWERS_KEY) is _FOLLOWERS_DONE and not subtype_ids:
            return True
        self._tablet_check_partners_readable(partner_ids, _("Adding followers"))
        return super().message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids)

    def _tablet_follow(self, partner_of):
        """{record id: partner id}: each partner follows the record as `message_subscribe` makes
        them (the same access check, active partners only, the default subtypes or the external
        ones for a portal partner, those already following left as they are), in one search and
        one create whatever the number of records. Returns the context under which
        `mail.activity.create` does not subscribe them again one assignee at a time."""
        if not partner_of:
            return {}
        partner_ids = list(set(partner_of.values()))
        self._tablet_check_partners_readable(partner_ids, _("Adding followers"))
        adding_current = set(partner_ids) == {self.env.user.partner_id.id}
        self.browse(list(partner_of)).check_access("read" if adding_current else "write")
        partners = self.env["res.partner"].sudo().browse(partner_ids)
        if not adding_current:
            partners = partners.search([("id", "in", partner_ids), ("active", "=", True)])
        customers = set() if adding_current else set(partners.filtered("partner_share").ids)
        Followers = self.env["mail.followers"].sudo()
        existing = {(f.res_id, f.partner_id.id) for f in Followers.search([
            ("res_model", "=", self._name), ("res_id", "in", list(partner_of)), ("partner_id", "in", partners.ids)])}
        default, _internal, external = self.env["mail.message.subtype"].default_subtypes(self._name)
        Followers.create([{
            "res_model": self._name, "res_id": res_id, "partner_id": partner_id,
            "subtype_ids": [Command.set((external if partner_id in customers else default).ids)],
        } for res_id, partner_id in partner_of.items() if partner_id in partners.ids and (res_id, partner_id) not in existing])
        return {FOLLOWERS_KEY: _FOLLOWERS_DONE}

    def message_post(self, **kwargs):
        self._tablet_check_partners_readable(kwargs.get("partner_ids"), _("Sending a message"))
        return super().message_post(**kwargs)

    def message_notify(self, **kwargs):
        self._tablet_check_partners_readable(kwargs.get("partner_ids"), _("Sending a notification"))
        return super().message_notify(**kwargs)

    def _notify_get_recipients(self, message, msg_vals, **kwargs):
        """Followers this user may not read are not notified of what they post."""
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        if self.env.su or not recipients:
            return recipients
        ids = [r["id"] for r in recipients if r.get("id")]
        readable = set(self.env["res.partner"].with_context(active_test=False).search([("id", "in", ids)]).ids)
        return [r for r in recipients if r.get("id") in readable]
