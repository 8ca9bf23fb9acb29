import re
from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

PO_PATH = Path(__file__).resolve().parent.parent / "i18n" / "fr.po"


@tagged("post_install", "-at_install")
class TestFrench(TransactionCase):
    """Every term the module adds reads in French."""

    def test_every_term_has_a_french_translation(self):
        translated = {e.msgid for e in polib.pofile(str(PO_PATH)) if e.msgstr}
        reader = TranslationModuleReader(self.env.cr, modules=["tablet_loan"], lang="fr_FR")
        sources = {row[4] for row in reader if row[0] == "tablet_loan" and row[4]}
        self.assertTrue(sources)
        missing = sorted(sources - translated)
        self.assertFalse(missing, "untranslated in i18n/fr.po (run tools/i18n_update.py): %s" % missing[:20])

    def test_french_user_reads_french(self):
        env = self.env(context={"lang": "fr_FR"})
        Convention = env["tablet.convention"]
        self.assertEqual(Convention._fields["home_use_allowed"].get_description(env)["string"],
                         "Usage à domicile autorisé")
        states = dict(Convention._fields["state"]._description_selection(env))
        self.assertEqual(states["signed"], "Signée")
        self.assertEqual(env.ref("tablet_loan.menu_tablet_loan_root").name, "Prêt de tablettes")
        self.assertEqual(env.ref("tablet_loan.group_college_head").name, "Collège : chef d'établissement")

    def test_no_rule_code_on_screen(self):  # noqa: C901 - one pass per kind of translatable source
        """Issue 19: rule codes (R12, R24b), articles of the conventions (I 3.2, B 5.4) and issue
        numbers are for developers and testers; no French term, field label or help,
        selection value, view, Today card, menu, action or activity of the module shows one."""
        from lxml import etree

        from odoo.addons.tablet_loan.models.tablet_today import CARDS, SECTIONS

        code = re.compile(r"\bR[0-9]{1,2}[a-c]?\b|(?<![\w.])[IB] [0-9]+(?:\.[0-9]+)*\b|\b[Ii]ssue [0-9]+")
        found = []

        def check(where, text):
            if text and code.search(str(text)):
                found.append(f"{where}: {str(text)[:120]!r}")

        for entry in polib.pofile(str(PO_PATH)):
            check("fr.po msgid", entry.msgid)
            check("fr.po msgstr", entry.msgstr)
        data = self.env["ir.model.data"].search([("module", "=", "tablet_loan")])
        ids = {}
        for row in data:
            ids.setdefault(row.model, []).append(row.res_id)
        models = self.env["ir.model"].browse(ids.get("ir.model", []))
        views = self.env["ir.ui.view"].browse(ids.get("ir.ui.view", []))
        self.assertTrue(models and views)
        attributes = ("string", "help", "placeholder", "title", "confirm", "aria-label", "alt",
                      "data-tooltip", "sum")
        for lang in ("en_US", "fr_FR"):
            env = self.env(context=dict(self.env.context, lang=lang))
            for model in models.with_env(env):
                check(f"{lang} model {model.model}", model.name)
                if model.model not in env:
                    continue
                for fname, desc in env[model.model].fields_get(attributes=["string", "help", "selection"]).items():
                    check(f"{lang} {model.model}.{fname} string", desc.get("string"))
                    check(f"{lang} {model.model}.{fname} help", desc.get("help"))
                    for _key, label in desc.get("selection") or []:
                        check(f"{lang} {model.model}.{fname} selection", label)
            for view in views.with_env(env):
                arch = etree.fromstring(view.arch)
                for node in arch.iter(etree.Element):
                    check(f"{lang} view {view.xml_id} text", node.text)
                    check(f"{lang} view {view.xml_id} text", node.tail)
                    for attribute in attributes:
                        check(f"{lang} view {view.xml_id} @{attribute}", node.get(attribute))
            for model, fnames in (("ir.ui.menu", ("name",)), ("ir.actions.act_window", ("name", "help")),
                                  ("ir.actions.report", ("name",)), ("ir.actions.server", ("name",)),
                                  ("mail.activity.type", ("name", "summary")),
                                  ("mail.template", ("name", "subject", "body_html")),
                                  ("ir.cron", ("cron_name",)), ("res.groups", ("name", "comment"))):
                for record in env[model].browse(ids.get(model, [])).exists():
                    for fname in fnames:
                        if fname in record._fields:
                            check(f"{lang} {model} {record.id} {fname}", record[fname])
            for section in SECTIONS:
                check(f"{lang} Today {section.key}", env._(section.title))
            for card in CARDS:
                check(f"{lang} Today {card.key} label", env._(card.label))
                check(f"{lang} Today {card.key} help", env._(card.help))
        self.assertFalse(found, "rule codes shown to users (run tools/strip_rule_codes.py):\n"
                         + "\n".join(found[:40]))
