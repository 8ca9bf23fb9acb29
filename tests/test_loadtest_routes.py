from datetime import date, timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import TabletLoanCase, drawn_signature

OPEN_STATES = ["draft", "active", "custody"]


@tagged("post_install", "-at_install")
class TestLoadtestRoutes(HttpCase, TabletLoanCase):
    """The JSON calls the scripted users of `make loadtest` send (tools/locustfile.py), each role
    through the web client's routes: a change of the module that breaks them fails here, not
    only in the load test. Same payloads as the locustfile, one user per role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.pupils = Partner.browse()
        for i in range(3):
            pupil, _rep = cls._pupil_with_representative(f"Charge {i}", cls.college_alpha, "5e", "5e L")
            cls.pupils |= pupil
        cls.lent, _rep = cls._pupil_with_representative("Déjà équipé", cls.college_alpha, "4e", "4e L")
        cls._deployable(cls.college_alpha, cls.pupils | cls.lent)
        cls.tablets = cls._tablets(cls.college_alpha, 6)
        cls.loan = cls._loan(cls.lent, cls.tablets[-1])
        cls.loan.with_user(cls.referent_alpha).action_activate()
        now = fields.Datetime.now()
        cls.incident = cls.env["tablet.incident"].with_user(cls.referent_alpha).create({
            "loan_id": cls.loan.id, "incident_type": "failure", "event_datetime": now - timedelta(days=2),
            "declaration_datetime": now - timedelta(days=1), "circumstances": "Ne démarre plus."})
        cls.incident.with_user(cls.head_alpha).action_validate()
        cls.supplier_user.partner_id.email = "garantie@example.invalid"
        cls.claim = cls.env["tablet.warranty.claim"].with_user(cls.manager_a).create({
            "incident_id": cls.incident.id, "supplier_id": cls.supplier_user.partner_id.id,
            "fault_type": "component", "fault_description": "Écran noir."})
        cls.claim.with_user(cls.manager_a).action_send()

    def rpc(self, user, route, model, method, args, kwargs=None):
        self.authenticate(user.login, user.login)
        context = {"lang": "fr_FR", "tz": "Europe/Paris", "uid": user.id,
                   "allowed_company_ids": user.company_id.ids}
        return self.make_jsonrpc_request(f"/web/dataset/{route}/{model}/{method}", {
            "model": model, "method": method, "args": args,
            "kwargs": {**(kwargs or {}), "context": {**context, **(kwargs or {}).get("context", {})}}})

    def test_referent_deploys_a_class_and_records_a_signature(self):
        user = self.referent_alpha
        spec = {f: {} for f in ("college_id", "school_year", "source", "school_class", "assignment", "date_start",
                                "hand_over_now", "borrower_count", "stock_count")}
        self.rpc(user, "call_kw", "tablet.deployment.wizard", "onchange", [[], {}, [], spec])
        saved = self.rpc(user, "call_kw", "tablet.deployment.wizard", "web_save", [[], {
            "college_id": self.college_alpha.id, "school_year": "2026-2027", "source": "class",
            "school_class": "5e L", "assignment": "auto", "date_start": date.today().isoformat(),
            "hand_over_now": True}], {"specification": {"borrower_count": {}}})
        self.assertEqual(saved[0]["borrower_count"], 3)
        action = self.rpc(user, "call_button", "tablet.deployment.wizard", "action_deploy", [[saved[0]["id"]]])
        loan_ids = action["domain"][0][2]
        self.assertEqual(self.env["tablet.loan"].browse(loan_ids).borrower_id, self.pupils)

        action = self.rpc(user, "call_button", "tablet.loan", "action_open_signature_wizard", [[loan_ids[0]]])
        spec = {f: {} for f in ("loan_id", "moment", "method", "one_representative_signs", "signer_1_id",
                                "signer_2_id", "signed_at", "staff_user_id", "signer_candidate_ids")}
        values = self.rpc(user, "call_kw", "tablet.loan.signature.wizard", "onchange", [[], {}, [], spec],
                          {"context": action["context"]})["value"]
        signer = values["signer_1_id"]
        signer = signer["id"] if isinstance(signer, dict) else signer
        self.assertTrue(signer, "the onchange proposes the legal representative")
        staff = values["staff_user_id"]
        saved = self.rpc(user, "call_kw", "tablet.loan.signature.wizard", "web_save", [[], {
            "loan_id": loan_ids[0], "method": "screen", "one_representative_signs": True, "signer_1_id": signer,
            "signer_2_id": False, "signature_1": drawn_signature(), "signed_at": values["signed_at"],
            "staff_user_id": staff["id"] if isinstance(staff, dict) else staff}], {"specification": {}})
        self.rpc(user, "call_button", "tablet.loan.signature.wizard", "action_confirm", [[saved[0]["id"]]])
        loan = self.env["tablet.loan"].browse(loan_ids[0])
        self.assertTrue(loan.signed_date)
        self.assertEqual(len(loan.signature_ids), 1)

    def test_head_decides_an_incident(self):
        user = self.head_alpha
        found = self.rpc(user, "call_kw", "tablet.incident", "web_search_read", [], {
            "domain": [("state", "=", "validated"), ("college_id", "=", self.college_alpha.id)],
            "specification": {"display_name": {}, "incident_type": {}, "state": {}}, "limit": 80})
        self.assertEqual([r["id"] for r in found["records"]], self.incident.ids)
        self.rpc(user, "call_kw", "tablet.incident", "web_save", [self.incident.ids, {
            "qualification": "failure", "decision": "no_replacement", "decision_note": "Décision."}],
            {"specification": {"state": {}}})
        self.rpc(user, "call_button", "tablet.incident", "action_decide", [self.incident.ids])
        self.assertEqual(self.incident.state, "decided")

    def test_supplier_answers_a_claim_and_exports_it(self):
        user = self.supplier_user
        found = self.rpc(user, "call_kw", "tablet.warranty.claim", "web_search_read", [], {
            "domain": [("state", "=", "sent")], "specification": {"display_name": {}, "state": {}}, "limit": 200})
        self.assertEqual([r["id"] for r in found["records"]], self.claim.ids)
        self.rpc(user, "call_kw", "tablet.warranty.claim", "web_save", [self.claim.ids, {
            "rma_number": "RMA-1", "answer": "repaired"}], {"specification": {"state": {}}})
        self.rpc(user, "call_button", "tablet.warranty.claim", "action_record_answer", [self.claim.ids])
        self.assertEqual(self.claim.state, "answered")
        action = self.rpc(user, "call_button", "tablet.warranty.claim", "action_export_claims_xlsx",
                          [self.claim.ids])
        self.assertEqual((action["type"], action["report_type"]), ("ir.actions.report", "xlsx"))
        self.assertEqual(action["context"]["active_ids"], self.claim.ids)
        response = self.url_open(f"/report/xlsx/{action['report_name']}/{self.claim.id}")
        self.assertTrue(response.content.startswith(b"PK"), "an XLSX file")

    def test_department_lists_groups_and_exports(self):
        user = self.officer_a
        domain = [("state", "in", OPEN_STATES), ("school_year", "=", "2026-2027")]
        found = self.rpc(user, "call_kw", "tablet.loan", "web_search_read", [], {
            "domain": domain, "specification": {"borrower_id": {"fields": {"display_name": {}}}, "state": {}},
            "limit": 80})
        self.assertIn(self.loan.id, [r["id"] for r in found["records"]])
        groups = self.rpc(user, "call_kw", "tablet.loan", "web_read_group", [], {
            "domain": domain, "fields": ["__count"], "groupby": ["college_id"], "limit": 80, "lazy": True})
        self.assertEqual(groups["groups"][0]["college_id"][0], self.college_alpha.id)
        action = self.rpc(user, "call_button", "maintenance.equipment", "action_export_department_summary_xlsx",
                          [[]])
        self.assertEqual(action["data"], {"company_id": self.dept_a.id})
        response = self.url_open(f"/report/xlsx/{action['report_name']}?options="
                                 f"%7B%22company_id%22%3A%20{self.dept_a.id}%7D")
        self.assertTrue(response.content.startswith(b"PK"), "an XLSX file")
