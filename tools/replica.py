#!/usr/bin/env python3
"""A local PostgreSQL streaming replica of the machine's cluster, for Odoo 18's read replica
(`--db_replica_host/--db_replica_port`), and the share of reads it serves.

    python3 tools/replica.py start --port 5433 --dir build/replica    # prints host=127.0.0.1 port=5433
    python3 tools/replica.py reset-stats --db DB                       # snapshot of both clusters' counters
    python3 tools/replica.py stats --db DB                             # JSON: reads on each side since then
    python3 tools/replica.py demo-check --db DB --port 8131            # Odoo on the replica, demo users' screens
    python3 tools/replica.py stop --dir build/replica [--purge]

The replica is a second cluster made by `pg_basebackup -R` from the primary (127.0.0.1:5432),
run by the `postgres` system user (PostgreSQL refuses root) from `--dir`, on 127.0.0.1 only.
A physical replication slot (`tablet_loan_replica_<port>`) keeps on the primary the WAL the replica has
not replayed yet; `stop --purge` drops it with the directory (a stopped replica's slot makes the
primary keep its WAL, which `stop` says).

The primary must accept replication connections from 127.0.0.1. When its pg_hba.conf does not,
`start` appends ONE line (`host replication all 127.0.0.1/32 trust`, the same trust as the
cluster's existing 127.0.0.1 line) and reloads PostgreSQL (`pg_reload_conf()`, no restart),
saying so. `wal_level` must be `replica` or `logical` (a restart to change): `start` stops with
the instruction when it is not.

Statistics: `pg_stat_statements` would need `shared_preload_libraries`, i.e. a restart of the
primary; the counters of `pg_stat_database` need nothing: each cluster keeps its own (they are
not replicated). `reset-stats` stores a snapshot of both (no counter of the machine is reset:
other users of the cluster keep theirs), `stats` gives the difference: transactions
(`xact_commit + xact_rollback`) and rows read (`tup_returned + tup_fetched`) on each side.
Every transaction on the replica is a read; those on the primary are reads and writes, so
`replica_share` (by transactions) is a lower bound of the share of reads the replica serves.
PostgreSQL publishes a session's counters up to a second after its transaction ends.
"""
import argparse
import ast
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRIMARY_HOST, PRIMARY_PORT = "127.0.0.1", "5432"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SLOT_PREFIX = "tablet_loan_replica_"  # + the replica's port: one slot per replica of the machine
HBA_LINE = "host replication all 127.0.0.1/32 trust"
SETTINGS_TO_MATCH = ("max_connections", "max_worker_processes", "max_prepared_transactions",
                     "max_locks_per_transaction", "max_wal_senders")
START_TIMEOUT = 120        # seconds to wait for the replica to accept connections and catch up
LOCAL = "127.0.0.1"        # the only host any request of this script targets


def say(msg):
    print(f"[replica] {msg}", file=sys.stderr, flush=True)


def fail(msg, code=1):
    say(f"ERROR: {msg}")
    sys.exit(code)


