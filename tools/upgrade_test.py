#!/usr/bin/env python3
"""make upgrade-test: the module as released at a previous commit, filled, then upgraded to the
working tree with `-u tablet_loan`; every record, file and amount must still be there and every
invariant of the new version must hold.

1. `git archive <from>` into a temporary addons directory; install that tablet_loan with its demo
   data into a fresh database (`upgrade_test_<hex>`, or --db);
2. fill it with a generated Département of a few collèges (that release's own
   tools/bench_data.py at a small scale) and a few files attached to loans and incidents;
3. snapshot (tools/db_snapshot.py): ids of every tablet_* table and related table, sums of every
   amount column, sha1 of every stored file;
4. `-u tablet_loan` with the working tree's code;
5. compare and check the invariants; print `upgrade-test: N passed, M failed`, exit 1 on failure.

<from> is --from, else $FROM, else the tag named in migrations/FROM when the checkout has it,
else the commit hash written there (tags may not travel with the repository).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import db_snapshot  # noqa: E402
import odoo_env  # noqa: E402

ROOT = odoo_env.ROOT
BUILD = odoo_env.BUILD
FROM_FILE = ROOT / "migrations" / "FROM"
# ERROR and CRITICAL lines, and the schema's warnings (a NOT NULL or an index Odoo could not set at
# the end of the update; its INFO line while the update runs is expected, the migration fills
# the column after it).
LOG_PROBLEM = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) |^\S+ \S+ \d+ WARNING \S+ (odoo\.schema|\S*migrate\S*):")

FILL = r"""
import base64, os, sys
import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import config
addons, db, tools, scale, colleges = sys.argv[1:6]
config.parse_config(["--addons-path", addons, "-d", db, "--db_host", os.environ.get("PGHOST", "127.0.0.1"),
                     "--db_port", os.environ.get("PGPORT", "5432")])
