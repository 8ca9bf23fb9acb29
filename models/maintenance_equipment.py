import re

from stdnum import luhn

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .relation_guard import check_link_targets
from .tablet_workflow_mixin import ALL_FIELDS, in_action, tablet_action
from .utils import count_by, window_action

_lt = LazyTranslate(__name__)

IMEI_PATTERN = re.compile(r"^\d{15}$")
MAX_LISTED = 15
TABLET_STATES = [
    ("stock", "In Stock"),
    ("assigned", "Assigned"),
    ("custody", "In Custody at the Collège"),
    ("repair", "In Repair"),
    ("out_of_order", "Out of Order at the Collège"),
    ("lost", "Lost"),
    ("stolen", "Stolen"),
    ("found", "Found, to Check"),
    ("written_off", "Written Off"),
    ("donated", "Donated"),
    ("scrapped", "Scrapped"),
]
# The table's fill factor and the indexes it goes without: hooks.tune_tables.
# Always a column of the tablets' kanban, even when empty.
IN_USE_STATES = ("stock", "assigned", "custody", "repair")
# A tablet in these states has left the Département's fleet for good.
OUT_OF_FLEET_STATES = ("donated", "scrapped", "written_off")
# Statuses that follow the loan (handed over, kept at the collège for the summer, back in
# stock): the loans' actions move only these. A lost, stolen, found, out-of-order tablet or one
# at the supplier stays where it is whatever happens to the loan (issue 15).
FOLLOWS_LOAN_STATES = ("stock", "assigned", "custody")
# Where a tablet is back in the collège's hands after a return (and may be checked): lent or
# kept for the summer, or found after a loss or a theft while its loan was still open.
PHYSICALLY_RETURNED_STATES = ("assigned", "custody", "found")
# Tablets a write-off, a scrap or a "found" apply to, and the incidents a write-off stands on.
MISSING_STATES = ("lost", "stolen")
MISSING_INCIDENT_TYPES = {"lost": "loss", "stolen": "theft"}
# A warranty claim in these states has the tablet at the supplier: only its return brings it back.
AT_SUPPLIER_CLAIM_STATES = ("sent", "answered")
# Who acts on the fleet: the collège's référents and heads find a tablet and check it back into
# stock; only the Département takes a tablet out of its fleet (R7): a write-off or scrapping.
FLEET_ACTORS = ("tablet_loan.group_college_referent", "tablet_loan.group_department_manager")
FLEET_ACTORS_ROLE = _lt("the collège's référents and head, or the Département's programme manager")
DEPARTMENT = ("tablet_loan.group_department_officer",)
DEPARTMENT_ROLE = _lt("the Département's officers and programme managers, who keep its asset register")
# Fields naming who uses a tablet (loans, incidents, claims): for the roles that read loans in
# the README's access matrix, the Département and the collège's référents and heads; never the
# Académie, the accountant or the supplier's agents (R29), who would otherwise learn through the
# tablet what the loans keep from them. Listed positively: Odoo's access error message cannot
# format "!group".
LOAN_READERS = "tablet_loan.group_department_officer,tablet_loan.group_college_referent"
# The Département's asset register (R7) and whose tablet it is: purchase value and date set the
# families' charges (R21, R24b), so collège users read them but only the Département writes them.
DEPARTMENT_FIELDS = ("cost", "purchase_date", "warranty_date", "effective_date", "partner_id", "college_id",
                     "company_id", "is_tablet", "serial_no", "imei", "active")
# Years over which a tablet without asset is depreciated (reports, book value): the default of
# the fleet inventory export.
DEFAULT_DEPRECIATION_YEARS = 4
# The register's readers: the tablet's asset and order line are the Département's accounting.
REGISTER_READERS = "tablet_loan.group_department_officer"
# How each exit names the disposal entry of the asset register.
EXIT_REASONS = {"donated": _lt("Given to the pupil"), "written_off": _lt("Written off after loss or theft"),
                "scrapped": _lt("Scrapped")}


