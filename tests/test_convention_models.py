from datetime import date

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged

from .common import TabletLoanCase, drawn_signature, execute_kw


@tagged("post_install", "-at_install")
class TestConventionModels(TabletLoanCase):
    """Issue 18: each collège runs the convention it signed. The same pupil's year is played
    under the Isère model (I 2, 3.2, 5, 6) and the Bouches-du-Rhône one (B 3, 4, 5.1, 5.2, 9):
    list (R1, R3), hand-over and signature (R11, R12), custody (R13), gift or not (R17), the
    documents' funding statement (R30)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.isere = cls.env.ref("tablet_loan.tablet_convention_model_isere")
        cls.bdr = cls.env.ref("tablet_loan.tablet_convention_model_bouches_du_rhone")
        cls.tablet = cls._tablets(cls.college_alpha, 1)

    # ---------------------------------------------------------------- helpers
    def _convention_under(self, model):
        vals = {"model_id": model.id, "charter_adopted_date": date(2026, 6, 1),
                "wifi_ready_date": date(2026, 6, 1), "teacher_deployment_date": date(2026, 8, 25),
                "broadband_ready_date": date(2026, 6, 1)}
        if not model.academy_party:
            vals["date_signed_academy"] = False
        if model.home_use == "college":
            vals["home_use_allowed"] = True
        if model.validity_type == "school_year":
            vals["school_year"] = "2026-2027"
        convention = self._convention(self.college_alpha, **vals)
        convention.action_sign()
        return convention

    def _list_set_by_the_head(self, pupil):
        user_list = self.env["tablet.user.list"].with_user(self.referent_alpha).create({
            "college_id": self.college_alpha.id, "school_year": "2026-2027",
            "line_ids": [Command.create({"partner_id": pupil.id})]})
        user_list.with_user(self.head_alpha).action_submit()
        return user_list

    def _deploy(self, hand_over_now=None):
        form = Form(self.env["tablet.deployment.wizard"].with_user(self.referent_alpha))
        form.college_id = self.college_alpha
        form.school_year = "2026-2027"
        form.date_start = date(2026, 9, 1)
        form.school_class = "3e Y"
        wizard = form.save()
        if hand_over_now is not None:
            # What a client may send past the form, where the form shows the box read-only.
            wizard.hand_over_now = hand_over_now
        action = wizard.action_deploy()
        return self.env["tablet.loan"].search(action["domain"])

    def _sign(self, loan, representative):
        form = Form(self.env["tablet.loan.signature.wizard"].with_user(self.referent_alpha).with_context(
            default_loan_id=loan.id))
        form.signer_1_id = representative
        form.signature_1 = drawn_signature(1)
        form.signer_2_id = self.env["res.partner"]
        form.save().action_confirm()

    def _play_year(self, model):
        """The pupil's year from the list to the end of 3e; returns what each step gave."""
        pupil, representative = self._pupil_with_representative("Année", self.college_alpha, "3e", "3e Y")
        self._convention_under(model)
        seen = {"academy_party": self.college_alpha.tablet_academy_party}
        user_list = self._list_set_by_the_head(pupil)
        seen["list_after_submit"] = user_list.state
        if user_list.state == "submitted":
            user_list.with_user(self.academy_user).action_validate()
        # Hand-over and signature.
        if model.signature_before_handover:
            form = Form(self.env["tablet.deployment.wizard"].with_user(self.referent_alpha))
            form.college_id = self.college_alpha
            self.assertFalse(form.hand_over_now, "prepared, signed, then handed over")
            with self.assertRaises(UserError) as err:
                self._deploy(hand_over_now=True)
            self.assertRegex(str(err.exception), "signed before|signé avant")
            loan = self._deploy()
            self.assertEqual(loan.state, "draft", "prepared, not handed over")
            with self.assertRaises(UserError) as err:
                loan.with_user(self.referent_alpha).action_activate()
            self.assertIn(pupil.name, str(err.exception))
            self.assertEqual(loan.state, "draft")
            self._sign(loan, representative)
            loan.with_user(self.referent_alpha).action_activate()
        else:
            loan = self._deploy()
            self.assertEqual(loan.state, "active", "handed over before the signature")
            self.assertFalse(loan.home_use_allowed, "at school until the family signs (R12)")
            self._sign(loan, representative)
        seen["state_after_handover"] = loan.state
        seen["home_use"] = loan.home_use_allowed
        # Handed over above on the signatures alone (Isère): the copy is rendered right after.
        self.env["tablet.loan"]._cron_keep_signed_copies()
        self.assertTrue(loan.signed_contract_id, "the signed contract is kept")
        # Summer custody (R13), the same under both.
        loan.with_user(self.referent_alpha).action_custody()
        seen["custody"] = loan.state
        loan.with_user(self.referent_alpha).action_end_custody()
        # Documents: the funding statement of the model (R30, I 5).
        html = self.env["ir.actions.report"]._render_qweb_html(
            "tablet_loan.action_report_loan_contract", loan.ids)[0].decode()
        seen["funding_on_contract"] = model.funding_statement in html.replace("&#39;", "'")
        # The end of 3e: gift or not (R17, I 3.2).
        seen["gift_refusal"] = loan._gift_refusals().get(loan, False)
        form = Form(self.env["tablet.gift.wizard"].with_user(self.head_alpha))
        form.college_id = self.college_alpha
        gift = form.save()
        line = gift.line_ids.filtered(lambda l: l.loan_id == loan)
        seen["gift_offered"] = line.eligible
        if line.eligible:
            gift.action_confirm()
        else:
            with self.assertRaises(UserError):
                loan.with_user(self.head_alpha)._donate(fields.Date.today())
        seen["final_state"] = loan.state
        return seen

    # ------------------------------------------------------------------ years
    def test_a_pupils_year_under_the_isere_model(self):
        seen = self._play_year(self.isere)
        self.assertFalse(seen["academy_party"])
        self.assertEqual(seen["list_after_submit"], "validated", "the head's list is final")
        self.assertEqual(seen["state_after_handover"], "active")
        self.assertTrue(seen["home_use"], "home use once signed, under the Isère model")
        self.assertEqual(seen["custody"], "custody")
        self.assertTrue(seen["funding_on_contract"])
        self.assertIn("Programme d'investissements d'avenir", self.isere.funding_statement)
        self.assertRegex(seen["gift_refusal"], "convention")
        self.assertFalse(seen["gift_offered"])
        self.assertEqual(seen["final_state"], "active", "no cession: the tablet comes back")

    def test_the_same_year_under_the_bouches_du_rhone_model(self):
        seen = self._play_year(self.bdr)
        self.assertTrue(seen["academy_party"])
        self.assertEqual(seen["list_after_submit"], "submitted", "the Académie validates the list")
        self.assertEqual(seen["state_after_handover"], "active")
        self.assertTrue(seen["home_use"], "home use once signed, as the collège decided")
        self.assertEqual(seen["custody"], "custody")
        self.assertTrue(seen["funding_on_contract"])
        self.assertFalse(seen["gift_refusal"])
        self.assertTrue(seen["gift_offered"])
        self.assertEqual(seen["final_state"], "donated")

    # ------------------------------------------------------- the Académie
    def test_the_academie_neither_sees_nor_validates_under_the_isere_model(self):
        """R1, R29: under a convention without the Académie its officers do not see the collège's
        people, list, tablets or convention; the Bouches-du-Rhône collège stays in sight."""
        self._convention_under(self.isere)
        user_list = self._list_set_by_the_head(self.pupil_alpha)
        Partner = self.env["res.partner"].with_user(self.academy_user)
        self.assertFalse(Partner.search([("id", "=", self.pupil_alpha.id)]))
        with self.assertRaises(AccessError):
            user_list.with_user(self.academy_user).read(["state"])
        self.assertFalse(self.env["maintenance.equipment"].with_user(self.academy_user).search(
            [("id", "in", self.tablet.ids)]))
        self.assertFalse(self.env["tablet.convention"].with_user(self.academy_user).search(
            [("college_id", "=", self.college_alpha.id)]))
        with self.assertRaises(UserError):
            user_list.sudo().action_validate()
        # Another collège of the académie, under the Bouches-du-Rhône model, is seen.
        college = self._college("Collège Delta", "0380028Z", self.dept_a, self.academy_north)
        self._convention(college, model_id=self.bdr.id, school_year="2026-2027").action_sign()
        pupil = self.env["res.partner"].create({"name": "Élève Delta", "school_role": "pupil",
                                                "college_id": college.id, "grade_level": "6e"})
        self.assertEqual(Partner.search([("id", "=", pupil.id)]), pupil)

    # ---------------------------------------------------------- bad input
    def test_switches_of_a_signed_convention_do_not_change(self):
        """I 7: what was signed changes by amendment, not by editing the model or the convention."""
        convention = self._convention_under(self.isere)
        with self.assertRaises(UserError) as err:
            self.isere.with_user(self.manager_a).write({"gift_allowed": True})
        self.assertIn(convention.name, str(err.exception))
        self.assertFalse(self.isere.gift_allowed)
        with self.assertRaises(UserError):
            convention.with_user(self.manager_a).write({"model_id": self.bdr.id})
        self.assertEqual(convention.model_id, self.isere)
        # A stored compute keeps what a client writes: the model's validity holds.
        with self.assertRaises(UserError):
            convention.with_user(self.manager_a).write({"validity_type": "school_year"})
        draft = self._convention(self.college_beta, model_id=self.isere.id, date_signed_academy=False)
        with self.assertRaises(AccessError):
            draft.with_user(self.manager_a).write({"validity_type": "school_year"})
        with self.assertRaises(ValidationError):
            draft.with_user(self.manager_a).write({"home_use_allowed": False})
        # A name may change; an unused model's switches too.
        self.isere.with_user(self.manager_a).name = "Modèle Isère"
        own = self.env["tablet.convention.model"].with_user(self.manager_a).create({
            "name": "Convention du Département", "funding_statement": "Financé par le Département.",
            "company_id": self.dept_a.id})
        own.gift_allowed = False
        self.assertFalse(own.gift_allowed)

    def test_only_the_departement_writes_the_models(self):
        for user in (self.head_alpha, self.referent_alpha, self.academy_user, self.accountant_alpha):
            with self.assertRaises(AccessError):
                self.bdr.with_user(user).write({"name": "Autre"})
            self.assertTrue(self.bdr.with_user(user).read(["funding_statement"]))
        with self.assertRaises(AccessError):
            self.env["tablet.convention.model"].with_user(self.head_alpha).create({
                "name": "Le mien", "funding_statement": "x"})


