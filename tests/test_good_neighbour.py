from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import TabletLoanCase

# What the module adds to the forms of Odoo's own apps.
TABLET_EQUIPMENT_FIELDS = {"is_tablet", "imei", "mdm_device_id", "college_id", "tablet_state", "purchase_date",
                           "out_of_fleet_date", "loan_count", "current_loan_id", "current_borrower_id", "loan_ids",
                           "incident_ids", "warranty_claim_ids", "charge_ids", "action_open_loans"}
LOAN_FIELDS = {"loan_count", "current_loan_id", "current_borrower_id", "loan_ids", "incident_ids",
               "warranty_claim_ids"}
TABLET_PARTNER_FIELDS = {"is_college", "is_academy", "uai_code", "academy_id", "tablet_journal_id", "school_role",
                         "college_id", "grade_level", "school_class", "leaving_date", "tablet_anonymized",
                         "legal_representative_ids", "pupil_ids", "tablet_loan_count", "college_member_count",
                         "tablet_convention_count", "action_open_tablet_loans", "action_open_college_members",
                         "action_open_tablet_conventions", "action_tablet_anonymize",
                         "action_tablet_export_personal_data", "action_open_departure_wizard"}
TABLET_USER_FIELDS = {"tablet_college_ids", "tablet_academy_id"}


