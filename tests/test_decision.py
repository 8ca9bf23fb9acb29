from datetime import date, datetime, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import TabletLoanCase


@tagged("post_install", "-at_install")
class TestReplacementDecision(TabletLoanCase):
    """R23, R24: the head decides on a replacement and its counterparts; the référent prepares."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.teacher_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 3)
        cls.loan = cls._loan(cls.pupil_alpha, cls.tablets[0], date_start=date(2026, 9, 1))
        cls.loan.action_activate()
        cls.loan.write({"signed_by_id": cls.rep_alpha.id, "signed_date": date(2026, 9, 2)})
        cls.tariff = cls.env["tablet.charge.tariff"].create({
            "college_id": cls.college_alpha.id, "school_year": "2026-2027",
            "ca_deliberation_date": date(2026, 6, 20), "ca_deliberation_ref": "CA 2026-12",
            "depreciation_years": 4,
            "line_ids": [Command.create({"case": "breakage", "amount_type": "fixed", "fixed_amount": 50.0,
                                         "cap_amount": 100.0}),
                         Command.create({"case": "theft", "amount_type": "percent", "percentage": 50.0,
                                         "cap_amount": 120.0}),
                         Command.create({"case": "warranty_void", "amount_type": "fixed", "fixed_amount": 150.0,
                                         "cap_amount": 200.0})],
        })
        now = datetime.now().replace(microsecond=0)
        cls.incident = cls.env["tablet.incident"].create({
            "incident_type": "breakage", "loan_id": cls.loan.id,
            "event_datetime": now - timedelta(hours=5), "declaration_datetime": now,
        })
        cls.incident.action_validate()

    def _prepare(self, user, **values):
        form = Form(self.incident.with_user(user))
        form.decision = "replace"
        form.qualification = "negligence"
        form.replacement_equipment_id = self.tablets[1]
        for name, value in values.items():
            setattr(form, name, value)
        return form.save()

    def test_only_the_head_decides(self):
        incident = self._prepare(self.referent_alpha, counterpart_no_gift=True)
        with self.assertRaises(AccessError):
            incident.with_user(self.referent_alpha).action_decide()
        self.assertFalse(incident.decision_date)
        self.assertEqual(self.loan.equipment_id, self.tablets[0], "nothing changed")
        with self.assertRaises(AccessError):
            self.loan.with_user(self.referent_alpha).write({"no_gift": True})
        self.assertFalse(self.loan.no_gift)

    def test_replacement_without_gift(self):
        """R24a: no gift at the end of 3e."""
        self._prepare(self.referent_alpha, counterpart_no_gift=True)
        self.incident.with_user(self.head_alpha).action_decide()
        self.assertEqual(self.loan.equipment_id, self.tablets[1], "the replacement takes the old one's place")
        self.assertEqual(self.tablets[1].tablet_state, "assigned")
        self.assertEqual(self.tablets[0].tablet_state, "repair")
        self.assertTrue(self.loan.no_gift)
        self.assertEqual(self.incident.decided_by_id, self.head_alpha)
        self.assertIn(self.loan, self.loan._gift_refusals())

    def test_replacement_with_financial_counterpart(self):
        """R24b: proposed from the CA tariff, editable by the head up to its cap."""
        incident = self._prepare(self.head_alpha, counterpart_charge=True)
        self.assertEqual(incident.proposed_charge_amount, 50.0)
        self.assertEqual(incident.charge_amount, 50.0)
        incident.charge_amount = 150.0
        with self.assertRaises(ValidationError):
            incident.with_user(self.head_alpha).action_decide()
        self.assertFalse(incident.charge_id)
        self.assertEqual(self.loan.equipment_id, self.tablets[0], "nothing half-done")
        incident.charge_amount = 80.0
        incident.with_user(self.head_alpha).action_decide()
        charge = incident.charge_id
        self.assertEqual(charge.amount, 80.0)
        self.assertEqual(charge.payer_id, self.rep_alpha)
        self.assertEqual(charge.tariff_line_id.case, "breakage")

    def test_replacement_stays_at_college(self):
        """R24c: the replacement stays at the collège and no longer goes home."""
        self.assertTrue(self.loan.home_use_allowed)
        self._prepare(self.head_alpha, counterpart_stays=True)
        self.incident.with_user(self.head_alpha).action_decide()
        self.assertTrue(self.loan.stays_at_college)
        self.assertFalse(self.loan.home_use_allowed)

    def test_bad_decisions(self):
        incident = self.incident.with_user(self.head_alpha)
        with self.assertRaises(UserError):
            incident.action_decide()  # no decision chosen
        incident.write({"decision": "no_replacement", "qualification": "accident", "counterpart_no_gift": True})
        with self.assertRaises(UserError):
            incident.action_decide()
        incident.write({"counterpart_no_gift": False})
        incident.action_decide()
        self.assertEqual(self.loan.equipment_id, self.tablets[0])
        with self.assertRaises(UserError):
            incident.action_decide()  # decided once

    def test_user_repair_voids_the_warranty_and_the_family_reimburses(self):
        """R21: opened or repaired by the user, the warranty is void and the legal
        representative is asked to reimburse the equipment, at the CA's tariff."""
        form = Form(self.env["tablet.warranty.claim"].with_user(self.referent_alpha).with_context(
            default_incident_id=self.incident.id))
        form.supplier_id = self.env["res.partner"].create({"name": "Fournisseur (test)", "is_company": True})
        form.fault_type = "component"
        form.opened_by_user = True
        claim = form.save()
        self.assertTrue(claim.warranty_void)
        self.assertFalse(claim.eligible)
        self.assertTrue(claim.reimbursement_requested)
        self.assertEqual(claim.activity_ids.user_id, self.head_alpha)
        with self.assertRaises(AccessError):
            claim.with_user(self.referent_alpha).action_create_reimbursement_charge()
        claim.with_user(self.head_alpha).action_create_reimbursement_charge()
        charge = claim.with_user(self.head_alpha).charge_id
        # R21 is the Département's reimbursement at the tablet's value, not a CA tariff.
        self.assertEqual((charge.case, charge.amount, charge.payer_id, charge.tariff_line_id.id),
                         ("warranty_void", 300.0, self.rep_alpha, False))
        with self.assertRaises(UserError):
            claim.with_user(self.head_alpha).action_create_reimbursement_charge()

    def test_tablet_history_and_head_activity(self):
        """R25: the tablet's form reads its loans, incidents, claims and charges."""
        self.assertEqual(self.incident.activity_ids.user_id, self.head_alpha, "the head is asked to decide")
        self._prepare(self.head_alpha, counterpart_charge=True)
        self.incident.with_user(self.head_alpha).action_decide()
        self.assertFalse(self.incident.activity_ids)
        tablet = self.tablets[0].with_user(self.officer_a)
        self.assertEqual(tablet.incident_ids, self.incident)
        self.assertEqual(tablet.charge_ids, self.incident.charge_id)
        self.assertEqual(self.tablets[1].with_user(self.officer_a).loan_ids, self.loan,
                         "the loan continues on the replacement")
