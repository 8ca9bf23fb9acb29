import base64
import io
import json
import logging
import zipfile
from collections import Counter

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_date

from .tablet_workflow_mixin import as_action, in_action, tablet_action
from .utils import check_access_sql, read_columns, window_action

_logger = logging.getLogger(__name__)

# Records per committed batch: a status change is two UPDATEs whatever the number of loans, so
# custody takes bigger batches than gifts and deliveries, which do more per record. The system
# parameter tablet_loan.campaign_batch_size, when set, applies to every kind.
# A SIECLE import campaign (issue 16) counts collèges, not records: one collège per batch, all or nothing.
# Context key of the gift wizard: a gift campaign run at once fails as a whole if one loan is refused
# (only stricter: a client that sends it can only be refused more).
GIFT_ALL_OR_NOTHING = "tablet_gift_all_or_nothing"
DEFAULT_BATCH_SIZES = {"custody": 20_000, "back": 20_000, "gift": 10_000, "intake": 10_000, "siecle": 1}
BATCH_SIZE_PARAM = "tablet_loan.campaign_batch_size"
KINDS = [
    ("custody", "Summer custody"),
    ("back", "Back from custody"),
    ("gift", "End-of-3e gift"),
    ("intake", "Delivery intake"),
    ("siecle", "SIECLE and STS-web import"),
]
# Loan status a custody campaign takes the loans from, and the one it gives them.
CUSTODY_MOVES = {"custody": ("active", "custody"), "back": ("custody", "active")}
# Who may ask for each kind, as the wizards that start them: checked when the campaign is
# launched or resumed, and again before every batch (the author may have lost the role since).
KIND_GROUPS = {
    "custody": ("tablet_loan.group_college_referent", "tablet_loan.group_department_manager"),
    "back": ("tablet_loan.group_college_referent", "tablet_loan.group_department_manager"),
    "gift": ("tablet_loan.group_college_head", "tablet_loan.group_department_manager"),
    "intake": ("tablet_loan.group_department_officer",),
    "siecle": ("tablet_loan.group_department_manager",),
}


