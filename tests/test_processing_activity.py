from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, HttpCase, tagged

from .common import TabletLoanCase, execute_kw

NOTICE = "tablet_loan.report_privacy_notice"
CONTRACT = "tablet_loan.report_loan_contract"


@tagged("post_install", "-at_install")
class TestProcessingActivity(TabletLoanCase):
    """R29 (B 7, B 8): each party's register of processing activities as records, validated for
    its DPO by the party's own validator; the families' information notice printed from them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dept_a.write({"tablet_dpo_name": "Mme Délia Protecta", "tablet_dpo_email": "dpo@dept-a.example",
                          "tablet_dpo_address": "1 rue du Département\n38000 Grenoble",
                          "tablet_retention_months": 18})
        Register = cls.env["tablet.processing.activity"]
        cls.department_register = Register.create({"party_type": "department", "company_id": cls.dept_a.id})
        cls.academy_register = Register.create({"party_type": "academy", "company_id": cls.dept_a.id,
                                                "academy_id": cls.academy_north.id})

    def _college_register(self, user=None):
        form = Form(self.env["tablet.processing.activity"].with_user(user or self.head_alpha))
        form.party_type = "college"
        form.company_id = self.dept_a
        form.college_id = self.college_alpha
        return form.save()

    def test_prefilled_from_the_convention_and_the_department(self):
        register = self._college_register()
        self.assertEqual(register.academy_id, self.academy_north, "the collège's académie")
        self.assertIn("collège", register.controller)
        self.assertIn("18 mois", register.retention, "the Département's retention period")
        self.assertEqual(register.dpo_email, "dpo@dept-a.example")
        self.assertIn("Aucun transfert", register.transfers)
        self.assertFalse(register.dpo_validation_date)

    def test_validation_by_the_party_own_validator(self):
        register = self._college_register()
        for user in (self.manager_a, self.referent_alpha, self.academy_user, self.accountant_alpha):
            with self.assertRaises(AccessError, msg=user.login):
                register.with_user(user).action_dpo_validate()
        self.assertFalse(register.dpo_validation_date)
        register.with_user(self.head_alpha).action_dpo_validate()
        self.assertTrue(register.dpo_validation_date)
        self.assertEqual(register.dpo_validated_by_id, self.head_alpha)
        with self.assertRaises(AccessError):
            self.department_register.with_user(self.head_alpha).action_dpo_validate()
        with self.assertRaises(AccessError):
            self.department_register.with_user(self.officer_a).action_dpo_validate()
        self.department_register.with_user(self.manager_a).action_dpo_validate()
        self.assertTrue(self.department_register.dpo_validation_date)
        self.academy_register.with_user(self.academy_user).action_dpo_validate()
        self.assertTrue(self.academy_register.dpo_validation_date)
        # Nobody writes the validation itself.
        for user in (self.manager_a, self.head_alpha):
            with self.assertRaises(AccessError):
                register.with_user(user).write({"dpo_validation_date": "2026-01-01"})
        # A change of content withdraws the DPO's validation.
        register.with_user(self.head_alpha).write({"recipients": "Collège seulement."})
        self.assertFalse(register.dpo_validation_date)
        self.assertFalse(register.dpo_validated_by_id)

    def test_scope_of_each_party(self):
        register = self._college_register()
        with self.assertRaises(AccessError):
            register.with_user(self.academy_user).write({"purposes": "Autre"})
        with self.assertRaises(AccessError):
            self.academy_register.with_user(self.head_alpha).read(["purposes"])
        self.academy_register.with_user(self.academy_user).write({"purposes": "Validation des listes."})
        with self.assertRaises(AccessError):
            register.with_user(self.supplier_user).read(["purposes"])
        with self.assertRaises(AccessError):
            register.with_user(self.manager_b).read(["purposes"])
        with self.assertRaises(AccessError):
            self._college_register(user=self.referent_alpha)
        # The head cannot make a register of another collège.
        with self.assertRaises(AccessError):
            self.env["tablet.processing.activity"].with_user(self.head_alpha).create({
                "party_type": "college", "company_id": self.dept_a.id, "college_id": self.college_beta.id})

    def test_bad_input(self):
        register = self._college_register()
        with self.assertRaises(ValidationError, msg="one register per party"):
            self._college_register()
        with self.assertRaisesRegex(ValidationError, "Académie"):
            register.write({"academy_id": self.academy_south.id})
        with self.assertRaisesRegex(ValidationError, "DPO's E-mail|courriel du délégué à la protection"):
            self.dept_a.write({"tablet_dpo_email": "pas une adresse"})
        with self.assertRaisesRegex(ValidationError, r"(?i)Personal Data Kept|conservation des données personnelles"), \
                self.env.cr.savepoint():
            self.dept_a.write({"tablet_retention_months": 0})
        self.dept_a.invalidate_recordset()
        self.assertEqual(self.dept_a.tablet_retention_months, 18, "nothing changed")

    def test_notice_alone_and_with_the_contract(self):
        register = self._college_register()
        self.department_register.with_user(self.manager_a).action_dpo_validate()
        action = register.with_user(self.referent_alpha).action_print_notice()
        self.assertEqual(action["report_name"], NOTICE)
        html = str(self.env["ir.actions.report"]._render_qweb_html(NOTICE, register.ids)[0].decode())
        for text in ("Information des familles", "Mme Délia Protecta", "dpo@dept-a.example", "18 mois",
                     "Collège Alpha", "validé par le délégué", "CNIL"):
            self.assertIn(text, html)
        self._deployable(self.college_alpha, self.pupil_alpha)
        loan = self._loan(self.pupil_alpha, self._tablets(self.college_alpha, 1))
        html = str(self.env["ir.actions.report"]._render_qweb_html(CONTRACT, loan.ids)[0].decode())
        self.assertIn("Information des familles", html, "the contract's last page")
        self.assertGreater(html.index("Information des familles"), html.index("Élève Alpha"))
        self.assertIn("dpo@dept-a.example", html)
        # Without saved registers, the convention's description is printed.
        (self.department_register | register).sudo().unlink()
        html = str(self.env["ir.actions.report"]._render_qweb_html(CONTRACT, loan.ids)[0].decode())
        self.assertIn("en cours de validation", html)
        self.assertFalse(self.env["tablet.processing.activity"].search([("company_id", "=", self.dept_a.id),
                                                                        ("party_type", "!=", "academy")]),
                         "printing creates nothing")


@tagged("post_install", "-at_install")
class TestProcessingActivityRpc(HttpCase):
    """The same refusals through JSON-RPC, as the demo users."""

    def test_refusals_over_json_rpc(self):
        register = self.env.ref("tablet_loan.demo_register_college_lac_bleu", raise_if_not_found=False)
        if not register:
            self.skipTest("the demo data is needed")
        users = {login: self.env.ref(f"tablet_loan.user_{login}")
                 for login in ("referent", "dept_manager", "supplier", "head")}
        for login in ("referent", "dept_manager"):
            name, _message = execute_kw(self, users[login], register._name, "action_dpo_validate", [register.ids])
            self.assertEqual(name, "odoo.exceptions.AccessError", login)
        name, _message = execute_kw(self, users["referent"], register._name, "write",
                                    [register.ids, {"dpo_validation_date": "2026-01-01"}])
        self.assertEqual(name, "odoo.exceptions.AccessError")
        name, _message = execute_kw(self, users["supplier"], register._name, "read", [register.ids, ["purposes"]])
        self.assertEqual(name, "odoo.exceptions.AccessError")
        register.invalidate_recordset()
        self.assertFalse(register.dpo_validation_date, "nothing changed")
        if register.college_id in users["head"].tablet_college_ids:
            name, _message = execute_kw(self, users["head"], register._name, "action_dpo_validate", [register.ids])
            self.assertEqual(name, "ok")
