"""Scripted users of `make loadtest` (tools/loadtest.py runs Locust on this file).

Each Locust user logs in as one account of the plan (tools/loadtest_data.py) and does its role's
real work through the web client's JSON routes, as the browser would send them:
`/web/session/authenticate`, `/web/dataset/call_kw/<model>/<method>` (onchange, web_save,
web_search_read, web_read, web_read_group) and `/web/dataset/call_button/<model>/<method>` for the
buttons, and the XLSX report route `/report/xlsx/<report>` the export buttons lead to.

- référent: deploys each class of their collège with the rentrée wizard, then records a legal
  representative's signature on the first loans of each class, with the signature wizard;
- head: qualifies and decides the validated incidents of their collège;
- accountant: invoices the confirmed charges of their collège;
- Département: lists the open loans, groups them by collège, lists the fleet, exports XLSX;
- supplier agent: answers the warranty claims sent to their company, exports them.

The work is bounded: each user goes through its work once (the Département's users a fixed
number of rounds) and stops; the run ends when every user has stopped, or at Locust's time
limit. Only 127.0.0.1 is ever targeted (tools/loadtest.py refuses any other host).

Runs in its own virtual environment (Locust's gevent and Odoo's pins do not mix): it imports
nothing from Odoo. Environment: LOADTEST_PLAN (the plan, JSON), LOADTEST_SAMPLES (where to write
every request's time and the work counters at the end), LOADTEST_ROLES (users per role).
"""
import functools
import itertools
import json
import os
import time
import urllib.parse
from datetime import date

from locust import HttpUser, between, events, task
from locust.exception import StopUser

PLAN = json.load(open(os.environ["LOADTEST_PLAN"]))
ROLES = dict(item.split("=") for item in os.environ.get("LOADTEST_ROLES", "").split(",") if item)
OPEN_STATES = ["draft", "active", "custody"]
DEPARTMENT_ROUNDS = int(os.environ.get("LOADTEST_ROUNDS", "12"))
# Families signing at the desk per class deployed (each signature prints the contract's PDF).
SIGNATURES_PER_CLASS = int(os.environ.get("LOADTEST_SIGN", "3"))

# Every request's (name, kind, milliseconds, ok), and the work done, written at the end.
SAMPLES = []
COUNTS = {"loans_deployed": 0, "classes_deployed": 0, "signatures": 0, "incidents_decided": 0,
          "charges_invoiced": 0, "claims_answered": 0, "exports": 0, "department_rounds": 0}
RUNNING = {"users": 0, "started": 0}
_accounts = {role: itertools.count() for role in ("referents", "heads", "accountants", "department", "suppliers")}


def kind_of(name):
    """Request family, for the limits: a class's deployment, reads, writes, exports, login."""
    if name.endswith("action_deploy"):
        return "deploy"
    if name.startswith("xlsx "):
        return "export"
    if name == "authenticate":
        return "login"
    if name.startswith("script "):
        return "script"
    method = name.rsplit(".", 1)[-1]
    if method in ("web_search_read", "web_read", "web_read_group", "onchange", "search", "search_count", "read"):
        return "read"
    return "write"


@events.request.add_listener
def _sample(request_type, name, response_time, response_length, exception, **_kw):
    SAMPLES.append((name, kind_of(name), response_time, exception is None))


@events.test_stop.add_listener
def _dump(**_kw):
    with open(os.environ["LOADTEST_SAMPLES"], "w") as out:
        json.dump({"samples": SAMPLES, "counts": COUNTS}, out)


