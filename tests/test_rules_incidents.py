"""Issue 13, incidents, warranty claims, charges, geolocation and followers: every rule holds in
the model, whatever the client (ORM as test users, JSON-RPC as the demo users).

A refused write or call raises a clear error naming the field or the action and leaves the
record, and its chatter, as they were.
"""
import inspect
import math
from datetime import date, datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged

from ..models.utils import model_label
from .common import TabletLoanCase, decide_for_charge, demo_users, execute_kw

MY_MODELS = ("tablet.incident", "tablet.warranty.claim", "tablet.charge", "tablet.geolocation.request")
ORM_OVERRIDES = {"create", "write"}


class RulesFixtures:
    """Small helpers shared by the ORM and the JSON-RPC classes."""

    def _label(self, model, fname, lang="fr_FR"):
        """Refusals name fields in the user's language (the demo users read French)."""
        env = self.env(context=dict(self.env.context, lang=lang))
        return env[model]._fields[fname].get_description(env)["string"]

    def _snapshot(self, record, fnames):
        """The record's values and its chatter length, to prove a refusal changed nothing."""
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking messages of earlier steps are written now, not counted as a change
        record.invalidate_recordset()
        record = record.sudo()
        return [record.read(fnames)[0], len(record.message_ids)]


@tagged("post_install", "-at_install")
class TestIncidentRules(RulesFixtures, TabletLoanCase):
    """Through the ORM, as test users of each role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env["account.chart.template"].try_loading("generic_coa", company=cls.dept_a, install_demo=False)
        default_sale = env["account.journal"].search([("company_id", "=", cls.dept_a.id), ("type", "=", "sale")],
                                                     limit=1)
        cls.journals = {}
        for code, college in (("RALP", cls.college_alpha), ("RBET", cls.college_beta)):
            cls.journals[college] = env["account.journal"].create({
                "name": f"Participations {college.name}", "code": code, "type": "sale", "company_id": cls.dept_a.id,
                "default_account_id": default_sale.default_account_id.id})
            college.tablet_journal_id = cls.journals[college]
        Partner = env["res.partner"]
        cls.supplier = Partner.create({"name": "Tablettes Règles (test)", "is_company": True})
        cls.other_supplier = Partner.create({"name": "Autre Fournisseur Règles (test)", "is_company": True})
        cls.supplier_user.partner_id.parent_id = cls.supplier
        cls._deployable(cls.college_alpha, cls.pupil_alpha | cls.teacher_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 4)
        cls.tablets.partner_id = cls.supplier
        cls.tablet_beta = cls._tablets(cls.college_beta, 1)
        cls.loan = cls._loan(cls.pupil_alpha, cls.tablets[0])
        cls.loan.action_activate()
        cls.tariff = env["tablet.charge.tariff"].create({
            "college_id": cls.college_alpha.id, "school_year": "2026-2027",
            "ca_deliberation_date": date(2026, 6, 20), "ca_deliberation_ref": "CA 2026-13", "depreciation_years": 4,
            "line_ids": [Command.create({"case": case, "amount_type": "fixed", "fixed_amount": 50.0,
                                         "cap_amount": 100.0})
                         for case in ("breakage", "loss", "theft", "warranty_void")],
        })
        # Another collège's invoice, paid: the accountant of Alpha must not reach it.
        cls.foreign_invoice = env["account.move"].create({
            "move_type": "out_invoice", "company_id": cls.dept_a.id, "journal_id": cls.journals[cls.college_beta].id,
            "partner_id": cls.rep_beta.id, "invoice_date": date(2026, 10, 1),
            "invoice_line_ids": [Command.create({"name": "Participation (test)", "quantity": 1, "price_unit": 80.0,
                                                 "tax_ids": [Command.clear()]})],
        })
        cls.foreign_invoice.action_post()
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=cls.foreign_invoice.ids).create({})._create_payments()

    # ------------------------------------------------------------------ helpers
    def _incident(self, incident_type="breakage", hours=5, user=None, **vals):
        now = datetime.now().replace(microsecond=0)
        values = {"incident_type": incident_type, "loan_id": self.loan.id,
                  "event_datetime": now - timedelta(hours=hours), "declaration_datetime": now}
        values.update(vals)
        return self.env["tablet.incident"].with_user(user or self.referent_alpha).create(values)

    def _validated(self, incident_type="breakage"):
        incident = self._incident(incident_type)
        incident.sudo().action_validate()
        return incident

    def _claim(self, **vals):
        incident = self._validated("failure")
        values = {"incident_id": incident.id, "fault_type": "component", "fault_description": "Écran noir."}
        values.update(vals)
        return self.env["tablet.warranty.claim"].with_user(self.referent_alpha).create(values)

    def _charge(self):
        incident = decide_for_charge(self._validated("breakage"))
        return self.env["tablet.charge"].with_user(self.head_alpha)._create_from_incident(
            incident.with_user(self.head_alpha), "breakage")

    def _refused(self, exception, record, vals, *expected):
        """`record.write(vals)` raises `exception` naming `expected`, and changes nothing."""
        before = self._snapshot(record, list(vals))
        with self.assertRaises(exception) as err, self.cr.savepoint():
            record.write(vals)
        for text in expected:
            self.assertIn(text, str(err.exception))
        self.assertEqual(self._snapshot(record, list(vals)), before, f"{vals} changed {record}")
        return err.exception

    # --------------------------------------------------- 1. computed flags
    def test_computed_flags_are_not_written(self):
        """R18, R19: a theft without its complaint stays one; a late declaration stays late.
        R20, R21: an ineligible claim stays ineligible; a voided warranty stays void."""
        theft = self._incident("theft").with_user(self.referent_alpha)
        self.assertTrue(theft.missing_complaint)
        for fname, value in (("has_complaint", True), ("missing_complaint", False)):
            self._refused(AccessError, theft, {fname: value}, self._label("tablet.incident", fname))
        with self.assertRaises(UserError) as err:
            theft.action_validate()
        self.assertRegex(str(err.exception), "complaint|plainte")  # R19
        self.assertEqual(theft.state, "declared")
        late = self._incident("breakage", hours=72).with_user(self.referent_alpha)
        self.assertTrue(late.late_declaration)
        self._refused(AccessError, late, {"late_declaration": False}, self._label("tablet.incident", "late_declaration"))

        damaged = self._claim(surface_damage=True).with_user(self.referent_alpha)
        self.assertFalse(damaged.eligible)
        self._refused(AccessError, damaged, {"eligible": True}, self._label("tablet.warranty.claim", "eligible"))
        self._refused(AccessError, damaged, {"ineligibility_reason": False})
        with self.assertRaises(UserError):
            damaged.action_send()
        self.assertEqual(damaged.state, "draft")
        damaged.sudo().action_cancel()
        opened = self._claim(opened_by_user=True).with_user(self.referent_alpha)
        self.assertTrue(opened.warranty_void)
        self._refused(AccessError, opened, {"warranty_void": False}, self._label("tablet.warranty.claim", "warranty_void"))

    # --------------------------------------------------- 2. roles of the actions
    def test_each_action_checks_its_role(self):
        """The README gives each step a role; another role is refused, whatever it may write
        (R23: only the head decides; R29: the supplier answers, it does not cancel)."""
        claim = self._claim()
        claim.sudo().action_send()
        incident = self._validated("breakage")
        declared = self._incident("loss")
        charge = self._charge()
        request = self.env["tablet.geolocation.request"].with_user(self.referent_alpha).create({
            "equipment_id": self.tablets[3].id, "reason": "authorities", "authority_reference": "PV 12",
            "justification": "Réquisition."})
        cases = [
            (claim, "action_cancel", self.supplier_user),
            (claim, "action_draft", self.supplier_user),
            (claim, "action_send", self.supplier_user),
            (claim, "action_create_reimbursement_charge", self.referent_alpha),
            (incident, "action_decide", self.referent_alpha),
            (incident, "action_decide", self.officer_a),
            (declared, "action_validate", self.officer_a),
            (declared, "action_cancel", self.officer_a),
            (incident, "action_close", self.officer_a),
            (charge, "action_create_invoice", self.head_alpha),
            (charge, "action_confirm", self.referent_alpha),
            (request, "action_authorise", self.referent_alpha),
            (request, "action_request", self.officer_a),
            (request, "action_carry_out", self.head_alpha),
        ]
        for record, method, user in cases:
            with self.subTest(model=record._name, action=method, user=user.login):
                before = self._snapshot(record, ["state"])
                with self.assertRaises(AccessError) as err, self.cr.savepoint():
                    getattr(record.with_user(user), method)()
                self.assertIn(model_label(record.with_user(user)), str(err.exception),
                              "the refusal names the action's record")
                self.assertEqual(self._snapshot(record, ["state"]), before)
        claim.with_user(self.referent_alpha).action_cancel()  # the right role still may
        self.assertEqual(claim.state, "cancelled")

    def test_every_public_method_is_a_guarded_action(self):
        """Any public method is callable over RPC: on these models, only ORM overrides and
        `action_*` methods behind `tablet_action` are public."""
        for model in MY_MODELS + ("tablet.attachment.mixin",):
            own = [cls for cls in type(self.env[model]).__mro__
                   if getattr(cls, "_module", None) == "tablet_loan" and getattr(cls, "_name", None) == model]
            self.assertTrue(own, model)
            for cls in own:
                for name, member in vars(cls).items():
                    if name.startswith("_") or not inspect.isfunction(member) or name in ORM_OVERRIDES:
                        continue
                    with self.subTest(model=model, method=name):
                        self.assertTrue(name.startswith("action_"), f"{model}.{name} is public but no action")
                        self.assertTrue(getattr(member, "_tablet_groups", None),
                                        f"{model}.{name} checks no role (tablet_action)")

    # --------------------------------------------------- 3. frozen after their step
    def test_decision_facts_only_by_the_decision(self):
        """R23: the référent cannot record a decision; the head's is not blocked by a forged one."""
        incident = self._validated("breakage").with_user(self.referent_alpha)
        self._refused(AccessError, incident, {"decision_date": fields.Date.today(), "decided_by_id": self.head_alpha.id},
                      self._label("tablet.incident", "decision_date"))
        self._refused(AccessError, incident, {"validated_date": date(2026, 1, 1)})
        incident.write({"decision": "replace", "qualification": "negligence",
                        "replacement_equipment_id": self.tablets[1].id})
        incident.with_user(self.head_alpha).action_decide()
        self.assertEqual((incident.decided_by_id, self.loan.equipment_id), (self.head_alpha, self.tablets[1]))
        for vals in ({"decision": "no_replacement"}, {"counterpart_stays": True}, {"charge_amount": 10.0}):
            self._refused(UserError, incident.with_user(self.head_alpha), vals, self._label("tablet.incident", next(iter(vals))))

    def test_validated_incident_keeps_its_type_and_loan(self):
        """R18, R25: what the collège validated (and the tablet's status that followed) stays."""
        incident = self._validated("breakage").with_user(self.referent_alpha)
        other_loan = self._loan(self.teacher_alpha, self.tablets[2])
        other_loan.action_activate()
        for vals in ({"incident_type": "theft"}, {"loan_id": other_loan.id},
                     {"event_datetime": incident.event_datetime - timedelta(hours=1)}):
            self._refused(UserError, incident, vals, self._label("tablet.incident", next(iter(vals))))
        incident.write({"incident_type": "breakage", "circumstances": "Précisions de la famille."})  # no change, or free
        incident.action_close()
        self._refused(UserError, incident, {"circumstances": "Réécrit après la clôture."})

    def test_sent_claim_stays_with_its_supplier(self):
        """R20: the claim the supplier answers is the one the collège sent."""
        claim = self._claim()
        claim.with_user(self.referent_alpha).action_send()
        for vals in ({"supplier_id": self.other_supplier.id}, {"fault_type": "system"}, {"opened_by_user": True}):
            self._refused(UserError, claim.with_user(self.referent_alpha), vals,
                          self._label("tablet.warranty.claim", next(iter(vals))))
        self._refused(AccessError, claim.with_user(self.referent_alpha), {"sent_date": date(2026, 1, 1)})
        as_supplier = claim.with_user(self.supplier_user)
        as_supplier.write({"rma_number": "RMA-1", "answer": "repaired"})
        as_supplier.action_record_answer()
        self._refused(UserError, as_supplier, {"answer": "refused"}, self._label("tablet.warranty.claim", "answer"))
        self.assertEqual((claim.supplier_id, claim.state), (self.supplier, "answered"))

    def test_settled_charge_and_its_invoice(self):
        """R24b: a confirmed charge keeps its amount and payer; the invoice is the action's,
        and another collège's paid invoice is neither linked nor read (scope)."""
        charge = self._charge().with_user(self.accountant_alpha)
        charge.action_confirm()
        rep2 = self.env["res.partner"].create({"name": "Parent Alpha 2", "school_role": "legal_representative"})
        self.pupil_alpha.legal_representative_ids = [Command.link(rep2.id)]
        for vals in ({"amount": 10.0}, {"payer_id": rep2.id}):
            self._refused(UserError, charge, vals, self._label("tablet.charge", next(iter(vals))))
        self._refused(AccessError, charge, {"invoice_id": self.foreign_invoice.id}, self._label("tablet.charge", "invoice_id"))
        self.assertEqual(charge.state, "confirmed")
        with self.assertRaises(AccessError):
            self.foreign_invoice.with_user(self.accountant_alpha).read(["name", "amount_total", "payment_state"])
        charge.action_create_invoice()
        for vals in ({"amount": 10.0}, {"case": "loss"}):
            self._refused(UserError, charge, vals)
        self._refused(AccessError, charge, {"invoice_id": self.foreign_invoice.id})
        self._refused(AccessError, charge, {"credit_note_id": self.foreign_invoice.id})
        self.assertEqual(charge.state, "invoiced", "not paid by someone else's invoice")

    def test_relations_stay_in_scope(self):
        """A relation the user sets points at a record they may read (issue 13, 'side doors')."""
        incident = self._validated("breakage").with_user(self.referent_alpha)
        self._refused(AccessError, incident, {"replacement_equipment_id": self.tablet_beta.id},
                      self._label("tablet.incident", "replacement_equipment_id"))
        request = self.env["tablet.geolocation.request"].with_user(self.referent_alpha).create({
            "equipment_id": self.tablets[3].id, "reason": "authorities", "authority_reference": "PV 13",
            "justification": "Réquisition."})
        self._refused(AccessError, request, {"equipment_id": self.tablet_beta.id})
        self.assertEqual(request.college_id, self.college_alpha)

    def test_geolocation_needs_the_incident(self):
        """R10: a lost or stolen tablet is one whose loss or theft the collège validated, not one
        whose status was written 'lost'."""
        self.tablets[3].sudo().tablet_state = "lost"  # as a direct write of the status would leave it
        Request = self.env["tablet.geolocation.request"].with_user(self.referent_alpha)
        with self.assertRaises(ValidationError) as err, self.cr.savepoint():
            Request.create({"equipment_id": self.tablets[3].id, "reason": "lost", "justification": "Perdue."})
        self.assertRegex(str(err.exception), "request of the authorities|demandes? des autorités")  # R10
        self.assertFalse(Request.search_count([("equipment_id", "=", self.tablets[3].id)]))
        loss = self._validated("loss")
        self.assertEqual(self.tablets[0].tablet_state, "lost")
        request = Request.create({"equipment_id": self.tablets[0].id, "reason": "lost", "justification": "Perdue."})
        self.assertEqual(request.incident_id, loss)
        with self.assertRaises(AccessError):
            request.write({"incident_id": False})

    # --------------------------------------------------- 8. amounts
    def test_amounts_are_finite_numbers(self):
        """NaN or infinite amounts: a clear error naming the field, not a server error."""
        charge = self._charge().with_user(self.accountant_alpha)
        incident = self._validated("breakage").with_user(self.head_alpha)
        for value in (math.nan, math.inf, -math.inf):
            with self.subTest(value=value):
                self._refused(ValidationError, charge, {"amount": value}, self._label("tablet.charge", "amount"))
                self._refused(ValidationError, incident, {"charge_amount": value},
                              self._label("tablet.incident", "charge_amount"))
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.env["tablet.charge"].with_user(self.head_alpha).create({
                "incident_id": incident.id, "case": "breakage", "payer_id": self.rep_alpha.id, "amount": math.inf})

    # --------------------------------------------------- 6. followers
    def test_followers_stay_in_scope(self):
        """R4, R29: the supplier (and the académie) neither follow, read nor write to families
        outside their scope; what a supplier posts does not reach them either."""
        claim = self._claim()
        claim.sudo().action_send()
        as_supplier = claim.with_user(self.supplier_user)
        followers_before = claim.sudo().message_partner_ids
        with self.assertRaises(AccessError):
            as_supplier.message_subscribe(partner_ids=self.rep_alpha.ids)
        messages_before = len(claim.sudo().message_ids)
        with self.assertRaises(AccessError):
            as_supplier.message_post(body="Bonjour", partner_ids=self.rep_alpha.ids, message_type="comment",
                                     subtype_xmlid="mail.mt_comment")
        self.assertEqual(claim.sudo().message_partner_ids, followers_before)
        self.assertEqual(len(claim.sudo().message_ids), messages_before)
        # The référent, who may read the family, lets them follow: the supplier still sees nothing of them.
        claim.with_user(self.head_alpha).message_subscribe(partner_ids=self.rep_alpha.ids)
        Followers = self.env["mail.followers"].with_user(self.supplier_user)
        rows = Followers.search_read([("res_model", "=", claim._name), ("res_id", "=", claim.id)], ["name", "email"])
        self.assertNotIn(self.rep_alpha.name, [row["name"] for row in rows])
        family_row = self.env["mail.followers"].search([("res_model", "=", claim._name), ("res_id", "=", claim.id),
                                                        ("partner_id", "=", self.rep_alpha.id)])
        with self.assertRaises(AccessError):
            family_row.with_user(self.supplier_user).read(["name", "email"])
        self.assertNotIn(self.rep_alpha, as_supplier.message_partner_ids)
        message = as_supplier.message_post(body="Réparée.", message_type="comment", subtype_xmlid="mail.mt_comment")
        self.assertNotIn(self.rep_alpha, message.sudo().notification_ids.res_partner_id)
        # The académie officer, on a convention of their académie, with a family of another one.
        convention = self.env["tablet.convention"].search([("college_id", "=", self.college_alpha.id)], limit=1)
        with self.assertRaises(AccessError):
            convention.with_user(self.academy_user).message_subscribe(partner_ids=self.rep_beta.ids)
        self.assertNotIn(self.rep_beta, convention.sudo().message_partner_ids)
        convention.with_user(self.academy_user).message_subscribe(partner_ids=self.rep_alpha.ids)  # in scope
        self.assertIn(self.rep_alpha, convention.sudo().message_partner_ids)


