"""Issue 19: incidents, claims and nominative lists show their status and next step, and the
rules behind them hold through the ORM as the refused user, whatever the view shows."""
import base64
from datetime import datetime, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import TabletLoanCase


@tagged("post_install", "-at_install")
class TestIncidentStatus(TabletLoanCase):
    """R19 deadline, lost/stolen tablet at the declaration, the decided status, no warranty claim
    where the warranty cannot apply (R20, R21)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.teacher_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 3)
        cls.tablets.partner_id = cls.env["res.partner"].create({"name": "Tablettes Statut (test)", "is_company": True})
        cls.loan = cls._loan(cls.pupil_alpha, cls.tablets[0])
        cls.loan.action_activate()
        cls.now = datetime.now().replace(microsecond=0)

    def _declare(self, incident_type, hours=5, user=None, **vals):
        values = {"incident_type": incident_type, "loan_id": self.loan.id,
                  "event_datetime": self.now - timedelta(hours=hours), "declaration_datetime": self.now}
        values.update(vals)
        return self.env["tablet.incident"].with_user(user or self.referent_alpha).create(values)

    def _attach_complaint(self, theft):
        complaint = self.env["ir.attachment"].create({
            "name": "plainte.pdf", "datas": base64.b64encode(b"%PDF-1.4 plainte"),
            "res_model": "tablet.incident", "res_id": theft.id})
        theft.with_user(self.referent_alpha).complaint_attachment_ids = complaint

    # ------------------------------------------------------------ 1. theft, loss
    def test_theft_shows_its_complaint_deadline(self):
        """R19: the complaint is due 48 hours after the theft; past it, the theft is overdue."""
        theft = self._declare("theft", hours=5)
        self.assertEqual(theft.complaint_deadline, theft.event_datetime + timedelta(hours=48))
        self.assertFalse(theft.complaint_overdue)
        late = self._declare("theft", hours=60)
        self.assertTrue(late.complaint_overdue)
        Incident = self.env["tablet.incident"].with_user(self.referent_alpha)
        overdue = Incident.search([("loan_id", "=", self.loan.id), ("complaint_overdue", "=", True)])
        self.assertEqual(overdue, late)
        self.assertEqual(Incident.search([("loan_id", "=", self.loan.id), ("complaint_overdue", "=", False)]), theft)
        self.assertIn(late, Incident.search([("complaint_deadline", "<", self.now)]))
        self.assertFalse(self._declare("breakage").complaint_deadline)
        self.assertRegex(theft.next_step, "complaint|plainte")
        self._attach_complaint(late)
        self.assertFalse(late.complaint_overdue, "the complaint is in")
        with self.assertRaises(AccessError):
            theft.with_user(self.referent_alpha).write({"complaint_deadline": self.now + timedelta(days=30)})

    def test_declared_theft_or_loss_takes_the_tablet_out_of_assigned(self):
        """Issue 19: stolen or lost from the declaration on; back to its status if cancelled."""
        tablet = self.tablets[0]
        theft = self._declare("theft")
        self.assertEqual(tablet.tablet_state, "stolen")
        self.assertEqual(theft.tablet_state_before, "assigned")
        with self.assertRaises(AccessError):
            theft.with_user(self.referent_alpha).write({"tablet_state_before": "stock"})
        theft.with_user(self.referent_alpha).action_cancel()
        self.assertEqual(tablet.tablet_state, "assigned", "back to its status before the declaration")
        loss = self._declare("loss")
        self.assertEqual(tablet.tablet_state, "lost")
        # Declared as a loss by mistake: a breakage does not take the tablet away.
        loss.with_user(self.referent_alpha).write({"incident_type": "breakage"})
        self.assertEqual(tablet.tablet_state, "assigned")
        loss.with_user(self.referent_alpha).write({"incident_type": "theft"})
        self.assertEqual(tablet.tablet_state, "stolen")
        self._attach_complaint(loss)
        loss.with_user(self.referent_alpha).action_validate()
        self.assertEqual(tablet.tablet_state, "stolen", "the validation keeps it stolen")
        # Found before the cancellation: the tablet stays found, to be checked.
        tablet.with_user(self.referent_alpha).action_mark_found()
        loss.with_user(self.referent_alpha).action_cancel()
        self.assertEqual(tablet.tablet_state, "found")

    def test_breakage_leaves_the_tablet_until_validated(self):
        incident = self._declare("breakage")
        self.assertEqual(self.tablets[0].tablet_state, "assigned")
        self.assertFalse(incident.tablet_state_before)
        incident.action_validate()
        self.assertEqual(self.tablets[0].tablet_state, "repair")

    # ------------------------------------------------------------ 2. decided
    def test_decided_reads_decided_then_closes(self):
        """R23: after the head's decision the incident reads "decided"; the next step follows."""
        incident = self._declare("breakage")
        self.assertRegex(incident.next_step, "validate|validez")
        incident.action_validate()
        self.assertEqual(incident.state, "validated")
        self.assertRegex(incident.next_step, "head|chef")
        form = Form(incident.with_user(self.referent_alpha))
        form.decision = "no_replacement"
        form.qualification = "accident"
        form.save()
        incident.with_user(self.head_alpha).action_decide()
        self.assertEqual(incident.state, "decided")
        self.assertTrue(incident.next_step)
        with self.assertRaises(UserError):
            incident.with_user(self.head_alpha).action_decide()
        with self.assertRaises(UserError):
            incident.with_user(self.referent_alpha).write({"incident_type": "failure"})
        with self.assertRaises(UserError):
            incident.with_user(self.referent_alpha).write({"decision": "replace"})
        Incident = self.env["tablet.incident"].with_user(self.referent_alpha)
        self.assertIn(incident, Incident.search([("state", "=", "decided")]))
        incident.with_user(self.referent_alpha).action_close()
        self.assertEqual(incident.state, "closed")
        self.assertFalse(incident.next_step)

    def test_decided_theft_still_grounds_a_write_off_and_geolocation(self):
        theft = self._declare("theft")
        self._attach_complaint(theft)
        theft.action_validate()
        theft.with_user(self.referent_alpha).write({"decision": "no_replacement", "qualification": "theft"})
        theft.with_user(self.head_alpha).action_decide()
        self.assertEqual(theft.state, "decided")
        self.assertEqual(self.tablets[0]._missing_incidents(), {self.tablets[0].id: theft})
        request = self.env["tablet.geolocation.request"].with_user(self.referent_alpha).create({
            "equipment_id": self.tablets[0].id, "reason": "stolen", "justification": "Volée."})
        self.assertEqual(request.incident_id, theft)

    # ------------------------------------------------------------ 3. warranty
    def test_no_warranty_claim_for_a_damaged_or_opened_tablet(self):
        """R20, R21: no claim offered nor created where the warranty cannot apply."""
        incident = self._declare("breakage")
        self.assertFalse(incident.warranty_claim_possible, "not validated yet")
        incident.action_validate()
        self.assertTrue(incident.warranty_claim_possible)
        as_referent = incident.with_user(self.referent_alpha)
        with self.assertRaises(AccessError):
            as_referent.write({"warranty_claim_possible": True, "surface_damage": True})
        as_referent.write({"surface_damage": True})  # cracked screen
        self.assertFalse(incident.warranty_claim_possible)
        with self.assertRaises(UserError) as err:
            as_referent.action_open_warranty_claim()
        self.assertRegex(str(err.exception), "scratches|éraflures|rayures")
        Claim = self.env["tablet.warranty.claim"].with_user(self.referent_alpha)
        with self.assertRaises(ValidationError) as err, self.cr.savepoint():
            Claim.create({"incident_id": incident.id, "fault_type": "component", "fault_description": "Écran."})
        self.assertIn(incident.display_name, str(err.exception))
        self.assertFalse(Claim.search([("incident_id", "=", incident.id)]))
        as_referent.write({"surface_damage": False, "opened_by_user": True})
        self.assertFalse(incident.warranty_claim_possible)
        with self.assertRaises(UserError) as err:
            as_referent.action_open_warranty_claim()
        self.assertRegex(str(err.exception), "void|annulée|nulle")
        with self.assertRaises(ValidationError), self.cr.savepoint():
            Claim.create({"incident_id": incident.id, "fault_type": "component", "fault_description": "Écran."})
        as_referent.write({"opened_by_user": False})
        self.assertTrue(incident.warranty_claim_possible)
        claim = Claim.create({"incident_id": incident.id, "fault_type": "component", "fault_description": "Écran."})
        self.assertEqual(claim.incident_id, incident)

    def test_reimbursement_stands_on_the_incident_opened_by_the_user(self):
        """R21: the incident says the user opened the tablet: the reimbursement needs no claim."""
        self.tablets[0].cost = 300.0
        incident = self._declare("breakage")
        incident.action_validate()
        incident.with_user(self.referent_alpha).write({"opened_by_user": True})
        charge = self.env["tablet.charge"].with_user(self.head_alpha)._create_from_incident(
            incident.with_user(self.head_alpha), "warranty_void")
        self.assertEqual((charge.case, charge.amount), ("warranty_void", 300.0))
        other = self._declare("breakage")
        other.action_validate()
        with self.assertRaises(ValidationError):
            self.env["tablet.charge"].with_user(self.head_alpha)._create_from_incident(
                other.with_user(self.head_alpha), "warranty_void")


