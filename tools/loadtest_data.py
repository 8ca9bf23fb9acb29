"""The work waiting for the scripted users of `make loadtest` (tools/loadtest.py).

On top of a Département built by tools/bench_data.py at a small scale, through the ORM and
as the users who would do it (record rules on):

- référents of the first collèges, whose pupils (validated list, four classes) have no tablet yet:
  they deploy the classes and record the families' signatures;
- heads of the next collèges, with incidents declared and validated by their collège, waiting
  for the head's decision;
- accountants of those collèges, a sales journal each, with charges confirmed, to invoice;
- a supplier agent of the Département's supplier, with warranty claims sent to it, to answer;
- the Département's programme manager and officer, who list and export.

Every account gets the password PASSWORD. `prepare()` returns the plan the locustfile reads:
who logs in, which collège, which classes, how many records of each kind wait.
"""
import logging
from datetime import date, timedelta

from odoo import Command, fields

_logger = logging.getLogger("tablet_loan.loadtest")

PASSWORD = "loadtest"
# Qualification a head gives for each type of incident (tablet_charge_tariff_line.QUALIFICATIONS_OF_TYPE).
QUALIFICATION = {"breakage": "accident", "failure": "failure", "loss": "loss", "theft": "theft"}


class Sizes:
    """How many accounts of each role, and how much work waits for each."""

    def __init__(self, referents=6, heads=3, accountants=3, department=2, suppliers=1,
                 incidents_per_head=12, charges_per_accountant=12, claims=24):
        self.referents = referents
        self.heads = heads
        self.accountants = accountants
        self.department = department
        self.suppliers = suppliers
        self.incidents_per_head = incidents_per_head
        self.charges_per_accountant = charges_per_accountant
        self.claims = claims


def prepare(env, info, sizes):
    """Accounts and waiting work; returns the plan (a JSON-able dict)."""
    cr = env.cr
    company = env["res.company"].browse(info["company"])
    env = env(context=dict(env.context, allowed_company_ids=company.ids, tracking_disable=True,
                           mail_create_nolog=True, mail_create_nosubscribe=True, mail_notrack=True,
                           no_reset_password=True, lang="en_US"))
    Users = env["res.users"]
    if sizes.referents > info["deploy_colleges"]:
        raise ValueError(f"at most {info['deploy_colleges']} référents: the other collèges are already deployed")
    referents = Users.browse(info["referents"][:sizes.referents])
    # Heads and accountants in the collèges after the deployed ones (their pupils have tablets).
    heads = Users.browse(info["heads"][:max(sizes.heads, sizes.accountants)])
    head_colleges = heads.tablet_college_ids
    accountants = Users.create([{
        "name": f"Gestionnaire {i:03d}", "login": f"loadtest_accountant_{i:03d}", "company_id": company.id,
        "company_ids": [Command.set(company.ids)], "lang": "fr_FR", "email": f"accountant{i}@example.invalid",
        "groups_id": [Command.set(env.ref("tablet_loan.group_college_accountant").ids)],
        "tablet_college_ids": [Command.set(head.tablet_college_ids.ids)],
    } for i, head in enumerate(heads[:sizes.accountants])])
    supplier = env["res.partner"].browse(info["supplier"])
    agent_partner = env["res.partner"].create({"name": "Agent garantie (charge)", "parent_id": supplier.id,
                                               "company_id": company.id, "email": "garantie@example.invalid"})
    agent = Users.create({
        "name": "Agent garantie (charge)", "login": "loadtest_supplier", "partner_id": agent_partner.id,
        "company_id": company.id, "company_ids": [Command.set(company.ids)], "lang": "fr_FR",
        "groups_id": [Command.set(env.ref("tablet_loan.group_supplier_agent").ids)],
    })
    manager, officer = Users.browse(info["manager"]), Users.browse(info["officer"])
    everyone = referents | heads | accountants | agent | manager | officer
    everyone.write({"password": PASSWORD})

    incidents = _incidents_to_decide(env, heads[:sizes.heads], sizes.incidents_per_head)
    charges = _charges_to_invoice(env, company, heads[:sizes.accountants], sizes.charges_per_accountant)
    claims = _claims_to_answer(env, manager, supplier, head_colleges, sizes.claims)
    env.flush_all()

    cr.execute("""SELECT college_id, array_agg(DISTINCT school_class ORDER BY school_class)
                    FROM res_partner WHERE college_id = ANY(%s) AND school_role = 'pupil' AND active
                   GROUP BY college_id""", [referents.tablet_college_ids.ids])
    classes = dict(cr.fetchall())
    cr.execute("""SELECT count(*) FROM res_partner p
                   WHERE p.college_id = ANY(%s) AND p.school_role = 'pupil' AND p.active
                     AND NOT EXISTS (SELECT 1 FROM tablet_loan l WHERE l.borrower_id = p.id
                                     AND l.state IN ('draft', 'active', 'custody'))""",
               [referents.tablet_college_ids.ids])
    to_deploy = cr.fetchone()[0]
    return {
        "password": PASSWORD,
        "company": company.id,
        "school_year": info["school_year"],
        "referents": [{"login": u.login, "college": u.tablet_college_ids[:1].id,
                       "classes": classes.get(u.tablet_college_ids[:1].id, [])} for u in referents],
        "heads": [{"login": u.login, "college": u.tablet_college_ids[:1].id} for u in heads[:sizes.heads]],
        "accountants": [{"login": u.login, "college": u.tablet_college_ids[:1].id} for u in accountants],
        "department": [{"login": u.login} for u in (manager, officer)][:max(1, sizes.department)],
        "suppliers": [{"login": agent.login}],
        "expected": {"pupils_to_deploy": to_deploy, "incidents_to_decide": len(incidents),
                     "charges_to_invoice": len(charges), "claims_to_answer": len(claims)},
    }


