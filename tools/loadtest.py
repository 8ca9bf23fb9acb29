#!/usr/bin/env python3
"""`make loadtest`: the rentrée peak, scripted users of every role on a multi-process Odoo.

1. A database with tablet_loan and a small Département (tools/bench_data.py at `--scale`), plus
   the work waiting for each role (tools/loadtest_data.py): classes to deploy, incidents to
   decide, charges to invoice, warranty claims to answer. The database is kept as a template
   named after a hash of the module's files and the sizes: later runs copy it in seconds;
   `--fresh` builds it again.
2. Odoo in multi-process mode on 127.0.0.1 only: `--workers N`, `--max-cron-threads 1`, the
   gevent (longpolling) port, CPU/real time and memory limits per worker. With `--replica`,
   a streaming replica of the local cluster (tools/replica.py) serves the read-only requests
   (`--db_replica_host/port`).
3. Locust (in its own virtualenv ~/.cache/tablet_loan/venv-loadtest, created when missing) runs the scripted
   users of tools/locustfile.py against the web client's JSON routes; every user's work is
   bounded and the run is bounded in time (`--duration`).
4. Per request type: count, errors, p50/p95/p99, throughput; per role the work done; the RSS of
   Odoo's processes sampled during the run. Then the invariants, checked in the database:
   no tablet in two open loans, no person with two open loans, each open loan's tablet in the
   status of its loan, loans created = pupils deployed, every signature, decision, invoice
   and answer recorded once.

Prints `loadtest: N passed, M failed` and exits 1 when a check fails (errors > 0, p95 of the
reads over 1 s, p95 of a class's deployment over 3 s, an invariant). The table goes to
build/loadtest.md.
"""
import argparse
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_env  # noqa: E402

ROOT = odoo_env.ROOT
BUILD = odoo_env.BUILD
# Outside the checkout: Odoo's translation export reads every .py file under the addon, a
# virtualenv's libraries included.
VENV = odoo_env.ADDONS.parent / "venv-loadtest"
LOCUST = "locust>=2.20,<3"
HOST = "127.0.0.1"  # the only host this tool ever targets
TEMPLATE_PREFIX = "tablet_loan_loadtest_tpl_"
# Limits of the issue: p95 of the reads, of a class's deployment (seconds).
LIMITS = {"read": 1.0, "deploy": 3.0}
# Memory and time limits of each Odoo worker (Odoo's defaults are 2 GiB / 2.5 GiB, 60 s / 120 s).
LIMIT_MEMORY_SOFT = 1536 * 2**20
LIMIT_MEMORY_HARD = 2048 * 2**20
LIMIT_TIME_CPU = 120
LIMIT_TIME_REAL = 240


def say(msg):
    print(f"[loadtest] {msg}", flush=True)


# ----------------------------------------------------------------- locust
def ensure_locust():
    """Locust in its own virtualenv: its gevent and Odoo's pinned greenlet/gevent do not mix."""
    locust = VENV / "bin" / "locust"
    if locust.exists():
        return locust
    say(f"creating {VENV} with {LOCUST}")
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    res = subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", LOCUST])
    if res.returncode or not locust.exists():
        odoo_env.fail(f"could not install {LOCUST} in {VENV}: is PyPI reachable?")
    return locust


