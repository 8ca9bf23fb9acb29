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
