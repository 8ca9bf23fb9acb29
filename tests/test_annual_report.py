import io
from datetime import date, datetime

from lxml import html
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tests.common import freeze_time
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfFileReader

from ..models.school_year import school_year_of
from ..models.tablet_annual_report import CLAIM_OUTCOME_FIELDS, INCIDENT_TYPE_FIELDS
from .common import TabletLoanCase, decide_for_charge

REPORT = "tablet_loan.action_report_annual_report"
USAGE = "<p>Les tablettes servent en français et en mathématiques ; usage à domicile après signature.</p>"
EXPECTED_2026 = {
    "tablets_deployed": 3, "home_use_count": 2,
    "incident_count": 4, "incident_breakage_count": 1, "incident_failure_count": 2,
    "incident_loss_count": 1, "incident_theft_count": 0, "late_declaration_count": 1,
    "claim_count": 3, "claim_repaired_count": 1, "claim_replaced_count": 0, "claim_refused_count": 1,
    "claim_pending_count": 1,
    "charge_count": 3, "charge_amount": 160.0, "charge_invoiced_amount": 130.0, "charge_paid_amount": 50.0,
}


@tagged("post_install", "-at_install")
class TestAnnualReport(TabletLoanCase, HttpCase):
    """R27: the head's annual report to the Académie and the Département, with the figures of
    the year (R12 home use, R18 late declarations, R20 claims, R21/R24b charges, R25 damages).

    An HttpCase: wkhtmltopdf fetches the PDF's style sheets from Odoo's HTTP server.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Loan = cls.env["tablet.loan"]
        cls.pupil_two, cls.rep_two = cls._pupil_with_representative("Deux", cls.college_alpha, "5e", "5e A")
        cls.pupil_three, _rep = cls._pupil_with_representative("Trois", cls.college_alpha, "5e", "5e A")
        cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.pupil_two | cls.pupil_three | cls.teacher_alpha)
        cls._deployable(cls.college_beta, cls.pupil_beta)
        tablets = cls._tablets(cls.college_alpha, 4)
        cls.loan_alpha = cls._loan(cls.pupil_alpha, tablets[0])
        cls.loan_two = cls._loan(cls.pupil_two, tablets[1])
        cls.loan_teacher = cls._loan(cls.teacher_alpha, tablets[2])
        (cls.loan_alpha | cls.loan_two | cls.loan_teacher).action_activate()
        # R12: home use once the right person signed; the pupil Deux's family has not signed yet.
        cls.loan_alpha.write({"signed_by_id": cls.rep_alpha.id, "signed_date": date(2026, 9, 2)})
        cls.loan_teacher.write({"signed_by_id": cls.teacher_alpha.id, "signed_date": date(2026, 9, 2)})
        cls.loan_draft = cls._loan(cls.pupil_three, tablets[3])  # prepared, not handed over: not deployed
        cls.loan_beta = cls._loan(cls.pupil_beta, cls._tablets(cls.college_beta, 1))
        cls.loan_beta.action_activate()
        assert Loan.search_count([("college_id", "=", cls.college_alpha.id)]) == 4

        # Incidents of 2026-2027 at Alpha: a breakage, two failures (one declared late, R18), a
        # loss, and a theft declared by mistake then cancelled.
        cls.breakage = cls._incident("breakage", cls.loan_alpha, datetime(2026, 10, 5, 10), datetime(2026, 10, 5, 18))
        cls.failure_late = cls._incident("failure", cls.loan_two, datetime(2026, 10, 10, 8), datetime(2026, 10, 14, 9))
        cls.failure = cls._incident("failure", cls.loan_teacher, datetime(2026, 10, 20, 8), datetime(2026, 10, 20, 12))
        cls.loss = cls._incident("loss", cls.loan_teacher, datetime(2026, 11, 2, 8), datetime(2026, 11, 2, 9))
        (cls.breakage | cls.failure_late | cls.failure | cls.loss).action_validate()
        cls._incident("theft", cls.loan_alpha, datetime(2026, 11, 3, 8), datetime(2026, 11, 3, 9)).action_cancel()
        # In the summer before (2025-2026), and at Beta: not in Alpha's 2026-2027 figures.
        cls.summer_breakage = cls._incident("breakage", cls.loan_two, datetime(2026, 8, 20, 10),
                                            datetime(2026, 8, 20, 11))
        cls._incident("loss", cls.loan_beta, datetime(2026, 10, 6, 10), datetime(2026, 10, 9, 10))

        # Warranty claims (R20): refused, repaired and returned, pending; a cancelled one is not counted.
        cls._claim(cls.breakage, answer="refused", refusal_reason="Traces de choc.")
        cls._claim(cls.failure_late).action_cancel()
        cls._claim(cls.failure_late)
        cls._claim(cls.failure, answer="repaired").action_mark_returned()

        # Charges (R21, R24b): paid 50, invoiced 80, draft 30, and a cancelled one not counted.
        Charge = cls.env["tablet.charge"]
        for incident, case, amount, state in [(cls.breakage, "breakage", 50.0, "paid"),
                                              (cls.loss, "loss", 80.0, "invoiced"),
                                              (cls.loss, "loss", 30.0, "draft"),
                                              (cls.breakage, "breakage", 999.0, "cancelled")]:
            charge = Charge._create_from_incident(decide_for_charge(incident), case, amount=amount)
            if state != "draft":
                # The invoice and its payment are the accounting's business (see TestCharge): only
                # the status counts here.
                charge._write_state({"state": state})

        cls.academy_south_user = new_test_user(
            cls.env, login="t_academy_south", groups="tablet_loan.group_academy_officer",
            company_id=cls.dept_a.id, company_ids=[Command.set(cls.dept_a.ids)],
            tablet_academy_id=cls.academy_south.id)

    @classmethod
    def _incident(cls, incident_type, loan, event, declared):
        return cls.env["tablet.incident"].create({
            "incident_type": incident_type, "loan_id": loan.id,
            "event_datetime": event, "declaration_datetime": declared,
        })

    @classmethod
    def _claim(cls, incident, answer=None, **answer_vals):
        claim = cls.env["tablet.warranty.claim"].create({
            "incident_id": incident.id, "fault_type": "component",
            "supplier_id": cls.env["res.partner"].create({"name": "Fournisseur (test)", "is_company": True}).id,
        })
        claim.action_send()
        if answer:
            claim.write({"rma_number": "RMA-1", "answer": answer, **answer_vals})
            claim.action_record_answer()
        return claim

    def _report(self, college=None, school_year="2026-2027", text=USAGE):
        """The head's report, written in the form as the head does."""
        form = Form(self.env["tablet.annual.report"].with_user(self.head_alpha))
        if college:
            form.college_id = college
        form.school_year = school_year
        if text:
            form.usage_text = text
        return form.save()

    def _figures(self, report):
        return {fname: report[fname] for fname in EXPECTED_2026}

    def _submitted(self):
        report = self._report()
        report.with_user(self.head_alpha).action_submit()
        return report

    # ------------------------------------------------------------------ figures
    def test_head_creates_the_year_report_in_one_step(self):
        """The head clicks New: their collège and the current school year are filled in and
        the live figures show before anything is saved."""
        form = Form(self.env["tablet.annual.report"].with_user(self.head_alpha))
        self.assertEqual(form.college_id, self.college_alpha)
        self.assertEqual(form.school_year, school_year_of(date.today()))
        form.school_year = "2026-2027"
        self.assertEqual(form.tablets_deployed, 3)
        self.assertEqual(form.incident_count, 4)
        report = form.save()
        self.assertRecordValues(report, [{
            "state": "draft", "college_id": self.college_alpha.id, "company_id": self.dept_a.id,
            "academy_id": self.academy_north.id, "school_year": "2026-2027", "figures_snapshot": False,
        }])
        self.assertIn("2026-2027", report.display_name)
        self.assertIn("Collège Alpha", report.display_name)

    def test_figures_match_the_records(self):
        """Each figure counts the records of the collège and the school year, and only those."""
        report = self._report()
        self.assertEqual(self._figures(report), EXPECTED_2026)
        self.assertAlmostEqual(report.home_use_share, 2 / 3)
        # The summer before the rentrée belongs to 2025-2026.
        previous = self._report(school_year="2025-2026")
        self.assertRecordValues(previous, [{"tablets_deployed": 0, "home_use_share": 0.0, "incident_count": 1,
                                            "incident_breakage_count": 1, "claim_count": 0, "charge_count": 0}])
        beta = self.env["tablet.annual.report"].create({"college_id": self.college_beta.id,
                                                        "school_year": "2026-2027"})
        self.assertRecordValues(beta, [{"tablets_deployed": 1, "home_use_count": 0, "incident_count": 1,
                                        "incident_loss_count": 1, "late_declaration_count": 1,
                                        "claim_count": 0, "charge_count": 0}])
        # Live while draft: a new incident counts at once.
        self._incident("loss", self.loan_alpha, datetime(2026, 11, 10, 8), datetime(2026, 11, 10, 9))
        report.invalidate_recordset()
        self.assertEqual(report.incident_loss_count, 2)
        self.assertEqual(report.incident_count, 5)

    def test_one_figure_per_incident_type(self):
        """The incident figures follow the incident model's selection: none is forgotten."""
        selection = [value for value, _label in self.env["tablet.incident"]._fields["incident_type"].selection]
        self.assertEqual(sorted(INCIDENT_TYPE_FIELDS), sorted(selection))
        for fname in list(INCIDENT_TYPE_FIELDS.values()) + list(CLAIM_OUTCOME_FIELDS.values()):
            self.assertIn(fname, self.env["tablet.annual.report"]._fields)
        rows = self._report()._incident_rows()
        self.assertEqual([count for _label, count in rows], [1, 2, 1, 0])

    def test_figures_of_many_reports_in_a_constant_number_of_queries(self):
        """Four grouped queries (loans, incidents, claims, charges) for one report or many."""
        Report = self.env["tablet.annual.report"]
        one = self._report()
        beta = Report.create({"college_id": self.college_beta.id, "school_year": "2026-2027"})
        many = Report.browse((one | self._report(school_year="2025-2026") | self._report(school_year="2027-2028")).ids
                             + beta.ids)
        one = Report.browse(one.ids)
        counts = {}
        for reports in (one, many, one, many):  # the first round warms the caches up
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            reports.mapped("tablets_deployed")
            counts[len(reports)] = self.env.cr.sql_log_count - before
        self.assertEqual(counts[1], counts[4], "the query count does not grow with the number of reports")
        # The reports, then loans, incidents, claims and charges; the Département's currency (2).
        self.assertEqual(counts[4], 7)

    def test_unique_per_college_and_year(self):
        self._report()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["tablet.annual.report"].create({"college_id": self.college_alpha.id, "school_year": "2026-2027"})
        for bad in ("2026-2028", "2026/2027", "26-27"):
            with self.subTest(school_year=bad), self.assertRaises(ValidationError) as err, self.cr.savepoint():
                self._report(school_year=bad)
            self.assertIn(bad, str(err.exception))

    # ---------------------------------------------------------------- workflow
    def test_only_the_head_submits(self):
        """R27: the head sends the report; the référent or the Département cannot."""
        report = self._report()
        for user in (self.referent_alpha, self.manager_a):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                report.with_user(user).action_submit()
        self.assertEqual(report.state, "draft")
        with self.assertRaises(AccessError):
            report.with_user(self.referent_alpha).usage_text = "<p>Texte du référent</p>"
        with self.assertRaises(AccessError):
            report.with_user(self.manager_a).usage_text = "<p>Texte du Département</p>"
        with self.assertRaises(AccessError):
            self.env["tablet.annual.report"].with_user(self.manager_a).create({
                "college_id": self.college_beta.id, "school_year": "2026-2027", "usage_text": "<p>Texte</p>"})
        with self.assertRaises(AccessError):
            report.with_user(self.head_alpha).write({"state": "submitted"})
        with self.assertRaises(AccessError):
            report.with_user(self.head_alpha).write({"figures_snapshot": {"tablets_deployed": 999}})

    def test_text_required_to_submit(self):
        for text in (False, "<p><br></p>"):
            report = self._report(school_year="2025-2026", text=False)
            report.with_user(self.head_alpha).usage_text = text
            with self.subTest(text=text), self.assertRaises(UserError):
                report.with_user(self.head_alpha).action_submit()
            self.assertEqual(report.state, "draft")
            report.unlink()

    def test_submission_freezes_the_figures_and_notifies(self):
        """The snapshot is what the Académie and the Département read; both are notified and
        get an activity, but not another académie or another Département."""
        self._commit_tracking()
        report = self._submitted()
        self.assertRecordValues(report, [{"state": "submitted", "submitted_by_id": self.head_alpha.id}])
        self.assertTrue(report.submitted_date and report.figures_date)
        self.assertEqual(report.figures_snapshot["tablets_deployed"], 3)
        self.assertEqual(self._figures(report), EXPECTED_2026)
        # Later records change the live figures, not the submitted ones.
        self._incident("loss", self.loan_alpha, datetime(2026, 11, 10, 8), datetime(2026, 11, 10, 9))
        report.invalidate_recordset()
        self.assertEqual(self._figures(report), EXPECTED_2026)
        live = report._live_figures()[(self.college_alpha.id, "2026-2027")]
        self.assertEqual(live["incidents_by_type"]["loss"], 2)
        # Notified: the académie officers of the collège's académie and the Département's managers.
        read_type = self.env.ref("tablet_loan.mail_activity_annual_report_read")
        activities = report.activity_ids.filtered(lambda a: a.activity_type_id == read_type)
        self.assertIn(self.academy_user, activities.user_id)
        self.assertIn(self.manager_a, activities.user_id)
        for stranger in (self.academy_south_user, self.manager_b, self.officer_a, self.referent_alpha):
            self.assertNotIn(stranger, activities.user_id)
        message = report.message_ids.filtered(lambda m: m.message_type == "comment")[:1]
        self.assertIn(self.academy_user.partner_id, message.partner_ids)
        self.assertIn(self.manager_a.partner_id, message.partner_ids)
        self.assertNotIn(self.manager_b.partner_id, message.partner_ids)
        self.assertEqual(message.author_id, self.head_alpha.partner_id)
        # Frozen: no change, no deletion, not even by the head.
        with self.assertRaises(UserError):
            report.with_user(self.head_alpha).usage_text = "<p>Autre texte</p>"
        with self.assertRaises(UserError):
            report.with_user(self.head_alpha).unlink()
        with self.assertRaises(UserError):
            report.with_user(self.head_alpha).action_submit()

    def test_draft_can_be_deleted_by_the_head(self):
        report = self._report()
        report.with_user(self.head_alpha).unlink()
        self.assertFalse(report.exists())

    def test_acknowledged_by_the_academie_and_the_departement(self):
        """Each recipient records who read it and when; acknowledged once both have."""
        report = self._submitted()
        with self.assertRaises(AccessError):
            report.with_user(self.officer_a).action_acknowledge()  # the officer reads, the manager acknowledges
        with self.assertRaises(AccessError):
            report.with_user(self.referent_alpha).action_acknowledge()
        as_academy = report.with_user(self.academy_user)
        self.assertTrue(as_academy.can_acknowledge)
        as_academy.action_acknowledge()
        self.assertRecordValues(report, [{"state": "submitted", "academy_read_by_id": self.academy_user.id,
                                          "department_read_by_id": False}])
        self.assertTrue(report.academy_read_date)
        self.assertFalse(report.with_user(self.academy_user).can_acknowledge)
        with self.assertRaises(UserError):
            report.with_user(self.academy_user).action_acknowledge()
        read_type = self.env.ref("tablet_loan.mail_activity_annual_report_read")
        remaining = report.activity_ids.filtered(lambda a: a.activity_type_id == read_type).user_id
        self.assertNotIn(self.academy_user, remaining)
        self.assertIn(self.manager_a, remaining)
        report.with_user(self.manager_a).action_acknowledge()
        self.assertRecordValues(report, [{"state": "acknowledged", "department_read_by_id": self.manager_a.id}])
        self.assertTrue(report.department_read_date)
        self.assertFalse(report.activity_ids.filtered(lambda a: a.activity_type_id == read_type))

    def test_without_academie_the_departement_acknowledges_alone(self):
        """Isère model (I): a collège without académie reports to the Département only."""
        self.college_alpha.academy_id = False
        report = self._submitted()
        report.with_user(self.manager_a).action_acknowledge()
        self.assertEqual(report.state, "acknowledged")

    # ----------------------------------------------------------------- access
    def test_who_sees_what(self):
        """Head writes, référent reads; the Académie reads its collèges' submitted reports;
        the Département its company's; nobody else."""
        report = self._report()
        report.with_user(self.referent_alpha).read(["display_name", "tablets_deployed", "charge_amount", "usage_text"])
        self.assertEqual(report.with_user(self.referent_alpha).charge_amount, 160.0,
                         "the référent reads the charges' total, not the charges")
        with self.assertRaises(AccessError):
            self.env["tablet.annual.report"].with_user(self.referent_alpha).create(
                {"college_id": self.college_alpha.id, "school_year": "2027-2028"})
        with self.assertRaises(AccessError):
            self.env["tablet.annual.report"].with_user(self.head_alpha).create(
                {"college_id": self.college_beta.id, "school_year": "2026-2027"})
        report.with_user(self.officer_a).read(["display_name", "tablets_deployed"])
        # The Académie receives the report once submitted.
        with self.assertRaises(AccessError):
            report.with_user(self.academy_user).read(["display_name"])
        report.with_user(self.head_alpha).action_submit()
        report.invalidate_recordset()
        self.assertEqual(report.with_user(self.academy_user).tablets_deployed, 3)
        Report = self.env["tablet.annual.report"]
        self.assertEqual(Report.with_user(self.academy_user).search([]), report)
        self.assertFalse(Report.with_user(self.academy_south_user).search([]))
        self.assertFalse(Report.with_user(self.manager_b).search([]))
        for user in (self.academy_south_user, self.manager_b, self.accountant_alpha, self.supplier_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                report.with_user(user).read(["display_name"])
        for user in (self.accountant_alpha, self.supplier_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Report.with_user(user).search([])
        with self.assertRaises(AccessError):
            report.with_user(self.academy_south_user).action_acknowledge()
        with self.assertRaises(AccessError):
            report.with_user(self.manager_b).action_acknowledge()

    @freeze_time("2027-06-20")
    def test_generate_the_year_reports(self):
        """The programme manager prepares a draft for each collège that lent tablets this year."""
        Report = self.env["tablet.annual.report"]
        self._report()  # Alpha's head already started theirs
        with self.assertRaises(AccessError):
            Report.with_user(self.officer_a).action_generate_year_reports()
        action = Report.with_user(self.manager_a).action_generate_year_reports()
        reports = Report.with_user(self.manager_a).search([("school_year", "=", "2026-2027")])
        self.assertEqual(reports.college_id, self.college_alpha | self.college_beta)
        self.assertEqual(len(reports), 2)
        self.assertEqual(action["res_model"], "tablet.annual.report")
        self.assertIn(("school_year", "=", "2026-2027"), action["domain"])
        Report.with_user(self.manager_a).action_generate_year_reports()
        self.assertEqual(Report.with_user(self.manager_a).search_count([("school_year", "=", "2026-2027")]), 2,
                         "no duplicate")

    # -------------------------------------------------------------------- PDF
    def _render_html(self, report, user):
        content, _type = self.env["ir.actions.report"].with_user(user)._render_qweb_html(REPORT, report.ids)
        return html.fromstring(content.decode())

    def test_pdf(self):
        """The PDF names the collège and the year, holds the figures and the head's text."""
        report = self._submitted()
        tree = self._render_html(report, self.academy_user)
        text = tree.text_content()
        for expected in ("Collège Alpha", "0380027Y", "2026-2027", "Académie Nord (test)", self.dept_a.name,
                         "Les tablettes servent en français"):
            self.assertIn(expected, text)
        figures = {node.get("data-figure"): node.text_content().strip() for node in tree.xpath("//*[@data-figure]")}
        self.assertEqual(figures["tablets_deployed"], "3")
        self.assertEqual(figures["home_use_share"], "67 %")
        self.assertEqual(figures["incident_count"], "4")
        self.assertEqual(figures["late_declaration_count"], "1")
        self.assertEqual(figures["claim_pending_count"], "1")
        self.assertEqual(figures["charge_count"], "3")
        self.assertIn("160", figures["charge_amount"])
        incidents = tree.xpath("//table[contains(@class, 'o_tablet_annual_report_incidents')]//tbody/tr")
        self.assertEqual(len(incidents), 4 + 2, "one row per incident type, the total and late declarations")
        pdf, report_type = (self.env["ir.actions.report"].with_user(self.head_alpha)
                            .with_context(force_report_rendering=True)._render_qweb_pdf(REPORT, report.ids))
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertEqual(PdfFileReader(io.BytesIO(pdf)).getNumPages(), 1)
        self.assertEqual(report._get_report_base_filename().count("2026-2027"), 1)
        with self.assertRaises(AccessError):
            self._render_html(report, self.manager_b)
