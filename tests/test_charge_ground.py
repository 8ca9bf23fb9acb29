"""Issue 14: a charge to a family stands on a deliberation of the collège's CA (R24b).

A tariff is a deliberation: numbered, voted, in force from its date of effect; a charge
takes the deliberation in force on the date of the facts, not the school year's.
"""
from datetime import date, datetime, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged

from ..models.tablet_workflow_mixin import as_action
from .common import TabletLoanCase, decide_for_charge, demo_users, execute_kw


def lend_under_deliberation(cls, tablet_count, effective_date=None):
    """The pupil of collège alpha holds a tablet lent on 1 September 2026, under the CA's
    deliberation n° 4 (voted 12 June 2026: 50 € per case, capped at 100 €)."""
    cls._deployable(cls.college_alpha, cls.pupil_alpha)
    cls.tablets = cls._tablets(cls.college_alpha, tablet_count)
    cls.loan = cls._loan(cls.pupil_alpha, cls.tablets[0], date_start=date(2026, 9, 1))
    cls.loan.action_activate()
    cls.tariff = cls.env["tablet.charge.tariff"].create({
        "college_id": cls.college_alpha.id, "ca_deliberation_ref": "CA n° 4",
        "ca_deliberation_date": date(2026, 6, 12), "effective_date": effective_date or date(2026, 6, 12),
        "line_ids": [Command.create({"case": case, "fixed_amount": 50.0, "cap_amount": 100.0})
                     for case in ("breakage", "loss", "theft")],
    })