# ----------------------------------------------------------------- database
def source_hash(args):
    """The template's key: the module's files (tracked or new) and the sizes of the data."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    digest = hashlib.sha1()
    for name in sorted(files):
        if name.startswith(("docs/", "build/")) or name.endswith(".md") or name in (
                "tools/loadtest.py", "tools/locustfile.py", "Makefile"):
            continue
        path = ROOT / name
        if path.is_file():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    digest.update(repr((args.scale, sizes_of(args).__dict__)).encode())
    return digest.hexdigest()[:16]


def sizes_of(args):
    import loadtest_data
    return loadtest_data.Sizes(referents=args.referents, heads=args.heads, accountants=args.accountants,
                               department=args.department, suppliers=args.suppliers)


def db_exists(db):
    res = odoo_env.psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'")
    return res.stdout.strip() == "1"


def copy_db(source, target):
    """The database and its filestore: without the files, every attachment the copy refers to
    (the web client's and the reports' asset bundles first) is missing, and the first requests
    of the run would build the bundles again."""
    odoo_env.drop_db(target)
    res = odoo_env.psql("postgres", f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    if res.returncode:
        odoo_env.fail(res.stderr.strip())
    filestore = Path.home() / ".local/share/Odoo/filestore"
    if (filestore / source).is_dir():
        shutil.copytree(filestore / source, filestore / target, dirs_exist_ok=True)


def signature_png():
    """A signature as the web client's signature widget sends it (as tests/common.py draws it)."""
    import base64
    import io

    from PIL import Image, ImageDraw
    image = Image.new("RGBA", (240, 80), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(10 + 20 * i, 40 + (15 if i % 2 else -15)) for i in range(11)], fill=(20, 20, 60, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def build_database(args):
    """Install, build the Département and the waiting work; returns seconds spent."""
    import bench
    started = time.perf_counter()
    if args.installed:
        copy_db(args.installed, args.db)
    else:
        bench.create_database(args.db)
    registry = bench.load_odoo(args.db)

    def build():
        import bench_data
        import loadtest_data

        from odoo import SUPERUSER_ID, api
        plan = bench_data.Plan(args.scale)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            info = bench_data.build(env, plan)
            info.update(school_year=plan.school_year, deploy_colleges=plan.deploy_colleges)
            work = loadtest_data.prepare(env, info, sizes_of(args))
            work["summary"] = plan.summary()
            cr.execute("CREATE TABLE loadtest_plan (data jsonb)")
            cr.execute("INSERT INTO loadtest_plan VALUES (%s)", [json.dumps(work)])
            cr.commit()
        return work["summary"]

    say(f"building the Département (scale {args.scale}) and the work waiting for each role")
    summary = bench.in_worker(build)
    import odoo.sql_db
    odoo.sql_db.close_all()
    odoo_env.psql(args.db, "VACUUM ANALYZE")
    say(f"built {summary} in {time.perf_counter() - started:.0f} s (install included)")
    return time.perf_counter() - started


def prepare_database(args):
    key = source_hash(args)
    template = TEMPLATE_PREFIX + key
    if args.fresh or not db_exists(template):
        seconds = build_database(args)
        # One template at a time: the older ones (other code, other sizes) go.
        res = odoo_env.psql("postgres", f"SELECT datname FROM pg_database WHERE datname LIKE '{TEMPLATE_PREFIX}%'")
        for old in res.stdout.split():
            odoo_env.drop_db(old)
        copy_db(args.db, template)
        return seconds, False
    started = time.perf_counter()
    say(f"copying the template {template} (same module files and sizes; --fresh builds it again)")
    copy_db(template, args.db)
    return time.perf_counter() - started, True


def read_plan(db):
    res = odoo_env.psql(db, "SELECT data FROM loadtest_plan")
    if res.returncode:
        odoo_env.fail(res.stderr.strip())
    return json.loads(res.stdout)


# ----------------------------------------------------------------- odoo
def set_report_url(db, port):
    """Where wkhtmltopdf fetches the styles of a PDF (the contract signed at the desk is printed
    at once): `report.url`. Not the HTTP workers' port: each PDF holds a worker while wkhtmltopdf
    asks the server for its styles; with every worker printing, nobody answers, and they all wait
    until `--limit-time-real` kills them (measured: 241 s, 2 workers, 7 référents signing). The
    gevent process (the next port) serves those requests whatever the workers do."""
    res = odoo_env.psql(db, f"""
        INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date)
        VALUES ('report.url', 'http://{HOST}:{port}', 1, 1, now(), now())
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value""")
    if res.returncode:
        odoo_env.fail(res.stderr.strip())


def odoo_bin():
    """Odoo's launcher script: in multi-process mode the server starts its gevent process as
    `sys.executable sys.argv[0] gevent ...`, which fails when started with `python3 -m odoo`
    (argv[0] is then odoo/__main__.py, whose relative import cannot run as a script)."""
    import odoo
    for candidate in (Path(odoo.__path__[0]).parent / "odoo-bin", shutil.which("odoo")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    odoo_env.fail("neither odoo-bin nor the odoo script found: the multi-process server needs one of them")


def gevent_shim():
    """gevent's monkey-patching loads its plugins through pkg_resources, which (here setuptools 65)
    does not find zope.interface and zope.event under their newer `zope_interface-*.dist-info`
    names: the gevent process dies at start and the server respawns it every second. Where that
    happens, the server we start gets a PYTHONPATH entry holding those packages' metadata under
    the dotted names (nothing is imported from it); returns the extra environment, empty when
    not needed."""
    probe = [sys.executable, "-c", "import pkg_resources; pkg_resources.require('gevent')"]
    if subprocess.run(probe, capture_output=True).returncode == 0:
        return {}
    from importlib.metadata import distributions
    shim = BUILD / "loadtest-shim"
    for dist in distributions():
        name = dist.metadata["Name"] or ""
        if "." in name and name.startswith("zope"):
            info = shim / f"{name}-{dist.version}.dist-info"
            info.mkdir(parents=True, exist_ok=True)
            (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {dist.version}\n")
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(shim), os.environ.get("PYTHONPATH")]))}
    if subprocess.run(probe, capture_output=True, env=dict(os.environ, **env)).returncode:
        say("gevent cannot start here (pkg_resources): the server will respawn its gevent process")
        return {}
    say("gevent's pkg_resources does not see zope.* under their new names: shim in build/loadtest-shim")
    return env


