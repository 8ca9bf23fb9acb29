from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import TabletLoanCase, execute_kw


@tagged("post_install", "-at_install")
class TestCollegeOverview(TabletLoanCase, HttpCase):
    """Issue 19: the Département's headline figures per collège, read as each role may."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pupil_two, _rep = cls._pupil_with_representative("Deux", cls.college_alpha, "5e", "5e A")
        # Five pupils arrive: more people to equip than tablets held.
        cls.newcomers = cls.env["res.partner"].create([{
            "name": f"Élève Nouveau {i}", "school_role": "pupil", "college_id": cls.college_alpha.id,
            "grade_level": "6e", "school_class": "6e A"} for i in range(5)])
        cls._deployable(cls.college_alpha, cls.pupil_alpha + cls.pupil_two + cls.teacher_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 4)
        cls.loan = cls._loan(cls.pupil_alpha, cls.tablets[0])
        cls.loan.action_activate()
        cls.loan.write({"signed_by_id": cls.rep_alpha.id, "signed_date": date(2026, 9, 2)})
        cls._loan(cls.pupil_two, cls.tablets[1]).action_activate()
        cls.Overview = cls.env["tablet.college.overview"]

    def test_figures_of_a_college(self):
        self.env.flush_all()
        alpha = self.Overview.browse(self.college_alpha.id)
        self.assertEqual(alpha.convention_state, "signed")
        self.assertEqual((alpha.loan_count, alpha.signed_count, alpha.unsigned_count), (2, 1, 1))
        # Needed: seven pupils and a teacher; held: two lent and two in stock (R8, the needs and
        # fleet report's own figures, summed).
        self.assertEqual((alpha.needed_count, alpha.held_count, alpha.missing_count), (8, 4, 4))
        needs = self.env["tablet.fleet.need"].search([("college_id", "=", self.college_alpha.id)])
        self.assertEqual(alpha.needed_count, sum(needs.mapped("needed_count")))
        self.assertEqual(alpha.held_count, sum(needs.mapped("held_count")))
        self.assertIn(alpha, self.Overview.search([("missing_count", ">", 0)]))
        beta = self.Overview.browse(self.college_beta.id)
        self.assertEqual(beta.convention_state, "none")
        self.assertEqual((beta.needed_count, beta.missing_count), (0, 0), "no convention yet: no need counted")
        # The whole Département, as the list's totals and the graph read it.
        totals = self.Overview.with_user(self.manager_a).read_group(
            [], ["needed_count:sum", "missing_count:sum"], [])[0]
        self.assertEqual((totals["needed_count"], totals["missing_count"]), (8, 4))

    def test_each_role_reads_its_colleges_only(self):
        self.env.flush_all()
        ids = (self.college_alpha | self.college_beta | self.college_gamma).ids
        seen = lambda user: set(self.Overview.with_user(user).search([("id", "in", ids)]).ids)  # noqa: E731
        self.assertEqual(seen(self.manager_a), {self.college_alpha.id, self.college_beta.id})
        self.assertEqual(seen(self.manager_b), {self.college_gamma.id})
        self.assertEqual(seen(self.academy_user), {self.college_alpha.id})
        self.assertEqual(seen(self.head_alpha), {self.college_alpha.id})
        for user in (self.referent_alpha, self.accountant_alpha, self.supplier_user):
            with self.assertRaises(AccessError):
                self.Overview.with_user(user).search([])
        # Under the Isère model the Académie is not a party: the collège leaves its overview.
        isere = self.env.ref("tablet_loan.tablet_convention_model_isere")
        self._convention(self.college_alpha, model_id=isere.id, date_signed_academy=False, signed=date(2026, 2, 1))
        self.env["tablet.convention"].search([("college_id", "=", self.college_alpha.id),
                                              ("state", "=", "signed")]).write({"state": "expired"})
        self.env.flush_all()
        self.assertEqual(seen(self.academy_user), set())

    def test_nobody_writes_it_over_json_rpc(self):
        manager = self.env.ref("tablet_loan.user_dept_manager")
        college = self.env.ref("tablet_loan.demo_college_lac_bleu")
        status, result = execute_kw(self, manager, "tablet.college.overview", "read",
                                    [college.ids, ["loan_count", "missing_count"]])
        self.assertEqual(status, "ok")
        self.assertEqual(result[0]["loan_count"], self.env["tablet.college.overview"].browse(college.id).loan_count)
        status, _message = execute_kw(self, manager, "tablet.college.overview", "write",
                                      [college.ids, {"loan_count": 0}])
        self.assertIn("AccessError", status)
        referent = self.env.ref("tablet_loan.user_referent")
        status, _message = execute_kw(self, referent, "tablet.college.overview", "search_read", [[]],
                                      {"fields": ["loan_count"]})
        self.assertIn("AccessError", status)

    def test_department_today_opens_the_overview(self):
        home = self.env["tablet.today"].with_user(self.manager_a).get_today()
        cards = {card["key"]: card["count"] for section in home["sections"] for card in section["cards"]}
        self.assertEqual(cards["colleges_missing_tablets"], 1, "Alpha lacks four tablets")
        self.assertEqual(cards["colleges_convention_to_sign"], 1)
        action = self.env["tablet.today"].with_user(self.manager_a).action_open_card("colleges_missing_tablets")
        self.assertEqual(action["res_model"], "tablet.college.overview")
        self.assertEqual(action["context"]["search_default_filter_missing"], 1)
