from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import TabletLoanCase

PEOPLE_ACTIONS = ("res_partner_action_school_people", "res_partner_action_pupil", "res_partner_action_teacher",
                  "res_partner_action_legal_representative", "res_partner_action_movements")
# What Odoo's business-contact form shows and a collège's people form must not (issue 19).
CONTACT_ONLY_FIELDS = ("vat", "function", "is_college", "property_account_receivable_id", "user_id")
MAINTENANCE_FIELDS = ("maintenance_team_id", "technician_user_id", "owner_user_id", "mtbf", "mttr", "color",
                      "expected_mtbf", "estimated_next_failure", "maintenance_open_count")


@tagged("post_install", "-at_install")
class TestDeskForms(TabletLoanCase):
    """Issue 19: the programme's own forms for people and tablets, bound to its actions and
    opened wherever such a record is clicked; French creation messages; the loans list in
    class order; pivots offering only figures that mean something here."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.person_form = cls.env.ref("tablet_loan.res_partner_view_form_school_person")
        cls.tablet_form = cls.env.ref("tablet_loan.maintenance_equipment_view_form_tablet")
        cls.pupil_b, _rep = cls._pupil_with_representative("Bravo", cls.college_alpha, "5e", "5e B")
        cls.pupil_a2, _rep = cls._pupil_with_representative("Aaron", cls.college_alpha, "5e", "5e A")
        cls.convention, cls.user_list = cls._deployable(
            cls.college_alpha, cls.pupil_alpha | cls.pupil_b | cls.pupil_a2 | cls.teacher_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 4)

    def _action_views(self, xmlid, user):
        action = self.env.ref(xmlid)
        views = ([(v.view_id.id, v.view_mode) for v in action.view_ids]
                 or [(False, mode) for mode in action.view_mode.split(",")])
        # The search view brings every field's description, as the web client loads it.
        views.append((action.search_view_id.id or False, "search"))
        return action, self.env[action.res_model].with_user(user).get_views(views)

    def _arch_fields(self, arch):
        return {node.get("name") for node in etree.fromstring(arch).iter("field")}

    def test_people_actions_open_the_programme_form(self):
        """Every People action (and Arrivals and Departures) opens the people form, which shows
        class and legal representatives and nothing of VAT, job position or 'is a collège'."""
        for xmlid in PEOPLE_ACTIONS:
            action, views = self._action_views(f"tablet_loan.{xmlid}", self.referent_alpha)
            self.assertEqual(action.view_ids.filtered(lambda v: v.view_mode == "form").view_id, self.person_form,
                             xmlid)
            names = self._arch_fields(views["views"]["form"]["arch"])
            for fname in ("name", "school_role", "college_id", "school_class", "grade_level",
                          "legal_representative_ids", "pupil_ids", "email", "phone"):
                self.assertIn(fname, names, xmlid)
            for fname in CONTACT_ONLY_FIELDS:
                self.assertNotIn(fname, names, xmlid)
        # Clicked anywhere (a loan's borrower, a charge's payer): the programme's form for its
        # people, the contact form for a collège and any other contact.
        Partner = self.env["res.partner"].with_user(self.referent_alpha)
        for person in (self.pupil_alpha, self.rep_alpha, self.teacher_alpha):
            self.assertEqual(Partner.browse(person.id).get_formview_id(), self.person_form.id, person.name)
        self.assertNotEqual(Partner.browse(self.college_alpha.id).get_formview_id(), self.person_form.id)
        action = Partner.browse(self.pupil_alpha.id).get_formview_action()
        self.assertEqual(action["views"], [(self.person_form.id, "form")])
        # Odoo's contact form stays what it was for everyone else.
        default = self.env["res.partner"].get_views([(False, "form")])["views"]["form"]
        self.assertNotEqual(default["id"], self.person_form.id)
        self.assertIn("vat", self._arch_fields(default["arch"]))

    def test_tablet_form_has_no_maintenance_team(self):
        """The Tablets action opens the tablet form: serial, status, holder, warranty, value; no
        maintenance team, technician or failure statistics, and its pivot offers none of them."""
        action, views = self._action_views("tablet_loan.maintenance_equipment_action_tablet", self.officer_a)
        self.assertEqual(action.view_ids.filtered(lambda v: v.view_mode == "form").view_id, self.tablet_form)
        names = self._arch_fields(views["views"]["form"]["arch"])
        for fname in ("serial_no", "model", "college_id", "tablet_state", "current_borrower_id", "current_loan_id",
                      "warranty_date", "book_value", "asset_id", "loan_ids", "incident_ids"):
            self.assertIn(fname, names)
        for fname in MAINTENANCE_FIELDS:
            self.assertNotIn(fname, names)
        descriptions = views["models"]["maintenance.equipment"]["fields"]
        for fname in ("color", "mtbf", "mttr", "maintenance_count", "expected_mtbf"):
            if fname in descriptions:
                self.assertFalse(descriptions[fname].get("aggregator"), f"{fname} is no measure of the tablets")
                self.assertFalse(descriptions[fname].get("groupable"), f"{fname} is no grouping of the tablets")
        self.assertEqual(descriptions["cost"]["aggregator"], "sum", "the purchase value stays a measure")
        self.assertTrue(descriptions["college_id"]["groupable"])
        # Outside the tablet views (Maintenance's own), nothing changes.
        plain = self.env["maintenance.equipment"].get_views([(False, "pivot"), (False, "search")])
        self.assertEqual(plain["models"]["maintenance.equipment"]["fields"]["color"].get("aggregator"), "sum")
        # A tablet clicked anywhere opens the tablet form; other equipment Maintenance's.
        tablet = self.tablets[0].with_user(self.referent_alpha)
        self.assertEqual(tablet.get_formview_id(), self.tablet_form.id)
        printer = self.env["maintenance.equipment"].create({"name": "Imprimante du CDI"})
        self.assertNotEqual(printer.get_formview_id(), self.tablet_form.id)
        # The supplier's agent loads it too, without the fields naming who holds the tablet.
        _action, supplier_views = self._action_views("tablet_loan.maintenance_equipment_action_tablet",
                                                     self.supplier_user)
        supplier_names = self._arch_fields(supplier_views["views"]["form"]["arch"])
        self.assertIn("serial_no", supplier_names)
        self.assertNotIn("current_borrower_id", supplier_names)

    def test_creation_messages_read_well_in_french(self):
        """The chatter's first line is a sentence of the document's own, not mail's
        '<description> créé' (English until the integrator's fr.po has the term)."""
        tablet = self.tablets[1]
        first = tablet.message_ids.sorted("id")[:1]
        self.assertRegex(str(first.body), "Tablette ajoutée au parc|Tablet added to the fleet")
        self.assertNotRegex(str(first.body), "Maintenance Equipment|créé")
        loan = self._loan(self.pupil_alpha, self.tablets[2]).with_user(self.referent_alpha)
        body = str(loan.message_ids.sorted("id")[:1].body)
        self.assertRegex(body, "Contrat de prêt établi|Loan contract drawn up")
        # In the writer's language.
        message = loan.with_context(lang="fr_FR")._creation_message()
        self.assertIn(message, ("Contrat de prêt établi.", "Loan contract drawn up."))
        # Other equipment keeps mail's message.
        printer = self.env["maintenance.equipment"].with_context(lang="en_US").create({"name": "Imprimante"})
        self.assertIn("created", printer._creation_message())

    def test_loans_list_in_class_order(self):
        """The loans list reads a collège's classes A to Z, then the pupils by name."""
        _action, views = self._action_views("tablet_loan.tablet_loan_action", self.referent_alpha)
        arch = etree.fromstring(views["views"]["list"]["arch"])
        order = arch.get("default_order")
        self.assertEqual(order, "college_id, school_class, borrower_id")
        loans = (self._loan(self.pupil_b, self.tablets[0]) | self._loan(self.pupil_alpha, self.tablets[1])
                 | self._loan(self.pupil_a2, self.tablets[2]))
        listed = self.env["tablet.loan"].with_user(self.referent_alpha).search([("id", "in", loans.ids)], order=order)
        self.assertEqual(listed.mapped("school_class"), ["5e A", "5e A", "5e B"])
        self.assertEqual(listed[:2].borrower_id.mapped("name"), sorted(listed[:2].borrower_id.mapped("name")))

    def test_loans_pivot_figures(self):
        """The loans pivot: collège by status, with figures a client cannot write."""
        _action, views = self._action_views("tablet_loan.tablet_loan_action", self.referent_alpha)
        pivot = etree.fromstring(views["views"]["pivot"]["arch"])
        self.assertEqual([(f.get("name"), f.get("type")) for f in pivot.iter("field")],
                         [("college_id", "row"), ("state", "col")])
        descriptions = views["models"]["tablet.loan"]["fields"]
        for fname in ("home_use_count", "incident_count", "missing_accessory_count"):
            self.assertEqual(descriptions[fname]["aggregator"], "sum", f"{fname} is a measure of the pivot")
        loan = self._loan(self.pupil_alpha, self.tablets[3])
        self.assertEqual((loan.home_use_count, loan.incident_count, loan.missing_accessory_count), (0, 0, 0))
        with self.assertRaises(AccessError):
            loan.with_user(self.referent_alpha).write({"incident_count": 3})
        groups = self.env["tablet.loan"].with_user(self.referent_alpha).read_group(
            [("id", "=", loan.id)], ["incident_count:sum", "missing_accessory_count:sum"], ["college_id"])
        self.assertEqual(groups[0]["incident_count"], 0)

    def test_list_headers_are_compact(self):
        """One short export button in the tablets list's header; the period exports in Reporting."""
        _action, views = self._action_views("tablet_loan.maintenance_equipment_action_tablet", self.officer_a)
        header = etree.fromstring(views["views"]["list"]["arch"]).find("header")
        self.assertEqual(len(header.findall("button")), 1)
        for xmlid in ("tablet_loan.tablet_fleet_exit_export_menu",
                      "tablet_loan.maintenance_equipment_department_summary_menu"):
            menu = self.env.ref(xmlid)
            self.assertEqual(menu.parent_id, self.env.ref("tablet_loan.menu_tablet_reporting"))
            self.assertEqual(menu.group_ids if "group_ids" in menu._fields else menu.groups_id,
                             self.env.ref("tablet_loan.group_department_officer"))
        summary = self.env.ref("tablet_loan.maintenance_equipment_action_department_summary_xlsx")
        result = summary.with_user(self.officer_a).run()
        self.assertEqual(result["type"], "ir.actions.report")
