#!/usr/bin/env python3
"""`make bench`: the programme at the size of the largest Département, measured.

1. A fresh database with tablet_loan (no demo data), then a Département at scale
   (tools/bench_data.py): 173 collèges, 60,000 pupils and their legal
   representatives, 65,000 tablets, five school years of loans, incidents, claims
   and charges.
2. Each operation runs through the module's real code path, as a user of the right
   group (record rules on), in its own forked worker process: wall time, rows,
   SQL queries (every cursor of the worker) and the worker's peak resident memory
   (`ru_maxrss`, which includes Odoo's registry loaded before the fork).
3. Before each operation, its SQL floor: the same rows written (or read) with one
   statement per table, in a transaction rolled back; the ratio is printed.
4. Bulk operations run again at two sizes, rolled back, to show that their number
   of queries does not depend on the number of records.

The table is printed in Markdown and written to build/bench.md.
"""
import argparse
import base64
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import traceback
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_env  # noqa: E402

BUILD = odoo_env.BUILD
OPEN_STATES = ("draft", "active", "custody")


def say(msg):
    print(f"[bench] {msg}", flush=True)


# ----------------------------------------------------------------- database
def create_database(db):
    odoo_env.drop_db(db)
    say(f"installing tablet_loan without demo data in a fresh database {db}")
    cmd = odoo_env.odoo_cmd(db, "-i", odoo_env.MODULE, "--without-demo=all", "--stop-after-init",
                            "--load-language", "fr_FR", "--max-cron-threads", "0", "--workers", "0",
                            "--log-level", "warn", "--http-port", str(odoo_env.free_port()))
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode:
        print(res.stdout[-3000:], res.stderr[-3000:])
        odoo_env.fail(f"installing {odoo_env.MODULE} in {db} failed")


def load_odoo(db):
    import odoo
    from odoo.tools import config
    args = ["--addons-path", str(odoo_env.link_addon().parent), "-d", db,
            "--db_host", odoo_env.PG_HOST, "--db_port", odoo_env.PG_PORT, "--log-level", "warn"]
    if odoo_env.PG_USER:
        args += ["--db_user", odoo_env.PG_USER]
    config.parse_config(args)
    odoo.modules.module.initialize_sys_path()
    from odoo.modules.registry import Registry
    return Registry(db)


def warm_up(registry):
    """What a running server has loaded once per process, loaded before the workers fork: the
    French translations of the code's messages (reading fr.po takes about 0.3 s)."""
    from odoo.tools.translate import code_translations
    with registry.cursor() as cr:
        cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed'")
        for (module,) in cr.fetchall():
            code_translations.get_python_translations(module, "fr_FR")


def in_worker(fn, *args):
    """Run fn(*args) in a forked process and return its (json) result: each operation
    gets its own peak memory, and a crash does not take the bench down."""
    import odoo.sql_db
    odoo.sql_db.close_all()  # the child opens its own connections
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            result = {"ok": True, "value": fn(*args)}
        except Exception as exc:  # noqa: BLE001 - reported in the table
            result = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
        with os.fdopen(write, "w") as pipe:
            json.dump(result, pipe, default=str)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    result = json.loads(data) if data else {"ok": False, "error": "worker died"}
    if not result["ok"]:
        print(result.get("trace", ""), file=sys.stderr)
        raise RuntimeError(result["error"])
    return result["value"]


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------ measurement
class Measure:
    """Time, queries (all cursors of this process) and peak memory of a block."""

    def __enter__(self):
        import odoo.sql_db
        self.sql_db = odoo.sql_db
        self.queries0 = odoo.sql_db.sql_counter
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self.queries = self.sql_db.sql_counter - self.queries0
        self.peak = peak_mb()


def env_for(registry, cr, uid, **context):
    from odoo import api
    return api.Environment(cr, uid, {"lang": "fr_FR", "tz": "Europe/Paris", **context})


def floor_sql(registry, statements):
    """Seconds for the statements run in one transaction, rolled back."""
    with registry.cursor() as cr:
        start = time.perf_counter()
        for query, params in statements:
            cr.execute(query, params)
        seconds = time.perf_counter() - start
        cr.rollback()
    return seconds


def asset_floor_statements(tablets, params):
    """The asset register's rows for the tablets that `tablets` (a condition on
    `maintenance_equipment e`, with `params`) selects, one statement per table: an asset each,
    its depreciation board (six lines), the tablet's link to it."""
    return [(
        f"""INSERT INTO account_asset (name, code, equipment_id, profile_id, purchase_value, depreciation_base,
                  value_residual, value_depreciated, salvage_value, date_start, state, active, company_id,
                  currency_id, method, method_number, method_period, method_time, prorata)
           SELECT e.serial_no, e.serial_no, e.id, c.tablet_asset_profile_id, e.cost, e.cost, e.cost, 0, 0,
                  e.purchase_date, 'open', true, e.company_id, c.currency_id, 'linear', 4, 'year', 'year', true
             FROM maintenance_equipment e JOIN res_company c ON c.id = e.company_id WHERE {tablets}""",
        params), (
        f"""INSERT INTO account_asset_line (asset_id, name, amount, line_date, type, init_entry,
                  remaining_value, depreciated_value, company_id, currency_id)
           SELECT a.id, 'floor', a.purchase_value / 4, a.date_start + g * 365, 'depreciate', false, 0, 0,
                  a.company_id, a.currency_id
             FROM account_asset a JOIN maintenance_equipment e ON e.id = a.equipment_id, generate_series(0, 5) g
            WHERE {tablets}""", params),
        (f"UPDATE maintenance_equipment e SET asset_id = a.id FROM account_asset a "
         f"WHERE a.equipment_id = e.id AND {tablets}", params)]


def run_cron(env, xmlid):
    """What a cron worker does (ir.cron._run_job): call the job until it reports nothing
    remaining, committing after each batch. Returns the number of batches."""
    cron = env.ref(xmlid).sudo()
    batches = 0
    while True:
        job, progress = cron._add_progress()
        env.cr.commit()
        job.with_user(cron.user_id)._callback(cron.cron_name, cron.ir_actions_server_id.id)
        env.cr.commit()
        batches += 1
        progress.invalidate_recordset()
        if not progress.remaining or not progress.done or batches > 10_000:
            return batches


def drain_campaigns(env):
    """Campaigns queued by the wizards (those larger than a batch) are run by their cron,
    batch by batch, each committed; smaller ones ran at once, in the caller's transaction."""
    if "tablet.campaign" not in env or not env["tablet.campaign"].sudo().search_count(
            [("state", "in", ("queued", "running"))]):
        return 0
    env.cr.commit()
    return run_cron(env, "tablet_loan.ir_cron_tablet_campaign")