class TabletCampaign(models.Model):
    """Work over thousands of records (the Département's summer custody and rentrée, the
    end-of-3e gifts, a supplier's delivery) run by a scheduled action in batches.

    Each batch is committed with the campaign's counters, so the user follows it on the
    campaign and in the scheduled action's progress, and the rest of Odoo is not blocked
    by one long transaction. A batch takes only what is still to process (loans still
    in the starting status, gifts after the last loan given, delivery rows after the
    last row created), so an interrupted campaign resumes without doing anything twice.

    Campaigns are created by the module's wizards only (custody, gift, delivery intake) and
    written by the scheduled action and *Resume* only: a client that could create one, or set
    its author, would give tablets away without the head (R17) or run with someone else's
    rights. It runs with the access rights of the user who launched (or resumed) it, whose
    role and collèges are checked again before each batch.
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
    progress = fields.Float(compute="_compute_progress")
    loan_ids = fields.Many2many(
        "tablet.loan", "tablet_campaign_loan_rel", "campaign_id", "loan_id", string="Loans", readonly=True,
        help="Summer custody: the tablets not handed in, whose loans stay active. Gift: the loans to give.",
    )
    gift_date = fields.Date(string="Given on", readonly=True)
    intake_data = fields.Binary(string="Delivery Rows", attachment=True, readonly=True,
                                help="The checked rows of the supplier's file and the values common to the tablets.")
    siecle_data = fields.Json(string="SIECLE Files per Collège", readonly=True,
                              help="SIECLE import: the school year and, per collège, its files in the archive.")
    last_id = fields.Integer(string="Last Loan Processed", readonly=True,
                             help="Gifts: the last loan processed, where the next batch starts.")
    college_counts = fields.Json(string="Processed per Collège", readonly=True,
                                 help="Records processed per collège, for the summaries.")
    error = fields.Text(readonly=True)
    date_done = fields.Datetime(string="Finished on", readonly=True)

    def _creation_message(self):
        """The chatter's first line: mail's "<description> created" reads wrong in French
        (the participle does not agree with the document's gender); a sentence of its own."""
        self.ensure_one()
        return _("Campaign launched.")

    @api.model_create_multi
    def create(self, vals_list):
        if not in_action(self.env):
            raise AccessError(_(
                "A campaign is started by the wizards (summer custody, end-of-3e gift, delivery intake), which "
                "check what is asked and who asks; it is not created directly."))
        return super().create(vals_list)

    def write(self, vals):
        if not in_action(self.env):
            raise AccessError(_(
                "A campaign is run by its scheduled action and resumed with its Resume button; %(fields)s "
                "cannot be written directly.",
                fields=", ".join(sorted(self._fields[f].get_description(self.env)["string"]
                                        for f in vals if f in self._fields))))
        return super().write(vals)

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
        """A campaign of `kind` over `colleges`, for the wizards: run at once when it fits in one
        batch (the user waits a second or two), else queued for the scheduled action. It runs as
        the user who asks, whose role and collèges are checked now and before each batch."""
        self._check_author(kind, colleges)
        labels = dict(self._fields["kind"]._description_selection(self.env))
        colleges.fetch(["name", "company_id"])
        # No creation line, no follower, no tracked field: mail's create has nothing to do (tracking_disable).
        campaign = as_action(self).with_context(mail_create_nolog=True, mail_create_nosubscribe=True,
                                                tracking_disable=True).create({
            "name": _("%(kind)s – %(colleges)s", kind=labels[kind],
                      colleges=colleges.name if len(colleges) == 1 else _("%s collèges", len(colleges))),
            "kind": kind, "college_ids": [Command.set(colleges.ids)], "company_id": colleges[:1].company_id.id,
            **vals, "user_id": self.env.uid,
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

    @api.model
    def _check_author(self, kind, colleges):
        """The current user may ask for a campaign of `kind` over `colleges`: their role (the
        one the wizard of that kind asks) and their collèges (the collèges are readable)."""
        user = self.env.user
        if self.env.su:
            return
        if not user.active or not any(user.has_group(group) for group in KIND_GROUPS[kind]):
            labels = dict(self._fields["kind"]._description_selection(self.env))
            raise AccessError(_(
                "%(kind)s is for %(roles)s; %(user)s is not.",
                kind=labels[kind], user=user.name,
                roles=_(" or ").join(self.env.ref(group).sudo().full_name for group in KIND_GROUPS[kind])))
        check_access_sql(colleges, "read")

    @tablet_action("tablet_loan.group_college_referent", "tablet_loan.group_department_officer")
    def action_resume(self):
        """Run a failed campaign again from where it stopped, with the rights of the user who
        resumes it (role and collèges checked as when it was launched)."""
        for campaign in self:
            if campaign.state != "failed":
                raise UserError(_("Only a failed campaign is resumed (%s).", campaign.name))
            campaign._check_author(campaign.kind, campaign.college_ids)
        vals = {"state": "queued", "error": False}
        if not self.env.su:
            vals["user_id"] = self.env.uid
        self.write(vals)
        for campaign in self:
            campaign._message_log(body=_("Resumed by %s, with whose rights it now runs.", self.env.user.name))
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

    def _run_batch(self, checked=False):
        """Process the next batch as the user who launched the campaign; the last batch (one
        smaller than the others) also writes the summaries. Returns the work done, at least 1.

        `checked` (a private argument: no client reaches it): the campaign runs at once, in the
        request of its author, whom `_launch` has just checked; the batch keeps the request's
        companies, as the wizard that launched it did, and does not check the author twice."""
        self.ensure_one()
        size = self._batch_size()
        # The batch is the module's trusted code (it writes statuses and its own counters), run with
        # the author's rights: the actions' pass, not the superuser's. Run by the scheduled action,
        # with every company of the author (no request says which).
        companies = {} if checked else {"allowed_company_ids": self.user_id.company_ids.ids}
        campaign = as_action(self).with_user(self.user_id).with_context(
            tracking_disable=True, lang=self.user_id.lang, **companies)
        # The author may have lost the role or a collège since: the campaign stops, saying why.
        if not checked:
            campaign._check_author(self.kind, self.college_ids.with_env(campaign.env))
        processed, counts, skipped = getattr(campaign, f"_batch_{self.kind}")(size)
        vals = {"state": "running"}
        if processed:
            merged = dict(self.college_counts or {})
            for college_id, count in counts.items():
                merged[str(college_id)] = merged.get(str(college_id), 0) + count
            vals.update(done_count=self.done_count + processed, college_counts=merged,
                        skipped_count=self.skipped_count + len(skipped))
        as_action(self).write(vals)
        if processed:
            body = _("Batch done: %(count)s processed, %(done)s of %(total)s.",
                     count=processed, done=self.done_count, total=self.total_count)
            if skipped:
                body += " " + _("Left out: %s.", "; ".join(skipped[:20]))
            self._message_log(body=body)
        # Done once a batch comes back short; a delivery or a gift, whose list is fixed, as soon
        # as it is all processed. Custody takes the loans as they are when each batch runs.
        if processed < size or (self.kind in ("gift", "intake", "siecle") and self.done_count >= self.total_count):
            campaign._finish()
            as_action(self).write({"state": "done", "date_done": fields.Datetime.now(),
                                   "total_count": self.done_count})
        return max(processed, 1)

    def _fail(self, exc):
        message = str(exc.args[0]) if getattr(exc, "args", None) else str(exc)
        as_action(self).write({"state": "failed", "error": message})
        self._message_log(body=_("Stopped: %s. Resume it once the problem is solved; what was done is kept.",
                                 message))

    def _run_now(self):
        """Small campaigns run at once, in the user's transaction, just after `_launch` checked
        the user (as the superuser, who is not checked, each batch checks the author)."""
        while self.state != "done":
            self._run_batch(checked=not self.env.su and self.user_id == self.env.user)

    # ----------------------------------------------------------- batches by kind
    def _custody_domain(self):
        from_state = CUSTODY_MOVES[self.kind][0]
        return [("college_id", "in", self.college_ids.ids), ("state", "=", from_state),
                ("borrower_role", "=", "pupil"), ("id", "not in", self.loan_ids.ids),
                *self.env["tablet.loan"]._custody_tablet_domain(self.kind)]

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
        """R17: the chosen loans after the last one processed; a loan refused meanwhile is left out.

        Every loan is checked as the author when its batch runs: theirs to write and of the
        campaign's collèges, or the campaign stops (the list was fixed when it was queued)."""
        self.env.cr.execute(SQL(
            "SELECT loan_id FROM tablet_campaign_loan_rel WHERE campaign_id = %s AND loan_id > %s "
            "ORDER BY loan_id LIMIT %s", self.id, self.last_id, size))
        loans = self.env["tablet.loan"].browse([row[0] for row in self.env.cr.fetchall()])
        if not loans:
            return 0, {}, []
        check_access_sql(loans, "write")
        columns = read_columns(loans, ["college_id", "state"])
        college_of = {loan_id: row["college_id"] for loan_id, row in columns.items()}
        outside = set(college_of.values()) - set(self.college_ids.ids)
        if outside:
            raise AccessError(_("The loans of a gift campaign belong to its collèges (%s).",
                                ", ".join(self.college_ids.mapped("name"))))
        refusals = loans._gift_refusals()
        if self.env.context.get(GIFT_ALL_OR_NOTHING):
            # The wizard's campaign run at once: refused as a whole, as the head chose the pupils.
            loans._check_gift_refusals(refusals)
        given = loans.filtered(lambda loan: loan not in refusals)
        given._donate(self.gift_date, checked=True,
                      returned=given.browse([loan_id for loan_id in given.ids if columns[loan_id]["state"] == "closed"]))
        self.last_id = max(loans.ids)
        skipped = [f"{loan.borrower_id.name}: {reason}" for loan, reason in refusals.items()]
        return len(loans), dict(Counter(college_of[loan_id] for loan_id in given.ids)), skipped

    def _batch_intake(self, size):
        """R7: the next rows of the delivery become tablets in stock."""
        data = json.loads(base64.b64decode(self.intake_data))
        rows = data["rows"][self.done_count:self.done_count + size]
        if not rows:
            return 0, {}, []
        if data["values"]["college_id"] not in self.college_ids.ids:
            raise AccessError(_("A delivery goes to the collège of its campaign (%s).",
                                ", ".join(self.college_ids.mapped("name"))))
        # The first tablet goes through create() as the author: rights, rules, the links' checks.
        tablets = self.env["maintenance.equipment"]._bulk_create_tablets(data["values"], rows)
        # Issue 15: one asset per tablet in the Département's register; an order's tablets wait for its
        # bill (draft), a delivery without order in Odoo runs at once. The order line counts what came.
        line = self.env["purchase.order.line"].browse(data["values"].get("purchase_line_id"))
        self.env["tablet.asset.register"]._create_assets(tablets, validate=not line)
        if line:
            line.qty_received = line.qty_received + len(tablets)
        return len(rows), {data["values"]["college_id"]: len(tablets)}, []

    def _batch_siecle(self, size):
        """Issue 16: the next collèges of the archive, each imported all or nothing. A collège whose
        files have a problem is left out with its problems (the summary lists it); the others go on."""
        members = self.siecle_data["members"]
        todo = sorted(int(college_id) for college_id in members)[self.done_count:self.done_count + size]
        if not todo:
            return 0, {}, []
        if set(todo) - set(self.college_ids.ids):
            raise AccessError(_("The files of a SIECLE import campaign are those of its collèges (%s).",
                                ", ".join(self.college_ids.mapped("name"))))
        counts, skipped = {}, []
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(self.intake_data))) as archive:
            for college in self.env["res.partner"].browse(todo):
                vals = {"college_id": college.id, "school_year": self.siecle_data["school_year"]}
                for index, name in enumerate(members[str(college.id)], start=1):
                    vals.update({f"file_{index}": base64.b64encode(archive.read(name)), f"filename_{index}": name})
                try:
                    with self.env.cr.savepoint():
                        wizard = self.env["tablet.siecle.import"].create(vals)
                        counts[college.id] = wizard._apply_checked()
                except (UserError, ValidationError) as exc:
                    skipped.append(f"{college.name}: {exc.args[0]}")
        return len(todo), counts, skipped

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
        elif self.kind == "siecle":
            def body(college):
                if college.id not in counts:
                    return self.env._("SIECLE and STS-web import: the files of this collège were not imported, "
                                      "see the campaign %s.", self.name)
                return self.env._("SIECLE and STS-web import of the Département: %s pupils in the files.",
                                  counts[college.id])
            failed = self.college_ids.filtered(lambda college: college.id not in counts)
            if failed:
                self._message_log(body=_("Collèges not imported (their files have problems): %s.",
                                         ", ".join(failed.mapped("name"))))
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