@tagged("post_install", "-at_install")
class TestChargeDeliberation(TabletLoanCase):
    """R24b: the deliberation in force on the date of the facts sets the amount and the cap."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._deployable(cls.college_alpha, cls.pupil_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 2)
        cls.loan = cls._loan(cls.pupil_alpha, cls.tablets[0], date_start=date(2026, 9, 1))
        cls.loan.action_activate()
        Tariff = cls.env["tablet.charge.tariff"]
        # Voted in June for the school year; a new deliberation voted on 10 November takes
        # effect on 20 November.
        cls.june = Tariff.create({
            "college_id": cls.college_alpha.id, "ca_deliberation_ref": "CA n° 4",
            "ca_deliberation_date": date(2026, 6, 12), "effective_date": date(2026, 9, 1),
            "line_ids": [Command.create({"case": "breakage", "fixed_amount": 50.0, "cap_amount": 100.0})],
        })
        cls.november = Tariff.create({
            "college_id": cls.college_alpha.id, "ca_deliberation_ref": "CA n° 9",
            "ca_deliberation_date": date(2026, 11, 10), "effective_date": date(2026, 11, 20),
            "line_ids": [Command.create({"case": "breakage", "fixed_amount": 80.0, "cap_amount": 120.0})],
        })

    def _incident(self, happened):
        incident = self.env["tablet.incident"].create({
            "incident_type": "breakage", "loan_id": self.loan.id, "event_datetime": happened,
            "declaration_datetime": happened + timedelta(hours=1),
        })
        incident.action_validate()
        return incident

    def test_tariff_in_force_on_the_date_of_the_facts(self):
        """Across a change of deliberation, older facts keep the older tariff; the school year
        does not choose."""
        Tariff = self.env["tablet.charge.tariff"]
        self.assertFalse(Tariff._find_line(self.college_alpha, date(2026, 8, 31), "breakage"),
                         "before the first date of effect, no tariff")
        self.assertEqual(Tariff._find_line(self.college_alpha, date(2026, 11, 19), "breakage").tariff_id, self.june)
        self.assertEqual(Tariff._find_line(self.college_alpha, date(2026, 11, 20), "breakage").tariff_id,
                         self.november)
        october = self._incident(datetime(2026, 10, 5, 10, 0))
        november = self._incident(datetime(2026, 11, 25, 10, 0))
        self.assertEqual((october.tariff_line_id.tariff_id, october.proposed_charge_amount, october.charge_cap),
                         (self.june, 50.0, 100.0))
        self.assertEqual((november.tariff_line_id.tariff_id, november.proposed_charge_amount, november.charge_cap),
                         (self.november, 80.0, 120.0))
        # Voted before the October facts but in force only after them: the October facts keep June's.
        self.assertEqual(self.env["tablet.charge"]._create_from_incident(
            decide_for_charge(october, amount=None), "breakage").amount, 50.0)

    def test_effect_before_the_vote_is_refused(self):
        """A deliberation cannot take effect before its vote: refused, nothing changed."""
        with self.assertRaises(ValidationError) as err, self.cr.savepoint():
            self.november.write({"effective_date": date(2026, 11, 9)})
        self.assertIn("10/11/2026", str(err.exception), "the message names the vote")
        self.assertEqual(self.november.effective_date, date(2026, 11, 20))
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.env["tablet.charge.tariff"].create({
                "college_id": self.college_alpha.id, "ca_deliberation_ref": "CA n° 10",
                "ca_deliberation_date": date(2026, 12, 1), "effective_date": date(2026, 11, 30)})
        self.assertFalse(self.env["tablet.charge.tariff"].search([("ca_deliberation_ref", "=", "CA n° 10")]))

    def test_effect_defaults_to_the_vote(self):
        tariff = self.env["tablet.charge.tariff"].create({
            "college_id": self.college_alpha.id, "ca_deliberation_ref": "CA n° 11",
            "ca_deliberation_date": date(2026, 12, 1)})
        self.assertEqual(tariff.effective_date, date(2026, 12, 1))
        self.assertIn("CA n° 11", tariff.display_name)

    def test_negative_caps_and_amounts_are_refused(self):
        line = self.november.line_ids
        for vals in ({"cap_amount": -10.0}, {"fixed_amount": -5.0}, {"amount_type": "percent", "percentage": -1.0}):
            with self.subTest(vals=vals), self.assertRaises(ValidationError), self.cr.savepoint():
                line.write(vals)
        self.assertRecordValues(line, [{"amount_type": "fixed", "fixed_amount": 80.0, "cap_amount": 120.0}])


@tagged("post_install", "-at_install")
class TestChargeQualification(TabletLoanCase):
    """R23, R24b: the head qualifies the facts when deciding; only a qualification the
    deliberation in force charges brings a financial counterpart, never a failure."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Charges deliberate damage, negligence, loss and theft; not accidents (the default).
        lend_under_deliberation(cls, 3, effective_date=date(2026, 9, 1))

    def _incident(self, incident_type="breakage"):
        now = datetime.now().replace(microsecond=0)
        incident = self.env["tablet.incident"].create({
            "incident_type": incident_type, "loan_id": self.loan.id,
            "event_datetime": now - timedelta(hours=5), "declaration_datetime": now,
        })
        if incident_type == "theft":
            incident.complaint_attachment_ids = [Command.create({
                "name": "plainte.pdf", "raw": b"%PDF-1.4 plainte", "mimetype": "application/pdf"})]
        incident.action_validate()
        return incident

    def _prepare(self, incident, qualification, charge=True, decision="replace"):
        form = Form(incident.with_user(self.referent_alpha))
        form.decision = decision
        form.qualification = qualification
        if decision == "replace":
            form.replacement_equipment_id = self.tablets[1]
        form.save()
        vals = {"counterpart_charge": charge}
        if charge:
            vals["charge_amount"] = 40.0
        incident.with_user(self.head_alpha).write(vals)
        return incident

    def _assert_refused(self, incident, exception, text=None):
        with self.assertRaises(exception) as err:
            incident.with_user(self.head_alpha).action_decide()
        if text:
            self.assertRegex(str(err.exception), text)
        self.assertRecordValues(incident, [{"decision_date": False, "charge_id": False}])
        self.assertEqual(self.loan.equipment_id, self.tablets[0], "nothing half-done")
        self.assertFalse(self.env["tablet.charge"].search([("incident_id", "=", incident.id)]))

    def test_each_qualification_to_its_outcome(self):
        """Deliberate damage, negligence, loss, theft: a charge under the deliberation's line;
        an accident the deliberation does not charge, a failure: refused, nothing changed."""
        for incident_type, qualification, case in [("breakage", "deliberate", "breakage"),
                                                   ("breakage", "negligence", "breakage"),
                                                   ("loss", "loss", "loss"), ("theft", "theft", "theft")]:
            with self.subTest(qualification=qualification), self.cr.savepoint() as sp:
                incident = self._prepare(self._incident(incident_type), qualification)
                with self.assertRaises(AccessError):
                    incident.with_user(self.referent_alpha).action_decide()
                self.assertFalse(incident.decision_date, "the référent does not decide (R23)")
                incident.with_user(self.head_alpha).action_decide()
                charge = incident.charge_id
                self.assertRecordValues(charge, [{"case": case, "amount": 40.0, "state": "draft",
                                                  "payer_id": self.rep_alpha.id}])
                self.assertEqual(charge.tariff_line_id.tariff_id, self.tariff)
                self.assertEqual(incident.qualification, qualification)
                sp.rollback()
        for qualification in ("accident", "failure"):
            with self.subTest(qualification=qualification):
                incident = self._prepare(self._incident(), qualification)
                self._assert_refused(incident, UserError)
        # Without counterpart, an accident or a failure is decided all the same.
        incident = self._prepare(self._incident(), "accident", charge=False)
        incident.with_user(self.head_alpha).action_decide()
        self.assertEqual((incident.qualification, bool(incident.charge_id)), ("accident", False))

    def test_accident_charged_when_the_deliberation_says_so(self):
        self.tariff.charges_accident = True
        incident = self._prepare(self._incident(), "accident")
        incident.with_user(self.head_alpha).action_decide()
        self.assertEqual(incident.charge_id.amount, 40.0)

    def test_bad_decisions_are_refused(self):
        """No qualification, a qualification that does not fit the type, a counterpart without
        replacement, a failure, an incident under warranty: refused, nothing changed."""
        incident = self._incident()
        incident.write({"decision": "replace", "replacement_equipment_id": self.tablets[1].id,
                        "counterpart_charge": True, "charge_amount": 40.0})
        self._assert_refused(incident, UserError)
        incident.qualification = "loss"
        self._assert_refused(incident, UserError)
        incident.write({"qualification": "negligence", "decision": "no_replacement",
                        "replacement_equipment_id": False})
        self._assert_refused(incident, UserError, "only with a replacement|n'accompagne qu'un remplacement")  # R23, R24
        failure = self._prepare(self._incident("failure"), "failure")
        self._assert_refused(failure, UserError)
        under_warranty = self._prepare(self._incident(), "negligence")
        claim = self.env["tablet.warranty.claim"].create({
            "incident_id": under_warranty.id, "fault_type": "component",
            "supplier_id": self.env["res.partner"].create({"name": "Fournisseur (test)", "is_company": True}).id})
        as_action(claim).write({"state": "answered", "answer": "repaired"})
        self._assert_refused(under_warranty, UserError)
        incident = self._prepare(self._incident(), "negligence")
        incident.charge_amount = 999.0
        self._assert_refused(incident, ValidationError)