sys.path.insert(0, tools)
import bench_data
bench_data.N_COLLEGES = int(colleges)
bench_data.N_DEPLOY_COLLEGES = max(1, int(colleges) // 3)
registry = odoo.modules.registry.Registry(db)
with registry.cursor() as cr:
    env = api.Environment(cr, SUPERUSER_ID, {})
    plan = bench_data.Plan(float(scale))
    info = bench_data.build(env, plan)
    # Conventions between the Département and a collège only (no Académie), as 18.0.1 let the
    # Département sign them, for 3 years and for one school year: no convention model fits them.
    company = env["res.company"].browse(info["company"])
    cenv = env(context=dict(env.context, allowed_company_ids=[company.id]))
    Y = plan.year
    for i, validity in enumerate(("three_years", "school_year")):
        college = cenv["res.partner"].create({"name": f"Collège sans Académie {i + 1}", "is_college": True,
                                              "uai_code": bench_data.uai(900 + i), "company_id": company.id})
        signed = bench_data.date(Y, 6, 15)
        convention = cenv["tablet.convention"].create({
            "company_id": company.id, "college_id": college.id, "academy_id": False, "validity_type": validity,
            "school_year": plan.school_year, "ca_deliberation_date": signed.replace(day=1),
            "date_signed_department": signed, "date_signed_college": signed, "home_use_allowed": i == 0,
            "charter_adopted_date": signed})
        convention.action_sign()
    # Files on the module's records: a signed contract's scan per loan, a letter per incident.
    loans = env["tablet.loan"].search([], limit=8, order="id")
    incidents = env["tablet.incident"].search([], limit=4, order="id")
    env["ir.attachment"].create(
        [{"name": f"scan-{loan.id}.pdf", "res_model": "tablet.loan", "res_id": loan.id,
          "raw": b"%PDF-1.4 upgrade test " + os.urandom(2048)} for loan in loans]
        + [{"name": f"letter-{i.id}.pdf", "res_model": "tablet.incident", "res_id": i.id,
            "raw": b"%PDF-1.4 upgrade test " + os.urandom(4096)} for i in incidents])
    cr.commit()
    print("FILLED", plan.summary(), info["loans"], "loans")
"""


def say(msg):
    print(f"[upgrade-test] {msg}", flush=True)


def git(*args):
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)


def resolve_from(requested):
    """(commit, how it was found)."""
    if requested:
        res = git("rev-parse", "--verify", "-q", f"{requested}^{{commit}}")
        if res.returncode:
            odoo_env.fail(f"{requested} is no commit of this repository.")
        return res.stdout.strip(), f"given ({requested})"
    if not FROM_FILE.exists():
        odoo_env.fail(f"no --from and no {FROM_FILE}: name the release to upgrade from.")
    tag, commit = next(line.split() for line in FROM_FILE.read_text().splitlines()
                       if line.strip() and not line.startswith("#"))[:2]
    res = git("rev-parse", "--verify", "-q", f"refs/tags/{tag}^{{commit}}")
    if res.returncode == 0:
        return res.stdout.strip(), f"tag {tag}"
    if git("cat-file", "-e", f"{commit}^{{commit}}").returncode:
        odoo_env.fail(f"neither the tag {tag} nor the commit {commit} of {FROM_FILE.name} is in this repository.")
    return commit, f"commit {commit[:10]} of migrations/FROM (tag {tag} absent)"


def run_odoo(addons, db, *extra, log):
    cmd = [sys.executable, "-m", "odoo", "--addons-path", str(addons), "-d", db,
           "--db_host", odoo_env.PG_HOST, "--db_port", odoo_env.PG_PORT, "--db-filter", f"^{db}$",
           "--http-port", str(odoo_env.free_port()), "--max-cron-threads", "0", "--workers", "0",
           "--stop-after-init", *extra]
    with open(log, "w") as out:
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode
    problems = [line.rstrip() for line in open(log) if LOG_PROBLEM.search(line)]
    return rc, problems


def connect(db):
    import psycopg2
    return psycopg2.connect(dbname=db, host=odoo_env.PG_HOST, port=odoo_env.PG_PORT)


def filestore(db):
    from odoo.tools import config
    return config.filestore(db)


def take_snapshot(db):
    with connect(db) as conn, conn.cursor() as cr:
        return db_snapshot.snapshot(cr, filestore(db))


class Checks:
    def __init__(self):
        self.passed, self.failed = 0, []

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed.append(f"{what}: {detail}" if detail else what)
            say(f"FAIL {what} {detail}")
        return ok


def compare(checks, before, after):
    """Nothing lost: every id, every stored file, every amount."""
    for table, old in before["tables"].items():
        new = after["tables"].get(table)
        if not checks.check(new is not None, f"table {table} still there"):
            continue
        if old["ids"] is not None:
            lost = sorted(set(old["ids"]) - set(new["ids"] or ()))
            checks.check(not lost, f"{table}: every record kept ({old['count']} before, {new['count']} after)",
                         f"{len(lost)} lost, e.g. {lost[:5]}")
        else:
            checks.check(new["count"] >= old["count"], f"{table}: every row kept",
                         f"{old['count']} before, {new['count']} after")
    for key, total in before["sums"].items():
        checks.check(after["sums"].get(key) == total, f"sum of {key} unchanged",
                     f"{total} before, {after['sums'].get(key)} after")
    for att_id, old in before["attachments"].items():
        new = after["attachments"].get(att_id)
        ok = new is not None and new["sha1"] == old["sha1"] and new["store_fname"] == old["store_fname"]
        checks.check(ok, f"attachment {att_id} kept with the same file", f"{old} -> {new}")


INVARIANTS = [
    ("no tablet in two open loans", """
        SELECT count(*) FROM (SELECT equipment_id FROM tablet_loan WHERE state IN ('draft', 'active', 'custody')
                              GROUP BY 1 HAVING count(*) > 1) t"""),
    ("no person with two open loans", """
        SELECT count(*) FROM (SELECT borrower_id FROM tablet_loan WHERE state IN ('draft', 'active', 'custody')
                              GROUP BY 1 HAVING count(*) > 1) t"""),
    ("every convention has a model", "SELECT count(*) FROM tablet_convention WHERE model_id IS NULL"),
    ("every convention's validity is its model's", """
        SELECT count(*) FROM tablet_convention c JOIN tablet_convention_model m ON m.id = c.model_id
         WHERE c.validity_type IS DISTINCT FROM m.validity_type"""),
    ("the Académie is a party exactly where the convention's model says so", """
        SELECT count(*) FROM tablet_convention c JOIN tablet_convention_model m ON m.id = c.model_id
          JOIN res_partner college ON college.id = c.college_id
         WHERE (c.academy_id IS NOT NULL AND NOT m.academy_party)
            OR (m.academy_party AND college.academy_id IS NOT NULL AND c.academy_id IS NULL)"""),
    ("a collège's 'Académie is a party' follows its current convention's model", """
        SELECT count(*) FROM res_partner p
          JOIN LATERAL (SELECT c.model_id FROM tablet_convention c WHERE c.college_id = p.id AND c.state != 'expired'
                         ORDER BY (c.state = 'signed') DESC, c.id DESC LIMIT 1) cur ON TRUE
          JOIN tablet_convention_model m ON m.id = cur.model_id
         WHERE p.is_college AND p.tablet_academy_party IS DISTINCT FROM m.academy_party"""),
    ("no incident decided on is left 'validated'",
     "SELECT count(*) FROM tablet_incident WHERE state = 'validated' AND decision_date IS NOT NULL"),
    ("every submitted or validated list remembers who it was submitted with", """
        SELECT count(*) FROM tablet_user_list l WHERE l.state IN ('submitted', 'validated')
           AND EXISTS (SELECT 1 FROM tablet_user_list_line x WHERE x.list_id = l.id)
           AND NOT EXISTS (SELECT 1 FROM tablet_user_list_sent_partner_rel r WHERE r.list_id = l.id)"""),
    ("every référent of a signed convention who is a user holds the référent role", """
        SELECT count(*) FROM tablet_convention c
          JOIN tablet_convention_referent_rel r ON r.convention_id = c.id
          JOIN res_users u ON u.partner_id = r.partner_id AND u.active AND NOT u.share
         WHERE c.state = 'signed' AND NOT EXISTS (
               SELECT 1 FROM res_groups_users_rel g JOIN ir_model_data d ON d.res_id = g.gid
                WHERE g.uid = u.id AND d.model = 'res.groups' AND d.module = 'tablet_loan'
                  AND d.name = 'group_college_referent')"""),
    ("the loans' composite indexes exist", """
        SELECT 3 - count(*) FROM pg_indexes WHERE tablename = 'tablet_loan' AND indexname IN
               ('tablet_loan_college_year_state_index', 'tablet_loan_company_state_index',
                'tablet_loan_open_date_end_index')"""),
    ("the replaced single-column indexes are gone", """
        SELECT count(*) FROM pg_indexes WHERE indexname IN (
               'tablet_loan__college_id_index', 'tablet_loan__company_id_index', 'tablet_loan__state_index',
               'tablet_loan__school_year_index', 'tablet_loan__date_end_index', 'maintenance_equipment__imei_index',
               'maintenance_equipment__tablet_state_index', 'maintenance_equipment__is_tablet_index')"""),
    ("the tablets' table keeps half of each page free (fillfactor 50)", """
        SELECT count(*) FROM pg_class WHERE relname = 'maintenance_equipment'
           AND NOT COALESCE('fillfactor=50' = ANY(reloptions), FALSE)"""),
]


def check_invariants(checks, db, version):
    with connect(db) as conn, conn.cursor() as cr:
        for what, query in INVARIANTS:
            cr.execute(query)
            bad = cr.fetchone()[0]
            checks.check(bad == 0, what, f"{bad} offending row(s)")
        cr.execute("SELECT state, latest_version FROM ir_module_module WHERE name = 'tablet_loan'")
        state, installed = cr.fetchone()
        checks.check(state == "installed" and installed == version,
                     f"tablet_loan installed at {version}", f"{state} {installed}")
        # Every stored selection of the module's models holds one of its values (e.g. the
        # incidents' status), every required stored field a value and a NOT NULL constraint.
        cr.execute("""
            SELECT f.model, f.name, f.ttype, f.required,
                   array_remove(array_agg(s.value), NULL)
              FROM ir_model_fields f LEFT JOIN ir_model_fields_selection s ON s.field_id = f.id
             WHERE f.store AND f.model LIKE 'tablet.%%' AND f.ttype NOT IN ('one2many', 'many2many')
               AND (f.ttype = 'selection' OR f.required)
             GROUP BY 1, 2, 3, 4
        """)
        for model, fname, ttype, required, values in cr.fetchall():
            table = model.replace(".", "_")
            cr.execute("""SELECT is_nullable FROM information_schema.columns
                           WHERE table_name = %s AND column_name = %s""", [table, fname])
            column = cr.fetchone()
            cr.execute("SELECT relkind FROM pg_class WHERE relname = %s", [table])
            kind = cr.fetchone()
            if column is None or kind is None or kind[0] != "r":
                continue  # SQL views (reports) and non-stored values
            if ttype == "selection" and values:
                cr.execute(f'SELECT DISTINCT "{fname}" FROM "{table}" WHERE "{fname}" IS NOT NULL '
                           f'AND NOT ("{fname}" = ANY(%s))', [values])
                strays = [row[0] for row in cr.fetchall()]
                checks.check(not strays, f"{model}.{fname}: every value is one of its selection", f"{strays}")
            if required:
                cr.execute(f'SELECT count(*) FROM "{table}" WHERE "{fname}" IS NULL')
                nulls = cr.fetchone()[0]
                checks.check(nulls == 0 and column[0] == "NO", f"{model}.{fname}: required, NOT NULL",
                             f"{nulls} empty, nullable={column[0]}")
    after_files = take_snapshot(db)["attachments"]
    broken = {i: a for i, a in after_files.items() if a["sha1"] is None or a["sha1"] != a["checksum"]}
    checks.check(not broken, f"every stored file ({len(after_files)}) is present and matches its checksum",
                 f"{len(broken)} broken, e.g. {list(broken.items())[:3]}")


SCHEMA_TABLES = "(c.relname LIKE 'tablet\\_%' OR c.relname IN ('maintenance_equipment', 'res_partner', 'res_users'))"


def schema(db):
    """Columns, indexes, constraints, storage options and SQL views of the module's tables."""
    with connect(db) as conn, conn.cursor() as cr:
        cr.execute(f"""
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
               AND {SCHEMA_TABLES}""")
        columns = {f"{t}.{col}": [typ, notnull] for t, col, typ, notnull in cr.fetchall()}
        cr.execute(f"""
            SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.tablename
             WHERE i.schemaname = 'public' AND {SCHEMA_TABLES}""")
        indexes = dict(cr.fetchall())
        cr.execute(f"""
            SELECT c.relname || '.' || k.conname, pg_get_constraintdef(k.oid)
              FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
             WHERE {SCHEMA_TABLES}""")
        constraints = dict(cr.fetchall())
        cr.execute(f"SELECT c.relname, c.reloptions FROM pg_class c WHERE c.relkind = 'r' AND {SCHEMA_TABLES}")
        options = {t: opts for t, opts in cr.fetchall() if opts}
        cr.execute(f"""SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c
                        WHERE c.relkind = 'v' AND {SCHEMA_TABLES}""")
        views = dict(cr.fetchall())
    return {"columns": columns, "indexes": indexes, "constraints": constraints, "options": options,
            "views": views}


def compare_schemas(checks, upgraded, fresh):
    """The upgraded database has what a fresh install has. Columns of fields that no longer exist
    may stay behind (Odoo never drops a column): listed, not failed."""
    for kind in ("columns", "indexes", "constraints", "options", "views"):
        up, new = upgraded[kind], fresh[kind]
        missing = sorted(set(new) - set(up))
        differ = sorted(k for k in set(new) & set(up) if new[k] != up[k])
        checks.check(not missing, f"schema: every {kind[:-1]} of a fresh install is there after the upgrade",
                     f"missing {missing[:10]}")
        checks.check(not differ, f"schema: {kind} defined as in a fresh install",
                     "; ".join(f"{k}: {up[k]} instead of {new[k]}" for k in differ[:10]))
        extra = sorted(set(up) - set(new))
        if kind == "columns":
            if extra:
                say(f"columns left behind by earlier versions (kept, as Odoo does): {', '.join(extra)}")
        else:
            checks.check(not extra, f"schema: no {kind[:-1]} a fresh install does not have", f"{extra[:10]}")


def check_noupdate_data(checks, db):
    """Records of noupdate files are left alone by an update: the migration loads the changed ones
    again. Every record rule as the working tree defines it; the claim e-mail with its return address."""
    from lxml import etree
    doc = etree.parse(str(ROOT / "security" / "tablet_loan_rules.xml"))
    expected = {rec.get("id"): " ".join(rec.find("field[@name='domain_force']").text.split())
                for rec in doc.xpath("//record[@model='ir.rule'][field[@name='domain_force']]")}
    with connect(db) as conn, conn.cursor() as cr:
        cr.execute("""SELECT d.name, r.domain_force FROM ir_model_data d JOIN ir_rule r ON r.id = d.res_id
                       WHERE d.module = 'tablet_loan' AND d.model = 'ir.rule'""")
        actual = {name: " ".join((domain or "").split()) for name, domain in cr.fetchall()}
        cr.execute("""SELECT t.body_html::text FROM ir_model_data d JOIN mail_template t ON t.id = d.res_id
                       WHERE d.module = 'tablet_loan' AND d.name = 'mail_template_warranty_claim_sent'""")
        template = (cr.fetchone() or [""])[0]
    differ = sorted(x for x in expected if actual.get(x) != expected[x])
    checks.check(not differ, f"every record rule of the module ({len(expected)}) has the working tree's domain",
                 f"{len(differ)} differ: {differ[:8]}")
    checks.check("return_address" in template, "the supplier's claim e-mail gives the return address")


def run_tests(checks, db, tags):
    """Test classes of the suite on the upgraded database: the new code on the old data."""
    log = BUILD / f"upgrade-{db}-tests.log"
    rc, _problems = run_odoo(odoo_env.link_addon().parent, db, "--test-tags", tags, log=log)
    runs = [tuple(map(int, m)) for m in re.findall(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests", log.read_text())]
    failed, errors, total = (sum(col) for col in zip(*runs, strict=False)) if runs else (0, 0, 0)
    ok = rc == 0 and runs and failed == errors == 0 and total > 0
    checks.check(bool(ok), f"the suite's {tags} on the upgraded database",
                 f"{failed} failed, {errors} error(s) of {total} tests (rc={rc}), see {log}")


def manifest_version(path):
    import ast
    return ast.literal_eval((path / "__manifest__.py").read_text())["version"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="rev", default=os.environ.get("FROM"),
                        help="commit or tag of the release to upgrade from (default: migrations/FROM)")
    parser.add_argument("--db", help="database name (default upgrade_test_<hex>; dropped unless --keep)")
    parser.add_argument("--scale", type=float, default=0.005, help="bench_data scale of the Département (pupils)")
    parser.add_argument("--colleges", type=int, default=6, help="collèges of the generated Département")
    parser.add_argument("--old-template", help="copy this database (the old release installed and filled) "
                                               "instead of installing and filling: quicker runs")
    parser.add_argument("--save-old", help="keep a copy of the filled old database under this name")
    parser.add_argument("--keep", action="store_true", help="keep the upgraded database")
    parser.add_argument("--fresh-db", help="compare the schema with this database, where the working tree's "
                                           "module is installed, instead of installing it into <db>_fresh")
    parser.add_argument("--no-fresh", action="store_true", help="skip the comparison with a fresh install")
    parser.add_argument("--test-tags", default=os.environ.get("UPGRADE_TEST_TAGS"),
                        help="also run these tests of the suite on the upgraded database (Odoo's --test-tags)")
    args = parser.parse_args()

    odoo_env.ensure_postgres()
    started = time.time()
    timings = {}
    commit, how = resolve_from(args.rev)
    db = args.db or f"upgrade_test_{uuid.uuid4().hex[:8]}"
    BUILD.mkdir(exist_ok=True)
    new_version = manifest_version(ROOT)
    checks = Checks()
    with tempfile.TemporaryDirectory(prefix="tablet_loan_upgrade_") as tmp:
        old_addons = Path(tmp) / "addons"
        old_module = old_addons / odoo_env.MODULE
        old_module.mkdir(parents=True)
        archive = subprocess.run(f"git -C '{ROOT}' archive {commit} | tar -x -C '{old_module}'", shell=True)
        if archive.returncode:
            odoo_env.fail(f"git archive {commit} failed")
        old_version = manifest_version(old_module)
        say(f"from {old_version} ({how}, {commit[:10]}) to {new_version} (working tree); database {db}")
        try:
            t = time.time()
            if args.old_template:
                odoo_env.drop_db(db)
                res = odoo_env.psql("postgres", f'CREATE DATABASE "{db}" TEMPLATE "{args.old_template}"')
                if res.returncode:
                    odoo_env.fail(res.stderr)
                subprocess.run(["cp", "-a", filestore(args.old_template), filestore(db)], check=False)
                timings["copy of the old database"] = time.time() - t
            else:
                odoo_env.drop_db(db)
                old_log = BUILD / f"upgrade-{db}-old-install.log"
                rc, problems = run_odoo(old_addons, db, "-i", odoo_env.MODULE, "--load-language", "fr_FR", log=old_log)
                timings[f"install {old_version} with demo data"] = time.time() - t
                if rc or problems:
                    odoo_env.fail(f"installing {old_version} failed (rc={rc}): {problems[:3]}; "
                                  f"see {old_log}")
                t = time.time()
                fill = subprocess.run([sys.executable, "-c", FILL, str(old_addons), db, str(old_module / "tools"),
                                       str(args.scale), str(args.colleges)], capture_output=True, text=True)
                if fill.returncode:
                    print(fill.stdout[-3000:], fill.stderr[-3000:])
                    odoo_env.fail("filling the old database with bench_data failed")
                say(next((line for line in fill.stdout.splitlines() if line.startswith("FILLED")), "filled"))
                timings["fill (generated Département, files)"] = time.time() - t
                if args.save_old:
                    odoo_env.drop_db(args.save_old)
                    res = odoo_env.psql("postgres", f'CREATE DATABASE "{args.save_old}" TEMPLATE "{db}"')
                    if res.returncode:
                        odoo_env.fail(res.stderr)
                    subprocess.run(["cp", "-a", filestore(db), filestore(args.save_old)], check=False)
            t = time.time()
            before = take_snapshot(db)
            timings["snapshot"] = time.time() - t
            say(f"before: {sum(v['count'] for v in before['tables'].values()):,} rows in "
                f"{len(before['tables'])} tables, {len(before['sums'])} amount columns, "
                f"{len(before['attachments'])} stored files")
            t = time.time()
            log = BUILD / f"upgrade-{db}-update.log"
            rc, problems = run_odoo(odoo_env.link_addon().parent, db, "-u", odoo_env.MODULE, log=log)
            timings[f"-u tablet_loan to {new_version}"] = time.time() - t
            checks.check(not problems, "no ERROR, CRITICAL or schema warning in the upgrade's log",
                         "\n  ".join(problems[:10]))
            if not checks.check(rc == 0, "the upgrade ran to its end", f"rc={rc}, see {log}"):
                raise SystemExit(f"upgrade-test: {checks.passed} passed, {len(checks.failed)} failed")
            t = time.time()
            after = take_snapshot(db)
            compare(checks, before, after)
            check_invariants(checks, db, new_version)
            check_noupdate_data(checks, db)
            timings["checks"] = time.time() - t
            if args.test_tags:
                t = time.time()
                run_tests(checks, db, args.test_tags)
                timings["the suite's tests on the upgraded database"] = time.time() - t
            if not args.no_fresh:
                fresh_db = args.fresh_db or f"{db}_fresh"
                if not args.fresh_db:
                    t = time.time()
                    odoo_env.drop_db(fresh_db)
                    rc, problems = run_odoo(odoo_env.link_addon().parent, fresh_db, "-i", odoo_env.MODULE,
                                            "--load-language", "fr_FR", log=BUILD / f"upgrade-{db}-fresh-install.log")
                    timings[f"fresh install of {new_version} (schema reference)"] = time.time() - t
                    checks.check(rc == 0 and not problems, "the fresh install ran cleanly", f"rc={rc} {problems[:3]}")
                try:
                    compare_schemas(checks, schema(db), schema(fresh_db))
                finally:
                    if not args.fresh_db and not args.keep:
                        odoo_env.drop_db(fresh_db)
            (BUILD / f"upgrade-{db}.json").write_text(json.dumps({
                "from": commit, "from_version": old_version, "to_version": new_version, "timings": timings,
                "rows_before": {k: v["count"] for k, v in before["tables"].items()},
                "rows_after": {k: v["count"] for k, v in after["tables"].items()},
                "failed": checks.failed}, indent=1))
        finally:
            if not args.keep:
                odoo_env.drop_db(db)
    for step, seconds in timings.items():
        say(f"{step}: {seconds:.0f} s")
    say(f"total {time.time() - started:.0f} s")
    print(f"upgrade-test: {checks.passed} passed, {len(checks.failed)} failed")
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
