#!/usr/bin/env python3
"""Screenshots of the main screens for the README (docs/*.png), taken from the demo.

Builds a fresh demo database (module, demo data, French), serves it on its own port
with Odoo, logs in as each demo user in headless Chromium (Playwright driving
Debian's /usr/bin/chromium) and captures the screens at 1280x800. The database is
dropped afterwards unless --keep.

    python3 tools/screenshots.py [--port 8071] [--db tablet_loan_shots] [--keep]

Needs `pip install playwright` (no browser download: the system Chromium is used).
"""
import argparse
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_env  # noqa: E402  (the set-up helpers of `make install/test/run`)

DOCS = odoo_env.ROOT / "docs"
VIEWPORT = {"width": 1280, "height": 800}


def action_url(xmlid, view_type=None):
    url = f"/odoo/action-tablet_loan.{xmlid}"
    return f"{url}?view_type={view_type}" if view_type else url


# (file, login, what to do once logged in, one line for the README)
SHOTS = [
    ("referent_today.png", "referent", [("wait", ".o_tablet_today_card")],
     "the référent's home: today's work of the collège"),
    ("loan_contract.png", "referent",
     [("goto", action_url("tablet_loan_action")), ("click", ".o_data_row td[name='borrower_id']:has-text('Hugo Pascal')"),
      ("wait", ".o_form_view .o_field_widget[name='signed_by_id']")],
     "a loan contract whose return is overdue (R14)"),
    ("tablets_kanban.png", "referent",
     [("goto", action_url("maintenance_equipment_action_tablet", "kanban")), ("wait", ".o_kanban_group .o_kanban_record")],
     "the collège's tablets by status"),
    ("incident_form.png", "referent",
     [("goto", action_url("tablet_incident_action")), ("click", ".o_data_row td[name='borrower_id']:has-text('Zoé Wolff')"),
      ("wait", ".o_form_view .o_field_widget[name='circumstances']")],
     "a breakage declared late (R18)"),
    ("head_today.png", "head", [("wait", ".o_tablet_today_section[data-section='head']")],
     "the head's home: the référent's counters and the decisions waiting (R23)"),
    ("warranty_claim.png", "supplier",
     [("goto", action_url("tablet_warranty_claim_action")), ("click", ".o_data_row td.o_data_cell >> nth=0"),
      ("wait", ".o_form_view .o_field_widget[name='fault_type']")],
     "a warranty claim as the supplier's desk sees it, without the pupil (R20, R29)"),
    ("charges_list.png", "accountant",
     [("wait", ".o_tablet_today_card"), ("goto", action_url("tablet_charge_action")), ("wait", ".o_data_row")],
     "the accountant's charges to invoice (R24b)"),
    ("department_today.png", "dept_manager", [("wait", ".o_tablet_today_section[data-section='department']")],
     "the Département's home: fleet, claims and geolocations to follow"),
    ("fleet_pivot.png", "dept_manager",
     [("goto", action_url("maintenance_equipment_action_tablet", "pivot")), ("wait", ".o_pivot table")],
     "the Département's fleet by collège and status"),
    ("incidents_graph.png", "dept_manager",
     [("goto", action_url("tablet_incident_action", "graph")), ("wait", ".o_graph_renderer canvas")],
     "open incidents by type and status"),
    ("pupil_form.png", "referent",
     [("goto", action_url("res_partner_action_pupil")), ("click", ".o_group_header >> nth=0"),
      ("click", ".o_data_row td[name='name'] >> nth=0"),
      ("wait", ".o_form_view .o_field_widget[name='legal_representative_ids']")],
     "a pupil's form: class, legal representatives, loans (issue 19)"),
    ("tablet_form.png", "dept_manager",
     [("goto", action_url("maintenance_equipment_action_tablet")), ("click", ".o_data_row td[name='serial_no'] >> nth=0"),
      ("wait", ".o_form_view .o_field_widget[name='tablet_state']")],
     "a tablet's form: status, holder, warranty and value (issue 19)"),
    ("programme_overview.png", "dept_manager",
     [("goto", action_url("tablet_college_overview_action")), ("wait", ".o_graph_renderer canvas")],
     "the Département's headline figures: tablets missing per collège (issue 19)"),
    ("academy_today.png", "academy", [("wait", ".o_tablet_today_section[data-section='academy']")],
     "the Académie's home: lists to validate, conventions to sign, annual reports"),
    ("accountant_today.png", "accountant", [("wait", ".o_tablet_today_section[data-section='accountant']")],
     "the accountant's home: charges to confirm, to invoice, unpaid"),
    ("supplier_today.png", "supplier", [("wait", ".o_tablet_today_section[data-section='supplier']")],
     "the supplier's warranty desk: claims to answer and tablets to return"),
    ("convention_model.png", "dept_manager",
     [("goto", action_url("tablet_convention_model_action")), ("click", ".o_data_row td[name='name']:has-text('Isère')"),
      ("wait", ".o_form_view .o_field_widget[name='funding_statement']")],
     "the Isère convention model: the switches a collège's convention applies (issue 18)"),
    ("incidents_pivot.png", "dept_manager",
     [("goto", action_url("tablet_incident_action", "pivot")), ("wait", ".o_pivot table")],
     "incidents by collège, school year and type"),
]


