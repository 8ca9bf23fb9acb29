from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import TabletLoanCase

CLAIM_FIELDS = ["display_name", "equipment_id", "serial_no", "imei", "college_id", "company_id", "supplier_id",
                "fault_type", "fault_description", "surface_damage", "opened_by_user", "eligible", "state",
                "sent_date", "days_waiting", "rma_number", "answer", "refusal_reason", "activity_ids",
                "message_ids"]
TABLET_FIELDS = ["display_name", "name", "model", "serial_no", "imei", "college_id", "company_id", "partner_id",
                 "tablet_state", "cost", "purchase_date", "warranty_date", "category_id"]


@tagged("post_install", "-at_install")
class TestWarrantyClaim(TabletLoanCase):
    """R20, R21: warranty claims with the supplier; R29: its desk never sees the pupil."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.supplier = Partner.create({"name": "Tablettes Services (test)", "is_company": True})
        cls.other_supplier = Partner.create({"name": "Autre Fournisseur (test)", "is_company": True})
        cls.supplier_user.partner_id.parent_id = cls.supplier
        cls.other_supplier_user = new_test_user(
            cls.env, login="t_supplier_other", groups="tablet_loan.group_supplier_agent",
            company_id=cls.dept_a.id, company_ids=[Command.set(cls.dept_a.ids)])
        cls.other_supplier_user.partner_id.parent_id = cls.other_supplier
        cls.referent_beta = new_test_user(
            cls.env, login="t_referent_beta", groups="tablet_loan.group_college_referent",
            company_id=cls.dept_a.id, company_ids=[Command.set(cls.dept_a.ids)],
            tablet_college_ids=[Command.set(cls.college_beta.ids)])
        cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.teacher_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 3)
        cls.tablets.partner_id = cls.supplier
        cls.tablet = cls.tablets[0]
        cls.loan = cls._loan(cls.pupil_alpha, cls.tablet)
        cls.loan.action_activate()
        now = datetime.now().replace(microsecond=0)
        cls.incident = cls.env["tablet.incident"].with_user(cls.referent_alpha).create({
            "incident_type": "failure", "loan_id": cls.loan.id,
            "event_datetime": now - timedelta(hours=5), "declaration_datetime": now - timedelta(hours=1),
        })
        cls.incident.action_validate()
        cls.env.registry.clear_cache()

    def _claim(self, fault_type="component", surface_damage=False, opened_by_user=False):
        """The référent records the tablet's condition on the claim (R20, R21)."""
        form = Form(self.env["tablet.warranty.claim"].with_user(self.referent_alpha))
        form.incident_id = self.incident
        form.fault_type = fault_type
        form.surface_damage = surface_damage
        form.opened_by_user = opened_by_user
        form.fault_description = "L'écran ne s'allume plus."
        return form.save()

    def _sent_claim(self):
        claim = self._claim()
        claim.action_send()
        return claim

    def _answer(self, claim, answer, **vals):
        """The supplier's desk answers as its agent would."""
        as_supplier = claim.with_user(self.supplier_user)
        as_supplier.write({"rma_number": "RMA-4242", "answer": answer, **vals})
        as_supplier.action_record_answer()
        return as_supplier

    def test_eligible_claim_sent(self):
        """R20: a component failure on an undamaged tablet goes to the supplier."""
        claim = self._claim()
        self.assertEqual(claim.equipment_id, self.tablet)
        self.assertEqual(claim.college_id, self.college_alpha)
        self.assertEqual(claim.company_id, self.dept_a)
        self.assertEqual(claim.supplier_id, self.supplier, "the tablet's vendor by default")
        self.assertTrue(claim.eligible)
        self.assertFalse(claim.ineligibility_reason)
        Claim = self.env["tablet.warranty.claim"]
        self.assertFalse(Claim.with_user(self.supplier_user).search([]), "a draft is not the supplier's yet")
        claim.action_send()
        self.assertEqual(claim.state, "sent")
        today = fields.Date.context_today(claim)
        self.assertEqual(claim.sent_date, today)
        answer_type = self.env.ref("tablet_loan.mail_activity_warranty_answer")
        activity = claim.activity_ids.filtered(lambda a: a.activity_type_id == answer_type)
        self.assertEqual(activity.date_deadline, today + timedelta(days=15))
        self.assertEqual(Claim.with_user(self.supplier_user).search([]), claim)
        self.assertEqual(self.incident.warranty_claim_count, 1)
        with self.assertRaises(ValidationError):
            self._claim()

    def test_waiting_more_than_15_days(self):
        claim = self._sent_claim()
        claim.sudo().sent_date = fields.Date.context_today(claim) - timedelta(days=20)  # 20 days later
        self.assertEqual(claim.days_waiting, 20)
        late = self.env["tablet.warranty.claim"].search([
            ("college_id", "=", claim.college_id.id),  # not the demo's claims
            ("state", "=", "sent"), ("sent_date", "<", fields.Date.context_today(claim) - timedelta(days=15))])
        self.assertEqual(late, claim)

    def test_surface_damage_refused_at_sending(self):
        """R20: shocks, scratches or marks: the warranty does not apply."""
        claim = self._claim(surface_damage=True)
        self.assertFalse(claim.eligible)
        with self.assertRaises(UserError) as err:
            claim.action_send()
        self.assertIn("éraflures", str(err.exception))
        self.assertEqual(claim.state, "draft")
        claim.with_user(self.referent_alpha).write({"surface_damage": False, "fault_type": "other"})
        self.assertFalse(claim.eligible)
        self.assertRegex(claim.ineligibility_reason, "covers only|couvre uniquement")  # R20

    def test_opened_by_user_voids_the_warranty(self):
        """R21: repair or dismantling by the user voids the warranty; reimbursement asked."""
        claim = self._claim(opened_by_user=True)
        self.assertTrue(claim.warranty_void)
        self.assertTrue(claim.reimbursement_requested)
        self.assertFalse(claim.eligible)
        self.assertTrue(any("représentant légal" in m.body for m in claim.message_ids))
        with self.assertRaises(UserError) as err:
            claim.action_send()
        self.assertRegex(str(err.exception), "warranty is void|garantie est annulée")  # R21

    def test_supplier_replaces_the_tablet(self):
        """The supplier's replacement takes the old tablet's place in the loan and the fleet."""
        claim = self._sent_claim()
        as_supplier = claim.with_user(self.supplier_user)
        values = as_supplier.read(CLAIM_FIELDS)[0]
        self.assertEqual(values["serial_no"], self.tablet.serial_no)
        self.assertNotIn("incident_id", as_supplier.fields_get())
        as_supplier.get_views([(False, "form"), (False, "list"), (False, "search")])
        tablet_values = self.tablet.with_user(self.supplier_user).read(TABLET_FIELDS)[0]
        self.assertEqual(tablet_values["college_id"][0], self.college_alpha.id)
        self.assertNotIn("current_borrower_id", self.tablet.with_user(self.supplier_user).fields_get())
        # The supplier's "Tablets" menu: its list and form load and show only the claim's tablet.
        Tablet = self.env["maintenance.equipment"].with_user(self.supplier_user)
        self.assertEqual(Tablet.search([("is_tablet", "=", True)]), self.tablet)
        action = self.env.ref("tablet_loan.maintenance_equipment_action_tablet")
        views = Tablet.get_views([(v.view_id.id, v.view_mode) for v in action.view_ids]
                                 + [(action.search_view_id.id, "search")])
        form_fields = views["models"]["maintenance.equipment"]["fields"]
        self.assertIn("serial_no", form_fields)
        for person_field in ("current_loan_id", "current_borrower_id", "loan_ids", "incident_ids",
                             "warranty_claim_ids"):
            self.assertNotIn(person_field, form_fields)
        self.tablet.with_user(self.supplier_user).read([f for f in form_fields if f in Tablet._fields])
        claim_views = as_supplier.get_views([(False, "form")])
        claim_fields = claim_views["models"]["tablet.warranty.claim"]["fields"]
        self.assertIn("rma_number", claim_fields)
        self.assertNotIn("incident_id", claim_fields)
        as_supplier.read([f for f in claim_fields if f in as_supplier._fields])
        with self.assertRaises(UserError) as err:
            self._answer(claim, "replaced")
        self.assertIn("Nouveau numéro de série", str(err.exception))
        self._answer(claim, "replaced", new_serial_no="SN-NEW-0001", new_imei=self._imei(999001))
        self.assertEqual(claim.state, "answered")
        as_supplier.action_mark_returned()
        self.assertEqual(claim.state, "returned")
        new = self.loan.equipment_id
        with self.assertRaises(AccessError):
            new.with_user(self.supplier_user).read(["serial_no"])  # not a follower of the new tablet
        self.assertNotEqual(new, self.tablet)
        self.assertEqual((new.serial_no, new.imei), ("SN-NEW-0001", self._imei(999001)))
        self.assertEqual(new.tablet_state, "assigned")
        self.assertEqual((new.college_id, new.cost, new.warranty_date, new.model),
                         (self.tablet.college_id, self.tablet.cost, self.tablet.warranty_date, self.tablet.model))
        self.assertEqual(claim.new_equipment_id, new)
        self.assertEqual(self.tablet.tablet_state, "scrapped")
        self.assertFalse(self.tablet.active)
        self.assertEqual(self.tablet.out_of_fleet_date, claim.returned_date)
        self.assertEqual(self.incident.equipment_id, self.tablet, "the incident keeps the tablet concerned")
        self.assertEqual(claim.message_ids[0].author_id, self.supplier_user.partner_id)

    def test_supplier_repairs_the_tablet(self):
        claim = self._sent_claim()
        self.assertEqual(self.tablet.tablet_state, "repair")
        self._answer(claim, "repaired").action_mark_returned()
        self.assertEqual(self.tablet.tablet_state, "assigned")
        self.assertEqual(self.loan.equipment_id, self.tablet)
        self.assertEqual(claim.returned_date, fields.Date.context_today(claim))

    def test_supplier_refuses(self):
        claim = self._sent_claim()
        with self.assertRaises(UserError) as err:
            self._answer(claim, "refused")
        self.assertIn("Motif du refus", str(err.exception))
        self._answer(claim, "refused", refusal_reason="Trace d'oxydation.")
        claim.with_user(self.supplier_user).action_mark_returned()
        # Issue 15: not "in repair" for ever: back at the collège, out of order, for the collège to act on.
        self.assertEqual(self.tablet.tablet_state, "out_of_order")
        refused = self.env.ref("tablet_loan.mail_activity_warranty_refused")
        activity = claim.activity_ids.filtered(lambda a: a.activity_type_id == refused)
        self.assertEqual(activity.user_id, self.referent_alpha)

    def test_supplier_sees_no_personal_data(self):
        """R29: the supplier's desk sees neither the incident, the loan nor the pupil."""
        claim = self._sent_claim()
        as_supplier = claim.with_user(self.supplier_user)
        with self.assertRaises(AccessError):
            as_supplier.read(["incident_id"])
        with self.assertRaises(AccessError):
            self.loan.with_user(self.supplier_user).read(["state"])
        with self.assertRaises(AccessError):
            self.incident.with_user(self.supplier_user).read(["incident_type"])
        with self.assertRaises(AccessError):
            self.pupil_alpha.with_user(self.supplier_user).read(["name"])
        with self.assertRaises(AccessError):
            self.tablet.with_user(self.supplier_user).read(["current_borrower_id"])
        with self.assertRaises(AccessError):
            as_supplier.write({"surface_damage": True})
        self.assertFalse(claim.surface_damage)
        with self.assertRaises(AccessError):
            self.tablets[1].with_user(self.supplier_user).read(["serial_no"])

    def test_other_supplier_and_other_college_see_nothing(self):
        claim = self._sent_claim()
        as_other = self.env["tablet.warranty.claim"].with_user(self.other_supplier_user)
        self.assertFalse(as_other.search([]))
        with self.assertRaises(AccessError):
            claim.with_user(self.other_supplier_user).read(["state"])
        with self.assertRaises(AccessError):
            self.tablet.with_user(self.other_supplier_user).read(["serial_no"])
        with self.assertRaises(AccessError):
            claim.with_user(self.referent_beta).read(["state"])
        self.assertEqual(claim.with_user(self.officer_a).read(["state"])[0]["state"], "sent")

    def test_incident_button_opens_the_claim(self):
        action = self.incident.with_user(self.referent_alpha).action_open_warranty_claim()
        self.assertEqual(action["res_model"], "tablet.warranty.claim")
        self.assertEqual(action["context"]["default_incident_id"], self.incident.id)
        claim = self._claim()
        action = self.incident.with_user(self.referent_alpha).action_open_warranty_claim()
        self.assertEqual(action["res_id"], claim.id, "the open claim, not a second one")
        claim.action_cancel()
        self.assertEqual(claim.state, "cancelled")
