"""The access matrix of README.md, read as data, and the records it is checked on.

The README is the specification; the two matrix tests walk it cell by cell, one
through the ORM and one through JSON-RPC, so the document and the code agree.
"""
import re
from datetime import date, datetime, timedelta
from pathlib import Path

from stdnum import luhn

from odoo import Command

from ..models.tablet_workflow_mixin import as_action
from .common import decide_for_charge, drawn_signature

README = Path(__file__).resolve().parent.parent / "README.md"
ROLES = ["Département manager", "Département officer", "Académie officer", "Collège head",
         "Collège référent", "Collège accountant", "Supplier agent"]
OPERATIONS = {"read": "read", "create": "create", "write": "write", "delete": "unlink"}
SCOPES = {"D", "A", "C", "S", "—"}
# The record of each scope's "other side": what a cell of that scope must refuse.
REFUSED = {"D": ["gamma"], "A": ["beta", "gamma"], "C": ["beta", "gamma"],
           "S": ["alpha_other_supplier", "gamma"], "—": []}
ALLOWED = {"D": ["alpha", "beta"], "A": ["alpha"], "C": ["alpha"], "S": ["alpha"], "—": []}
MODEL_LABELS = re.compile(r"`([a-z_.]+)`(?: field `([a-z_]+)`)?")


def _table(begin, end):
    text = README.read_text(encoding="utf-8")
    body = text[text.index(begin) + len(begin):text.index(end)]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in body.strip().splitlines()]
    header, rows = rows[0], rows[2:]
    return header, rows


def read_matrix():
    """[(model, field or None, operation, {role: scope})] from README.md's access matrix."""
    header, rows = _table("<!-- access-matrix:begin -->", "<!-- access-matrix:end -->")
    assert header[2:] == ROLES, f"unexpected matrix columns {header}"
    cells, model, field = [], None, None
    for row in rows:
        if row[0]:
            match = MODEL_LABELS.match(row[0])
            assert match, f"unreadable model cell {row[0]!r}"
            model, field = match.groups()
        assert row[1] in OPERATIONS, f"unknown operation {row[1]!r}"
        assert set(row[2:]) <= SCOPES, f"unknown scope in {row}"
        cells.append((model, field, row[1], dict(zip(ROLES, row[2:], strict=False))))
    return cells


def read_wizard_matrix():
    """[(wizard model, {role: allowed})] from README.md's wizard table."""
    header, rows = _table("<!-- wizard-matrix:begin -->", "<!-- wizard-matrix:end -->")
    assert header[1:] == ROLES, f"unexpected wizard columns {header}"
    return [(row[0].strip("`"), {role: cell == "✓" for role, cell in zip(ROLES, row[1:], strict=False)}) for row in rows]


def _imei(number):
    base = f"35{number:012d}"
    return base + luhn.calc_check_digit(base)


