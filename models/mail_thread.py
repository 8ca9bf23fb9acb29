from odoo import _, api, models
from odoo.exceptions import AccessError


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
        self._tablet_check_partners_readable(partner_ids, _("Adding followers"))
        return super().message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids)

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
