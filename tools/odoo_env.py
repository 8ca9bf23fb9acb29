#!/usr/bin/env python3
"""Set-up, test and run commands behind the Makefile.

Kept in Python rather than shell so that log parsing and clean-up on failure
are easy to read. Every step says what it does and what to do when it fails.
"""
import argparse
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = "tablet_loan"
BUILD = ROOT / "build"
# Odoo needs the checkout under the name tablet_loan. The link lives outside the
# checkout: inside it, Odoo's file walkers would follow it back into itself.
ADDONS = (Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tablet_loan"
          / f"addons-{hashlib.sha1(str(ROOT).encode()).hexdigest()[:10]}")
ODOO_NIGHTLY = "https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"
DEBIAN_BUILD_DEPS = ["libldap2-dev", "libsasl2-dev", "libpq-dev"]
# wkhtmltopdf prints the PDF reports; chromium runs the browser tours (tests/test_tour.py)
# and the screenshots (tools/screenshots.py).
DEBIAN_RUNTIME = ["wkhtmltopdf", "chromium"]
DEMO_LOGINS = ["dept_manager", "dept_officer", "academy", "head", "referent", "accountant", "supplier"]

PG_HOST = os.environ.get("PGHOST", "127.0.0.1")
PG_PORT = os.environ.get("PGPORT", "5432")
PG_USER = os.environ.get("PGUSER", "")


def say(msg):
    print(f"[tablet_loan] {msg}", flush=True)


def fail(msg, code=1):
    print(f"[tablet_loan] ERROR: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


def run(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, **kw)


# --------------------------------------------------------------------- set-up
def postgres_ready():
    if shutil.which("pg_isready"):
        return run(["pg_isready", "-q", "-h", PG_HOST, "-p", PG_PORT], check=False).returncode == 0
    try:
        with socket.create_connection((PG_HOST, int(PG_PORT)), timeout=3):
            return True
    except OSError:
        return False


def ensure_postgres():
    if postgres_ready():
        say(f"PostgreSQL answers on {PG_HOST}:{PG_PORT}.")
        return
    clusters = sorted(Path("/etc/postgresql").glob("*/main")) if Path("/etc/postgresql").is_dir() else []
    if clusters and shutil.which("pg_ctlcluster"):
        version = clusters[-1].parent.name
        say(f"PostgreSQL is installed but stopped: starting cluster {version}/main.")
        run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False)
        for _ in range(30):
            if postgres_ready():
                say("PostgreSQL started.")
                return
            time.sleep(1)
    fail(
        f"no PostgreSQL server answers on {PG_HOST}:{PG_PORT}. Install one "
        "(Debian: 'apt-get install postgresql') and start it, or point PGHOST/PGPORT/PGUSER "
        "at a server where your user may create databases."
    )


def odoo_importable():
    # `from odoo import SUPERUSER_ID` fails when a bare site-packages/odoo directory hides
    # the real package (see keep_odoo_importable), even though `import odoo.release` works.
    code = ("import odoo.release as r, sys; from odoo import SUPERUSER_ID; "
            "sys.exit(0 if r.version_info[0] == 18 else 3)")
    return run([sys.executable, "-c", code], check=False, capture_output=True).returncode == 0


def apt_install(packages):
    missing = [p for p in packages
               if run(["dpkg", "-s", p], check=False, capture_output=True).returncode != 0]
    if not missing:
        return True
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        say(f"missing Debian packages {' '.join(missing)}: install them with apt-get as root.")
        return False
    say(f"installing Debian packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-qq"], check=False, env=env)
    return run(["apt-get", "install", "-y", "-qq", *missing], check=False, env=env).returncode == 0


def pip_install(args):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as constraint:
        # Odoo 18's pinned requirements do not build with setuptools 81+.
        constraint.write("setuptools<81\n")
    env = dict(os.environ, PIP_CONSTRAINT=constraint.name)
    try:
        return run([sys.executable, "-m", "pip", "install", "-q", *args], check=False, env=env).returncode
    finally:
        os.unlink(constraint.name)


