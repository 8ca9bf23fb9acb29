import logging
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import TabletLoanCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestDeployment(TabletLoanCase):
    """Rentrée deployment (R3, R9, R11): a class in one batch, a constant number of queries."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.class_30 = Partner.create([{
            "name": f"Élève Q{i:03d}", "school_role": "pupil", "college_id": cls.college_alpha.id,
            "grade_level": "5e", "school_class": "5e Q"} for i in range(30)])
        cls.class_300 = Partner.create([{
            "name": f"Élève R{i:03d}", "school_role": "pupil", "college_id": cls.college_alpha.id,
            "grade_level": "5e", "school_class": "5e R"} for i in range(300)])
        cls.class_small = Partner.create([{
            "name": f"Élève S{i}", "school_role": "pupil", "college_id": cls.college_alpha.id,
            "grade_level": "5e", "school_class": "5e S"} for i in range(3)])
        cls.convention, cls.user_list = cls._deployable(
            cls.college_alpha, cls.class_30 | cls.class_300 | cls.class_small | cls.teacher_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 340)

    def _wizard(self, user, **values):
        form = Form(self.env["tablet.deployment.wizard"].with_user(user))
        form.college_id = self.college_alpha
        form.school_year = "2026-2027"
        form.date_start = date(2026, 9, 1)
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    def test_referent_deploys_a_class(self):
        wizard = self._wizard(self.referent_alpha, school_class="5e S")
        self.assertEqual(wizard.borrower_count, 3)
        self.assertEqual(wizard.stock_count, 340)
        action = wizard.action_deploy()
        loans = self.env["tablet.loan"].search(action["domain"])
        self.assertEqual(loans.borrower_id, self.class_small)
        self.assertEqual(set(loans.mapped("state")), {"active"})
        self.assertEqual(set(loans.equipment_id.mapped("tablet_state")), {"assigned"})
        self.assertEqual(loans.equipment_id, self.tablets.sorted("serial_no")[:3], "stock taken in serial order")
        self.assertTrue(all(loans.mapped("cover_delivered")))
        self.assertFalse(any(loans.mapped("home_use_allowed")), "not signed yet (R12)")
        self.assertEqual(set(loans.mapped("school_class")), {"5e S"})
        self.assertIn("3", self.user_list.message_ids[0].body)
        # Deploying the same class again equips nobody twice.
        with self.assertRaises(UserError):
            self._wizard(self.referent_alpha, school_class="5e S").action_deploy()

    def test_scanned_serials(self):
        serials = self.tablets[10:13].mapped("serial_no")
        wizard = self._wizard(self.referent_alpha, school_class="5e S", assignment="scan",
                              scanned_serials="\n".join(reversed(serials)))
        wizard.action_deploy()
        loans = self.env["tablet.loan"].search([("borrower_id", "in", self.class_small.ids)])
        pupil_first = self.class_small.sorted("name")[0]
        self.assertEqual(loans.filtered(lambda l: l.borrower_id == pupil_first).serial_no, serials[-1],
                         "the first scan goes to the first pupil by name")

    def test_bad_scans_change_nothing(self):
        wizard = self._wizard(self.referent_alpha, school_class="5e S", assignment="scan",
                              scanned_serials=f"{self.tablets[0].serial_no}\n{self.tablets[0].serial_no}\nNOPE-1")
        with self.assertRaises(UserError) as err:
            wizard.action_deploy()
        self.assertIn("NOPE-1", str(err.exception))
        self.assertIn(self.tablets[0].serial_no, str(err.exception))
        self.assertFalse(self.env["tablet.loan"].search_count([("borrower_id", "in", self.class_small.ids)]))
        self.assertEqual(self.tablets[0].tablet_state, "stock")

    def test_pupils_not_on_the_validated_list(self):
        """R3: every pupil of the class must be on the validated list, or nobody is equipped."""
        newcomer = self.env["res.partner"].create({"name": "Élève Arrivé", "school_role": "pupil",
                                                   "college_id": self.college_alpha.id, "school_class": "5e S"})
        with self.assertRaises(UserError) as err:
            self._wizard(self.referent_alpha, school_class="5e S").action_deploy()
        self.assertIn(newcomer.name, str(err.exception))
        self.assertFalse(self.env["tablet.loan"].search_count([("borrower_id", "in", self.class_small.ids)]))

    def test_not_enough_stock_and_teachers_first(self):
        with self.assertRaises(UserError) as err:
            self._wizard(self.referent_alpha, school_class="5e R", assignment="scan",
                         scanned_serials=self.tablets[0].serial_no).action_deploy()
        self.assertIn("300", str(err.exception))
        with self.assertRaises(UserError) as err:
            self._wizard(self.referent_alpha, school_class="5e S", date_start=date(2026, 8, 21)).action_deploy()
        self.assertRegex(str(err.exception), "deployment date|date de déploiement")  # R9

    def test_other_roles(self):
        with self.assertRaises(AccessError):
            self.env["tablet.deployment.wizard"].with_user(self.academy_user).create({
                "college_id": self.college_alpha.id, "school_class": "5e S"})
        other = self.env["res.users"].create({
            "name": "Référent Beta", "login": "t_ref_beta_deploy", "company_id": self.dept_a.id,
            "company_ids": [Command.set(self.dept_a.ids)], "tablet_college_ids": [Command.set(self.college_beta.ids)],
            "groups_id": [Command.set(self.env.ref("tablet_loan.group_college_referent").ids)],
        })
        wizard = self.env["tablet.deployment.wizard"].with_user(other).create({
            "college_id": self.college_alpha.id, "school_year": "2026-2027", "school_class": "5e S",
            "date_start": date(2026, 9, 1)})
        with self.assertRaises(UserError):  # AccessError is a UserError
            wizard.action_deploy()
        self.assertFalse(self.env["tablet.loan"].search_count([("borrower_id", "in", self.class_small.ids)]))

    def _queries_to_deploy(self, school_class):
        wizard = self._wizard(self.referent_alpha, school_class=school_class)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        wizard.action_deploy()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_query_count_does_not_grow_with_the_class(self):
        self._queries_to_deploy("5e S")  # first call fills Odoo's caches (rules, subtypes, views)
        queries_30 = self._queries_to_deploy("5e Q")
        queries_300 = self._queries_to_deploy("5e R")
        self.assertEqual(self.env["tablet.loan"].search_count([("school_class", "in", ("5e Q", "5e R"))]), 330)
        _logger.info("Rentrée deployment: %s SQL queries for 30 pupils, %s for 300", queries_30, queries_300)
        self.assertEqual(queries_30, queries_300, f"30 pupils: {queries_30} queries, 300 pupils: {queries_300}")
        self.assertLess(queries_300, 60)
