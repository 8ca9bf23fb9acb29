"""The README's rules matrix, checked cell by cell through the ORM and through JSON-RPC.

Each row names protected fields or one `action_*` method of the module on a record of the
role's own collège in a given status; each cell says whether the role may write the field
or call the method (✓), is refused (✗: `AccessError` or `UserError`, the record and its
chatter unchanged), or cannot even read the record (—). A rule that holds only in a view
does not hold: the cells are played as an external client plays them, through JSON-RPC as
the demo users, and through the ORM as test users of each group (R1–R29, issue 13).

`TestRulesMatrixCoverage` keeps the table complete: a new `action_*` method, a new field
shown read-only or a new stored computed field fails it until it has a row (or is exempt,
with a reason, in the README).
"""
import logging
import time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from .access_matrix import ROLES
from .common import TabletLoanCase, execute_kw
from .rules_matrix import (
    ALLOWED,
    UNREADABLE,
    RulesFixtures,
    module_actions,
    protected_fields,
    read_exemptions,
    read_rules_matrix,
    to_json,
)

_logger = logging.getLogger(__name__)
QUIET = ("odoo.http", "odoo.addons.base.models.ir_rule", "odoo.addons.base.models.ir_model", "odoo.models",
         "odoo.sql_db", "odoo.addons.mail.models.mail_mail")
USER_ERRORS = {"odoo.exceptions.UserError", "odoo.exceptions.ValidationError", "odoo.exceptions.MissingError",
               "odoo.exceptions.RedirectWarning"}


class RulesWalker:
    """Walks every cell; `_attempt(user, row, member, fixture, value)` is the transport and
    answers ("allowed" | "AccessError" | "UserError" | "error", detail)."""

    def _walk(self):
        started = time.time()
        rows = read_rules_matrix()
        mismatches, checks = [], 0
        for row in rows:
            row_savepoint = self.env.cr.savepoint()
            try:
                try:
                    fixture = self.fixtures.build(row)
                except Exception as exc:  # noqa: BLE001 - reported with the row, the walk goes on
                    mismatches.append(f"{row.label}: the fixture could not be made: {type(exc).__name__}: {exc}")
                    continue
                # Every cell starts from this state: each one is undone before the next.
                before = self.fixtures.snapshot(fixture)
                for index, (role, expected) in enumerate(row.cells.items()):
                    user = self.users[role]
                    readable = self._readable(user, row, fixture)
                    if readable == (expected == UNREADABLE):
                        mismatches.append(f"{row.label} as {role} (cell {expected}): the role "
                                          f"{'reads' if readable else 'cannot read'} the record")
                    for member in self._members(row, index):
                        checks += 1
                        problem = self._check(row, member, user, expected, fixture, before)
                        if problem:
                            mismatches.append(f"{row.label} · {member} as {role} (cell {expected}): {problem}")
            finally:
                row_savepoint.close(rollback=True)
        cells = len(rows) * len(ROLES)
        _logger.info("%s: rules matrix of %d rows, %d cells, %d checks in %.0fs, %d disagree with README.md",
                     type(self).__name__, len(rows), cells, checks, time.time() - started, len(mismatches))
        self.assertFalse(mismatches, f"README rules matrix and the code disagree on {len(mismatches)} checks:\n"
                         + "\n".join(mismatches))
        return cells, checks

    def _members(self, row, role_index):
        """The fields (or the action) of `row` played for the role in column `role_index`."""
        return row.members

    def _readable(self, user, row, fixture):
        """Whether the role reads the row's record (opens the wizard, reads the model)."""
        Model = self.env[row.model].with_user(user)
        try:
            if fixture.wizard_vals is not None:
                Model.check_access("create" if Model._transient else "read")
            elif not fixture.record:
                if not Model._abstract:
                    Model.check_access("read")
            else:
                fixture.record.with_env(self.env).with_user(user).check_access("read")
        except AccessError:
            return False
        return True

    def _check(self, row, member, user, expected, fixture, before):
        """One field or action of one cell, in a savepoint undone afterwards. None when the
        code agrees with the cell, else what it did."""
        savepoint = self.env.cr.savepoint()
        try:
            value = self.fixtures.value_for(fixture.record, member) if row.kind == "field" else None
            # Nothing read as the administrator stays in the cache for the user's call.
            self.env.invalidate_all()
            outcome, detail = self._attempt(user, row, member, fixture, value)
            self.env.invalidate_all()
            if outcome == "error":
                return f"unexpected error {detail}"
            if expected == ALLOWED:
                if outcome != "allowed":
                    return f"refused ({outcome}: {detail})"
                if row.kind == "field" and not self._saved(fixture.record, member, value):
                    return f"allowed, but {value!r} was not saved"
                return None
            if outcome == "allowed":
                return "allowed"
            if expected == UNREADABLE and outcome != "AccessError":
                return f"refused with a {outcome} instead of an AccessError: {detail}"
            after = self.fixtures.snapshot(fixture)
            if after != before:
                return f"refused ({outcome}), but the record changed: {self._diff(before, after)}"
            return None
        finally:
            savepoint.close(rollback=True)

    def _saved(self, record, fname, value):
        fld = record._fields[fname]
        if fld.type in ("one2many", "many2many", "html", "json", "binary"):
            return True
        current = record.sudo()[fname]
        if fld.type == "many2one":
            return current.id == (value or False) or (not current and not value)
        if fld.type in ("float", "monetary"):
            return abs((current or 0.0) - value) < 0.005
        if fld.type == "date":
            return fields.Date.to_date(current) == fields.Date.to_date(value)
        if fld.type == "datetime":
            return fields.Datetime.to_datetime(current) == fields.Datetime.to_datetime(value)
        return current == value

    @staticmethod
    def _diff(before, after):
        if not (isinstance(before, tuple) and isinstance(after, tuple)):
            return f"{before!r} → {after!r}"
        changes = []
        for old, new in zip(before[0], after[0], strict=False):
            changes += [f"{k}: {old.get(k)!r} → {new.get(k)!r}" for k in old if old.get(k) != new.get(k)]
        if before[1] != after[1]:
            changes.append(f"chatter messages: {before[1]} → {after[1]}")
        if before[2] != after[2] or len(before[0]) != len(after[0]):
            changes.append("the record was deleted")
        return "; ".join(changes)


