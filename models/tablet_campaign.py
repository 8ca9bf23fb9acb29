import base64
import json
import logging

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from .utils import check_access_sql, window_action

_logger = logging.getLogger(__name__)

# Records per committed batch: a status change is two UPDATEs whatever the number of loans, so
# custody takes bigger batches than gifts and deliveries, which do more per record. The system
# parameter tablet_loan.campaign_batch_size, when set, applies to every kind.
DEFAULT_BATCH_SIZES = {"custody": 20_000, "back": 20_000, "gift": 10_000, "intake": 10_000}
BATCH_SIZE_PARAM = "tablet_loan.campaign_batch_size"
KINDS = [
    ("custody", "Summer custody"),
    ("back", "Back from custody"),
    ("gift", "End-of-3e gift"),
    ("intake", "Delivery intake"),
]
# Loan status a custody campaign takes the loans from, and the one it gives them.
CUSTODY_MOVES = {"custody": ("active", "custody"), "back": ("custody", "active")}


class TabletCampaign(models.Model):
    """Work over thousands of records (the Département's summer custody and rentrée, the
    end-of-3e gifts, a supplier's delivery) run by a scheduled action in batches.

    Each batch is committed with the campaign's counters, so the user follows it on the
    campaign and in the scheduled action's progress, and the rest of Odoo is not blocked
    by one long transaction. A batch takes only what is still to process (loans still
    in the starting status, gifts after the last loan given, delivery rows after the
    last row created), so an interrupted campaign resumes without doing anything twice.
    It runs with the access rights of the user who launched it.
    """

    _name = "tablet.campaign"
    _description = "Tablet Campaign"
    _inherit = ["tablet.input.mixin", "mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(string="Campaign", required=True, readonly=True)
    kind = fields.Selection(KINDS, string="Type", required=True, readonly=True)
    state = fields.Selection(
        [("queued", "Queued"), ("running", "In Progress"), ("done", "Done"), ("failed", "Failed")],
        string="Status", default="queued", required=True, readonly=True, index=True,
    )
    company_id = fields.Many2one("res.company", string="Département", required=True, readonly=True, index=True,
                                 default=lambda self: self.env.company)
    college_ids = fields.Many2many("res.partner", "tablet_campaign_college_rel", "campaign_id", "college_id",
                                   string="Collèges", readonly=True)
    user_id = fields.Many2one("res.users", string="Launched by", required=True, readonly=True,
                              default=lambda self: self.env.user,
                              help="The campaign runs with this user's access rights.")
    total_count = fields.Integer(string="To Process", readonly=True)
    done_count = fields.Integer(string="Processed", readonly=True)
    skipped_count = fields.Integer(string="Left Out", readonly=True,
                                   help="Gifts refused when their turn came (an incident opened since, for instance).")
    progress = fields.Float(string="Progress", compute="_compute_progress")
    loan_ids = fields.Many2many(
        "tablet.loan", "tablet_campaign_loan_rel", "campaign_id", "loan_id", string="Loans", readonly=True,
        help="Summer custody: the tablets not handed in, whose loans stay active. Gift: the loans to give.",
    )
    gift_date = fields.Date(string="Given on", readonly=True)
    intake_data = fields.Binary(string="Delivery Rows", attachment=True, readonly=True,
                                help="The checked rows of the supplier's file and the values common to the tablets.")
    last_id = fields.Integer(string="Last Loan Processed", readonly=True,
                             help="Gifts: the last loan processed, where the next batch starts.")
    college_counts = fields.Json(string="Processed per Collège", readonly=True,
                                 help="Records processed per collège, for the summaries.")
    error = fields.Text(string="Error", readonly=True)
    date_done = fields.Datetime(string="Finished on", readonly=True)

    @api.depends("total_count", "done_count")
    def _compute_progress(self):
        for campaign in self:
            total = campaign.total_count
            campaign.progress = 100.0 * min(campaign.done_count, total) / total if total else 0.0

    # ------------------------------------------------------------------ launching
    @api.model
    def _batch_size(self, kind=None):
        size = self.env["ir.config_parameter"].sudo().get_param(BATCH_SIZE_PARAM)
        return int(size) if size else DEFAULT_BATCH_SIZES[kind or self.kind]

    @api.model
    def _launch(self, kind, colleges, **vals):
        """A campaign of `kind` over `colleges`: run at once when it fits in one batch (the
        user waits a second or two), else queued for the scheduled action."""
        labels = dict(self._fields["kind"]._description_selection(self.env))
        colleges.fetch(["name", "company_id"])
        campaign = self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True).create({
            "name": _("%(kind)s – %(colleges)s", kind=labels[kind],
                      colleges=colleges.name if len(colleges) == 1 else _("%s collèges", len(colleges))),
            "kind": kind, "college_ids": [Command.set(colleges.ids)], "company_id": colleges[:1].company_id.id,
            **vals,
        })
        if campaign.total_count <= self._batch_size(kind):
            campaign._run_now()
        else:
            self.env.ref("tablet_loan.ir_cron_tablet_campaign")._trigger()
            campaign._message_log(body=_("Queued: %(count)s records to process in batches of %(size)s.",
                                         count=campaign.total_count, size=self._batch_size(kind)))
        return campaign

    def _queue_action(self):
        """The campaign's form, where the user follows its progress."""
        return window_action(self.env, "tablet_loan.tablet_campaign_action", [("id", "in", self.ids)]) | {
            "views": [(False, "form")], "view_mode": "form", "res_id": self.id}

    def action_resume(self):
        """Run a failed campaign again from where it stopped."""
        for campaign in self:
            if campaign.state != "failed":
                raise UserError(_("Only a failed campaign is resumed (%s).", campaign.name))
        self.write({"state": "queued", "error": False})
        self.env.ref("tablet_loan.ir_cron_tablet_campaign")._trigger()
        return True

    # ------------------------------------------------------------------ running
    @api.model
    def _cron_run_campaigns(self):
        """One batch of the oldest campaign waiting; the scheduler calls again (committing
        in between) as long as it reports records remaining."""
        campaigns = self.search([("state", "in", ("queued", "running"))], order="id")
        if not campaigns:
            return
        campaign, done = campaigns[0], 0
        try:
            with self.env.cr.savepoint():
                done = campaign._run_batch()
        except Exception as exc:  # noqa: BLE001 - any failure stops the campaign, shown to the user
            _logger.info("Campaign %s stopped: %s", campaign.id, exc)
            campaign._fail(exc)
        remaining = sum(max(c.total_count - c.done_count, 0) for c in campaigns.filtered(
            lambda c: c.state in ("queued", "running")))
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    def _run_batch(self):
        """Process the next batch as the user who launched the campaign; the last batch (one
        smaller than the others) also writes the summaries. Returns the work done, at least 1."""
        self.ensure_one()
        size = self._batch_size()
        campaign = self.with_user(self.user_id).with_context(
            tracking_disable=True, lang=self.user_id.lang, allowed_company_ids=self.user_id.company_ids.ids)
        # The author may have lost a collège since: the campaign stops, saying why.
        check_access_sql(self.college_ids.with_env(campaign.env), "read")
        processed, counts, skipped = getattr(campaign, f"_batch_{self.kind}")(size)
        vals = {"state": "running"}
        if processed:
            merged = dict(self.college_counts or {})
            for college_id, count in counts.items():
                merged[str(college_id)] = merged.get(str(college_id), 0) + count
            vals.update(done_count=self.done_count + processed, college_counts=merged,
                        skipped_count=self.skipped_count + len(skipped))
        self.write(vals)
        if processed:
            body = _("Batch done: %(count)s processed, %(done)s of %(total)s.",
                     count=processed, done=self.done_count, total=self.total_count)
            if skipped:
                body += " " + _("Left out: %s.", "; ".join(skipped[:20]))
            self._message_log(body=body)
        # Done once a batch comes back short; a delivery or a gift, whose list is fixed, as soon
        # as it is all processed. Custody takes the loans as they are when each batch runs.
        if processed < size or (self.kind in ("gift", "intake") and self.done_count >= self.total_count):
            campaign._finish()
            self.write({"state": "done", "date_done": fields.Datetime.now(), "total_count": self.done_count})
        return max(processed, 1)

    def _fail(self, exc):
        message = str(exc.args[0]) if getattr(exc, "args", None) else str(exc)
        self.write({"state": "failed", "error": message})
        self._message_log(body=_("Stopped: %s. Resume it once the problem is solved; what was done is kept.",
                                 message))

    def _run_now(self):
        """Small campaigns run at once, in the user's transaction."""
        while self.state != "done":
            self._run_batch()

    # ----------------------------------------------------------- batches by kind
    def _custody_domain(self):
        from_state = CUSTODY_MOVES[self.kind][0]
        return [("college_id", "in", self.college_ids.ids), ("state", "=", from_state),
                ("borrower_role", "=", "pupil"), ("id", "not in", self.loan_ids.ids)]

    def _loan_counts(self, loans):
        return {college.id: count for college, count in self.env["tablet.loan"]._read_group(
            [("id", "in", loans.ids)], ["college_id"], ["__count"])} if loans else {}

    def _batch_custody(self, size):
        """R13: the pupils' loans still active (or still in custody, on the way back), in no
        particular order: the first `size` the database finds."""
        Loan = self.env["tablet.loan"]
        loans = Loan.browse(Loan._search(self._custody_domain(), limit=size).get_result_ids())
        counts = loans._bulk_set_state(CUSTODY_MOVES[self.kind][1])
        return len(loans), counts, []

    _batch_back = _batch_custody

    def _batch_gift(self, size):
        """R17: the chosen loans after the last one processed; a loan refused meanwhile is left out."""
        loans = self.env["tablet.loan"].search([("id", "in", self.loan_ids.ids), ("id", ">", self.last_id)],
                                                limit=size, order="id")
        if not loans:
            return 0, {}, []
        refusals = loans._gift_refusals()
        given = loans.filtered(lambda loan: loan not in refusals)
        given._donate(self.gift_date)
        self.last_id = max(loans.ids)
        skipped = [f"{loan.borrower_id.name}: {reason}" for loan, reason in refusals.items()]
        return len(loans), self._loan_counts(given), skipped

    def _batch_intake(self, size):
        """R7: the next rows of the delivery become tablets in stock."""
        data = json.loads(base64.b64decode(self.intake_data))
        rows = data["rows"][self.done_count:self.done_count + size]
        if not rows:
            return 0, {}, []
        tablets = self.env["maintenance.equipment"]._bulk_create_tablets(data["values"], rows)
        return len(rows), {data["values"]["college_id"]: len(tablets)}, []

    # ----------------------------------------------------------------- summaries
    def _finish(self):
        """One note per collège at the end, as the wizards write for a single collège."""
        counts = {int(k): v for k, v in (self.college_counts or {}).items()}
        if self.kind == "custody":
            missing = self._loan_counts(self.loan_ids)

            def body(college):
                return self.env._(
                    "Summer custody: %(kept)s tablets kept at the collège, %(missing)s not handed in.",
                    kept=counts.get(college.id, 0), missing=missing.get(college.id, 0))
        elif self.kind == "back":
            def body(college):
                return self.env._("Rentrée: %s tablets handed back to their pupils after the summer.",
                                  counts.get(college.id, 0))
        elif self.kind == "gift":
            def body(college):
                return self.env._("End of 3e: %(count)s tablets given to their pupils on %(date)s; they leave the "
                                  "Département's fleet.", count=counts.get(college.id, 0), date=self.gift_date)
        else:
            values = json.loads(base64.b64decode(self.intake_data))["values"]
            supplier = self.env["res.partner"].browse(values["partner_id"]).display_name
            day = format_date(self.env, fields.Date.to_date(values["purchase_date"]))

            def body(college):
                return self.env._("%(count)s tablets received from %(supplier)s on %(date)s.",
                                  count=counts.get(college.id, 0), supplier=supplier, date=day)
        self.college_ids._message_log_batch(bodies={college.id: body(college) for college in self.college_ids})
        self._message_log(body=_("Done: %(count)s processed.", count=self.done_count))
