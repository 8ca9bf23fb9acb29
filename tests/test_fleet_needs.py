"""Issue 15, R8 (I 3.1): the number of tablets follows the headcounts of the levels in the
programme; arrivals get a tablet, leavers return theirs.

The Département (and the académie officer for its collèges, the collège's head and référents
for theirs) sees per collège and level the people to equip against the tablets held; the
Département's officers list the people who arrived or left this month, with whether they hold a
tablet, and get one weekly digest per Département, counts per collège, never one per pupil.
"""
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools.safe_eval import safe_eval

from .common import TabletLoanCase, execute_kw


@tagged("post_install", "-at_install")
class TestFleetNeeds(HttpCase, TabletLoanCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.pupil_5e, _rep = cls._pupil_with_representative("Cinq", cls.college_alpha, "5e", "5e A")
        cls.pupil_3e, _rep = cls._pupil_with_representative("Trois", cls.college_alpha, "3e", "3e A")
        cls.leaver, _rep = cls._pupil_with_representative("Partant", cls.college_alpha, "5e", "5e A")
        cls.convention, cls.user_list = cls._deployable(
            cls.college_alpha, cls.pupil_alpha | cls.pupil_5e | cls.pupil_3e | cls.leaver | cls.teacher_alpha)
        cls.beta_convention, _list = cls._deployable(cls.college_beta, cls.pupil_beta)
        cls.tablets = cls._tablets(cls.college_alpha, 6)
        cls.beta_tablets = cls._tablets(cls.college_beta, 1, start=50)
        cls.loans = cls.env["tablet.loan"]
        for borrower, tablet in ((cls.pupil_alpha, cls.tablets[0]), (cls.teacher_alpha, cls.tablets[1]),
                                 (cls.leaver, cls.tablets[2])):
            loan = cls._loan(borrower, tablet)
            loan.action_activate()
            cls.loans |= loan
        cls.tablets[3].tablet_state = "out_of_order"
        cls.Need = cls.env["tablet.fleet.need"]
        # A collège with people but no signed convention is not in the programme: no line.
        cls.pupil_no_convention = Partner.create({
            "name": "Élève Hors Programme", "school_role": "pupil", "college_id": cls.college_gamma.id,
            "grade_level": "6e", "school_class": "6e A"})

    def _lines(self, user, college):
        self.env.flush_all()
        lines = self.Need.with_user(user).search([("college_id", "=", college.id)])
        return {line.level: line for line in lines}

    # ------------------------------------------------------------- needs
    def test_needs_and_tablets_held_per_college_and_level(self):
        """R8: per level, the active people (a leaver is no longer counted) against the tablets lent
        to them; the collège's stock and the tablets waiting at the collège on its stock line."""
        self.leaver.leaving_date = fields.Date.today() - timedelta(days=1)
        lines = self._lines(self.manager_a, self.college_alpha)
        self.assertEqual(set(lines), {"5e", "3e", "staff", "stock"})
        fifth = lines["5e"]
        # 5e: pupil_alpha and pupil_5e (the leaver left yesterday); tablets lent to pupil_alpha and
        # still to the leaver, whose return is due: held 2, needed 2.
        self.assertEqual((fifth.headcount, fifth.needed_count, fifth.lent_count, fifth.held_count, fifth.gap),
                         (2, 2, 2, 2, 0))
        third = lines["3e"]
        self.assertEqual((third.headcount, third.lent_count, third.gap), (1, 0, -1), "the 3e pupil has no tablet")
        staff = lines["staff"]
        self.assertEqual((staff.headcount, staff.lent_count, staff.gap), (1, 1, 0), "the teacher holds one")
        stock = lines["stock"]
        self.assertEqual((stock.stock_count, stock.unavailable_count, stock.held_count, stock.needed_count),
                         (2, 1, 3, 0))
        # The collège as a whole: 4 people to equip, 6 tablets held.
        self.env.flush_all()
        [(total_gap, needed, held)] = self.Need.with_user(self.manager_a)._read_group(
            [("college_id", "=", self.college_alpha.id)], [], ["gap:sum", "needed_count:sum", "held_count:sum"])
        self.assertEqual((total_gap, needed, held), (2, 4, 6))
        self.assertFalse(self._lines(self.manager_a, self.college_gamma), "no convention, not in the programme")
        self.assertEqual(self.Need._line(self.college_alpha, "5e"), fifth, "a line's id is stable")
        self.assertEqual(fifth.display_name, "Collège Alpha – 5e", "a line is named by its collège and level")

    def test_a_lent_tablet_moves_from_the_stock_line_to_the_level(self):
        """A new loan takes a tablet from the stock line to the borrower's level; the 3e gap closes."""
        before = self._lines(self.manager_a, self.college_alpha)
        self.assertEqual((before["3e"].gap, before["stock"].stock_count), (-1, 2))
        self._loan(self.pupil_3e, self.tablets[4]).action_activate()
        self.Need.invalidate_model()
        after = self._lines(self.manager_a, self.college_alpha)
        self.assertEqual((after["3e"].lent_count, after["3e"].gap, after["stock"].stock_count), (1, 0, 1))

    def test_who_sees_the_needs(self):
        """The Département sees its collèges, the académie officer those of their académie, the head
        and référent their collège; the accountant and the supplier nothing; nobody writes."""
        self.env.flush_all()
        alpha, beta = self.Need._line(self.college_alpha, "5e"), self.Need._line(self.college_beta, "3e")
        self.assertTrue(alpha.exists() and beta.exists())
        for user in (self.manager_a, self.officer_a):
            self.assertEqual(self.Need.with_user(user).search([("id", "in", (alpha | beta).ids)]), alpha | beta)
        # Académie Nord has Collège Alpha, not Beta (Académie Sud); the head and référent theirs.
        for user in (self.academy_user, self.head_alpha, self.referent_alpha):
            self.assertEqual(self.Need.with_user(user).search([("id", "in", (alpha | beta).ids)]), alpha, user.login)
            with self.assertRaises(AccessError):
                beta.with_user(user).read(["gap"])
            name, _message = execute_kw(self, user, "tablet.fleet.need", "read", [beta.ids, ["gap"]])
            self.assertEqual(name, "odoo.exceptions.AccessError", user.login)
        self.assertFalse(self.Need.with_user(self.manager_b).search([("id", "in", (alpha | beta).ids)]),
                         "another Département sees nothing of this one")
        for user in (self.accountant_alpha, self.supplier_user):
            with self.assertRaises(AccessError):
                self.Need.with_user(user).search([])
            name, _message = execute_kw(self, user, "tablet.fleet.need", "search_read", [[]], {"fields": ["gap"]})
            self.assertEqual(name, "odoo.exceptions.AccessError", user.login)
        name, _message = execute_kw(self, self.manager_a, "tablet.fleet.need", "write", [alpha.ids, {"gap": 0}])
        self.assertEqual(name, "odoo.exceptions.AccessError", "a report is not written")

    # ------------------------------------------------- arrivals, departures
    def _filter_domain(self, name):
        """The domain of a filter of the arrivals-and-departures search view, as the web client
        evaluates it."""
        arch = etree.fromstring(self.env.ref("tablet_loan.res_partner_view_search_movements").arch_db.encode())
        [node] = arch.xpath(f"//filter[@name='{name}']")
        return safe_eval(node.get("domain"), {"context_today": lambda: fields.Date.context_today(self.env.user),
                                              "relativedelta": relativedelta})

    def test_arrivals_and_departures_of_the_month(self):
        """R8: a person recorded today arrived today; one leaving this month is a departure; the list
        tells whether each holds a tablet; last month's arrival is not this month's."""
        newcomer, _rep = self._pupil_with_representative("Arrivée", self.college_alpha, "5e", "5e B")
        self.assertEqual(newcomer.arrival_date, fields.Date.today())
        older, _rep = self._pupil_with_representative("Ancien", self.college_alpha, "4e", "4e A")
        older.arrival_date = fields.Date.today() - relativedelta(months=1, day=1)
        self.leaver.leaving_date = fields.Date.today() + relativedelta(day=31)
        action = self.env.ref("tablet_loan.res_partner_action_movements")
        People = self.env["res.partner"].with_user(self.officer_a)
        base = safe_eval(action.domain) + [("college_id", "=", self.college_alpha.id)]
        arrivals = People.search(base + self._filter_domain("arrivals_this_month"))
        departures = People.search(base + self._filter_domain("departures_this_month"))
        self.assertIn(newcomer, arrivals)
        self.assertNotIn(older, arrivals)
        self.assertNotIn(newcomer.legal_representative_ids, arrivals, "families are not the collège's people")
        self.assertEqual(departures, self.leaver)
        self.assertTrue(self.leaver.with_user(self.officer_a).tablet_holder)
        self.assertFalse(newcomer.with_user(self.officer_a).tablet_holder)
        holders = People.search(base + [("tablet_holder", "=", True)])
        self.assertEqual(holders, self.loans.borrower_id)
        self.assertEqual(People.search(base + [("tablet_holder", "!=", True), ("id", "=", newcomer.id)]), newcomer)
        # A date typed on the form is kept.
        form = Form(newcomer.with_user(self.referent_alpha))
        form.arrival_date = fields.Date.today() - timedelta(days=3)
        form.save()
        self.assertEqual(newcomer.arrival_date, fields.Date.today() - timedelta(days=3))
        # Who holds a tablet is read by the roles that read loans only (README, record rules).
        name, _message = execute_kw(self, self.accountant_alpha, "res.partner", "read",
                                    [self.leaver.ids, ["tablet_holder"]])
        self.assertEqual(name, "odoo.exceptions.AccessError")

    def _digests(self, company):
        return self.env["mail.message"].search([
            ("model", "=", "res.partner"), ("res_id", "=", company.partner_id.id),
            ("message_type", "=", "user_notification")])

    def test_weekly_digest_one_message_per_department(self):
        """R8: one message per Département to its officers and programme managers, with the counts per
        collège (arrivals, departures, departures whose tablet is still out); nothing for a
        Département without news; never one message per pupil."""
        self.leaver.leaving_date = fields.Date.today()
        self.env["res.company"]._cron_tablet_movements_digest()
        [digest] = self._digests(self.dept_a)
        self.assertIn(self.college_alpha.name, digest.body)
        self.assertIn(self.college_beta.name, digest.body)
        self.assertIn(self.officer_a.partner_id, digest.notified_partner_ids)
        self.assertIn(self.manager_a.partner_id, digest.notified_partner_ids)
        self.assertNotIn(self.manager_b.partner_id, digest.notified_partner_ids)
        self.assertNotIn(self.referent_alpha.partner_id, digest.notified_partner_ids)
        arrivals = self.env["res.partner"].search_count([
            ("college_id", "=", self.college_alpha.id), ("school_role", "in", ("pupil", "teacher", "head", "staff")),
            ("arrival_date", "=", fields.Date.today())])
        # Alpha's row: its arrivals this week, one departure, whose tablet is still out.
        self.assertIn(f"<td>{self.college_alpha.name}</td><td>{arrivals}</td><td>1</td><td>1</td>", digest.body)
        # Département B's only pupil is in Gamma, and B has no officer with news... but it has
        # a manager: one message there too, naming only its collège.
        [digest_b] = self._digests(self.dept_b)
        self.assertNotIn(self.college_alpha.name, digest_b.body)
        self.assertEqual(digest_b.notified_partner_ids, self.manager_b.partner_id)

    def test_weekly_digest_in_a_fixed_number_of_queries(self):
        """The digest's queries do not grow with the number of arrivals and departures."""
        def run():
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.env["res.company"]._cron_tablet_movements_digest()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        self.leaver.leaving_date = fields.Date.today()
        run()  # warm the caches (groups, templates)
        few = run()
        Partner = self.env["res.partner"]
        Partner.create([{"name": f"Arrivée {n}", "school_role": "pupil", "college_id": self.college_alpha.id,
                         "grade_level": "6e", "school_class": "6e A"} for n in range(30)])
        (self.pupil_5e | self.pupil_3e).write({"leaving_date": fields.Date.today()})
        many = run()
        self.assertEqual(few, many, "one digest per Département, whatever the number of people")
        self.assertEqual(len(self._digests(self.dept_a)), 3, "one message per run and Département")
