"""The rules matrix of README.md, read as data, and the records each of its rows is played on.

The README is the specification of who may change what: every protected field and every
`action_*` method of the module, in a given status, for every role. The matrix tests walk it
cell by cell, through the ORM and through JSON-RPC; the coverage test checks that every action
and every read-only or computed field of the module has a row, so that the table cannot fall
behind the code.
"""
import base64
import itertools
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, timedelta

from lxml import etree
from stdnum import luhn

from odoo import Command, fields
from odoo.models import LOG_ACCESS_COLUMNS, MAGIC_COLUMNS

from ..models.tablet_workflow_mixin import as_action
from .access_matrix import README, ROLES
from .common import decide_for_charge, drawn_signature, gen_siecle

MODULE = "tablet_loan"
ALLOWED, REFUSED, UNREADABLE = "✓", "✗", "—"
SYMBOLS = {ALLOWED, REFUSED, UNREADABLE}
# `model.member`, more `member`s of the same model, then the status of the record in parentheses.
ROW_LABEL = re.compile(r"^`(?P<first>[a-z0-9_.]+)`(?P<more>(?:\s+`[a-z0-9_]+`)*)\s*(?:\((?P<condition>[^)]+)\))?$")
SCHOOL_YEAR = "2026-2027"
HANDED_OVER = date(2026, 9, 1)


@dataclass(frozen=True)
class Row:
    """One line of the rules matrix: `members` (fields or one method) of `model` on a record
    brought to `condition`, and the expected outcome for each role."""

    label: str
    model: str
    members: tuple
    condition: str
    rules: str
    cells: dict = dataclass_field(hash=False, compare=False)

    @property
    def kind(self):
        if self.members[0] == "create":
            return "create"
        return "action" if self.members[0].startswith("action_") else "field"


def _table(begin, end):
    text = README.read_text(encoding="utf-8")
    body = text[text.index(begin) + len(begin):text.index(end)]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in body.strip().splitlines()]
    return rows[0], rows[2:]


def read_rules_matrix():
    """[Row] from README.md's rules matrix."""
    header, lines = _table("<!-- rules-matrix:begin -->", "<!-- rules-matrix:end -->")
    assert header[2:] == ROLES, f"unexpected rules matrix columns {header}"
    rows = []
    for line in lines:
        match = ROW_LABEL.match(line[0])
        assert match, f"unreadable rules matrix row {line[0]!r}"
        model, first = match["first"].rsplit(".", 1)
        members = (first, *re.findall(r"`([a-z0-9_]+)`", match["more"] or ""))
        assert set(line[2:]) <= SYMBOLS, f"unknown cell in {line}"
        assert len(members) == 1 or not any(m.startswith("action_") or m == "create" for m in members), \
            f"a row names one method, or fields only: {line[0]!r}"
        rows.append(Row(line[0], model, members, (match["condition"] or "").strip(), line[1],
                        dict(zip(ROLES, line[2:], strict=False))))
    return rows


def read_exemptions():
    """{(model, field): reason} of the fields the README exempts from the rules matrix."""
    _header, lines = _table("<!-- rules-exempt:begin -->", "<!-- rules-exempt:end -->")
    exempt = {}
    for line in lines:
        for name in re.findall(r"`([a-z0-9_.]+)`", line[0]):
            model, fname = name.rsplit(".", 1)
            exempt[(model, fname)] = line[1]
    return exempt


# ------------------------------------------------------------------------- coverage
def _module_classes(model):
    return [klass for klass in type(model).__mro__
            if getattr(klass, "__module__", "").startswith(f"odoo.addons.{MODULE}.")]


def _inherited_only(env, name):
    """Mixins of the module (workflow guard, period exports): their methods are rowed
    on the models that use them."""
    model = env[name]
    return model._abstract and any(child in env and not env[child]._abstract
                                   for child in model._inherit_children)


def module_actions(env):
    """{(model, method)} of every `action_*` method the module defines, on its own models
    and wizards and on the models it extends."""
    actions = set()
    for name in env.registry:
        if _inherited_only(env, name):
            continue
        for klass in _module_classes(env[name]):
            actions |= {(name, attr) for attr in vars(klass) if attr.startswith("action_")}
    return actions


def _view_readonly_fields(env):
    """{(model, field)} that a view of the module shows read-only (`readonly="1"` or an
    expression), fields of embedded lists counted on their own model."""
    found = set()
    view_ids = env["ir.model.data"].search([("module", "=", MODULE), ("model", "=", "ir.ui.view")]).mapped("res_id")
    for view in env["ir.ui.view"].browse(view_ids):
        arch = etree.fromstring(view.arch_db.encode())
        for node in arch.iter("field"):
            value = (node.get("readonly") or "").strip()
            if value in ("", "0", "False", "false"):
                continue
            model = env[view.model]
            for ancestor in reversed([a for a in node.iterancestors() if a.tag == "field"]):
                model = env[model._fields[ancestor.get("name")].comodel_name]
            found.add((model._name, node.get("name")))
    return found


def protected_fields(env):
    """{(model, field)} that need a row: shown read-only by a view, stored computed
    without an inverse, or declared read-only by the module (facts its actions write)."""
    found = _view_readonly_fields(env)
    for name in env.registry:
        for fname, fld in env[name]._fields.items():
            if fld._module != MODULE or fname in MAGIC_COLUMNS or fname in LOG_ACCESS_COLUMNS:
                continue
            if fld.compute and fld.store and fld.readonly and not fld.inverse:
                found.add((name, fname))
            elif fld.readonly and not fld.compute and not fld.related:
                found.add((name, fname))
    return found


# ------------------------------------------------------------------------- fixtures
# Codes of the accounts made for each asset a row writes (issue 15): unique in the Département.
_SPARE_NUMBERS = itertools.count(100)

def _imei(number):
    base = f"35{number:012d}"
    return base + luhn.calc_check_digit(base)