class OdooUser(HttpUser):
    """A web client session: JSON-RPC calls, each named `<route> <model>.<method>` in the stats."""

    abstract = True
    wait_time = between(0.5, 2.0)
    role = None

    def on_start(self):
        RUNNING["users"] += 1
        RUNNING["started"] += 1
        index = next(_accounts[self.role])
        accounts = PLAN[self.role]
        self.account = accounts[index % len(accounts)]
        self.index, self.of = index, int(ROLES.get(self.role, 1))
        self.rpc_id = itertools.count(1)
        result = self.jsonrpc("/web/session/authenticate", "authenticate", {
            "db": PLAN["db"], "login": self.account["login"], "password": PLAN["password"]})
        if not result or not result.get("uid"):
            raise StopUser()
        self.uid = result["uid"]
        self.odoo_context = {"lang": "fr_FR", "tz": "Europe/Paris", "uid": self.uid,
                        "allowed_company_ids": [PLAN["company"]]}

    def on_stop(self):
        RUNNING["users"] -= 1
        if RUNNING["users"] == 0 and RUNNING["started"] >= sum(int(n) for n in ROLES.values()):
            # Everyone's work is done: end the run before Locust's time limit.
            self.environment.runner.quit()

    def jsonrpc(self, url, name, params):
        payload = {"jsonrpc": "2.0", "method": "call", "id": next(self.rpc_id), "params": params}
        with self.client.post(url, json=payload, name=name, catch_response=True) as response:
            try:
                body = response.json()
            except ValueError:
                response.failure(f"HTTP {response.status_code}, not JSON")
                return None
            if "error" in body:
                error = body["error"].get("data", {})
                response.failure(f"{error.get('name', 'error')}: {error.get('message', body['error'])}"[:300])
                return None
            return body.get("result")

    def call_kw(self, model, method, args, kwargs=None, context=None):
        kwargs = dict(kwargs or {}, context={**self.odoo_context, **(context or {})})
        return self.jsonrpc(f"/web/dataset/call_kw/{model}/{method}", f"call_kw {model}.{method}",
                            {"model": model, "method": method, "args": args, "kwargs": kwargs})

    def call_button(self, model, method, ids, context=None):
        return self.jsonrpc(f"/web/dataset/call_button/{model}/{method}", f"call_button {model}.{method}",
                            {"model": model, "method": method, "args": [ids],
                             "kwargs": {"context": {**self.odoo_context, **(context or {})}}})

    def search_read(self, model, domain, spec, limit=80, order=""):
        result = self.call_kw(model, "web_search_read", [], {
            "domain": domain, "specification": spec, "offset": 0, "limit": limit, "order": order,
            "count_limit": 10001})
        return (result or {}).get("records", [])

    def report_xlsx(self, action, label):
        """What the report_xlsx client does with an `ir.actions.report` of type xlsx: the report URL,
        with the action's data as options, else the active ids (here fetched with GET)."""
        if not action or action.get("report_type") != "xlsx":
            return False
        url = f"/report/xlsx/{action['report_name']}"
        context = action.get("context") or {}
        if action.get("data"):
            url += "?" + urllib.parse.urlencode({"options": json.dumps(action["data"]),
                                                 "context": json.dumps(context)})
        elif context.get("active_ids"):
            url += "/" + ",".join(str(i) for i in context["active_ids"])
        with self.client.get(url, name=f"xlsx {label}", catch_response=True) as response:
            if response.status_code != 200 or not response.content.startswith(b"PK"):
                response.failure(f"HTTP {response.status_code}: not an XLSX file")
                return False
        COUNTS["exports"] += 1
        return True

    def pause(self):
        time.sleep(self.wait_time())


def once(script):
    """A role's script runs once: an exception in the script (not in Odoo) is counted as a failed
    request named `script <role>` and stops the user, instead of Locust running it again."""

    @functools.wraps(script)
    def run(self):
        started = time.perf_counter()
        try:
            script(self)
        except StopUser:
            raise
        except Exception as exc:  # noqa: BLE001 - reported as a failure, the run goes on
            events.request.fire(request_type="SCRIPT", name=f"script {self.role}", response_time=
                                (time.perf_counter() - started) * 1000, response_length=0, exception=exc,
                                context={})
        raise StopUser()
    return run


def m2o_id(value):
    return value.get("id") if isinstance(value, dict) else value


