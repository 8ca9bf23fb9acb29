"""R2 (issue 18 item 4; I 2.2, B 3.3): the convention's référents are users of the collège, and
the référent group and the collège's scope follow the signed convention naming them."""
from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import TabletLoanCase, execute_kw

REFERENT = "tablet_loan.group_college_referent"
HEAD = "tablet_loan.group_college_head"


@tagged("post_install", "-at_install")
class TestConventionReferents(TabletLoanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tablets = cls._tablets(cls.college_alpha, 1)
        cls.convention, _list = cls._deployable(cls.college_alpha, [cls.pupil_alpha])
        cls.convention.user_id = cls.manager_a
        cls.loan = cls._loan(cls.pupil_alpha, cls.tablets[0])
        cls.loan.action_activate()
        cls.teacher_user = cls._staff_user("t_ref_teacher_alpha", cls.college_alpha, "Professeure Alpha")
        cls.teacher_beta = cls._staff_user("t_ref_teacher_beta", cls.college_beta, "Professeur Beta")

    @classmethod
    def _staff_user(cls, login, college, name, groups="base.group_user"):
        """A member of the collège's staff with an internal account and no programme role."""
        user = new_test_user(cls.env, login=login, groups=groups, name=name, company_id=college.company_id.id,
                             company_ids=[Command.set(college.company_id.ids)])
        user.partner_id.write({"college_id": college.id, "school_role": "teacher"})
        return user

    def _reads_loan(self, user):
        try:
            self.loan.with_user(user).read(["state"])
        except AccessError:
            return False
        return True

    def _name(self, user, partners, convention=None):
        (convention or self.convention).with_user(user).write({"referent_ids": [Command.set(partners.ids)]})

    def test_naming_gives_the_group_and_the_college_and_removing_takes_them(self):
        """The head names a user of the collège on the signed convention: the référent group and
        the collège come with it (the loans of the collège are read); removed, both go."""
        user = self.teacher_user
        self.assertFalse(self._reads_loan(user))
        with self.assertRaises(AccessError):
            self.loan.with_user(user).read(["state"])
        self._name(self.head_alpha, user.partner_id)
        self.assertTrue(user.has_group(REFERENT))
        self.assertEqual(user.tablet_college_ids, self.college_alpha)
        self.assertTrue(self._reads_loan(user))
        self.assertEqual(self.loan.with_user(user).equipment_id, self.tablets[0])
        # The programme manager removes the référent: the group and the collège are taken back.
        self._name(self.manager_a, user.partner_id.browse())
        self.assertFalse(user.has_group(REFERENT))
        self.assertFalse(user.tablet_college_ids)
        with self.assertRaises(AccessError):
            self.loan.with_user(user).read(["state"])

    def test_change_is_posted_to_the_departement(self):
        """R2: the Département's follow-up user is told of every change, as before."""
        self._name(self.head_alpha, self.teacher_user.partner_id)
        message = self.convention.message_ids[0]
        self.assertIn("Professeure Alpha", message.body)
        self.assertIn(self.manager_a.partner_id, message.partner_ids)

    def test_only_users_of_the_college_are_named(self):
        """Someone of another collège, a person without a user, an archived account and a
        Département user are refused, the person named; nothing changes."""
        officer = self.officer_a
        officer.partner_id.write({"college_id": self.college_alpha.id, "school_role": "staff"})
        archived = self._staff_user("t_ref_archived_alpha", self.college_alpha, "Ancienne Alpha")
        archived.active = False
        for partner, name in ((self.teacher_beta.partner_id, "Professeur Beta"), (self.teacher_alpha, "Prof Alpha"),
                              (archived.partner_id, "Ancienne Alpha"), (officer.partner_id, officer.name)):
            with self.subTest(name=name), self.assertRaises(ValidationError) as err:
                self._name(self.head_alpha, partner)
            self.assertIn(name, str(err.exception))
        self.assertFalse(self.convention.referent_ids)
        self.assertFalse(self.teacher_beta.has_group(REFERENT))
        self.assertFalse(self.teacher_beta.tablet_college_ids)
        academy = self._staff_user("t_ref_academy_alpha", self.college_alpha, "Agent Académie Alpha",
                                   groups="tablet_loan.group_academy_officer")
        supplier = self._staff_user("t_ref_supplier_alpha", self.college_alpha, "Agent Fournisseur Alpha",
                                    groups="tablet_loan.group_supplier_agent")
        for user in (academy, supplier):
            with self.subTest(user=user.login), self.assertRaises(ValidationError) as err:
                self._name(self.manager_a, user.partner_id)
            self.assertRegex(str(err.exception), "role|rôle")

    def test_who_may_change_the_referents(self):
        """The head and the programme manager change the référents; a référent, the accountant,
        the Département's officer, the Académie and a supplier are refused."""
        for user in (self.referent_alpha, self.accountant_alpha, self.officer_a, self.academy_user,
                     self.supplier_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._name(user, self.teacher_user.partner_id)
        self.assertFalse(self.convention.referent_ids)
        self.assertFalse(self.teacher_user.has_group(REFERENT))

    def test_draft_names_nobody_until_signed_and_expiry_takes_back(self):
        """A draft's référents get nothing; the signature gives them the group, the expiry takes
        it back (no other signed convention names them)."""
        draft = self._convention(self.college_beta, referent_ids=[Command.set(self.teacher_beta.partner_id.ids)])
        self.assertFalse(self.teacher_beta.has_group(REFERENT))
        self.assertFalse(self.teacher_beta.tablet_college_ids)
        draft.with_user(self.manager_a).action_sign()
        self.assertTrue(self.teacher_beta.has_group(REFERENT))
        self.assertEqual(self.teacher_beta.tablet_college_ids, self.college_beta)
        draft.with_user(self.manager_a).action_expire()
        self.assertFalse(self.teacher_beta.has_group(REFERENT))
        self.assertFalse(self.teacher_beta.tablet_college_ids)

    def test_a_head_named_referent_stays_head(self):
        """A head who is also a référent keeps the head role and the collège once removed."""
        self.head_alpha.partner_id.write({"college_id": self.college_alpha.id, "school_role": "head"})
        self._name(self.head_alpha, self.head_alpha.partner_id | self.teacher_user.partner_id)
        self._name(self.head_alpha, self.teacher_user.partner_id)
        self.assertTrue(self.head_alpha.has_group(HEAD))
        self.assertEqual(self.head_alpha.tablet_college_ids, self.college_alpha)
        self.assertTrue(self._reads_loan(self.head_alpha))
        self.assertTrue(self.teacher_user.has_group(REFERENT), "still named")


@tagged("post_install", "-at_install")
class TestConventionReferentsRpc(HttpCase):
    """Over JSON-RPC as the demo users: who changes the Lac Bleu convention's référents."""

    def setUp(self):
        super().setUp()
        if not self.env.ref("tablet_loan.user_referent", raise_if_not_found=False):
            self.skipTest("the demo users are needed (database without demo data)")
        self.convention = self.env.ref("tablet_loan.demo_convention_lac_bleu")
        self.users = {login: self.env.ref(f"tablet_loan.user_{login}")
                      for login in ("head", "referent", "accountant", "academy", "supplier")}

    def _set(self, login, partners):
        return execute_kw(self, self.users[login], "tablet.convention", "write",
                          [[self.convention.id], {"referent_ids": [[6, 0, partners.ids]]}])

    def test_demo_referents_hold_the_group_through_their_convention(self):
        for xmlid, college in (("user_referent", "demo_college_lac_bleu"),
                               ("user_referent_trois_sources", "demo_college_trois_sources")):
            user = self.env.ref(f"tablet_loan.{xmlid}")
            with self.subTest(user=user.login):
                self.assertTrue(user.has_group(REFERENT))
                self.assertIn(self.env.ref(f"tablet_loan.{college}"), user.tablet_college_ids)
                self.assertTrue(self.env["tablet.convention"].search_count([
                    ("college_id", "=", self.env.ref(f"tablet_loan.{college}").id), ("state", "=", "signed"),
                    ("referent_ids", "in", user.partner_id.ids)]))

    def test_referent_changes_over_json_rpc(self):
        before = self.convention.referent_ids
        accountant = self.users["accountant"]
        for login in ("referent", "accountant", "academy", "supplier"):
            name, _message = self._set(login, before | accountant.partner_id)
            self.assertEqual(name, "odoo.exceptions.AccessError", login)
        self.env.invalidate_all()
        self.assertEqual(self.convention.referent_ids, before)
        self.assertFalse(accountant.has_group(REFERENT))
        # The head names the collège's accountant: a member of its staff with an account.
        self.assertEqual(self._set("head", before | accountant.partner_id), ("ok", True))
        self.env.invalidate_all()
        self.assertEqual(self.convention.referent_ids, before | accountant.partner_id)
        self.assertTrue(accountant.has_group(REFERENT))
