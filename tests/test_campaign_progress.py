import base64
from datetime import date, datetime, timedelta
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from ..models.utils import bulk_write
from .common import TabletLoanCase


@tagged("post_install", "-at_install")
class TestCampaignProgress(TabletLoanCase):
    """Long work runs in committed batches with visible progress, and resumes after an
    interruption without doing anything twice (R13 custody, R17 gifts, R7 deliveries)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.pupils = Partner.create([{
            "name": f"Élève Campagne {i}", "school_role": "pupil", "college_id": cls.college_alpha.id,
            "grade_level": "3e", "school_class": "3e C"} for i in range(5)])
        cls.convention, cls.user_list = cls._deployable(cls.college_alpha, cls.pupils)
        cls.tablets = cls._tablets(cls.college_alpha, 5)
        cls.loans = cls.env["tablet.loan"]._bulk_create_loans([{
            "borrower_id": pupil.id, "equipment_id": tablet.id, "college_id": cls.college_alpha.id,
            "school_year": "2026-2027", "date_start": date(2026, 9, 1), "state": "active",
        } for pupil, tablet in zip(cls.pupils, cls.tablets, strict=False)])
        # Batches of two records: five loans take three batches.
        cls.env["ir.config_parameter"].set_param("tablet_loan.campaign_batch_size", "2")
        cls.Campaign = cls.env["tablet.campaign"]

    def _run_cron_once(self):
        """One call of the scheduled action, as ir.cron makes it; returns its progress."""
        cron = self.env.ref("tablet_loan.ir_cron_tablet_campaign")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id})
        self.Campaign.with_context(ir_cron_progress_id=progress.id)._cron_run_campaigns()
        return progress

    def _custody(self, user, **values):
        form = Form(self.env["tablet.custody.wizard"].with_user(user))
        form.college_id = self.college_alpha
        for name, value in values.items():
            setattr(form, name, value)
        return form.save().action_apply()

    def test_custody_campaign_in_batches_resumes_after_a_failure(self):
        messages_before = self.college_alpha.message_ids
        action = self._custody(self.referent_alpha)
        campaign = self.Campaign.browse(action["res_id"])
        self.assertEqual(action["res_model"], "tablet.campaign", "more than a batch: the user follows the campaign")
        self.assertEqual((campaign.state, campaign.total_count, campaign.done_count), ("queued", 5, 0))
        self.assertEqual(set(self.loans.mapped("state")), {"active"}, "nothing moves before the scheduled action")

        progress = self._run_cron_once()
        self.assertEqual((progress.done, progress.remaining), (2, 3))
        self.assertEqual((campaign.state, campaign.done_count), ("running", 2))
        self.assertAlmostEqual(campaign.progress, 40.0)
        self.assertEqual(len(self.loans.filtered(lambda l: l.state == "custody")), 2)

        # The server stops in the middle of the second batch: the batch is undone, the campaign
        # says so, and what the first batch did is kept.
        set_state = type(self.env["tablet.loan"])._bulk_set_state

        def power_cut(loans, state):
            set_state(loans, state)
            raise RuntimeError("power cut")
        with patch.object(type(self.env["tablet.loan"]), "_bulk_set_state", power_cut):
            self._run_cron_once()
        self.assertEqual((campaign.state, campaign.done_count), ("failed", 2))
        self.assertIn("power cut", campaign.error)
        self.assertEqual(len(self.loans.filtered(lambda l: l.state == "custody")), 2)
        self.assertEqual(len(self.tablets.filtered(lambda t: t.tablet_state == "custody")), 2)

        campaign.with_user(self.referent_alpha).action_resume()
        for _run in range(5):
            if campaign.state == "done":
                break
            self._run_cron_once()
        self.assertEqual((campaign.state, campaign.done_count, campaign.total_count), ("done", 5, 5))
        self.assertEqual(set(self.loans.mapped("state")), {"custody"})
        self.assertEqual(set(self.tablets.mapped("tablet_state")), {"custody"})
        summaries = self.college_alpha.message_ids - messages_before
        self.assertEqual(len(summaries), 1, "one summary on the collège, not one per batch or per loan")
        self.assertIn("5", summaries.body)
        self.assertGreaterEqual(len(campaign.message_ids), 4, "each batch, the failure and the end are logged")
        # Running again finds nothing left to do: no loan is moved twice.
        self.assertFalse(self.Campaign.search([("state", "in", ("queued", "running"))]))
        progress = self._run_cron_once()
        self.assertEqual((progress.done, progress.remaining), (0, 0))

    def test_back_from_custody_and_visibility(self):
        self.loans._bulk_set_state("custody")
        action = self._custody(self.referent_alpha, direction="back")
        campaign = self.Campaign.browse(action["res_id"])
        while campaign.state != "done":
            self._run_cron_once()
        self.assertEqual(set(self.loans.mapped("state")), {"active"})
        self.assertEqual(set(self.tablets.mapped("tablet_state")), {"assigned"})
        # The référent and the Département see it; another collège's référent and the supplier do not.
        self.assertTrue(campaign.with_user(self.referent_alpha).read(["progress"]))
        self.assertTrue(campaign.with_user(self.manager_a).read(["progress"]))
        other = self.env["res.users"].create({
            "name": "Référent Beta", "login": "t_ref_beta_campaign", "company_id": self.dept_a.id,
            "company_ids": [Command.set(self.dept_a.ids)], "tablet_college_ids": [Command.set(self.college_beta.ids)],
            "groups_id": [Command.set(self.env.ref("tablet_loan.group_college_referent").ids)],
        })
        with self.assertRaises(AccessError):
            campaign.with_user(other).read(["progress"])
        with self.assertRaises(AccessError):
            campaign.with_user(self.supplier_user).read(["progress"])
        with self.assertRaises(AccessError):
            campaign.with_user(self.manager_b).read(["progress"])

    def test_campaign_runs_with_the_rights_of_its_author(self):
        """A campaign does what its author may do, nothing more: a référent who lost the
        collège meanwhile sees it stop, with the reason."""
        action = self._custody(self.referent_alpha)
        campaign = self.Campaign.browse(action["res_id"])
        self.referent_alpha.tablet_college_ids = [Command.set(self.college_beta.ids)]
        self._run_cron_once()
        self.assertEqual(campaign.state, "failed")
        self.assertEqual(set(self.loans.mapped("state")), {"active"})

    def test_gift_campaign_leaves_out_a_loan_refused_meanwhile(self):
        form = Form(self.env["tablet.gift.wizard"].with_user(self.head_alpha))
        form.college_id = self.college_alpha
        form.gift_date = date(2027, 7, 3)
        action = form.save().action_confirm()
        campaign = self.Campaign.browse(action["res_id"])
        self.assertEqual((campaign.kind, campaign.total_count), ("gift", 5))
        # An incident is declared on one loan after the head chose: it is not given (R17).
        now = datetime.now().replace(microsecond=0)
        refused = self.loans.sorted("id")[-1]
        self.env["tablet.incident"].create({"incident_type": "breakage", "loan_id": refused.id,
                                            "event_datetime": now - timedelta(hours=2), "declaration_datetime": now})
        while campaign.state != "done":
            self._run_cron_once()
        given = self.loans - refused
        self.assertEqual(set(given.mapped("state")), {"donated"})
        self.assertEqual(set(given.mapped("donated_date")), {date(2027, 7, 3)})
        self.assertFalse(any(given.equipment_id.with_context(active_test=False).mapped("active")))
        self.assertEqual(refused.state, "active")
        self.assertEqual((campaign.done_count, campaign.skipped_count), (5, 1))
        self.assertTrue([body for body in campaign.message_ids.mapped("body") if refused.borrower_id.name in body],
                        "the campaign says which pupil was left out")

    def test_large_delivery_in_batches_creates_no_tablet_twice(self):
        rows = [["Numéro de série", "IMEI"]] + [[f"LOT-{i:04d}", self._imei(970000 + i)] for i in range(5)]
        content = "\r\n".join(";".join(row) for row in rows).encode()
        wizard = self.env["tablet.delivery.intake"].with_user(self.officer_a).create({
            "file": base64.b64encode(content), "filename": "livraison.csv",
            "college_id": self.college_alpha.id, "partner_id": self.env["res.partner"].create(
                {"name": "Fournisseur (campagne)", "is_company": True}).id,
            "purchase_date": date(2026, 6, 1), "unit_cost": 250.0, "warranty_months": 24,
        })
        campaign = self.Campaign.browse(wizard.action_import()["res_id"])
        Tablet = self.env["maintenance.equipment"]
        self._run_cron_once()
        self.assertEqual(Tablet.search_count([("serial_no", "like", "LOT-")]), 2)
        create_tablets = type(Tablet)._bulk_create_tablets

        def crash(model, values, rows):
            create_tablets(model, values, rows)
            raise RuntimeError("disk full")
        with patch.object(type(Tablet), "_bulk_create_tablets", crash):
            self._run_cron_once()
        self.assertEqual(campaign.state, "failed")
        self.assertEqual(Tablet.search_count([("serial_no", "like", "LOT-")]), 2, "the failed batch is undone")
        campaign.action_resume()
        while campaign.state != "done":
            self._run_cron_once()
        tablets = Tablet.search([("serial_no", "like", "LOT-")], order="serial_no")
        self.assertEqual(tablets.mapped("serial_no"), [f"LOT-{i:04d}" for i in range(5)])
        self.assertEqual(set(tablets.mapped("tablet_state")), {"stock"})
        self.assertEqual(tablets.college_id, self.college_alpha)
        self.assertEqual(set(tablets.mapped("cost")), {250.0})
        self.assertFalse(tablets.message_ids, "no message per tablet")
        # A batch run again after its commit was lost creates nothing twice.
        again = Tablet._bulk_create_tablets({"is_tablet": True, "college_id": self.college_alpha.id,
                                             "company_id": self.dept_a.id},
                                            [[t.serial_no, t.imei, False, "x"] for t in tablets])
        self.assertFalse(again)

    def test_queries_do_not_grow_with_the_campaign(self):
        """Custody of 2 loans or of 5: the same number of queries (one batch each)."""
        self.env["ir.config_parameter"].set_param("tablet_loan.campaign_batch_size", "100")
        counts = []
        for loans in (self.loans[:2], self.loans):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            loans._bulk_set_state("custody")
            loans._bulk_set_state("active")
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - before)
        self.assertEqual(counts[0], counts[1], counts)

    def test_custody_leaves_the_pivot_figures_alone(self):
        """Summer custody and back: the loans pivot's stored figures do not change, so they are not
        recomputed nor written again for every loan of the campaign (they were: a query for every
        hundred loans, the campaign's queries growing with the collèges)."""
        loans = self.loans
        fnames = ("home_use_count", "incident_count", "missing_accessory_count")
        self.env.flush_all()
        before = loans.read(fnames)
        for state in ("custody", "active"):
            loans._bulk_set_state(state)
            for fname in fnames:
                self.assertFalse(self.env.records_to_compute(loans._fields[fname]), f"{fname} left alone")
            self.env.flush_all()
            loans.invalidate_recordset()
            self.assertEqual(loans.read(fnames), before)
            self.assertEqual(set(loans.mapped("state")), {state})
        # Only a campaign's two statuses: a return goes through the return wizard (its figures change).
        with self.assertRaises(UserError):
            loans._bulk_set_state("returned")
        self.assertEqual(set(loans.mapped("state")), {"active"})

    def test_bulk_status_change_keeps_the_record_rules(self):
        """The set-based writes check the same record rules as the ORM: a référent of another
        collège changes nothing, and the statement is undone as a whole."""
        other = self.env["res.users"].create({
            "name": "Référent Beta", "login": "t_ref_beta_bulk", "company_id": self.dept_a.id,
            "company_ids": [Command.set(self.dept_a.ids)], "tablet_college_ids": [Command.set(self.college_beta.ids)],
            "groups_id": [Command.set(self.env.ref("tablet_loan.group_college_referent").ids)],
        })
        with self.assertRaises(AccessError):
            self.loans.with_user(other)._bulk_set_state("custody")
        self.assertEqual(set(self.loans.mapped("state")), {"active"})
        self.assertEqual(set(self.tablets.mapped("tablet_state")), {"assigned"})
        with self.assertRaises(AccessError):
            self.loans.with_user(self.officer_a)._bulk_set_state("custody")  # officers only read loans
        self.assertEqual(self.loans.with_user(self.referent_alpha)._bulk_set_state("custody"),
                         {self.college_alpha.id: 5})
        self.assertEqual(set(self.tablets.mapped("tablet_state")), {"custody"})

    def test_bulk_write_is_all_or_nothing(self):
        """One statement without a savepoint: when one record of the batch is outside the user's rules,
        no row is written, not even those the user may write."""
        ours = self.tablets[:2]
        theirs = self._tablets(self.college_beta, 1, start=700)
        with self.assertRaises(AccessError):
            bulk_write((ours | theirs).with_user(self.referent_alpha), {"tablet_state": "repair"})
        self.env.cr.execute("SELECT DISTINCT tablet_state FROM maintenance_equipment WHERE id = ANY(%s)",
                            [(ours | theirs).ids])
        self.assertEqual({row[0] for row in self.env.cr.fetchall()}, {"assigned", "stock"}, "nothing written")
        bulk_write(ours.with_user(self.referent_alpha), {"tablet_state": "repair"})
        self.assertEqual(set(ours.mapped("tablet_state")), {"repair"})

    def test_gift_wizard_lists_again_for_another_college(self):
        """The list is computed from the collège: a new wizard starts with its own lines, a collège
        changed afterwards replaces them (the former lines are removed, not kept beside)."""
        wizard = self.env["tablet.gift.wizard"].create({"college_id": self.college_alpha.id,
                                                        "gift_date": date(2027, 7, 3)})
        self.assertEqual(wizard.line_ids.loan_id, self.loans)
        former = wizard.line_ids
        wizard.college_id = self.college_beta
        self.assertFalse(wizard.line_ids, "Beta has no 3e loan")
        self.assertFalse(former.exists())
        wizard.college_id = self.college_alpha
        self.assertEqual(wizard.line_ids.loan_id, self.loans)

    def test_gift_refusals_on_the_loans_own_columns(self):
        """The reasons read on the loan's own row (its status, its pupil's grade, the head's no gift)
        give the same answer as the others, each loan its first reason, the others none."""
        in_custody, fourth, no_gift = self.loans.sorted("id")[:3]
        in_custody._bulk_set_state("custody")
        fourth.borrower_id.grade_level = "4e"
        no_gift.no_gift = True
        refusals = self.loans.with_user(self.head_alpha)._gift_refusals()
        self.assertEqual(set(refusals), set(in_custody | fourth | no_gift))
        self.assertRegex(refusals[in_custody], "neither active nor closed|ni actif ni clos")
        self.assertRegex(refusals[fourth], "only pupils finishing 3e|terminent leur 3e")
        self.assertRegex(refusals[no_gift], "no gift|pas de don")

    def test_small_campaign_runs_at_once(self):
        self.env["ir.config_parameter"].set_param("tablet_loan.campaign_batch_size", "100")
        result = self._custody(self.referent_alpha)
        self.assertEqual(result, {"type": "ir.actions.act_window_close"})
        campaign = self.Campaign.search([("college_ids", "in", self.college_alpha.ids)], limit=1)
        self.assertEqual((campaign.state, campaign.done_count, campaign.progress), ("done", 5, 100.0))
        self.assertEqual(set(self.loans.mapped("state")), {"custody"})
        with self.assertRaises(UserError):
            campaign.action_resume()
