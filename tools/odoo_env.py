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
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = "tablet_loan"
BUILD = ROOT / "build"
# Odoo needs the checkout under the name tablet_loan. The link lives outside the
# checkout: inside it, Odoo's file walkers would follow it back into itself.
ADDONS = (Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tablet_loan"
          / f"addons-{hashlib.sha1(str(ROOT).encode()).hexdigest()[:10]}")
# Odoo's official nightly source; ODOO_SOURCE may name a mirror or a local copy of the archive.
ODOO_NIGHTLY = os.environ.get("ODOO_SOURCE") or "https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"
# How long the network probe waits before calling the machine offline.
PROBE_TIMEOUT = 8
# Odoo's installation guide asks for wkhtmltopdf 0.12.6 built with Odoo's patched Qt (the
# "wkhtmltox" packages); distributions ship it without: no header, no footer, text as image.
WKHTMLTOPDF_RELEASES = "https://github.com/wkhtmltopdf/packaging/releases"
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
    """Odoo 18 importable; returns the directory that holds the `odoo` package.

    Cheap checks first: an Odoo already importable or installed editable, then whether the
    nightly source can be reached at all. Only then the Debian headers and pip, so that an
    offline machine gets its answer in seconds, not after minutes of apt-get and pip."""
    if odoo_importable():
        import_path = run([sys.executable, "-c", "import odoo.release, odoo; print(odoo.__path__[0])"],
                          capture_output=True, text=True).stdout.strip()
        say(f"Odoo 18 is importable ({import_path}).")
        return Path(import_path).parent
    editable = editable_odoo_source()
    if editable:
        keep_odoo_importable(editable)
        return editable
    if sys.version_info < (3, 10):  # noqa: UP036 - tells a newcomer with an older Python what to do
        fail(f"Odoo 18 needs Python 3.10 or later; {sys.executable} is "
             f"{sys.version.split()[0]}. Run 'make install PYTHON=<a python3.10+>'.", code=2)
    say(f"Odoo 18 is not importable by {sys.executable}: it comes from Odoo's nightly source.")
    reachable, why = source_reachable(ODOO_NIGHTLY)
    if not reachable:
        fail(no_odoo_message(why), code=2)
    say(f"installing Odoo 18.0 from {ODOO_NIGHTLY} (several minutes).")
    apt_install(DEBIAN_BUILD_DEPS)
    rc = pip_install([ODOO_NIGHTLY])
    if rc or not odoo_importable():
        fail(no_odoo_message(f"pip could not install it (rc={rc}; read pip's message above)"), code=2)
    say("Odoo 18 installed.")
    return None


def no_odoo_message(why):
    return (
        f"Odoo 18.0 is not installed for {sys.executable} and cannot be installed from "
        f"{ODOO_NIGHTLY}: {why}.\n"
        "What to do, then run 'make install' again:\n"
        "  - give this machine access to nightly.odoo.com and PyPI (behind a proxy: export "
        "https_proxy=http://<proxy>:<port>), or\n"
        "  - copy odoo_18.0.latest.tar.gz from a machine that has access and run "
        "'ODOO_SOURCE=/path/to/odoo_18.0.latest.tar.gz make install' (pip still needs PyPI for "
        "Odoo's dependencies), or\n"
        "  - install Odoo 18.0 Community yourself into this Python: unpack its source and run "
        f"'PIP_CONSTRAINT=<a file saying setuptools<81> {sys.executable} -m pip install -e <that tree>' "
        "(Debian first needs: apt-get install libldap2-dev libsasl2-dev libpq-dev), "
        f"until '{sys.executable} -c \"import odoo\"' works."
    )


def proxy_for(url):
    """The proxy pip would use for url: https_proxy/http_proxy (either case), else ALL_PROXY,
    none when no_proxy covers the host. urllib alone ignores ALL_PROXY."""
    scheme, host = urllib.parse.urlsplit(url).scheme, urllib.parse.urlsplit(url).hostname or ""
    proxies = urllib.request.getproxies()
    if urllib.request.proxy_bypass(host):
        return None
    return proxies.get(scheme) or proxies.get("all")


def source_reachable(url, timeout=PROBE_TIMEOUT):
    """(True, "") when url answers (or is a local file), else (False, why). One request for its
    first byte (some servers refuse HEAD), through the proxy the environment names, given up
    after `timeout` seconds."""
    if "://" not in url or url.startswith("file://"):
        path = Path(url[7:] if url.startswith("file://") else url)
        return (True, "") if path.exists() else (False, f"{path} does not exist")
    proxy = proxy_for(url)
    handler = urllib.request.ProxyHandler({urllib.parse.urlsplit(url).scheme: proxy} if proxy else {})
    opener = urllib.request.build_opener(handler)
    via = f" through the proxy {proxy}" if proxy else ""
    try:
        request = urllib.request.Request(url, headers={"Range": "bytes=0-0"})
        with opener.open(request, timeout=timeout) as resp:
            return True, f"HTTP {resp.status}"
    except urllib.error.HTTPError as exc:
        return False, f"the server answered HTTP {exc.code}{via}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"this machine cannot reach it{via} ({reason}; no network access?)"