def start_odoo(args, replica):
    cmd = odoo_env.odoo_cmd(
        args.db, "--workers", str(args.workers), "--max-cron-threads", "1",
        "--http-interface", HOST, "--http-port", str(args.port), "--gevent-port", str(args.port + 1),
        "--limit-memory-soft", str(LIMIT_MEMORY_SOFT), "--limit-memory-hard", str(LIMIT_MEMORY_HARD),
        "--limit-time-cpu", str(LIMIT_TIME_CPU), "--limit-time-real", str(LIMIT_TIME_REAL),
        "--db_maxconn", "32", "--no-database-list", "--log-level", "warn",
        "--logfile", str(BUILD / "loadtest-odoo.log"))
    cmd[1:3] = [odoo_bin()]  # not `-m odoo`: see odoo_bin()
    if replica:
        cmd += ["--db_replica_host", replica[0], "--db_replica_port", str(replica[1])]
    (BUILD / "loadtest-odoo.log").unlink(missing_ok=True)
    say(f"Odoo with {args.workers} HTTP workers and 1 cron worker on http://{HOST}:{args.port}"
        + (f", reads on the replica {replica[0]}:{replica[1]}" if replica else ""))
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                               env=dict(os.environ, **gevent_shim()))
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            odoo_env.fail(f"Odoo stopped at start (exit {process.returncode}); see build/loadtest-odoo.log")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{args.port}/web/login", timeout=10) as response:
                if response.status == 200:
                    return process
        except OSError:
            pass
        time.sleep(2)
    stop_odoo(process)
    odoo_env.fail("Odoo did not answer within 180 s; see build/loadtest-odoo.log")


def stop_odoo(process):
    """The server this tool started, and its workers (its own process group), nothing else."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class MemorySampler(threading.Thread):
    """Every 2 s, the resident memory of the Odoo server and of each of its worker processes."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = {}    # pid -> (peak RSS in MB, title)
        self.stopping = threading.Event()

    @staticmethod
    def rss_mb(pid):
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def children(self):
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.pid:
                    found.append(int(entry.name))
        return found

    def run(self):
        while not self.stopping.wait(2):
            for pid in [self.pid, *self.children()]:
                try:
                    title = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ").strip()
                except OSError:
                    continue
                rss = self.rss_mb(pid)
                if rss and "odoo" in title:  # Odoo's workers, not a helper process they started
                    self.peak[pid] = (max(rss, self.peak.get(pid, (0, ""))[0]), title)

    def summary(self):
        (BUILD / "loadtest-memory.json").write_text(json.dumps(self.peak, indent=1))
        master = self.peak.get(self.pid, (0, ""))[0]
        workers = sorted(rss for pid, (rss, _title) in self.peak.items() if pid != self.pid)
        return {"master": master, "workers": workers}


# ----------------------------------------------------------------- replica
def replica_tool(*args, check=True):
    script = ROOT / "tools" / "replica.py"
    if not script.exists():
        odoo_env.fail("tools/replica.py is missing: the read replica comes with the replica tooling (issue 20).")
    res = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True)
    if check and res.returncode:
        odoo_env.fail(f"tools/replica.py {' '.join(args)} failed: {res.stderr.strip()[-500:]}")
    return res.stdout


def start_replica(args):
    out = replica_tool("start", "--port", str(args.replica_port), "--dir", str(BUILD / "replica"))
    values = dict(part.split("=", 1) for part in out.split() if "=" in part)
    return values.get("host", HOST), int(values.get("port", args.replica_port))