def _active_pupil_loans(env, college, count):
    return env["tablet.loan"].search([
        ("college_id", "=", college.id), ("state", "=", "active"), ("borrower_role", "=", "pupil"),
        ("incident_ids", "=", False),
    ], order="id", limit=count)


def _incidents_to_decide(env, heads, per_head):
    """Breakages and failures declared by the collège and validated by its head: the head's
    decision (R23) waits."""
    Incident = env["tablet.incident"]
    incidents = Incident
    now = fields.Datetime.now()
    for head in heads:
        college = head.tablet_college_ids[:1]
        loans = _active_pupil_loans(env, college, per_head)
        created = Incident.with_user(head).create([{
            "loan_id": loan.id, "incident_type": ("breakage", "failure")[i % 2],
            "event_datetime": now - timedelta(days=2), "declaration_datetime": now - timedelta(days=1),
            "circumstances": "Écran fissuré en cours de mathématiques (test de charge).",
        } for i, loan in enumerate(loans)])
        created.action_validate()
        incidents |= created
    return incidents


def _charges_to_invoice(env, company, heads, per_college):
    """Each accountant's collège gets a sales journal (as tests/common.py does) and charges
    confirmed on incidents of this year's loans, closed long ago."""
    default_sale = env["account.journal"].search([("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
    Charge = env["tablet.charge"]
    charges = Charge
    for i, head in enumerate(heads):
        college = head.tablet_college_ids[:1]
        college.tablet_journal_id = env["account.journal"].create({
            "name": f"Participations {college.name}", "code": f"LT{i:03d}", "type": "sale",
            "company_id": company.id, "default_account_id": default_sale.default_account_id.id,
        })
        loans = env["tablet.loan"].search([
            ("college_id", "=", college.id), ("state", "=", "active"), ("borrower_role", "=", "pupil"),
            ("signed_by_id", "!=", False), ("incident_ids", "=", False),
        ], order="id desc", limit=per_college)
        incidents = env["tablet.incident"].create([{
            "loan_id": loan.id, "incident_type": "breakage",
            "event_datetime": fields.Datetime.now() - timedelta(days=20),
            "declaration_datetime": fields.Datetime.now() - timedelta(days=19),
            "circumstances": "Tablette tombée (test de charge).",
        } for loan in loans])
        # Closed and charged long ago, written as tools/bench_data.py does: the ground of a
        # charge (the head's decision under a deliberation of the CA) is not what the load test
        # measures, its invoicing is.
        env.cr.execute("""
            UPDATE tablet_incident SET state = 'closed', qualification = 'negligence',
                   validated_date = declaration_datetime::date WHERE id = ANY(%(ids)s);
            INSERT INTO tablet_charge (incident_id, loan_id, college_id, company_id, borrower_id, incident_type,
                                       "case", payer_id, amount, state, create_uid, write_uid, create_date,
                                       write_date)
            SELECT i.id, i.loan_id, i.college_id, i.company_id, i.borrower_id, i.incident_type, 'breakage',
                   l.signed_by_id, 45.0, 'confirmed', 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM tablet_incident i JOIN tablet_loan l ON l.id = i.loan_id WHERE i.id = ANY(%(ids)s)
            RETURNING id""", {"ids": incidents.ids})
        created = Charge.browse([row[0] for row in env.cr.fetchall()])
        env.invalidate_all()
        charges |= created
    return charges


def _claims_to_answer(env, manager, supplier, exclude_colleges, count):
    """Failures under warranty, claims sent to the supplier by the Département: its answer waits."""
    colleges = env["res.partner"].search([("is_college", "=", True), ("id", "not in", exclude_colleges.ids),
                                          ("company_id", "=", manager.company_id.id)], order="id desc",
                                         limit=max(1, count // 4))
    loans = env["tablet.loan"]
    for college in colleges:
        loans |= _active_pupil_loans(env, college, 4)
    loans = loans[:count]
    # Tablets bought this year: still under the supplier's warranty.
    loans.equipment_id.write({"warranty_date": date.today() + timedelta(days=365)})
    now = fields.Datetime.now()
    incidents = env["tablet.incident"].with_user(manager).create([{
        "loan_id": loan.id, "incident_type": "failure", "event_datetime": now - timedelta(days=3),
        "declaration_datetime": now - timedelta(days=2), "circumstances": "Ne démarre plus (test de charge).",
    } for loan in loans])
    incidents.action_validate()
    claims = env["tablet.warranty.claim"].with_user(manager).create([{
        "incident_id": incident.id, "supplier_id": supplier.id, "fault_type": "component",
        "fault_description": "L'écran reste noir (test de charge).",
    } for incident in incidents])
    claims.action_send()
    return claims
