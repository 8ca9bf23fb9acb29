import importlib.util

from odoo.modules.module import get_module_path
from odoo.tests import tagged

from odoo.addons.tablet_loan.hooks import LOAN_INDEXES, tune_tables

from .common import TabletLoanCase

MIGRATION = "migrations/18.0.2.0.0/post-migrate.py"


def load_migration():
    spec = importlib.util.spec_from_file_location("tablet_loan_migration_18_0_2", f"{get_module_path('tablet_loan')}/"
                                                  f"{MIGRATION}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestUpgrade(TabletLoanCase):
    """Issue 21: the indexes and fill factor a fresh install gets from the post_init_hook, and the
    data steps of the migration to 18.0.2.0.0 on records as 18.0.1 left them (make upgrade-test
    plays the whole upgrade on a real 18.0.1 database)."""

    def _indexes(self):
        self.env.cr.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
                            "('tablet_loan', 'maintenance_equipment') ORDER BY 1")
        return dict(self.env.cr.fetchall())

    def test_fresh_install_has_the_tuned_schema(self):
        indexes = self._indexes()
        for name, _columns, _where in LOAN_INDEXES:
            self.assertIn(name, indexes)
        for gone in ("tablet_loan__state_index", "tablet_loan__college_id_index", "maintenance_equipment__imei_index",
                     "maintenance_equipment__tablet_state_index"):
            self.assertNotIn(gone, indexes)
        self.env.cr.execute("SELECT reloptions FROM pg_class WHERE relname = 'maintenance_equipment'")
        self.assertEqual(self.env.cr.fetchone()[0], ["fillfactor=50"])
        self.assertIn("WHERE", indexes["tablet_loan_open_date_end_index"])

    def test_tune_tables_is_idempotent(self):
        before = self._indexes()
        tune_tables(self.env.cr)
        tune_tables(self.env.cr)
        self.assertEqual(self._indexes(), before)

    def test_conventions_get_the_model_that_reads_them_as_signed(self):
        """A convention of 18.0.1 with the Académie goes under the Département's model (3 years)
        or the Bouches-du-Rhône one (a school year); one without the Académie under a model of
        its own that keeps the gift, the collège's choice of home use and no signature before
        the hand-over, as 18.0.1 did."""
        with_academy = self._convention(self.college_alpha)
        school_year = self._convention(self.college_beta, model_id=self.env.ref(
            "tablet_loan.tablet_convention_model_bouches_du_rhone").id, school_year="2026-2027")
        isere = self.env.ref("tablet_loan.tablet_convention_model_isere")
        without = self._convention(self.college_gamma, model_id=isere.id, date_signed_academy=False)
        conventions = with_academy | school_year | without
        conventions.flush_recordset()
        # As 18.0.1 left them: no model at all.
        self.env.cr.execute("ALTER TABLE tablet_convention ALTER COLUMN model_id DROP NOT NULL")
        self.env.cr.execute("UPDATE tablet_convention SET model_id = NULL WHERE id IN %s", [tuple(conventions.ids)])
        conventions.invalidate_recordset()
        load_migration()._convention_models(self.env)
        conventions.invalidate_recordset()
        self.assertEqual(with_academy.model_id, self.env.ref("tablet_loan.tablet_convention_model_department"))
        self.assertEqual(school_year.model_id, self.env.ref("tablet_loan.tablet_convention_model_bouches_du_rhone"))
        legacy = without.model_id
        self.assertNotIn(legacy, isere | with_academy.model_id | school_year.model_id)
        self.assertEqual((legacy.academy_party, legacy.gift_allowed, legacy.signature_before_handover,
                          legacy.home_use, legacy.validity_type, legacy.company_id.id),
                         (False, True, False, "college", "three_years", False))
        self.assertFalse(without.academy_id)
        self.assertFalse(self.college_gamma.tablet_academy_party)
        self.assertTrue(self.college_alpha.tablet_academy_party)
        # The default model of a new convention is still the Département's own.
        self.assertEqual(self.env["tablet.convention"]._default_model(),
                         self.env.ref("tablet_loan.tablet_convention_model_department"))

    def test_decided_incidents_and_submitted_lists(self):
        """An incident 18.0.1 left validated with a decision date is decided; a list submitted
        before remembers the people it was submitted with."""
        self.env.cr.execute("SELECT id FROM tablet_incident WHERE state = 'decided' AND decision_date IS NOT NULL")
        decided_ids = [row[0] for row in self.env.cr.fetchall()]
        lists = self.env["tablet.user.list"].search([("state", "in", ("submitted", "validated")),
                                                     ("line_ids", "!=", False)])
        self.assertTrue(decided_ids and lists, "the demo data has decided incidents and a validated list")
        self.env.cr.execute("UPDATE tablet_incident SET state = 'validated' WHERE id = ANY(%s)", [decided_ids])
        self.env.cr.execute("DELETE FROM tablet_user_list_sent_partner_rel WHERE list_id = ANY(%s)", [lists.ids])
        self.env.invalidate_all()
        migration = load_migration()
        migration._decided_incidents(self.env)
        migration._list_submissions(self.env)
        self.env.invalidate_all()
        self.assertEqual(set(self.env["tablet.incident"].browse(decided_ids).mapped("state")), {"decided"})
        for user_list in lists:
            self.assertEqual(user_list.sent_partner_ids, user_list.line_ids.partner_id)

    def test_changed_noupdate_records_are_loaded_again(self):
        """An update leaves a noupdate record alone once created: the migration writes the
        record rules and the claim e-mail as the code defines them."""
        env = self.env(context={})  # as the migration runs: no user language
        rule = env.ref("tablet_loan.tablet_convention_rule_academy")
        template = env.ref("tablet_loan.mail_template_warranty_claim_sent")
        expected = rule.domain_force
        # As 18.0.1 left them.
        rule.domain_force = "['|', ('academy_id', 'in', user.tablet_academy_id.ids), " \
                            "('college_id.academy_id', 'in', user.tablet_academy_id.ids)]"
        template.body_html = "<p>18.0.1</p>"
        load_migration()._reload_noupdate_data(env)
        self.assertEqual(rule.domain_force, expected)
        self.assertIn("return_address", template.body_html)
