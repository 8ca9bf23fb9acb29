"""R22, R26: the head's measures on a pupil's programme file and their effect on the loan; the
wilful-damage cases the Département acts on. R28: the local digital committee, chaired by the
head, and its minutes in the annual report (R27)."""
from contextlib import contextmanager
from datetime import date, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from ..models.tablet_workflow_mixin import as_action
from .common import TabletLoanCase, execute_kw


class RefusalMixin:
    @contextmanager
    def refused(self, exception, *texts):
        """Odoo's assertRaises (in a savepoint, as a request is rolled back) and the field named,
        in English or in French (the test users read French once fr.po has the terms)."""
        with self.assertRaises(exception) as caught:
            yield
        message = str(caught.exception)
        self.assertTrue(any(text in message for text in texts), f"{texts} not in {message!r}")


@tagged("post_install", "-at_install")
class TestSanction(RefusalMixin, TabletLoanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tablets = cls._tablets(cls.college_alpha, 2)
        cls.pupil_two = cls.env["res.partner"].create({
            "name": "Élève Alpha Deux", "school_role": "pupil", "college_id": cls.college_alpha.id,
            "grade_level": "5e", "school_class": "5e A", "legal_representative_ids": [Command.set(cls.rep_alpha.ids)]})
        cls._deployable(cls.college_alpha, [cls.pupil_alpha, cls.pupil_two])
        cls.loan = cls._loan(cls.pupil_alpha, cls.tablets[0])
        cls.loan.action_activate()
        cls.loan.write({"signed_by_id": cls.rep_alpha.id, "signed_date": date(2026, 9, 1)})
        cls.head_beta = new_test_user(
            cls.env, login="t_head_beta_sanction", groups="tablet_loan.group_college_head",
            company_id=cls.dept_a.id, company_ids=[Command.set(cls.dept_a.ids)],
            tablet_college_ids=[Command.set(cls.college_beta.ids)])
        cls.today = fields.Date.today()

    def _new(self, user=None, **vals):
        values = {"borrower_id": self.pupil_alpha.id, "kind": "kept_at_school",
                  "ground": "Usage de la tablette en classe contraire à la charte.", **vals}
        return self.env["tablet.sanction"].with_user(user or self.head_alpha).create(values)

    def _deliberate_incident(self):
        incident = self.env["tablet.incident"].create({
            "incident_type": "breakage", "loan_id": self.loan.id, "circumstances": "Écran rayé volontairement.",
            "event_datetime": fields.Datetime.now() - timedelta(hours=2)})
        incident.action_validate()
        as_action(incident).write({"qualification": "deliberate"})
        return incident

    def test_home_use_withdrawn_for_the_period_and_restored(self):
        self.assertTrue(self.loan.home_use_allowed)
        with Form(self.env["tablet.sanction"].with_user(self.head_alpha)) as form:
            form.borrower_id = self.pupil_alpha
            form.kind = "restricted_use"
            form.ground = "Jeux pendant les cours malgré deux avertissements."
            form.date_start = self.today - timedelta(days=10)
            form.date_end = self.today - timedelta(days=1)
        sanction = form.record
        self.assertEqual(sanction.loan_id, self.loan)
        self.assertEqual(sanction.college_id, self.college_alpha)
        sanction.action_confirm()
        self.assertEqual(sanction.state, "in_force")
        self.assertTrue(self.loan.stays_at_college)
        self.assertFalse(self.loan.home_use_allowed)
        # The daily job ends the measure past its end date: home use comes back.
        self.env["tablet.sanction"]._cron_sanction_dates()
        self.assertEqual(sanction.state, "ended")
        self.assertFalse(self.loan.stays_at_college)
        self.assertTrue(self.loan.home_use_allowed)

    def test_future_measure_takes_effect_on_its_start_date(self):
        sanction = self._new(date_start=self.today + timedelta(days=3))
        sanction.action_confirm()
        self.assertFalse(self.loan.stays_at_college, "not before its start date")
        self.env["tablet.sanction"]._cron_sanction_dates()
        self.assertFalse(sanction.loan_effect_applied)

    def test_replacement_counterpart_survives_the_end_of_a_measure(self):
        """R24c set before the measure: its end does not give home use back."""
        self.loan.with_user(self.head_alpha).write({"stays_at_college": True})
        first = self._new()
        first.action_confirm()
        second = self._new(kind="restricted_use")
        second.action_confirm()
        self.assertTrue(first.loan_stayed_before and second.loan_stayed_before)
        (first | second).action_end()
        self.assertTrue(self.loan.stays_at_college)

    def test_counterpart_decided_during_a_measure_survives_its_end(self):
        """R24c decided while a measure keeps the tablet at the collège: the loan already stayed,
        so only the decided incident says the counterpart requires it; the measure's end keeps it."""
        sanction = self._new()
        sanction.action_confirm()
        self.assertTrue(self.loan.stays_at_college)
        incident = self.env["tablet.incident"].create({
            "incident_type": "breakage", "loan_id": self.loan.id, "circumstances": "Écran cassé par négligence.",
            "event_datetime": fields.Datetime.now() - timedelta(hours=2)})
        incident.action_validate()
        incident.with_user(self.head_alpha).write({
            "decision": "replace", "qualification": "negligence", "counterpart_stays": True,
            "replacement_equipment_id": self.tablets[1].id})
        incident.with_user(self.head_alpha).action_decide()
        self.assertEqual(self.loan.equipment_id, self.tablets[1])
        sanction.with_user(self.head_alpha).action_end()
        self.assertEqual(sanction.state, "ended")
        self.assertTrue(self.loan.stays_at_college, "the replacement's counterpart keeps the tablet at the collège")
        self.assertFalse(self.loan.home_use_allowed)

    def test_two_measures_home_use_comes_back_after_the_last(self):
        first = self._new()
        first.action_confirm()
        second = self._new(kind="restricted_use")
        second.action_confirm()
        first.action_end()
        self.assertTrue(self.loan.stays_at_college, "the second measure still keeps the tablet at the collège")
        second.action_end()
        self.assertFalse(self.loan.stays_at_college)

    def test_exclusion_ends_the_loan_and_asks_for_the_tablet(self):
        sanction = self._new(kind="exclusion", date_start=self.today)
        sanction.action_confirm()
        self.assertEqual(self.loan.date_end, self.today)
        self.assertEqual(self.loan.state, "active", "the loan waits for its tablet, as for a leaver (R14)")
        activity_type = self.env.ref("tablet_loan.mail_activity_loan_overdue_return")
        self.assertTrue(self.loan.activity_ids.filtered(lambda a: a.activity_type_id == activity_type))
        # Ending the exclusion gives nothing back: the loan is over.
        sanction.action_end()
        self.assertEqual(self.loan.date_end, self.today)

    def test_exclusion_cancels_a_loan_never_handed_over(self):
        """R14's path: a draft loan is cancelled, its tablet back in stock; the measure stays."""
        pupil = self.pupil_two
        draft = self._loan(pupil, self.tablets[1])
        sanction = self._new(borrower_id=pupil.id, kind="exclusion")
        self.assertEqual(sanction.loan_id, draft)
        sanction.action_confirm()
        self.assertFalse(draft.exists())
        self.assertEqual(self.tablets[1].tablet_state, "stock")
        self.assertEqual(sanction.state, "in_force")
        self.assertFalse(sanction.loan_id)

    def test_referral_is_recorded_without_effect_on_the_loan(self):
        sanction = self._new(kind="referral")
        sanction.action_confirm()
        self.assertEqual(sanction.state, "in_force")
        self.assertFalse(self.loan.stays_at_college)
        self.assertFalse(self.loan.date_end)

    def test_only_the_head_of_the_pupils_college_records_a_measure(self):
        Sanction = self.env["tablet.sanction"]
        before = Sanction.search_count([])
        for user in (self.referent_alpha, self.accountant_alpha, self.academy_user, self.supplier_user,
                     self.officer_a, self.manager_a, self.head_beta):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._new(user=user)
        self.assertEqual(Sanction.search_count([]), before)
        draft = self._new()
        for user in (self.referent_alpha, self.manager_a, self.head_beta):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                draft.with_user(user).action_confirm()
        with self.assertRaises(AccessError):
            draft.with_user(self.referent_alpha).write({"kind": "exclusion"})
        self.assertEqual(draft.state, "draft")
        self.assertEqual(draft.kind, "kept_at_school")
        self.assertFalse(self.loan.stays_at_college)

    def test_bad_input_names_the_field(self):
        Sanction = self.env["tablet.sanction"]
        before = Sanction.search_count([])
        with self.refused(ValidationError, "Ground:", "Motif :"):
            self._new(ground="  ")
        with self.refused(ValidationError, "End Date (", "Date de fin ("):
            self._new(date_start=self.today, date_end=self.today - timedelta(days=1))
        with self.refused(ValidationError, "Incident:", "Incident :"):
            self._new(wilful_damage=True)
        accident = self.env["tablet.incident"].create({
            "incident_type": "breakage", "loan_id": self.loan.id, "circumstances": "Chute.",
            "event_datetime": fields.Datetime.now() - timedelta(hours=2)})
        with self.refused(ValidationError, "not qualified as deliberate", "pas qualifié"):
            self._new(wilful_damage=True, incident_id=accident.id)
        self.assertEqual(Sanction.search_count([]), before)
        # Through the form the head uses: the end before the start is refused on saving.
        form = Form(Sanction.with_user(self.head_alpha))
        form.borrower_id = self.pupil_alpha
        form.ground = "Prêt de la tablette à un autre élève."
        form.date_start = self.today
        form.date_end = self.today - timedelta(days=2)
        with self.refused(ValidationError, "End Date (", "Date de fin ("):
            form.save()
        self.assertEqual(Sanction.search_count([]), before)

    def test_wilful_damage_is_the_departments_case(self):
        incident = self._deliberate_incident()
        sanction = self._new(wilful_damage=True, incident_id=incident.id)
        other = self._new(kind="referral")
        sanction.action_confirm()
        as_officer = self.env["tablet.sanction"].with_user(self.officer_a)
        self.assertEqual(as_officer.search([("id", "in", (sanction | other).ids)]), sanction,
                         "the Département sees the wilful-damage cases only (R29)")
        with self.assertRaises(AccessError):
            sanction.with_user(self.head_alpha).write({"department_action": "complaint"})
        with self.assertRaises(AccessError):
            sanction.with_user(self.head_alpha).action_record_department_action()
        with self.assertRaises(AccessError):
            sanction.with_user(self.officer_a).write({"kind": "exclusion"})
        with self.refused(UserError, "Département's Action:", "Action du Département :"):
            sanction.with_user(self.officer_a).action_record_department_action()
        sanction.with_user(self.officer_a).write({"department_action": "claim",
                                                  "department_note": "Titre de recette émis."})
        sanction.with_user(self.officer_a).action_record_department_action()
        self.assertEqual(sanction.department_action_by_id, self.officer_a)
        self.assertEqual(sanction.department_action_date, fields.Date.context_today(sanction))
        self.assertFalse(sanction.with_user(self.manager_b).search([("id", "=", sanction.id)]))


    def test_anonymisation_blanks_the_measures_texts(self):
        """R29: the measure stays counted, its ground and the Département's note naming the family go."""
        incident = self._deliberate_incident()
        sanction = self._new(wilful_damage=True, incident_id=incident.id,
                             ground=f"{self.pupil_alpha.name} a rayé l'écran volontairement.")
        sanction.action_confirm()
        sanction.with_user(self.officer_a).write({"department_note": f"Courrier à la famille {self.pupil_alpha.name}."})
        name = self.pupil_alpha.name
        self.pupil_alpha.with_user(self.manager_a).action_tablet_anonymize()
        sanction.invalidate_recordset()
        self.assertTrue(sanction.exists())
        self.assertNotIn(name, sanction.ground)
        self.assertFalse(sanction.department_note)
        self.assertEqual(sanction.state, "in_force")


@tagged("post_install", "-at_install")
class TestCommitteeMeeting(RefusalMixin, TabletLoanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.head_beta = new_test_user(
            cls.env, login="t_head_beta_committee", groups="tablet_loan.group_college_head",
            company_id=cls.dept_a.id, company_ids=[Command.set(cls.dept_a.ids)],
            tablet_college_ids=[Command.set(cls.college_beta.ids)])

    def _meeting(self, user=None, **vals):
        values = {"college_id": self.college_alpha.id, "chair_id": self.head_alpha.id, "date": date(2026, 10, 5),
                  "agenda": "Bilan du trimestre", **vals}
        return self.env["tablet.committee.meeting"].with_user(user or self.referent_alpha).create(values)

    def test_the_head_of_the_college_chairs(self):
        Meeting = self.env["tablet.committee.meeting"]
        before = Meeting.search_count([])
        with self.refused(ValidationError, "Chair:", "Président :"):
            self._meeting(chair_id=False)
        with self.refused(ValidationError, "Chair:", "Président :"):
            self._meeting(chair_id=self.referent_alpha.id)
        with self.refused(ValidationError, "Chair:", "Président :"):
            self._meeting(chair_id=self.head_beta.id)
        self.assertEqual(Meeting.search_count([]), before)
        # The head's form proposes the head as the chair.
        with Form(Meeting.with_user(self.head_alpha)) as form:
            form.college_id = self.college_alpha
            form.agenda = "Besoins des enseignants"
        self.assertEqual(form.record.chair_id, self.head_alpha)
        meeting = form.record
        with self.refused(ValidationError, "Chair:", "Président :"):
            meeting.write({"chair_id": self.referent_alpha.id})
        self.assertEqual(meeting.chair_id, self.head_alpha)

    def test_held_needs_minutes_and_decisions_get_activities(self):
        meeting = self._meeting(decision_ids=[Command.create({
            "name": "Commander un second chariot", "user_id": self.head_alpha.id, "date_due": date(2026, 11, 5)})])
        with self.refused(UserError, "Minutes:", "Compte rendu :"):
            meeting.with_user(self.head_alpha).action_hold()
        self.assertEqual(meeting.state, "planned")
        decision = meeting.decision_ids
        self.assertEqual(decision.activity_ids.user_id, self.head_alpha)
        self.assertEqual(decision.activity_ids.date_deadline, date(2026, 11, 5))
        meeting.with_user(self.head_alpha).write({"minutes": "<p>Le comité a fait le bilan.</p>"})
        meeting.with_user(self.referent_alpha).action_hold()
        self.assertEqual(meeting.state, "held")
        with self.assertRaises(UserError):
            meeting.with_user(self.head_alpha).write({"minutes": "<p>Réécrit.</p>"})
        decision.with_user(self.referent_alpha).write({"done": True})
        self.assertFalse(decision.activity_ids)

    def test_who_reads_and_who_writes(self):
        meeting = self._meeting()
        for user in (self.accountant_alpha, self.academy_user, self.officer_a, self.manager_a):
            with self.subTest(user=user.login):
                self.assertEqual(meeting.with_user(user).read(["agenda"])[0]["agenda"], "Bilan du trimestre")
                with self.assertRaises(AccessError):
                    meeting.with_user(user).write({"agenda": "Autre"})
                with self.assertRaises(AccessError):
                    meeting.with_user(user).action_cancel()
        with self.assertRaises(AccessError):
            meeting.with_user(self.supplier_user).read(["agenda"])
        with self.assertRaises(AccessError):
            self._meeting(user=self.accountant_alpha)
        self.assertEqual(meeting.agenda, "Bilan du trimestre")
        self.assertEqual(meeting.state, "planned")

    def test_annual_report_lists_the_minutes(self):
        held = self._meeting(minutes="<p>Formation des enseignants aux manuels numériques.</p>")
        held.action_hold()
        self._meeting(date=date(2026, 11, 9))  # planned: not in the report
        self._meeting(date=date(2025, 10, 9), minutes="<p>Année précédente.</p>").action_hold()
        report = self.env["tablet.annual.report"].with_user(self.head_alpha).create({
            "college_id": self.college_alpha.id, "school_year": "2026-2027"})
        self.assertEqual(report.committee_meeting_ids, held)
        self.assertEqual(report.with_user(self.academy_user).committee_meeting_ids, held)
        html = self.env["ir.actions.report"]._render_qweb_html(
            "tablet_loan.action_report_annual_report", report.ids)[0].decode()
        self.assertIn("Formation des enseignants aux manuels numériques.", html)


@tagged("post_install", "-at_install")
class TestSanctionRpc(HttpCase):
    """The refusals as an external client meets them, as the demo users."""

    def setUp(self):
        super().setUp()
        if not self.env.ref("tablet_loan.user_referent", raise_if_not_found=False):
            self.skipTest("the demo users are needed (database without demo data)")
        self.sanction = self.env.ref("tablet_loan.demo_sanction_referral")
        self.meeting = self.env.ref("tablet_loan.demo_committee_meeting_lac_bleu")
        self.users = {x: self.env.ref(f"tablet_loan.user_{x}") for x in (
            "head", "referent", "accountant", "academy", "supplier", "dept_officer", "dept_manager")}

    def test_demo_data(self):
        self.assertEqual(self.sanction.state, "in_force")
        self.assertEqual(self.meeting.state, "held")
        self.assertEqual(self.meeting.chair_id, self.users["head"])

    def test_sanction_refusals(self):
        for login in ("referent", "accountant", "academy", "supplier", "dept_officer", "dept_manager"):
            with self.subTest(login=login):
                name, _message = execute_kw(self, self.users[login], "tablet.sanction", "action_end",
                                            [[self.sanction.id]])
                self.assertEqual(name, "odoo.exceptions.AccessError")
                name, _message = execute_kw(self, self.users[login], "tablet.sanction", "create", [{
                    "borrower_id": self.sanction.borrower_id.id, "kind": "exclusion", "ground": "RPC"}])
                self.assertEqual(name, "odoo.exceptions.AccessError")
        name, _message = execute_kw(self, self.users["head"], "tablet.sanction", "write",
                                    [[self.sanction.id], {"department_action": "complaint"}])
        self.assertEqual(name, "odoo.exceptions.AccessError")
        name, message = execute_kw(self, self.users["head"], "tablet.sanction", "create", [{
            "borrower_id": self.sanction.borrower_id.id, "kind": "restricted_use", "ground": " "}])
        self.assertEqual(name, "odoo.exceptions.ValidationError")
        self.assertTrue("Ground:" in message or "Motif :" in message, message)
        self.sanction.invalidate_recordset()
        self.assertEqual(self.sanction.state, "in_force")
        self.assertFalse(self.sanction.department_action)

    def test_committee_refusals(self):
        name, _message = execute_kw(self, self.users["supplier"], "tablet.committee.meeting", "read",
                                    [[self.meeting.id], ["minutes"]])
        self.assertEqual(name, "odoo.exceptions.AccessError")
        for login in ("accountant", "academy", "dept_officer"):
            with self.subTest(login=login):
                name, _message = execute_kw(self, self.users[login], "tablet.committee.meeting", "write",
                                            [[self.meeting.id], {"agenda": "RPC"}])
                self.assertEqual(name, "odoo.exceptions.AccessError")
        name, message = execute_kw(self, self.users["referent"], "tablet.committee.meeting", "create", [{
            "college_id": self.meeting.college_id.id, "date": "2026-11-20", "chair_id": self.users["referent"].id}])
        self.assertEqual(name, "odoo.exceptions.ValidationError")
        self.assertTrue("Chair:" in message or "Président :" in message, message)
        name, message = execute_kw(self, self.users["referent"], "tablet.committee.meeting", "create", [{
            "college_id": self.meeting.college_id.id, "date": "2026-11-20", "chair_id": False}])
        self.assertEqual(name, "odoo.exceptions.ValidationError")
        self.meeting.invalidate_recordset()
        self.assertNotEqual(self.meeting.agenda, "RPC")
