#!/usr/bin/env python3
"""Backup and restore of a tablet_loan database: the PostgreSQL dump and the filestore together,
with a manifest that proves the restore complete.

  backup  --db DB [--out DIR]        DIR (default build/backups/<db>-<UTC stamp>/) receives
                                     dump.pgdump (pg_dump -Fc), filestore.tar and manifest.json
  restore --from DIR --db NEWDB [--force]
                                     checks the manifest's checksums, restores the dump and the
                                     filestore (refuses an existing database or filestore unless
                                     --force), then checks every table's row count and every
                                     stored file's sha1 against the manifest
  roundtrip [--db DB] [--keep]       backup-test: backs DB up (default: a fresh database with the
                                     module and its demo data), restores it into <db>_restored,
                                     compares; prints `backup-test: N passed, M failed`

The manifest's counts and file list are read in the very snapshot pg_dump dumps
(pg_export_snapshot), so they describe the dump exactly. The filestore is read after: a file
written meanwhile is carried in addition, harmless. Odoo deletes unreferenced files only in its
garbage collection (a cron): stop Odoo's cron workers, or Odoo, while backing up so that no file
the dump references goes away before it is copied; the restore's check would name it.
"""
import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import db_snapshot  # noqa: E402
import odoo_env  # noqa: E402

DUMP = "dump.pgdump"
FILESTORE_TAR = "filestore.tar"
MANIFEST = "manifest.json"


def say(msg):
    print(f"[backup] {msg}", flush=True)


def pg_args():
    args = ["-h", odoo_env.PG_HOST, "-p", odoo_env.PG_PORT]
    return args + (["-U", odoo_env.PG_USER] if odoo_env.PG_USER else [])


def connect(db):
    import psycopg2
    kw = {"user": odoo_env.PG_USER} if odoo_env.PG_USER else {}
    return psycopg2.connect(dbname=db, host=odoo_env.PG_HOST, port=odoo_env.PG_PORT, **kw)


def filestore(db):
    from odoo.tools import config
    return Path(config.filestore(db))


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def db_exists(db):
    res = odoo_env.psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'")
    return res.stdout.strip() == "1"


def stored_files(cr):
    """{attachment id: store_fname} of every stored file (web assets included: they are files of
    the database like the others, and a restore without them serves no page until rebuilt)."""
    cr.execute("SELECT id, store_fname FROM ir_attachment WHERE store_fname IS NOT NULL ORDER BY id")
    return {str(i): fname for i, fname in cr.fetchall()}