def editable_odoo_source():
    """The source tree of an editable (pip install -e) Odoo 18, if pip knows one; None when
    no `odoo` distribution is installed at all (the probe then exits non-zero)."""
    code = ("import importlib.metadata as m, json; d = m.distribution('odoo'); "
            "u = json.loads(d.read_text('direct_url.json') or '{}'); "
            "print(u['url'][7:] if u.get('dir_info', {}).get('editable') and u['url'].startswith('file://') else '')")
    out = run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
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


def wkhtmltopdf_verdict(version_output):
    """(ok, what to tell) from the output of `wkhtmltopdf --version`."""
    version = version_output.strip() or "no version"
    if "with patched qt" in version_output.lower():
        return True, f"{version}: Odoo's PDF reports keep their text, header and footer."
    return False, (
        f"{version}: this wkhtmltopdf is built without the patched Qt Odoo relies on (Debian's "
        "package is). PDF reports (loan contracts, annual reports, invoices) still print, but they "
        "have no header or footer (no letterhead, no page numbers), their text is drawn as an image "
        "(nothing to select, search or read aloud) and they weigh megabytes (a two-page loan "
        "contract: about 2 MB). Odoo 18 expects wkhtmltopdf 0.12.6 with patched Qt: install the "
        f"'wkhtmltox' 0.12.6.1 package for your system from {WKHTMLTOPDF_RELEASES} "
        "(e.g. wkhtmltox_0.12.6.1-3.bookworm_amd64.deb) instead; see README, 'Deployment notes'."
    )


def check_wkhtmltopdf():
    binary = shutil.which("wkhtmltopdf")
    if not binary:
        say(f"WARNING: no wkhtmltopdf: Odoo cannot print PDF reports. Install wkhtmltopdf 0.12.6 with "
            f"patched Qt ('wkhtmltox' from {WKHTMLTOPDF_RELEASES}).")
        return False
    try:
        out = run([binary, "--version"], check=False, capture_output=True, text=True, timeout=20)
        output = out.stdout + out.stderr
    except (OSError, subprocess.TimeoutExpired) as exc:
        output = f"wkhtmltopdf --version failed ({exc})"
    ok, message = wkhtmltopdf_verdict(output)
    say(message if ok else f"WARNING: {binary} is {message}")
    return ok


def machine_description(pg_version):
    """The machine a measurement ran on, for the tables of the README (bench, load test)."""
    import platform
    with open("/proc/meminfo") as meminfo:
        ram = int(meminfo.readline().split()[1]) / 2**20
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{os.cpu_count()} cores ({cpu}), {ram:.0f} GB RAM, PostgreSQL {pg_version}, "
            f"Python {platform.python_version()}")


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
    check_wkhtmltopdf()
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
# pytest's closing line, e.g. "=== 2 failed, 447 passed, 3 warnings in 1234.56s (0:20:34) ===",
# without the "=" under -q ("442 tests collected in 2.01s").
PYTEST_SUMMARY = re.compile(r"^(=+ )?(\d+ \w+|no tests ran)[^=]* in [\d.]+s( \([\d:]+\))?( =+)?$")
PYTEST_COUNT = re.compile(r"(?<!subtests )\b(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)\b")
# The browser tours (headless Chromium); `make test-fast` leaves them out.
BROWSER_TESTS = "tests/test_tour.py"
# pytest-odoo imports Odoo's test framework before it turns test mode on; Odoo logs that as an
# ERROR although nothing of the module is involved.
PYTEST_ODOO_NOISE = "Importing test framework, avoid importing from business modules"


def install_module(db, log_path):
    """A fresh database with the module and its demo data, French loaded: what the suite runs on."""
    cmd = odoo_cmd(db, "-i", MODULE, "--stop-after-init", "--load-language", "fr_FR",
                   "--http-port", str(free_port()), "--log-level", "warn",
                   "--max-cron-threads", "0", "--workers", "0")
    return stream_odoo(cmd, log_path)


def stream_odoo(cmd, log_path, on_line=None):
    """Run Odoo, its output into `log_path`; the module's problems (ERROR, CRITICAL, its warnings)
    echoed at once and returned with the exit code. `on_line(line)` sees every other line."""
    problems = []
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            log.write(line)
            if PROBLEM.match(line):
                problems.append(line.rstrip())
                print(line, end="", flush=True)
            elif on_line:
                on_line(line)
        return proc.wait(), problems