@tagged("post_install", "-at_install")
class TestRulesMatrix(RulesWalker, TabletLoanCase):
    """Through the ORM, as test users of each group (issue 13: every rule holds in the model)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        supplier = Partner.create({"name": "Tablettes Règles (test)", "is_company": True})
        other_supplier = Partner.create({"name": "Autre Fournisseur Règles (test)", "is_company": True})
        cls.supplier_user.partner_id.parent_id = supplier
        cls.users = dict(zip(ROLES, [cls.manager_a, cls.officer_a, cls.academy_user, cls.head_alpha,
                                     cls.referent_alpha, cls.accountant_alpha, cls.supplier_user], strict=False))
        cls.fixtures = RulesFixtures(cls.env, cls.dept_a, cls.dept_b, cls.academy_north, cls.academy_south,
                                     supplier, other_supplier, cls.users, "orm")
        alpha = cls.fixtures.alpha
        (cls.head_alpha | cls.referent_alpha | cls.accountant_alpha).write(
            {"tablet_college_ids": [Command.link(alpha.id)]})

    def _attempt(self, user, row, member, fixture, value):
        """The call in a savepoint of its own, undone when it fails, as a request is."""
        try:
            with mute_logger(*QUIET), self.env.cr.savepoint():
                if row.kind == "field":
                    fixture.record.with_env(self.env).with_user(user).write({member: value})
                elif row.kind == "create":
                    self.env[row.model].with_user(user).create(fixture.wizard_vals)
                else:
                    target = fixture.record.with_env(self.env).with_user(user)
                    if fixture.wizard_vals is not None:
                        target = self.env[row.model].with_user(user).create(fixture.wizard_vals)
                    getattr(target, member)(*fixture.args)
        except AccessError as exc:
            return "AccessError", str(exc).splitlines()[0]
        except UserError as exc:
            return "UserError", str(exc).splitlines()[0]
        except Exception as exc:  # noqa: BLE001 - a server error is a disagreement with the matrix
            return "error", f"{type(exc).__name__}: {exc}"
        return "allowed", None

    def test_rules_matrix_cell_by_cell(self):
        """Issue 13: each protected field and action × each role, as the README's rules matrix says."""
        cells, checks = self._walk()
        self.assertGreater(cells, 800)
        self.assertGreater(checks, cells)


