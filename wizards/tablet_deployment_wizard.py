import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html

from ..models.school_year import school_year_of
from ..models.tablet_loan import _listing
from ..models.utils import window_action

SERIAL_SEPARATORS = re.compile(r"[\s,;]+")


class TabletDeploymentWizard(models.TransientModel):
    """Rentrée: lend tablets to a whole class, or to a validated list, in one batch (R3, R9, R11)."""

    _name = "tablet.deployment.wizard"
    _description = "Rentrée Deployment"

    college_id = fields.Many2one(
        "res.partner", string="Collège", required=True, domain=[("is_college", "=", True)],
        default=lambda self: self.env.user.tablet_college_ids[:1],
    )
    school_year = fields.Char(
        required=True, default=lambda self: school_year_of(fields.Date.context_today(self)),
    )
    source = fields.Selection(
        [("class", "A class"), ("list", "Everyone on the validated list")],
        string="Deploy to", required=True, default="class",
    )
    school_class = fields.Char(string="Class", help="As written on the pupils' records, e.g. 5e A.")
    user_list_id = fields.Many2one("tablet.user.list", string="Validated List", compute="_compute_people")
    borrower_ids = fields.Many2many("res.partner", string="People to Equip", compute="_compute_people")
    borrower_count = fields.Integer(string="Number of People to Equip", compute="_compute_people")
    # Issue 14: people whose family has an overdue charge get no tablet in this run; the head
    # may lend them one with a reason (tablet.reissue.override.wizard).
    blocked_ids = fields.Many2many("res.partner", "tablet_deployment_wizard_blocked_rel", string="Not Equipped",
                                   compute="_compute_people")
    blocked_summary = fields.Text(string="Not Equipped: Unpaid Charges", compute="_compute_people")
    assignment = fields.Selection(
        [("auto", "Automatically from the collège's stock"), ("scan", "Scanned serial numbers")],
        string="Tablets", required=True, default="auto",
    )
    scanned_serials = fields.Text(
        string="Serial Numbers",
        help="One per line (a barcode scanner types them so), in the order of the people, sorted by name.",
    )
    stock_count = fields.Integer(string="Tablets in Stock", compute="_compute_stock_count")
    date_start = fields.Date(string="Handed over on", required=True, default=fields.Date.context_today)
    hand_over_now = fields.Boolean(
        string="Tablets Handed Over Now", compute="_compute_hand_over_now", store=True, readonly=False,
        help="Unticked, the loans are prepared as drafts and handed over later.",
    )
    signature_before_handover = fields.Boolean(
        string="Contract Signed before Hand-over", compute="_compute_hand_over_now", store=True)

    @api.depends("college_id")
    def _compute_hand_over_now(self):
        """I 3.2: where the convention wants the contract signed first, the loans are prepared,
        signed, then handed over."""
        for wizard in self:
            first = bool(wizard.college_id) and wizard.college_id._tablet_convention_model().signature_before_handover
            wizard.signature_before_handover = first
            wizard.hand_over_now = not first

    @api.depends("college_id", "school_year", "source", "school_class")
    def _compute_people(self):
        for wizard in self:
            user_list, people = wizard._people_to_equip()
            blocked = wizard._blocked(people)
            wizard.user_list_id = user_list
            wizard.borrower_ids = people - people.browse(list(blocked))
            wizard.borrower_count = len(people) - len(blocked)
            wizard.blocked_ids = list(blocked)
            wizard.blocked_summary = wizard._blocked_summary(blocked) or False

    def _blocked(self, people):
        """{person id: reason} of the people whose family has an overdue charge (issue 14):
        one query for the whole selection."""
        return self.env["tablet.loan"]._overdue_family_reasons(people.ids)

    def _blocked_summary(self, blocked):
        Partner = self.env["res.partner"]
        return _listing([f"{Partner.browse(pid).name}: {reason}" for pid, reason in blocked.items()]) if blocked else ""

    @api.depends("college_id")
    def _compute_stock_count(self):
        for wizard in self:
            wizard.stock_count = len(wizard._stock_tablets()) if wizard.college_id else 0

    def _people_to_equip(self):
        """(validated list, people of the class or list who have no open loan yet)."""
        Partner = self.env["res.partner"]
        if not self.college_id or not self.school_year:
            return self.env["tablet.user.list"], Partner
        user_list = self.env["tablet.user.list"].search([
            ("college_id", "=", self.college_id.id), ("school_year", "=", self.school_year),
            ("state", "=", "validated"),
        ], limit=1)
        if self.source == "class":
            if not (self.school_class or "").strip():
                return user_list, Partner
            people = Partner.search([
                ("college_id", "=", self.college_id.id), ("school_role", "=", "pupil"),
                ("school_class", "=ilike", self.school_class.strip()),
            ], order="name, id")
        else:
            # Sorted by the database: sorting in Python would read every column of each person.
            people = Partner.with_context(active_test=False).search(
                [("id", "in", user_list.line_ids.partner_id.ids)], order="name, id").with_env(self.env)
        equipped = self.env["tablet.loan"].search([
            ("borrower_id", "in", people.ids), ("state", "in", self.env["tablet.loan"]._open_states()),
        ]).borrower_id
        return user_list, people - equipped

    def _stock_tablets(self):
        """Tablets of the collège ready to lend: in stock, data of any previous loan erased (R16)."""
        unwiped = self.env["tablet.loan"]._search([("state", "=", "returned")])
        return self.env["maintenance.equipment"].search([
            ("is_tablet", "=", True), ("college_id", "=", self.college_id.id), ("tablet_state", "=", "stock"),
            ("id", "not in", unwiped.subselect("equipment_id")),
        ], order="serial_no, id")

    def _scanned_tablets(self, count):
        serials = [s for s in SERIAL_SEPARATORS.split(self.scanned_serials or "") if s]
        problems = []
        duplicates = sorted({s for s in serials if serials.count(s) > 1})
        if duplicates:
            problems.append(_("scanned twice: %s", ", ".join(duplicates)))
        tablets = self.env["maintenance.equipment"].search([
            ("is_tablet", "=", True), ("college_id", "=", self.college_id.id), ("serial_no", "in", serials),
        ])
        by_serial = {t.serial_no: t for t in tablets}
        unknown = [s for s in serials if s not in by_serial]
        if unknown:
            problems.append(_("not tablets of %(college)s: %(serials)s", college=self.college_id.name,
                              serials=", ".join(unknown)))
        if len(serials) != count:
            problems.append(_("%(scanned)s serial numbers scanned for %(count)s people",
                              scanned=len(serials), count=count))
        if problems:
            raise UserError(_("Check the scanned serial numbers:\n%s", _listing(problems)))
        return self.env["maintenance.equipment"].browse([by_serial[s].id for s in serials])

    def _deploy(self):
        self.ensure_one()
        # I 3.2, first: a client may send the box the form shows read-only.
        if self.hand_over_now and self.college_id._tablet_convention_model().signature_before_handover:
            raise UserError(_(
                "Under the convention of %s the loan contract is signed before the tablet is handed over: "
                "untick “Tablets Handed Over Now”, have the contracts signed, then hand the tablets over.",
                self.college_id.name))
        user_list, people = self._people_to_equip()
        if not user_list:
            raise UserError(_("%(college)s has no validated list of users for %(year)s: tablets go only to "
                              "people on the list validated by the Académie.",
                              college=self.college_id.name, year=self.school_year))
        if not people:
            raise UserError(_("Nobody left to equip: everyone in this selection already has a tablet, "
                              "or the class “%s” has no pupil.", self.school_class or ""))
        unlisted = people - user_list.line_ids.partner_id
        if unlisted:
            raise UserError(_("These pupils are not on the validated list of users: ask the head to add "
                              "them and the Académie to validate the list again.\n%s",
                              _listing(unlisted.mapped("name"))))
        # Issue 14: the people whose family has an overdue charge are left out of the run and
        # named in its summary; the others are equipped. Refusing the whole run would hold up a
        # class for one family; the head lends the tablet later with a reason if they decide so.
        blocked = self._blocked(people)
        people -= people.browse(list(blocked))
        if not people:
            raise UserError(_("Nobody can be equipped: a charge of each family is unpaid past its due date.\n%s",
                              self._blocked_summary(blocked)))
        if self.assignment == "scan":
            tablets = self._scanned_tablets(len(people))
        else:
            tablets = self._stock_tablets()
            if len(tablets) < len(people):
                raise UserError(_("%(count)s tablets are needed but %(college)s has only %(stock)s in stock.",
                                  count=len(people), college=self.college_id.name, stock=len(tablets)))
        state = "active" if self.hand_over_now else "draft"
        loans = self.env["tablet.loan"]._bulk_create_loans([{
            "borrower_id": person.id, "equipment_id": tablet.id, "college_id": self.college_id.id,
            "school_year": self.school_year, "date_start": self.date_start, "state": state,
        } for person, tablet in zip(people, tablets, strict=False)])
        what = self.school_class if self.source == "class" else _("the validated list")
        body = _("Rentrée deployment: %(count)s tablets lent to %(what)s on %(date)s.",
                 count=len(loans), what=what, date=self.date_start)
        if blocked:
            body += "\n" + _("Not equipped, a charge of the family being unpaid past its due date:\n%s",
                              self._blocked_summary(blocked))
        user_list.message_post(body=plaintext2html(body))
        return loans

    def action_deploy(self):
        loans = self._deploy()
        return window_action(self.env, "tablet_loan.tablet_loan_action", [("id", "in", loans.ids)])

    def action_deploy_and_print(self):
        loans = self._deploy()
        action = self.env.ref("tablet_loan.action_report_loan_contract").report_action(loans)
        action["close_on_report_download"] = True
        return action
