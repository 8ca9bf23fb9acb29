"""Issue 13, conventions, lists, reports, tariffs, collège scope and input: every rule
holds in the model, whatever the client sends (a context key, a related field, a date
in 2999, NaN). Each refusal names the field or the action and changes nothing."""
import re
from datetime import date
from pathlib import Path

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.tablet_loan.models.res_partner import uai_check_letter

from .common import TabletLoanCase, execute_kw

MODULE_DIR = Path(__file__).resolve().parent.parent
FORGED_CONTEXTS = ({"tablet_workflow_action": True}, {"tablet_action_token": True},
                   {"tablet_action_token": "tablet_action_token"})


def label(record, fname):
    """A field's label in the user's language, as the refusals name it."""
    return record._fields[fname].get_description(record.env)["string"]


@tagged("post_install", "-at_install")
class TestRulesScope(TabletLoanCase):
    """Through the ORM, as test users of each group."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.draft = cls._convention(cls.college_alpha, date_signed_department=False, date_signed_academy=False,
                                    date_signed_college=False)
        cls.signed = cls._convention(cls.college_beta)
        cls.signed.action_sign()
        cls.tariff = cls.env["tablet.charge.tariff"].create({
            "college_id": cls.college_alpha.id, "school_year": "2026-2027",
            "ca_deliberation_date": date(2026, 6, 12), "ca_deliberation_ref": "CA n° 7",
            "line_ids": [Command.create({"case": "breakage", "amount_type": "fixed", "fixed_amount": 40.0,
                                         "cap_amount": 100.0})]})
        cls.head_beta = new_test_user(cls.env, login="t_head_beta", groups="tablet_loan.group_college_head",
                                      company_id=cls.dept_a.id, company_ids=[Command.set(cls.dept_a.ids)],
                                      tablet_college_ids=[Command.set(cls.college_beta.ids)])

    def _messages(self, record):
        self._commit_tracking()
        record.invalidate_recordset(["message_ids"])
        return len(record.sudo().message_ids)

    # ------------------------------------------------------------ actions and roles
    def test_only_the_departement_expires_a_convention(self):
        """R5: a convention runs 3 years from signature (I 6) or one school year (B 9). A head
        or an Académie officer expiring it at once would stop every new loan of the collège:
        only the Département's programme manager ends it early; the daily job at its end."""
        convention = self.signed
        messages = self._messages(convention)
        for user in (self.head_beta, self.academy_user, self.officer_a, self.referent_alpha):
            with self.subTest(user=user.login), self.assertRaises(AccessError) as err:
                convention.with_user(user).action_expire()
            self.assertIn("Département", str(err.exception))
        self.assertEqual(convention.state, "signed")
        self.assertEqual(self._messages(convention), messages)
        convention.with_user(self.manager_a).action_expire()
        self.assertEqual(convention.state, "expired")

    def test_forged_context_changes_no_status(self):
        """The old guard trusted a context key: no key, whatever its value, opens the door."""
        user_list = self.env["tablet.user.list"].create({"college_id": self.college_alpha.id,
                                                         "school_year": "2027-2028"})
        for context in FORGED_CONTEXTS:
            with self.subTest(context=context):
                with self.assertRaises(AccessError):
                    self.signed.with_user(self.head_beta).with_context(**context).write({"state": "expired"})
                with self.assertRaises(AccessError):
                    self.signed.with_user(self.head_beta).with_context(**context).action_expire()
                with self.assertRaises(AccessError):
                    user_list.with_user(self.head_alpha).with_context(**context).write({"state": "validated"})
                with self.assertRaises(AccessError):
                    user_list.with_user(self.head_alpha).with_context(**context).action_validate()
        self.assertEqual((self.signed.state, user_list.state), ("signed", "draft"))

    def test_every_action_checks_a_role(self):
        """Each action_* of these models names the groups that may call it (the README's roles)."""
        for model in ("tablet.convention", "tablet.user.list", "tablet.annual.report"):
            actions = {name: member for cls in type(self.env[model]).__mro__
                       if cls.__module__.startswith("odoo.addons.tablet_loan.models")
                       for name, member in vars(cls).items() if name.startswith("action_")}
            self.assertTrue(actions)
            for name, member in actions.items():
                with self.subTest(model=model, action=name):
                    self.assertTrue(getattr(member, "_tablet_groups", None),
                                    f"{model}.{name} does not go through tablet_action(groups...)")
        user_list = self.env["tablet.user.list"].create({"college_id": self.college_alpha.id,
                                                         "school_year": "2027-2028"})
        with self.assertRaises(AccessError):
            user_list.with_user(self.academy_user).action_fill_from_college()
        self.assertFalse(user_list.line_ids)

    def test_public_methods_are_orm_or_guarded_actions(self):
        """Any public method is callable over RPC: the ones of these models are the ORM's
        or actions with a role check; helpers are private."""
        orm = {"create", "write", "unlink", "copy", "read", "default_get", "name_create", "onchange"}
        # mail.thread's own public API, narrowed by models/mail_thread.py to the user's scope
        # (followers and recipients; tested in test_rules_incidents).
        orm |= {"message_subscribe", "message_post", "message_notify"}
        for model in ("tablet.convention", "tablet.convention.amendment", "tablet.user.list",
                      "tablet.user.list.line", "tablet.annual.report", "tablet.charge.tariff",
                      "tablet.charge.tariff.line", "res.company", "res.users"):
            for cls in type(self.env[model]).__mro__:
                if not cls.__module__.startswith("odoo.addons.tablet_loan.models"):
                    continue
                for name, member in vars(cls).items():
                    if name.startswith("_") or not callable(member) or name in orm:
                        continue
                    with self.subTest(model=model, method=name):
                        self.assertTrue(name.startswith("action_") and getattr(member, "_tablet_groups", None),
                                        f"{model}.{name} is public without a role check")

    def test_no_context_key_is_a_guard(self):
        """No module code decides on a context key a client can send: only navigation keys
        are read (active_*, default_*), and the actions' pass, compared with `is`."""
        pattern = re.compile(r"""context(?:\.get\(|\[)\s*["']([\w.]+)["']""")
        for folder in ("models", "wizards"):
            for path in sorted((MODULE_DIR / folder).glob("*.py")):
                for key in pattern.findall(path.read_text()):
                    with self.subTest(file=path.name, key=key):
                        self.assertRegex(key, r"^(active_|default_|lang$|tz$)",
                                         f"{path.name} reads the context key {key!r}")

    # ------------------------------------------------------------------ signatures
    def test_each_party_signs_for_itself(self):
        """R5: each party signs the convention; one party cannot record another's signature."""
        draft = self.draft
        others = {
            self.academy_user: ("date_signed_department", "date_signed_college"),
            self.head_alpha: ("date_signed_department", "date_signed_academy"),
            self.manager_a: ("date_signed_academy", "date_signed_college"),
        }
        for user, fnames in others.items():
            for fname in fnames:
                with self.subTest(user=user.login, field=fname), self.assertRaises(AccessError) as err:
                    draft.with_user(user).write({fname: date(2026, 3, 2)})
                self.assertIn(label(draft, fname), str(err.exception))
        with self.assertRaises(AccessError):
            self.env["tablet.convention"].with_user(self.head_alpha).create({
                "college_id": self.college_alpha.id, "date_signed_college": date(2026, 3, 2),
                "date_signed_department": date(2026, 3, 2)})
        self.assertFalse(draft.date_signed_department or draft.date_signed_academy or draft.date_signed_college)
        # Each party records its own.
        draft.with_user(self.manager_a).write({"date_signed_department": date(2026, 3, 2)})
        draft.with_user(self.academy_user).write({"date_signed_academy": date(2026, 3, 3)})
        draft.with_user(self.head_alpha).write({"date_signed_college": date(2026, 3, 4)})
        draft.with_user(self.academy_user).action_sign()
        self.assertEqual((draft.state, draft.date_start), ("signed", date(2026, 3, 4)))

    def test_academy_officer_only_cosigns(self):
        """The Académie reads and co-signs: it does not take the collège's decisions."""
        with self.assertRaises(AccessError) as err:
            self.draft.with_user(self.academy_user).write({"home_use_allowed": True})
        self.assertIn(label(self.draft, "home_use_allowed"), str(err.exception))
        self.assertFalse(self.draft.home_use_allowed)

    def test_signature_in_the_future_refused(self):
        """A signature dated 2999 would make the convention valid until 3002 (and grant home use)."""
        for fname, user in (("date_signed_college", self.head_alpha), ("date_signed_academy", self.academy_user),
                            ("date_signed_department", self.manager_a), ("ca_deliberation_date", self.head_alpha)):
            with self.subTest(field=fname), self.assertRaises(ValidationError) as err:
                self.draft.with_user(user).write({fname: date(2999, 1, 1)})
            self.assertIn(label(self.draft, fname), str(err.exception))
            self.assertFalse(self.draft[fname] and self.draft[fname].year == 2999)
        with self.assertRaises(ValidationError):
            self.env["tablet.convention.amendment"].create({
                "convention_id": self.signed.id, "name": "Avenant futur", "date": date(2999, 1, 1)})

    # ------------------------------------------------------------------ frozen records
    def test_signed_and_expired_conventions_are_frozen(self):
        """I 7: a signed convention changes by amendment; an expired one no longer changes."""
        with self.assertRaises(UserError):
            self.signed.with_user(self.head_beta).write({"college_id": self.college_alpha.id})
        with self.assertRaises(AccessError):
            self.draft.with_user(self.head_alpha).write({"name": self.signed.name})
        with self.assertRaises(AccessError):
            self.env["tablet.convention"].with_user(self.head_alpha).create({
                "college_id": self.college_alpha.id, "name": self.signed.name})
        self.signed.with_user(self.head_beta).write({"home_use_allowed": True})  # the collège's decision
        self.signed.with_user(self.manager_a).action_expire()
        for vals in ({"home_use_allowed": False}, {"referent_ids": [Command.clear()]},
                     {"charter_adopted_date": date(2026, 2, 1)}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                self.signed.with_user(self.manager_a).write(vals)
        self.assertTrue(self.signed.home_use_allowed)
        self.assertEqual(self.signed.college_id, self.college_beta)

    def test_convention_academy_is_the_colleges(self):
        """A convention's Académie is its collège's (or none, Isère model): a head cannot show
        it to another académie."""
        with self.assertRaises(ValidationError):
            self.draft.with_user(self.head_alpha).write({"academy_id": self.academy_south.id})
        self.assertEqual(self.draft.academy_id, self.academy_north)

    def test_records_do_not_leave_the_writers_scope(self):
        """A head pointing a draft convention, a tariff or an annual report at a collège they do
        not work with would hand it to that collège: refused, nothing moves."""
        report = self.env["tablet.annual.report"].with_user(self.head_alpha).create({
            "college_id": self.college_alpha.id, "school_year": "2026-2027"})
        for record in (self.draft, self.tariff, report):
            with self.subTest(model=record._name), self.assertRaises(AccessError):
                record.with_user(self.head_alpha).write({"college_id": self.college_beta.id})
            self.assertEqual(record.college_id, self.college_alpha)

    def test_amendments_stay_with_their_convention(self):
        """Stored related scope fields are never written: they would move the record."""
        amendment = self.env["tablet.convention.amendment"].create({
            "convention_id": self.signed.id, "name": "Avenant n° 1", "date": date(2026, 6, 1)})
        other = self._convention(self.college_alpha, signed=date(2026, 2, 1))
        other.action_sign()
        for vals in ({"college_id": self.college_alpha.id}, {"company_id": self.dept_b.id},
                     {"convention_id": other.id}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                amendment.with_user(self.head_beta).write(vals)
        self.assertEqual((amendment.college_id, amendment.convention_id), (self.college_beta, self.signed))
        self.signed.with_user(self.manager_a).action_expire()
        with self.assertRaises(UserError):
            amendment.with_user(self.manager_a).write({"description": "Réécrit après la fin"})

    def test_user_list_lines_frozen_and_scoped(self):
        """R3: a submitted or validated list no longer changes; its lines cannot be moved or
        used to rewrite the person's class."""
        user_list = self.env["tablet.user.list"].with_user(self.head_alpha).create({
            "college_id": self.college_alpha.id, "school_year": "2027-2028",
            "line_ids": [Command.create({"partner_id": self.pupil_alpha.id})]})
        line = user_list.line_ids
        other = self.env["tablet.user.list"].create({"college_id": self.college_beta.id,
                                                     "school_year": "2027-2028"})
        for vals in ({"college_id": self.college_beta.id}, {"company_id": self.dept_b.id},
                     {"school_class": "3e Z"}, {"school_role": "teacher"}, {"list_id": other.id}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                line.with_user(self.head_alpha).write(vals)
        self.assertEqual((line.list_id, self.pupil_alpha.school_class, self.pupil_alpha.school_role),
                         (user_list, "5e A", "pupil"))
        user_list.with_user(self.head_alpha).action_submit()
        for vals in ({"school_year": "2028-2029"}, {"college_id": self.college_beta.id},
                     {"line_ids": [Command.clear()]}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                user_list.with_user(self.head_alpha).write(vals)
        self.assertEqual(user_list.line_ids, line)

    def test_submitted_annual_report_cannot_move(self):
        """R27: a submitted report is what the Académie and the Département received."""
        report = self.env["tablet.annual.report"].with_user(self.head_alpha).create({
            "college_id": self.college_alpha.id, "school_year": "2026-2027", "usage_text": "<p>Usages</p>"})
        report.with_user(self.head_alpha).action_submit()
        for vals in ({"academy_id": self.academy_south.id}, {"company_id": self.dept_b.id}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                report.with_user(self.head_alpha).write(vals)
        for vals in ({"college_id": self.college_beta.id}, {"school_year": "2025-2026"}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                report.with_user(self.manager_a).write(vals)
        self.assertEqual((report.academy_id, report.college_id, self.college_alpha.academy_id),
                         (self.academy_north, self.college_alpha, self.academy_north))

    # -------------------------------------------------------------- collège scope
    def test_only_the_departement_writes_a_colleges_scope(self):
        """R1: a collège belongs to its Département and its académie; its head cannot move it
        (and with it the annual reports, lists and conventions the académie reads)."""
        journal = self.env["account.journal"].create({"name": "Ventes (test)", "code": "VTST", "type": "sale",
                                                      "company_id": self.dept_a.id})
        for user in (self.head_alpha, self.referent_alpha):
            for vals in ({"academy_id": self.academy_south.id}, {"uai_code": "0389202W"},
                         {"company_id": self.dept_b.id}, {"is_college": False}, {"is_academy": True},
                         {"tablet_journal_id": journal.id}):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError) as err:
                    self.college_alpha.with_user(user).write(vals)
                self.assertIn(label(self.college_alpha, next(iter(vals))), str(err.exception))
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["res.partner"].with_user(user).create({
                    "name": "Collège fantôme", "is_college": True, "uai_code": "0389202W"})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.pupil_alpha.with_user(user).write({"academy_id": self.academy_south.id})
        self.assertRecordValues(self.college_alpha, [{
            "academy_id": self.academy_north.id, "uai_code": "0380027Y", "company_id": self.dept_a.id,
            "is_college": True, "is_academy": False, "tablet_journal_id": False}])
        # The head still keeps the collège's address up to date, and the Département moves it.
        self.college_alpha.with_user(self.head_alpha).write({"street": "1 rue du Collège"})
        self.college_alpha.with_user(self.officer_a).write({"academy_id": self.academy_south.id})
        self.assertEqual(self.college_alpha.academy_id, self.academy_south)

    def test_users_scope_is_the_administrators(self):
        """A head cannot give themselves another collège or an académie."""
        with self.assertRaises(AccessError):
            self.head_alpha.with_user(self.head_alpha).write({"tablet_college_ids": [Command.link(self.college_beta.id)]})
        with self.assertRaises(AccessError):
            self.head_alpha.with_user(self.head_alpha).write({"tablet_academy_id": self.academy_north.id})
        self.assertEqual(self.head_alpha.tablet_college_ids, self.college_alpha)

    # ----------------------------------------------------------------------- input
    def test_full_width_uai_is_normalised_and_unique(self):
        """A UAI typed in full-width digits is the same UAI: stored in ASCII, and a duplicate
        of an existing one is refused; other scripts' digits are refused."""
        Partner = self.env["res.partner"].with_user(self.manager_a)
        digits = "0389204"
        full_width = "".join(chr(ord(c) + 0xFEE0) for c in digits + uai_check_letter(digits).lower())
        college = Partner.create({"name": "Collège Pleine Chasse", "is_college": True, "uai_code": full_width})
        self.assertEqual(college.uai_code, digits + uai_check_letter(digits))
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            Partner.create({"name": "Collège Doublon", "is_college": True, "uai_code": "０３８００２７Ｙ"})
        for code in ("٠٣٨٠٠٢٨Z", "0380\u200b027Y"):  # Arabic-Indic digits, a zero-width space
            with self.subTest(code=code), self.assertRaises(ValidationError) as err:
                Partner.create({"name": "Collège Exotique", "is_college": True, "uai_code": code})
            self.assertIn("0380027Y", str(err.exception))

    def test_numbers_must_be_finite(self):
        """NaN or infinite amounts (a JSON client can send NaN) would reach the charges and the
        accounts: refused with the field's name."""
        line = self.tariff.line_ids
        for fname in ("fixed_amount", "cap_amount", "percentage"):
            for value in (float("nan"), float("inf"), float("-inf"), "nan", "Infinity"):
                with self.subTest(field=fname, value=value), self.assertRaises(ValidationError) as err:
                    line.with_user(self.head_alpha).write({fname: value})
                self.assertIn(label(line, fname), str(err.exception))
        with self.assertRaises(ValidationError):
            self.tariff.with_user(self.head_alpha).write({"line_ids": [Command.create({
                "case": "loss", "amount_type": "fixed", "fixed_amount": float("nan"), "cap_amount": 10.0})]})
        with self.assertRaises(ValidationError) as err:
            self.tariff.with_user(self.head_alpha).write({"depreciation_years": 10 ** 12})
        self.assertIn(label(self.tariff, "depreciation_years"), str(err.exception))
        self.assertRecordValues(line, [{"fixed_amount": 40.0, "cap_amount": 100.0, "percentage": 0.0}])
        self.assertEqual(len(self.tariff.line_ids), 1)

    def test_texts_have_a_limit(self):
        """Texts beyond any real use (a megabyte in a reference) are refused by name."""
        with self.assertRaises(ValidationError) as err:
            self.tariff.with_user(self.head_alpha).write({"ca_deliberation_ref": "x" * 1001})
        self.assertIn(label(self.tariff, "ca_deliberation_ref"), str(err.exception))
        self.assertIn("1", str(err.exception))
        self.tariff.with_user(self.head_alpha).write({"ca_deliberation_ref": "x" * 1000})
        with self.assertRaises(ValidationError):
            self.env["tablet.convention.amendment"].create({
                "convention_id": self.signed.id, "name": "Avenant long", "date": date(2026, 6, 1),
                "description": "y" * 100_001})
        with self.assertRaises(ValidationError):
            self.pupil_alpha.with_user(self.referent_alpha).write({"school_class": "5" * 1001})
        self.assertEqual(self.pupil_alpha.school_class, "5e A")


@tagged("post_install", "-at_install")
class TestRulesScopeRpc(HttpCase):
    """The same doors, tried as an external client would: JSON-RPC as the demo users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env.ref("tablet_loan.user_head", raise_if_not_found=False):
            cls.skipTest(cls, "the demo users are needed (database without demo data)")
        ref = cls.env.ref
        cls.users = {login: ref(f"tablet_loan.user_{login}") for login in ("dept_manager", "academy", "head")}
        cls.lac_bleu = ref("tablet_loan.demo_college_lac_bleu")
        cls.signed = ref("tablet_loan.demo_convention_lac_bleu")
        cls.draft = ref("tablet_loan.demo_convention_pierre_seche")
        # The demo's draft runs the Isère model, where the Académie is no party (issue 18): here
        # it is drafted under the Département's own model, with the Académie, whose officer signs.
        cls.draft.model_id = ref("tablet_loan.tablet_convention_model_department")
        cls.user_list = ref("tablet_loan.demo_user_list_lac_bleu")
        cls.report = ref("tablet_loan.demo_annual_report_lac_bleu")
        cls.tariff_line = ref("tablet_loan.demo_tariff_lac_bleu").line_ids[:1]
        cls.other_academy = cls.env["res.partner"].create({"name": "Académie voisine (test RPC)",
                                                           "is_academy": True})

    def _call(self, login, model, method, *args, **kwargs):
        """execute_kw over /jsonrpc; returns ("ok", result) or (exception name, message)."""
        name, result = execute_kw(self, self.users[login], model, method, args, kwargs)
        return (name if name == "ok" else name.rsplit(".", 1)[-1]), result

    def _refused(self, outcome, error="AccessError"):
        self.assertEqual(outcome[0], error, outcome)
        return outcome[1]

    def test_forged_context_over_json_rpc(self):
        """A client sending the old key, or the new key's name with any JSON value, changes no status."""
        cases = [
            ("head", "tablet.convention", [self.signed.id], {"state": "expired"}),
            ("academy", "tablet.convention", [self.draft.id], {"state": "signed"}),
            ("head", "tablet.user.list", [self.user_list.id], {"state": "draft"}),
            ("head", "tablet.annual.report", [self.report.id], {"state": "draft"}),
            ("head", "tablet.annual.report", [self.report.id], {"figures_snapshot": {"tablets_deployed": 999}}),
        ]
        for context in FORGED_CONTEXTS:
            for login, model, ids, vals in cases:
                with self.subTest(context=context, login=login, model=model, vals=vals):
                    self._refused(self._call(login, model, "write", ids, vals, context=context))
            with self.subTest(context=context, action="action_expire"):
                self._refused(self._call("head", "tablet.convention", "action_expire", [self.signed.id],
                                         context=context))
                self._refused(self._call("academy", "tablet.convention", "action_expire", [self.signed.id],
                                         context=context))
        self.env.invalidate_all()
        self.assertEqual((self.signed.state, self.draft.state, self.user_list.state, self.report.state),
                         ("signed", "draft", "validated", "submitted"))
        self.assertNotEqual(self.report.figures_snapshot.get("tablets_deployed"), 999)

    def test_one_party_cannot_sign_for_the_others(self):
        """R5: the Académie officer records the Académie's signature, nobody else's."""
        for fname in ("date_signed_department", "date_signed_college"):
            with self.subTest(field=fname):
                message = self._refused(self._call("academy", "tablet.convention", "write", [self.draft.id],
                                                   {fname: "2026-03-02"}))
                self.assertIn(label(self.draft.with_context(lang="fr_FR"), fname), message)
        self._refused(self._call("academy", "tablet.convention", "write", [self.draft.id],
                                 {"date_signed_academy": "2999-01-01"}), "ValidationError")
        self.draft.invalidate_recordset()
        self.assertFalse(self.draft.date_signed_department or self.draft.date_signed_college
                         or self.draft.date_signed_academy)
        self.assertEqual(self._call("academy", "tablet.convention", "write", [self.draft.id],
                                    {"date_signed_academy": "2026-03-02"}), ("ok", True))

    def test_head_cannot_move_the_college_or_its_report(self):
        """The head's collège stays in its académie: neither the collège nor the submitted
        report can be pointed at another one."""
        self._refused(self._call("head", "res.partner", "write", [self.lac_bleu.id],
                                 {"academy_id": self.other_academy.id}))
        self._refused(self._call("head", "tablet.annual.report", "write", [self.report.id],
                                 {"academy_id": self.other_academy.id}))
        self._refused(self._call("head", "tablet.annual.report", "write", [self.report.id],
                                 {"college_id": self.env.ref("tablet_loan.demo_college_pierre_seche").id}),
                      "UserError")
        self.env.invalidate_all()
        self.assertEqual(self.lac_bleu.academy_id, self.env.ref("tablet_loan.demo_academy"))
        self.assertEqual(self.report.academy_id, self.env.ref("tablet_loan.demo_academy"))

    def test_bad_input_answers_a_clear_error(self):
        """NaN, infinity, a full-width duplicate UAI, a huge text: clear errors, nothing stored."""
        amount = self.tariff_line.fixed_amount
        for value in (float("nan"), float("inf")):
            with self.subTest(value=value):
                message = self._refused(self._call("head", "tablet.charge.tariff.line", "write",
                                                   [self.tariff_line.id], {"fixed_amount": value}),
                                        "ValidationError")
                self.assertIn(label(self.tariff_line.with_context(lang="fr_FR"), "fixed_amount"), message)
        self._refused(self._call("head", "tablet.charge.tariff", "write", [self.tariff_line.tariff_id.id],
                                 {"ca_deliberation_ref": "x" * 100_000}), "ValidationError")
        duplicate = "".join(chr(ord(c) + 0xFEE0) for c in self.lac_bleu.uai_code)
        outcome = self._call("dept_manager", "res.partner", "create",
                             {"name": "Collège doublon", "is_college": True, "uai_code": duplicate})
        self.assertNotEqual(outcome[0], "ok", outcome)
        self.assertIn(outcome[0], ("ValidationError", "UserError", "IntegrityError"))
        self.tariff_line.invalidate_recordset()
        self.assertEqual(self.tariff_line.fixed_amount, amount)
        self.assertEqual(self.env["res.partner"].search_count([("name", "=", "Collège doublon")]), 0)