@tagged("post_install", "-at_install")
class TestChargeGround(TabletLoanCase):
    """Issue 14: a charge with no decision, no tariff, a non-chargeable qualification, an amount
    above the cap or negative, a payer who is not a legal representative, on a cancelled
    incident or for a failure: a clear error, nothing changed (R21, R23, R24b)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        lend_under_deliberation(cls, 2)
        now = datetime.now().replace(microsecond=0)
        cls.incident = cls.env["tablet.incident"].create({
            "incident_type": "breakage", "loan_id": cls.loan.id,
            "event_datetime": now - timedelta(hours=5), "declaration_datetime": now})
        cls.incident.action_validate()
        cls.line = cls.tariff.line_ids.filtered(lambda l: l.case == "breakage")

    def _vals(self, **vals):
        values = {"incident_id": self.incident.id, "case": "breakage", "tariff_line_id": self.line.id,
                  "payer_id": self.rep_alpha.id, "amount": 40.0}
        values.update(vals)
        return values

    def _refused_create(self, vals, user=None):
        Charge = self.env["tablet.charge"].with_user(user or self.head_alpha)
        with self.assertRaises(UserError) as err, self.cr.savepoint():
            Charge.create(vals)
        self.assertFalse(self.env["tablet.charge"].search([("incident_id", "=", self.incident.id)]),
                         "nothing created")
        return str(err.exception)

    def test_no_decision_no_tariff(self):
        self.assertRegex(self._refused_create(self._vals()), "financial counterpart|participation financière")  # R23
        decide_for_charge(self.incident)
        self.assertRegex(self._refused_create(self._vals(tariff_line_id=False)),
                         "no tariff line|aucune ligne de tarif")  # R24b
        self._refused_create(self._vals(amount=999.0))
        self._refused_create(self._vals(payer_id=self.rep_beta.id))
        charge = self.env["tablet.charge"].with_user(self.head_alpha).create(self._vals())
        self.assertEqual((charge.amount, charge.state), (40.0, "draft"))

    def test_not_chargeable_qualification_failure_cancelled(self):
        decide_for_charge(self.incident, qualification="accident")
        self.assertIn("CA n° 4", self._refused_create(self._vals()))
        failure = self.env["tablet.incident"].create({
            "incident_type": "failure", "loan_id": self.loan.id,
            "event_datetime": self.incident.event_datetime, "declaration_datetime": self.incident.declaration_datetime})
        failure.action_validate()
        with self.assertRaises(UserError), self.cr.savepoint():
            self.env["tablet.charge"].create(self._vals(incident_id=failure.id))
        self.assertFalse(self.env["tablet.charge"].search([("incident_id", "=", failure.id)]))

    def test_confirm_rechecks_the_ground(self):
        """A draft charge whose incident was cancelled since is not confirmed; nothing changes."""
        decide_for_charge(self.incident)
        charge = self.env["tablet.charge"].create(self._vals())
        as_action(self.incident).write({"state": "cancelled"})
        with self.assertRaises(UserError):
            charge.with_user(self.accountant_alpha).action_confirm()
        self.assertEqual(charge.state, "draft")


@tagged("post_install", "-at_install")
class TestChargeGroundRpc(HttpCase):
    """The same holes over JSON-RPC as the demo head: a charge without decision or tariff, and
    999 € uncapped, are refused; nothing is created."""

    def test_rpc_holes(self):
        users = demo_users(self.env)
        if users is None:
            self.skipTest("needs the demo data")
        head = users["head"]
        college = head.tablet_college_ids[:1]
        loan = self.env["tablet.loan"].search([("college_id", "=", college.id), ("state", "=", "active"),
                                               ("borrower_id.school_role", "=", "pupil")], limit=1)
        now = datetime.now().replace(microsecond=0)
        incident = self.env["tablet.incident"].create({
            "incident_type": "breakage", "loan_id": loan.id,
            "event_datetime": now - timedelta(hours=5), "declaration_datetime": now})
        incident.action_validate()
        payer = loan.borrower_id.legal_representative_ids[:1]
        vals = {"incident_id": incident.id, "case": "breakage", "payer_id": payer.id, "amount": 50.0}
        outcome = execute_kw(self, head, "tablet.charge", "create", [vals])
        self.assertNotEqual(outcome[0], "ok", "no decision, no tariff: refused")
        decide_for_charge(incident)
        line = incident.tariff_line_id
        self.assertTrue(line, "the demo deliberation is in force")
        outcome = execute_kw(self, head, "tablet.charge", "create", [dict(vals, amount=999.0, tariff_line_id=line.id)])
        self.assertNotEqual(outcome[0], "ok", "999 € above the cap: refused")
        self.assertFalse(self.env["tablet.charge"].search([("incident_id", "=", incident.id)]), "nothing created")
        outcome = execute_kw(self, head, "tablet.charge", "create", [dict(vals, tariff_line_id=line.id)])
        self.assertEqual(outcome[0], "ok", outcome)
