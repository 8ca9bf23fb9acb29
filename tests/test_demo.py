from odoo.tests import HttpCase, tagged

DEMO_LOGINS = {
    "dept_manager": "tablet_loan.group_department_manager",
    "dept_officer": "tablet_loan.group_department_officer",
    "academy": "tablet_loan.group_academy_officer",
    "head": "tablet_loan.group_college_head",
    "referent": "tablet_loan.group_college_referent",
    "accountant": "tablet_loan.group_college_accountant",
    "supplier": "tablet_loan.group_supplier_agent",
}


@tagged("post_install", "-at_install")
class TestDemoLogins(HttpCase):
    """`make run` serves the login page and every demo user logs in, in French."""

    def test_login_page_and_demo_users(self):
        response = self.url_open("/web/login")
        self.assertEqual(response.status_code, 200)
        self.assertIn('name="login"', response.text)
        for login, group in DEMO_LOGINS.items():
            with self.subTest(login=login):
                user = self.env["res.users"].search([("login", "=", login)])
                self.assertTrue(user, f"demo user {login} exists")
                self.assertEqual(user.lang, "fr_FR")
                self.assertTrue(user.has_group(group))
                session = self.authenticate(login, login)
                self.assertEqual(session.uid, user.id)
                response = self.url_open("/odoo")
                self.assertEqual(response.status_code, 200)
                self.logout()

    def test_demo_programme(self):
        colleges = self.env["res.partner"].search([("is_college", "=", True), ("name", "like", "Collège")])
        demo = self.env.ref("tablet_loan.demo_college_lac_bleu")
        self.assertIn(demo, colleges)
        pupils = self.env["res.partner"].search_count([("school_role", "=", "pupil"), ("college_id", "=", demo.id)])
        self.assertEqual(pupils, 60)
        self.assertEqual(self.env.ref("tablet_loan.demo_convention_lac_bleu").state, "signed")
        self.assertTrue(self.env.ref("tablet_loan.demo_convention_lac_bleu").home_use_allowed)

    def test_demo_fleet_and_loans(self):
        college = self.env.ref("tablet_loan.demo_college_lac_bleu")
        loans = self.env["tablet.loan"].search([("college_id", "=", college.id), ("state", "=", "active")])
        self.assertEqual(len(loans), 40, "5e A and 3e A deployed at the rentrée")
        self.assertEqual(self.env.ref("tablet_loan.demo_user_list_lac_bleu").state, "validated")
        self.assertEqual(self.env["maintenance.equipment"].search_count([
            ("college_id", "=", college.id), ("tablet_state", "=", "stock")]), 30)
