from odoo import _, models


class MailComposeMessage(models.TransientModel):
    """The composer's mass-mail mode writes e-mails without `message_post`: its recipients,
    too, are people the user may read (R4, R29; see mail_thread.py)."""

    _inherit = "mail.compose.message"

    def _action_send_mail(self, auto_commit=False):
        for composer in self:
            # sudo: reading the many2many as the user would hide the very partners looked for
            self.env["mail.thread"]._tablet_check_partners_readable(
                composer.sudo().partner_ids.ids, _("Sending e-mails"))
        return super()._action_send_mail(auto_commit=auto_commit)