@tagged("post_install", "-at_install")
class TestGoodNeighbour(TabletLoanCase):
    """A Département runs its other equipment, its contacts and its accounting in the same Odoo
    (R1: the Département owns the fleet among its other assets): what the module adds to
    Odoo's shared models and forms shows only to the programme's roles, and never breaks a user
    who has none of them (issue 12; `make test-neighbours` runs the apps' own tests)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._deployable(cls.college_alpha, cls.pupil_alpha)
        cls.tablet = cls._tablets(cls.college_alpha, 1)
        cls.loan = cls._loan(cls.pupil_alpha, cls.tablet)

        def outsider(login, groups):
            return new_test_user(cls.env, login=login, groups=groups, company_id=cls.dept_a.id,
                                 company_ids=[Command.set(cls.dept_a.ids)])

        cls.maintenance_manager = outsider("t_nb_maintenance", "base.group_user,maintenance.group_equipment_manager")
        cls.contacts_user = outsider("t_nb_contacts", "base.group_user,base.group_partner_manager")
        cls.billing_user = outsider("t_nb_billing", "base.group_user,account.group_account_invoice")
        cls.settings_admin = outsider("t_nb_admin", "base.group_user,base.group_erp_manager,base.group_partner_manager")

    def _form_fields(self, model, user, view_ref=None):
        """The fields and buttons of the form a user gets: Odoo drops the nodes of the groups
        they lack, and the web client reads only the fields left in the arch."""
        view = self.env.ref(view_ref).id if view_ref else False
        arch = etree.fromstring(self.env[model].with_user(user).get_views([(view, "form")])["views"]["form"]["arch"])
        return set(arch.xpath("//field/@name")) | set(arch.xpath("//button/@name"))

    def test_maintenance_manager_outside_programme(self):
        """Odoo's maintenance test `test_basic_access_and_new_equipment`, and a tablet opened by the
        same Maintenance manager: no AccessError on tablet.loan, no tablet field shown."""
        with Form(self.env["maintenance.equipment"].with_user(self.maintenance_manager)) as form:
            form.name = "Perceuse du service technique"
        equipment = form.record
        self.assertEqual(equipment.name, "Perceuse du service technique")
        self.assertFalse(equipment.is_tablet)
        Form(self.tablet.with_user(self.maintenance_manager))  # opens (web_read of the whole form)
        self.assertFalse(TABLET_EQUIPMENT_FIELDS & self._form_fields("maintenance.equipment", self.maintenance_manager))
        # Through RPC, the fields reading loans are refused with a clear AccessError, not a crash.
        with self.assertRaises(AccessError):
            self.tablet.with_user(self.maintenance_manager).read(["current_borrower_id"])

    def test_programme_roles_keep_their_tablet_form(self):
        """Each role opens a tablet's form; loans, incidents and claims show to those who may read
        them (officers, heads, référents), not to the académie or the accountant (no right on loans)."""
        cases = [(self.officer_a, True), (self.manager_a, True), (self.head_alpha, True),
                 (self.referent_alpha, True), (self.academy_user, False), (self.accountant_alpha, False)]
        for user, reads_loans in cases:
            with self.subTest(user=user.login):
                fields = self._form_fields("maintenance.equipment", user)
                self.assertIn("imei", fields)
                self.assertIn("tablet_state", fields)
                self.assertEqual(LOAN_FIELDS <= fields, reads_loans)
                form = Form(self.tablet.with_user(user))
                if reads_loans:
                    self.assertEqual(form.current_loan_id, self.loan)
        self.assertEqual(self.tablet.loan_count, 1)

    def test_contacts_user_outside_programme(self):
        """A Contacts user edits a contact: no tablet field, button or page; a collège opens too."""
        fields = self._form_fields("res.partner", self.contacts_user)
        self.assertFalse(TABLET_PARTNER_FIELDS & fields, TABLET_PARTNER_FIELDS & fields)
        with Form(self.env["res.partner"].with_user(self.contacts_user)) as form:
            form.name = "Fournisseur de fournitures"
        self.assertTrue(form.record.exists())
        Form(self.college_alpha.with_user(self.contacts_user))
        with self.assertRaises(AccessError):
            self.pupil_alpha.with_user(self.contacts_user).read(["tablet_loan_ids"])
        search = self.env["res.partner"].with_user(self.contacts_user).get_views([(False, "search")])
        self.assertNotIn("filter_pupil", search["views"]["search"]["arch"])
        # A programme role keeps the page and the filters.
        self.assertLessEqual({"school_role", "college_id", "is_college"},
                             self._form_fields("res.partner", self.referent_alpha))
        search = self.env["res.partner"].with_user(self.referent_alpha).get_views([(False, "search")])
        self.assertIn("filter_pupil", search["views"]["search"]["arch"])

    def test_billing_user_outside_programme(self):
        """An invoicing user bills a customer: the global rules on invoices and payments leave a
        user outside the programme untouched."""
        self.env["account.chart.template"].try_loading("generic_coa", company=self.dept_a, install_demo=False)
        customer = self.env["res.partner"].create({"name": "Client ordinaire", "company_id": self.dept_a.id})
        Move = self.env["account.move"].with_user(self.billing_user).with_company(self.dept_a)
        with Form(Move.with_context(default_move_type="out_invoice")) as form:
            form.partner_id = customer
            with form.invoice_line_ids.new() as line:
                line.name = "Prestation"
                line.price_unit = 100.0
        invoice = form.record
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(Move.search([("id", "=", invoice.id)]), invoice)

    def test_users_form_outside_programme(self):
        """A settings administrator without a programme role edits a user: no tablet page; the
        Département's programme manager keeps it."""
        self.assertFalse(TABLET_USER_FIELDS & self._form_fields("res.users", self.settings_admin, "base.view_users_form"))
        with Form(self.maintenance_manager.with_user(self.settings_admin), view="base.view_users_form") as form:
            form.name = "Responsable maintenance"
        self.assertEqual(self.maintenance_manager.name, "Responsable maintenance")
        admin = self.env.ref("base.user_admin")
        self.assertLessEqual(TABLET_USER_FIELDS, self._form_fields("res.users", admin, "base.view_users_form"))

    def test_users_and_contacts_created_outside_programme(self):
        """A new user's partner receives every default (_inherits), the collège's payment term and
        reminder delays included: a settings administrator and a contacts user without a
        programme role create users and companies as before; choosing a collège's term still
        needs a programme role."""
        user = self.env["res.users"].with_user(self.settings_admin).create({
            "name": "Comptable du Département", "login": "t_nb_new_accountant",
            "company_id": self.dept_a.id, "company_ids": [Command.set(self.dept_a.ids)]})
        self.assertEqual(user.partner_id.tablet_payment_days, 30)
        company = self.env["res.partner"].with_user(self.contacts_user).create({
            "name": "Fournisseur de housses", "is_company": True})
        self.assertEqual(company.tablet_reminder_first_days, 15)
        with self.assertRaises(AccessError):
            self.college_alpha.with_user(self.contacts_user).write({"tablet_payment_days": 45})
        self.assertEqual(self.college_alpha.tablet_payment_days, 30)