def build_database(db):
    odoo_env.drop_db(db)
    odoo_env.say(f"creating database {db} with the module and its demo data (a few minutes)")
    cmd = odoo_env.odoo_cmd(db, "-i", odoo_env.MODULE, "--load-language", "fr_FR", "--stop-after-init",
                            "--max-cron-threads", "0")
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT).returncode
    if rc:
        odoo_env.fail(f"installing {odoo_env.MODULE} in {db} failed (rc={rc}); run 'make run DB={db}' to see why.")


def start_server(db, port, log_path):
    cmd = odoo_env.odoo_cmd(db, "--http-interface", "127.0.0.1", "--http-port", str(port),
                            "--max-cron-threads", "0", "--workers", "0")
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(180):
        if proc.poll() is not None:
            odoo_env.fail(f"Odoo stopped (rc={proc.returncode}); see {log_path}")
        try:
            with urllib.request.urlopen(f"{base}/web/login", timeout=5) as response:
                if response.status == 200:
                    return proc, base
        except OSError:
            pass
        time.sleep(1)
    proc.terminate()
    odoo_env.fail(f"Odoo did not answer on {base} within 3 minutes; see {log_path}")


def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    odoo_env.fail("no Chromium found: 'make install' installs Debian's chromium package.")


def take(browser, base, shot):
    name, login, steps, _caption = shot
    context = browser.new_context(viewport=VIEWPORT, locale="fr-FR", timezone_id="Europe/Paris")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{base}/web/login")
    page.fill("input[name='login']", login)
    page.fill("input[name='password']", login)
    page.click("button[type='submit']")
    try:
        page.wait_for_selector(".o_web_client .o_action_manager .o_content")
        for verb, arg in steps:
            if verb == "goto":
                page.goto(base + arg)
            elif verb == "click":
                page.click(arg)
            elif verb == "wait":
                page.wait_for_selector(arg)
    except Exception:
        page.screenshot(path=str(odoo_env.BUILD / f"failed-{name}"))
        odoo_env.say(f"could not take docs/{name}: the screen reached is in build/failed-{name}")
        raise
    # Odoo's bus keeps a connection open: no "network idle"; let graphs finish their animation.
    page.wait_for_timeout(1500)
    page.screenshot(path=str(DOCS / name))
    context.close()
    odoo_env.say(f"docs/{name} ({login})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="tablet_loan_shots")
    parser.add_argument("--port", type=int, default=8071)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use the database as it is if it has the module")
    parser.add_argument("--only", help="comma-separated file names to retake")
    args = parser.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        odoo_env.fail("Playwright is missing: pip install playwright (the system Chromium is used, "
                      "nothing else is downloaded).")
    odoo_env.ensure_postgres()
    if not (args.reuse and odoo_env.db_has_module(args.db)):
        build_database(args.db)
    DOCS.mkdir(exist_ok=True)
    odoo_env.BUILD.mkdir(exist_ok=True)
    proc, base = start_server(args.db, args.port, odoo_env.BUILD / "screenshots-server.log")
    shots = [s for s in SHOTS if not args.only or s[0] in args.only.split(",")]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
            for shot in shots:
                take(browser, base, shot)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        if not args.keep:
            odoo_env.drop_db(args.db)
    odoo_env.say(f"{len(shots)} screenshots in {DOCS}")


if __name__ == "__main__":
    main()
