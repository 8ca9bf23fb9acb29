import logging
from datetime import date, datetime, timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import TabletLoanCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestToday(TabletLoanCase):
    """Each role's home (menu Today) counts its work of the day as the user, under the
    user's record rules, with the filters of the list each counter opens."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pupil_two, cls.rep_two = cls._pupil_with_representative("Deux", cls.college_alpha, "5e", "5e A")
        cls.pupil_three, _rep = cls._pupil_with_representative("Trois", cls.college_alpha, "5e", "5e A")
        cls.more_pupils = cls.env["res.partner"]
        for i in range(3):
            cls.more_pupils |= cls._pupil_with_representative(f"Plus {i}", cls.college_alpha, "5e", "5e A")[0]
        cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.pupil_two | cls.pupil_three | cls.more_pupils)
        cls._deployable(cls.college_beta, cls.pupil_beta)
        cls.tablets = cls._tablets(cls.college_alpha, 6)
        cls.loan_left = cls._loan(cls.pupil_alpha, cls.tablets[0])
        cls.loan_signed = cls._loan(cls.pupil_two, cls.tablets[1], signed_by_id=cls.rep_two.id,
                                    signed_date=date(2026, 9, 1))
        cls.loan_three = cls._loan(cls.pupil_three, cls.tablets[2])
        cls.loan_beta = cls._loan(cls.pupil_beta, cls._tablets(cls.college_beta, 1))
        (cls.loan_left | cls.loan_signed | cls.loan_three | cls.loan_beta).action_activate()
        # R14: the pupil of Alpha and the pupil of Beta left in October without returning their tablet.
        (cls.loan_left | cls.loan_beta).write({"date_end": date(2026, 10, 1)})
        now = datetime.now().replace(microsecond=0)
        Incident = cls.env["tablet.incident"]
        cls.late = Incident.create({"incident_type": "breakage", "loan_id": cls.loan_signed.id,
                                    "event_datetime": now - timedelta(days=4), "declaration_datetime": now})
        cls.loss = Incident.create({"incident_type": "loss", "loan_id": cls.loan_three.id,
                                    "event_datetime": now - timedelta(hours=5), "declaration_datetime": now})

    def _home(self, user):
        return {section["key"]: {card["key"]: card["count"] for card in section["cards"]}
                for section in self.env["tablet.today"].with_user(user).get_today()["sections"]}

    def test_referent_lands_on_todays_work(self):
        """Overdue returns (R14), late declarations (R18), unsigned contracts (R11) of their collège only."""
        home = self._home(self.referent_alpha)
        self.assertEqual(list(home), ["college"], "a référent has no decision, charge or fleet counter")
        college = home["college"]
        self.assertEqual(college["overdue_returns"], 1, "Beta's pupil is not Alpha's work")
        self.assertEqual(college["late_declarations"], 1)
        self.assertEqual(college["unsigned_contracts"], 2, "the pupil who left and the one who lost the tablet")
        self.assertEqual(college["incidents_to_validate"], 2)
        # The same numbers the rules of the programme give, as the référent sees the records.
        Loan = self.env["tablet.loan"].with_user(self.referent_alpha)
        self.assertEqual(college["overdue_returns"], Loan.search_count([("is_overdue", "=", True)]))
        self.assertEqual(college["unsigned_contracts"], Loan.search_count(
            [("signed_date", "=", False), ("state", "in", ("draft", "active", "custody"))]))
        self.loss.with_user(self.referent_alpha).action_validate()
        self.assertEqual(self._home(self.referent_alpha)["college"]["incidents_to_validate"], 1)

    def test_head_also_decides(self):
        """R23: the head sees the référent's counters and the replacements waiting for them."""
        self.assertEqual(self._home(self.head_alpha)["head"]["replacements_to_decide"], 0)
        (self.late | self.loss).with_user(self.referent_alpha).action_validate()
        home = self._home(self.head_alpha)
        self.assertEqual(list(home), ["head", "college"], "the head's own decisions first (issue 19)")
        self.assertEqual(home["head"]["replacements_to_decide"], 2)

    def test_each_role_has_its_home(self):
        self.assertEqual(list(self._home(self.accountant_alpha)), ["accountant"])
        self.assertEqual(list(self._home(self.supplier_user)), ["supplier"])
        self.assertEqual(list(self._home(self.academy_user)), ["academy"])
        self.assertEqual(list(self._home(self.officer_a)), ["department"])
        # R27: only the programme manager reads the annual reports for the Département.
        self.assertNotIn("department_annual_reports_to_read", self._home(self.officer_a)["department"])
        self.assertIn("department_annual_reports_to_read", self._home(self.manager_a)["department"])
        self.assertIn("annual_reports_to_read", self._home(self.academy_user)["academy"])
        with self.assertRaises(UserError):
            self.env["tablet.today"].with_user(self.officer_a).action_open_card("department_annual_reports_to_read")
        manager = self._home(self.manager_a)["department"]
        self.assertEqual(manager["department_overdue_returns"], 2, "the whole Département: Alpha and Beta")
        self.assertEqual(self._home(self.manager_b)["department"]["department_overdue_returns"], 0,
                         "another Département sees nothing of the first")

    def test_annual_report_to_submit_then_to_read(self):
        """R27: the head's draft report, then the readers' activity in the Académie and the Département."""
        report = self.env["tablet.annual.report"].with_user(self.head_alpha).create({
            "college_id": self.college_alpha.id, "school_year": "2026-2027",
            "usage_text": "<p>Usages en 5e A.</p>"})
        self.assertEqual(self._home(self.head_alpha)["head"]["annual_report_to_submit"], 1)
        self.assertEqual(self._home(self.academy_user)["academy"]["annual_reports_to_read"], 0)
        report.with_user(self.head_alpha).action_submit()
        self.assertEqual(self._home(self.head_alpha)["head"]["annual_report_to_submit"], 0)
        self.assertEqual(self._home(self.academy_user)["academy"]["annual_reports_to_read"], 1)
        self.assertEqual(self._home(self.manager_a)["department"]["department_annual_reports_to_read"], 1)
        report.with_user(self.academy_user).action_acknowledge()
        self.assertEqual(self._home(self.academy_user)["academy"]["annual_reports_to_read"], 0)
        self.assertEqual(self._home(self.manager_a)["department"]["department_annual_reports_to_read"], 1)

    def test_counter_opens_its_filtered_list(self):
        Today = self.env["tablet.today"].with_user(self.referent_alpha)
        action = Today.action_open_card("late_declarations")
        self.assertEqual(action["res_model"], "tablet.incident")
        self.assertEqual(action["type"], "ir.actions.act_window")
        # The filters are switched on in the search bar, where the user can remove them; the
        # list's own default filter is not added on top of them.
        self.assertEqual(action["context"], {"search_default_filter_late": 1, "search_default_filter_open": 1})
        tablets = self.env["tablet.today"].with_user(self.officer_a).action_open_card("tablets_in_repair")
        self.assertEqual(tablets["context"], {"default_is_tablet": True, "search_default_filter_repair": 1})
        with self.assertRaises(UserError):
            self.env["tablet.today"].with_user(self.accountant_alpha).action_open_card("overdue_returns")
        with self.assertRaises(UserError):
            Today.action_open_card("no_such_counter")

    def test_filters_are_combined_as_the_web_client_does(self):
        """Filters of one group are ORed, groups are ANDed: the late open incidents only."""
        self.late.with_user(self.referent_alpha).action_validate()
        self.late.with_user(self.referent_alpha).action_close()
        self.assertEqual(self._home(self.referent_alpha)["college"]["late_declarations"], 0)

    def test_queries_do_not_grow_with_records(self):
        def queries():
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.env["tablet.today"].with_user(self.head_alpha).get_today()
            return self.env.cr.sql_log_count - before

        queries()  # views and actions are cached from now on
        few = queries()
        loans = self.env["tablet.loan"]
        for pupil, tablet in zip(self.more_pupils, self.tablets[3:], strict=False):
            loans |= self._loan(pupil, tablet)
        loans.action_activate()
        loans.write({"date_end": date(2026, 10, 2)})
        self.assertEqual(self._home(self.head_alpha)["college"]["overdue_returns"], 4)
        many = queries()
        _logger.info("Today as the head: %s queries with 1 overdue loan, %s with 4", few, many)
        self.assertEqual(many, few)

    def test_dashboards_group_by_school_year(self):
        """Pivot and graph views of each role open and group by collège, school year and status."""
        for user, model in ((self.referent_alpha, "tablet.loan"), (self.referent_alpha, "tablet.incident"),
                            (self.supplier_user, "tablet.warranty.claim"), (self.accountant_alpha, "tablet.charge"),
                            (self.officer_a, "maintenance.equipment")):
            with self.subTest(model=model):
                Model = self.env[model].with_user(user)
                views = Model.get_views([(False, "pivot"), (False, "graph")])
                self.assertEqual(set(views["views"]), {"pivot", "graph"})
        groups = self.env["tablet.incident"].with_user(self.referent_alpha)._read_group(
            [], ["school_year", "incident_type"], ["__count"])
        self.assertEqual(sorted(groups), [("2026-2027", "breakage", 1), ("2026-2027", "loss", 1)])
