from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import TabletLoanCase


@tagged("post_install", "-at_install")
class TestAccess(TabletLoanCase):
    """R1, R4, R29: each party sees only what its role and territory allow."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.conv_alpha = cls._convention(cls.college_alpha)
        cls.conv_beta = cls._convention(cls.college_beta)
        cls.conv_gamma = cls._convention(cls.college_gamma)

    def test_college_user_reads_only_own_college(self):
        Convention = self.env["tablet.convention"]
        for user in (self.head_alpha, self.referent_alpha, self.accountant_alpha):
            with self.subTest(user=user.login):
                self.assertEqual(Convention.with_user(user).search([]), self.conv_alpha)
                self.conv_alpha.with_user(user).read(["name", "home_use_allowed"])
                with self.assertRaises(AccessError):
                    self.conv_beta.with_user(user).read(["name"])
                with self.assertRaises(AccessError):
                    self.pupil_beta.with_user(user).read(["name"])
                with self.assertRaises(AccessError):
                    self.rep_beta.with_user(user).read(["name", "email"])
                self.pupil_alpha.with_user(user).read(["name", "school_class"])
                self.rep_alpha.with_user(user).read(["name"])

    def test_college_user_cannot_write_outside(self):
        with self.assertRaises(AccessError):
            self.conv_beta.with_user(self.head_alpha).write({"home_use_allowed": True})
        with self.assertRaises(AccessError):
            self.pupil_beta.with_user(self.head_alpha).write({"school_class": "3e Z"})
        with self.assertRaises(AccessError):
            self.env["tablet.convention"].with_user(self.head_alpha).create({
                "college_id": self.college_beta.id, "company_id": self.dept_a.id,
            })
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.head_alpha).create({
                "name": "Intrus", "school_role": "pupil", "college_id": self.college_beta.id,
            })
        self.assertFalse(self.conv_beta.home_use_allowed)
        self.assertEqual(self.pupil_beta.school_class, "3e B")
        # Inside their collège the head works normally.
        self.conv_alpha.with_user(self.head_alpha).home_use_allowed = True
        self.assertTrue(self.conv_alpha.home_use_allowed)

    def test_referent_reads_conventions_but_cannot_change_them(self):
        with self.assertRaises(AccessError):
            self.conv_alpha.with_user(self.referent_alpha).write({"home_use_allowed": True})

    def test_head_creates_pupil_in_own_college_through_form(self):
        form = Form(self.env["res.partner"].with_user(self.head_alpha))
        form.name = "Nouvel Élève"
        form.school_role = "pupil"
        form.college_id = self.college_alpha
        form.grade_level = "5e"
        form.school_class = "5e A"
        pupil = form.save()
        self.assertEqual(pupil.company_id, self.dept_a)

    def test_academy_sees_its_academy_only(self):
        Convention = self.env["tablet.convention"].with_user(self.academy_user)
        self.assertEqual(Convention.search([]), self.conv_alpha)
        with self.assertRaises(AccessError):
            self.conv_beta.with_user(self.academy_user).read(["name"])
        self.pupil_alpha.with_user(self.academy_user).read(["name"])
        with self.assertRaises(AccessError):
            self.pupil_beta.with_user(self.academy_user).read(["name"])
        colleges = self.env["res.partner"].with_user(self.academy_user).search([("is_college", "=", True)])
        self.assertIn(self.college_alpha, colleges)
        self.assertNotIn(self.college_beta, colleges)

    def test_departements_are_separated(self):
        """Multi-company: a second Département sees nothing of the first."""
        Convention = self.env["tablet.convention"]
        self.assertEqual(Convention.with_user(self.manager_a).search([]) & (self.conv_alpha | self.conv_beta | self.conv_gamma),
                         self.conv_alpha | self.conv_beta)
        self.assertEqual(Convention.with_user(self.manager_b).search([]), self.conv_gamma)
        with self.assertRaises(AccessError):
            self.conv_alpha.with_user(self.manager_b).read(["name"])
        with self.assertRaises(AccessError):
            self.pupil_alpha.with_user(self.manager_b).read(["name"])
        self.assertEqual(Convention.with_user(self.officer_a).search([("college_id", "=", self.college_beta.id)]),
                         self.conv_beta)
        with self.assertRaises(AccessError):
            self.conv_beta.with_user(self.officer_a).write({"home_use_allowed": True})

    def test_supplier_sees_no_personal_data(self):
        """R29: the supplier's warranty desk never sees pupils or families."""
        with self.assertRaises(AccessError):
            self.pupil_alpha.with_user(self.supplier_user).read(["name"])
        with self.assertRaises(AccessError):
            self.rep_alpha.with_user(self.supplier_user).read(["name"])
        with self.assertRaises(AccessError):
            self.env["tablet.convention"].with_user(self.supplier_user).search([])
        found = self.env["res.partner"].with_user(self.supplier_user).search([("school_role", "!=", False)])
        self.assertFalse(found - self.env.user.search([]).partner_id,
                         "only partners of internal users, never pupils or families")

    def test_new_college_assignment_applies_at_once(self):
        self.head_alpha.tablet_college_ids = [Command.link(self.college_beta.id)]
        self.conv_beta.with_user(self.head_alpha).read(["name"])
        self.head_alpha.tablet_college_ids = [Command.unlink(self.college_beta.id)]
        with self.assertRaises(AccessError):
            self.conv_beta.with_user(self.head_alpha).read(["name"])

    def test_following_a_tablet_opens_no_door(self):
        """maintenance lets every user read the equipment they follow; a global rule keeps
        académie, collège and supplier users inside their scope all the same (R1, R29)."""
        tablet_beta = self._tablets(self.college_beta, 1)
        for user in (self.referent_alpha, self.academy_user, self.supplier_user):
            tablet_beta.message_subscribe(partner_ids=user.partner_id.ids)
            with self.assertRaises(AccessError, msg=user.login):
                tablet_beta.with_user(user).read(["name"])
            self.assertFalse(self.env["maintenance.equipment"].with_user(user).search([("id", "=", tablet_beta.id)]))
        # A Département user keeps Odoo's usual rules, and equipment that is no tablet is not ours to hide.
        tablet_beta.with_user(self.officer_a).read(["name"])
        printer = self.env["maintenance.equipment"].create({"name": "Imprimante du CDI", "company_id": self.dept_a.id})
        printer.message_subscribe(partner_ids=self.referent_alpha.partner_id.ids)
        printer.with_user(self.referent_alpha).read(["name"])

    def test_scope_follows_the_user_groups(self):
        """The global rules key on the user's groups: a head who is made Département officer is
        no longer restricted; an académie officer's scope is their académie's collèges."""
        self.assertTrue(self.head_alpha.tablet_restricted)
        self.assertEqual(self.head_alpha.tablet_scope_college_ids, self.college_alpha)
        self.assertEqual(self.academy_user.tablet_scope_college_ids, self.college_alpha)
        self.assertFalse(self.manager_a.tablet_restricted)
        self.assertFalse(self.env.ref("base.user_admin").tablet_restricted)
        tablet_beta = self._tablets(self.college_beta, 1)
        with self.assertRaises(AccessError):
            tablet_beta.with_user(self.head_alpha).read(["name"])
        self.head_alpha.groups_id = [Command.link(self.env.ref("tablet_loan.group_department_officer").id)]
        self.env.registry.clear_cache()
        self.assertFalse(self.head_alpha.tablet_restricted)
        tablet_beta.with_user(self.head_alpha).read(["name"])
