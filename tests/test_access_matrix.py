"""The README's access matrix, checked cell by cell through the ORM and through JSON-RPC.

Each cell (model × role × operation) is proven on both sides: allowed on a record in
the role's scope, `AccessError` on a record of another collège (in another académie)
and of another Département. The tests read the matrix from README.md, so the table
users read is the one the code is held to.
"""
import logging

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .access_matrix import OPERATIONS, ROLES, MatrixFixtures, read_matrix, read_wizard_matrix
from .common import TabletLoanCase, execute_kw

_logger = logging.getLogger(__name__)


class MatrixWalker:
    """Walks every cell; `_allowed(user, record, operation, field)` is the transport."""

    def _walk(self, users):
        mismatches, checks = [], 0
        cells = read_matrix()
        for model, field, operation, row in cells:
            for role, scope in row.items():
                for record, expected in self.fixtures.cases(model, scope):
                    checks += 1
                    allowed = self._allowed(users[role], record, operation, field)
                    if allowed != expected:
                        mismatches.append(
                            f"{model}{'.' + field if field else ''} {operation} as {role} (cell {scope}) on "
                            f"{record.display_name!r}: {'allowed' if allowed else 'refused'}, "
                            f"expected {'allowed' if expected else 'refused'}")
        wizards = read_wizard_matrix()
        for model, row in wizards:
            for role, expected in row.items():
                checks += 1
                if self._wizard_allowed(users[role], model) != expected:
                    mismatches.append(f"wizard {model} as {role}: expected {'allowed' if expected else 'refused'}")
        self.assertFalse(mismatches, "README matrix and access rights disagree:\n" + "\n".join(mismatches))
        n_cells = len(cells) * len(ROLES) + len(wizards) * len(ROLES)
        _logger.info("%s: %d matrix cells, %d checks, all agree with README.md", type(self).__name__, n_cells, checks)
        return n_cells, checks


@tagged("post_install", "-at_install")
class TestAccessMatrix(MatrixWalker, TabletLoanCase):
    """Through the ORM, as test users of each group."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        supplier = Partner.create({"name": "Tablettes Matrice (test)", "is_company": True})
        other_supplier = Partner.create({"name": "Autre Fournisseur Matrice (test)", "is_company": True})
        cls.supplier_user.partner_id.parent_id = supplier
        cls.fixtures = MatrixFixtures(cls.env, cls.dept_a, cls.dept_b, cls.academy_north, cls.academy_south,
                                      supplier, other_supplier, "orm")
        alpha = cls.fixtures.colleges["alpha"]
        (cls.head_alpha | cls.referent_alpha | cls.accountant_alpha).write(
            {"tablet_college_ids": [Command.link(alpha.id)]})
        cls.users = dict(zip(ROLES, [cls.manager_a, cls.officer_a, cls.academy_user, cls.head_alpha,
                                     cls.referent_alpha, cls.accountant_alpha, cls.supplier_user], strict=False))

    def _allowed(self, user, record, operation, field):
        record = record.with_user(user)
        try:
            if field:
                record.read([field])
            elif operation == "read":
                record.read(["display_name"])
            else:
                record.check_access(OPERATIONS[operation])
        except AccessError:
            if operation == "read" and not field:
                try:
                    found = record.search_count([("id", "=", record.id)])
                except AccessError:  # no read access to the model at all
                    found = 0
                self.assertFalse(found, f"{record} is unreadable by {user.login} but found by a search")
            return False
        if operation == "read" and not field:
            self.assertEqual(record.search_count([("id", "=", record.id)]), 1,
                             f"{record} is readable by {user.login} but not found by a search")
        return True

    def _wizard_allowed(self, user, model):
        try:
            self.env[model].with_user(user).check_access("create")
        except AccessError:
            return False
        return True

    def test_matrix_cell_by_cell(self):
        cells, checks = self._walk(self.users)
        self.assertGreater(cells, 400)
        self.assertGreater(checks, cells)


@tagged("post_install", "-at_install")
class TestAccessMatrixRpc(MatrixWalker, HttpCase):
    """Through Odoo's external API (JSON-RPC over HTTP), as the demo users, who log in
    with their passwords; a second Département and académie are added beside the demo's."""

    DEMO_USERS = ["user_dept_manager", "user_dept_officer", "user_academy", "user_head", "user_referent",
                  "user_accountant", "user_supplier"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env.ref("tablet_loan.user_referent", raise_if_not_found=False):
            cls.skipTest(cls, "the demo users are needed (database without demo data)")
        env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        Partner = env["res.partner"]
        company_b = env["res.company"].create({"name": "Département B (test RPC)"})
        academy_out = Partner.create({"name": "Académie hors champ (test RPC)", "is_academy": True})
        other_supplier = Partner.create({"name": "Autre Fournisseur RPC (test)", "is_company": True})
        cls.fixtures = MatrixFixtures(
            env, env.ref("tablet_loan.demo_department"), company_b, env.ref("tablet_loan.demo_academy"),
            academy_out, env.ref("tablet_loan.demo_supplier"), other_supplier, "rpc")
        alpha = cls.fixtures.colleges["alpha"]
        users = [env.ref(f"tablet_loan.{xmlid}") for xmlid in cls.DEMO_USERS]
        for user in users[3:6]:
            user.tablet_college_ids = [Command.link(alpha.id)]
        cls.users = dict(zip(ROLES, users, strict=False))

    def _call(self, user, model, method, *args, **kwargs):
        """One execute_kw over /jsonrpc: the result, or AccessError for a refusal."""
        name, result = execute_kw(self, user, model, method, args, kwargs)
        if name == "ok":
            return result
        if name == "odoo.exceptions.AccessError":
            return AccessError
        raise AssertionError(f"{model}.{method} as {user.login}: unexpected {name}: {result}")

    def _allowed(self, user, record, operation, field):
        if field:
            return self._call(user, record._name, "read", [record.id], [field]) is not AccessError
        if operation == "read":
            found = self._call(user, record._name, "search_read", [("id", "=", record.id)], fields=["display_name"])
            found = [] if found is AccessError else found  # no read access to the model at all
            read = self._call(user, record._name, "read", [record.id], ["display_name"])
            self.assertEqual(bool(found), read is not AccessError,
                             f"{record} as {user.login}: a search and a read disagree")
            return read is not AccessError
        return self._call(user, record._name, "check_access", [record.id], OPERATIONS[operation]) is not AccessError

    def _wizard_allowed(self, user, model):
        return self._call(user, model, "check_access", [], "create") is not AccessError

    def test_matrix_cell_by_cell_over_json_rpc(self):
        cells, checks = self._walk(self.users)
        self.assertGreater(cells, 400)

    def test_refused_requests_change_nothing(self):
        """A supplier reading a loan, a référent choosing the head's counterparts: refused, unchanged."""
        loan = self.fixtures.records["tablet.loan"]["alpha"]
        incident = self.fixtures.records["tablet.incident"]["alpha"]
        self.assertIs(self._call(self.users["Supplier agent"], "tablet.loan", "read", [loan.id], ["borrower_id"]),
                      AccessError)
        self.assertIs(self._call(self.users["Collège référent"], "tablet.loan", "write", [loan.id],
                                 {"no_gift": True}), AccessError)
        self.assertIs(self._call(self.users["Collège accountant"], "tablet.incident", "read", [incident.id],
                                 ["circumstances"]), AccessError)
        loan.invalidate_recordset()
        self.assertFalse(loan.no_gift)
