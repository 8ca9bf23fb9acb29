#!/usr/bin/env python3
"""Good neighbour check: the module must not break the Odoo apps it extends.

A Département runs its other equipment, its contacts and its accounting in the same
Odoo. This builds two databases alike -- the apps alone, then a copy of it (a PostgreSQL
template copy, so the two are identical) in which tablet_loan is installed -- and runs
the post-install tests of those apps on each. A test that passes without the module and
fails with it is a regression: the command then exits 1 and names it.

Odoo runs the post_install tests of already installed modules when it starts with
--test-enable and no -i/-u (odoo/service/server.py, preload_registries); the tag
`post_install/<app>` keeps only those, so at_install suites stay empty at load time.
For `account`, whose post-install suite takes an hour, a chosen subset: invoices,
journal entries (and a billing user's access), payments and the portal.
"""
import argparse
import collections
import concurrent.futures
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_env  # noqa: E402
from odoo_env import BUILD, MODULE, drop_db, free_port, odoo_cmd, psql, say  # noqa: E402

APPS = ["maintenance", "contacts", "mail", "account"]
# Everything tablet_loan depends on is installed in both databases, so that the only
# difference is the module itself.
BASE_MODULES = ["contacts", "mail", "maintenance", "account", "report_xlsx", "account_invoice_overdue_reminder",
                "purchase", "account_asset_management"]
ACCOUNT_CLASSES = [
    "TestAccountMoveOutInvoiceOnchanges",  # customer invoices: lines, taxes, onchanges, posting
    "TestAccountMove",                     # journal entries, incl. a billing user's rights
    "TestAccountPayment",                  # payments
    "TestAccountPaymentRegister",          # paying invoices through the register wizard
    "TestAccountMovePaymentsWidget",       # outstanding payments on an invoice
    "TestAccountPartner",                  # partners' accounting fields
    "TestPortalInvoice",                   # a portal customer opening their invoice
]
FILESTORE = Path.home() / ".local/share/Odoo/filestore"

LINE = re.compile(r"^\S+ \S+ \d+ (?P<level>[A-Z]+) \S+ (?P<logger>[\w.]+): (?P<msg>.*)$")
TEST_LOGGER = re.compile(r"^odoo\.addons\.(?P<app>\w+)\.tests\b")
STARTING = re.compile(r"^Starting (?P<test>[\w.]+) \.\.\.$")
BROKEN = re.compile(r"^(?:FAIL|ERROR): (?:Subtest )?(?P<test>\w+\.\w+)")
# setUpClass / tearDownClass errors are logged by unittest, naming the class.
CLASS_BROKEN = re.compile(r"^(?:FAIL|ERROR): (?P<fixture>\w+) \(odoo\.addons\.(?P<app>\w+)\.tests\.[\w.]*?(?P<cls>\w+)\)")
SUMMARY = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")


def test_tags(apps):
    tags = []
    for app in apps:
        if app == "account":
            tags += [f"post_install/account:{cls}" for cls in ACCOUNT_CLASSES]
        else:
            tags.append(f"post_install/{app}")
    return ",".join(tags)


def odoo(db, log_path, *extra):
    """Runs Odoo to the end of its initialisation, its log in log_path; returns (rc, seconds)."""
    cmd = odoo_cmd(db, *extra, "--stop-after-init", "--http-port", str(free_port()),
                   "--max-cron-threads", "0", "--workers", "0")
    started = time.time()
    with open(log_path, "w") as log:
        rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
    return rc, time.time() - started


def parse(log_path):
    """Tests run and tests broken, per app, from Odoo's log."""
    run, broken = collections.defaultdict(set), collections.defaultdict(set)
    summary = None
    for raw in open(log_path, errors="replace"):
        match = LINE.match(raw.rstrip("\n"))
        if not match:
            continue
        msg = match["msg"].strip()
        found = SUMMARY.search(msg)
        if found:
            summary = found.groups()
        test_logger = TEST_LOGGER.match(match["logger"])
        if test_logger and (started := STARTING.match(msg)):
            run[test_logger["app"]].add(started["test"])
        elif match["level"] == "ERROR" and (fixture := CLASS_BROKEN.match(msg)):
            broken[fixture["app"]].add(f"{fixture['cls']}.{fixture['fixture']}")
        elif match["level"] == "ERROR" and test_logger and (failed := BROKEN.match(msg)):
            broken[test_logger["app"]].add(failed["test"])
    return run, broken, summary


def build(base_db, module_db, apps_log, module_log):
    say(f"database {base_db}: {', '.join(BASE_MODULES)} (the apps alone)")
    rc, secs = odoo(base_db, apps_log, "-i", ",".join(BASE_MODULES))
    if rc:
        odoo_env.fail(f"installing the apps failed (rc={rc}); see {apps_log}")
    say(f"  installed in {secs:.0f}s")
    res = psql("postgres", f'CREATE DATABASE "{module_db}" WITH TEMPLATE "{base_db}"')
    if res.returncode:
        odoo_env.fail(f"could not copy {base_db}: {res.stderr.strip()}")
    if (FILESTORE / base_db).is_dir():
        shutil.copytree(FILESTORE / base_db, FILESTORE / module_db)
    say(f"database {module_db}: a copy of it, then {MODULE}")
    rc, secs = odoo(module_db, module_log, "-i", MODULE)
    if rc:
        odoo_env.fail(f"installing {MODULE} failed (rc={rc}); see {module_log}")
    say(f"  installed in {secs:.0f}s")


