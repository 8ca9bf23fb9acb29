"""What a database of the module holds, read in PostgreSQL and in the filestore: shared by
`tools/upgrade_test.py` (before and after an upgrade) and `tools/backup.py` (the manifest
of a backup, then the check of its restore).

A snapshot is plain JSON:
- `tables`: {table: {"count": rows, "ids": [ids]}} for every table of the module (tablet_*)
  and the tables its records live in or lean on (RELATED_TABLES), and every table's row count
  in `row_counts`;
- `sums`: {"table.column": sum} of every numeric and floating-point column of those tables
  (amounts, values, quantities);
- `attachments`: {id: {"store_fname", "checksum", "sha1", "size"}} of every stored file
  except the web assets (bundles that Odoo rebuilds when it likes), `sha1` read from the file
  itself (None when the file is missing).
"""
import hashlib
import os

# Tables outside tablet_* whose rows the module's records are or point to.
RELATED_TABLES = (
    "res_partner", "res_users", "res_company", "res_groups_users_rel", "maintenance_equipment",
    "maintenance_equipment_category", "ir_attachment", "account_move", "account_move_line", "account_journal",
    "account_payment", "account_asset", "account_asset_line", "account_asset_profile", "purchase_order",
    "purchase_order_line", "mail_message", "mail_tracking_value", "mail_activity", "mail_followers",
)
# Attachments the snapshot leaves out: the web assets' bundles, rebuilt at will by Odoo.
ASSET_FILTER = "(url IS NULL OR url NOT LIKE '/web/assets/%%')"


def _tables(cr):
    cr.execute("""
        SELECT table_name FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
           AND (table_name LIKE 'tablet\\_%%' OR table_name = ANY(%s))
         ORDER BY 1
    """, [list(RELATED_TABLES)])
    return [row[0] for row in cr.fetchall()]


def _columns(cr, table):
    cr.execute("""
        SELECT column_name, data_type FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position
    """, [table])
    return cr.fetchall()


def row_counts(cr):
    """{table: rows} of every table of the database (exact counts)."""
    cr.execute("""
        SELECT table_name FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1
    """)
    counts = {}
    for (table,) in cr.fetchall():
        cr.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cr.fetchone()[0]
    return counts


def file_sha1(path):
    digest = hashlib.sha1()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def attachments(cr, filestore):
    cr.execute(f"""
        SELECT id, store_fname, checksum, file_size FROM ir_attachment
         WHERE store_fname IS NOT NULL AND {ASSET_FILTER} ORDER BY id
    """)
    return {
        str(att_id): {"store_fname": fname, "checksum": checksum, "size": size,
                      "sha1": file_sha1(os.path.join(filestore, fname))}
        for att_id, fname, checksum, size in cr.fetchall()
    }


def snapshot(cr, filestore):
    tables, sums = {}, {}
    for table in _tables(cr):
        columns = _columns(cr, table)
        names = {name for name, _type in columns}
        where = f"WHERE {ASSET_FILTER}" if table == "ir_attachment" else ""
        if "id" in names:
            cr.execute(f'SELECT id FROM "{table}" {where} ORDER BY id')
            ids = [row[0] for row in cr.fetchall()]
            tables[table] = {"count": len(ids), "ids": ids}
        else:
            cr.execute(f'SELECT count(*) FROM "{table}"')
            tables[table] = {"count": cr.fetchone()[0], "ids": None}
        numeric = [name for name, data_type in columns if data_type in ("numeric", "double precision", "real")]
        if numeric:
            cr.execute("SELECT {} FROM \"{}\" {}".format(
                ", ".join(f'round(COALESCE(sum("{c}"), 0)::numeric, 4)::text' for c in numeric), table, where))
            for name, total in zip(numeric, cr.fetchone(), strict=False):
                sums[f"{table}.{name}"] = total
    return {"tables": tables, "sums": sums, "row_counts": row_counts(cr), "attachments": attachments(cr, filestore)}
