import threading
from datetime import date

from psycopg2 import errors

from odoo import SUPERUSER_ID, Command, api
from odoo.service.model import _as_validation_error
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger


@tagged("post_install", "-at_install")
class TestConcurrentDeployment(TransactionCase):
    """Two référents deploy the same tablet at the same moment, in two real transactions:
    the database keeps exactly one loan and the other gets a clear error."""

    def _committed_fixtures(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].create({"name": "Département concurrence (test)"})
            college = env["res.partner"].create({"name": "Collège Concurrence", "is_college": True,
                                                 "uai_code": "0389301D", "company_id": company.id})
            teachers = env["res.partner"].create([{"name": f"Prof Concurrence {i}", "school_role": "teacher",
                                                   "college_id": college.id} for i in range(2)])
            convention = env["tablet.convention"].create({
                "company_id": company.id, "college_id": college.id, "ca_deliberation_date": date(2026, 5, 1),
                "date_signed_department": date(2026, 5, 2), "date_signed_college": date(2026, 5, 2),
                "wifi_ready_date": date(2026, 5, 1), "charter_adopted_date": date(2026, 5, 1)})
            convention.action_sign()
            user_list = env["tablet.user.list"].create({
                "college_id": college.id, "school_year": "2026-2027",
                "line_ids": [Command.create({"partner_id": t.id}) for t in teachers]})
            user_list.write({"state": "validated"})
            tablet = env["maintenance.equipment"].create({
                "name": "Tablette", "is_tablet": True, "serial_no": "SN-CONCURRENCE-1",
                "college_id": college.id, "company_id": company.id})
            cr.commit()
            return company.id, college.id, teachers.ids, tablet.id

    def _cleanup(self, college_id):
        with self.registry.cursor() as cr:
            for table, column in (("tablet_loan", "college_id"), ("tablet_user_list", "college_id"),
                                  ("tablet_convention", "college_id"), ("maintenance_equipment", "college_id"),
                                  ("res_partner", "college_id"), ("res_partner", "id")):
                cr.execute(SQL("DELETE FROM %s WHERE %s = %s", SQL.identifier(table), SQL.identifier(column), college_id))
            cr.commit()

    def test_two_transactions_deploy_the_same_tablet(self):
        _company_id, college_id, teacher_ids, tablet_id = self._committed_fixtures()
        self.addCleanup(self._cleanup, college_id)
        inserted, release = threading.Event(), threading.Event()
        results = {}

        def deploy(key, teacher_id, hold):
            with self.registry.cursor() as cr:
                cr.execute("SET LOCAL lock_timeout = '30s'")
                # The test runner holds the registry lock for the whole run: hand the
                # registry to the transaction so that the worker need not look it up.
                cr.transaction = api.Transaction(self.registry)
                env = api.Environment(cr, SUPERUSER_ID, {})
                try:
                    env["tablet.loan"]._bulk_create_loans([{
                        "borrower_id": teacher_id, "equipment_id": tablet_id, "college_id": college_id,
                        "school_year": "2026-2027", "date_start": date(2026, 9, 1), "state": "active"}])
                    if hold:
                        inserted.set()
                        release.wait(30)
                    cr.commit()
                    results[key] = "committed"
                except Exception as exc:  # noqa: BLE001 - the error is the result under test
                    cr.rollback()
                    results[key] = exc
                    results[f"{key}_message"] = str(_as_validation_error(env, exc)) if isinstance(
                        exc, errors.IntegrityError) else str(exc)
                finally:
                    inserted.set()

        first = threading.Thread(target=deploy, args=("first", teacher_ids[0], True))
        second = threading.Thread(target=deploy, args=("second", teacher_ids[1], False))
        with mute_logger("odoo.sql_db"):
            first.start()
            ok = inserted.wait(30)
            self.assertTrue(ok, "the first deployment inserted its loan")
            second.start()      # passes the Python checks (it cannot see the first, uncommitted loan)
            second.join(1.5)    # ... and waits on the database for the first transaction
            self.assertTrue(second.is_alive(), "the second transaction is blocked by the first one's loan")
            release.set()
            first.join(30)
            second.join(30)
        self.assertEqual(results["first"], "committed")
        self.assertIsInstance(results["second"], errors.ExclusionViolation)
        self.assertIn("already lent", results["second_message"])
        with self.registry.cursor() as cr:
            cr.execute("SELECT borrower_id FROM tablet_loan WHERE equipment_id = %s", [tablet_id])
            self.assertEqual(cr.fetchall(), [(teacher_ids[0],)], "exactly one loan per tablet survives")
