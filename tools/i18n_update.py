#!/usr/bin/env python3
"""Refresh i18n/fr.po from the module's current terms.

Usage: python3 tools/i18n_update.py DATABASE [EXTRA.po ...]
       (a database with tablet_loan installed; EXTRA.po files bring translations of new
        terms, written by hand while the feature was built)

Exports the module's terms with Odoo, keeps every French translation already in
i18n/fr.po, takes generic terms (followers, activities...) from Odoo's own French
files, writes i18n/tablet_loan.pot and i18n/fr.po, and lists what is left to
translate. Exits 1 while any term is untranslated.
"""
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).resolve().parent))
from odoo_env import ADDONS, PG_HOST, PG_PORT, link_addon  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "i18n" / "fr.po"
POT = ROOT / "i18n" / "tablet_loan.pot"
CORE_MODULES = ("base", "mail", "account", "maintenance", "contacts", "web")


def export_pot(db):
    link_addon()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tablet_loan.pot"
        subprocess.run([sys.executable, "-m", "odoo", "--addons-path", str(ADDONS), "-d", db,
                        "--db_host", PG_HOST, "--db_port", PG_PORT, "--i18n-export", str(out),
                        "--modules", "tablet_loan", "--stop-after-init", "--http-port", "0",
                        "--log-level", "warn"], check=True)
        return polib.pofile(str(out))


def core_translations():
    import odoo
    found = {}
    for base in odoo.addons.__path__:
        for module in CORE_MODULES:
            path = Path(base) / module / "i18n" / "fr.po"
            if path.exists():
                for entry in polib.pofile(str(path)):
                    if entry.msgstr and entry.msgid not in found:
                        found[entry.msgid] = entry.msgstr
    return found


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    pot = export_pot(sys.argv[1])
    known = {}
    for extra in sys.argv[2:]:
        known.update({e.msgid: e.msgstr for e in polib.pofile(extra) if e.msgstr})
    if PO.exists():  # translations already reviewed in fr.po win over new ones
        known.update({e.msgid: e.msgstr for e in polib.pofile(str(PO)) if e.msgstr})
    core = core_translations()
    pot.save(str(POT))
    po = polib.POFile()
    po.metadata = dict(pot.metadata, **{"Language": "fr", "Plural-Forms": "nplurals=2; plural=(n > 1);",
                                         "Language-Team": "French", "Content-Transfer-Encoding": ""})
    missing = []
    for entry in pot:
        entry.msgstr = known.get(entry.msgid) or core.get(entry.msgid, "")
        if not entry.msgstr:
            missing.append(entry.msgid)
        po.append(entry)
    po.save(str(PO))
    print(f"{len(pot)} terms, {len(missing)} untranslated")
    for msgid in missing:
        print(f"  {msgid!r}")
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