# Issue 19: the Maintenance app's fields that mean nothing for a tablet of the programme (teams,
# technicians, failure statistics, colour index...): the tablet views do not offer them as
# measures, groupings or sort keys. Only presentation: the fields stay Maintenance's own.
MAINTENANCE_ONLY_FIELDS = (
    "color", "maintenance_team_id", "technician_user_id", "owner_user_id", "maintenance_ids",
    "maintenance_count", "maintenance_open_count", "expected_mtbf", "mtbf", "mttr", "estimated_next_failure",
    "latest_failure_date", "period", "next_action_date", "maintenance_duration", "location", "assign_date",
    "scrap_date", "effective_date", "equipment_properties", "partner_ref", "match_serial", "employee_id",
    "department_id", "equipment_assign_to",
)
# The tablet views of the module (the Tablets menu's action): what `get_views` recognises.
TABLET_VIEW_XMLIDS = (
    "tablet_loan.maintenance_equipment_view_form_tablet", "tablet_loan.maintenance_equipment_view_list_tablet",
    "tablet_loan.maintenance_equipment_view_kanban_tablet", "tablet_loan.maintenance_equipment_view_pivot_tablet",
    "tablet_loan.maintenance_equipment_view_graph_tablet", "tablet_loan.maintenance_equipment_view_search_tablet",
)


def linear_value(cost, purchase_date, on_date, years):
    """The purchase cost depreciated linearly to zero over `years` years from the purchase date
    (a tablet without asset); no purchase date: the cost."""
    if not purchase_date or not years:
        return cost
    elapsed = max((on_date - purchase_date).days, 0)
    return cost * max(0.0, 1.0 - elapsed / (years * 365.0))


def imei_error(imei):
    """Why an IMEI is not valid, or None: 15 digits whose Luhn checksum is right.

    The reason is lazy: a plain function has no env to tell the user's language, the
    message that quotes it (`_(..., error=reason)`) translates it in its own.
    """
    if not IMEI_PATTERN.match(imei or ""):
        return _lt("expected 15 digits")
    if not luhn.is_valid(imei):
        return _lt("its last digit does not match the Luhn checksum")
    return None