class Referent(OdooUser):
    """Rentrée: deploy each class of the collège, then record the signatures of the first
    families of each class (LOADTEST_SIGN) with the signature wizard."""

    role = "referents"
    fixed_count = int(ROLES.get("referents", 0))

    @task
    @once
    def rentree(self):
        college = self.account["college"]
        loan_ids = []
        for school_class in self.account["classes"]:
            spec = {f: {} for f in ("college_id", "school_year", "source", "school_class", "assignment",
                                    "date_start", "hand_over_now", "borrower_count", "stock_count")}
            self.call_kw("tablet.deployment.wizard", "onchange", [[], {}, [], spec])
            saved = self.call_kw("tablet.deployment.wizard", "web_save", [[], {
                "college_id": college, "school_year": PLAN["school_year"], "source": "class",
                "school_class": school_class, "assignment": "auto", "date_start": date.today().isoformat(),
                "hand_over_now": True}], {"specification": {"borrower_count": {}}})
            if not saved:
                continue
            action = self.call_button("tablet.deployment.wizard", "action_deploy", [saved[0]["id"]])
            if action:
                ids = action["domain"][0][2]
                loan_ids += ids[:SIGNATURES_PER_CLASS]
                COUNTS["loans_deployed"] += len(ids)
                COUNTS["classes_deployed"] += 1
            self.search_read("tablet.loan", [("college_id", "=", college), ("state", "in", OPEN_STATES),
                                             ("school_class", "=", school_class)],
                             {"borrower_id": {"fields": {"display_name": {}}},
                              "equipment_id": {"fields": {"display_name": {}}}, "state": {}, "signed_date": {}})
            self.pause()
        for loan_id in loan_ids:
            self.sign(loan_id)
            self.pause()

    def sign(self, loan_id):
        action = self.call_button("tablet.loan", "action_open_signature_wizard", [loan_id])
        if not action:
            return
        spec = {f: {} for f in ("loan_id", "moment", "method", "one_representative_signs", "signer_1_id",
                                "signer_2_id", "signed_at", "staff_user_id", "signer_candidate_ids")}
        values = (self.call_kw("tablet.loan.signature.wizard", "onchange", [[], {}, [], spec],
                               context=action.get("context")) or {}).get("value", {})
        signer = m2o_id(values.get("signer_1_id"))
        if not signer:
            return
        saved = self.call_kw("tablet.loan.signature.wizard", "web_save", [[], {
            "loan_id": loan_id, "method": "screen", "one_representative_signs": True, "signer_1_id": signer,
            "signer_2_id": False, "signature_1": PLAN["signature_png"], "signed_at": values.get("signed_at"),
            "staff_user_id": m2o_id(values.get("staff_user_id")) or self.uid}], {"specification": {}})
        if saved and self.call_button("tablet.loan.signature.wizard", "action_confirm", [saved[0]["id"]]) is not None:
            COUNTS["signatures"] += 1


class Head(OdooUser):
    """The head qualifies and decides each validated incident of the collège (no replacement)."""

    role = "heads"
    fixed_count = int(ROLES.get("heads", 0))

    @task
    @once
    def decide(self):
        spec = {"display_name": {}, "incident_type": {}, "state": {}, "borrower_id": {"fields": {"display_name": {}}},
                "equipment_id": {"fields": {"display_name": {}}}, "event_datetime": {}}
        incidents = self.search_read("tablet.incident", [("state", "=", "validated"),
                                                         ("college_id", "=", self.account["college"])], spec)
        for incident in incidents:
            form = self.call_kw("tablet.incident", "web_read", [[incident["id"]], {
                **spec, "decision": {}, "qualification": {}, "counterpart_charge": {}, "charge_amount": {},
                "loan_id": {"fields": {"display_name": {}}}, "warranty_claim_ids": {}}])
            if not form:
                continue
            qualification = {"breakage": "accident", "failure": "failure", "loss": "loss",
                             "theft": "theft"}[incident["incident_type"]]
            saved = self.call_kw("tablet.incident", "web_save", [[incident["id"]], {
                "qualification": qualification, "decision": "no_replacement",
                "decision_note": "Décision du chef d'établissement (test de charge)."}],
                {"specification": {"state": {}}})
            if saved and self.call_button("tablet.incident", "action_decide", [incident["id"]]) is not None:
                COUNTS["incidents_decided"] += 1
            self.pause()