# ----------------------------------------------------------------- run
def run_locust(args, locust, plan, port, roles):
    plan_file, samples_file = BUILD / "loadtest_plan.json", BUILD / "loadtest_samples.json"
    plan_file.write_text(json.dumps({**plan, "db": args.db, "signature_png": signature_png()}))
    samples_file.unlink(missing_ok=True)
    users = sum(roles.values())
    env = dict(os.environ, LOADTEST_PLAN=str(plan_file), LOADTEST_SAMPLES=str(samples_file),
               LOADTEST_ROLES=",".join(f"{role}={n}" for role, n in roles.items()),
               LOADTEST_ROUNDS=str(args.rounds), LOADTEST_SIGN=str(args.sign))
    cmd = [str(locust), "-f", str(ROOT / "tools" / "locustfile.py"), "--headless", "--only-summary",
           "-u", str(users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s", "--stop-timeout", "20",
           "--host", f"http://{HOST}:{port}", "--loglevel", "WARNING", "--csv", str(BUILD / "loadtest")]
    say(f"Locust: {users} users ({', '.join(f'{n} {role}' for role, n in roles.items())}), "
        f"at most {args.duration} s")
    started = time.perf_counter()
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.duration + 120)
    seconds = time.perf_counter() - started
    (BUILD / "loadtest-locust.log").write_text(res.stdout + res.stderr)
    if not samples_file.exists():
        print(res.stdout[-3000:], res.stderr[-3000:])
        odoo_env.fail("Locust wrote no samples; see build/loadtest-locust.log")
    data = json.loads(samples_file.read_text())
    return data["samples"], data["counts"], seconds


def percentile(values, fraction):
    """Nearest-rank percentile of sorted values."""
    if not values:
        return 0.0
    rank = max(0, min(len(values) - 1, int(round(fraction * len(values) + 0.5)) - 1))
    return values[rank]


def request_table(samples, seconds):
    by_name = {}
    for name, kind, ms, ok in samples:
        row = by_name.setdefault(name, {"kind": kind, "times": [], "errors": 0})
        row["times"].append(ms / 1000)
        row["errors"] += 0 if ok else 1
    rows = []
    for name, row in sorted(by_name.items(), key=lambda item: (item[1]["kind"], item[0])):
        times = sorted(row["times"])
        rows.append({"name": name, "kind": row["kind"], "count": len(times), "errors": row["errors"],
                     "p50": percentile(times, .5), "p95": percentile(times, .95), "p99": percentile(times, .99),
                     "rate": len(times) / seconds if seconds else 0})
    kinds = {}
    for _name, kind, ms, _ok in samples:
        kinds.setdefault(kind, []).append(ms / 1000)
    return rows, {kind: sorted(times) for kind, times in kinds.items()}


def _all(conn, sql, params=()):
    with conn.cursor() as cr:
        cr.execute(sql, params)
        return cr.fetchall()


def wait_for_signed_copies(db, since, limit=240):
    """Seconds until no signed copy of the run waits for the cron worker (bounded: `limit`)."""
    start = time.monotonic()
    while True:
        waiting = odoo_env.psql(db, "SELECT count(*) FROM tablet_loan WHERE signed_copy_due IS NOT NULL "
                                    f"AND create_date >= '{since}'").stdout.strip()
        if waiting in ("0", "") or time.monotonic() - start > limit:
            return round(time.monotonic() - start, 1)
        time.sleep(2)