def ensure_odoo():
    """Odoo 18 importable; returns the directory that holds the `odoo` package."""
    if odoo_importable():
        import_path = run([sys.executable, "-c", "import odoo.release, odoo; print(odoo.__path__[0])"],
                          capture_output=True, text=True).stdout.strip()
        say(f"Odoo 18 is importable ({import_path}).")
        return Path(import_path).parent
    editable = editable_odoo_source()
    if editable:
        keep_odoo_importable(editable)
        return editable
    say("Odoo 18 is not importable: installing it from Odoo's official nightly source.")
    apt_install(DEBIAN_BUILD_DEPS)
    rc = pip_install([ODOO_NIGHTLY])
    if rc or not odoo_importable():
        fail(
            "could not install Odoo 18.0. Without network access to nightly.odoo.com, provide it "
            "yourself: unpack an Odoo 18.0 Community source tree and run "
            "'PIP_CONSTRAINT=<file with setuptools<81> python3 -m pip install -e <that tree>' "
            "(Debian needs libldap2-dev libsasl2-dev libpq-dev), so that 'python3 -c \"import odoo\"' "
            "works; then run 'make install' again.", code=2,
        )
    say("Odoo 18 installed.")
    return None


def editable_odoo_source():
    """The source tree of an editable (pip install -e) Odoo 18, if pip knows one."""
    code = ("import importlib.metadata as m, json; d = m.distribution('odoo'); "
            "u = json.loads(d.read_text('direct_url.json') or '{}'); "
            "print(u['url'][7:] if u.get('dir_info', {}).get('editable') and u['url'].startswith('file://') else '')")
    out = run([sys.executable, "-c", code], capture_output=True, text=True)
    path = out.stdout.strip() if out.returncode == 0 else ""
    return Path(path) if path and (Path(path) / "odoo" / "release.py").exists() else None


def keep_odoo_importable(odoo_root):
    """OCA addons from PyPI install into site-packages/odoo/addons. Beside an *editable*
    Odoo, that bare `odoo` directory becomes a namespace package that hides the real one
    (`import odoo` then finds no `odoo.release`). A .pth line naming the Odoo source tree
    puts the real package back first; `odoo.addons` still finds the PyPI addons."""
    if odoo_importable() or odoo_root is None:
        return
    site = run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
               capture_output=True, text=True).stdout.strip()
    pth = Path(site) / "zz_tablet_loan_odoo_source.pth"
    pth.write_text(f"{odoo_root}\n")
    if not odoo_importable():
        fail(f"the OCA addons installed from PyPI hide Odoo at {odoo_root}; put that directory on "
             f"PYTHONPATH and run 'make install' again.", code=2)
    say(f"{pth.name}: keeps the Odoo source at {odoo_root} ahead of site-packages/odoo (OCA addons).")


def link_addon():
    ADDONS.mkdir(parents=True, exist_ok=True)
    link = ADDONS / MODULE
    if link.is_symlink() or link.exists():
        if link.resolve() == ROOT:
            return link
        link.unlink()
    link.symlink_to(ROOT, target_is_directory=True)
    return link


def cmd_install(_args):
    ensure_postgres()
    odoo_root = ensure_odoo()
    if not apt_install(DEBIAN_RUNTIME):
        say("continuing without them: PDF reports need wkhtmltopdf, the browser tours chromium.")
    req = ROOT / "requirements.txt"
    if pip_install(["-r", str(req)]):
        fail(f"pip could not install {req.name}; read pip's message above.")
    keep_odoo_importable(odoo_root)
    link_addon()
    say(f"ready: {ADDONS / MODULE} -> {ROOT}. Next: 'make test' or 'make run'.")


# ------------------------------------------------------------- odoo commands
def odoo_cmd(db, *extra):
    if not odoo_importable():
        fail("Odoo 18 is not importable by this python3: run 'make install' first.")
    link_addon()
    cmd = [sys.executable, "-m", "odoo", "--addons-path", str(ADDONS), "-d", db,
           "--db_host", PG_HOST, "--db_port", PG_PORT, "--db-filter", f"^{db}$"]
    if PG_USER:
        cmd += ["--db_user", PG_USER]
    return cmd + list(extra)


def psql(db, sql):
    cmd = ["psql", "-h", PG_HOST, "-p", PG_PORT, "-d", db, "-tAc", sql]
    if PG_USER:
        cmd[1:1] = ["-U", PG_USER]
    return run(cmd, check=False, capture_output=True, text=True)