class Accountant(OdooUser):
    """The accountant invoices each confirmed charge of the collège."""

    role = "accountants"
    fixed_count = int(ROLES.get("accountants", 0))

    @task
    @once
    def invoice(self):
        spec = {"display_name": {}, "state": {}, "amount": {}, "payer_id": {"fields": {"display_name": {}}},
                "borrower_id": {"fields": {"display_name": {}}}}
        domain = [("college_id", "=", self.account["college"])]
        charges = self.search_read("tablet.charge", [*domain, ("state", "=", "confirmed")], spec)
        for charge in charges:
            self.call_kw("tablet.charge", "web_read", [[charge["id"]], {**spec, "invoice_id": {}}])
            if self.call_button("tablet.charge", "action_create_invoice", [charge["id"]]) is not None:
                COUNTS["charges_invoiced"] += 1
            self.pause()
        self.search_read("tablet.charge", [*domain, ("state", "=", "invoiced")], spec)


class Department(OdooUser):
    """The Département lists the year's open loans, groups them by collège, lists the fleet and
    exports (officer: the fleet inventory of a collège and the Département summary)."""

    role = "department"
    fixed_count = int(ROLES.get("department", 0))

    @task
    @once
    def follow(self):
        domain = [("state", "in", OPEN_STATES), ("school_year", "=", PLAN["school_year"])]
        for round_ in range(DEPARTMENT_ROUNDS):
            self.search_read("tablet.loan", domain, {
                "borrower_id": {"fields": {"display_name": {}}}, "college_id": {"fields": {"display_name": {}}},
                "equipment_id": {"fields": {"display_name": {}}}, "state": {}, "school_class": {},
                "date_start": {}, "signed_date": {}})
            self.call_kw("tablet.loan", "web_read_group", [], {
                "domain": domain, "fields": ["__count"], "groupby": ["college_id"], "limit": 80, "offset": 0,
                "orderby": "", "lazy": True})
            tablets = self.search_read("maintenance.equipment", [("is_tablet", "=", True)], {
                "display_name": {}, "serial_no": {}, "tablet_state": {},
                "college_id": {"fields": {"display_name": {}}}})
            self.call_kw("tablet.incident", "web_read_group", [], {
                "domain": [], "fields": ["__count"], "groupby": ["state"], "limit": 80, "offset": 0,
                "orderby": "", "lazy": True})
            if round_ % 4 == self.index % 4 and tablets:
                college = m2o_id(tablets[0]["college_id"])
                fleet = self.call_kw("maintenance.equipment", "search", [[("is_tablet", "=", True),
                                                                          ("college_id", "=", college)]])
                if round_ % 8 == self.index % 8:
                    action = self.call_button("maintenance.equipment", "action_export_department_summary_xlsx", [])
                    self.report_xlsx(action, "tablet_loan.report_department_summary_xlsx")
                elif fleet:
                    action = self.call_button("maintenance.equipment", "action_export_fleet_inventory_xlsx", fleet)
                    self.report_xlsx(action, "tablet_loan.report_fleet_inventory_xlsx")
            COUNTS["department_rounds"] += 1
            self.pause()


class Supplier(OdooUser):
    """The supplier's warranty desk answers the claims sent to it (repaired) and exports them."""

    role = "suppliers"
    fixed_count = int(ROLES.get("suppliers", 0))

    @task
    @once
    def answer(self):
        spec = {"display_name": {}, "state": {}, "fault_type": {}, "fault_description": {},
                "equipment_id": {"fields": {"display_name": {}}}, "claim_date": {}}
        claims = [c for c in self.search_read("tablet.warranty.claim", [("state", "=", "sent")], spec, limit=200)
                  if c["id"] % self.of == self.index % self.of]
        answered = []
        for claim in claims:
            self.call_kw("tablet.warranty.claim", "web_read", [[claim["id"]], {**spec, "rma_number": {}, "answer": {}}])
            saved = self.call_kw("tablet.warranty.claim", "web_save", [[claim["id"]], {
                "rma_number": f"RMA-LT-{claim['id']}", "answer": "repaired"}], {"specification": {"state": {}}})
            if saved and self.call_button("tablet.warranty.claim", "action_record_answer", [claim["id"]]) is not None:
                COUNTS["claims_answered"] += 1
                answered.append(claim["id"])
            self.pause()
        if answered:
            action = self.call_button("tablet.warranty.claim", "action_export_claims_xlsx", answered)
            self.report_xlsx(action, "tablet_loan.report_warranty_claims_xlsx")