@dataclass
class Fixture:
    """What a row is played on: `record` (empty for a model method, a wizard's values for a
    wizard), the arguments of the call, and `watched`, what a refusal must leave unchanged."""

    record: object
    watched: object = None
    args: tuple = ()
    wizard_vals: dict = None


class RulesFixtures:
    """The users' collège (alpha, in their académie and Département) and its people, fleet,
    convention, validated list and tariff; another collège (beta) and Département as values
    to move records to; then, row by row, a record brought to the row's status.

    Everything is made as the superuser, inside the actions' pass as trusted internal code:
    the administrator sets up, the users act (their calls never carry the pass)."""

    def __init__(self, env, company, other_company, academy, academy_out, supplier, other_supplier, users, tag):
        env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True))
        self.env = as_action(env["res.users"]).env
        self.company, self.other_company = company, other_company
        self.academy, self.academy_out = academy, academy_out
        self.supplier, self.other_supplier = supplier, other_supplier
        self.users, self.tag = users, tag
        self.admin = self.env.ref("base.user_admin")
        self._base()

    # ------------------------------------------------------------------ base
    def _base(self):
        env = self.env
        Partner = env["res.partner"]
        if not env["account.account"].search_count([("company_ids", "in", self.company.ids)], limit=1):
            env["account.chart.template"].try_loading("generic_coa", company=self.company, install_demo=False)
        sale = env["account.journal"].search([("company_id", "=", self.company.id), ("type", "=", "sale")], limit=1)
        journal = env["account.journal"].create({
            "name": f"Participations règles ({self.tag})", "code": f"R{self.tag[:3].upper()}",
            "type": "sale", "company_id": self.company.id, "default_account_id": sale.default_account_id.id,
        })

        def college(key, digits, academy, **vals):
            return Partner.create({
                "name": f"Collège {key.title()} règles ({self.tag})", "is_college": True,
                "uai_code": digits + "ABCDEFGHJKLMNPRSTUVWXYZ"[int(digits) % 23],
                "company_id": self.company.id, "academy_id": academy.id, **vals})

        self.alpha = college("alpha", "0381911", self.academy, tablet_journal_id=journal.id)
        self.beta = college("beta", "0381912", self.academy_out)
        self.rep1, self.rep2 = Partner.create([{
            "name": f"Parent {n} règles ({self.tag})", "school_role": "legal_representative",
            "company_id": self.company.id} for n in (1, 2)])

        def person(name, **vals):
            values = {"name": f"{name} règles ({self.tag})", "school_role": "pupil", "college_id": self.alpha.id,
                      "grade_level": "5e", "school_class": "5e A",
                      "legal_representative_ids": [Command.set((self.rep1 | self.rep2).ids)], **vals}
            if values["school_role"] != "pupil":
                values.pop("grade_level"), values.pop("school_class"), values.pop("legal_representative_ids")
            return Partner.create(values)

        self.pupils = [person(f"Élève {n}") for n in range(1, 7)]
        self.third = person("Élève de 3e", grade_level="3e", school_class="3e A")
        self.teacher = person("Professeure", school_role="teacher")
        self.newcomer = person("Élève de 5e B", school_class="5e B")
        self.person = person("Élève sans prêt")
        self.convention = self._convention(self.alpha, signed=True)
        self.beta_convention = self._convention(self.beta, signed=False)
        people = [*self.pupils, self.third, self.teacher, self.newcomer, self.person]
        self.user_list = env["tablet.user.list"].create({
            "college_id": self.alpha.id, "school_year": SCHOOL_YEAR,
            "line_ids": [Command.create({"partner_id": p.id}) for p in people]})
        self.user_list.write({"state": "validated", "validated_date": date(2026, 7, 1)})
        start = self.alpha.id * 1000
        self.tablets = env["maintenance.equipment"].create([{
            "name": "Tablette TL-10", "model": "TL-10", "is_tablet": True, "partner_id": self.supplier.id,
            "serial_no": f"RM-{self.tag}-{self.alpha.id}-{i:02d}", "imei": _imei(start + i),
            "college_id": self.alpha.id, "company_id": self.company.id, "cost": 300.0,
            "purchase_date": date(2026, 6, 1), "warranty_date": date(2028, 6, 1),
            "category_id": env.ref("tablet_loan.equipment_category_tablet").id,
        } for i in range(14)])
        self._imei_next = start + 500
        self.tariff = env["tablet.charge.tariff"].create({
            "college_id": self.alpha.id, "school_year": SCHOOL_YEAR, "ca_deliberation_date": date(2026, 6, 12),
            "ca_deliberation_ref": "CA n° 7",
            "line_ids": [Command.create({"case": case, "amount_type": "fixed", "fixed_amount": 50.0,
                                         "cap_amount": 150.0})
                         for case in ("breakage", "loss", "theft", "warranty_void")]})
        self.lines = {line.case: line for line in self.tariff.line_ids}
        # Spare records, the "other" values that rows move a record to.
        self.spare_loan = self._loan(self.pupils[5], self.tablets[13])
        self.spare_incident = self._incident(self.spare_loan, validate=True)
        self.spare_charge = self._charge(self.spare_incident)
        invoiced = self._charge(self.spare_incident)
        invoiced.action_confirm()
        invoiced.action_create_invoice()
        self.spare_invoice = invoiced.invoice_id
        self.env.flush_all()

    def new_imei(self):
        self._imei_next += 1
        return _imei(self._imei_next)

    def _convention(self, college, signed):
        convention = self.env["tablet.convention"].create({
            "company_id": college.company_id.id, "college_id": college.id,
            "ca_deliberation_date": date(2025, 12, 1), "date_signed_department": date(2026, 1, 15),
            "date_signed_academy": date(2026, 1, 15), "date_signed_college": date(2026, 1, 15),
            "charter_adopted_date": date(2026, 6, 1), "wifi_ready_date": date(2026, 6, 1),
            "teacher_deployment_date": date(2026, 8, 25), "broadband_ready_date": date(2026, 6, 1),
            "home_use_allowed": True,
        })
        if signed:
            convention.action_sign()
        return convention

    def _loan(self, borrower, tablet, state="active", signed=False):
        loan = self.env["tablet.loan"].create({
            "borrower_id": borrower.id, "equipment_id": tablet.id, "college_id": self.alpha.id,
            "school_year": SCHOOL_YEAR, "date_start": HANDED_OVER})
        if state == "draft":
            return loan
        loan.action_activate()
        if signed:
            signer = borrower if borrower.school_role != "pupil" else self.rep1
            loan.write({"signed_by_id": signer.id, "signed_date": HANDED_OVER})
        if state == "custody":
            loan.action_custody()
        elif state in ("returned", "closed"):
            self._wizard("tablet.return.wizard", {
                "loan_ids": [Command.set(loan.ids)], "date_return": date(2026, 11, 2), "condition": "good",
                "data_wiped": state == "closed", "data_wiped_date": date(2026, 11, 2)}).action_confirm()
        return loan

    def _wizard(self, model, vals):
        return self.env[model].create(vals)

    def _signature_vals(self, loan):
        """Both legal representatives of the pupil sign on screen at the hand-over (issue 17)."""
        return {"loan_id": loan.id, "moment": "handover", "method": "screen",
                "signer_1_id": self.rep1.id, "signature_1": drawn_signature(1),
                "signer_2_id": self.rep2.id, "signature_2": drawn_signature(2)}

    def _signed_in_place(self):
        loan = self._loan(self.pupils[0], self.tablets[0])
        self._wizard("tablet.loan.signature.wizard", self._signature_vals(loan)).action_confirm()
        self.env["tablet.loan"]._cron_keep_signed_copies()
        return loan

    def _signed_copy_due(self):
        loan = self._loan(self.pupils[0], self.tablets[0])
        self._wizard("tablet.loan.signature.wizard", self._signature_vals(loan)).action_confirm()
        return loan

    def _signature_wizard(self):
        loan = self._loan(self.pupils[0], self.tablets[0])
        return Fixture(self.env["tablet.loan.signature.wizard"], watched=loan, wizard_vals=self._signature_vals(loan))

    def _spare_attachment(self, record):
        return self.env["ir.attachment"].create({"name": "Autre copie.pdf", "raw": b"%PDF-1.4 autre"}).id

    def _incident(self, loan, incident_type="breakage", validate=False):
        incident = self.env["tablet.incident"].create({
            "incident_type": incident_type, "loan_id": loan.id, "circumstances": "Chute dans la cour.",
            "event_datetime": fields.Datetime.now() - timedelta(hours=3)})
        if validate:
            incident.action_validate()
        return incident

    def _charge(self, incident, case="breakage"):
        decide_for_charge(incident, qualification={"breakage": "negligence"}.get(case, case))
        return self.env["tablet.charge"].create({
            "incident_id": incident.id, "case": case, "tariff_line_id": self.lines[case].id,
            "payer_id": self.rep1.id, "amount": 50.0})

    def _claim(self, incident, state="draft", **vals):
        claim = self.env["tablet.warranty.claim"].create({
            "incident_id": incident.id, "fault_type": "component", "supplier_id": self.supplier.id,
            "fault_description": "L'écran ne s'allume plus.", **vals})
        if state == "draft":
            return claim
        claim.action_send()
        if state == "sent, answer written":
            claim.write({"rma_number": "RMA-1", "answer": "repaired"})
        elif state == "cancelled":
            claim.action_cancel()
        elif state in ("answered", "returned"):
            claim.write({"rma_number": "RMA-1", "answer": "repaired"})
            claim.action_record_answer()
            if state == "returned":
                claim.action_mark_returned()
        return claim

    def _geolocation(self, state):
        tablet = self.tablets[5]
        # R10: a lost or stolen tablet needs its validated incident; the authorities' request does not.
        request = self.env["tablet.geolocation.request"].create({
            "equipment_id": tablet.id, "reason": "authorities", "authority_reference": "PV 2026/118",
            "justification": "Réquisition de la gendarmerie."})
        vals = {"draft": {}, "requested": {"state": "requested", "requested_by_id": self.admin.id},
                "authorised": {"state": "authorised", "requested_by_id": self.admin.id,
                               "authorised_by_id": self.admin.id},
                "authorised, result recorded": {"state": "authorised", "result": "Dernière position : collège.",
                                                "requested_by_id": self.admin.id, "authorised_by_id": self.admin.id},
                "done": {"state": "done", "result": "Dernière position : collège.", "requested_by_id": self.admin.id,
                         "authorised_by_id": self.admin.id, "done_by_id": self.admin.id}}[state]
        if vals:
            request.write(vals)
        return request

    def _user_list(self, state, **vals):
        user_list = self.env["tablet.user.list"].create({
            "college_id": self.alpha.id, "school_year": "2027-2028",
            "line_ids": [Command.create({"partner_id": self.pupils[0].id})]})
        if state != "draft":
            user_list.write({"state": state, **vals})
        return user_list

    def _tablet(self, tablet_state):
        tablet = self.tablets[4]
        tablet.write({"tablet_state": tablet_state})
        return tablet

    def _written_off_ready(self):
        """A stolen tablet whose theft is validated and whose loan is closed: ready to write off."""
        loan = self._loan(self.pupils[0], self.tablets[0])
        incident = self._incident(loan, incident_type="theft")
        incident.write({"state": "validated", "validated_date": date(2026, 11, 2)})
        self.tablets[0].write({"tablet_state": "stolen"})
        self._wizard("tablet.return.wizard", {
            "loan_ids": [Command.set(loan.ids)], "date_return": date(2026, 11, 2), "condition": "good",
            "data_wiped": True, "data_wiped_date": date(2026, 11, 2)}).action_confirm()
        return self.tablets[0]

    def _annual_report(self, state):
        report = self.env["tablet.annual.report"].create({
            "college_id": self.alpha.id, "school_year": SCHOOL_YEAR,
            "usage_text": "<p>Les tablettes servent en classe et à la maison.</p>"})
        if state == "submitted":
            report.action_submit()
        return report

    def _department_register(self):
        """The Département's register of processing activities (R29): one per Département."""
        Register = self.env["tablet.processing.activity"]
        return Register.search([("party_type", "=", "department"), ("company_id", "=", self.company.id)], limit=1) \
            or Register.create({"party_type": "department", "company_id": self.company.id})

    def _sanction(self, state, action_chosen=False):
        """A measure after wilful damage (R22, R26): the Département reads it."""
        loan = self._loan(self.pupils[0], self.tablets[0])
        incident = self._incident(loan, validate=True)
        incident.write({"qualification": "deliberate"})
        sanction = self.env["tablet.sanction"].create({
            "borrower_id": self.pupils[0].id, "kind": "kept_at_school", "wilful_damage": True,
            "incident_id": incident.id, "ground": "Dégradation volontaire de la tablette.",
            "date_start": fields.Date.today()})
        if state == "in_force":
            sanction.action_confirm()
        if action_chosen:
            sanction.write({"department_action": "claim"})
        return sanction

    def _meeting(self, minutes=False):
        """A planned meeting of the digital committee chaired by the collège's head (R28)."""
        return self.env["tablet.committee.meeting"].create({
            "college_id": self.alpha.id, "chair_id": self.users["Collège head"].id, "date": date(2026, 10, 5),
            "minutes": "<p>Bilan du trimestre.</p>" if minutes else False,
            "decision_ids": [Command.create({"name": "Former les enseignants", "date_due": date(2026, 11, 5)})]})

    def watch_count(self, model, domain):
        """What a refused wizard or creation must leave unchanged: a number of records."""
        return lambda: self.env[model].with_context(active_test=False).search_count(domain)

    # ------------------------------------------------------------- row fixtures
    def build(self, row):
        """The record `row` is played on, brought to the row's status."""
        builder = self.BUILDERS.get((row.model, row.condition))
        if not builder:
            raise KeyError(f"no fixture for {row.model} ({row.condition}): add one to RulesFixtures.BUILDERS")
        fixture = builder(self)
        if not isinstance(fixture, Fixture):
            fixture = Fixture(fixture)
        self.env.flush_all()
        return fixture

    def _loan_fixture(state, **kw):
        return lambda self: self._loan(self.pupils[0], self.tablets[0], state=state, **kw)

    def _claim_fixture(state, **vals):
        return lambda self: self._claim(self._incident(
            self._loan(self.pupils[0], self.tablets[0]), validate=True), state=state, **vals)

    def _charge_fixture(state):
        def build(self):
            charge = self._charge(self._incident(self._loan(self.pupils[0], self.tablets[0]), validate=True))
            if state in ("confirmed", "invoiced"):
                charge.action_confirm()
            if state == "invoiced":
                charge.action_create_invoice()
            return charge
        return build

    # Issue 14: follow-up of unpaid charges
    def _invoiced_charge(self, due_days_ago=None):
        charge = type(self)._charge_fixture("invoiced")(self)
        if due_days_ago is not None:
            self.env.flush_all()
            self.env.cr.execute("UPDATE account_move SET invoice_date_due = %s WHERE id = %s",
                                [fields.Date.today() - timedelta(days=due_days_ago), charge.invoice_id.id])
            self.env.invalidate_all()
            charge.invoice_id.modified(["invoice_date_due"])
            self.env.flush_all()
        return charge

    def _head_wizard(model, **vals):
        def build(self):
            charge = self._invoiced_charge()
            return Fixture(self.env[model], watched=charge, wizard_vals={
                "charge_id": charge.id, "reason": "Famille en grande difficulté (assistante sociale).", **vals})
        return build

    def _plan(self):
        charge = self._invoiced_charge()
        charge._set_instalment_plan(3, fields.Date.today() + timedelta(days=10), "Famille en difficulté.")
        return charge.instalment_ids[0]

    def _prepared_decision(self):
        incident = self._incident(self._loan(self.pupils[0], self.tablets[0]), validate=True)
        incident.write({"decision": "replace", "qualification": "accident", "replacement_equipment_id": self.tablets[2].id,
                        "counterpart_no_gift": True, "decision_note": "Usage pédagogique constant."})
        return incident

    def _decided(self):
        incident = self._incident(self._loan(self.pupils[0], self.tablets[0]), validate=True)
        incident.write({"decision": "no_replacement", "qualification": "accident", "decision_note": "Pas de remplacement.",
                        "decision_date": fields.Date.today(), "decided_by_id": self.admin.id})
        return incident

    def _draft_convention(self, every_signature):
        if every_signature:
            # One signed convention per collège: the current one has ended.
            self.convention.write({"state": "expired"})
            return self._convention(self.alpha, signed=False)
        return self.env["tablet.convention"].create({
            "company_id": self.company.id, "college_id": self.alpha.id, "ca_deliberation_date": date(2025, 12, 1)})

    def _campaign(self):
        return self.env["tablet.campaign"].create({
            "name": f"Garde estivale règles ({self.tag})", "kind": "custody", "company_id": self.company.id,
            "college_ids": [Command.set(self.alpha.ids)], "user_id": self.users["Département manager"].id,
            "state": "failed", "error": "Interrompue.", "total_count": 1})

    def _custody(self):
        loan = self._loan(self.pupils[0], self.tablets[0])
        return Fixture(self.env["tablet.custody.wizard"], watched=loan, wizard_vals={
            "college_id": self.alpha.id, "direction": "to_custody"})

    def _intake(self):
        content = f"numéro de série;IMEI\nRM-{self.tag}-NEW-1;{self.new_imei()}\n".encode()
        return Fixture(self.env["tablet.delivery.intake"], watched=self.watch_count(
            "maintenance.equipment", [("serial_no", "=", f"RM-{self.tag}-NEW-1")]), wizard_vals={
            "file": base64.b64encode(content), "filename": "livraison.csv", "company_id": self.company.id,
            "college_id": self.alpha.id, "partner_id": self.supplier.id, "purchase_date": date(2026, 11, 2),
            "unit_cost": 289.9, "warranty_months": 24, "default_model": "TL-10"})

    def _deployment(self):
        return Fixture(self.env["tablet.deployment.wizard"], watched=self.watch_count(
            "tablet.loan", [("borrower_id", "=", self.newcomer.id)]), wizard_vals={
            "college_id": self.alpha.id, "school_year": SCHOOL_YEAR, "source": "class", "school_class": "5e B",
            "assignment": "auto", "date_start": HANDED_OVER, "hand_over_now": True})

    def _reissue_override(self):
        return Fixture(self.env["tablet.reissue.override.wizard"], watched=self.watch_count(
            "tablet.loan", [("borrower_id", "=", self.newcomer.id)]), wizard_vals={
            "college_id": self.alpha.id, "school_year": SCHOOL_YEAR, "borrower_id": self.newcomer.id,
            "equipment_id": self.tablets[1].id, "date_start": HANDED_OVER,
            "reason": "Classe numérique : le cours repose sur la tablette."})

    def _siecle(self):
        """Issue 16: one pupil and one legal representative of the users' collège, from SIECLE."""
        files = gen_siecle.files(self.alpha.uai_code, 2026, 1)
        return Fixture(self.env["tablet.siecle.import"], watched=self.watch_count(
            "res.partner", [("siecle_college_id", "=", self.alpha.id)]), wizard_vals={
            "college_id": self.alpha.id, "school_year": SCHOOL_YEAR,
            "file_1": base64.b64encode(files["ElevesSansAdresses.xml"]), "filename_1": "ElevesSansAdresses.xml",
            "file_2": base64.b64encode(files["ResponsablesAvecAdresses.xml"]),
            "filename_2": "ResponsablesAvecAdresses.xml"})

    def _siecle_archive(self):
        """Issue 16: the Département's archive, here the files of the users' collège."""
        files = gen_siecle.files(self.alpha.uai_code, 2026, 1)
        return Fixture(self.env["tablet.siecle.import"], watched=self.watch_count(
            "res.partner", [("siecle_college_id", "=", self.alpha.id)]), wizard_vals={
            "school_year": SCHOOL_YEAR, "archive_name": "departement.zip",
            "archive": base64.b64encode(gen_siecle.zipped_many({f"alpha/{name}": content
                                                                for name, content in files.items()}))})

    def _departure(self):
        loan = self._loan(self.pupils[0], self.tablets[0])
        return Fixture(self.env["tablet.departure.wizard"], watched=loan, wizard_vals={
            "partner_ids": [Command.set(self.pupils[0].ids)], "reason": "leaving", "end_date": date(2026, 12, 18)})

    def _return(self):
        loan = self._loan(self.pupils[0], self.tablets[0])
        return Fixture(self.env["tablet.return.wizard"], watched=loan, wizard_vals={
            "loan_ids": [Command.set(loan.ids)], "date_return": date(2026, 11, 30), "condition": "good",
            "data_wiped": True, "data_wiped_date": date(2026, 11, 30)})

    def _gift(self):
        loan = self._loan(self.third, self.tablets[0])
        return Fixture(self.env["tablet.gift.wizard"], watched=loan, wizard_vals={
            "college_id": self.alpha.id, "gift_date": date(2027, 6, 30)})

    # Issue 17: letters to families
    def _letter(self, state):
        loan = self._loan(self.pupils[0], self.tablets[0])
        return self.env["tablet.letter"].create({
            "kind": "contract", "loan_id": loan.id, "borrower_id": self.pupils[0].id, "college_id": self.alpha.id,
            "company_id": self.company.id, "recipient_ids": [Command.set(self.rep1.ids)], "channel": "print",
            "state": state, "date": date(2026, 9, 2), "recipient_summary": self.rep1.name})

    def _letters_wizard(self):
        loan = self._loan(self.pupils[0], self.tablets[0])
        self.rep1.email = "parent1.regles@example.com"
        return Fixture(self.env["tablet.letter.wizard"], watched=self.watch_count("tablet.letter", []),
                       wizard_vals={"kind": "contract", "loan_ids": [Command.set(loan.ids)]})

    def _export(model, **vals):
        def build(self):
            return Fixture(self.env[model], wizard_vals={
                "company_id": self.company.id, "date_from": date(2026, 9, 1), "date_to": date(2026, 11, 30), **vals})
        return build

    BUILDERS = {
        ("tablet.loan", "draft"): _loan_fixture("draft"),
        ("tablet.loan", "active"): _loan_fixture("active"),
        ("tablet.loan", "active, signed"): _loan_fixture("active", signed=True),
        ("tablet.loan", "active, signed in place"): _signed_in_place,
        ("tablet.loan", "active, signed copy due"): _signed_copy_due,
        ("tablet.loan.signature.wizard", "active loan"): _signature_wizard,
        ("tablet.loan", "active, teacher"): lambda self: self._loan(self.teacher, self.tablets[0]),
        ("tablet.loan", "custody"): _loan_fixture("custody"),
        ("tablet.loan", "returned"): _loan_fixture("returned"),
        ("tablet.loan", "closed"): _loan_fixture("closed", signed=True),
        ("maintenance.equipment", "in stock"): lambda self: self.tablets[4],
        ("maintenance.equipment", "stolen"): lambda self: self._tablet("stolen"),
        ("maintenance.equipment", "stolen, theft validated"): _written_off_ready,
        ("maintenance.equipment", "found"): lambda self: self._tablet("found"),
        ("maintenance.equipment", "out of order"): lambda self: self._tablet("out_of_order"),
        ("maintenance.equipment", "in repair"): lambda self: self._tablet("repair"),
        ("maintenance.equipment", "in repair, claim sent"): lambda self: self._claim(self._incident(
            self._loan(self.pupils[0], self.tablets[0]), validate=True), state="sent").equipment_id,
        ("tablet.incident", "declared"): lambda self: self._incident(self._loan(self.pupils[0], self.tablets[0])),
        ("tablet.incident", "declared theft, no complaint"): lambda self: self._incident(
            self._loan(self.pupils[0], self.tablets[0]), incident_type="theft"),
        ("tablet.incident", "validated"): lambda self: self._incident(
            self._loan(self.pupils[0], self.tablets[0]), validate=True),
        ("tablet.incident", "validated, decision prepared"): _prepared_decision,
        ("tablet.incident", "decided"): _decided,
        ("tablet.warranty.claim", "draft"): _claim_fixture("draft"),
        ("tablet.warranty.claim", "draft, tablet scratched"): _claim_fixture("draft", surface_damage=True),
        ("tablet.warranty.claim", "draft, opened by the user"): _claim_fixture("draft", opened_by_user=True),
        ("tablet.warranty.claim", "sent"): _claim_fixture("sent"),
        ("tablet.warranty.claim", "sent, answer written"): _claim_fixture("sent, answer written"),
        ("tablet.warranty.claim", "answered"): _claim_fixture("answered"),
        ("tablet.warranty.claim", "returned"): _claim_fixture("returned"),
        ("tablet.warranty.claim", "cancelled"): _claim_fixture("cancelled"),
        ("tablet.charge", "draft"): _charge_fixture("draft"),
        ("tablet.charge", "confirmed"): _charge_fixture("confirmed"),
        ("tablet.charge", "invoiced"): _charge_fixture("invoiced"),
        ("tablet.charge", "invoiced, reminder due"): lambda self: self._invoiced_charge(due_days_ago=40),
        ("tablet.charge.waiver.wizard", "invoiced charge"): _head_wizard("tablet.charge.waiver.wizard", full=True),
        ("tablet.charge.instalment.wizard", "invoiced charge"): _head_wizard(
            "tablet.charge.instalment.wizard", count=3, first_date=fields.Date.today() + timedelta(days=10)),
        ("tablet.charge.instalment", "plan"): _plan,
        ("tablet.charge.tariff", ""): lambda self: self.tariff,
        ("tablet.charge.tariff.line", ""): lambda self: self.lines["breakage"],
        ("tablet.convention.model", ""): lambda self: self.env.ref("tablet_loan.tablet_convention_model_isere"),
        ("tablet.convention", "draft"): lambda self: self._draft_convention(every_signature=False),
        ("tablet.convention", "draft, every signature recorded"): lambda self: self._draft_convention(True),
        ("tablet.convention", "signed"): lambda self: self.convention,
        ("tablet.convention.amendment", ""): lambda self: self.env["tablet.convention.amendment"].create({
            "convention_id": self.convention.id, "name": "Avenant n° 1", "date": date(2026, 3, 1)}),
        ("tablet.user.list", "draft"): lambda self: self._user_list("draft"),
        ("tablet.user.list", "submitted"): lambda self: self._user_list("submitted"),
        ("tablet.user.list", "submitted, reason written"): lambda self: self._user_list(
            "submitted", return_reason="Il manque les professeurs."),
        ("tablet.user.list", "validated"): lambda self: self.user_list,
        ("tablet.user.list.line", "draft list"): lambda self: self._user_list("draft").line_ids,
        ("tablet.geolocation.request", "draft"): lambda self: self._geolocation("draft"),
        ("tablet.geolocation.request", "requested"): lambda self: self._geolocation("requested"),
        ("tablet.geolocation.request", "authorised"): lambda self: self._geolocation("authorised"),
        ("tablet.geolocation.request", "authorised, result recorded"): lambda self: self._geolocation(
            "authorised, result recorded"),
        ("tablet.geolocation.request", "done"): lambda self: self._geolocation("done"),
        ("tablet.annual.report", "draft"): lambda self: self._annual_report("draft"),
        ("tablet.annual.report", "submitted"): lambda self: self._annual_report("submitted"),
        ("tablet.annual.report", ""): lambda self: Fixture(self.env["tablet.annual.report"], watched=self.watch_count(
            "tablet.annual.report", [("company_id", "=", self.company.id)])),
        ("tablet.sanction", "draft"): lambda self: self._sanction("draft"),
        ("tablet.sanction", "in force"): lambda self: self._sanction("in_force"),
        ("tablet.sanction", "in force, action chosen"): lambda self: self._sanction("in_force", action_chosen=True),
        ("tablet.committee.meeting", "planned"): lambda self: self._meeting(),
        ("tablet.committee.meeting", "planned, minutes written"): lambda self: self._meeting(minutes=True),
        ("tablet.committee.decision", "planned meeting"): lambda self: self._meeting().decision_ids,
        ("tablet.campaign", "gift"): lambda self: Fixture(self.env["tablet.campaign"], watched=self.watch_count(
            "tablet.campaign", []), wizard_vals={
            "name": "Dons de fin de 3e", "kind": "gift", "company_id": self.company.id,
            "college_ids": [Command.set(self.alpha.ids)], "user_id": self.admin.id, "total_count": 1,
            "gift_date": date(2027, 6, 30),
            "loan_ids": [Command.set(self._loan(self.third, self.tablets[0]).ids)]}),
        ("tablet.campaign", "failed"): _campaign,
        ("res.partner", "collège"): lambda self: self.alpha,
        ("tablet.processing.activity", "collège"): lambda self: self.env["tablet.processing.activity"].create({
            "party_type": "college", "company_id": self.company.id, "college_id": self.alpha.id}),
        ("tablet.processing.activity", "Département"): _department_register,
        ("res.partner", "pupil"): lambda self: self.person,
        ("tablet.today", "card incidents to validate"): lambda self: Fixture(
            self.env["tablet.today"], args=("incidents_to_validate",)),
        ("tablet.custody.wizard", "summer, one collège"): _custody,
        ("tablet.delivery.intake", "one tablet"): _intake,
        ("tablet.deployment.wizard", "class 5e B"): _deployment,
        ("tablet.reissue.override.wizard", "pupil of 5e B"): _reissue_override,
        ("tablet.departure.wizard", "pupil leaving"): _departure,
        ("tablet.siecle.import", "one collège's files"): _siecle,
        ("tablet.siecle.import", "archive of the Département"): _siecle_archive,
        ("tablet.return.wizard", "active loan"): _return,
        ("tablet.gift.wizard", "3e pupil"): _gift,
        ("tablet.letter", "to post"): lambda self: self._letter("to_post"),
        ("tablet.letter", "sent"): lambda self: self._letter("sent"),
        ("tablet.letter.wizard", "contract to sign"): _letters_wizard,
        ("tablet.fleet.exit.export.wizard", ""): _export("tablet.fleet.exit.export.wizard"),
        ("tablet.charge.export.wizard", ""): _export("tablet.charge.export.wizard"),
    }

    # ----------------------------------------------------------------- values
    def value_for(self, record, fname):
        """A value for `record.fname` that differs from the current one and, for the cells
        that allow it, passes the model's constraints; in the format `write` takes."""
        special = self.VALUES.get((record._name, fname)) or self.VALUES.get((None, fname))
        if special:
            return special(self, record)
        fld = record._fields[fname]
        current = record[fname]
        if fld.type == "boolean":
            return not current
        if fld.type == "selection":
            choices = [value for value, _label in fld._description_selection(self.env)]
            return next(value for value in choices if value != current)
        if fld.type in ("char", "text"):
            return f"{current or ''} (modifié)".strip()
        if fld.type == "html":
            return "<p>Modifié par la matrice des règles.</p>"
        if fld.type == "date":
            return (current or date(2026, 10, 1)) - timedelta(days=1)
        if fld.type == "datetime":
            return (current or fields.Datetime.now()) - timedelta(hours=1)
        if fld.type == "integer":
            return (current or 0) + 1
        if fld.type in ("float", "monetary"):
            return (current or 0.0) + 10.0
        if fld.type == "json":
            return {"modifié": 1}
        if fld.type == "binary":
            return base64.b64encode(b"{}").decode()
        raise KeyError(f"no value to write into {record._name}.{fname}: add one to RulesFixtures.VALUES")

    def _beta(self, record):
        return self.beta.id

    def _other_company(self, record):
        return self.other_company.id

    def _spare_asset(self):
        """An asset of the Département's register (issue 15), on accounts of its chart."""
        env = self.env
        accounts = env["account.account"].create([{
            "code": f"2{next(_SPARE_NUMBERS)}{self.tag[:3].upper()}", "name": f"Immobilisations ({self.tag}) {index}",
            "account_type": account_type, "company_ids": [Command.set(self.company.ids)],
        } for index, account_type in enumerate(("asset_fixed", "asset_fixed", "expense_depreciation"))])
        journal = env["account.journal"].search([("company_id", "=", self.company.id), ("type", "=", "general")],
                                                limit=1)
        profile = env["account.asset.profile"].with_company(self.company).create({
            "name": f"Tablettes ({self.tag})", "company_id": self.company.id, "journal_id": journal.id,
            "account_asset_id": accounts[0].id, "account_depreciation_id": accounts[1].id,
            "account_expense_depreciation_id": accounts[2].id, "method_number": 4, "method_period": "year"})
        return env["account.asset"].create({"name": "Tablette", "profile_id": profile.id, "purchase_value": 300.0,
                                            "date_start": date(2026, 6, 1), "company_id": self.company.id})

    def _spare_order_line(self):
        """A line of a purchase order of the Département (issue 15)."""
        product = self.env["product.product"].create({"name": f"Tablette ({self.tag})", "type": "consu"})
        return self.env["purchase.order"].create({
            "partner_id": self.supplier.id, "company_id": self.company.id,
            "order_line": [Command.create({"product_id": product.id, "product_qty": 1, "price_unit": 300.0})],
        }).order_line

    def _stock_tablet(self, record):
        return self.tablets[3].id

    VALUES = {
        (None, "college_id"): _beta,
        (None, "company_id"): _other_company,
        (None, "school_year"): lambda self, record: "2030-2031",
        (None, "school_class"): lambda self, record: "5e Z",
        ("res.partner", "academy_id"): lambda self, record: self.academy_out.id,
        ("res.partner", "siecle_college_id"): lambda self, record: self.alpha.id,
        ("res.partner", "tablet_iban"): lambda self, record: "FR7630001007941234567890185",
        ("res.partner", "tablet_bic"): lambda self, record: "TRPUFRP1",
        ("tablet.user.list", "academy_id"): lambda self, record: self.academy_out.id,
        ("tablet.user.list", "sent_partner_ids"): lambda self, record: [Command.set(self.pupils[1].ids)],
        ("tablet.annual.report", "academy_id"): lambda self, record: self.academy_out.id,
        ("tablet.convention", "academy_id"): lambda self, record: self.academy_out.id,
        ("tablet.convention", "model_id"): lambda self, record: self.env.ref(
            "tablet_loan.tablet_convention_model_isere").id,
        ("tablet.loan", "convention_id"): lambda self, record: self.beta_convention.id,
        ("tablet.loan", "borrower_id"): lambda self, record: self.pupils[1].id,
        ("tablet.loan", "equipment_id"): _stock_tablet,
        ("tablet.loan", "signed_by_id"): lambda self, record: self.rep2.id,
        ("tablet.loan", "signed_contract_id"): _spare_attachment,
        ("tablet.loan", "signed_return_id"): _spare_attachment,
        ("tablet.loan", "signed_copy_due"): lambda self, record: "return",
        ("maintenance.equipment", "cost"): lambda self, record: 350.0,
        ("maintenance.equipment", "exit_incident_id"): lambda self, record: self.spare_incident.id,
        ("maintenance.equipment", "asset_id"): lambda self, record: self._spare_asset().id,
        ("maintenance.equipment", "purchase_line_id"): lambda self, record: self._spare_order_line().id,
        ("tablet.incident", "equipment_id"): _stock_tablet,
        ("tablet.incident", "borrower_id"): lambda self, record: self.pupils[1].id,
        ("tablet.incident", "loan_id"): lambda self, record: self.spare_loan.id,
        ("tablet.incident", "replacement_equipment_id"): _stock_tablet,
        ("tablet.incident", "decided_by_id"): lambda self, record: self.admin.id,
        ("tablet.incident", "charge_id"): lambda self, record: self.spare_charge.id,
        ("tablet.warranty.claim", "equipment_id"): _stock_tablet,
        ("tablet.warranty.claim", "supplier_id"): lambda self, record: self.other_supplier.id,
        ("tablet.warranty.claim", "incident_id"): lambda self, record: self.spare_incident.id,
        ("tablet.warranty.claim", "new_equipment_id"): _stock_tablet,
        ("tablet.warranty.claim", "new_imei"): lambda self, record: self.new_imei(),
        ("tablet.warranty.claim", "charge_id"): lambda self, record: self.spare_charge.id,
        ("tablet.charge", "loan_id"): lambda self, record: self.spare_loan.id,
        ("tablet.charge", "borrower_id"): lambda self, record: self.pupils[1].id,
        ("tablet.charge", "payer_id"): lambda self, record: self.rep2.id,
        ("tablet.charge", "tariff_line_id"): lambda self, record: self.lines["loss"].id,
        ("tablet.charge", "incident_id"): lambda self, record: self.spare_incident.id,
        ("tablet.charge", "invoice_id"): lambda self, record: self.spare_invoice.id,
        ("tablet.charge", "credit_note_id"): lambda self, record: self.spare_invoice.id,
        ("tablet.charge", "waiver_credit_note_ids"): lambda self, record: [Command.link(self.spare_invoice.id)],
        ("tablet.charge", "instalment_ids"): lambda self, record: [Command.create({
            "sequence": 1, "due_date": date(2027, 1, 5), "amount": 10.0})],
        ("tablet.charge.instalment", "charge_id"): lambda self, record: self.spare_charge.id,
        ("tablet.user.list", "line_ids"): lambda self, record: [Command.create({"partner_id": self.pupils[1].id})],
        ("tablet.geolocation.request", "equipment_id"): _stock_tablet,
        ("tablet.geolocation.request", "incident_id"): lambda self, record: self.spare_incident.id,
        ("tablet.geolocation.request", "requested_by_id"): lambda self, record: self.admin.id,
        ("tablet.geolocation.request", "authorised_by_id"): lambda self, record: self.admin.id,
        ("tablet.geolocation.request", "done_by_id"): lambda self, record: self.admin.id,
        ("tablet.annual.report", "submitted_by_id"): lambda self, record: self.admin.id,
        ("tablet.processing.activity", "dpo_validated_by_id"): lambda self, record: self.admin.id,
        ("tablet.annual.report", "academy_read_by_id"): lambda self, record: self.admin.id,
        ("tablet.annual.report", "department_read_by_id"): lambda self, record: self.admin.id,
        ("tablet.letter", "loan_id"): lambda self, record: self.spare_loan.id,
        ("tablet.letter", "incident_id"): lambda self, record: self.spare_incident.id,
        ("tablet.letter", "borrower_id"): lambda self, record: self.pupils[1].id,
        ("tablet.letter", "recipient_ids"): lambda self, record: [Command.link(self.rep2.id)],
        ("tablet.letter", "attachment_id"): lambda self, record: self.env["ir.attachment"].create({
            "name": "courrier.pdf", "raw": b"%PDF-1.4"}).id,
        ("tablet.letter", "sent_by_id"): lambda self, record: self.admin.id,
        ("tablet.sanction", "loan_id"): lambda self, record: self.spare_loan.id,
        ("tablet.sanction", "department_action_by_id"): lambda self, record: self.admin.id,
        ("tablet.committee.meeting", "academy_id"): lambda self, record: self.academy_out.id,
        ("tablet.committee.decision", "academy_id"): lambda self, record: self.academy_out.id,
        ("tablet.campaign", "college_ids"): lambda self, record: [Command.link(self.beta.id)],
        ("tablet.campaign", "user_id"): lambda self, record: self.admin.id,
        ("tablet.campaign", "loan_ids"): lambda self, record: [Command.link(self.spare_loan.id)],
        ("tablet.campaign", "college_counts"): lambda self, record: {str(self.alpha.id): 1},
    }

    # ------------------------------------------------------------- snapshots
    def snapshot(self, fixture):
        """Everything a refusal must leave as it was: every stored field of the record and
        the number of its chatter's messages, or the watched count."""
        self.env.invalidate_all()
        watched = fixture.watched if fixture.watched is not None else fixture.record
        if callable(watched) and not hasattr(watched, "_name"):
            return watched()
        if not watched:
            return None
        records = watched.sudo().with_context(active_test=False).exists()
        fnames = [name for name, fld in records._fields.items()
                  if fld.store and fld.type != "binary" and name not in LOG_ACCESS_COLUMNS]
        values = records.read(fnames)
        messages = self.env["mail.message"].search_count([
            ("model", "=", records._name), ("res_id", "in", records.ids)]) if "message_ids" in records._fields else 0
        return values, messages, len(records) == len(watched)


def to_json(value):
    """A value the ORM takes (dates, commands) as JSON-RPC sends it."""
    if isinstance(value, datetime):
        return fields.Datetime.to_string(value)
    if isinstance(value, date):
        return fields.Date.to_string(value)
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value
