from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import TabletLoanCase


@tagged("post_install", "-at_install")
class TestUserList(TabletLoanCase):
    """R3 (B 4): the head sets the nominative list, the Académie validates it."""

    def _list(self, user):
        form = Form(self.env["tablet.user.list"].with_user(user))
        form.college_id = self.college_alpha
        form.school_year = "2026-2027"
        return form.save()

    def test_head_submits_academy_validates(self):
        user_list = self._list(self.referent_alpha)
        user_list.action_fill_from_college()
        self.assertEqual(user_list.line_ids.partner_id, self.pupil_alpha | self.teacher_alpha)
        with self.assertRaises(AccessError):
            user_list.action_submit()  # the référent prepares, only the head submits
        user_list.with_user(self.head_alpha).action_submit()
        self.assertEqual(user_list.state, "submitted")
        with self.assertRaises(UserError):
            user_list.with_user(self.head_alpha).write({"line_ids": [Command.clear()]})
        with self.assertRaises(AccessError):
            user_list.with_user(self.head_alpha).action_validate()
        academy_list = user_list.with_user(self.academy_user)
        academy_list.action_validate()
        self.assertEqual(user_list.state, "validated")
        self.assertTrue(user_list.validated_date)
        with self.assertRaises(UserError):
            user_list.with_user(self.head_alpha).unlink()

    def test_academy_sends_back_with_reason(self):
        user_list = self._list(self.head_alpha)
        user_list.line_ids = [Command.create({"partner_id": self.pupil_alpha.id})]
        user_list.action_submit()
        academy_list = user_list.with_user(self.academy_user)
        with self.assertRaises(UserError) as err:
            academy_list.action_send_back()
        self.assertIn(user_list.name, str(err.exception))
        self.assertEqual(user_list.state, "submitted")
        academy_list.return_reason = "Il manque les enseignants."
        academy_list.action_send_back()
        self.assertEqual(user_list.state, "returned")
        user_list.with_user(self.head_alpha).action_fill_from_college()
        user_list.with_user(self.head_alpha).action_submit()
        self.assertEqual(user_list.state, "submitted")

    def test_list_of_another_college_or_academy_is_hidden(self):
        other = self.env["tablet.user.list"].create({"college_id": self.college_beta.id, "school_year": "2026-2027"})
        with self.assertRaises(AccessError):
            other.with_user(self.head_alpha).read(["name"])
        with self.assertRaises(AccessError):
            other.with_user(self.academy_user).read(["name"])

    def test_person_of_another_college_refused(self):
        user_list = self.env["tablet.user.list"].browse(self._list(self.head_alpha).id)
        with self.assertRaises(ValidationError):
            user_list.line_ids = [Command.create({"partner_id": self.pupil_beta.id})]
        self.assertFalse(user_list.line_ids)
