"""Time the XLSX exports on a big fleet (not part of the test suite).

In a kept database with the demo data (it COMMITS N extra tablets there, once):

    python3 tools/odoo_env.py test --tags /tablet_loan:TestXlsxExports --keep --db tl_bench
    python3 -m odoo shell -d tl_bench --addons-path ~/.cache/tablet_loan/addons-<hash> \
        --db_host 127.0.0.1 --no-http < tools/bench_xlsx_exports.py
    dropdb tl_bench

Creates N tablets in the demo Département, then renders the fleet inventory and the
summary as dept_manager: time, queries, tracemalloc peak (tracing slows Python down:
the untraced time is lower), max RSS."""
import io
import resource
import time
import tracemalloc
from datetime import date

import openpyxl
from stdnum import luhn

N = 20000
company = env.ref("tablet_loan.demo_department")
colleges = env["res.partner"].search([("is_college", "=", True), ("company_id", "=", company.id)])
Tablet = env["maintenance.equipment"].with_context(tracking_disable=True, mail_create_nolog=True, mail_notrack=True)
existing = Tablet.search_count([("serial_no", "=like", "BENCH-%")])
if existing < N:
    t0 = time.time()
    category = env.ref("tablet_loan.equipment_category_tablet")
    states = ["stock", "assigned", "custody", "repair", "lost", "stolen"]
    for start in range(existing, N, 2000):
        vals = []
        for i in range(start, min(N, start + 2000)):
            base = f"86{i:012d}"
            vals.append({"name": "Tablette B-10", "model": "B-10", "is_tablet": True, "serial_no": f"BENCH-{i:06d}",
                         "imei": base + luhn.calc_check_digit(base), "college_id": colleges[i % len(colleges)].id,
                         "company_id": company.id, "cost": 280.0 + (i % 7) * 10, "category_id": category.id,
                         "purchase_date": date(2024 + i % 3, 6, 1), "warranty_date": date(2027 + i % 3, 6, 1),
                         "tablet_state": states[i % len(states)]})
        Tablet.create(vals)
        env.cr.commit()
    print(f"created {N - existing} tablets in {time.time() - t0:.1f}s")
user = env["res.users"].search([("login", "=", "dept_manager")])
total = env["maintenance.equipment"].search_count([("is_tablet", "=", True), ("company_id", "=", company.id)])
print(f"company {company.name}: {total} tablets in the fleet; user {user.login}")
Report = env["ir.actions.report"].with_user(user).with_context(lang="fr_FR")
for name, docids in [("tablet_loan.report_fleet_inventory_xlsx", None), ("tablet_loan.report_department_summary_xlsx", None)]:
    env.invalidate_all()
    env.registry.clear_cache()
    q0 = env.cr.sql_log_count
    tracemalloc.start()
    t0 = time.time()
    content, _fmt = Report._render_xlsx(name, docids or [], {"company_id": company.id})
    elapsed = time.time() - t0
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    queries = env.cr.sql_log_count - q0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    print(f"{name}: {elapsed:.2f}s, {queries} queries, tracemalloc peak {peak / 2**20:.1f} MiB, "
          f"max RSS so far {rss:.0f} MiB, file {len(content) / 2**20:.2f} MiB, sheets {wb.sheetnames}, "
          f"rows in first sheet {wb[wb.sheetnames[0]].max_row}")
# the docids path: all tablet ids of the company
ids = env["maintenance.equipment"].search([("is_tablet", "=", True), ("company_id", "=", company.id)]).ids
env.invalidate_all()
tracemalloc.start(); t0 = time.time()
content, _fmt = Report._render_xlsx("tablet_loan.report_fleet_inventory_xlsx", ids, {})
elapsed = time.time() - t0; _c, peak = tracemalloc.get_traced_memory(); tracemalloc.stop()
print(f"fleet inventory with docids ({len(ids)} ids): {elapsed:.2f}s, tracemalloc peak {peak / 2**20:.1f} MiB")
