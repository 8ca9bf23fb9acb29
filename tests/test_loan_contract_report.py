import io
from datetime import date

from lxml import html

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools.pdf import PdfFileReader

from .common import TabletLoanCase

REPORT = "tablet_loan.action_report_loan_contract"


@tagged("post_install", "-at_install")
class TestLoanContractReport(TabletLoanCase, HttpCase):
    """R11–R16: the loan contract printed for a class, one contract per loan.

    An HttpCase: wkhtmltopdf fetches the report's style sheets from Odoo's HTTP
    server, which must then read the test transaction.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pupil_two, cls.rep_two = cls._pupil_with_representative("Deux", cls.college_alpha, "5e", "5e A")
        cls.pupil_three, cls.rep_three = cls._pupil_with_representative("Trois", cls.college_alpha, "5e", "5e A")
        cls.pupils = cls.pupil_alpha + cls.pupil_two + cls.pupil_three
        cls.convention, _user_list = cls._deployable(cls.college_alpha, cls.pupils + cls.teacher_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 4)
        cls.class_loans = cls.env["tablet.loan"].concat(*(
            cls._loan(pupil, tablet) for pupil, tablet in zip(cls.pupils, cls.tablets, strict=False)
        ))
        cls.teacher_loan = cls._loan(cls.teacher_alpha, cls.tablets[3])

    def _render(self, loans, user=None):
        Report = self.env["ir.actions.report"]
        if user:
            Report = Report.with_user(user)
        content, _report_type = Report._render_qweb_html(REPORT, loans.ids)
        return html.fromstring(content.decode())

    def _contracts(self, tree):
        return tree.xpath("//div[contains(concat(' ', @class, ' '), ' o_tablet_loan_contract ')]")

    def _home_use(self, contract):
        blocks = contract.xpath(".//*[@data-home-use]")
        self.assertEqual(len(blocks), 1, "one home-use block per contract (R12)")
        return blocks[0].get("data-home-use")

    def test_class_prints_one_contract_per_pupil(self):
        """R11: the referent prints the whole class; each contract names the pupil, the
        legal representative, the collège and the tablet."""
        tree = self._render(self.class_loans, user=self.referent_alpha)
        contracts = self._contracts(tree)
        self.assertEqual(len(contracts), 3)
        self.assertEqual([c.get("data-loan-reference") for c in contracts],
                         [loan._reference() for loan in self.class_loans])
        representatives = (self.rep_alpha, self.rep_two, self.rep_three)
        for contract, loan, representative in zip(contracts, self.class_loans, representatives, strict=False):
            with self.subTest(pupil=loan.borrower_id.name):
                text = contract.text_content()
                self.assertIn(loan.borrower_id.name, text)
                self.assertIn(loan.equipment_id.serial_no, text)
                self.assertIn(loan.equipment_id.imei, text)
                self.assertIn(representative.name, text)
                self.assertIn("5e A", text)
                self.assertIn("0380027Y", text)
                self.assertIn("Collège Alpha", text)
                self.assertIn(self.dept_a.name, text)
                self.assertIn(loan._reference(), text)
                self.assertTrue(loan._reference().startswith("PRET-"))
                self.assertIn("2026-2027", text)
                # Other pupils' data stays out of this contract.
                for other in self.class_loans - loan:
                    self.assertNotIn(other.borrower_id.name, text)
                    self.assertNotIn(other.equipment_id.serial_no, text)

    def test_class_prints_as_one_pdf(self):
        """The class gives ONE PDF, at least a page and at most two per contract, each followed by
        the one-page families' information notice (R29, B 7)."""
        pdf, report_type = (self.env["ir.actions.report"].with_user(self.referent_alpha)
                            .with_context(force_report_rendering=True)
                            ._render_qweb_pdf(REPORT, self.class_loans.ids))
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        pages = PdfFileReader(io.BytesIO(pdf)).getNumPages()
        self.assertGreaterEqual(pages, 6)
        self.assertLessEqual(pages, 9)

    def test_home_use_variants(self):
        """R12: home use once the legal representatives sign, where the convention allows it;
        R24c: a replacement tablet that stays at the collège never goes home."""
        first, second, third = self.class_loans
        first.write({"signed_by_id": self.rep_alpha.id, "signed_date": date(2026, 9, 3)})
        third.stays_at_college = True
        contracts = self._contracts(self._render(self.class_loans, user=self.referent_alpha))
        self.assertEqual([self._home_use(c) for c in contracts], ["yes", "pending", "no"])
        signed = contracts[0].xpath(".//*[@data-home-use]")[0].text_content()
        self.assertIn(self.rep_alpha.name, signed)
        self.assertIn("03/09/2026", signed)

    def test_home_use_not_allowed_by_convention(self):
        """R12: a collège that does not allow home use keeps every tablet at school."""
        self._deployable(self.college_beta, self.pupil_beta, home_use=False)
        loan = self._loan(self.pupil_beta, self._tablets(self.college_beta, 1))
        loan.write({"signed_by_id": self.rep_beta.id, "signed_date": date(2026, 9, 3)})
        contract, = self._contracts(self._render(loan))
        self.assertEqual(self._home_use(contract), "no")

    def test_staff_contract_is_signed_by_the_user(self):
        """R11: an adult signs their own contract; no legal representative is printed."""
        contract, = self._contracts(self._render(self.teacher_loan, user=self.referent_alpha))
        self.assertIn(self.teacher_alpha.name, contract.text_content())
        self.assertFalse(contract.xpath(".//*[contains(@class, 'o_tablet_loan_representatives')]"))
        self.assertEqual(self._home_use(contract), "pending")

    def test_other_department_cannot_print(self):
        """R1: a Département's manager cannot print another Département's contracts."""
        with self.assertRaises(AccessError):
            self._render(self.class_loans[:1], user=self.manager_b)

    def test_print_menu_and_button(self):
        report = self.env.ref(REPORT)
        self.assertEqual(report.binding_model_id.model, "tablet.loan")
        self.assertEqual(report.binding_type, "report")
        action = self.class_loans.with_user(self.referent_alpha).action_print_contract()
        self.assertEqual(action["report_name"], "tablet_loan.report_loan_contract")
        self.assertEqual(action["context"]["active_ids"], self.class_loans.ids)
