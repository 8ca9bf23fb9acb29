"""What the web client reads on the module's screens works on a read replica (issue 20).

Odoo 18 serves a request on a read-only route (`/web/action/load`, `/report/...`,
`/mail/thread/data`, and `/web/dataset/call_kw` for methods marked `@api.readonly`:
`web_search_read`, `web_read`, `web_read_group`, `get_views`...) from a read-only cursor, on the
replica when one is configured. A write met there raises `ReadOnlySqlTransaction`; Odoo then logs
a warning and plays the request again on the primary: the user sees nothing, the replica serves
nothing. HttpCase's cursors of read-only routes are read-only (`SET TRANSACTION READ ONLY`), so
these tests go through the very routes as each demo role and fail on the first such retry.
"""
import importlib.util
import json
import logging
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch
from urllib.parse import urlencode

from lxml import etree

from odoo import api
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import DEMO_LOGINS, demo_users

# The specification of a view's fields, as tools/replica.py's end-to-end check builds it too.
_spec = importlib.util.spec_from_file_location(
    "tablet_loan_replica", Path(__file__).resolve().parent.parent / "tools" / "replica.py")
replica_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(replica_tool)
view_spec = replica_tool.view_spec
REPORT_INPUTS = replica_tool.REPORT_INPUTS

RETRY = "retrying with a read/write cursor"
LIST_LIMIT = 80  # the web client's page

# The module's own methods the screens call that only read: each must be marked @api.readonly
# so that its call goes to the replica. (model, method, whether it takes records.)
READONLY_METHODS = [
    ("tablet.today", "get_today", False),
    ("tablet.convention", "action_open_amendments", True),
    ("tablet.convention.model", "action_open_conventions", True),
    ("tablet.loan", "action_open_return_wizard", True),
    ("tablet.loan", "action_print_contract", True),
    ("tablet.loan", "action_open_signature_wizard", True),
    ("tablet.loan", "action_open_signed_contract", True),
    ("maintenance.equipment", "action_open_loans", True),
    ("maintenance.equipment", "action_open_asset", True),
    ("maintenance.equipment", "action_export_fleet_inventory_xlsx", True),
    ("maintenance.equipment", "action_export_department_summary_xlsx", True),
    ("tablet.processing.activity", "action_print_notice", True),
    ("tablet.warranty.claim", "action_export_claims_xlsx", True),
    ("tablet.incident", "action_open_warranty_claim", True),
    ("tablet.incident", "action_open_warranty_claims", True),
    ("res.partner", "action_open_college_members", True),
    ("res.partner", "action_open_tablet_loans", True),
    ("res.partner", "action_open_departure_wizard", True),
    ("res.partner", "action_open_tablet_conventions", True),
    ("tablet.charge", "action_print_notice", True),
    ("tablet.charge", "action_open_invoice", True),
    ("tablet.annual.report", "action_print", True),
]
# Refusals a role meets on a record it reads (a button it does not have): not a write.
REFUSALS = ("odoo.exceptions.AccessError", "odoo.exceptions.UserError")