def tags_to_keywords(tags):
    """Odoo's --test-tags (/tablet_loan:TestX,/tablet_loan:TestY.test_z) as a pytest -k expression."""
    if "/" not in tags and ":" not in tags:
        return tags  # already a -k expression: "TestLoanSignature or TestFrench"
    terms = []
    for tag in filter(None, (t.strip() for t in tags.split(","))):
        spec = tag.split(":", 1)[1] if ":" in tag else tag.lstrip("/").partition("/")[2] or ""
        if not spec or spec.lstrip("/") == MODULE:
            continue
        cls, _, method = spec.partition(".")
        terms.append(f"({cls} and {method})" if method else cls)
    return " or ".join(terms)


def pytest_cmd(db, extra=(), logfile=None, junit=None):
    """pytest-odoo over the module's tests, collected through the addons link so that they import
    as odoo.addons.tablet_loan.tests.*; Odoo's HTTP server is started for the HttpCase classes."""
    link = link_addon()
    cmd = [sys.executable, "-m", "pytest", str(link / "tests"),
           "--odoo-database", db, "--odoo-addons-path", str(ADDONS), "--odoo-http",
           "--odoo-log-level", "warn",
           "--odoo-extra", f"db_host={PG_HOST}", "--odoo-extra", f"db_port={PG_PORT}",
           "--odoo-extra", "max-cron-threads=0", "--odoo-extra", "http-interface=127.0.0.1"]
    if PG_USER:
        cmd += ["--odoo-extra", f"db_user={PG_USER}"]
    if logfile:
        cmd += ["--odoo-extra", f"logfile={logfile}"]
    if junit:
        cmd += [f"--junitxml={junit}"]
    return cmd + list(extra)


def pytest_counts(summary):
    counts = {}
    for number, word in PYTEST_COUNT.findall(summary or ""):
        key = "errors" if word.startswith("error") else word
        counts[key] = counts.get(key, 0) + int(number)
    return counts


def run_pytest(cmd, log_path):
    """Runs pytest, its output on the terminal and in log_path; returns (rc, pytest's closing line).
    The closing line is held back so that the caller prints it last."""
    summary = None
    with open(log_path, "a") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ADDONS)
        for line in proc.stdout:
            log.write(line)
            if PYTEST_SUMMARY.match(line.strip()):
                summary = line.rstrip()
                continue
            print(line, end="", flush=True)
        return proc.wait(), summary


def log_problems(path):
    """ERROR/CRITICAL lines Odoo logged while the tests ran (Odoo's own runner fails on them)."""
    if not path.exists():
        return []
    return [line.rstrip() for line in path.read_text(errors="replace").splitlines()
            if PROBLEM.match(line) and PYTEST_ODOO_NOISE not in line]


def cmd_test(args):
    """Fresh database, module installed with its demo data, then the suite through pytest-odoo
    (or Odoo's own runner with --runner odoo). Prints `tablet_loan: N passed, M failed` for CI,
    then pytest's closing line last."""
    ensure_postgres()
    if args.runner == "odoo":
        return cmd_test_odoo(args)
    if args.reuse and not args.db:
        fail("--reuse runs the tests on an existing database: name it with --db.")
    db = args.db or f"tablet_loan_test_{uuid.uuid4().hex[:8]}"
    BUILD.mkdir(exist_ok=True)
    # Runs on a named database keep their own files: two runs at once must not share a log.
    stem = f"test-{args.db}" if args.db else "test"
    log_path, odoo_log, junit = BUILD / f"{stem}.log", BUILD / f"{stem}-odoo.log", BUILD / f"{stem}.xml"
    started = time.time()
    extra = list(args.pytest_args or [])
    if args.tags:
        keywords = tags_to_keywords(args.tags)
        if keywords:
            extra += ["-k", keywords]
    if args.fast:
        extra += [f"--ignore={link_addon() / BROWSER_TESTS}"]
    odoo_log.unlink(missing_ok=True)
    install_problems = []
    try:
        if args.reuse and db_has_module(args.db or ""):
            say(f"running the tests on the existing database {db} (log: {log_path})")
            log_path.write_text("")
        else:
            say(f"installing {MODULE} in a fresh database {db} (log: {log_path})")
            rc, install_problems = install_module(db, log_path)
            if rc:
                print(f"tablet_loan: 0 passed, 1 failed (installing the module failed, rc={rc}; "
                      f"see {log_path})")
                sys.exit(1)
            say(f"installed in {time.time() - started:.0f}s; running the tests with pytest-odoo")
        rc, summary = run_pytest(pytest_cmd(db, extra, logfile=odoo_log, junit=junit), log_path)
    finally:
        if not args.keep and not args.reuse:
            drop_db(db)
    counts = pytest_counts(summary)
    bad = counts.get("failed", 0) + counts.get("errors", 0)
    if install_problems:
        print(f"{len(install_problems)} ERROR/CRITICAL line(s) or warning(s) of the module while installing "
              f"({log_path}).")
        bad = bad or 1
    problems = log_problems(odoo_log)
    if problems:
        print(f"{len(problems)} ERROR/CRITICAL line(s) in Odoo's log while the tests ran ({odoo_log}):")
        print("\n".join(problems[:20]))
        bad = bad or 1
    if summary is None:
        bad = bad or 1
    elif rc not in (0, 5) and not bad:  # 5: no test collected (a -k that selects nothing)
        bad = 1
    print(f"Odoo + pytest: {time.time() - started:.0f}s in all (junit: {junit})")
    print(f"tablet_loan: {counts.get('passed', 0)} passed, {bad} failed")
    print(summary or f"pytest stopped before its summary (rc={rc}); see {log_path}", flush=True)
    sys.exit(1 if bad else 0)