@tagged("post_install", "-at_install")
class TestIncidentRulesRpc(RulesFixtures, HttpCase):
    """Through JSON-RPC as the demo users, as an external client found the holes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = demo_users(cls.env)
        if cls.users is None:
            cls.skipTest(cls, "the demo users are needed (database without demo data)")
        ref = cls.env.ref
        cls.claim = ref("tablet_loan.demo_warranty_claim_failure")
        cls.theft = ref("tablet_loan.demo_incident_theft")
        cls.loss = ref("tablet_loan.demo_incident_loss")
        cls.charge = ref("tablet_loan.demo_charge_breakage")
        cls.invoiced_charge = ref("tablet_loan.demo_charge_breakage_invoiced")
        cls.family = cls.charge.payer_id
        trois_sources = ref("tablet_loan.demo_college_trois_sources")
        journal = trois_sources.tablet_journal_id
        cls.foreign_invoice = cls.env["account.move"].create({
            "move_type": "out_invoice", "company_id": journal.company_id.id, "journal_id": journal.id,
            "partner_id": cls.family.id, "invoice_date": fields.Date.today(),
            "invoice_line_ids": [Command.create({"name": "Participation (test RPC)", "quantity": 1,
                                                 "price_unit": 90.0, "tax_ids": [Command.clear()]})],
        })
        cls.foreign_invoice.action_post()
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=cls.foreign_invoice.ids).create({})._create_payments()
        # A family outside the académie: another académie, its collège and a pupil there.
        Partner = cls.env["res.partner"]
        other_academy = Partner.create({"name": "Académie hors champ (test règles)", "is_academy": True})
        other_college = Partner.create({"name": "Collège hors champ (test règles)", "is_college": True,
                                        "uai_code": "0389301D", "academy_id": other_academy.id,
                                        "company_id": journal.company_id.id})
        cls.outside_family = Partner.create({"name": "Famille hors champ", "email": "famille@example.invalid",
                                             "school_role": "legal_representative"})
        Partner.create({"name": "Élève hors champ", "school_role": "pupil", "college_id": other_college.id,
                        "legal_representative_ids": [Command.set(cls.outside_family.ids)]})

    def _call(self, login, model, method, *args, **kwargs):
        """execute_kw over /jsonrpc as a demo user: the result, or the error's class name and message."""
        name, result = execute_kw(self, self.users[login], model, method, args, kwargs)
        self.env.invalidate_all()
        return result if name == "ok" else (name.rsplit(".", 1)[-1], result)

    def _assert_refused(self, error, record, fnames, login, method, *args, **kwargs):
        before = self._snapshot(record, fnames)
        result = self._call(login, record._name, method, *args, **kwargs)
        self.assertIsInstance(result, tuple, f"{method} as {login} was not refused: {result!r}")
        self.assertEqual(result[0], error, result[1])
        self.assertEqual(self._snapshot(record, fnames), before, f"{method} as {login} changed {record}")
        return result[1]

    def test_supplier_cannot_cancel_a_claim(self):
        """R29: the supplier answers the claims sent to it; cancelling them is the collège's."""
        self.assertEqual(self.claim.state, "sent")
        message = self._assert_refused("AccessError", self.claim, ["state"], "supplier", "action_cancel",
                                       [self.claim.id])
        self.assertIn(model_label(self.claim.with_user(self.users["supplier"])), message)

    def test_computed_flags_over_rpc(self):
        """R19: the référent cannot tick 'complaint attached' on a theft; R23: nor record a decision."""
        self._assert_refused("AccessError", self.theft, ["has_complaint", "missing_complaint"], "referent", "write",
                             [self.theft.id], {"has_complaint": True, "missing_complaint": False})
        self._assert_refused("UserError", self.theft, ["state"], "referent", "action_validate", [self.theft.id])
        message = self._assert_refused("AccessError", self.loss, ["decision_date", "decided_by_id"], "referent",
                                       "write", [self.loss.id], {"decision_date": "2026-01-01",
                                                                 "decided_by_id": self.users["head"].id})
        self.assertIn(self._label("tablet.incident", "decision_date"), message)
        self._assert_refused("UserError", self.loss, ["incident_type", "loan_id"], "referent", "write",
                             [self.loss.id], {"incident_type": "theft"})

    def test_claim_and_charge_frozen_over_rpc(self):
        """R20: a sent claim keeps its supplier; R24b: a confirmed charge its amount, and its
        invoice is no client's to set (nor another collège's paid invoice to read)."""
        other_supplier = self.env["res.partner"].create({"name": "Autre fournisseur RPC", "is_company": True})
        self._assert_refused("UserError", self.claim, ["supplier_id"], "referent", "write", [self.claim.id],
                             {"supplier_id": other_supplier.id})
        self._assert_refused("UserError", self.charge, ["amount"], "accountant", "write", [self.charge.id],
                             {"amount": 1.0})
        self._assert_refused("AccessError", self.charge, ["invoice_id", "state"], "accountant", "write",
                             [self.charge.id], {"invoice_id": self.foreign_invoice.id})
        self._assert_refused("AccessError", self.invoiced_charge, ["invoice_id", "state"], "accountant", "write",
                             [self.invoiced_charge.id], {"invoice_id": self.foreign_invoice.id})
        result = self._call("accountant", "account.move", "read", [self.foreign_invoice.id],
                            ["name", "amount_total", "payment_state"])
        self.assertEqual(result[0], "AccessError")

    def test_nan_amount_over_rpc(self):
        """A JSON client may send NaN or Infinity: a ValidationError naming the amount."""
        payload_nan = float("nan")
        message = self._assert_refused("ValidationError", self.charge, ["amount"], "head", "write",
                                       [self.charge.id], {"amount": payload_nan})
        self.assertIn(self._label("tablet.charge", "amount"), message)
        self._assert_refused("ValidationError", self.loss, ["charge_amount"], "head", "write",
                             [self.loss.id], {"charge_amount": float("inf")})

    def test_followers_over_rpc(self):
        """R4, R29: subscribe a family, read it from mail.followers, write to it: refused."""
        before = self._snapshot(self.claim, ["state"])
        result = self._call("supplier", "tablet.warranty.claim", "message_subscribe", [self.claim.id],
                            partner_ids=self.family.ids)
        self.assertEqual(result[0], "AccessError")
        result = self._call("supplier", "tablet.warranty.claim", "message_post", [self.claim.id],
                            body="Bonjour", partner_ids=self.family.ids, message_type="comment",
                            subtype_xmlid="mail.mt_comment")
        self.assertEqual(result[0], "AccessError")
        self.assertEqual(self._snapshot(self.claim, ["state"]), before, "no message, no follower")
        self.assertFalse(self.env["mail.mail"].search([("recipient_ids", "in", self.family.ids)]))
        # Families following invoices are not read by the supplier, nor by another collège.
        self.invoiced_charge.invoice_id.message_subscribe(partner_ids=self.family.ids)
        rows = self._call("supplier", "mail.followers", "search_read", [("partner_id", "=", self.family.id)],
                          fields=["name", "email", "res_model", "res_id"])
        self.assertEqual(rows, [])
        # The académie officer, on a convention of their académie, with a family of another académie.
        convention = self.env.ref("tablet_loan.demo_convention_lac_bleu")
        result = self._call("academy", "tablet.convention", "message_subscribe", [convention.id],
                            partner_ids=self.outside_family.ids)
        self.assertEqual(result[0], "AccessError")
        self.assertNotIn(self.outside_family, convention.message_partner_ids)
