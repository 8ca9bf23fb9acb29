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

    def _committed_fixtures(self, teacher_count=2, tablet_count=1):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].create({"name": f"Département concurrence {tablet_count} (test)"})
            college = env["res.partner"].create({"name": "Collège Concurrence", "is_college": True,
                                                 "uai_code": "0389301D" if tablet_count == 1 else "0389302E",
                                                 "company_id": company.id})
            teachers = env["res.partner"].create([{"name": f"Prof Concurrence {i}", "school_role": "teacher",
                                                   "college_id": college.id} for i in range(teacher_count)])
            convention = env["tablet.convention"].create({
                "company_id": company.id, "college_id": college.id, "ca_deliberation_date": date(2026, 5, 1),
                "date_signed_department": date(2026, 5, 2), "date_signed_college": date(2026, 5, 2),
                "wifi_ready_date": date(2026, 5, 1), "charter_adopted_date": date(2026, 5, 1)})
            convention.action_sign()
            user_list = env["tablet.user.list"].create({
                "college_id": college.id, "school_year": "2026-2027",
                "line_ids": [Command.create({"partner_id": t.id}) for t in teachers]})
            user_list.write({"state": "validated"})
            tablets = env["maintenance.equipment"].create([{
                "name": "Tablette", "is_tablet": True, "serial_no": f"SN-CONCURRENCE-{i + 1}",
                "college_id": college.id, "company_id": company.id} for i in range(tablet_count)])
            cr.commit()  # pylint: disable=invalid-commit  # two real transactions are the test
            return company.id, college.id, teachers.ids, tablets.ids[0] if tablet_count == 1 else tablets.ids

    def _cleanup(self, college_id):
        with self.registry.cursor() as cr:
            for table, column in (("tablet_loan", "college_id"), ("tablet_user_list", "college_id"),
                                  ("tablet_convention", "college_id"), ("maintenance_equipment", "college_id"),
                                  ("res_partner", "college_id"), ("res_partner", "id")):
                cr.execute(SQL("DELETE FROM %s WHERE %s = %s", SQL.identifier(table), SQL.identifier(column), college_id))
            cr.commit()  # pylint: disable=invalid-commit  # two real transactions are the test

    def _race(self, college_id, first_pairs, second_pairs):
        """Deploy `first_pairs` and `second_pairs` (teacher, tablet) in two real transactions:
        the first inserts and holds its transaction open while the second starts; returns
        {"first"/"second": "committed" or the exception, "<key>_message": the user's message}."""
        inserted, release = threading.Event(), threading.Event()
        results = {}

        def deploy(key, pairs, hold):
            with self.registry.cursor() as cr:
                cr.execute("SET LOCAL lock_timeout = '30s'")
                # The test runner holds the registry lock for the whole run: hand the
                # registry to the transaction so that the worker need not look it up.
                cr.transaction = api.Transaction(self.registry)
                env = api.Environment(cr, SUPERUSER_ID, {})
                try:
                    env["tablet.loan"]._bulk_create_loans([{
                        "borrower_id": teacher_id, "equipment_id": tablet_id, "college_id": college_id,
                        "school_year": "2026-2027", "date_start": date(2026, 9, 1), "state": "active",
                    } for teacher_id, tablet_id in pairs])
                    if hold:
                        inserted.set()
                        release.wait(30)
                    cr.commit()  # pylint: disable=invalid-commit  # two real transactions are the test
                    results[key] = "committed"
                except Exception as exc:  # noqa: BLE001 - the error is the result under test
                    cr.rollback()
                    results[key] = exc
                    results[f"{key}_message"] = str(_as_validation_error(env, exc)) if isinstance(
                        exc, errors.IntegrityError) else str(exc)
                finally:
                    inserted.set()

        first = threading.Thread(target=deploy, args=("first", first_pairs, True))
        second = threading.Thread(target=deploy, args=("second", second_pairs, False))
        with mute_logger("odoo.sql_db"):
            first.start()
            self.assertTrue(inserted.wait(30), "the first deployment inserted its loans")
            second.start()      # passes the Python checks (it cannot see the first, uncommitted loans)
            second.join(1.5)    # ... and waits on the database for the first transaction
            self.assertTrue(second.is_alive(), "the second transaction is blocked by the first one's loan")
            release.set()
            first.join(30)
            second.join(30)
        return results

    def test_two_transactions_deploy_the_same_tablet(self):
        _company_id, college_id, teacher_ids, tablet_id = self._committed_fixtures()
        self.addCleanup(self._cleanup, college_id)
        results = self._race(college_id, [(teacher_ids[0], tablet_id)], [(teacher_ids[1], tablet_id)])
        self.assertEqual(results["first"], "committed")
        self.assertIsInstance(results["second"], errors.ExclusionViolation)
        self.assertIn("already lent", results["second_message"])
        with self.registry.cursor() as cr:
            cr.execute("SELECT borrower_id FROM tablet_loan WHERE equipment_id = %s", [tablet_id])
            self.assertEqual(cr.fetchall(), [(teacher_ids[0],)], "exactly one loan per tablet survives")

    def test_two_deployments_sharing_some_tablets(self):
        """Two référents deploy overlapping sets (tablets A, B and B, C) at the same moment: the
        first keeps both its loans, the second fails as a whole with a clear error, and tablet
        C, which nobody else wanted, is not lent either (a deployment is all or nothing)."""
        _company_id, college_id, teacher_ids, tablet_ids = self._committed_fixtures(teacher_count=4, tablet_count=3)
        self.addCleanup(self._cleanup, college_id)
        tablet_a, tablet_b, tablet_c = tablet_ids
        results = self._race(college_id, [(teacher_ids[0], tablet_a), (teacher_ids[1], tablet_b)],
                             [(teacher_ids[2], tablet_b), (teacher_ids[3], tablet_c)])
        self.assertEqual(results["first"], "committed")
        self.assertIsInstance(results["second"], errors.ExclusionViolation)
        self.assertIn("already lent", results["second_message"])
        with self.registry.cursor() as cr:
            cr.execute("SELECT equipment_id, borrower_id FROM tablet_loan WHERE college_id = %s ORDER BY equipment_id",
                       [college_id])
            self.assertEqual(cr.fetchall(), [(tablet_a, teacher_ids[0]), (tablet_b, teacher_ids[1])],
                             "one loan per tablet survives; tablet C is not lent by the failed deployment")
            cr.execute("SELECT id, tablet_state FROM maintenance_equipment WHERE id = ANY(%s) ORDER BY id",
                       [tablet_ids])
            self.assertEqual([state for _id, state in cr.fetchall()], ["assigned", "assigned", "stock"])