@tagged("post_install", "-at_install")
class TestRulesMatrixRpc(RulesWalker, HttpCase):
    """Through Odoo's external API (JSON-RPC over HTTP), as the demo users with their passwords,
    on records of a collège of the demo Département and académie that the demo collège users
    are given, as the access matrix does."""

    DEMO_USERS = ["user_dept_manager", "user_dept_officer", "user_academy", "user_head", "user_referent",
                  "user_accountant", "user_supplier"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env.ref("tablet_loan.user_referent", raise_if_not_found=False):
            cls.skipTest(cls, "the demo users are needed (database without demo data)")
        env = cls.env
        Partner = env["res.partner"]
        other_company = env["res.company"].create({"name": "Département B (test règles RPC)"})
        academy_out = Partner.create({"name": "Académie hors champ (test règles RPC)", "is_academy": True})
        other_supplier = Partner.create({"name": "Autre Fournisseur Règles RPC (test)", "is_company": True})
        users = [env.ref(f"tablet_loan.{xmlid}") for xmlid in cls.DEMO_USERS]
        cls.users = dict(zip(ROLES, users, strict=False))
        cls.fixtures = RulesFixtures(
            env, env.ref("tablet_loan.demo_department"), other_company, env.ref("tablet_loan.demo_academy"),
            academy_out, env.ref("tablet_loan.demo_supplier"), other_supplier, cls.users, "rpc")
        for user in users[3:6]:
            user.tablet_college_ids = [Command.link(cls.fixtures.alpha.id)]

    def _members(self, row, role_index):
        """Each role plays the row, and each field of the row is played by at least one role:
        the fields of a row spread over the roles (the ORM class plays every field for every
        role). Twice fewer requests, the class stays under two minutes."""
        count = len(row.members)
        if count <= len(ROLES):
            return [row.members[role_index % count]]
        return list(row.members[role_index::len(ROLES)])

    def _call(self, user, model, method, *args):
        """One execute_kw over /jsonrpc, authenticated by the demo password (= login)."""
        name, result = execute_kw(self, user, model, method, to_json(list(args)))
        if name == "ok":
            return "allowed", result
        message = result.splitlines()[:1]
        if name == "odoo.exceptions.AccessError":
            return "AccessError", message
        if name in USER_ERRORS:
            return "UserError", message
        return "error", f"{name}: {message}"

    def _attempt(self, user, row, member, fixture, value):
        if row.kind == "field":
            outcome, detail = self._call(user, row.model, "write", [fixture.record.id], {member: value})
        elif row.kind == "create":
            outcome, detail = self._call(user, row.model, "create", fixture.wizard_vals)
        else:
            ids = [fixture.record.id] if fixture.record else None
            if fixture.wizard_vals is not None:
                outcome, detail = self._call(user, row.model, "create", fixture.wizard_vals)
                if outcome != "allowed":
                    return outcome, detail
                ids = [detail]
            args = ([ids] if ids is not None else []) + list(fixture.args)
            outcome, detail = self._call(user, row.model, member, *args)
        return outcome, (None if outcome == "allowed" else detail)

    def test_rules_matrix_cell_by_cell_over_json_rpc(self):
        """Issue 13: the same cells as an external client plays them, as the demo users."""
        cells, checks = self._walk()
        self.assertGreater(cells, 800)
        self.assertGreater(checks, cells)


@tagged("post_install", "-at_install")
class TestRulesMatrixCoverage(TransactionCase):
    """The rules matrix keeps up with the code: a new action or read-only field fails here
    until the README gives it a row (issue 13, 'Done when')."""

    def test_every_action_has_a_row(self):
        """Every `action_*` method of the module's models and wizards (and of the models it
        extends) has a row, and every action row names a method that exists."""
        rows = read_rules_matrix()
        rowed = {(row.model, row.members[0]) for row in rows if row.kind == "action"}
        actions = module_actions(self.env)
        self.assertGreater(len(actions), 50)
        self.assertFalse(sorted(actions - rowed), "action_* methods without a row in README's rules matrix")
        self.assertFalse(sorted(rowed - actions), "rows of README's rules matrix naming no action of the module")

    def test_every_read_only_field_has_a_row(self):
        """Every field a view of the module shows read-only, every stored computed field without
        an inverse and every field the module declares read-only has a row or an exemption."""
        rows = read_rules_matrix()
        rowed = {(row.model, member) for row in rows if row.kind == "field" for member in row.members}
        exempt = read_exemptions()
        protected = protected_fields(self.env)
        self.assertGreater(len(protected), 100)
        missing = sorted(protected - rowed - exempt.keys())
        self.assertFalse(missing, "read-only or computed fields without a row in README's rules matrix "
                                  "(add one, or exempt them with a reason)")
        unknown = sorted((m, f) for m, f in rowed | exempt.keys()
                         if m not in self.env or f not in self.env[m]._fields)
        self.assertFalse(unknown, "rows or exemptions of README's rules matrix naming no field")

    def test_every_row_has_a_fixture_and_a_role_per_column(self):
        """Each row is played on a record made for its status; each has a cell per role."""
        rows = read_rules_matrix()
        self.assertEqual(len(rows), len({(row.model, row.members, row.condition) for row in rows}),
                         "a row of the rules matrix appears twice")
        missing = [row.label for row in rows if (row.model, row.condition) not in RulesFixtures.BUILDERS]
        self.assertFalse(missing, "rows without a fixture in tests/rules_matrix.py")
        for row in rows:
            self.assertEqual(list(row.cells), ROLES, row.label)