def invariants(db, plan, counts, since, sign):
    """The database after the run: (label, ok, measured) checks."""
    import psycopg2
    conn = psycopg2.connect(host=odoo_env.PG_HOST, port=odoo_env.PG_PORT, dbname=db,
                            **({"user": odoo_env.PG_USER} if odoo_env.PG_USER else {}))
    expected = plan["expected"]
    checks = []

    def one(sql, params=()):
        with conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchone()[0]

    open_states = ("draft", "active", "custody")
    twice = one("""SELECT count(*) FROM (SELECT equipment_id FROM tablet_loan WHERE state IN %s
                   GROUP BY equipment_id HAVING count(*) > 1) t""", [open_states])
    checks.append(("no tablet in two open loans", twice == 0, f"{twice} tablets"))
    people = one("""SELECT count(*) FROM (SELECT borrower_id FROM tablet_loan WHERE state IN %s
                    GROUP BY borrower_id HAVING count(*) > 1) t""", [open_states])
    checks.append(("no person with two open loans", people == 0, f"{people} people"))
    # models/tablet_loan.py TABLET_STATE_OF_LOAN; a tablet under repair, lost, stolen or at the
    # supplier keeps its status whatever its loan (FOLLOWS_LOAN_STATES).
    wrong = one("""SELECT count(*) FROM tablet_loan l JOIN maintenance_equipment e ON e.id = l.equipment_id
                   WHERE l.state IN %s AND e.tablet_state IN ('stock', 'assigned', 'custody')
                     AND e.tablet_state <> CASE l.state WHEN 'custody' THEN 'custody' ELSE 'assigned' END""",
                [open_states])
    orphans = one("""SELECT count(*) FROM maintenance_equipment e WHERE e.is_tablet AND e.active
                       AND e.tablet_state IN ('assigned', 'custody')
                       AND NOT EXISTS (SELECT 1 FROM tablet_loan l WHERE l.equipment_id = e.id AND l.state IN %s)""",
                  [open_states])
    checks.append(("every open loan's tablet in its loan's status, every lent tablet in an open loan",
                   wrong == 0 and orphans == 0, f"{wrong} loans, {orphans} tablets"))
    created = one("SELECT count(*) FROM tablet_loan WHERE create_date >= %s", [since])
    colleges = [r["college"] for r in plan["referents"]]
    left = one("""SELECT count(*) FROM res_partner p WHERE p.college_id = ANY(%s) AND p.school_role = 'pupil'
                    AND p.active AND NOT EXISTS (SELECT 1 FROM tablet_loan l WHERE l.borrower_id = p.id
                                                 AND l.state IN %s)""", [colleges, open_states])
    checks.append(("loans created = pupils deployed (scripts, database, plan)",
                   created == counts["loans_deployed"] == expected["pupils_to_deploy"] and left == 0,
                   f"{created} created, {counts['loans_deployed']} reported, {expected['pupils_to_deploy']} "
                   f"expected, {left} pupils left without a tablet"))
    signatures = one("""SELECT count(*) FROM tablet_loan_signature WHERE create_date >= %s""", [since])
    signed = one("""SELECT count(*) FROM tablet_loan WHERE create_date >= %s AND signed_date IS NOT NULL""", [since])
    wanted = counts["classes_deployed"] * sign
    checks.append(("signatures recorded = signatures made, one per loan signed",
                   signatures == signed == counts["signatures"] == wanted,
                   f"{signatures} in the database on {signed} loans, {counts['signatures']} reported, "
                   f"{wanted} wanted ({sign} per class)"))
    kept, waiting = (one(f"""SELECT count(*) FROM tablet_loan WHERE create_date >= %s AND {cond}""", [since])
                     for cond in ("signed_contract_id IS NOT NULL", "signed_copy_due IS NOT NULL"))
    lags = [row[0] for row in _all(conn, """
        SELECT extract(epoch FROM a.create_date - max(s.create_date)) FROM tablet_loan l
          JOIN ir_attachment a ON a.id = l.signed_contract_id
          JOIN tablet_loan_signature s ON s.loan_id = l.id AND s.moment = 'handover'
         WHERE l.create_date >= %s GROUP BY l.id, a.create_date ORDER BY 1""", [since])]
    checks.append(("every signed contract's copy rendered by the cron worker after the run, none doubled",
                   kept == signed and not waiting,
                   f"{kept} copies for {signed} loans signed, {waiting} waiting "
                   f"{counts.get('copies_wait', 0)} s after the run; signature to copy p50 "
                   f"{percentile(lags, .5):.1f} s, p95 {percentile(lags, .95):.1f} s"))
    decided = one("""SELECT count(*) FROM tablet_incident WHERE state = 'decided' AND write_date >= %s""", [since])
    checks.append(("incidents decided = incidents waiting",
                   decided == counts["incidents_decided"] == expected["incidents_to_decide"],
                   f"{decided} in the database, {counts['incidents_decided']} reported, "
                   f"{expected['incidents_to_decide']} waiting"))
    invoiced, invoices = (one(f"""SELECT {what} FROM tablet_charge c JOIN account_move m ON m.id = c.invoice_id
                                  WHERE c.state = 'invoiced' AND m.state = 'posted' AND m.create_date >= %s""",
                              [since]) for what in ("count(*)", "count(DISTINCT m.id)"))
    moves = one("""SELECT count(*) FROM account_move WHERE move_type = 'out_invoice' AND create_date >= %s""", [since])
    checks.append(("one posted invoice per charge invoiced, none doubled",
                   invoiced == invoices == moves == counts["charges_invoiced"] == expected["charges_to_invoice"],
                   f"{invoiced} charges, {moves} invoices, {counts['charges_invoiced']} reported, "
                   f"{expected['charges_to_invoice']} waiting"))
    answered = one("""SELECT count(*) FROM tablet_warranty_claim WHERE state = 'answered' AND answer_date IS NOT NULL
                        AND write_date >= %s""", [since])
    checks.append(("warranty claims answered = claims waiting",
                   answered == counts["claims_answered"] == expected["claims_to_answer"],
                   f"{answered} in the database, {counts['claims_answered']} reported, "
                   f"{expected['claims_to_answer']} waiting"))
    conn.close()
    return checks


