"""Issue 13, loans, tablets, campaigns and people: every rule holds in the model, whatever the
client. Each case is played through the ORM as test users, then over JSON-RPC as the demo users
an external client would log in as; a refusal leaves the record (and its chatter) as it was."""
import base64
from datetime import date, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import TabletLoanCase, execute_kw


@tagged("post_install", "-at_install")
class TestLoanRules(TabletLoanCase):
    """Through the ORM, as the test users of each group."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pupil_3e, cls.rep_3e = cls._pupil_with_representative("Trois", cls.college_alpha, "3e", "3e A")
        cls.sibling, cls.rep_sibling = cls._pupil_with_representative("Sœur", cls.college_alpha, "5e", "5e A")
        cls.pupil_3e_b, _rep = cls._pupil_with_representative("Quatre", cls.college_alpha, "3e", "3e A")
        cls.convention, cls.user_list = cls._deployable(
            cls.college_alpha, cls.pupil_alpha | cls.pupil_3e | cls.pupil_3e_b | cls.sibling | cls.teacher_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 7)
        cls.tablet_beta = cls._tablets(cls.college_beta, 1)
        cls.loan = cls._loan(cls.pupil_alpha, cls.tablets[0])
        cls.loan.action_activate()
        cls.loan_3e = cls._loan(cls.pupil_3e, cls.tablets[1])
        cls.loan_3e.action_activate()
        cls.loan_3e_b = cls._loan(cls.pupil_3e_b, cls.tablets[6])
        cls.loan_3e_b.action_activate()
        cls.teacher_loan = cls._loan(cls.teacher_alpha, cls.tablets[2])
        cls.teacher_loan.action_activate()
        cls.maintenance_user = new_test_user(
            cls.env, login="t_maintenance_only", groups="base.group_user,maintenance.group_equipment_manager",
            company_id=cls.dept_a.id, company_ids=[Command.set(cls.dept_a.ids)])

    def _messages(self, record):
        return record.with_context(active_test=False).message_ids

    # ---------------------------------------------------------------- campaigns
    def test_client_cannot_create_or_steer_a_campaign(self):
        """R17: a référent creating a gift campaign over their loans would give the tablets away without
        the head; a campaign whose user_id a client sets would run with that user's rights. Campaigns
        come from the module's wizards only; nobody writes them."""
        Campaign = self.env["tablet.campaign"]
        for user in (self.referent_alpha, self.head_alpha, self.manager_a):
            with self.subTest(user=user.login), self.assertRaises(AccessError) as err:
                Campaign.with_user(user).create({
                    "name": "Dons", "kind": "gift", "college_ids": [Command.set(self.college_alpha.ids)],
                    "company_id": self.dept_a.id, "loan_ids": [Command.set(self.loan_3e.ids)],
                    "gift_date": date(2027, 7, 3), "total_count": 1, "user_id": self.env.ref("base.user_admin").id,
                })
            self.assertRegex(str(err.exception), "wizard|assistant")  # English or French
        self.assertFalse(Campaign.search([("kind", "=", "gift")]))
        self.assertEqual(self.loan_3e.state, "active")
        self.env["ir.config_parameter"].set_param("tablet_loan.campaign_batch_size", "1")
        form = Form(self.env["tablet.custody.wizard"].with_user(self.referent_alpha))
        form.college_id = self.college_alpha
        campaign = Campaign.browse(form.save().action_apply()["res_id"])
        self.assertEqual(campaign.user_id, self.referent_alpha, "the user who asked, nobody else")
        for vals in ({"user_id": self.env.ref("base.user_admin").id}, {"kind": "gift"}, {"state": "done"},
                     {"loan_ids": [Command.set(self.loan_3e.ids)]}, {"college_ids": [Command.set(self.college_beta.ids)]}):
            for user in (self.referent_alpha, self.manager_a):
                with self.subTest(vals=vals, user=user.login), self.assertRaises(AccessError):
                    campaign.with_user(user).write(vals)
        self.assertEqual((campaign.user_id, campaign.kind, campaign.state),
                         (self.referent_alpha, "custody", "queued"))

    def test_campaign_checks_role_and_scope_when_it_runs(self):
        """R17: a gift queued by the head runs only if its author is still a head of that collège when the
        batch runs; nothing is given otherwise and the campaign says why."""
        self.env["ir.config_parameter"].set_param("tablet_loan.campaign_batch_size", "1")
        form = Form(self.env["tablet.gift.wizard"].with_user(self.head_alpha))
        form.college_id = self.college_alpha
        form.gift_date = date(2027, 7, 3)
        campaign = self.env["tablet.campaign"].browse(form.save().action_confirm()["res_id"])
        self.assertEqual((campaign.kind, campaign.state, campaign.user_id), ("gift", "queued", self.head_alpha))
        self.head_alpha.groups_id = [Command.set(self.env.ref("tablet_loan.group_college_referent").ids)]
        self.env["tablet.campaign"]._cron_run_campaigns()
        self.assertEqual(campaign.state, "failed")
        self.assertIn(self.head_alpha.name, campaign.error)
        self.assertEqual((self.loan_3e | self.loan_3e_b).mapped("state"), ["active", "active"], "nothing given")
        # Back to head, but of another collège: the scope is checked at run time too.
        self.head_alpha.write({"groups_id": [Command.link(self.env.ref("tablet_loan.group_college_head").id)],
                               "tablet_college_ids": [Command.set(self.college_beta.ids)]})
        campaign.write({"state": "queued", "error": False})  # as superuser: the resumption of this test
        self.env["tablet.campaign"]._cron_run_campaigns()
        self.assertEqual(campaign.state, "failed")
        self.assertEqual(self.loan_3e.state, "active")

    def test_gift_wizard_rechecks_the_lines(self):
        """R17, R24a: the gift wizard's lines are data a client can write; the loans given are checked
        again on the server (eligible, of the wizard's collège)."""
        self.loan_3e.no_gift = True
        wizard = self.env["tablet.gift.wizard"].with_user(self.head_alpha).create({
            "college_id": self.college_alpha.id, "gift_date": date(2027, 7, 3)})
        wizard.line_ids = [Command.clear(), Command.create({
            "loan_id": self.loan_3e.id, "eligible": True, "selected": True, "reason": False})]
        with self.assertRaises(UserError) as err:
            wizard.action_confirm()
        self.assertRegex(str(err.exception), "no gift|pas de don")  # R24a
        self.assertEqual(self.loan_3e.state, "active")

    def test_resume_runs_as_the_user_who_resumes(self):
        """A failed campaign resumed by another user of the right role runs with that user's rights."""
        self.env["ir.config_parameter"].set_param("tablet_loan.campaign_batch_size", "1")
        form = Form(self.env["tablet.custody.wizard"].with_user(self.referent_alpha))
        form.college_id = self.college_alpha
        campaign = self.env["tablet.campaign"].browse(form.save().action_apply()["res_id"])
        self.referent_alpha.tablet_college_ids = [Command.set(self.college_beta.ids)]
        self.env["tablet.campaign"]._cron_run_campaigns()
        self.assertEqual(campaign.state, "failed")
        with self.assertRaises(AccessError):
            campaign.with_user(self.officer_a).action_resume()  # officers do not run custody
        self.assertEqual(campaign.state, "failed")
        campaign.with_user(self.head_alpha).action_resume()
        self.assertEqual((campaign.state, campaign.user_id), ("queued", self.head_alpha))

    # ------------------------------------------------------------ loan fields
    def test_computed_and_action_fields_are_not_written(self):
        """R12: home use is computed from the signature; the return, erasure (R16) and gift facts are
        recorded by the actions. A client writing them directly is refused and nothing changes."""
        loan = self.loan.with_user(self.referent_alpha)
        messages = self._messages(self.loan)
        for vals in ({"home_use_allowed": True}, {"data_wiped_date": date(2026, 9, 5)},
                     {"date_return": date(2026, 9, 5)}, {"donated_date": date(2026, 9, 5)},
                     {"state": "closed"}, {"company_id": self.dept_b.id}, {"convention_id": False},
                     {"borrower_role": "teacher"}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                loan.write(vals)
        self._commit_tracking()
        self.assertFalse(self.loan.home_use_allowed)
        self.assertEqual((self.loan.state, self.loan.company_id, self.loan.convention_id),
                         ("active", self.dept_a, self.convention))
        self.assertFalse(self.loan.data_wiped_date)
        self.assertEqual(self._messages(self.loan), messages)
        with self.assertRaises(AccessError):
            self.env["tablet.loan"].with_user(self.referent_alpha).create({
                "borrower_id": self.sibling.id, "equipment_id": self.tablets[3].id,
                "college_id": self.college_alpha.id, "school_year": "2026-2027", "home_use_allowed": True})
        self.assertFalse(self.env["tablet.loan"].search([("borrower_id", "=", self.sibling.id)]))

    def test_counterparts_are_the_heads(self):
        """R24: a référent does not write no_gift or stays_at_college; the head does."""
        with self.assertRaises(AccessError) as err:
            self.loan_3e.with_user(self.referent_alpha).write({"no_gift": True})
        self.assertRegex(str(err.exception), "counterparts of a replacement|contreparties d'un remplacement")
        self.assertFalse(self.loan_3e.no_gift)
        self.loan_3e.with_user(self.head_alpha).write({"no_gift": True})
        self.assertTrue(self.loan_3e.no_gift)

    def test_closed_loan_is_frozen(self):
        """R16: a closed loan is the tablet's history: nothing on it changes any more."""
        self.loan._register_return(date(2026, 10, 1), "good", date(2026, 10, 1), {"cover", "charger", "cable"})
        self.assertEqual(self.loan.state, "closed")
        for vals in ({"signed_date": date(2026, 9, 2), "signed_by_id": self.rep_alpha.id},
                     {"date_end": date(2026, 12, 1)}, {"return_note": "Rien"}, {"cover_returned": False}):
            with self.subTest(vals=vals), self.assertRaises(UserError):  # AccessError is a UserError
                self.loan.with_user(self.referent_alpha).write(vals)
        self.assertFalse(self.loan.signed_date)
        self.assertTrue(self.loan.cover_returned)
        with self.assertRaises(UserError):
            self.loan.with_user(self.manager_a).write({"date_end": date(2026, 12, 1)})

    def test_active_loan_keeps_its_start(self):
        """R11: the tablet was handed over on a day with its accessories; that does not change later."""
        for vals in ({"date_start": date(2026, 9, 20)}, {"charger_delivered": False}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                self.loan.with_user(self.referent_alpha).write(vals)
        self.assertEqual(self.loan.date_start, date(2026, 9, 1))
        self.assertTrue(self.loan.charger_delivered)

    def test_signature_in_the_future_is_refused(self):
        """R12: a signature dated 2999 does not grant home use."""
        with self.assertRaises(ValidationError) as err:
            self.loan.with_user(self.referent_alpha).write(
                {"signed_by_id": self.rep_alpha.id, "signed_date": date(2999, 1, 1)})
        self.assertIn("Signé le", str(err.exception))
        self.assertIn("2999", str(err.exception))
        self.assertFalse(self.loan.signed_date)
        self.assertFalse(self.loan.home_use_allowed)
        tomorrow = fields.Date.context_today(self.loan) + timedelta(days=1)
        with self.assertRaises(ValidationError):
            self.loan.with_user(self.referent_alpha).write({"signed_by_id": self.rep_alpha.id,
                                                            "signed_date": tomorrow})
        self.loan.with_user(self.referent_alpha).write({"signed_by_id": self.rep_alpha.id,
                                                        "signed_date": date(2026, 9, 2)})
        self.assertTrue(self.loan.home_use_allowed)

    def test_loan_scope_and_people(self):
        """A loan stays in its collège: its borrower, signatory and collège are people and places the
        user may already read (a foreign id would otherwise be read back by name)."""
        draft = self._loan(self.sibling, self.tablets[3])
        for vals in ({"college_id": self.college_gamma.id}, {"borrower_id": self.pupil_gamma.id},
                     {"signed_by_id": self.rep_beta.id, "signed_date": date(2026, 9, 2)}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                draft.with_user(self.referent_alpha).write(vals)
        self.assertEqual((draft.college_id, draft.borrower_id), (self.college_alpha, self.sibling))
        self.assertFalse(draft.signed_by_id)

    def test_actions_check_the_role(self):
        """Loan actions are for the collège (référent, head) and the Département's manager."""
        for user, method in ((self.officer_a, "action_custody"), (self.accountant_alpha, "action_custody"),
                             (self.officer_a, "action_confirm_data_wiped"), (self.academy_user, "action_activate")):
            with self.subTest(user=user.login, method=method), self.assertRaises(AccessError):
                getattr(self.loan.with_user(user), method)()
        self.assertEqual(self.loan.state, "active")

    def test_teachers_loans_are_not_put_in_custody(self):
        """R13 is for pupils: a teacher keeps the tablet over the summer."""
        with self.assertRaises(UserError) as err:
            self.teacher_loan.with_user(self.referent_alpha).action_custody()
        self.assertRegex(str(err.exception), "pupils' tablets only|tablettes des élèves|pupils hand in|élèves remettent")  # R13
        self.assertEqual(self.teacher_loan.state, "active")
        self.assertEqual(self.tablets[2].tablet_state, "assigned")
        wizard = self.env["tablet.custody.wizard"].with_user(self.referent_alpha).create({
            "college_id": self.college_alpha.id, "missing_loan_ids": [Command.set(self.teacher_loan.ids)]})
        with self.assertRaises(UserError) as err:
            wizard.action_apply()
        self.assertRegex(str(err.exception), "pupils' tablets only|tablettes des élèves|pupils hand in|élèves remettent")  # R13
        self.assertEqual(self.loan.state, "active", "nothing half-done")
        self.assertFalse(self.teacher_loan.activity_ids)
        self.loan.with_user(self.referent_alpha).action_custody()
        self.assertEqual(self.loan.state, "custody")

    # ------------------------------------------------------------------ tablets
    def test_tablet_status_changes_through_actions_only(self):
        """A stolen tablet written back to stock would be lent again: the status is the actions'."""
        stolen = self.tablets[4]
        stolen.tablet_state = "stolen"  # as the incident's validation leaves it
        for user in (self.referent_alpha, self.head_alpha, self.officer_a, self.manager_a):
            with self.subTest(user=user.login), self.assertRaises(AccessError) as err:
                stolen.with_user(user).write({"tablet_state": "stock"})
            self.assertIn("Statut de la tablette", str(err.exception))
        self.assertEqual(stolen.tablet_state, "stolen")
        with self.assertRaises(AccessError):
            stolen.with_user(self.officer_a).write({"out_of_fleet_date": date(2026, 9, 1)})
        with self.assertRaises(AccessError):
            self.env["maintenance.equipment"].with_user(self.officer_a).create({
                "name": "Tablette", "is_tablet": True, "serial_no": "SN-STATE", "imei": self._imei(4242),
                "college_id": self.college_alpha.id, "tablet_state": "stolen"})

    def test_asset_and_scope_fields_are_the_departments(self):
        """R7, R21, R24b: purchase value and date set the families' charges; collège and Département say
        whose tablet it is. Collège users do not write them; the Département's officers do."""
        tablet = self.tablets[5]
        for user in (self.referent_alpha, self.head_alpha):
            for vals in ({"cost": 1.0}, {"purchase_date": date(2020, 1, 1)}, {"college_id": self.college_beta.id},
                         {"company_id": self.dept_b.id}, {"is_tablet": False}, {"active": False}):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError) as err:
                    tablet.with_user(user).write(vals)
                self.assertIn("Département", str(err.exception))
        self.assertEqual((tablet.cost, tablet.purchase_date, tablet.college_id), (300.0, date(2026, 6, 1),
                                                                                  self.college_alpha))
        tablet.with_user(self.referent_alpha).write({"mdm_device_id": "MDM-5"})
        tablet.with_user(self.officer_a).write({"cost": 310.0, "purchase_date": date(2026, 6, 2)})
        self.assertEqual(tablet.cost, 310.0)
        tablet.with_user(self.officer_a).write({"college_id": self.college_beta.id})
        with self.assertRaises(AccessError):
            tablet.with_user(self.officer_a).write({"college_id": self.college_gamma.id})  # another Département
        self.assertEqual(tablet.college_id, self.college_beta)

    def test_tablet_vendor_must_be_readable(self):
        """A vendor id of another Département, read back, would give its name."""
        foreign = self.env["res.partner"].create({"name": "Fournisseur B (test)", "is_company": True,
                                                  "company_id": self.dept_b.id})
        with self.assertRaises(AccessError):
            self.tablets[5].with_user(self.officer_a).write({"partner_id": foreign.id})
        self.assertFalse(self.tablets[5].partner_id)
        with self.assertRaises(AccessError):
            self.tablets[5].with_user(self.officer_a).write({"partner_id": self.pupil_gamma.id})

    def test_other_equipment_is_left_alone(self):
        """A good neighbour of the Maintenance app: equipment that is not a tablet, and users without
        the programme's groups, keep Odoo's behaviour."""
        form = Form(self.env["maintenance.equipment"].with_user(self.maintenance_user))
        form.name = "Imprimante"
        form.cost = 150.0
        printer = form.save()
        printer.write({"cost": 120.0, "name": "Imprimante 2", "tablet_state": "repair"})
        self.assertEqual((printer.cost, printer.name, printer.tablet_state), (120.0, "Imprimante 2", "repair"))
        printer.unlink()

    def test_related_fields_follow_the_targets_rights(self):
        """Loans are '—' for the Académie and the accountant: they do not learn who holds which tablet
        through the tablet's fields either."""
        for user in (self.academy_user, self.accountant_alpha):
            tablet = self.tablets[0].with_user(user)
            tablet.read(["serial_no"])
            for fname in ("current_borrower_id", "current_loan_id", "loan_ids", "loan_count"):
                with self.subTest(user=user.login, field=fname), self.assertRaises(AccessError):
                    tablet.read([fname])
        read = self.tablets[0].with_user(self.referent_alpha).read(["current_borrower_id"])[0]
        self.assertEqual(read["current_borrower_id"][0], self.pupil_alpha.id)

    def test_gift_line_tells_nothing_of_another_colleges_pupil(self):
        """A gift wizard's line pointed at another collège's loan, read back, would name its pupil."""
        self._deployable(self.college_beta, self.pupil_beta)
        other = self._loan(self.pupil_beta, self.tablet_beta)
        wizard = self.env["tablet.gift.wizard"].with_user(self.head_alpha).create({
            "college_id": self.college_alpha.id, "gift_date": date(2027, 7, 3)})
        with self.assertRaises(AccessError):
            wizard.write({"line_ids": [Command.create({"loan_id": other.id, "eligible": True, "selected": True})]})
        self.assertNotIn(other, wizard.line_ids.loan_id)

    def test_delivery_supplier_must_be_readable(self):
        """R7: a delivery's supplier id of another Département is not read back through the wizard."""
        foreign = self.env["res.partner"].create({"name": "Fournisseur B (livraison)", "is_company": True,
                                                  "company_id": self.dept_b.id})
        with self.assertRaises(AccessError):
            self.env["tablet.delivery.intake"].with_user(self.officer_a).create({
                "college_id": self.college_alpha.id, "partner_id": foreign.id, "unit_cost": 250.0,
                "file": base64.b64encode(b"serial;imei\n"), "filename": "livraison.csv"})

    # ------------------------------------------------------------------ people
    def test_anonymised_flag_is_the_retention_jobs(self):
        """R29: a person is marked anonymised by the anonymisation only, never by a write."""
        for value in (True, False):
            with self.subTest(value=value), self.assertRaises(AccessError):
                self.pupil_alpha.with_user(self.referent_alpha).write({"tablet_anonymized": value})
        self.assertFalse(self.pupil_alpha.tablet_anonymized)

    def test_legal_representative_of_another_college_is_not_linked(self):
        """R4, R29: linking a person the référent may not read would make them readable, writable and
        deletable through the pupil."""
        pupil = self.pupil_alpha.with_user(self.referent_alpha)
        for command in (Command.link(self.rep_beta.id), Command.set([self.rep_alpha.id, self.rep_beta.id])):
            with self.subTest(command=command), self.assertRaises(AccessError) as err:
                pupil.write({"legal_representative_ids": [command]})
            self.assertIn("Représentants légaux", str(err.exception))
        self.assertEqual(self.pupil_alpha.legal_representative_ids, self.rep_alpha)
        with self.assertRaises(AccessError):
            self.rep_beta.with_user(self.referent_alpha).read(["name"])
        with self.assertRaises(AccessError):
            self.rep_alpha.with_user(self.referent_alpha).write({"pupil_ids": [Command.link(self.pupil_beta.id)]})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.referent_alpha).create({
                "name": "Nouvel élève", "school_role": "pupil", "college_id": self.college_alpha.id,
                "legal_representative_ids": [Command.link(self.rep_beta.id)]})
        # A parent of the same collège (a sibling's) is linked as before.
        pupil.write({"legal_representative_ids": [Command.link(self.rep_sibling.id)]})
        self.assertEqual(self.pupil_alpha.legal_representative_ids, self.rep_alpha | self.rep_sibling)

    def test_parent_and_college_must_be_readable(self):
        """A foreign id in a many2one is read back by name: refused on write."""
        pupil = self.pupil_alpha.with_user(self.referent_alpha)
        for vals in ({"parent_id": self.pupil_gamma.id}, {"parent_id": self.rep_beta.id},
                     {"college_id": self.college_gamma.id}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                pupil.write(vals)
        self.assertFalse(self.pupil_alpha.parent_id)
        self.assertEqual(self.pupil_alpha.college_id, self.college_alpha)


@tagged("post_install", "-at_install")
class TestLoanRulesRpc(HttpCase):
    """The same doors, tried over JSON-RPC as the demo users log in (password = login)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not cls.env.ref("tablet_loan.user_referent", raise_if_not_found=False):
            cls.skipTest(cls, "the demo users are needed (database without demo data)")
        ref = cls.env.ref
        cls.referent, cls.head = ref("tablet_loan.user_referent"), ref("tablet_loan.user_head")
        cls.academy, cls.accountant = ref("tablet_loan.user_academy"), ref("tablet_loan.user_accountant")
        cls.lac_bleu = ref("tablet_loan.demo_college_lac_bleu")
        Loan = cls.env["tablet.loan"]
        cls.loan = Loan.search([("college_id", "=", cls.lac_bleu.id), ("state", "=", "active"),
                                ("signed_date", "=", False), ("borrower_role", "=", "pupil")], limit=1)
        cls.pupil = cls.loan.borrower_id
        cls.foreign_rep = ref("tablet_loan.demo_rep_61_1")
        teacher = ref("tablet_loan.demo_teacher_c1_1")
        user_list = cls.loan.convention_id and cls.env["tablet.user.list"].search([
            ("college_id", "=", cls.lac_bleu.id), ("school_year", "=", cls.loan.school_year),
            ("state", "=", "validated")], limit=1)
        if teacher not in user_list.line_ids.partner_id:
            user_list.line_ids = [Command.create({"partner_id": teacher.id})]
        stock = cls.env["maintenance.equipment"].search([("college_id", "=", cls.lac_bleu.id),
                                                         ("tablet_state", "=", "stock")], limit=2)
        cls.stolen = stock[1]
        cls.stolen.tablet_state = "stolen"
        cls.teacher_loan = Loan.create({"borrower_id": teacher.id, "equipment_id": stock[0].id,
                                        "college_id": cls.lac_bleu.id, "school_year": cls.loan.school_year,
                                        "date_start": cls.loan.date_start})
        cls.teacher_loan.action_activate()

    def _call(self, user, model, method, *args, **kwargs):
        """One execute_kw over /jsonrpc; returns the result, or the error's exception name and message."""
        name, result = execute_kw(self, user, model, method, args, kwargs)
        return result if name == "ok" else (name.rsplit(".", 1)[-1], result)

    def assertRefused(self, result, error="AccessError", text=None):
        self.assertIsInstance(result, tuple, f"expected {error}, got {result!r}")
        self.assertEqual(result[0], error, result)
        if text:
            self.assertIn(text, result[1])

    def test_campaign_created_by_a_client_is_refused(self):
        """R17: a référent's gift campaign over their loans; a user_id of the client's choice."""
        count = self.env["tablet.campaign"].search_count([])
        self.assertRefused(self._call(self.referent, "tablet.campaign", "create", {
            "name": "Dons", "kind": "gift", "college_ids": [[6, 0, self.lac_bleu.ids]],
            "company_id": self.lac_bleu.company_id.id, "loan_ids": [[6, 0, self.loan.ids]], "total_count": 1,
            "gift_date": "2027-07-03", "user_id": self.env.ref("base.user_admin").id}))
        self.assertEqual(self.env["tablet.campaign"].search_count([]), count)
        self.loan.invalidate_recordset()
        self.assertEqual(self.loan.state, "active")
        # A campaign of the référent's collège (made here as the superuser, as the wizards would):
        # its author and its loans are not the client's to set.
        campaign = self.env["tablet.campaign"].create({
            "name": "Garde", "kind": "custody", "college_ids": [Command.set(self.lac_bleu.ids)],
            "company_id": self.lac_bleu.company_id.id, "user_id": self.referent.id, "total_count": 1})
        for vals in ({"user_id": self.env.ref("base.user_admin").id}, {"kind": "gift"},
                     {"loan_ids": [[6, 0, self.loan.ids]]}):
            self.assertRefused(self._call(self.referent, "tablet.campaign", "write", [campaign.id], vals))
        campaign.invalidate_recordset()
        self.assertEqual((campaign.user_id, campaign.kind, campaign.loan_ids), (self.referent, "custody",
                                                                                 self.env["tablet.loan"]))

    def test_loan_fields_over_rpc(self):
        """R12: home use written on an unsigned loan; R24a: no_gift by the référent; R12: a signature
        dated 2999; moving the loan to another Département."""
        self.assertRefused(self._call(self.referent, "tablet.loan", "write", [self.loan.id],
                                      {"home_use_allowed": True}))
        self.assertRefused(self._call(self.referent, "tablet.loan", "write", [self.loan.id], {"no_gift": True}))
        self.assertRefused(self._call(self.referent, "tablet.loan", "write", [self.loan.id],
                                      {"company_id": self.env.ref("base.main_company").id}))
        rep = self.pupil.legal_representative_ids[:1]
        self.assertRefused(self._call(self.referent, "tablet.loan", "write", [self.loan.id],
                                      {"signed_by_id": rep.id, "signed_date": "2999-01-01"}),
                           "ValidationError", "2999")
        self.loan.invalidate_recordset()
        self.assertFalse(self.loan.home_use_allowed or self.loan.no_gift or self.loan.signed_date)

    def test_teacher_custody_over_rpc(self):
        """R13: only pupils' tablets stay at the collège for the summer."""
        result = self._call(self.referent, "tablet.loan", "action_custody", [self.teacher_loan.id])
        self.assertRefused(result, "UserError")
        self.assertRegex(result[1], "pupils' tablets only|tablettes des élèves")
        self.teacher_loan.invalidate_recordset()
        self.assertEqual(self.teacher_loan.state, "active")

    def test_tablet_fields_over_rpc(self):
        """A stolen tablet back to stock; the purchase value by the référent."""
        self.assertRefused(self._call(self.referent, "maintenance.equipment", "write", [self.stolen.id],
                                      {"tablet_state": "stock"}))
        self.assertRefused(self._call(self.head, "maintenance.equipment", "write", [self.stolen.id],
                                      {"cost": 1.0, "purchase_date": "2015-01-01"}))
        self.assertRefused(self._call(self.head, "maintenance.equipment", "write", [self.stolen.id],
                                      {"college_id": self.env.ref("tablet_loan.demo_college_trois_sources").id}))
        self.stolen.invalidate_recordset()
        self.assertEqual(self.stolen.tablet_state, "stolen")
        self.assertEqual(self.stolen.college_id, self.lac_bleu)
        self.assertNotEqual(self.stolen.cost, 1.0)

    def test_related_reads_over_rpc(self):
        """Who holds which tablet: not for the Académie nor the accountant (loans are '—' for them)."""
        tablet = self.loan.equipment_id
        for user in (self.academy, self.accountant):
            with self.subTest(user=user.login):
                self.assertRefused(self._call(user, "maintenance.equipment", "read", [tablet.id],
                                              ["current_borrower_id"]))
        result = self._call(self.referent, "maintenance.equipment", "read", [tablet.id], ["current_borrower_id"])
        self.assertEqual(result[0]["current_borrower_id"][0], self.pupil.id)

    def test_foreign_person_linked_over_rpc(self):
        """A legal representative of another collège linked to one's own pupil, then read back."""
        self.assertRefused(self._call(self.referent, "res.partner", "write", [self.pupil.id],
                                      {"legal_representative_ids": [[4, self.foreign_rep.id]]}))
        self.assertRefused(self._call(self.referent, "res.partner", "write", [self.pupil.id],
                                      {"parent_id": self.foreign_rep.id}))
        self.assertRefused(self._call(self.referent, "res.partner", "read", [self.foreign_rep.id], ["name"]))
        self.pupil.invalidate_recordset()
        self.assertNotIn(self.foreign_rep, self.pupil.legal_representative_ids)
        self.assertFalse(self.pupil.parent_id)