def psql(port, sql, db="postgres", check=True):
    """One statement as the cluster's superuser (trust on 127.0.0.1); the rows as lists."""
    cmd = ["psql", "-h", LOCAL, "-p", str(port), "-d", db, "-XAtqF", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if check and res.returncode:
        fail(f"psql on port {port}: {res.stderr.strip()}")
    if res.returncode:
        return None
    return [line.split("\t") for line in res.stdout.splitlines() if line]


def as_postgres(cmd, **kw):
    """PostgreSQL's binaries refuse to run as root: run them as the `postgres` system user."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + [str(c) for c in cmd], **kw)


def pg_ctl(data_dir, *args, **kw):
    return as_postgres([PG_BIN / "pg_ctl", "-D", data_dir, *args], **kw)


def is_running(data_dir):
    return (data_dir / "postmaster.pid").exists() and \
        pg_ctl(data_dir, "status", capture_output=True).returncode == 0


# ------------------------------------------------------------------ the primary
def check_primary():
    """wal_level and a replication entry in pg_hba.conf; appends one line and reloads if missing."""
    if psql(PRIMARY_PORT, "SELECT 1", check=False) is None:
        fail(f"the primary PostgreSQL does not answer on {PRIMARY_HOST}:{PRIMARY_PORT}.")
    wal_level = psql(PRIMARY_PORT, "SHOW wal_level")[0][0]
    if wal_level not in ("replica", "logical"):
        fail(f"the primary's wal_level is {wal_level}: set wal_level = replica in its postgresql.conf "
             "and restart it (a restart, which this script does not do for you).")
    rules = psql(PRIMARY_PORT, "SELECT type, database, address FROM pg_hba_file_rules WHERE error IS NULL")
    if any("replication" in db and (kind == "local" or addr in ("127.0.0.1", "all", "samehost"))
           for kind, db, addr in rules):
        return
    hba = Path(psql(PRIMARY_PORT, "SHOW hba_file")[0][0])
    say("=" * 78)
    say(f"CHANGING THE PRIMARY'S CONFIGURATION: appending to {hba}")
    say(f"    {HBA_LINE}")
    say("and reloading PostgreSQL (SELECT pg_reload_conf(), no restart): replication")
    say("connections from 127.0.0.1 only, with the trust its 127.0.0.1 line already gives.")
    say(f"To undo: delete that line from {hba} and SELECT pg_reload_conf().")
    say("=" * 78)
    with open(hba, "a") as f:
        f.write("\n# tablet_loan tools/replica.py: a local streaming replica (README, Read replica)\n"
                f"{HBA_LINE}\n")
    psql(PRIMARY_PORT, "SELECT pg_reload_conf()")


def primary_lsn():
    return psql(PRIMARY_PORT, "SELECT pg_current_wal_lsn()")[0][0]


# ------------------------------------------------------------------ the replica
def write_config(data_dir, port):
    """The Debian cluster keeps postgresql.conf and pg_hba.conf in /etc, outside the data
    directory that pg_basebackup copies: the replica gets its own, minimal ones. A hot standby
    needs some settings at least as high as the primary's."""
    matched = {name: psql(PRIMARY_PORT, f"SHOW {name}")[0][0] for name in SETTINGS_TO_MATCH}
    lines = [
        "# tablet_loan tools/replica.py: a hot standby of 127.0.0.1:5432 (primary_conninfo is in",
        "# postgresql.auto.conf, written by pg_basebackup -R).",
        f"port = {port}",
        f"listen_addresses = '{LOCAL}'",
        f"unix_socket_directories = '{data_dir}'",
        "hot_standby = on",
        # Long reports are not cancelled by the replay of a VACUUM on the primary.
        "hot_standby_feedback = on",
        "shared_buffers = 128MB",
        "ssl = off",
        *(f"{name} = {value}" for name, value in matched.items()),
    ]
    (data_dir / "postgresql.conf").write_text("\n".join(lines) + "\n")
    (data_dir / "pg_hba.conf").write_text(
        "local all all trust\nhost all all 127.0.0.1/32 trust\n")
    shutil.chown(data_dir / "postgresql.conf", "postgres", "postgres")
    shutil.chown(data_dir / "pg_hba.conf", "postgres", "postgres")


def slot_of(data_dir):
    """The replication slot a replica streams from (pg_basebackup -R wrote it down)."""
    auto = data_dir / "postgresql.auto.conf"
    for line in auto.read_text().splitlines() if auto.exists() else ():
        if line.startswith("primary_slot_name"):
            return line.split("=", 1)[1].strip().strip("'")
    return None


def slot_exists(slot):
    return bool(psql(PRIMARY_PORT, f"SELECT 1 FROM pg_replication_slots WHERE slot_name = '{slot}'"))


def base_backup(data_dir, port):
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(mode=0o700)
    shutil.chown(data_dir, "postgres", "postgres")
    slot = f"{SLOT_PREFIX}{port}"
    if slot_exists(slot):
        # A slot left by an earlier replica on this port whose directory is gone (an active one
        # refuses to be dropped: two replicas on one port cannot run anyway).
        psql(PRIMARY_PORT, f"SELECT pg_drop_replication_slot('{slot}')")
    say(f"pg_basebackup of {PRIMARY_HOST}:{PRIMARY_PORT} into {data_dir} (the whole cluster; "
        "a minute per few GB)")
    started = time.time()
    res = as_postgres([PG_BIN / "pg_basebackup", "-h", PRIMARY_HOST, "-p", PRIMARY_PORT, "-U", "root",
                       "-D", data_dir, "-R", "-X", "stream", "-C", "-S", slot, "--checkpoint=fast"])
    if res.returncode:
        shutil.rmtree(data_dir, ignore_errors=True)
        fail("pg_basebackup failed (its message is above).")
    say(f"base backup done in {time.time() - started:.0f}s")


def wait_caught_up(port, timeout=START_TIMEOUT):
    """Until the replica accepts connections and has replayed the primary's current WAL."""
    deadline = time.time() + timeout
    while psql(port, "SELECT 1", check=False) is None:
        if time.time() > deadline:
            fail(f"the replica does not accept connections on port {port} after {timeout}s.")
        time.sleep(0.5)
    target = primary_lsn()
    while True:
        rows = psql(port, f"SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
        in_recovery, caught_up = rows[0]
        if in_recovery != "t":
            fail(f"the server on port {port} is not a standby (pg_is_in_recovery() is false).")
        if caught_up == "t":
            return target
        if time.time() > deadline:
            fail(f"the replica has not replayed up to the primary's {target} after {timeout}s.")
        time.sleep(0.5)


def cmd_start(args):
    data_dir = Path(args.dir).resolve()
    check_primary()
    if not (data_dir / "PG_VERSION").exists():
        if data_dir.exists() and any(data_dir.iterdir()):
            fail(f"{data_dir} exists and is not a PostgreSQL data directory: remove it or pick another --dir.")
        if data_dir.exists():
            data_dir.rmdir()
        base_backup(data_dir, args.port)
    if not (data_dir / "standby.signal").exists():
        fail(f"{data_dir} is not a standby (no standby.signal): remove it (stop --purge) and start again.")
    write_config(data_dir, args.port)
    if not is_running(data_dir):
        log = data_dir.parent / f"{data_dir.name}.log"
        log.touch()
        shutil.chown(log, "postgres", "postgres")
        res = pg_ctl(data_dir, "-l", log, "-w", "-t", str(START_TIMEOUT), "start")
        if res.returncode:
            fail(f"the replica did not start: read {log}.")
    lsn = wait_caught_up(args.port)
    say(f"replica on {LOCAL}:{args.port} has replayed the primary up to {lsn}")
    print(f"host={LOCAL} port={args.port}")


def cmd_stop(args):
    data_dir = Path(args.dir).resolve()
    slot = slot_of(data_dir)
    if (data_dir / "PG_VERSION").exists() and is_running(data_dir):
        pg_ctl(data_dir, "-m", "fast", "-w", "stop", check=False)
        say(f"replica in {data_dir} stopped")
    else:
        say(f"no replica running from {data_dir}")
    if args.purge:
        if slot and slot_exists(slot):
            psql(PRIMARY_PORT, f"SELECT pg_drop_replication_slot('{slot}')")
            say(f"replication slot {slot} dropped on the primary")
        shutil.rmtree(data_dir, ignore_errors=True)
        log = data_dir.parent / f"{data_dir.name}.log"
        if log.exists():
            log.unlink()
        say(f"{data_dir} removed")
    elif slot and slot_exists(slot):
        say(f"the primary keeps its WAL for the stopped replica (slot {slot}): start it again, "
            "or 'stop --purge' to drop the slot and the directory.")


# ------------------------------------------------------------------ statistics
COUNTERS_SQL = ("SELECT xact_commit + xact_rollback, tup_returned + tup_fetched "
                "FROM pg_stat_database WHERE datname = %s")


def counters(port, db):
    rows = psql(port, COUNTERS_SQL % ("'" + db.replace("'", "''") + "'"), check=False)
    if not rows:
        fail(f"no statistics for database {db} on port {port} (is the replica started?)")
    return {"xacts": int(rows[0][0]), "tuples": int(rows[0][1])}


def stats_file(args):
    return Path(args.dir).resolve().parent / f"replica-stats-{args.db}.json"


def snapshot(db, replica_port):
    return {"primary": counters(PRIMARY_PORT, db), "replica": counters(replica_port, db)}


def cmd_reset_stats(args):
    time.sleep(1)  # what earlier sessions did is published within a second
    path = stats_file(args)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(snapshot(args.db, args.replica_port)))
    say(f"counters of {args.db} on both clusters stored in {path}")


def measure(db, replica_port, since):
    now = snapshot(db, replica_port)
    delta = {side: {k: now[side][k] - since[side][k] for k in now[side]} for side in now}
    # The statistics queries of this script are one transaction on each side: not counted.
    primary = max(delta["primary"]["xacts"] - 1, 0)
    replica = max(delta["replica"]["xacts"] - 1, 0)
    tuples_p, tuples_r = delta["primary"]["tuples"], delta["replica"]["tuples"]
    return {
        "primary_reads": primary,
        "replica_reads": replica,
        "replica_share": round(replica / (primary + replica), 3) if primary + replica else 0.0,
        "primary_rows_read": tuples_p,
        "replica_rows_read": tuples_r,
        "replica_rows_share": round(tuples_r / (tuples_p + tuples_r), 3) if tuples_p + tuples_r else 0.0,
    }


def cmd_stats(args):
    path = stats_file(args)
    if not path.exists():
        fail(f"no snapshot for {args.db}: run 'python3 tools/replica.py reset-stats --db {args.db}' first.")
    time.sleep(1)
    print(json.dumps(measure(args.db, args.replica_port, json.loads(path.read_text()))))


# ------------------------------------------------------------------ end-to-end check
class Client:
    """A web client's JSON-RPC session on 127.0.0.1, bounded in time per request."""

    def __init__(self, port):
        self.base = f"http://{LOCAL}:{port}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.calls = 0

    def post(self, path, params):
        self.calls += 1
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": self.calls, "params": params}).encode()
        req = urllib.request.Request(self.base + path, data=body, headers={"Content-Type": "application/json"})
        with self.opener.open(req, timeout=60) as resp:
            answer = json.loads(resp.read())
        if "error" in answer:
            data = answer["error"].get("data", {})
            return {"error": data.get("name") or answer["error"].get("message")}
        return answer.get("result")

    def get(self, path, check=True):
        self.calls += 1
        try:
            with self.opener.open(self.base + path, timeout=120) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            if check:
                raise
            return exc.code, b""

    def call(self, model, method, *args, **kwargs):
        return self.post(f"/web/dataset/call_kw/{model}/{method}",
                         {"model": model, "method": method, "args": list(args), "kwargs": kwargs})


def view_spec(node, fields, models):
    """The fields a view's arch asks for, as the web client's `specification`: the display name
    of many2ones, the columns of an x2many's own list, no nested view's fields. (The test of the
    read-only routes builds its requests with this function too.)"""
    spec = {}
    for child in node.iterchildren("*"):
        name = child.get("name")
        if child.tag == "field" and name in fields:
            desc = fields[name]
            if desc["type"] == "many2one":
                spec[name] = {"fields": {"display_name": {}}}
            elif desc["type"] in ("one2many", "many2many"):
                sub = child.find("list")
                sub_fields = models.get(desc["relation"], {}).get("fields", {})
                spec[name] = {"fields": view_spec(sub, sub_fields, models) if sub is not None
                              else {"display_name": {}}, "limit": 40}
            else:
                spec[name] = {}
        elif child.tag != "field":
            spec.update(view_spec(child, fields, models))
    return spec


def screens(client, actions, reports, limit=80):
    """What a user's web client reads on their screens: the Today page and its cards; each of the
    module's window actions in the user's menus: its views, the first page of its list, a grouped
    list, the first record's form and chatter; the module's reports (QWeb as HTML, XLSX) on a few records.
    Returns {screen: result} for the comparison with the primary (XLSX files: their sheets,
    without the workbook's properties, which carry its creation time)."""
    from lxml import etree

    out = {"today": client.call("tablet.today", "get_today")}
    keys = [card["key"] for section in out["today"].get("sections", []) for card in section["cards"]]
    for key in keys:
        out[f"today:{key}"] = client.call("tablet.today", "action_open_card", key)
    printed = set()
    _status, body = client.get("/web/webclient/load_menus/1")
    mine = {menu["actionID"] for menu in json.loads(body).values()
            if menu.get("actionModel") == "ir.actions.act_window"}
    for action_id, xmlid, model in actions:
        if action_id not in mine:
            continue
        action = client.post("/web/action/load", {"action_id": action_id})
        views = [[view_id, vtype] for view_id, vtype in action["views"] if vtype in ("list", "form", "kanban")]
        search = action.get("search_view_id")
        got = client.call(model, "get_views", views=views + [[search and search[0], "search"]],
                          options={"action_id": action_id, "load_filters": True, "toggle_view_menu": True})
        if "error" in got:
            out[f"{xmlid}:views"] = got
            continue
        fields = got["models"][model]["fields"]
        arches = {vtype: etree.fromstring(view["arch"]) for vtype, view in got["views"].items()}
        domain = action["domain"] if isinstance(action["domain"], list) else []
        context = {"bin_size": True}
        list_arch = arches["list"] if "list" in arches else arches.get("kanban")
        if list_arch is None:
            continue
        listed = client.call(model, "web_search_read", domain, view_spec(list_arch, fields, got["models"]),
                             limit=limit, count_limit=10001, context=context)
        out[f"{xmlid}:list"] = listed
        group_bys = [ast.literal_eval(node.get("context"))["group_by"] for node in arches["search"].iter("filter")
                     if "group_by" in (node.get("context") or "")]
        if group_bys:
            groupby = group_bys[0] if isinstance(group_bys[0], str) else group_bys[0][0]
            out[f"{xmlid}:group"] = client.call(model, "web_read_group", domain, [], [groupby], lazy=True,
                                               context=context)
        records = listed.get("records", []) if isinstance(listed, dict) else []
        if records and "form" in arches:
            out[f"{xmlid}:form"] = client.call(model, "web_read", [records[0]["id"]],
                                               view_spec(arches["form"], fields, got["models"]), context=context)
            if "message_ids" in fields:
                out[f"{xmlid}:chatter"] = client.post("/mail/thread/data", {
                    "thread_model": model, "thread_id": records[0]["id"],
                    "request_list": ["activities", "attachments", "followers"]})
        if records:
            for report_name, report_type, report_model in reports:
                if report_model != model or report_name in printed:
                    continue
                printed.add(report_name)
                converter = "xlsx" if report_type == "xlsx" else "html"
                for n, url in enumerate(report_urls(client, report_name, converter, model)):
                    status, body = client.get(url, check=False)
                    out[f"report:{report_name}:{n}"] = [status, xlsx_content(body) if converter == "xlsx"
                                                        else body.decode()]
    return out


# What each report is printed from when ids alone are not its input: (domain of the records,
# whether their ids go in the URL, the `data` the period wizards send). The test of the read-only
# routes prints them so too.
PERIOD = {"date_from": "2000-01-01", "date_to": "2100-12-31"}
REPORT_INPUTS = {
    "tablet_loan.report_tablet_charge_notice": [([("invoice_id", "!=", False)], True, None)],
    "tablet_loan.report_fleet_exits_xlsx": [([], False, PERIOD)],
    "tablet_loan.report_charges_xlsx": [([], True, None), ([], False, PERIOD)],
    "tablet_loan.report_department_summary_xlsx": [([], True, None), ([], False, {})],
    "tablet_loan.report_fleet_inventory_xlsx": [([], True, None), ([], False, {})],
}


def report_urls(client, report_name, converter, model, limit=3):
    """The URLs of a report on a few records the user reads (`search`, read-only too)."""
    for domain, with_ids, data in REPORT_INPUTS.get(report_name, [([], True, None)]):
        url = f"/report/{converter}/{report_name}"
        if with_ids:
            ids = client.call(model, "search", domain, limit=limit)
            if not isinstance(ids, list) or not ids:
                continue
            url += "/" + ",".join(map(str, ids))
        if data is not None:
            url += "?" + urllib.parse.urlencode({"options": json.dumps(data)})
        yield url


def xlsx_content(body):
    """The sheets and strings of a workbook, without its properties (they carry its creation time)."""
    if not body:
        return ""
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        return {name: book.read(name).decode() for name in sorted(book.namelist())
                if name.startswith("xl/") and name.endswith(".xml")}


def module_actions(db):
    """(id, xmlid, model) of the module's window actions, and (name, type, model) of its reports."""
    actions = psql(PRIMARY_PORT, """
        SELECT a.id, d.name, a.res_model FROM ir_model_data d JOIN ir_act_window a ON a.id = d.res_id
         WHERE d.module = 'tablet_loan' AND d.model = 'ir.actions.act_window'
           AND (a.target IS NULL OR a.target != 'new') ORDER BY d.name""", db=db)
    reports = psql(PRIMARY_PORT, """
        SELECT report_name, report_type, model FROM ir_act_report_xml
         WHERE report_name LIKE 'tablet_loan.%' ORDER BY report_name""", db=db)
    return [(int(i), name, model) for i, name, model in actions], [tuple(r) for r in reports]


def load_odoo_env():
    """tools/odoo_env.py (Odoo's command line, the demo logins), imported only by the commands
    that start Odoo: the test of the read-only routes imports this file too."""
    if str(ROOT / "tools") not in sys.path:
        sys.path.insert(0, str(ROOT / "tools"))
    import odoo_env

    return odoo_env


def odoo_log(port):
    return ROOT / "build" / f"replica-odoo-{port}.log"


def run_odoo(db, port, replica_port=None, workers=0):
    odoo_env = load_odoo_env()
    cmd = odoo_env.odoo_cmd(db, "--http-interface", LOCAL, "--http-port", str(port),
                            "--workers", str(workers), "--max-cron-threads", "0", "--log-level", "warn")
    if replica_port:
        cmd += ["--db_replica_host", LOCAL, "--db_replica_port", str(replica_port)]
    log = open(odoo_log(port), "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://{LOCAL}:{port}/web/login", timeout=5):
                return proc
        except OSError:
            if proc.poll() is not None:
                fail(f"Odoo stopped (rc={proc.returncode}): read {log.name}")
            time.sleep(1)
    stop_odoo(proc)
    fail(f"Odoo did not answer on port {port} within 180s")


def stop_odoo(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def every_screen(db, port, logins):
    results = {}
    actions, reports = module_actions(db)
    for login in logins:
        client = Client(port)
        session = client.post("/web/session/authenticate", {"db": db, "login": login, "password": login})
        if not isinstance(session, dict) or not session.get("uid"):
            fail(f"demo user {login} cannot log in on {db} ({session})")
        results[login] = screens(client, actions, reports)
        results[login]["_calls"] = client.calls
    return results


def differences(a, b, path=""):
    if type(a) is not type(b):
        return [path]
    if isinstance(a, dict):
        return [d for k in sorted(set(a) | set(b)) for d in differences(a.get(k), b.get(k), f"{path}/{k}")]
    if isinstance(a, list):
        if len(a) != len(b):
            return [path]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=False)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [path]


def cmd_demo_check(args):
    odoo_env = load_odoo_env()
    replica_port = args.replica_port
    if psql(replica_port, "SELECT pg_is_in_recovery()", check=False) != [["t"]]:
        fail(f"no replica on {LOCAL}:{replica_port}: run 'python3 tools/replica.py start' first.")
    logins = args.logins.split(",") if args.logins else odoo_env.DEMO_LOGINS
    wait_caught_up(replica_port)
    runs = {}
    for label, rport in (("replica", replica_port), ("primary", None)):
        proc = run_odoo(args.db, args.port, rport, args.workers)
        try:
            every_screen(args.db, args.port, logins[:1])  # warm-up: registry, assets, caches
            time.sleep(1)
            since = snapshot(args.db, replica_port)
            started = time.time()
            runs[label] = every_screen(args.db, args.port, logins)
            elapsed = time.time() - started
            time.sleep(1)
            share = measure(args.db, replica_port, since)
        finally:
            stop_odoo(proc)
        calls = sum(r.pop("_calls") for r in runs[label].values())
        say(f"{label}: {calls} requests of {len(logins)} users in {elapsed:.1f}s; {json.dumps(share)}")
        if label == "replica":
            # A write met on the replica: Odoo played the request again on the primary.
            retried = odoo_log(args.port).read_text().count("retrying with a read/write cursor")
            result = dict(share, requests=calls, seconds=round(elapsed, 1), replayed_on_primary=retried)
    errors = sorted({f"{login}:{screen}" for login, shots in runs["replica"].items()
                     for screen, value in shots.items()
                     if isinstance(value, dict) and "error" in value
                     # 403: a report whose groups exclude the role (same answer from the primary)
                     or screen.startswith("report:") and value[0] not in (200, 403)})
    diffs = differences(runs["replica"], runs["primary"])
    result.update(identical=not diffs, differences=diffs[:20], errors=errors[:20])
    print(json.dumps(result, indent=1))
    if result["replica_reads"] <= 0 or result["replayed_on_primary"] or diffs or errors:
        fail("the replica served no read, a read wrote, its screens differ from the primary's, or one failed.")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="create (if missing) and start the replica, wait until it caught up")
    start.add_argument("--port", type=int, default=5433)
    start.add_argument("--dir", default=str(ROOT / "build" / "replica"))
    stop = sub.add_parser("stop", help="stop the replica (--purge: drop its slot and directory)")
    stop.add_argument("--dir", default=str(ROOT / "build" / "replica"))
    stop.add_argument("--purge", action="store_true")
    for name, helptext in (("reset-stats", "snapshot both clusters' counters of a database"),
                           ("stats", "JSON: reads served by each side since reset-stats")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--db", required=True)
        p.add_argument("--replica-port", type=int, default=5433)
        p.add_argument("--dir", default=str(ROOT / "build" / "replica"))
    demo = sub.add_parser("demo-check", help="Odoo on the replica: demo users' screens, share of reads, "
                                             "results identical to the primary's")
    demo.add_argument("--db", required=True)
    demo.add_argument("--port", type=int, default=8131)
    demo.add_argument("--replica-port", type=int, default=5433)
    demo.add_argument("--workers", type=int, default=0, help="Odoo --workers (0: one threaded process)")
    demo.add_argument("--logins", help="comma-separated demo logins (default: every demo role)")
    args = parser.parse_args()
    {"start": cmd_start, "stop": cmd_stop, "reset-stats": cmd_reset_stats, "stats": cmd_stats,
     "demo-check": cmd_demo_check}[args.command](args)


if __name__ == "__main__":
    main()
