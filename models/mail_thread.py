import threading

from markupsafe import escape

from odoo import Command, _, api, models
from odoo.exceptions import AccessError
from odoo.tools import clean_context, split_every
from odoo.tools.mail import generate_tracking_message_id

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

    def _tablet_notify_batch(self, notices):
        """Several notices at once, each as `record.message_notify(partner_ids=..., subject=...,
        body=...)` would send it: `notices` is a list of (record of self's model, partner ids,
        subject, body). The same rows as one `message_notify` per notice (a user notification,
        internal, of subtype note, on its record; its recipients' inbox notifications or e-mails,
        the e-mail laid out by Odoo's own layout for each recipient group), with one create of the
        messages, one of the e-mails and one of their notifications, and one query for all the
        recipients, whatever the number of notices. What stays per notice is Odoo's own: the
        e-mail's references (the record's earlier outgoing messages), its layout, and the inbox
        and web-push notices of recipients who read their notices in Odoo."""
        if not notices:
            return self.env["mail.message"]
        all_pids = sorted({pid for _record, pids, _subject, _body in notices for pid in pids})
        self._tablet_check_partners_readable(all_pids, _("Sending a notification"))
        self = self._fallback_lang()
        records = self.browse([record.id for record, *_rest in notices])
        author_id, email_from = self._message_compute_author(None, None, raise_on_email=True)
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        alias_domains = records._mail_get_alias_domains(default_company=self.env.company)
        companies = records._mail_get_companies(default=self.env.company)
        reply_to = records._notify_get_reply_to(default=email_from)
        vals_list = [{
            "author_id": author_id, "email_from": email_from,
            "model": self._name, "record_name": False, "res_id": record.id,
            "body": escape(body), "is_internal": True, "message_type": "user_notification",
            "subject": subject, "subtype_id": subtype_id,
            "message_id": generate_tracking_message_id("message-notify"), "partner_ids": list(pids),
            "email_add_signature": True,
            "record_alias_domain_id": alias_domains[record.id].id, "record_company_id": companies[record.id].id,
            "reply_to": reply_to[record.id],
        } for record, pids, subject, body in notices]
        messages = self._message_create(vals_list)
        # The recipients of every notice in one query (what `_notify_get_recipients` reads per message).
        data = self.env["mail.followers"]._get_recipient_data(records, "user_notification", subtype_id, all_pids)
        # As `_notify_get_recipients`: the author is not notified of their own notice.
        real_author_id = self.env.user.partner_id.id if self.env.user.active else author_id
        readable = set(all_pids) if self.env.su else set(self.env["res.partner"].with_context(
            active_test=False).search([("id", "in", all_pids)]).ids)
        SafeMail = self.env["mail.mail"].sudo().with_context(clean_context(self.env.context))
        batch_size = int(self.env["ir.config_parameter"].sudo().get_param("mail.batch_size")) or 50
        mail_values, mail_recipients = [], []
        for (record, pids, _subject, _body), message, msg_vals in zip(notices, messages, vals_list, strict=False):
            record = record.with_env(self.env)
            per_record = data.get(record.id, {})
            recipients = [per_record[pid] for pid in pids if pid in per_record and pid != real_author_id
                          and per_record[pid]["active"] is not False and pid in readable]
            for r in filter(lambda r: r["uid"], recipients):
                user = self.env["res.users"].browse(r["uid"])
                self.env.cache.insert_missing(user, user._fields["partner_id"], [r["id"]])
            if any(r["notif"] == "inbox" for r in recipients):
                record._notify_thread_by_inbox(message, recipients, msg_vals=msg_vals)
                record._notify_thread_by_web_push(message, recipients, msg_vals)
            by_email = [r for r in recipients if r["notif"] == "email"]
            if not by_email:
                continue
            base = record._notify_by_email_get_base_mail_values(message, additional_values={"auto_delete": True})
            # A notice has no tracking values: the layout need not search them message by message.
            msg_vals = dict(msg_vals, tracking_value_ids=[])
            for _lang, render_values, group in record._notify_get_classified_recipients_iterator(
                    message, by_email, msg_vals=msg_vals):
                body = record._notify_by_email_render_layout(message, group, msg_vals=msg_vals,
                                                             render_values=render_values)
                for chunk in split_every(batch_size, group.pop("recipients")):
                    mail_values.append(record._notify_by_email_get_final_mail_values(
                        chunk, base, additional_values={"body_html": body}))
                    mail_recipients.append((message, chunk))
        emails = SafeMail.create(mail_values)
        self.env["mail.notification"].sudo().with_context(clean_context(self.env.context)).create([{
            "author_id": message.author_id.id, "is_read": True, "mail_mail_id": email.id,
            "mail_message_id": message.id, "notification_status": "ready", "notification_type": "email",
            "res_partner_id": pid,
        } for email, (message, recipient_ids) in zip(emails, mail_recipients, strict=False) for pid in recipient_ids])
        # Sent after the commit as `message_notify` sends its own; past Odoo's limit, by the mail queue.
        limit = int(self.env["ir.config_parameter"].sudo().get_param("mail.mail.force.send.limit", 100))
        test_mode = getattr(threading.current_thread(), "testing", False)
        if emails and len(emails) < limit and (not self.pool._init or test_mode):
            if test_mode:
                emails.send()
            else:
                emails.send_after_commit()
        return messages

    def _notify_get_recipients(self, message, msg_vals, **kwargs):
        """Followers this user may not read are not notified of what they post."""
        recipients = super()._notify_get_recipients(message, msg_vals, **kwargs)
        if self.env.su or not recipients:
            return recipients
        ids = [r["id"] for r in recipients if r.get("id")]
        readable = set(self.env["res.partner"].with_context(active_test=False).search([("id", "in", ids)]).ids)
        return [r for r in recipients if r.get("id") in readable]