class _Retries(logging.Handler):
    """The warnings of odoo.http that a read-only request was played again on the primary."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.requests = []

    def emit(self, record):
        if RETRY in record.getMessage():
            self.requests.append(record.getMessage())


@tagged("post_install", "-at_install")
class TestReadReplica(HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = demo_users(cls.env)

    def setUp(self):
        super().setUp()
        if not self.users:
            self.skipTest("the screens of every role need the demo data")

    # ------------------------------------------------------------------ the client
    @contextmanager
    def _replica(self):
        retries = _Retries()
        logger = logging.getLogger("odoo.http")
        logger.addHandler(retries)
        try:
            yield retries
        finally:
            logger.removeHandler(retries)

    def _json(self, path, params):
        response = self.url_open(path, data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1,
                                                        "params": params}),
                                 headers={"Content-Type": "application/json"})
        self.assertEqual(response.status_code, 200, path)
        answer = response.json()
        if "error" in answer:
            return None, answer["error"]["data"]["name"]
        return answer["result"], None

    def _call(self, model, method, *args, **kwargs):
        return self._json(f"/web/dataset/call_kw/{model}/{method}",
                          {"model": model, "method": method, "args": list(args), "kwargs": kwargs})

    def _ok(self, call, *args, **kwargs):
        result, error = call(*args, **kwargs)
        self.assertFalse(error, f"{args[:2]}: {error}")
        return result

    def _menu_actions(self):
        """The module's window actions in the user's menus (the route the web client loads them by)."""
        response = self.url_open("/web/webclient/load_menus/1")
        self.assertEqual(response.status_code, 200)
        ids = {menu["actionID"] for menu in response.json().values()
               if menu.get("actionModel") == "ir.actions.act_window"}
        data = self.env["ir.model.data"].search([("module", "=", "tablet_loan"),
                                                 ("model", "=", "ir.actions.act_window"),
                                                 ("res_id", "in", list(ids))])
        return self.env["ir.actions.act_window"].browse(data.mapped("res_id")).filtered(
            lambda a: a.target != "new")

    # ------------------------------------------------------------------ one role's screens
    def _open_screens(self, user):
        """Every list and form of the user's menus, the Today page, the reports and the read-only
        buttons: what was read, for the assertions."""
        eval_context = self.env["tablet.today"].with_user(user)._eval_context()
        seen = {"records": 0, "forms": 0, "reports": 0, "buttons": 0}
        actions = self._menu_actions()
        self.assertTrue(actions, user.login)
        for act in actions:
            action = self._ok(self._json, "/web/action/load", {"action_id": act.id})
            model = action["res_model"]
            views = [[view_id, vtype] for view_id, vtype in action["views"]
                     if vtype in ("list", "form", "kanban")]
            search = action.get("search_view_id")
            got = self._ok(self._call, model, "get_views",
                           views=views + [[search and search[0], "search"]],
                           options={"action_id": act.id, "load_filters": True, "toggle_view_menu": True})
            models = got["models"]
            fields = models[model]["fields"]
            domain = safe_eval(action["domain"], eval_context) if isinstance(action["domain"], str) \
                else action["domain"] or []
            context = safe_eval(action["context"] or "{}", eval_context)
            context = {k: v for k, v in context.items() if not k.startswith("search_default_")}
            context.update(bin_size=True)
            arches = {vtype: etree.fromstring(view["arch"]) for vtype, view in got["views"].items()}
            list_arch = arches["list"] if "list" in arches else arches.get("kanban")
            if list_arch is not None:
                spec = view_spec(list_arch, fields, models)
                page = self._ok(self._call, model, "web_search_read", domain, spec, limit=LIST_LIMIT,
                                count_limit=10001, context=context)
                seen["records"] += len(page["records"])
                ids = [record["id"] for record in page["records"]]
            else:
                ids = []
            group_bys = [safe_eval(node.get("context"), eval_context)["group_by"]
                         for node in arches["search"].iter("filter") if "group_by" in (node.get("context") or "")]
            if group_bys:
                groupby = group_bys[0] if isinstance(group_bys[0], str) else group_bys[0][0]
                self._ok(self._call, model, "web_read_group", domain, [], [groupby], lazy=True,
                         context=context)
            if self.env[model]._rec_name:
                self._ok(self._call, model, "name_search", "", domain, limit=8, context=context)
            if ids and "form" in arches:
                spec = view_spec(arches["form"], fields, models)
                self._ok(self._call, model, "web_read", ids[:1], spec, context=context)
                if "message_ids" in fields:
                    self._ok(self._json, "/mail/thread/data", {
                        "thread_model": model, "thread_id": ids[0],
                        "request_list": ["activities", "attachments", "followers", "scheduledMessages",
                                         "suggestedRecipients"]})
                seen["forms"] += 1
        today = self._ok(self._call, "tablet.today", "get_today")
        for section in today["sections"]:
            for card in section["cards"]:
                self._ok(self._call, "tablet.today", "action_open_card", card["key"])
        seen["reports"] = self._print_reports(user)
        seen["buttons"] = self._press_read_only_buttons(user)
        return seen

    def _print_reports(self, user):
        """The module's reports (PDF as HTML, as Odoo's tests render them; XLSX) on a few records."""
        printed = 0
        reports = self.env["ir.actions.report"].search([("report_name", "=like", "tablet_loan.%")])
        for report in reports:
            if report.groups_id and not (report.groups_id & user.groups_id):
                continue
            Model = self.env[report.model].with_user(user)
            if not Model.has_access("read"):
                continue
            converter = "xlsx" if report.report_type == "xlsx" else "html"
            for domain, with_ids, data in REPORT_INPUTS.get(report.report_name, [([], True, None)]):
                url = f"/report/{converter}/{report.report_name}"
                if with_ids:
                    records = Model.search(domain, limit=3)
                    if not records:
                        continue
                    url += "/" + ",".join(map(str, records.ids))
                if data is not None:
                    url += "?" + urlencode({"options": json.dumps(data)})
                self.assertEqual(self.url_open(url).status_code, 200, f"{user.login}: {url}")
                printed += 1
        return printed

    def _press_read_only_buttons(self, user):
        pressed = 0
        for model, method, on_records in READONLY_METHODS:
            Model = self.env[model].with_user(user)
            if not Model.has_access("read"):
                continue
            args = []
            if on_records:
                record = Model.search([], limit=1)
                if not record:
                    continue
                args = [record.ids]
            _result, error = self._json("/web/dataset/call_button", {
                "model": model, "method": method, "args": args, "kwargs": {}})
            self.assertIn(error, (None, *REFUSALS), f"{user.login}: {model}.{method}")
            pressed += 1
        return pressed

    # ------------------------------------------------------------------ the tests
    def test_the_screens_read_nothing_they_write(self):
        """As each demo role: lists, forms and their chatter, grouped lists, name searches, the
        Today page and its cards, the reports and the read-only buttons, all on read-only
        cursors, without one request played again on the primary."""
        printed = 0
        for login in DEMO_LOGINS:
            user = self.users[login]
            with self.subTest(login=login):
                self.authenticate(login, login)
                with self._replica() as retries:
                    seen = self._open_screens(user)
                self.assertEqual(retries.requests, [], login)
                self.assertGreater(seen["records"], 0, login)
                self.assertGreater(seen["forms"], 0, login)
                self.assertGreater(seen["buttons"], 0, login)
                printed += seen["reports"]
        self.assertGreaterEqual(printed, len(DEMO_LOGINS))

    def _route_is_read_only(self, model, method):
        """As /web/dataset/call_kw decides (`DataSet._call_kw_readonly`): the first class of the
        model's MRO whose method says whether it is read-only."""
        for cls in type(self.env[model]).mro():
            found = getattr(cls, method, None)
            if found is not None and hasattr(found, "_readonly"):
                return found._readonly
        return False

    def test_the_module_s_read_methods_go_to_the_replica(self):
        """The web client's call of each of them takes the read-only route; so do the readers of
        the lists and forms, overridden or not by the module (maintenance.equipment's get_views)."""
        for model, method, _on_records in READONLY_METHODS + [("tablet.today", "action_open_card", False)]:
            with self.subTest(method=f"{model}.{method}"):
                self.assertTrue(self._route_is_read_only(model, method))
        for model in ("tablet.loan", "maintenance.equipment", "res.partner"):
            for reader in ("web_search_read", "web_read", "web_read_group", "get_views", "name_search"):
                self.assertTrue(self._route_is_read_only(model, reader), f"{model}.{reader}")
        self.assertFalse(self._route_is_read_only("tablet.loan", "action_confirm_data_wiped"))

    def test_a_write_in_a_read_is_caught(self):
        """The detector itself: a read that writes is played again on the primary, and caught."""
        Today = type(self.env["tablet.today"])

        @api.readonly
        @api.model
        def get_today(self):
            self.env.cr.execute("UPDATE res_users SET write_date = write_date WHERE id = %s", [self.env.uid])
            return {"sections": []}

        self.authenticate("referent", "referent")
        with patch.object(Today, "get_today", get_today), self._replica() as retries, \
                mute_logger("odoo.sql_db"):
            result, error = self._call("tablet.today", "get_today")
        self.assertEqual((result, error), ({"sections": []}, None))
        self.assertEqual(len(retries.requests), 1)