def selector(test):
    """Odoo's test-tags selector of a test id: `Class.method`, or `Class` for a failed fixture."""
    cls, method = test.split(".")
    return cls if method in ("setUpClass", "tearDownClass") else test


def run_tests(db, tags, log_path, label, require=True):
    rc, secs = odoo(db, log_path, "--test-enable", "--test-tags", tags, "--log-level", "test")
    run, broken, summary = parse(log_path)
    total = sum(len(tests) for tests in run.values())
    say(f"  {label}: {total} tests in {secs:.0f}s ({summary and '%s failed, %s error(s) of %s tests' % summary})")
    if require and not total:
        odoo_env.fail(f"no test ran on {db} (rc={rc}); see {log_path}")
    return run, broken


def confirm(suspects, base_db, module_db, logs):
    """Runs the tests that broke only with the module once more on both databases: a browser
    tour that timed out under load is not a regression; one that fails again with the module
    and passes again without it is."""
    tags = ",".join(f"post_install/{app}:{selector(test)}" for app, tests in suspects.items() for test in sorted(tests))
    say(f"running again what broke only with {MODULE}: {tags}")
    logs["apps-again"], logs["module-again"] = BUILD / "neighbours-apps-again.log", BUILD / "neighbours-module-again.log"
    _run, before = run_tests(base_db, tags, logs["apps-again"], "apps alone, again", require=False)
    _run, after = run_tests(module_db, tags, logs["module-again"], f"apps + {MODULE}, again", require=False)
    confirmed = {}
    for app, tests in suspects.items():
        confirmed[app] = {test for test in tests if test in after[app] and test not in before[app]}
        for test in sorted(tests - confirmed[app]):
            print(f"not confirmed, not counted: {app}: {test} (passes again with {MODULE}, or fails again "
                  f"without it)")
    return confirmed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apps", default=",".join(APPS), help="apps whose post-install tests run")
    parser.add_argument("--keep", action="store_true", help="keep both databases afterwards")
    parser.add_argument("--sequential", action="store_true", help="one database after the other, not both at once")
    parser.add_argument("--base-db", help="reuse this database with the apps alone (with --module-db)")
    parser.add_argument("--module-db", help="reuse this database with the apps and the module")
    args = parser.parse_args()
    apps = [app.strip() for app in args.apps.split(",") if app.strip()]
    odoo_env.ensure_postgres()
    BUILD.mkdir(exist_ok=True)
    suffix = uuid.uuid4().hex[:8]
    reuse = bool(args.base_db and args.module_db)
    base_db = args.base_db or f"tablet_loan_nb_apps_{suffix}"
    module_db = args.module_db or f"tablet_loan_nb_module_{suffix}"
    logs = {name: BUILD / f"neighbours-{name}.log" for name in ("install-apps", "install-module", "apps", "module")}
    started = time.time()
    try:
        if not reuse:
            build(base_db, module_db, logs["install-apps"], logs["install-module"])
        tags = test_tags(apps)
        say(f"post-install tests of {', '.join(apps)} (logs: {logs['apps']}, {logs['module']})")
        # Both at once: most of the time goes to browser tours and timers waiting, not to the CPU.
        with concurrent.futures.ThreadPoolExecutor(1 if args.sequential else 2) as pool:
            before = pool.submit(run_tests, base_db, tags, logs["apps"], "apps alone")
            after = pool.submit(run_tests, module_db, tags, logs["module"], f"apps + {MODULE}")
            (run_before, broken_before), (run_after, broken_after) = before.result(), after.result()
        suspects = {app: broken_after[app] - broken_before[app] for app in apps}
        if any(suspects.values()):
            suspects = confirm(suspects, base_db, module_db, logs)
    finally:
        if not args.keep and not reuse:
            for db in (base_db, module_db):
                drop_db(db)
    regressions = []
    print(f"{'app':<12} {'run':>5} {'broken before':>14} {'broken after':>13}  broken by {MODULE}")
    for app in apps:
        new = sorted(suspects[app])
        regressions += [f"{app}: {test}" for test in new]
        print(f"{app:<12} {len(run_after[app]):>5} {len(broken_before[app]):>14} {len(broken_after[app]):>13}  {len(new)}")
        if len(run_after[app]) != len(run_before[app]):
            print(f"  ({len(run_before[app])} tests ran without the module)")
    for line in regressions:
        print(f"REGRESSION {line}: passes without {MODULE}, fails with it (see {logs['module']})")
    failed = len(regressions)
    passed = sum(len(run_after[app] - broken_after[app]) for app in apps)
    already = sum(len(broken_after[app] & broken_before[app]) for app in apps)
    flaky = sum(len(broken_after[app] - broken_before[app]) for app in apps) - failed
    if already:
        print(f"{already} test(s) broken with and without {MODULE} (this machine, not the module: "
              f"see {logs['apps']}): neither passed nor failed here")
    if flaky:
        print(f"{flaky} test(s) broken once with {MODULE} but not again: neither passed nor failed here")
    print(f"Neighbour tests done in {time.time() - started:.0f}s")
    print(f"neighbours: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