def machine():
    return odoo_env.machine_description(odoo_env.psql("postgres", "SHOW server_version").stdout.strip())


def markdown(args, ctx):
    rows, kinds, checks = ctx["rows"], ctx["kinds"], ctx["checks"]
    lines = [
        f"Machine: {ctx['machine']}. Run on {ctx['date']}; load average before the run "
        f"{ctx['load_before']}, after {ctx['load_after']}.",
        f"Odoo: {args.workers} HTTP workers, 1 cron worker{', reads on a streaming replica' if args.replica else ''}. "
        f"Data: {ctx['plan']['summary']}. Database {'copied from its template' if ctx['from_template'] else 'built'} "
        f"in {ctx['db_seconds']:.0f} s. Locust: {ctx['users']} users ({ctx['roles_text']}), "
        f"{ctx['seconds']:.0f} s of load, {len(ctx['samples']):,} requests, "
        f"{len(ctx['samples']) / ctx['seconds']:.1f} requests/s.",
        "",
        "| request | kind | count | errors | p50 (s) | p95 (s) | p99 (s) | per s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(f"| `{row['name']}` | {row['kind']} | {row['count']:,} | {row['errors']} | {row['p50']:.3f} | "
                     f"{row['p95']:.3f} | {row['p99']:.3f} | {row['rate']:.2f} |")
    lines += ["", "| kind | count | p50 (s) | p95 (s) | p99 (s) | limit of the p95 |", "|---|---:|---:|---:|---:|---|"]
    for kind, times in sorted(kinds.items()):
        limit = f"{LIMITS[kind]:.0f} s" if kind in LIMITS else "–"
        lines.append(f"| {kind} | {len(times):,} | {percentile(times, .5):.3f} | {percentile(times, .95):.3f} | "
                     f"{percentile(times, .99):.3f} | {limit} |")
    counts = ctx["counts"]
    lines += ["", "Work done: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items()) + "."]
    memory = ctx["memory"]
    if memory["workers"]:
        lines.append(f"Resident memory (peak, sampled every 2 s): server process {memory['master']:.0f} MB, its "
                     f"{len(memory['workers'])} child processes (HTTP workers, cron worker, gevent process; "
                     f"respawned ones included) "
                     f"{memory['workers'][0]:.0f}–{memory['workers'][-1]:.0f} MB "
                     f"(median {statistics.median(memory['workers']):.0f} MB).")
    if ctx.get("replica_stats"):
        stats = ctx["replica_stats"]
        lines.append(f"Replica: {stats.get('replica_reads', 0):,} reads on the replica, "
                     f"{stats.get('primary_reads', 0):,} on the primary "
                     f"(share {float(stats.get('replica_share', 0)):.0%}).")
    lines += ["", "| check | result | measured |", "|---|---|---|"]
    for label, ok, value in checks:
        lines.append(f"| {label} | {'pass' if ok else '**FAIL**'} | {value} |")
    return "\n".join(lines) + "\n"


def load_average():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=f"tablet_loan_loadtest_{odoo_env.ADDONS.name.rsplit('-', 1)[-1]}")
    parser.add_argument("--port", type=int, default=8120, help="HTTP port (the gevent port is the next one)")
    parser.add_argument("--workers", type=int, default=5, help="Odoo HTTP worker processes")
    parser.add_argument("--users", type=int, default=12,
                        help="Locust users, shared among the roles (référents first)")
    parser.add_argument("--duration", type=int, default=300, help="time limit of the load, seconds")
    parser.add_argument("--spawn-rate", type=float, default=2, help="users started per second")
    parser.add_argument("--rounds", type=int, default=12, help="rounds of lists and exports per Département user")
    parser.add_argument("--sign", type=int, default=3, help="signatures recorded per class deployed")
    parser.add_argument("--scale", type=float, default=0.05, help="size of the Département (tools/bench_data.py)")
    parser.add_argument("--replica", action="store_true", help="reads on a local streaming replica")
    parser.add_argument("--replica-port", type=int, default=5433)
    parser.add_argument("--fresh", action="store_true", help="build the database again even if a template exists")
    parser.add_argument("--installed", help="copy this database with the module freshly installed instead of "
                                            "installing it (quicker builds while developing)")
    parser.add_argument("--build-only", action="store_true", help="build the database (or its template) and stop")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    # Roles: half the users are référents (the rentrée), the rest heads, accountants, Département, supplier.
    n = max(5, args.users)
    args.suppliers = 1
    args.department = max(1, n // 6)
    args.heads = max(1, n // 8)
    args.accountants = max(1, n // 8)
    args.referents = n - args.suppliers - args.department - args.heads - args.accountants
    if args.referents > 25:
        odoo_env.fail("at most 25 référents (the collèges whose pupils wait for their tablets): lower --users")
    roles = {"referents": args.referents, "heads": args.heads, "accountants": args.accountants,
             "department": args.department, "suppliers": args.suppliers}

    odoo_env.ensure_postgres()
    BUILD.mkdir(exist_ok=True)
    locust = ensure_locust()
    load_before = load_average()
    db_seconds, from_template = prepare_database(args)
    plan = read_plan(args.db)
    if args.build_only:
        say(f"database {args.db} ready: {json.dumps(plan['expected'])}")
        return
    set_report_url(args.db, args.port + 1)
    replica = start_replica(args) if args.replica else None
    odoo = start_odoo(args, replica)
    sampler = MemorySampler(odoo.pid)
    since = odoo_env.psql(args.db, "SELECT now() at time zone 'UTC'").stdout.strip()
    replica_stats = None
    try:
        if replica:
            replica_tool("reset-stats", "--db", args.db, "--replica-port", str(replica[1]))
        sampler.start()
        samples, counts, seconds = run_locust(args, locust, plan, args.port, roles)
        # The signed copies are rendered by the cron worker after the signatures' requests.
        counts["copies_wait"] = wait_for_signed_copies(args.db, since)
        if replica:
            replica_stats = json.loads(replica_tool("stats", "--db", args.db, "--replica-port", str(replica[1])))
    finally:
        sampler.stopping.set()
        stop_odoo(odoo)
        if replica:
            # --purge drops the replication slot too: a slot nobody reads makes the primary keep
            # its WAL for ever (the next run takes a new base backup, about a minute here).
            replica_tool("stop", "--dir", str(BUILD / "replica"), "--purge", check=False)
    rows, kinds = request_table(samples, seconds)
    errors = sum(row["errors"] for row in rows)
    checks = [("no request failed", errors == 0, f"{errors} errors of {len(samples):,} requests")]
    for kind, limit in LIMITS.items():
        times = kinds.get(kind, [])
        p95 = percentile(times, .95)
        checks.append((f"p95 of the {'reads' if kind == 'read' else 'class deployments'} < {limit:.0f} s",
                       bool(times) and p95 < limit, f"{p95:.3f} s over {len(times):,} requests"))
    checks += invariants(args.db, plan, counts, since, args.sign)
    if replica_stats is not None:
        share = float(replica_stats.get("replica_share", 0))
        checks.append(("reads leave the primary (replica's share > 0)", share > 0, f"{share:.0%}"))
    ctx = {"rows": rows, "kinds": kinds, "checks": checks, "counts": counts, "samples": samples,
           "seconds": seconds, "plan": plan, "users": sum(roles.values()), "memory": sampler.summary(),
           "roles_text": ", ".join(f"{n} {role}" for role, n in roles.items()), "machine": machine(),
           "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "load_before": load_before,
           "load_after": load_average(), "db_seconds": db_seconds, "from_template": from_template,
           "replica_stats": replica_stats}
    table = markdown(args, ctx)
    (BUILD / "loadtest.md").write_text(table)
    print()
    print(table)
    if not args.keep:
        odoo_env.drop_db(args.db)
    failed = [label for label, ok, _value in checks if not ok]
    print(f"loadtest: {len(checks) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