def cmd_test_odoo(args):
    """Odoo's own runner: install and tests in one process (how `make test` ran before pytest-odoo)."""
    db = args.db or f"tablet_loan_test_{uuid.uuid4().hex[:8]}"
    tags = args.tags or f"/{MODULE}"
    if args.fast:
        tags += ",-/tablet_loan:TestTour,-/tablet_loan:TestSiecleImportTour," \
                "-/tablet_loan:TestSignatureTour,-/tablet_loan:TestRoleTours"
    log_path = BUILD / "test.log"
    BUILD.mkdir(exist_ok=True)
    cmd = odoo_cmd(db, "-i", MODULE, "--test-enable", "--test-tags", tags, "--stop-after-init",
                   "--load-language", "fr_FR", "--http-port", str(free_port()),
                   "--log-level", "test", "--max-cron-threads", "0", "--workers", "0")
    say(f"installing {MODULE} in a fresh database {db} and running its tests (log: {log_path})")
    summaries = []

    def on_line(line):
        if args.verbose or " tablet_loan" in line and ("FAIL" in line or "ERROR" in line):
            print(line, end="", flush=True)
        match = SUMMARY.search(line)
        if match:
            summaries.append(tuple(int(g) for g in match.groups()))
    started = time.time()
    try:
        rc, problems = stream_odoo(cmd, log_path, on_line)
        summary = summaries[-1] if summaries else None
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
    test = sub.add_parser("test", description=cmd_test.__doc__)
    test.add_argument("--db")
    test.add_argument("--tags", help="Odoo --test-tags (/tablet_loan:TestX,/tablet_loan:TestY.test_z), "
                      "default the whole module; under pytest a -k expression")
    test.add_argument("--keep", action="store_true", help="keep the database afterwards")
    test.add_argument("--reuse", action="store_true",
                      help="run the tests on --db, which already has the module, and keep it")
    test.add_argument("--fast", action="store_true", help=f"leave out the browser tours ({BROWSER_TESTS})")
    test.add_argument("--runner", choices=["pytest", "odoo"], default="pytest",
                      help="pytest-odoo (default) or Odoo's own test runner")
    test.add_argument("--verbose", action="store_true")
    test.add_argument("pytest_args", nargs="*", help="more pytest arguments, after --")
    test.set_defaults(func=cmd_test)
    run_p = sub.add_parser("run")
    run_p.add_argument("--db", default="tablet_loan_demo")
    run_p.add_argument("--port", type=int, default=8069)
    run_p.set_defaults(func=cmd_run)
    args = parser.parse_args()
    try:
        args.func(args)
    except KeyboardInterrupt:
        fail("interrupted.", code=130)
    except subprocess.CalledProcessError as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
        fail(f"'{args.command}' stopped: the command {' '.join(map(str, exc.cmd))!r} failed "
             f"(rc={exc.returncode}). {stderr.strip()}")
    except Exception as exc:  # noqa: BLE001 -- a newcomer gets a sentence, the traceback goes to a file
        try:
            BUILD.mkdir(exist_ok=True)
            trace = BUILD / "odoo_env-error.txt"
            trace.write_text(traceback.format_exc())
        except OSError:  # a read-only checkout: the temporary directory then
            trace = Path(tempfile.gettempdir()) / "tablet_loan-odoo_env-error.txt"
            trace.write_text(traceback.format_exc())
        fail(f"'{args.command}' stopped on an unexpected error ({type(exc).__name__}: {exc}). "
             f"The full traceback is in {trace}; please attach it to an issue.")


if __name__ == "__main__":
    main()