@tagged("post_install", "-at_install")
class TestClaimSupplierReport(TabletLoanCase):
    """Issue 19: the supplier's repair report, and where it sends the tablet back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier = cls.env["res.partner"].create({"name": "Tablettes Rapport (test)", "is_company": True,
                                                      "email": "sav@tablettes-rapport.example"})
        cls.supplier_user.partner_id.parent_id = cls.supplier
        cls.college_alpha.write({"street": "12 rue des Écoles", "zip": "38000", "city": "Grenoble"})
        cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.teacher_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 2)
        cls.tablets.partner_id = cls.supplier
        cls.loan = cls._loan(cls.pupil_alpha, cls.tablets[0])
        cls.loan.action_activate()
        now = datetime.now().replace(microsecond=0)
        incident = cls.env["tablet.incident"].with_user(cls.referent_alpha).create({
            "incident_type": "failure", "loan_id": cls.loan.id,
            "event_datetime": now - timedelta(hours=5), "declaration_datetime": now})
        incident.action_validate()
        cls.claim = cls.env["tablet.warranty.claim"].with_user(cls.referent_alpha).create({
            "incident_id": incident.id, "fault_type": "component", "fault_description": "Ne démarre plus."})

    def test_return_address_is_the_colleges(self):
        self.assertIn("12 rue des Écoles", self.claim.return_address)
        self.assertIn("Grenoble", self.claim.return_address)
        self.assertIn(self.college_alpha.name, self.claim.return_address)
        self.claim.action_send()
        as_supplier = self.claim.with_user(self.supplier_user)
        self.assertIn("38000", as_supplier.read(["return_address"])[0]["return_address"])
        self.assertTrue(self.env["mail.mail"].search([("model", "=", "tablet.warranty.claim"),
                                                      ("res_id", "=", self.claim.id)]))
        template = self.env.ref("tablet_loan.mail_template_warranty_claim_sent").with_context(lang="en_US")
        self.assertIn("12 rue des Écoles", template._render_field("body_html", self.claim.ids)[self.claim.id])
        with self.assertRaises(AccessError):
            self.claim.with_user(self.referent_alpha).write({"return_address": "Ailleurs"})

    def test_supplier_writes_the_repair_report_only(self):
        as_referent = self.claim.with_user(self.referent_alpha)
        with self.assertRaises(AccessError):
            as_referent.write({"repair_report": "Rien à signaler."})
        self.claim.action_send()
        as_supplier = self.claim.with_user(self.supplier_user)
        as_supplier.write({"repair_report": "Connecteur de charge remplacé."})
        self.assertEqual(self.claim.repair_report, "Connecteur de charge remplacé.")
        for user in (self.referent_alpha, self.head_alpha, self.officer_a):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.claim.with_user(user).write({"repair_report": "Réécrit."})
        self.assertEqual(self.claim.repair_report, "Connecteur de charge remplacé.")
        with self.assertRaises(AccessError):
            self.env["tablet.warranty.claim"].with_user(self.referent_alpha).create({
                "incident_id": self.claim.incident_id.id, "fault_type": "component",
                "repair_report": "Écrit par le collège."})


@tagged("post_install", "-at_install")
class TestUserListChanges(TabletLoanCase):
    """Issue 19: a resubmitted list shows the Académie who was added and who was removed."""

    def test_resubmitted_list_shows_the_changes(self):
        user_list = self.env["tablet.user.list"].with_user(self.head_alpha).create({
            "college_id": self.college_alpha.id, "school_year": "2026-2027",
            "line_ids": [Command.create({"partner_id": self.pupil_alpha.id})]})
        user_list.action_submit()
        self.assertFalse(user_list.resubmitted)
        self.assertFalse(user_list.line_ids.added_since_last_submission, "a first submission: nothing to compare")
        user_list.with_user(self.academy_user).action_validate()
        user_list.action_reopen()
        user_list.write({"line_ids": [Command.create({"partner_id": self.teacher_alpha.id})]})
        user_list.action_submit()
        as_academy = user_list.with_user(self.academy_user)
        self.assertTrue(as_academy.resubmitted)
        added = as_academy.line_ids.filtered("added_since_last_submission")
        self.assertEqual(added.partner_id, self.teacher_alpha)
        self.assertEqual(as_academy.added_count, 1)
        self.assertFalse(as_academy.removed_names)
        self.assertTrue(any(self.teacher_alpha.name in (m.body or "") for m in user_list.message_ids))
        # Sent back, the pupil removed: the next submission compares with the one sent back.
        as_academy.return_reason = "Retirez l'élève."
        as_academy.action_send_back()
        with self.assertRaises(AccessError):
            user_list.line_ids.write({"added_since_last_submission": True})
        pupil_line = user_list.line_ids.filtered(lambda l: l.partner_id == self.pupil_alpha)
        user_list.write({"line_ids": [Command.unlink(pupil_line.id)]})
        user_list.action_submit()
        self.assertEqual(as_academy.removed_names, self.pupil_alpha.display_name)
        self.assertFalse(as_academy.line_ids.filtered("added_since_last_submission"), "nobody new since")
        self.assertTrue(any("Removed (1)" in (m.body or "") or "Retiré" in (m.body or "")
                            for m in user_list.message_ids))
        with self.assertRaises(AccessError):
            user_list.write({"removed_names": False})