def drop_db(db):
    res = psql("postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    if res.returncode:
        say(f"could not drop database {db}: {res.stderr.strip()}")
    run(["rm", "-rf", str(Path.home() / ".local/share/Odoo/filestore" / db)], check=False)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SUMMARY = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
PROBLEM = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) |^\S+ \S+ \d+ WARNING \S+ \S+: .*tablet_loan")


def cmd_test(args):
    ensure_postgres()
    db = args.db or f"tablet_loan_test_{uuid.uuid4().hex[:8]}"
    tags = args.tags or f"/{MODULE}"
    log_path = BUILD / "test.log"
    BUILD.mkdir(exist_ok=True)
    cmd = odoo_cmd(db, "-i", MODULE, "--test-enable", "--test-tags", tags, "--stop-after-init",
                   "--load-language", "fr_FR", "--http-port", str(free_port()),
                   "--log-level", "test", "--max-cron-threads", "0", "--workers", "0")
    say(f"installing {MODULE} in a fresh database {db} and running its tests (log: {log_path})")
    problems, summary = [], None
    started = time.time()
    try:
        with open(log_path, "w") as log:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for line in proc.stdout:
                log.write(line)
                if PROBLEM.match(line):
                    problems.append(line.rstrip())
                    print(line, end="", flush=True)
                elif args.verbose or " tablet_loan" in line and ("FAIL" in line or "ERROR" in line):
                    print(line, end="", flush=True)
                match = SUMMARY.search(line)
                if match:
                    summary = tuple(int(g) for g in match.groups())
            rc = proc.wait()
    finally:
        if not args.keep:
            drop_db(db)
    elapsed = time.time() - started
    if summary is None:
        print(f"tablet_loan tests: 0 passed, 1 failed (Odoo stopped before running tests, rc={rc}; "
              f"see {log_path})")
        sys.exit(1)
    failed, errors, total = summary
    bad = failed + errors
    print(f"Odoo: {failed} failed, {errors} error(s) of {total} tests in {elapsed:.0f}s")
    if problems and not bad:
        bad = 1
        print(f"{len(problems)} ERROR/CRITICAL line(s) in the log outside the tests (install or data problem).")
    print(f"tablet_loan: {max(total - failed - errors, 0)} passed, {bad} failed")
    sys.exit(1 if bad or rc else 0)


def db_has_module(db):
    res = psql(db, f"SELECT state FROM ir_module_module WHERE name = '{MODULE}'")
    return res.returncode == 0 and res.stdout.strip() == "installed"


def cmd_run(args):
    ensure_postgres()
    db = args.db
    init = [] if db_has_module(db) else ["-i", MODULE, "--load-language", "fr_FR"]
    if init:
        say(f"creating database {db} with {MODULE} and its demo data (a few minutes the first time)")
        rc = run(odoo_cmd(db, *init, "--stop-after-init", "--max-cron-threads", "0"), check=False).returncode
        if rc:
            fail(f"installing {MODULE} in {db} failed (rc={rc}); read Odoo's log above.")
    say(f"Odoo serves http://127.0.0.1:{args.port}/odoo with database {db}.")
    say("demo logins (password = login): " + ", ".join(DEMO_LOGINS) + "; administrator: admin / admin")
    cmd = odoo_cmd(db, "--http-interface", "127.0.0.1", "--http-port", str(args.port))
    proc = subprocess.Popen(cmd)
    try:
        sys.exit(proc.wait())
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        sys.exit(proc.wait())


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install").set_defaults(func=cmd_install)
    test = sub.add_parser("test")
    test.add_argument("--db")
    test.add_argument("--tags", help="Odoo --test-tags, default /tablet_loan")
    test.add_argument("--keep", action="store_true", help="keep the database afterwards")
    test.add_argument("--verbose", action="store_true")
    test.set_defaults(func=cmd_test)
    run_p = sub.add_parser("run")
    run_p.add_argument("--db", default="tablet_loan_demo")
    run_p.add_argument("--port", type=int, default=8069)
    run_p.set_defaults(func=cmd_run)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