# ------------------------------------------------------------- operations
class Bench:
    def __init__(self, registry, info):
        self.registry = registry
        self.info = info
        self.rows = []
        self.checks = []
        self.scale = 1.0

    # helpers ---------------------------------------------------------
    def env(self, cr, uid, **ctx):
        return env_for(self.registry, cr, uid, **ctx)

    def record(self, name, rows, m, floor=None, extra=""):
        line = {"operation": name, "rows": rows, "seconds": m["seconds"], "queries": m["queries"],
                "peak": m["peak"], "floor": floor, "extra": extra}
        self.rows.append(line)
        ratio = f"{m['seconds'] / floor:.1f}x" if floor else "–"
        say(f"{name}: {rows:,} rows in {m['seconds']:.2f}s, {m['queries']} queries, peak {m['peak']:.0f} MB, "
            f"floor {floor or 0:.3f}s ({ratio}) {extra}")
        return line

    def check(self, label, ok, value):
        self.checks.append((label, bool(ok), value))
        say(f"{'PASS' if ok else 'FAIL'} {label}: {value}")

    def measured(self, fn, *args):
        """fn(*args) in a worker: returns {'seconds', 'queries', 'peak', 'value'}."""
        def work():
            with Measure() as m:
                value = fn(*args)
            return {"seconds": m.seconds, "queries": m.queries, "peak": m.peak, "value": value}
        return in_worker(work)

    def sizes(self, label, fn, small, big):
        """Queries of fn(size) at two sizes, each rolled back, after a warm-up at both."""
        def work():
            counts = []
            for size in (small, big, small, big):  # the first two fill Odoo's caches
                with self.registry.cursor() as cr:
                    import odoo.sql_db
                    before = odoo.sql_db.sql_counter
                    fn(cr, size)
                    counts.append(odoo.sql_db.sql_counter - before)
                    cr.rollback()
            return counts[2:]
        q_small, q_big = in_worker(work)
        self.check(f"{label}: queries do not grow with size", q_small == q_big,
                   f"{small} → {q_small} queries, {big} → {q_big} queries")
        return q_small, q_big

    # rentrée deployment ---------------------------------------------------
    def deploy_colleges(self, cr, colleges, source="list", school_class=None):
        from odoo import fields
        loans = 0
        for college_id, referent in colleges:
            env = self.env(cr, referent)
            wizard = env["tablet.deployment.wizard"].create({
                "college_id": college_id, "school_year": self.info["school_year"], "source": source,
                "school_class": school_class, "date_start": fields.Date.context_today(env["res.users"]),
                "hand_over_now": True,
            })
            action = wizard.action_deploy()
            loans += len(action["domain"][0][2])
        env.flush_all()
        return loans

    def op_deploy(self):
        colleges = list(zip(self.info["colleges"][:self.info["deploy_colleges"]], self.info["referents"], strict=False))

        def floor():
            with self.registry.cursor() as cr:
                cr.execute("""
                    SELECT p.id, t.id, p.college_id FROM bench_person p
                    JOIN bench_tablet t ON t.college_idx = p.college_idx AND t.rank = p.rank
                    WHERE p.kind = 'pupil' AND p.college_idx < %s""", [self.info["deploy_colleges"]])
                rows = cr.fetchall()
            pupils, tablets, colleges_ = (list(x) for x in zip(*rows, strict=False))
            return floor_sql(self.registry, [("""
                INSERT INTO tablet_loan (borrower_id, equipment_id, college_id, company_id, school_year, state,
                    date_start, cover_delivered, charger_delivered, cable_delivered, borrower_role, grade_level,
                    school_class, home_use_allowed, create_uid, write_uid, create_date, write_date)
                SELECT b, e, c, %s, %s, 'active', current_date, true, true, true, 'pupil', '6e', '6e A', false,
                       1, 1, now(), now()
                FROM unnest(%s::int[], %s::int[], %s::int[]) AS x(b, e, c)""",
                [self.info["company"], self.info["school_year"], pupils, tablets, colleges_]),
                ("UPDATE maintenance_equipment SET tablet_state = 'assigned', write_date = now() WHERE id = ANY(%s)",
                 [tablets])])

        floor_s = in_worker(floor)

        def size(cr, pattern):
            # one class of a collège (about 25 pupils), then every class of it (=ilike "%": 400 pupils)
            self.deploy_colleges(cr, colleges[:1], "class", pattern)
        q = self.sizes("Rentrée deployment (one class, then the whole collège)", size, "6e A", "%")

        def work():
            with self.registry.cursor() as cr:
                loans = self.deploy_colleges(cr, colleges)
                cr.commit()
            return loans
        m = self.measured(work)
        line = self.record(f"Rentrée deployment ({len(colleges)} collèges, wizard as référent)", m["value"], m,
                           floor_s, f"queries per collège {q[1]}")
        rate = m["value"] / m["seconds"]
        self.check("Rentrée deployment ≥ 2,000 loans/s", rate >= 2000, f"{rate:,.0f} loans/s")
        return line

    # summer custody and back ----------------------------------------------
    def custody(self, cr, direction, college_ids=None):
        env = self.env(cr, self.info["manager"])
        vals = {"direction": direction}
        Wizard = env["tablet.custody.wizard"]
        if college_ids is None and "all_colleges" in Wizard._fields:
            vals["all_colleges"] = True
            wizards = [Wizard.create(vals)]
        else:
            wizards = [Wizard.create({**vals, "college_id": c})
                       for c in (college_ids or self.info["colleges"])]
        for wizard in wizards:
            wizard.action_apply()
        drain_campaigns(env)
        env.flush_all()

    def op_custody(self, direction):
        from_state, to_state = ("active", "custody") if direction == "to_custody" else ("custody", "active")
        tablet_state = "custody" if direction == "to_custody" else "assigned"
        label = "Summer custody campaign" if direction == "to_custody" else "Rentrée back from custody"

        def floor():
            with self.registry.cursor() as cr:
                cr.execute("""SELECT array_agg(id), array_agg(equipment_id) FROM tablet_loan
                              WHERE state = %s AND borrower_role = 'pupil' AND company_id = %s""",
                           [from_state, self.info["company"]])
                loans, tablets = cr.fetchone()
            seconds = floor_sql(self.registry, [
                ("UPDATE tablet_loan SET state = %s, write_date = now() WHERE id = ANY(%s)", [to_state, loans]),
                ("UPDATE maintenance_equipment SET tablet_state = %s, write_date = now() WHERE id = ANY(%s)",
                 [tablet_state, tablets])])
            return seconds, len(loans)
        floor_s, count = in_worker(floor)

        def size(cr, n):
            # the campaign of one collège, then of ten (each within one batch, run at once)
            env = self.env(cr, self.info["manager"])
            colleges = env["res.partner"].browse(self.info["colleges"][-n:])
            kind = "custody" if direction == "to_custody" else "back"
            total = env["tablet.loan"].search_count([("college_id", "in", colleges.ids), ("state", "=", from_state),
                                                     ("borrower_role", "=", "pupil")])
            env["tablet.campaign"]._launch(kind, colleges, total_count=total)
            env.flush_all()
        q = self.sizes(label, size, 1, 10)

        def work():
            with self.registry.cursor() as cr:
                self.custody(cr, direction)
                cr.commit()
                cr.execute("SELECT count(*) FROM tablet_loan WHERE state = %s AND borrower_role = 'pupil' "
                           "AND company_id = %s", [to_state, self.info["company"]])
                return cr.fetchone()[0]
        m = self.measured(work)
        line = self.record(f"{label} (whole Département, as manager)", count, m, floor_s,
                           f"queries for 1 / 10 collèges {q[0]} / {q[1]}")
        rate = count / m["seconds"]
        self.check(f"{label} ≥ 20,000 loans/s", rate >= 20000, f"{rate:,.0f} loans/s")
        if m["value"] < count:
            self.check(f"{label}: every loan moved", False, f"{m['value']:,} of {count:,}")
        return line

    # end-of-3e gift --------------------------------------------------------
    def gift(self, cr, quota, heads):
        from odoo import fields
        given = 0
        for college_id, head in heads:
            if given >= quota:
                break
            env = self.env(cr, head)
            wizard = env["tablet.gift.wizard"].create({"college_id": college_id,
                                                       "gift_date": fields.Date.context_today(env.user)})
            selected = wizard.line_ids.filtered("selected")
            extra = selected[max(0, quota - given):]
            extra.write({"selected": False})
            if len(selected) > len(extra):
                wizard.action_confirm()
                given += len(selected) - len(extra)
        drain_campaigns(self.env(cr, self.info["manager"]))
        return given

    def op_gift(self, quota=10_000):
        heads = list(zip(self.info["colleges"][self.info["deploy_colleges"]:], self.info["heads"], strict=False))

        def floor():
            """The two UPDATEs of the gift, and the rows the heads' gifts must also write, one statement
            per table: each collège's wizard and its lines (the head's list), its campaign with its
            collège and its loans (the record of what was given), its three chatter lines (two on the
            campaign, the collège's note). Returns (that floor, the two UPDATEs' alone)."""
            with self.registry.cursor() as cr:
                cr.execute("""SELECT array_agg(id), array_agg(equipment_id), array_agg(DISTINCT college_id) FROM (
                                SELECT id, equipment_id, college_id FROM tablet_loan WHERE state = 'active'
                                AND grade_level = '3e' AND borrower_role = 'pupil' AND company_id = %s
                                ORDER BY college_id LIMIT %s) x""",
                           [self.info["company"], quota])
                loans, tablets, colleges = cr.fetchone()
            updates = [
                ("UPDATE tablet_loan SET state = 'donated', donated_date = current_date, date_end = current_date, "
                 "write_date = now() WHERE id = ANY(%s)", [loans]),
                ("UPDATE maintenance_equipment SET tablet_state = 'donated', out_of_fleet_date = current_date, "
                 "active = false, write_date = now() WHERE id = ANY(%s)", [tablets])]
            stamp = "1, 1, now() at time zone 'UTC', now() at time zone 'UTC'"
            inserts = [
                (f"""INSERT INTO tablet_gift_wizard (college_id, gift_date, create_uid, write_uid, create_date,
                        write_date) SELECT c, current_date, {stamp} FROM unnest(%s::int[]) c""", [colleges]),
                (f"""INSERT INTO tablet_gift_wizard_line (wizard_id, loan_id, eligible, selected, create_uid,
                        write_uid, create_date, write_date)
                     SELECT w.id, l.id, true, true, {stamp} FROM tablet_loan l
                       JOIN tablet_gift_wizard w ON w.college_id = l.college_id WHERE l.id = ANY(%s)""", [loans]),
                (f"""INSERT INTO tablet_campaign (name, kind, state, company_id, user_id, total_count, done_count,
                        gift_date, last_id, create_uid, write_uid, create_date, write_date)
                     SELECT 'Don ' || c, 'gift', 'done', %s, 1, 0, 0, current_date, c, {stamp}
                       FROM unnest(%s::int[]) c""", [self.info["company"], colleges]),
                ("""INSERT INTO tablet_campaign_college_rel (campaign_id, college_id)
                     SELECT id, last_id FROM tablet_campaign WHERE last_id = ANY(%s) AND kind = 'gift'""",
                 [colleges]),
                ("""INSERT INTO tablet_campaign_loan_rel (campaign_id, loan_id)
                     SELECT c.id, l.id FROM tablet_loan l JOIN tablet_campaign c ON c.last_id = l.college_id
                      WHERE l.id = ANY(%s) AND c.kind = 'gift'""", [loans]),
                ("""INSERT INTO mail_message (model, res_id, body, message_type, date, create_date, write_date,
                        create_uid, write_uid)
                     SELECT CASE WHEN n = 3 THEN 'res.partner' ELSE 'tablet.campaign' END,
                            CASE WHEN n = 3 THEN c.last_id ELSE c.id END, '<p>Fin de 3e : tablettes données.</p>',
                            'notification', now(), now(), now(), 1, 1
                       FROM tablet_campaign c, generate_series(1, 3) n WHERE c.last_id = ANY(%s) AND c.kind = 'gift'""",
                 [colleges])]
            return floor_sql(self.registry, updates + inserts), floor_sql(self.registry, updates)
        floor_s, updates_s = in_worker(floor)
        q = self.sizes("End-of-3e gift (one collège)", lambda cr, n: self.gift(cr, n, heads[:1]), 10, 60)

        def work():
            with self.registry.cursor() as cr:
                given = self.gift(cr, quota, heads)
                cr.commit()
                return given
        m = self.measured(work)
        line = self.record("End-of-3e gift (wizard per collège, as head)", m["value"], m, floor_s,
                           f"queries for 10 / 60 pupils {q[0]} / {q[1]}; floor of the two UPDATEs alone "
                           f"{updates_s:.3f}s ({m['seconds'] / updates_s:.1f}×)")
        self.check("End-of-3e gift for 10,000 pupils < 30 s", m["seconds"] < 30 and m["value"] >= quota,
                   f"{m['value']:,} pupils in {m['seconds']:.1f}s")

        def register_follows():
            """The scheduled action that each gift triggers: the given tablets' assets removed and the
            day's disposal entry booked (committed), as the scheduler's user."""
            from odoo import SUPERUSER_ID
            with self.registry.cursor() as cr:
                cr.execute("""SELECT count(*) FROM maintenance_equipment e JOIN account_asset a ON a.id = e.asset_id
                              WHERE e.tablet_state = 'donated' AND a.state IN ('draft', 'open', 'close')""")
                pending = cr.fetchone()[0]
                env = self.env(cr, SUPERUSER_ID)
                env["tablet.asset.register"]._cron_book_disposals()
                env.flush_all()
                cr.commit()
                return pending
        m = self.measured(register_follows)
        if m["value"]:
            self.record("Asset register: the scheduled action after the gifts (assets removed, entry booked)",
                        m["value"], m)
            self.check("Asset register: the gifts' assets removed and booked < 10 s", m["seconds"] < 10,
                       f"{m['value']:,} assets in {m['seconds']:.1f}s")
        return line

    # asset register (issue 15) ----------------------------------------------
    def register_tablets(self, cr, count):
        """Tablets of the fleet without an asset, the 3e pupils' first (those the gift gives)."""
        cr.execute("""
            SELECT e.id FROM maintenance_equipment e
              LEFT JOIN tablet_loan l ON l.equipment_id = e.id AND l.state = 'active' AND l.grade_level = '3e'
                                     AND l.borrower_role = 'pupil'
             WHERE e.is_tablet AND e.active AND e.asset_id IS NULL AND e.company_id = %s
             ORDER BY l.college_id NULLS LAST, e.id LIMIT %s""", [self.info["company"], count])
        return [row[0] for row in cr.fetchall()]

    def create_assets(self, cr, count):
        env = self.env(cr, self.info["officer"])
        tablets = env["maintenance.equipment"].browse(self.register_tablets(cr, count))
        assets = env["tablet.asset.register"]._create_assets(tablets, validate=True)
        env.flush_all()
        return len(assets)

    def dispose_gifts(self, cr, count):
        """The disposal step of the gifts: the registered tablets of 3e pupils' loans."""
        from odoo import fields
        env = self.env(cr, self.info["manager"])
        cr.execute("""SELECT e.id FROM tablet_loan l JOIN maintenance_equipment e ON e.id = l.equipment_id
                      JOIN account_asset a ON a.id = e.asset_id AND a.state = 'open'
                      WHERE l.state = 'active' AND l.grade_level = '3e' AND l.borrower_role = 'pupil'
                      ORDER BY l.college_id, l.id LIMIT %s""", [count])
        tablets = env["maintenance.equipment"].browse([row[0] for row in cr.fetchall()])
        moves = env["tablet.asset.register"]._dispose(tablets, fields.Date.context_today(env.user), "Don (banc)")
        env.flush_all()
        return len(tablets), len(moves)

    def op_assets(self, count=20_000, gifts=10_000):
        """One asset per tablet for a delivery of 20,000 (committed: the gift and the exports then
        run with the register on), then the disposal of 10,000 gifts, measured and rolled back (the
        gift operation disposes of them for real)."""
        def floor_create():
            with self.registry.cursor() as cr:
                ids = self.register_tablets(cr, count)
            return floor_sql(self.registry, asset_floor_statements("e.id = ANY(%s)", [ids]))
        floor_s = in_worker(floor_create)
        q = self.sizes("Asset register: assets of a delivery", self.create_assets, 2_000, count // 2)

        def work():
            with self.registry.cursor() as cr:
                created = self.create_assets(cr, count)
                cr.commit()
            return created
        m = self.measured(work)
        self.record(f"Asset register: assets for a {count:,}-tablet delivery (OCA board, as officer)", m["value"], m,
                    floor_s, f"queries for {2_000:,} / {count // 2:,} tablets {q[0]} / {q[1]}")
        self.check(f"Asset register: {count:,} assets < 30 s", m["seconds"] < 30 and m["value"] == count,
                   f"{m['value']:,} assets in {m['seconds']:.1f}s")

        def floor_dispose():
            with self.registry.cursor() as cr:
                cr.execute("""SELECT array_agg(a.id) FROM (SELECT a.id FROM tablet_loan l
                              JOIN maintenance_equipment e ON e.id = l.equipment_id
                              JOIN account_asset a ON a.id = e.asset_id AND a.state = 'open'
                              WHERE l.state = 'active' AND l.grade_level = '3e' AND l.borrower_role = 'pupil'
                              ORDER BY l.college_id, l.id LIMIT %s) a""", [gifts])
                ids = cr.fetchone()[0] or []
            return floor_sql(self.registry, [
                ("DELETE FROM account_asset_line WHERE asset_id = ANY(%s) AND type = 'depreciate' AND move_id IS NULL",
                 [ids]),
                ("""INSERT INTO account_asset_line (asset_id, name, amount, line_date, type, init_entry,
                          remaining_value, depreciated_value, company_id, currency_id)
                    SELECT id, 'floor', value_residual, current_date, 'remove', false, 0, depreciation_base,
                           company_id, currency_id FROM account_asset WHERE id = ANY(%s)""", [ids]),
                ("UPDATE account_asset SET state = 'removed', date_remove = current_date, value_residual = 0 "
                 "WHERE id = ANY(%s)", [ids])])
        floor_s = in_worker(floor_dispose)
        q = self.sizes("Asset register: disposal of gifts", self.dispose_gifts, 500, gifts // 2)

        def work_dispose():
            with self.registry.cursor() as cr:
                with Measure() as m:
                    disposed, moves = self.dispose_gifts(cr, gifts)
                cr.rollback()
            return {"seconds": m.seconds, "queries": m.queries, "peak": m.peak, "value": [disposed, moves]}
        m = in_worker(work_dispose)
        disposed, moves = m["value"]
        self.record(f"Asset register: disposal of {gifts:,} gifts (one entry, as manager; rolled back)", disposed, m,
                    floor_s, f"{moves} journal entry; queries for 500 / {gifts // 2:,} tablets {q[0]} / {q[1]}")
        self.check(f"Asset register: disposal of {gifts:,} gifts < 10 s", m["seconds"] < 10 and disposed == gifts,
                   f"{disposed:,} assets in {m['seconds']:.1f}s")

    # delivery intake -------------------------------------------------------
    def intake_file(self, count, start):
        from stdnum import luhn
        lines = ["Numéro de série;IMEI;Modèle"]
        for i in range(start, start + count):
            base = f"87{i:012d}"
            lines.append(f"LIV-{i:07d};{base + luhn.calc_check_digit(base)};TB-12")
        return base64.b64encode("\n".join(lines).encode())

    def intake(self, cr, count, start):
        env = self.env(cr, self.info["officer"])
        wizard = env["tablet.delivery.intake"].create({
            "file": self.intake_file(count, start), "filename": "livraison.csv",
            "company_id": self.info["company"], "college_id": self.info["colleges"][0],
            "partner_id": self.info["supplier"], "unit_cost": 289.0, "warranty_months": 24,
        })
        wizard.action_import()
        drain_campaigns(env)
        env.flush_all()

    def op_intake(self, count=20_000):
        def floor():
            """The tablets, and their assets: with the asset register on (a Département with a tablet
            asset profile, as the bench's, after `op_assets`), a delivery must enter each tablet in the
            register as it arrives (an asset, its depreciation board, the tablet's link to it), in the
            same transaction. The floor writes both, one statement per table."""
            with self.registry.cursor() as cr:
                cr.execute("SELECT id FROM maintenance_equipment WHERE is_tablet ORDER BY id LIMIT 1")
                template = cr.fetchone()[0]
                cr.execute("SELECT max(id) FROM maintenance_equipment")
                last = cr.fetchone()[0]
                cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = "
                           "'maintenance_equipment' AND column_name NOT IN ('id', 'serial_no', 'imei', 'asset_id')")
                cols = [c for (c,) in cr.fetchall()]
                cr.execute("SELECT tablet_asset_profile_id IS NOT NULL FROM res_company WHERE id = %s",
                           [self.info["company"]])
                register = cr.fetchone()[0]
            select = ", ".join(f't."{c}"' for c in cols)
            return floor_sql(self.registry, [(f"""
                INSERT INTO maintenance_equipment (serial_no, imei, {", ".join(f'"{c}"' for c in cols)})
                SELECT 'FLOOR-' || g, '88' || lpad(g::text, 13, '0'), {select}
                FROM generate_series(1, %s) g, maintenance_equipment t WHERE t.id = %s""", [count, template])]
                + (asset_floor_statements("e.id > %s", [last]) if register else []))
        floor_s = in_worker(floor)
        q = self.sizes("Delivery intake", lambda cr, n: self.intake(cr, n, 9_000_000), 2_000, count // 2)

        def work():
            with self.registry.cursor() as cr:
                self.intake(cr, count, 0)
                cr.commit()
            return count
        m = self.measured(work)
        line = self.record("Delivery intake (CSV file, as officer)", count, m, floor_s,
                           f"queries for {2_000:,} / {count // 2:,} rows {q[0]} / {q[1]}")
        self.check(f"Delivery intake of {count:,} rows < 30 s", m["seconds"] < 30, f"{m['seconds']:.1f}s")
        return line

    # SIECLE and STS-web import (issue 16) --------------------------------------
    def siecle_archive(self, per_college, colleges=None):
        """The Département's archive: each collège's SIECLE exports (tools/gen_siecle.py, ISO-8859-15)."""
        import gen_siecle
        with self.registry.cursor() as cr:
            ids = colleges or self.info["colleges"]
            cr.execute("SELECT id, uai_code FROM res_partner WHERE id = ANY(%s) ORDER BY id", [ids])
            uais = cr.fetchall()
        named = {}
        for _id, uai in uais:
            for name, content in gen_siecle.files(uai, 2026, per_college).items():
                if not name.startswith("sts_emp"):
                    named[f"{uai}/{name}"] = content
        return base64.b64encode(gen_siecle.zipped_many(named)), len(uais)

    def siecle(self, cr, per_college, colleges=None):
        """As the Département's manager: the archive's campaign, one collège per committed batch."""
        env = self.env(cr, self.info["manager"])
        archive, count = self.siecle_archive(per_college, colleges)
        wizard = env["tablet.siecle.import"].create({"school_year": "2026-2027", "archive": archive,
                                                      "archive_name": "siecle.zip"})
        action = wizard.action_launch_campaign()
        drain_campaigns(env)
        campaign = env["tablet.campaign"].browse(action["res_id"])
        campaign.invalidate_recordset()
        return campaign.state, campaign.done_count, campaign.skipped_count, count

    def op_siecle(self):
        """60,000 pupils and 90,000 legal representatives of 173 collèges (at --scale), first import."""
        per_college = max(round(60_000 * self.scale / len(self.info["colleges"])), 4)
        pupils = per_college * len(self.info["colleges"])
        reps = len(self.info["colleges"]) * sum(2 if i % 2 == 0 else 1 for i in range(per_college))

        def floor():
            # Every column copied from an existing pupil (NOT NULL columns of other modules included),
            # the import's own set per row; then the links, one statement per table.
            own = {"name": "'Élève ' || g", "complete_name": "'Élève ' || g", "siecle_eleve_id": "g::text",
                   "siecle_college_id": "t.college_id", "school_class": "'6A'", "arrival_date": "current_date",
                   "create_date": "now()", "write_date": "now()"}
            with self.registry.cursor() as cr:
                cr.execute("SELECT id FROM res_partner WHERE school_role = 'pupil' ORDER BY id LIMIT 1")
                template = cr.fetchone()[0]
                cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'res_partner' "
                           "AND column_name <> 'id'")
                cols = [c for (c,) in cr.fetchall()]

            def insert(values, count):
                return (f"""INSERT INTO res_partner ({", ".join(f'"{c}"' for c in cols)})
                            SELECT {", ".join(values.get(c, f't."{c}"') for c in cols)}
                              FROM generate_series(1, %s) g, res_partner t WHERE t.id = %s""", [count, template])
            return floor_sql(self.registry, [
                insert(own, pupils),
                insert({**own, "name": "'Parent ' || g", "complete_name": "'Parent ' || g", "siecle_eleve_id": "NULL",
                        "siecle_personne_id": "g::text", "school_role": "'legal_representative'",
                        "college_id": "NULL", "grade_level": "NULL", "school_class": "NULL", "street": "'1 rue'",
                        "zip": "'38000'", "city": "'GRENOBLE'", "email": "'p' || g || '@example.invalid'",
                        "mobile": "'06'"}, reps),
                ("""WITH p AS (SELECT array_agg(id ORDER BY id) a FROM res_partner WHERE siecle_eleve_id IS NOT NULL),
                         r AS (SELECT array_agg(id ORDER BY id) a FROM res_partner WHERE siecle_personne_id IS NOT NULL)
                    INSERT INTO tablet_pupil_representative_rel (pupil_id, representative_id)
                    SELECT p.a[(i + 1) / 2], r.a[i] FROM p, r, generate_series(1, cardinality(r.a)) i
                     WHERE (i + 1) / 2 <= cardinality(p.a)""", []),
            ])
        floor_s = in_worker(floor)

        def work():
            with self.registry.cursor() as cr:
                return self.siecle(cr, per_college)
        m = self.measured(work)
        state, done, skipped, colleges = m["value"]
        line = self.record("SIECLE import of the Département (campaign, one collège per batch, as manager)",
                           pupils + reps, m, floor_s,
                           f"{colleges} collèges, {pupils:,} pupils and {reps:,} legal representatives; "
                           f"campaign {state}, {done} collèges done, {skipped} left out")
        self.check("SIECLE import: every collège imported", state == "done" and done == colleges and not skipped,
                   f"{state}, {done}/{colleges}, {skipped} left out")
        self.check(f"SIECLE import of {pupils:,} pupils and {reps:,} representatives < 15 min",
                   m["seconds"] < 15 * 60, f"{m['seconds']:.0f}s")
        return line

    # XLSX reports -----------------------------------------------------------
    def op_xlsx(self, xmlid, label, limit_s=None, limit_mb=None, register=False):
        """`register`: the export also reads the asset register's boards (the fleet inventory's
        book values), which its floor then reads too, one statement."""
        def work():
            with self.registry.cursor() as cr:
                env = self.env(cr, self.info["officer"])
                report = env.ref(xmlid, raise_if_not_found=False)
                if not report:
                    return None
                with Measure() as m:
                    content, _kind = env["ir.actions.report"]._render_xlsx(xmlid, [], {
                        "company_id": self.info["company"]})
                cr.execute("SELECT count(*) FROM maintenance_equipment WHERE is_tablet AND active "
                           "AND company_id = %s", [self.info["company"]])
                rows = cr.fetchone()[0]
                cr.rollback()
                return {"seconds": m.seconds, "queries": m.queries, "peak": m.peak, "rows": rows,
                        "size": len(content)}
        m = in_worker(work)
        if m is None:
            self.rows.append({"operation": label, "rows": None, "extra": "n/a (report not installed)"})
            say(f"{label}: n/a (report not installed)")
            return None

        def floor():
            with self.registry.cursor() as cr:
                start = time.perf_counter()
                cr.execute("""SELECT e.serial_no, e.imei, e.model, e.tablet_state, c.name, e.cost, e.purchase_date,
                                     e.warranty_date FROM maintenance_equipment e
                              LEFT JOIN res_partner c ON c.id = e.college_id
                              WHERE e.is_tablet AND e.active AND e.company_id = %s
                              ORDER BY c.name, e.tablet_state, e.serial_no""", [self.info["company"]])
                cr.fetchall()
                if register:
                    # The registered tablets' assets and boards, as rows: their book values are
                    # read from them.
                    cr.execute("""SELECT a.equipment_id, a.purchase_value, a.date_start, a.date_remove, l.type,
                                         l.amount, l.line_date
                                    FROM account_asset a JOIN account_asset_line l ON l.asset_id = a.id
                                   WHERE a.company_id = %s AND a.equipment_id IS NOT NULL
                                     AND l.type IN ('depreciate', 'remove')""", [self.info["company"]])
                    cr.fetchall()
                return time.perf_counter() - start
        line = self.record(label, m["rows"], m, in_worker(floor), f"{m['size'] / 1024:.0f} KiB")
        if limit_s:
            self.check(f"{label} < {limit_s} s and peak < {limit_mb} MB",
                       m["seconds"] < limit_s and m["peak"] < limit_mb,
                       f"{m['seconds']:.1f}s, {m['peak']:.0f} MB")
        return line

    # list reads --------------------------------------------------------------
    def op_list(self, uid, label, groupby, limit_s=None):
        def work():
            with self.registry.cursor() as cr:
                env = self.env(cr, uid)
                Loan = env["tablet.loan"]
                from lxml import etree
                arch = Loan.get_views([(False, "list"), (False, "search")])["views"]["list"]["arch"]
                spec = {node.get("name"): {} for node in etree.fromstring(arch).iterchildren("field")}
                for name in spec:
                    if Loan._fields[name].type == "many2one":
                        spec[name] = {"fields": {"display_name": {}}}
                    elif Loan._fields[name].type in ("one2many", "many2many"):
                        spec[name] = {"fields": {}}
                domain = [("state", "in", OPEN_STATES), ("school_year", "=", self.info["school_year"])]
                timings, queries = [], []
                import odoo.sql_db
                for _run in range(6):
                    env.invalidate_all()
                    before, start = odoo.sql_db.sql_counter, time.perf_counter()
                    groups = Loan.web_read_group(domain, [f"{groupby}"], [groupby], limit=80)
                    first = groups["groups"][0]
                    records = Loan.web_search_read(first["__domain"], spec, limit=80, count_limit=10001)
                    unfiltered = Loan.web_search_read(domain, spec, limit=80, count_limit=10001)
                    timings.append(time.perf_counter() - start)
                    queries.append(odoo.sql_db.sql_counter - before)
                rows = Loan.search_count(domain)  # the loans the filter finds (not timed)
                from odoo.tools import SQL
                query = Loan._search(domain, limit=80, order=Loan._order).select()
                cr.execute(SQL("EXPLAIN %s", query))
                plan = "\n".join(row[0] for row in cr.fetchall())
                cr.rollback()
                return {"seconds": statistics.median(timings[1:]), "queries": queries[-1], "peak": peak_mb(),
                        "rows": rows, "first": timings[0], "length": records["length"],
                        "total": unfiltered["length"], "plan": plan}
        m = in_worker(work)

        def floor():
            with self.registry.cursor() as cr:
                cr.execute("SELECT 1")  # warm connection
                start = time.perf_counter()
                cr.execute("""SELECT %s, count(*) FROM tablet_loan WHERE state IN %%s AND school_year = %%s
                              AND college_id IN (SELECT college_id FROM tablet_user_college_rel WHERE user_id = %%s
                                                 UNION SELECT id FROM res_partner WHERE is_college AND %%s)
                              GROUP BY 1 ORDER BY 1""" % groupby,
                           [OPEN_STATES, self.info["school_year"], uid, uid == self.info["manager"]])
                cr.fetchall()
                cr.execute("""SELECT id, borrower_id, school_class, college_id, school_year, date_start, signed_date,
                                     home_use_allowed, state FROM tablet_loan WHERE state IN %s AND school_year = %s
                              AND college_id IN (SELECT college_id FROM tablet_user_college_rel WHERE user_id = %s
                                                 UNION SELECT id FROM res_partner WHERE is_college AND %s)
                              ORDER BY date_start DESC, id DESC LIMIT 80""",
                           [OPEN_STATES, self.info["school_year"], uid, uid == self.info["manager"]])
                cr.fetchall()
                return time.perf_counter() - start
        line = self.record(label, m["rows"], m, in_worker(floor),
                           f"median of 5 warm runs (cold {m['first'] * 1000:.0f} ms)")
        if limit_s:
            self.check(f"{label} < {limit_s * 1000:.0f} ms ({self.info['loans']:,} loans in the database)",
                       m["seconds"] < limit_s, f"{m['seconds'] * 1000:.0f} ms")
            index = "tablet_loan_college_year_state_index"
            self.check(f"the référent's list query uses {index} (EXPLAIN)", index in m["plan"],
                       next((line.strip() for line in m["plan"].splitlines() if "Index" in line), "no index scan"))
            (BUILD / "bench_explain.txt").write_text(m["plan"] + "\n")
        return line

    # crons -----------------------------------------------------------------------
    def op_cron_access(self):
        def counts(cr):
            cr.execute("SELECT count(*) FROM mail_activity")
            activities = cr.fetchone()[0]
            cr.execute("SELECT count(*) FROM tablet_convention WHERE state = 'expired'")
            return activities + cr.fetchone()[0]

        def floor():
            """The conventions expired and the activities, and what the overdue returns must also
            write, one statement per table: the référent following each loan of their activity, and
            the one notice per collège (its message, its notification, its e-mail). Returns (that
            floor, the first two statements' alone)."""
            with self.registry.cursor() as cr:
                cr.execute("""SELECT array_agg(id), array_agg(DISTINCT college_id) FROM tablet_loan
                              WHERE state IN ('active', 'custody') AND date_end < current_date""")
                loans, colleges = cr.fetchone()
                loans, colleges = loans or [], colleges or []
                cr.execute("SELECT id FROM ir_model WHERE model = 'tablet.loan'")
                model_id = cr.fetchone()[0]
                cr.execute("SELECT id FROM mail_activity_type ORDER BY id LIMIT 1")
                type_id = cr.fetchone()[0]
            first = [
                ("""UPDATE tablet_convention SET state = 'expired' WHERE state = 'signed' AND date_end < current_date""",
                 []),
                ("""INSERT INTO mail_activity (res_model_id, res_model, res_id, activity_type_id, user_id,
                        date_deadline, summary, automated, create_uid, write_uid, create_date, write_date)
                    SELECT %s, 'tablet.loan', id, %s, 1, current_date, 'Tablette non rendue', true, 1, 1, now(), now()
                    FROM unnest(%s::int[]) id""", [model_id, type_id, loans])]
            referent = """WITH referent AS (SELECT DISTINCT ON (rel.college_id) rel.college_id, u.partner_id
                            FROM tablet_user_college_rel rel JOIN res_users u ON u.id = rel.user_id
                           WHERE rel.college_id = ANY(%s) ORDER BY rel.college_id, u.id) """
            notices = [
                (referent + """INSERT INTO mail_followers (res_model, res_id, partner_id)
                    SELECT 'tablet.loan', l.id, r.partner_id FROM tablet_loan l
                      JOIN referent r ON r.college_id = l.college_id WHERE l.id = ANY(%s)
                    ON CONFLICT DO NOTHING""", [colleges, loans]),
                ("""INSERT INTO mail_message (model, res_id, subject, body, message_type, message_id, author_id, date,
                        create_date, write_date, create_uid, write_uid)
                    SELECT 'res.partner', c, 'Tablettes non rendues', '<ul><li>Tablette non rendue</li></ul>',
                           'user_notification', 'floor-' || c, 1, now(), now(), now(), 1, 1
                      FROM unnest(%s::int[]) c""", [colleges]),
                (referent + """INSERT INTO mail_notification (mail_message_id, res_partner_id, author_id,
                        notification_type, notification_status, is_read)
                    SELECT m.id, r.partner_id, 1, 'email', 'ready', false FROM mail_message m
                      JOIN referent r ON r.college_id = m.res_id
                     WHERE m.message_id = ANY(ARRAY(SELECT 'floor-' || c FROM unnest(%s::int[]) c))""",
                 [colleges, colleges]),
                ("""INSERT INTO mail_mail (mail_message_id, body_html, state, auto_delete, is_notification,
                        create_date, write_date, create_uid, write_uid)
                    SELECT id, body, 'outgoing', true, true, now(), now(), 1, 1 FROM mail_message
                     WHERE message_id = ANY(ARRAY(SELECT 'floor-' || c FROM unnest(%s::int[]) c))""", [colleges])]
            return floor_sql(self.registry, first + notices), floor_sql(self.registry, first)
        floor_s, first_s = in_worker(floor)

        def work():
            with self.registry.cursor() as cr:
                env = self.env(cr, 1)
                before = counts(cr)
                run_cron(env, "tablet_loan.ir_cron_tablet_convention_expire")
                run_cron(env, "tablet_loan.ir_cron_tablet_loan_overdue")
                return counts(cr) - before
        m = self.measured(work)
        return self.record("Access crons: convention expiry and renewals, overdue returns", m["value"], m, floor_s,
                           f"rows = activities created + conventions expired; floor of the expiry and activities "
                           f"alone {first_s:.3f}s ({m['seconds'] / first_s:.1f}×)")

    def op_cron_retention(self):
        def floor():
            """The same people anonymised with one UPDATE of the pupils, one of their legal
            representatives and one of the incidents (the selection queries are not timed)."""
            from dateutil.relativedelta import relativedelta

            from odoo import fields
            anonymise = """UPDATE res_partner SET name = 'Anonyme ' || id, complete_name = 'Anonyme ' || id,
                email = NULL, email_normalized = NULL, phone = NULL, mobile = NULL, street = NULL, street2 = NULL,
                zip = NULL, city = NULL, comment = NULL, vat = NULL, ref = NULL, website = NULL, function = NULL,
                title = NULL, active = false, tablet_anonymized = true WHERE id = ANY(%s)"""
            with self.registry.cursor() as cr:
                env = self.env(cr, 1)
                company = env["res.company"].browse(self.info["company"])
                limit = fields.Date.context_today(env.user) - relativedelta(months=company.tablet_retention_months or 12)
                pupils = env["res.partner"]._tablet_expired_pupils(company, limit, 10**9)[0].ids
                seconds = 0.0
                start = time.perf_counter()
                cr.execute(anonymise, [pupils])
                cr.execute("UPDATE tablet_incident SET circumstances = NULL WHERE borrower_id = ANY(%s)", [pupils])
                seconds += time.perf_counter() - start
                representatives = env["res.partner"]._tablet_expired_representatives(10**9)[0].ids
                start = time.perf_counter()
                cr.execute(anonymise, [representatives])
                seconds += time.perf_counter() - start
                cr.rollback()
            return seconds, len(pupils) + len(representatives)
        floor_s, count = in_worker(floor)

        def work():
            with self.registry.cursor() as cr:
                env = self.env(cr, 1)
                batches = run_cron(env, "tablet_loan.ir_cron_tablet_anonymize")
                cr.execute("SELECT count(*) FROM res_partner WHERE tablet_anonymized")
                return {"anonymised": cr.fetchone()[0], "batches": batches}
        m = self.measured(work)
        value = m["value"]
        return self.record("Retention cron: anonymisation (R29)", value["anonymised"], m, floor_s,
                           f"{value['batches']} committed batches; {count:,} people were due")

    def op_retention_trace(self):
        """R29 to the last trace (issue 17): a batch of the retention job's size (10,000 people,
        pupils and legal representatives who owe nothing), each named by a chatter message and an
        activity on their loans and by a file, is anonymised; then every text column of every table
        is searched for a sample of their former names (and for a name still in use, the control).
        The line times the anonymisation and the search; everything is rolled back."""
        sample_size = 300

        def people_due(cr, size):
            cr.execute("""
                SELECT p.id FROM res_partner p
                 WHERE p.school_role IN ('pupil', 'legal_representative') AND p.tablet_anonymized IS NOT TRUE
                   AND NOT EXISTS (SELECT 1 FROM tablet_charge c WHERE c.state IN ('draft', 'confirmed', 'invoiced')
                                      AND p.id IN (c.borrower_id, c.payer_id))
                 ORDER BY p.id LIMIT %s""", [size])
            return [row[0] for row in cr.fetchall()]

        def traces(cr, ids):
            """What names them, written as the module's flows write it (set-based, not timed)."""
            cr.execute("""
                INSERT INTO mail_message (model, res_id, body, message_type, date, create_date, write_date,
                                          create_uid, write_uid)
                SELECT 'tablet.loan', l.id, '<p>Tablette remise à ' || p.name || '.</p>', 'comment', now(), now(),
                       now(), 1, 1
                  FROM tablet_loan l JOIN res_partner p ON p.id = l.borrower_id WHERE p.id = ANY(%s)""", [ids])
            cr.execute("""
                INSERT INTO mail_activity (res_model_id, res_model, res_id, activity_type_id, summary, date_deadline,
                                           user_id, create_date, write_date, create_uid, write_uid)
                SELECT m.id, 'tablet.loan', l.id, t.id, p.name || ' n''a pas rendu la tablette', current_date, 1,
                       now(), now(), 1, 1
                  FROM tablet_loan l JOIN res_partner p ON p.id = l.borrower_id,
                       ir_model m, (SELECT id FROM mail_activity_type ORDER BY id LIMIT 1) t
                 WHERE m.model = 'tablet.loan' AND p.id = ANY(%s)""", [ids])
            cr.execute("""
                INSERT INTO ir_attachment (name, res_model, res_id, type, mimetype, create_date, write_date,
                                           create_uid, write_uid)
                SELECT 'Courrier ' || p.name || '.pdf', 'res.partner', p.id, 'binary', 'application/pdf', now(), now(),
                       1, 1 FROM res_partner p WHERE p.id = ANY(%s)""", [ids])

        def anonymise(cr, size):
            env = self.env(cr, 1)
            ids = people_due(cr, size)
            traces(cr, ids)
            env["res.partner"].browse(ids)._tablet_anonymize()
            env.flush_all()

        q_small, q_big = self.sizes("Retention to the last trace (R29)", anonymise, 20, 200)

        def work():
            import random

            from odoo.addons.tablet_loan.models.utils import search_text_columns as search_database
            with self.registry.cursor() as cr:
                env = self.env(cr, 1)
                ids = people_due(cr, 10_000)
                traces(cr, ids)
                cr.execute("SELECT name FROM res_partner WHERE id = ANY(%s)", [ids])
                names = sorted({row[0] for row in cr.fetchall() if row[0]})
                # A homonym still in the programme keeps the name: not a trace of the anonymised person.
                cr.execute("SELECT DISTINCT name FROM res_partner WHERE name = ANY(%s) AND NOT id = ANY(%s)",
                           [names, ids])
                homonyms = {row[0] for row in cr.fetchall()}
                sample = random.Random(17).sample(sorted(set(names) - homonyms), min(sample_size, len(names)))
                cr.execute("""SELECT name FROM res_partner WHERE school_role = 'teacher' AND tablet_anonymized IS NOT TRUE
                               ORDER BY id LIMIT 1""")
                control = [row[0] for row in cr.fetchall()]
                env.flush_all()
                env.invalidate_all()
                start = time.perf_counter()
                env["res.partner"].browse(ids)._tablet_anonymize()
                env.flush_all()
                anonymise_s = time.perf_counter() - start
                start = time.perf_counter()
                left = search_database(cr, sample)
                search_s = time.perf_counter() - start
                found = search_database(cr, control) if control else {}
                cr.rollback()
            return {"people": len(ids), "anonymise_s": anonymise_s, "search_s": search_s, "sample": len(sample),
                    "left": {f"{t}.{c}": n for (t, c), n in left.items()}, "control": bool(found)}
        m = self.measured(work)
        value = m["value"]
        self.check("Retention to the last trace: no sampled former name in any text column", not value["left"],
                   value["left"] or f"{value['sample']} names searched")
        self.check("Retention to the last trace: the search finds a name in use (control)", value["control"],
                   value["control"])
        timed = dict(m, seconds=value["anonymise_s"] + value["search_s"])
        return self.record(
            "Retention to the last trace: anonymisation + whole-database search (R29)", value["people"], timed, None,
            f"anonymisation {value['anonymise_s']:.1f} s, search of every text column for {value['sample']} former "
            f"names {value['search_s']:.1f} s; {q_small} queries for 20 people, {q_big} for 200")


# -------------------------------------------------------------------- table
def markdown(bench, machine, total_seconds):
    lines = [
        f"Machine: {machine}. Run on {date.today().isoformat()}, {total_seconds / 60:.1f} min in all "
        f"(database build included). {bench.info['loans']:,} loans in the database.",
        "",
        "| operation | rows | seconds | rows/s | SQL queries | peak memory (MB) | SQL floor (s) | ratio to floor | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in bench.rows:
        if row["rows"] is None:
            lines.append(f"| {row['operation']} | – | – | – | – | – | – | – | {row['extra']} |")
            continue
        rate = row["rows"] / row["seconds"] if row["seconds"] else 0
        floor = row["floor"]
        floor_text = f"{floor:.3f}" if floor else "–"
        ratio_text = f"{row['seconds'] / floor:.1f}×" if floor else "–"
        lines.append(
            f"| {row['operation']} | {row['rows']:,} | {row['seconds']:.2f} | {rate:,.0f} | {row['queries']:,} | "
            f"{row['peak']:.0f} | {floor_text} | {ratio_text} | {row['extra']} |")
    lines += ["", "| check | result | measured |", "|---|---|---|"]
    for label, ok, value in bench.checks:
        lines.append(f"| {label} | {'pass' if ok else '**FAIL**'} | {value} |")
    lines += ["", "Seconds: wall time of the operation as its user runs it, commits included. SQL queries: every "
              "statement the worker sent (all its cursors). Peak memory: `ru_maxrss` of the worker process forked "
              "for the operation, Odoo's loaded registry included (a worker that does nothing peaks at "
              f"{bench.info.get('idle_peak', 0):.0f} MB). SQL floor: the same rows written (or read) with one "
              "statement per table, rolled back, just before the operation."]
    return "\n".join(lines) + "\n"


def machine_description(registry):
    with registry.cursor() as cr:
        cr.execute("SHOW server_version")
        pg = cr.fetchone()[0]
    return odoo_env.machine_description(pg)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # One database name per checkout (as the addons link): two checkouts benchmarking at the
    # same time must not drop each other's database.
    parser.add_argument("--db", default=f"tablet_loan_bench_{odoo_env.ADDONS.name.rsplit('-', 1)[-1]}")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the Département's size (quick runs)")
    parser.add_argument("--template", help="copy this already built database instead of building one")
    parser.add_argument("--installed", help="copy this database with the module freshly installed instead of "
                                            "installing it (quicker runs while developing)")
    parser.add_argument("--save-template", help="after building, keep a copy of the database under this name")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--only", help="comma-separated operations to run (deploy,custody,back,assets,gift,intake,"
                                       "xlsx,list,crons,siecle; access: the access crons "
                                       "alone, without the retention ones)")
    args = parser.parse_args()
    started = time.perf_counter()
    odoo_env.ensure_postgres()
    BUILD.mkdir(exist_ok=True)
    if args.template:
        odoo_env.drop_db(args.db)
        res = odoo_env.psql("postgres", f'CREATE DATABASE "{args.db}" TEMPLATE "{args.template}"')
        if res.returncode:
            odoo_env.fail(res.stderr)
    elif args.installed:
        odoo_env.drop_db(args.db)
        res = odoo_env.psql("postgres", f'CREATE DATABASE "{args.db}" TEMPLATE "{args.installed}"')
        if res.returncode:
            odoo_env.fail(res.stderr)
    else:
        create_database(args.db)
    registry = load_odoo(args.db)

    if not args.template:
        def build():
            import bench_data

            from odoo import SUPERUSER_ID, api
            plan = bench_data.Plan(args.scale)
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                info = bench_data.build(env, plan)
                info.update(school_year=plan.school_year, deploy_colleges=plan.deploy_colleges,
                            summary=plan.summary())
                cr.execute("CREATE TABLE bench_info (data jsonb)")
                cr.execute("INSERT INTO bench_info VALUES (%s)", [json.dumps(info)])
                cr.commit()
            return info
        start = time.perf_counter()
        info = in_worker(build)
        say(f"built {info['summary']} in {time.perf_counter() - start:.0f}s; {info['loans']:,} loans")
        res = odoo_env.psql(args.db, "VACUUM ANALYZE")
        if res.returncode:
            odoo_env.fail(res.stderr)
        if args.save_template:
            odoo_env.drop_db(args.save_template)
            import odoo.sql_db
            odoo.sql_db.close_all()
            res = odoo_env.psql("postgres", f'CREATE DATABASE "{args.save_template}" TEMPLATE "{args.db}"')
            if res.returncode:
                odoo_env.fail(res.stderr)
    with registry.cursor() as cr:
        cr.execute("SELECT data FROM bench_info")
        info = cr.fetchone()[0]
    warm_up(registry)
    info["idle_peak"] = in_worker(peak_mb)  # what a worker that does nothing peaks at
    bench = Bench(registry, info)
    bench.scale = args.scale
    only = set(args.only.split(",")) if args.only else None
    steps = [
        ("deploy", bench.op_deploy),
        ("custody", lambda: bench.op_custody("to_custody")),
        ("back", lambda: bench.op_custody("back")),
        ("assets", bench.op_assets),
        ("gift", bench.op_gift),
        ("intake", bench.op_intake),
        ("xlsx", lambda: bench.op_xlsx("tablet_loan.report_fleet_inventory_xlsx",
                                       "XLSX fleet inventory (whole fleet, as officer)", 20, 500, register=True)),
        ("xlsx", lambda: bench.op_xlsx("tablet_loan.report_department_summary_xlsx",
                                       "XLSX Département summary (whole fleet, as officer)")),
        ("list", lambda: bench.op_list(info["referents"][0], "Loans list as collège référent: open loans of the "
                                       "year grouped by class", "school_class", 0.3)),
        ("list", lambda: bench.op_list(info["manager"], "Loans list as Département manager: open loans of the "
                                       "year grouped by collège", "college_id")),
        (("crons", "access"), bench.op_cron_access),  # --only access: the access crons alone
        ("crons", bench.op_cron_retention),
        ("crons", bench.op_retention_trace),
        # Last: it adds the collèges' pupils a second time (with their SIECLE identifiers).
        ("siecle", bench.op_siecle),
    ]
    for key, step in steps:
        keys = key if isinstance(key, tuple) else (key,)
        if only and not only.intersection(keys):
            continue
        key = keys[0]
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - one failing operation fails its line, not the run
            bench.check(f"{key} ran", False, f"{type(exc).__name__}: {exc}"[:300])
    total = time.perf_counter() - started
    bench.check("make bench < 20 min", total < 20 * 60, f"{total / 60:.1f} min")
    table = markdown(bench, machine_description(registry), total)
    (BUILD / "bench.md").write_text(table)
    print()
    print(table)
    import odoo.sql_db
    odoo.sql_db.close_all()
    if not args.keep:
        odoo_env.drop_db(args.db)
    failed = [label for label, ok, _value in bench.checks if not ok]
    say(f"{len(bench.checks) - len(failed)} checks passed, {len(failed)} failed; table in {BUILD / 'bench.md'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