class MatrixFixtures:
    """One record of every model in three collèges, built as the superuser.

    alpha: the users' collège, in their académie and Département;
    beta: same Département, another académie; gamma: another Département.
    The supplier's claims are in alpha, plus one claim in alpha sent to another supplier.
    """

    def __init__(self, env, company_a, company_b, academy_in, academy_out, supplier, other_supplier, tag):
        self.env = env
        self.tag = tag
        self.supplier, self.other_supplier = supplier, other_supplier
        Partner = env["res.partner"]
        uai = {"alpha": "0381901", "beta": "0381902", "gamma": "0381903"}
        placement = {"alpha": (company_a, academy_in), "beta": (company_a, academy_out),
                     "gamma": (company_b, academy_out)}
        self.colleges = {}
        for key, (company, academy) in placement.items():
            self._chart(company)
            digits = uai[key]
            letter = "ABCDEFGHJKLMNPRSTUVWXYZ"[int(digits) % 23]
            self.colleges[key] = Partner.create({
                "name": f"Collège {key.title()} ({tag})", "is_college": True, "uai_code": digits + letter,
                "company_id": company.id, "academy_id": academy.id,
                "tablet_journal_id": self._journal(company, key).id,
            })
        self.records = {}
        for key, college in self.colleges.items():
            self._college_records(key, college)
        # A claim of the users' collège sent to another supplier: the supplier's "other side".
        other = self._claim(self.records["tablet.incident"]["alpha_second"], other_supplier)
        self.records["tablet.warranty.claim"]["alpha_other_supplier"] = other
        self.records["maintenance.equipment"]["alpha_other_supplier"] = other.equipment_id

    # -- building blocks -------------------------------------------------
    def _chart(self, company):
        if not self.env["account.account"].search_count([("company_ids", "in", company.ids)], limit=1):
            self.env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)

    def _journal(self, company, key):
        sale = self.env["account.journal"].search([("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
        return self.env["account.journal"].create({
            "name": f"Participations {key} ({self.tag})", "code": f"M{key[0].upper()}{self.tag[:2].upper()}",
            "type": "sale", "company_id": company.id, "default_account_id": sale.default_account_id.id,
        })

    def _tablets(self, college, count, supplier):
        start = college.id * 1000
        return self.env["maintenance.equipment"].create([{
            "name": "Tablette TL-10", "model": "TL-10", "is_tablet": True, "partner_id": supplier.id,
            "serial_no": f"MX-{college.id}-{i}", "imei": _imei(start + i),
            "college_id": college.id, "company_id": college.company_id.id, "cost": 300.0,
            "purchase_date": date(2026, 6, 1), "warranty_date": date(2028, 6, 1),
            "category_id": self.env.ref("tablet_loan.equipment_category_tablet").id,
        } for i in range(count)])

    def _claim(self, incident, supplier):
        claim = self.env["tablet.warranty.claim"].create({
            "incident_id": incident.id, "fault_type": "component", "supplier_id": supplier.id,
            "fault_description": "L'écran ne s'allume plus.",
        })
        claim.action_send()
        return claim

    def _college_records(self, key, college):
        env = self.env
        company = college.company_id
        representative = env["res.partner"].create({
            "name": f"Parent {key} ({self.tag})", "school_role": "legal_representative", "company_id": company.id})
        pupils = env["res.partner"].create([{
            "name": f"Élève {key} {n} ({self.tag})", "school_role": "pupil", "college_id": college.id,
            "grade_level": "5e", "school_class": "5e A",
            "legal_representative_ids": [Command.set(representative.ids)]} for n in (1, 2)])
        convention = env["tablet.convention"].create({
            "company_id": company.id, "college_id": college.id, "ca_deliberation_date": date(2025, 12, 1),
            "date_signed_department": date(2026, 1, 15), "date_signed_academy": date(2026, 1, 15),
            "date_signed_college": date(2026, 1, 15), "charter_adopted_date": date(2026, 6, 1),
            "wifi_ready_date": date(2026, 6, 1), "teacher_deployment_date": date(2026, 8, 25),
            "broadband_ready_date": date(2026, 6, 1), "home_use_allowed": True,
        })
        convention.action_sign()
        amendment = env["tablet.convention.amendment"].create({
            "convention_id": convention.id, "name": f"Avenant n° 1 ({key})"})
        user_list = env["tablet.user.list"].create({
            "college_id": college.id, "school_year": "2026-2027",
            "line_ids": [Command.create({"partner_id": p.id}) for p in pupils]})
        user_list._write_state({"state": "validated"})
        supplier = self.supplier if self.supplier.company_id in (company, self.env["res.company"]) else self.other_supplier
        tablets = self._tablets(college, 4, supplier)
        loans = env["tablet.loan"].create([{
            "borrower_id": pupil.id, "equipment_id": tablet.id, "college_id": college.id,
            "school_year": "2026-2027", "date_start": date(2026, 9, 1)} for pupil, tablet in zip(pupils, tablets, strict=False)])
        loans.action_activate()
        now = datetime.now().replace(microsecond=0)
        # Issue 17: a signature recorded at the hand-over (as the signature wizard's action does).
        signature = as_action(env["tablet.loan.signature"]).create({
            "loan_id": loans[0].id, "moment": "handover", "signer_id": representative.id,
            "signature_image": drawn_signature(), "signed_at": now, "staff_user_id": env.uid})
        incidents = env["tablet.incident"].create([{
            "incident_type": "breakage", "loan_id": loan.id, "circumstances": "Chute dans la cour.",
            "event_datetime": now - timedelta(hours=3)} for loan in loans])
        incidents.action_validate()
        claim = self._claim(incidents[0], supplier)
        tariff = env["tablet.charge.tariff"].create({
            "college_id": college.id, "school_year": "2026-2027", "ca_deliberation_date": date(2026, 6, 12),
            "ca_deliberation_ref": "CA n° 4",
            "line_ids": [Command.create({"case": "breakage", "amount_type": "fixed", "fixed_amount": 50.0,
                                         "cap_amount": 150.0})]})
        decide_for_charge(incidents[:2])
        charge = env["tablet.charge"]._create_from_incident(incidents[0], "breakage")
        invoiced = env["tablet.charge"]._create_from_incident(incidents[1], "breakage")
        invoiced.action_confirm()
        invoiced.action_create_invoice()
        # Issue 14: a reminder recorded in OCA's history, and an instalment plan.
        reminder = env["overdue.reminder.action"].create({
            "reminder_type": "post", "partner_id": invoiced.payer_id.id, "company_id": company.id,
            "commercial_partner_id": invoiced.payer_id.commercial_partner_id.id,
            "reminder_ids": [Command.create({"invoice_id": invoiced.invoice_id.id, "counter": 1})]})
        invoiced._set_instalment_plan(2, date.today() + timedelta(days=10), "Famille en difficulté.")
        lost = tablets[3]
        lost.tablet_state = "lost"
        geolocation = env["tablet.geolocation.request"].create({
            "equipment_id": lost.id, "reason": "authorities", "authority_reference": "PV 2026/1",
            "justification": "Perdue lors d'une sortie."})  # 'lost' needs its validated incident (R10)
        annual_report = env["tablet.annual.report"].create({
            "college_id": college.id, "school_year": "2026-2027",
            "usage_text": "<p>Les tablettes servent en classe et à la maison.</p>"})
        annual_report.action_submit()  # the Académie reads submitted reports only
        # Issue 17: a printed letter of the collège to the family, about the first loan.
        letter = env["tablet.letter"].create({
            "kind": "contract", "loan_id": loans[0].id, "borrower_id": pupils[0].id, "college_id": college.id,
            "company_id": company.id, "recipient_ids": [Command.set(representative.ids)], "channel": "print",
            "state": "to_post", "date": date(2026, 9, 2), "recipient_summary": representative.name})
        # R22, R26: a measure after wilful damage, the case the Département sees; R28: a meeting
        # of the collège's digital committee chaired by a head of that collège, with a decision.
        wilful = env["tablet.incident"].create({
            "incident_type": "breakage", "loan_id": loans[0].id, "circumstances": "Écran rayé volontairement.",
            "event_datetime": now - timedelta(hours=2)})
        wilful.action_validate()
        wilful.qualification = "deliberate"
        sanction = env["tablet.sanction"].create({
            "borrower_id": pupils[0].id, "kind": "restricted_use", "wilful_damage": True, "incident_id": wilful.id,
            "ground": "Dégradation volontaire de la tablette."})
        chair = env["res.users"].create({
            "name": f"Principal {key} ({self.tag})", "login": f"matrix_head_{key}_{self.tag}",
            "company_id": company.id, "company_ids": [Command.set(company.ids)],
            "groups_id": [Command.set(env.ref("tablet_loan.group_college_head").ids)],
            "tablet_college_ids": [Command.set(college.ids)]})
        meeting = env["tablet.committee.meeting"].create({
            "college_id": college.id, "chair_id": chair.id, "date": date(2026, 10, 5),
            "decision_ids": [Command.create({"name": "Former les enseignants", "date_due": date(2026, 11, 5)})]})
        campaign = env["tablet.campaign"].create({
            "name": f"Garde estivale {key}", "kind": "custody", "college_ids": [Command.set(college.ids)],
            "company_id": company.id, "total_count": 2})
        # R29: the collège's register of processing activities.
        register = env["tablet.processing.activity"].create({
            "party_type": "college", "company_id": company.id, "college_id": college.id})
        for model, record in [
            ("tablet.processing.activity", register),
            ("tablet.annual.report", annual_report), ("res.partner", pupils[0]), ("tablet.convention", convention),
            ("tablet.convention.amendment", amendment), ("maintenance.equipment", claim.equipment_id),
            ("tablet.user.list", user_list), ("tablet.user.list.line", user_list.line_ids[0]),
            ("tablet.loan", loans[0]), ("tablet.loan.signature", signature), ("tablet.incident", incidents[0]),
            ("tablet.warranty.claim", claim),
            ("tablet.charge.tariff", tariff), ("tablet.charge.tariff.line", tariff.line_ids[0]),
            ("tablet.charge", charge), ("tablet.geolocation.request", geolocation),
            ("account.move", invoiced.invoice_id), ("tablet.campaign", campaign),
            ("overdue.reminder.action", reminder), ("account.invoice.overdue.reminder", reminder.reminder_ids),
            ("tablet.charge.instalment", invoiced.instalment_ids[0]), ("tablet.letter", letter),
            ("tablet.sanction", sanction), ("tablet.committee.meeting", meeting),
            ("tablet.committee.decision", meeting.decision_ids),
        ]:
            self.records.setdefault(model, {})[key] = record
        self.records["tablet.incident"][f"{key}_second"] = incidents[1]
        # R8: the collège's line of its 5e pupils in the needs-and-fleet view (read from the database).
        env.flush_all()
        self.records.setdefault("tablet.fleet.need", {})[key] = env["tablet.fleet.need"]._line(college, "5e")
        # Issue 19: the collège's line of the Département's overview.
        self.records.setdefault("tablet.college.overview", {})[key] = env["tablet.college.overview"].browse(college.id)

    # -- what a cell expects -------------------------------------------------
    def cases(self, model, scope):
        """(record, expected_allowed) pairs that prove a cell of `scope` on `model`."""
        records = self.records[model]
        if scope == "—":
            return [(records["alpha"], False)]
        return ([(records[key], True) for key in ALLOWED[scope]]
                + [(records[key], False) for key in REFUSED[scope] if key in records])