@tagged("post_install", "-at_install")
class TestConventionModelsRpc(HttpCase):
    """The demo's Pierre Sèche collège runs the Isère model: the demo Académie officer, over
    JSON-RPC, reads nothing of its people, and cannot rewrite a model."""

    def test_academy_demo_user_over_json_rpc(self):
        academy = self.env.ref("tablet_loan.user_academy")
        college = self.env.ref("tablet_loan.demo_college_pierre_seche")
        self.assertFalse(college.tablet_academy_party)
        people = self.env["res.partner"].search([("college_id", "=", college.id)])
        self.assertTrue(people)
        status, result = execute_kw(self, academy, "res.partner", "search", [[("id", "in", people.ids)]])
        self.assertEqual((status, result), ("ok", []))
        trois_sources = self.env.ref("tablet_loan.demo_college_trois_sources")
        visible = self.env["res.partner"].search([("college_id", "=", trois_sources.id)], limit=1)
        status, result = execute_kw(self, academy, "res.partner", "search", [[("id", "=", visible.id)]])
        self.assertEqual((status, result), ("ok", visible.ids))
        model = self.env.ref("tablet_loan.tablet_convention_model_isere")
        status, _message = execute_kw(self, academy, "tablet.convention.model", "write",
                                      [model.ids, {"gift_allowed": True}])
        self.assertIn("AccessError", status)
        self.assertFalse(model.gift_allowed)

    def test_what_the_screens_show_read_only_is_refused_over_json_rpc(self):
        """The deployment wizard's hand-over box (read-only under the Isère model), the
        convention's validity and home use (set by its model) and the collège's Académie flag
        (set by its convention): the demo programme manager writes none of them over JSON-RPC."""
        manager = self.env.ref("tablet_loan.user_dept_manager")
        college = self.env.ref("tablet_loan.demo_college_pierre_seche")
        draft = self.env.ref("tablet_loan.demo_convention_pierre_seche")
        status, wizard_id = execute_kw(self, manager, "tablet.deployment.wizard", "create", [{
            "college_id": college.id, "school_year": "2026-2027", "hand_over_now": True}])
        self.assertEqual(status, "ok")
        status, message = execute_kw(self, manager, "tablet.deployment.wizard", "action_deploy", [[wizard_id]])
        self.assertIn("UserError", status)
        self.assertRegex(message, "signed before|signé avant")
        for vals in ({"validity_type": "school_year"}, {"home_use_allowed": False}):
            status, _message = execute_kw(self, manager, "tablet.convention", "write", [draft.ids, vals])
            self.assertNotEqual(status, "ok", vals)
        status, _message = execute_kw(self, manager, "res.partner", "write",
                                      [college.ids, {"tablet_academy_party": True}])
        self.assertIn("AccessError", status)
        self.env.invalidate_all()
        self.assertEqual((draft.validity_type, draft.home_use_allowed), ("three_years", True))
        self.assertFalse(college.tablet_academy_party)
        self.assertFalse(self.env["tablet.loan"].search_count([("college_id", "=", college.id)]))