def backup(db, out=None):
    if not db_exists(db):
        odoo_env.fail(f"no database {db}.")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = Path(out or odoo_env.BUILD / "backups" / f"{db}-{stamp}")
    if out.exists() and any(out.iterdir()):
        odoo_env.fail(f"{out} is not empty: choose another --out.")
    out.mkdir(parents=True, exist_ok=True)
    timings = {}
    started = time.time()
    conn = connect(db)
    conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT pg_export_snapshot()")
            snapshot_id = cr.fetchone()[0]
            t = time.time()
            dump = subprocess.run(["pg_dump", *pg_args(), "-Fc", "--no-owner", f"--snapshot={snapshot_id}",
                                   "-d", db, "-f", str(out / DUMP)], capture_output=True, text=True)
            if dump.returncode:
                odoo_env.fail(f"pg_dump failed: {dump.stderr.strip()}")
            timings["pg_dump"] = time.time() - t
            t = time.time()
            counts = db_snapshot.row_counts(cr)
            files = stored_files(cr)
            cr.execute("SELECT name, latest_version FROM ir_module_module WHERE state = 'installed' ORDER BY name")
            modules = dict(cr.fetchall())
            cr.execute("SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'")
            db_uuid = (cr.fetchone() or [None])[0]
            timings["counts"] = time.time() - t
    finally:
        conn.rollback()
        conn.close()
    t = time.time()
    store = filestore(db)
    sha1s, missing = {}, []
    with tarfile.open(out / FILESTORE_TAR, "w") as tar:
        if store.is_dir():
            tar.add(store, arcname="filestore")
    for att_id, fname in files.items():
        sha1s[att_id] = {"store_fname": fname, "sha1": db_snapshot.file_sha1(store / fname)}
        if sha1s[att_id]["sha1"] is None:
            missing.append(fname)
    timings["filestore tar and sha1"] = time.time() - t
    if missing:
        say(f"WARNING: {len(missing)} file(s) the database references are missing from {store} "
            f"(already before this backup), e.g. {missing[:3]}")
    import odoo.release
    manifest = {
        "db": db, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "database_uuid": db_uuid,
        "odoo_version": odoo.release.version, "modules": modules,
        "row_counts": counts, "attachment_count": len(files), "attachments": sha1s,
        "files": {DUMP: sha256(out / DUMP), FILESTORE_TAR: sha256(out / FILESTORE_TAR)},
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    timings["total"] = time.time() - started
    size = sum(f.stat().st_size for f in out.iterdir())
    say(f"{db} backed up in {out} ({size / 1e6:.1f} MB: {sum(counts.values()):,} rows in {len(counts)} tables, "
        f"{len(files)} stored files) in {timings['total']:.1f} s")
    return out, timings


def restore(src, db, force=False):
    src = Path(src)
    manifest = json.loads((src / MANIFEST).read_text())
    timings = {}
    started = time.time()
    for name, digest in manifest["files"].items():
        if sha256(src / name) != digest:
            odoo_env.fail(f"{src / name} does not match its checksum in the manifest: corrupt or altered backup.")
    timings["checksums of the backup"] = time.time() - started
    store = filestore(db)
    if db_exists(db) or store.exists():
        if not force:
            odoo_env.fail(f"database {db} or its filestore {store} exists: restore into a new name, or add --force "
                          "to replace it.")
        say(f"--force: replacing database {db} and its filestore")
        odoo_env.drop_db(db)
        shutil.rmtree(store, ignore_errors=True)
    t = time.time()
    res = odoo_env.psql("postgres", f'CREATE DATABASE "{db}"')
    if res.returncode:
        odoo_env.fail(res.stderr)
    pg = subprocess.run(["pg_restore", *pg_args(), "--no-owner", "--exit-on-error", "-j", "2", "-d", db,
                         str(src / DUMP)], capture_output=True, text=True)
    if pg.returncode:
        odoo_env.fail(f"pg_restore failed: {pg.stderr.strip()}")
    timings["pg_restore"] = time.time() - t
    t = time.time()
    store.mkdir(parents=True)
    with tarfile.open(src / FILESTORE_TAR) as tar:
        for member in tar.getmembers():
            if member.name == "filestore" or not member.name.startswith("filestore/"):
                continue
            member.name = member.name[len("filestore/"):]
            tar.extract(member, store, filter="data")
    timings["filestore"] = time.time() - t
    t = time.time()
    passed, failed = verify(db, manifest)
    timings["verification"] = time.time() - t
    timings["total"] = time.time() - started
    say(f"{manifest['db']} of {manifest['date']} restored into {db} in {timings['total']:.1f} s")
    return passed, failed, timings


def verify(db, manifest):
    """Every table's rows and every stored file as the manifest has them."""
    passed, failed = 0, []
    with connect(db) as conn, conn.cursor() as cr:
        counts = db_snapshot.row_counts(cr)
        files = stored_files(cr)
    for table, count in manifest["row_counts"].items():
        if counts.get(table) == count:
            passed += 1
        else:
            failed.append(f"table {table}: {count} rows in the backup, {counts.get(table)} restored")
    if len(files) == manifest["attachment_count"]:
        passed += 1
    else:
        failed.append(f"{manifest['attachment_count']} stored files in the backup, {len(files)} restored")
    store = filestore(db)
    for att_id, expected in manifest["attachments"].items():
        sha1 = db_snapshot.file_sha1(store / expected["store_fname"])
        if files.get(att_id) == expected["store_fname"] and sha1 == expected["sha1"]:
            passed += 1
        else:
            failed.append(f"attachment {att_id} ({expected['store_fname']}): sha1 {sha1}, expected {expected['sha1']}")
    for line in failed[:20]:
        say(f"FAIL {line}")
    print(f"restore check: {passed} passed, {len(failed)} failed")
    return passed, failed


def roundtrip(args):
    started = time.time()
    timings = {}
    source = args.db
    created = False
    if not source:
        source = f"backup_test_{uuid.uuid4().hex[:8]}"
        say(f"installing tablet_loan with its demo data into {source}")
        t = time.time()
        rc = subprocess.run(odoo_env.odoo_cmd(source, "-i", odoo_env.MODULE, "--stop-after-init",
                                              "--max-cron-threads", "0", "--http-port", str(odoo_env.free_port())),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        if rc:
            odoo_env.fail(f"installing tablet_loan into {source} failed (rc={rc})")
        timings["install with demo data (source database)"] = time.time() - t
        created = True
    target = f"{source}_restored"
    out = odoo_env.BUILD / "backups" / f"{source}-roundtrip-{uuid.uuid4().hex[:6]}"
    try:
        out, backup_timings = backup(source, out)
        timings.update({f"backup: {k}": v for k, v in backup_timings.items()})
        passed, failed, restore_timings = restore(out, target, force=True)
        timings.update({f"restore: {k}": v for k, v in restore_timings.items()})
        # The restored database is a working one: Odoo loads its registry and reads its records.
        t = time.time()
        shell = odoo_env.odoo_cmd(target, "--no-http", "--log-level", "warn")
        shell.insert(shell.index("odoo") + 1, "shell")  # the sub-command comes first
        probe = subprocess.run(shell,
                               input="print('LOANS', env['tablet.loan'].search_count([]), "
                                     "len(env['ir.attachment'].search([]).mapped('datas')))\n",
                               capture_output=True, text=True)
        line = next((x for x in probe.stdout.splitlines() if x.startswith("LOANS")), "")
        expected = manifest_loans(out)
        ok = probe.returncode == 0 and line.split()[1:2] == [str(expected)]
        passed += ok
        failed += [] if ok else [f"Odoo on the restored database: {line or probe.stderr[-500:]}"]
        timings["Odoo reads the restored database"] = time.time() - t
    finally:
        if not args.keep:
            odoo_env.drop_db(target)
            shutil.rmtree(out, ignore_errors=True)
            if created:
                odoo_env.drop_db(source)
    for step, seconds in timings.items():
        say(f"{step}: {seconds:.1f} s")
    say(f"total {time.time() - started:.0f} s")
    print(f"backup-test: {passed} passed, {len(failed)} failed")
    return not failed


def manifest_loans(out):
    return json.loads((Path(out) / MANIFEST).read_text())["row_counts"].get("tablet_loan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("backup", help="dump, filestore and manifest of a database")
    p.add_argument("--db", required=True)
    p.add_argument("--out", help="directory to write (default build/backups/<db>-<UTC stamp>/)")
    p = sub.add_parser("restore", help="restore a backup into a new database and check it")
    p.add_argument("--from", dest="src", required=True, help="the backup's directory")
    p.add_argument("--db", required=True, help="the database to create")
    p.add_argument("--force", action="store_true", help="replace an existing database and filestore")
    p = sub.add_parser("roundtrip", help="backup-test: back up, restore into <db>_restored, compare")
    p.add_argument("--db", help="database to back up (default: a fresh one with the demo data, dropped after)")
    p.add_argument("--keep", action="store_true", help="keep the restored database and the backup")
    args = parser.parse_args()
    odoo_env.ensure_postgres()
    if args.command == "backup":
        backup(args.db, args.out)
    elif args.command == "restore":
        _passed, failed, _timings = restore(args.src, args.db, args.force)
        sys.exit(1 if failed else 0)
    else:
        sys.exit(0 if roundtrip(args) else 1)


if __name__ == "__main__":
    main()