class MaintenanceEquipment(models.Model):
    """Tablets are assets of the Département's register (R7): it stays their owner
    until a 3e pupil is given theirs (R17) or they are scrapped."""

    _name = "maintenance.equipment"
    _inherit = ["maintenance.equipment", "tablet.workflow.mixin"]
    # Staff find a tablet by the serial number or IMEI written on it, not by its model name.
    _rec_names_search = ["name", "serial_no", "imei"]
    # The status follows loans, incidents, claims and gifts (their actions); the workflow guard
    # applies to tablets only (`_tablet_guarded`): other equipment is the Maintenance app's.
    _tablet_state_field = "tablet_state"
    _tablet_action_fields = ("out_of_fleet_date", "exit_incident_id", "asset_id", "purchase_line_id")
    _tablet_frozen_fields = {"donated": ALL_FIELDS, "scrapped": ALL_FIELDS, "written_off": ALL_FIELDS}

    is_tablet = fields.Boolean(string="Is a Tablet")
    imei = fields.Char(string="IMEI", copy=False, tracking=True,
                       help="15 digits, the last one a Luhn check digit.")
    mdm_device_id = fields.Char(string="MDM Device ID", copy=False,
                                help="Identifier in the Département's mobile device management.")
    college_id = fields.Many2one(
        "res.partner", string="Collège", index=True, tracking=True, ondelete="restrict",
        domain=[("is_college", "=", True)],
    )
    tablet_state = fields.Selection(
        TABLET_STATES, string="Tablet Status", default="stock", tracking=True, copy=False,
        group_expand="_group_expand_tablet_state",
    )
    purchase_date = fields.Date(tracking=True)
    # R29: the supplier's warranty desk reads the tablets of its claims, never who uses them.
    loan_ids = fields.One2many("tablet.loan", "equipment_id", string="Loans", groups=LOAN_READERS)
    incident_ids = fields.One2many("tablet.incident", "equipment_id", string="Incidents", groups=LOAN_READERS)
    warranty_claim_ids = fields.One2many("tablet.warranty.claim", "equipment_id", string="Warranty Claims",
                                         groups=LOAN_READERS)
    charge_ids = fields.One2many(
        "tablet.charge", string="Charges", compute="_compute_charge_ids",
        groups="tablet_loan.group_department_officer,tablet_loan.group_college_head,tablet_loan.group_college_accountant",
    )
    current_loan_id = fields.Many2one(
        "tablet.loan", compute="_compute_current_loan_id",
        search="_search_current_loan_id", groups=LOAN_READERS, compute_sudo=False,
    )
    # Not a related field: those are computed as superuser, and would tell anyone who may read
    # the field who holds the tablet. Computed as the user, from the loans they may read.
    current_borrower_id = fields.Many2one(
        "res.partner", compute="_compute_current_loan_id", groups=LOAN_READERS,
        compute_sudo=False,
    )
    loan_count = fields.Integer(compute="_compute_loan_count", groups=LOAN_READERS)
    # R16: a tablet back from a loan whose data erasure is not confirmed yet (the loan waits,
    # "returned"): not lent again, not offered as a replacement. Searchable for those domains.
    data_to_erase = fields.Boolean(string="Data to Erase", compute="_compute_data_to_erase",
                                   search="_search_data_to_erase")
    out_of_fleet_date = fields.Date(
        string="Left the Fleet on", tracking=True, copy=False,
        help="Date of the gift to the pupil, of the write-off or of scrapping, for the Département's asset register.",
    )
    exit_incident_id = fields.Many2one(
        "tablet.incident", string="Written Off After", copy=False, readonly=True, ondelete="restrict",
        groups=LOAN_READERS,
        help="The validated loss or theft incident a write-off stands on.",
    )

    # Issue 15: the Département's asset register (OCA account_asset_management) and its order.
    asset_id = fields.Many2one(
        "account.asset", string="Fixed Asset", copy=False, readonly=True, index="btree_not_null",
        ondelete="restrict", groups=REGISTER_READERS,
        help="The tablet's asset in the Département's register: acquisition, depreciation, disposal.")
    purchase_line_id = fields.Many2one(
        "purchase.order.line", string="Order Line", copy=False, readonly=True, index="btree_not_null",
        ondelete="restrict", groups=REGISTER_READERS,
        help="The line of the Département's purchase order the tablet was received on.")
    book_value = fields.Float(
        string="Book Value Today", compute="_compute_book_value", groups=REGISTER_READERS,
        help="From the asset's depreciation board (or linear over the default years, for a tablet without asset).")

    _sql_constraints = [
        ("imei_unique", "UNIQUE(imei)", "This IMEI is already registered on another tablet."),
        ("mdm_device_id_unique", "UNIQUE(mdm_device_id)", "This MDM device ID is already registered on another tablet."),
    ]

    def _creation_message(self):
        """A tablet's chatter starts with its arrival in the fleet, not "Maintenance Equipment
        created" (whose French participle does not even agree); other equipment keeps mail's."""
        self.ensure_one()
        if self.is_tablet:
            return _("Tablet added to the fleet.")
        return super()._creation_message()

    def get_formview_id(self, access_uid=None):
        """A tablet opens the tablet form wherever it is clicked (a loan's, an incident's or a
        claim's tablet); other equipment opens Maintenance's form."""
        if len(self) == 1 and self.is_tablet:
            return self.env["ir.model.data"]._xmlid_to_res_id("tablet_loan.maintenance_equipment_view_form_tablet")
        return super().get_formview_id(access_uid=access_uid)

    @api.model
    def get_views(self, views, options=None):
        """The tablet views offer no maintenance figure as a measure, grouping or sort key
        (pivot's "Couleur", "MTBF"...): their fields' descriptions say so. Keyed on the views
        asked for, since the web client sends no other context to get_views."""
        result = super().get_views(views, options)
        tablet_views = {self.env["ir.model.data"]._xmlid_to_res_id(xmlid, raise_if_not_found=False)
                        for xmlid in TABLET_VIEW_XMLIDS}
        if any(view_id in tablet_views for view_id, _view_type in views if view_id):
            descriptions = result.get("models", {}).get(self._name, {}).get("fields", {})
            for fname in MAINTENANCE_ONLY_FIELDS:
                if fname in descriptions:
                    descriptions[fname] = dict(descriptions[fname], groupable=False, sortable=False,
                                               aggregator=None)
        return result

    def _compute_book_value(self):
        values = self._residual_values(fields.Date.context_today(self), DEFAULT_DEPRECIATION_YEARS)
        for tablet in self:
            tablet.book_value = values[tablet.id] if tablet.is_tablet else 0.0

    def _compute_current_loan_id(self):
        """Not stored: a deployment of thousands of tablets must not rewrite each one. Under the
        user's rights: a user who may not read loans (Maintenance users, for instance) gets none."""
        Loan = self.env["tablet.loan"]
        loans = Loan.search([("equipment_id", "in", self.ids), ("state", "in", Loan._open_states())]) \
            if Loan.has_access("read") and self.ids else Loan
        by_tablet = {loan.equipment_id.id: loan for loan in loans}
        for tablet in self:
            tablet.current_loan_id = by_tablet.get(tablet.id, Loan)
            tablet.current_borrower_id = tablet.current_loan_id.borrower_id

    def _search_current_loan_id(self, operator, value):
        loans = self.env["tablet.loan"]._search([
            ("state", "in", self.env["tablet.loan"]._open_states()), ("id", operator, value),
        ])
        return [("id", "in", loans.subselect("equipment_id"))]

    def _group_expand_tablet_state(self, states, domain):
        """Kanban columns in the order of a tablet's life, the working ones always shown;
        lost, stolen, donated and scrapped only when some tablet is."""
        return [state for state, _label in TABLET_STATES if state in IN_USE_STATES or state in states]

    def _compute_charge_ids(self):
        """The tablet's charges the user may read. A collège accountant reads charges but not
        incidents: the tablet's incidents are matched as superuser, their ids only serving as a
        filter, and the charges are searched under the user's own rights and rules."""
        if not self.env["tablet.charge"].has_access("read"):
            self.charge_ids = False
            return
        incidents = self.env["tablet.incident"].sudo().with_context(active_test=False).search_fetch(
            [("equipment_id", "in", self.ids)], ["equipment_id"])
        tablet_of = {incident.id: incident.equipment_id.id for incident in incidents}
        charges = self.env["tablet.charge"].search([("incident_id", "in", incidents.ids)])
        for tablet in self:
            tablet.charge_ids = charges.filtered(lambda c: tablet_of.get(c.incident_id.id) == tablet.id)

    def _returned_unerased_query(self):
        """Ids of the tablets with a loan returned and not erased yet: the facts of R16, read past
        the loans' record rules (a référent choosing a replacement need not read every loan)."""
        return SQL("(SELECT equipment_id FROM tablet_loan WHERE state = 'returned')")

    def _compute_data_to_erase(self):
        self.env["tablet.loan"].flush_model(["state", "equipment_id"])
        self.env.cr.execute(SQL(
            "SELECT equipment_id FROM tablet_loan WHERE state = 'returned' AND equipment_id = ANY(%s)", list(self._ids)))
        unerased = {row[0] for row in self.env.cr.fetchall()}
        for tablet in self:
            tablet.data_to_erase = tablet.id in unerased

    def _search_data_to_erase(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Data to Erase is searched with = or != and True or False."))
        self.env["tablet.loan"].flush_model(["state", "equipment_id"])
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", self._returned_unerased_query())]

    def _compute_loan_count(self):
        counts = count_by(self.env["tablet.loan"], "equipment_id", self) \
            if self.env["tablet.loan"].has_access("read") else {}
        for tablet in self:
            tablet.loan_count = counts.get(tablet, 0)

    # ------------------------------------------------------------------ guards
    def _tablet_guarded(self):
        """The workflow guard is for tablets: other equipment keeps the Maintenance app's rules."""
        return self.filtered("is_tablet")

    def _tablet_check_vals(self, vals, creating=False):
        if creating and not vals.get("is_tablet"):
            return
        return super()._tablet_check_vals(vals, creating=creating)

    def _tablet_check_department_fields(self, vals):
        """R7: the asset register (purchase value and date, supplier, warranty), the tablet's
        identity and whose tablet it is (collège, Département, in the fleet or not) are written by
        the Département's officers and programme managers, and by the module's own actions."""
        if in_action(self.env) or self.env.user.has_group("tablet_loan.group_department_officer"):
            return
        fnames = {fname for fname in DEPARTMENT_FIELDS if fname in vals
                  for tablet in self if tablet._tablet_value_changes(fname, vals[fname])}
        if fnames:
            raise AccessError(_(
                "%(fields)s of a tablet are the Département's: its officers and programme managers record "
                "them; the collège reads them.",
                fields=", ".join(sorted(self._tablet_field_label(fname) for fname in fnames)),
            ))

    @api.model_create_multi
    def create(self, vals_list):
        category = self.env.ref("tablet_loan.equipment_category_tablet", raise_if_not_found=False)
        for vals in vals_list:
            if vals.get("is_tablet"):
                check_link_targets(self, vals, ("partner_id", "college_id"))
                if not vals.get("category_id") and category:
                    vals["category_id"] = category.id
        return super().create(vals_list)

    def write(self, vals):
        # Equipment becoming a tablet is guarded as a tablet from this write on.
        tablets = self if vals.get("is_tablet") else self._tablet_guarded()
        if tablets:
            tablets._tablet_check_department_fields(vals)
            check_link_targets(self, vals, ("partner_id", "college_id"))
            if vals.get("is_tablet"):
                (tablets - self._tablet_guarded())._tablet_check_vals(vals)
        res = super().write(vals)
        if tablets and vals.keys() & {"college_id", "company_id"} and not self.env.su:
            # A tablet moved by the Département stays in a scope its author may write.
            tablets.check_access("write")
        return res

    @api.model
    def _bulk_create_tablets(self, values, rows):
        """A supplier's delivery (R7): thousands of tablets that share everything but their
        serial number, IMEI, model and name, in a fixed number of queries.

        The ORM creates the first one (access rights and rules, defaults, computed fields,
        constraints); the others copy its row with their own serial number, IMEI, model and
        name in one INSERT ... SELECT, the database enforcing the uniqueness of serial numbers
        and IMEIs. `rows` are [serial number, IMEI, model, name]; a serial number already
        registered is skipped, so that a delivery resumed after an interruption creates no
        tablet twice. No message is logged per tablet: the caller logs one for the delivery.
        """
        self.env.cr.execute(SQL("SELECT serial_no FROM maintenance_equipment WHERE serial_no = ANY(%s)",
                                [row[0] for row in rows]))
        registered = {serial for serial, in self.env.cr.fetchall()}
        rows = [row for row in rows if row[0] not in registered]
        if not rows:
            return self.browse()
        for serial, imei, _model, _name in rows:
            error = imei_error(imei)
            if error:
                raise ValidationError(_("The IMEI “%(imei)s” of %(name)s is not valid: %(error)s.",
                                        imei=imei, name=serial, error=error))
        Tablet = self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True)
        (serial, imei, model, name), rest = rows[0], rows[1:]
        first = Tablet.create({**values, "serial_no": serial, "imei": imei, "model": model, "name": name})
        if not rest:
            return first
        self.env.flush_all()
        own = ("id", "serial_no", "imei", "model", "name")
        copied = [fname for fname, field in self._fields.items()
                  if field.store and field.column_type and fname not in own]
        self.env.cr.execute(SQL(
            """INSERT INTO maintenance_equipment (serial_no, imei, model, name, %(columns)s)
               SELECT r.serial, r.imei, r.model,
                      (SELECT jsonb_object_agg(lang, r.name) FROM jsonb_object_keys(t.name) lang), %(copied)s
                 FROM unnest(%(serials)s::varchar[], %(imeis)s::varchar[], %(models)s::varchar[], %(names)s::varchar[])
                      AS r(serial, imei, model, name), maintenance_equipment t
                WHERE t.id = %(first)s
            RETURNING id""",
            columns=SQL(", ").join(SQL.identifier(fname) for fname in copied),
            copied=SQL(", ").join(SQL.identifier("t", fname) for fname in copied),
            serials=[row[0] for row in rest], imeis=[row[1] for row in rest],
            models=[row[2] or None for row in rest], names=[row[3] for row in rest], first=first.id,
        ))
        tablets = first | self.browse([row[0] for row in self.env.cr.fetchall()])
        # The new rows are in no cache, but lists of tablets on their collège, category, etc. may be.
        for fname in copied:
            for inverse in self.pool.field_inverses[self._fields[fname]]:
                self.env[inverse.model_name].invalidate_model([inverse.name], flush=False)
        return tablets

    @api.constrains("imei", "is_tablet")
    def _check_imei(self):
        for tablet in self.filtered("imei"):
            error = imei_error(tablet.imei)
            if error:
                raise ValidationError(_("The IMEI “%(imei)s” of %(name)s is not valid: %(error)s.",
                                        imei=tablet.imei, name=tablet.display_name, error=error))

    @api.constrains("college_id", "company_id", "is_tablet")
    def _check_college(self):
        for tablet in self.filtered("is_tablet"):
            college = tablet.college_id
            if college and not college.is_college:
                raise ValidationError(_("%s is not a collège.", college.display_name))
            if college and tablet.company_id and college.company_id != tablet.company_id:
                raise ValidationError(_(
                    "Tablet %(tablet)s belongs to %(company)s but the collège %(college)s to %(college_company)s.",
                    tablet=tablet.display_name, company=tablet.company_id.name,
                    college=college.display_name, college_company=college.company_id.name,
                ))

    @api.readonly
    @tablet_action(*LOAN_READERS.split(","))
    def action_open_loans(self):
        self.ensure_one()
        return window_action(
            self.env, "tablet_loan.tablet_loan_action",
            [("equipment_id", "=", self.id)], {"default_equipment_id": self.id, "active_test": False},
        )

    # ------------------------------------------------------------- fleet moves
    # A tablet's life (issue 15): in stock, lent (assigned), in custody for the summer, in repair
    # at the supplier, out of order at the collège, lost, stolen, found, and out of the fleet by a
    # gift (R17), a write-off or scrapping. The loans, incidents and claims move the first ones;
    # these actions move the others, and nothing else does: a lost or stolen tablet stays so
    # until it is found or written off.
    def _names(self):
        names = [tablet.display_name for tablet in self[:MAX_LISTED]]
        if len(self) > MAX_LISTED:
            names.append(_("… and %s more", len(self) - MAX_LISTED))
        return ", ".join(names)

    def _ensure_tablet_state(self, states, action):
        """Every tablet in one of `states`, else a UserError naming the others; nothing changed."""
        wrong = self.filtered(lambda t: t.tablet_state not in states)
        if wrong:
            labels = dict(self._fields["tablet_state"]._description_selection(self.env))
            raise UserError(_(
                "%(action)s applies only to a tablet that is %(expected)s, not to: %(tablets)s.",
                action=action, expected=_(" or ").join(labels[state].lower() for state in states),
                tablets=", ".join(f"{tablet.display_name} ({labels[tablet.tablet_state].lower()})"
                                  for tablet in wrong[:MAX_LISTED]),
            ))

    def _ensure_no_open_loan(self, action):
        """A tablet still lent leaves the loan first (its return, or the head's replacement)."""
        Loan = self.env["tablet.loan"]
        held = Loan.search([("equipment_id", "in", self.ids), ("state", "in", Loan._open_states())]).equipment_id
        if held:
            raise UserError(_(
                "%(action)s is not possible while a loan is open on %(tablets)s: record the return of the "
                "loan, or the head's replacement, first.", action=action, tablets=held._names()))

    def _missing_incidents(self):
        """{tablet id: its latest validated (or closed) loss or theft incident, of the type of its
        status}: what a write-off stands on (R19). One search for the batch."""
        incidents = self.env["tablet.incident"].search([
            ("equipment_id", "in", self.ids), ("state", "in", ("validated", "decided", "closed")),
            ("incident_type", "in", tuple(MISSING_INCIDENT_TYPES.values())),
        ], order="validated_date desc, id desc")
        found = {}
        for incident in incidents:
            tablet = incident.equipment_id
            if MISSING_INCIDENT_TYPES.get(tablet.tablet_state) == incident.incident_type:
                found.setdefault(tablet.id, incident)
        return found

    def _leave_fleet(self, state, date):
        """Out of the Département's fleet (R7): archived, with the date, and disposed of in the asset
        register (one entry for the batch)."""
        self._write_state({"tablet_state": state, "out_of_fleet_date": date, "active": False})
        self.env["tablet.asset.register"]._dispose(self, date, EXIT_REASONS[state]._translate(self.env.lang))

    @tablet_action(*DEPARTMENT, role=DEPARTMENT_ROLE)
    def action_write_off(self):
        """A lost or stolen tablet leaves the fleet by a write-off of the Département, citing the
        validated incident of the loss or the theft (R7, R19); never one still lent."""
        action = _("Writing off")
        self._ensure_tablet_state(MISSING_STATES, action)
        incidents = self._missing_incidents()
        without = self.filtered(lambda t: t.id not in incidents)
        if without:
            raise UserError(_(
                "A write-off cites the validated loss or theft incident of the tablet; there is none "
                "for: %s. Validate the incident (with the complaint, for a theft) first.", without._names()))
        self._ensure_no_open_loan(action)
        self._leave_fleet("written_off", fields.Date.context_today(self))
        # Each tablet its own incident: one UPDATE for the batch, after the write above checked access.
        self._write_multi([{"exit_incident_id": incidents[tablet.id].id} for tablet in self])
        self.invalidate_recordset(["exit_incident_id"])
        self._message_log_batch(bodies={tablet.id: self.env._(
            "Written off from the Département's fleet after %s.", incidents[tablet.id].display_name)
            for tablet in self})
        return True

    @tablet_action(*FLEET_ACTORS, role=FLEET_ACTORS_ROLE)
    def action_mark_found(self):
        """A lost or stolen tablet is found: back at the collège, to be checked before it is lent
        again (R16). The only way back for a lost or stolen tablet."""
        self._ensure_tablet_state(MISSING_STATES, _("Marking as found"))
        self._write_state({"tablet_state": "found"})
        self._message_log_batch(bodies={tablet.id: self.env._("Tablet found: check it, erase its data, then put "
                                                     "it back in stock.") for tablet in self})
        return True

    @tablet_action(*FLEET_ACTORS, role=FLEET_ACTORS_ROLE)
    def action_put_in_stock(self):
        """A found tablet, or one out of order that works again, is checked: its data erased and in
        working order (R16), it goes back to the collège's stock."""
        action = _("Back in stock")
        self._ensure_tablet_state(("found", "out_of_order"), action)
        self._ensure_no_open_loan(action)
        self._write_state({"tablet_state": "stock"})
        self._message_log_batch(bodies={tablet.id: self.env._("Checked: data erased and in working order; back "
                                                     "in stock.") for tablet in self})
        return True

    @tablet_action(*FLEET_ACTORS, role=FLEET_ACTORS_ROLE)
    def action_back_from_repair(self):
        """A tablet "in repair" whose warranty claim was cancelled or never sent is in fact at the
        collège: it comes back out of order, where the head decides a replacement and the
        Département may scrap it, or the collège checks it back into stock if it works (issue 15).
        Refused while a claim is at the supplier (sent or answered): the tablet is there."""
        action = _("Back from repair")
        self._ensure_tablet_state(("repair",), action)
        at_supplier = self.env["tablet.warranty.claim"].search([
            ("equipment_id", "in", self.ids), ("state", "in", AT_SUPPLIER_CLAIM_STATES)]).equipment_id
        if at_supplier:
            raise UserError(_(
                "%(action)s is not possible while a warranty claim is open at the supplier for %(tablets)s: "
                "record the supplier's answer and the return, or cancel the claim, first.",
                action=action, tablets=self.filtered(lambda t: t.id in at_supplier.ids)._names()))
        self._write_state({"tablet_state": "out_of_order"})
        self._message_log_batch(bodies={tablet.id: self.env._(
            "Back from repair without a claim at the supplier: out of order at the collège. Put it back in "
            "stock if it works, or decide its replacement.") for tablet in self})
        return True

    @tablet_action(*DEPARTMENT, role=DEPARTMENT_ROLE)
    def action_scrap(self):
        """A tablet out of order (the supplier refused to repair it, or it is not worth it) leaves
        the fleet: scrapped by the Département (R7); never one still lent."""
        action = _("Scrapping")
        self._ensure_tablet_state(("out_of_order",), action)
        self._ensure_no_open_loan(action)
        self._leave_fleet("scrapped", fields.Date.context_today(self))
        return True

    def _residual_value(self, on_date, years):
        """The tablet's book value on `on_date` (R21, R24b): what a family may be asked to
        reimburse. From its asset's depreciation board when the register has one (the years are
        then the profile's, which the Département sets); else `_linear_value`."""
        self.ensure_one()
        # The asset is the Département's accounting, the value it gives is the tablet's, which
        # whoever computes a charge reads (DEPARTMENT_FIELDS): read in SQL, past the field's groups.
        values = self.env["tablet.asset.register"]._book_values(self.ids, on_date)
        return values[self.id] if self.id in values else self._linear_value(on_date, years)

    def _residual_values(self, on_date, years):
        """{tablet id: `_residual_value`} for a batch, the register read in one query (exports)."""
        values = self.env["tablet.asset.register"]._book_values(self.ids, on_date)
        return {tablet.id: values[tablet.id] if tablet.id in values else tablet._linear_value(on_date, years)
                for tablet in self}

    def _linear_value(self, on_date, years):
        """A tablet without asset: the purchase cost depreciated linearly to zero over `years` years
        from the purchase date. No purchase date: the cost."""
        self.ensure_one()
        return linear_value(self.cost, self.purchase_date, on_date, years)

    @api.readonly
    @tablet_action(*DEPARTMENT, role=DEPARTMENT_ROLE)
    def action_open_asset(self):
        """The tablet's asset in the Département's register, acquisition to disposal (smart button);
        the asset follows a tablet replaced under warranty, so it is searched by its tablet."""
        self.ensure_one()
        return {"type": "ir.actions.act_window", "name": _("Fixed Asset"), "res_model": "account.asset",
                "domain": [("equipment_id", "=", self.id)], "views": [(False, "list"), (False, "form")],
                "view_mode": "list,form", "context": {"active_test": False}}

    @api.readonly
    @tablet_action("tablet_loan.group_department_officer")
    def action_export_fleet_inventory_xlsx(self):
        """Tablets list header button: the selected tablets, else all those the list shows."""
        return self.env["report.tablet_loan.xlsx_abstract"]._export_action(
            "tablet_loan.report_fleet_inventory_xlsx", self)

    @api.readonly
    @tablet_action("tablet_loan.group_department_officer")
    def action_export_department_summary_xlsx(self):
        """Tablets list header button: the summary of the user's current Département."""
        return self.env.ref("tablet_loan.report_department_summary_xlsx").report_action(
            None, data={"company_id": self.env.company.id}, config=False)
