"""A Département at the scale of the largest programme, for `make bench` (tools/bench.py).

173 collèges, 60,000 pupils (6e to 3e) with their legal representatives, 60,000 former
pupils, 20 teachers per collège, 65,000 tablets, five school years of loans (about
300,000), incidents, warranty claims and charges.

The few records with business logic that matters (Département, académie, collèges,
conventions, users, nominative lists) are created through the ORM; the bulk rows are
written with `INSERT ... SELECT` in PostgreSQL. People and tablets are cloned from one
record the ORM created, so that every column other modules add gets a real value;
the module's own tables are written column by column, respecting their constraints:
IMEI Luhn digit and uniqueness, UAI check letter, one open loan per tablet and per
person (EXCLUDE), the stored values the computes would give.
"""
import io
import logging
from datetime import date, timedelta

from stdnum import luhn

from odoo import Command, fields

from odoo.addons.tablet_loan.models.res_partner import uai_check_letter
from odoo.addons.tablet_loan.models.school_year import school_year_of

_logger = logging.getLogger("tablet_loan.bench")

N_COLLEGES = 173
N_DEPLOY_COLLEGES = 25          # their pupils wait for the measured rentrée deployment
DEPLOY_PUPILS_PER_COLLEGE = 400  # 25 x 400 = 10,000 loans
N_PUPILS = 60_000
N_FORMER = 60_000               # pupils who left the collège over the last four years
TEACHERS_PER_COLLEGE = 20
N_TABLETS = 65_000
GRADES = ("6e", "5e", "4e", "3e")


class Plan:
    """Sizes of the Département, scaled down for a quick run (`--scale 0.05`)."""

    def __init__(self, scale=1.0, today=None):
        self.scale = scale
        self.today = today or fields.Date.today()
        self.year = int(school_year_of(self.today)[:4])
        self.school_year = f"{self.year}-{self.year + 1}"
        self.colleges = N_COLLEGES
        self.deploy_colleges = N_DEPLOY_COLLEGES
        self.deploy_per_college = max(4, round(DEPLOY_PUPILS_PER_COLLEGE * scale))
        self.deploy_pupils = self.deploy_colleges * self.deploy_per_college
        self.other_pupils = max(self.colleges - self.deploy_colleges, round(N_PUPILS * scale) - self.deploy_pupils)
        self.pupils = self.deploy_pupils + self.other_pupils
        self.former = round(N_FORMER * scale)
        self.teachers = TEACHERS_PER_COLLEGE
        self.tablets = max(round(N_TABLETS * scale), self.pupils + self.teachers * self.colleges)

    def summary(self):
        return (f"{self.colleges} collèges, {self.pupils:,} pupils ({self.deploy_pupils:,} to deploy), "
                f"{self.former:,} former pupils, {self.teachers * self.colleges:,} teachers, "
                f"{self.tablets:,} tablets, school year {self.school_year}")


def imei(number):
    base = f"86{number:012d}"
    return base + luhn.calc_check_digit(base)


def uai(index):
    digits = f"{390000 + index:07d}"
    return digits + uai_check_letter(digits)


def _columns(cr, table):
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
               [table])
    return [row[0] for row in cr.fetchall()]


def clone(cr, table, template_id, source, overrides):
    """INSERT one row per row of `source` (SQL aliased `s`), copying the template row
    `t` except for `overrides` {column: SQL expression}."""
    columns = _columns(cr, table)
    exprs = [overrides.get(column, f"t.{column}") for column in columns]
    cr.execute(f"""
        INSERT INTO {table} ({", ".join(f'"{c}"' for c in columns)})
        SELECT {", ".join(exprs)} FROM ({source}) s, {table} t WHERE t.id = %s
    """, [template_id])
    return cr.rowcount


def copy_rows(cr, table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    cr._obj.copy_from(buffer, table, columns=columns)


def build(env, plan):
    """Create the whole Département; returns {name: ids} the bench needs."""
    cr = env.cr
    info = {}
    _logger.info("bench data: %s", plan.summary())
    Y = plan.year
    company = env["res.company"].create({"name": "Département du Banc d'essai"})
    env.user.write({"company_ids": [Command.link(company.id)]})
    env = env(context=dict(env.context, allowed_company_ids=[company.id], tracking_disable=True,
                           mail_create_nolog=True, mail_create_nosubscribe=True, mail_notrack=True))
    Partner = env["res.partner"]
    academy = Partner.create({"name": "Académie du Banc d'essai", "is_academy": True})
    supplier = Partner.create({"name": "Fournisseur de tablettes (banc)", "is_company": True,
                               "company_id": company.id})
    colleges = Partner.create([{
        "name": f"Collège du Banc {i + 1:03d}", "is_college": True, "uai_code": uai(i),
        "company_id": company.id, "academy_id": academy.id,
    } for i in range(plan.colleges)])
    info.update(company=company.id, academy=academy.id, supplier=supplier.id, colleges=colleges.ids)

    # Conventions: signed three years ago or less; a few end before today or within 60 days,
    # for the expiry and renewal cron.
    conventions = env["tablet.convention"]
    vals_list = []
    for i, college in enumerate(colleges):
        signed = date(Y - 1, 6, 15)
        if i >= plan.colleges - 5:          # ended yesterday: expired by the cron
            signed = plan.today.replace(year=plan.today.year - 3)
        elif i >= plan.colleges - 15:       # ends within 60 days: renewal activity
            signed = plan.today.replace(year=plan.today.year - 3) + timedelta(days=30)
        vals_list.append({
            "company_id": company.id, "college_id": college.id, "ca_deliberation_date": signed.replace(day=1),
            "date_signed_department": signed, "date_signed_academy": signed, "date_signed_college": signed,
            "home_use_allowed": True, "charter_adopted_date": date(Y - 1, 6, 1),
            "wifi_ready_date": date(Y - 1, 6, 1), "broadband_ready_date": date(Y - 1, 6, 1),
            "teacher_deployment_date": date(Y, 8, 25),
        })
    conventions = conventions.create(vals_list)
    conventions.action_sign()
    env.flush_all()

    _build_people(env, plan, company, colleges)
    _build_tablets(env, plan, company, colleges, supplier)
    _build_asset_register(env, company)
    _build_lists(env, plan, company, colleges)
    _build_loans(env, plan, company)
    _build_incidents(env, plan, supplier)
    info.update(_build_users(env, plan, company, colleges))
    cr.execute("SELECT count(*) FROM tablet_loan")
    info["loans"] = cr.fetchone()[0]
    return info


def _template_partner(env, company, college, role, **vals):
    partner = env["res.partner"].create({
        "name": f"Modèle {role}", "school_role": role, "company_id": company.id,
        "college_id": college.id if role != "legal_representative" else False,
        "email": "modele@example.invalid", "phone": "+33 6 00 00 00 00", "street": "1 rue du Modèle",
        "zip": "38000", "city": "Grenoble", "lang": "fr_FR", **vals,
    })
    env.flush_all()
    return partner.id


def _build_people(env, plan, company, colleges):
    """bench_person: every generated person and what the loans need to know of them."""
    cr = env.cr
    Y = plan.year
    cr.execute("""
        CREATE TABLE bench_college AS
            SELECT (row_number() OVER (ORDER BY id)) - 1 AS idx, id FROM res_partner WHERE id = ANY(%s);
        CREATE TABLE bench_person (id int PRIMARY KEY, kind varchar, college_idx int, rank int,
                                   cohort int, grade varchar, school_class varchar, rep1 int, rep2 int);
    """, [colleges.ids])
    nd, per, others = plan.deploy_colleges, plan.deploy_per_college, plan.colleges - plan.deploy_colleges
    # Current pupils: the first collèges get `per` pupils each (deployed during the bench), the
    # others share the rest; grade by rank in the collège, classes of about 25.
    cr.execute("""
        INSERT INTO bench_person (id, kind, college_idx, rank, cohort, grade, school_class)
        SELECT nextval('res_partner_id_seq'), 'pupil', c, r, %(y)s - r %% 4,
               (ARRAY['6e','5e','4e','3e'])[r %% 4 + 1],
               (ARRAY['6e','5e','4e','3e'])[r %% 4 + 1] || ' ' || chr(65 + (r / 4 / 25) %% 26)
        FROM (SELECT CASE WHEN g < %(dp)s THEN g / %(per)s ELSE %(nd)s + (g - %(dp)s) %% %(others)s END AS c,
                     CASE WHEN g < %(dp)s THEN g %% %(per)s ELSE (g - %(dp)s) / %(others)s END AS r
              FROM generate_series(0, %(n)s - 1) g) x;
        INSERT INTO bench_person (id, kind, college_idx, rank, cohort, grade, school_class)
        SELECT nextval('res_partner_id_seq'), 'former', g %% %(nc)s, g / %(nc)s, %(y)s - 4 - g %% 4,
               '3e', '3e ' || chr(65 + (g / %(nc)s / 25) %% 26)
        FROM generate_series(0, %(former)s - 1) g;
        INSERT INTO bench_person (id, kind, college_idx, rank)
        SELECT nextval('res_partner_id_seq'), 'teacher', c, t
        FROM generate_series(0, %(nc)s - 1) c, generate_series(0, %(teachers)s - 1) t;
        -- One or two legal representatives per pupil.
        UPDATE bench_person SET rep1 = nextval('res_partner_id_seq') WHERE kind IN ('pupil', 'former');
        UPDATE bench_person SET rep2 = nextval('res_partner_id_seq') WHERE kind IN ('pupil', 'former') AND id %% 2 = 0;
    """, {"y": Y, "dp": plan.deploy_pupils, "per": per, "nd": nd, "others": others, "n": plan.pupils,
          "nc": plan.colleges, "former": plan.former, "teachers": plan.teachers})
    cr.execute("ALTER TABLE bench_person ADD COLUMN college_id int")
    cr.execute("UPDATE bench_person p SET college_id = c.id FROM bench_college c WHERE c.idx = p.college_idx")
    cr.execute("CREATE INDEX ON bench_person (kind, college_idx)")
    college0 = colleges[0]
    templates = {
        "pupil": _template_partner(env, company, college0, "pupil", grade_level="6e", school_class="6e A"),
        "teacher": _template_partner(env, company, college0, "teacher"),
        "legal_representative": _template_partner(env, company, college0, "legal_representative"),
    }
    common = {
        "complete_name": "s.name", "commercial_partner_id": "s.id", "email": "s.email",
        "email_normalized": "s.email", "create_date": "now() at time zone 'UTC'",
        "write_date": "now() at time zone 'UTC'",
    }
    clone(env.cr, "res_partner", templates["pupil"], """
        SELECT id, 'Élève ' || id AS name, 'eleve' || id || '@example.invalid' AS email, college_id,
               grade, school_class, kind = 'pupil' AS active,
               CASE WHEN kind = 'former' THEN make_date(cohort + 4, 7, 5) END AS leaving_date
          FROM bench_person WHERE kind IN ('pupil', 'former')""",
          {**common, "id": "s.id", "name": "s.name", "college_id": "s.college_id", "grade_level": "s.grade",
           "school_class": "s.school_class", "active": "s.active", "leaving_date": "s.leaving_date"})
    clone(env.cr, "res_partner", templates["teacher"], """
        SELECT id, 'Professeur ' || id AS name, 'prof' || id || '@example.invalid' AS email, college_id
        FROM bench_person WHERE kind = 'teacher'""",
          {**common, "id": "s.id", "name": "s.name", "college_id": "s.college_id"})
    clone(env.cr, "res_partner", templates["legal_representative"], """
        SELECT rep AS id, 'Parent ' || rep AS name, 'parent' || rep || '@example.invalid' AS email
        FROM (SELECT rep1 AS rep FROM bench_person WHERE rep1 IS NOT NULL
              UNION ALL SELECT rep2 FROM bench_person WHERE rep2 IS NOT NULL) r""",
          {**common, "id": "s.id", "name": "s.name"})
    cr.execute("""
        INSERT INTO tablet_pupil_representative_rel (pupil_id, representative_id)
        SELECT id, rep1 FROM bench_person WHERE rep1 IS NOT NULL
        UNION ALL SELECT id, rep2 FROM bench_person WHERE rep2 IS NOT NULL;
        DELETE FROM res_partner WHERE id = ANY(%s);
    """, [list(templates.values())])
    env.invalidate_all()


def _build_tablets(env, plan, company, colleges, supplier):
    """The fleet: each collège's tablets ranked 0..n; pupil of rank r gets tablet r, teacher t
    gets tablet (pupils + t); the spare stays in stock. Plus archived tablets given to past 3e."""
    cr = env.cr
    cr.execute("""SELECT college_idx, count(*) FILTER (WHERE kind = 'pupil') FROM bench_person
                  GROUP BY college_idx ORDER BY college_idx""")
    pupils = dict(cr.fetchall())
    need = {c: pupils.get(c, 0) + plan.teachers for c in range(plan.colleges)}
    spare = plan.tablets - sum(need.values())
    rows, number = [], 0
    for c in range(plan.colleges):
        count = need[c] + spare // plan.colleges + (1 if c < spare % plan.colleges else 0)
        for k in range(count):
            rows.append((c, k, f"BN-{c:03d}-{k:05d}", imei(number)))
            number += 1
    cr.execute("""CREATE TABLE bench_tablet_raw (college_idx int, rank int, serial varchar, imei varchar)""")
    copy_rows(cr, "bench_tablet_raw", ["college_idx", "rank", "serial", "imei"], rows)
    # Tablets given to 3e pupils in past years (archived, out of the fleet): 10 % of the former pupils.
    cr.execute("SELECT id FROM bench_person WHERE kind = 'former' AND id % 10 = 0 ORDER BY id")
    donated = [(None, pid, f"BN-DON-{pid}", imei(10_000_000 + i)) for i, (pid,) in enumerate(cr.fetchall())]
    copy_rows(cr, "bench_tablet_raw", ["college_idx", "rank", "serial", "imei"], donated)
    cr.execute("""
        CREATE TABLE bench_tablet AS
            SELECT nextval('maintenance_equipment_id_seq') AS id, r.*, c.id AS college_id
            FROM bench_tablet_raw r LEFT JOIN bench_college c ON c.idx = r.college_idx;
        UPDATE bench_tablet t SET college_id = p.college_id FROM bench_person p
            WHERE t.college_idx IS NULL AND p.id = t.rank;
        CREATE INDEX ON bench_tablet (college_idx, rank);
        DROP TABLE bench_tablet_raw;
    """)
    template = env["maintenance.equipment"].create({
        "name": "Tablette TB-11", "model": "TB-11", "is_tablet": True, "serial_no": "BN-MODELE",
        "imei": imei(99_999_999), "college_id": colleges[0].id, "company_id": company.id, "cost": 289.0,
        "partner_id": supplier.id, "purchase_date": date(plan.year - 4, 7, 1),
        "effective_date": date(plan.year - 4, 7, 1), "warranty_date": date(plan.year - 2, 7, 1),
    })
    env.flush_all()
    clone(cr, "maintenance_equipment", template.id, "SELECT * FROM bench_tablet", {
        "id": "s.id", "serial_no": "s.serial", "imei": "s.imei", "college_id": "s.college_id",
        "tablet_state": "CASE WHEN s.college_idx IS NULL THEN 'donated' ELSE 'stock' END",
        "active": "s.college_idx IS NOT NULL",
        "out_of_fleet_date": f"CASE WHEN s.college_idx IS NULL THEN DATE '{plan.year - 1}-06-30' END",
        "create_date": "now() at time zone 'UTC'", "write_date": "now() at time zone 'UTC'",
    })
    cr.execute("DELETE FROM maintenance_equipment WHERE id = %s", [template.id])
    env.invalidate_all()


def _build_asset_register(env, company):
    """The Département's asset register (issue 15): Odoo's generic chart, an assets journal and
    the asset profile for tablets (4 years, linear, yearly). The fleet built above has no assets:
    the bench's asset line registers 20,000 of them, as a delivery would."""
    env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
    Account = env["account.account"]

    def account(code, name, account_type):
        return Account.create({"code": code, "name": name, "account_type": account_type,
                               "company_ids": [Command.set(company.ids)]})
    journal = env["account.journal"].create({"name": "Immobilisations", "code": "IMMO", "type": "general",
                                             "company_id": company.id})
    disposed = account("675000", "VNC des éléments cédés", "expense")
    company.tablet_asset_profile_id = env["account.asset.profile"].with_company(company).create({
        "name": "Tablettes", "company_id": company.id, "journal_id": journal.id,
        "account_asset_id": account("218300", "Tablettes", "asset_fixed").id,
        "account_depreciation_id": account("281830", "Amortissements tablettes", "asset_fixed").id,
        "account_expense_depreciation_id": account("681120", "Dotations", "expense_depreciation").id,
        "account_residual_value_id": disposed.id, "account_min_value_id": disposed.id,
        "method": "linear", "method_time": "year", "method_number": 4, "method_period": "year", "prorata": True,
    })
    env.flush_all()


def _build_lists(env, plan, company, colleges):
    """This school year's nominative lists, validated, with every pupil and teacher."""
    cr = env.cr
    lists = env["tablet.user.list"].create([{"college_id": c.id, "school_year": plan.school_year}
                                            for c in colleges])
    env.flush_all()
    cr.execute("""
        UPDATE tablet_user_list SET state = 'validated', validated_date = %s WHERE id = ANY(%s);
        INSERT INTO tablet_user_list_line (list_id, college_id, company_id, partner_id, school_role, school_class,
                                           create_uid, write_uid, create_date, write_date)
        SELECT l.id, l.college_id, l.company_id, p.id, CASE WHEN p.kind = 'teacher' THEN 'teacher' ELSE 'pupil' END,
               p.school_class, 1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
        FROM bench_person p JOIN tablet_user_list l ON l.college_id = p.college_id AND l.id = ANY(%s)
        WHERE p.kind IN ('pupil', 'teacher');
    """, [date(plan.year, 7, 1), lists.ids, lists.ids])
    env.invalidate_all()


def _build_loans(env, plan, company):
    """Four past school years of closed (or donated) loans, and this year's open ones."""
    cr = env.cr
    Y = plan.year
    cols = """borrower_id, college_id, company_id, equipment_id, convention_id, school_year, state,
              borrower_role, grade_level, school_class, signed_date, signed_by_id, home_use_allowed,
              date_start, date_end, date_return, data_wiped_date, donated_date, no_gift, stays_at_college,
              cover_delivered, charger_delivered, cable_delivered, cover_returned, charger_returned,
              cable_returned, return_condition, create_uid, write_uid, create_date, write_date"""
    common = "1, 1, now() at time zone 'UTC', now() at time zone 'UTC'"
    cr.execute(f"""
        CREATE TEMP TABLE bench_convention AS
            SELECT college_id, id FROM tablet_convention WHERE state = 'signed';
        CREATE TEMP TABLE bench_ntablets AS
            SELECT college_idx, count(*) AS n FROM bench_tablet WHERE college_idx IS NOT NULL GROUP BY college_idx;
        -- Past years: every pupil of the cohort in the programme that year (6e to 3e).
        INSERT INTO tablet_loan ({cols})
        SELECT p.id, p.college_id, %(company)s,
               CASE WHEN donated THEN d.id ELSE t.id END,
               cv.id, y || '-' || (y + 1),
               CASE WHEN donated THEN 'donated' ELSE 'closed' END,
               'pupil', p.grade, p.school_class, make_date(y, 9, 5), p.rep1, true,
               make_date(y, 9, 1), CASE WHEN donated THEN make_date(y + 1, 6, 30) END,
               CASE WHEN NOT donated THEN make_date(y + 1, 6, 30) END,
               CASE WHEN NOT donated THEN make_date(y + 1, 6, 30) END,
               CASE WHEN donated THEN make_date(y + 1, 6, 30) END, false, false,
               true, true, true, NOT donated, NOT donated, NOT donated, CASE WHEN NOT donated THEN 'good' END,
               {common}
        FROM (SELECT p.*, y, (p.kind = 'former' AND y = p.cohort + 3 AND p.id %% 10 = 0) AS donated
              FROM bench_person p, generate_series(%(y)s - 4, %(y)s - 1) y
              WHERE p.kind IN ('pupil', 'former') AND y BETWEEN p.cohort AND p.cohort + 3) p
        JOIN bench_ntablets n ON n.college_idx = p.college_idx
        JOIN bench_tablet t ON t.college_idx = p.college_idx AND t.rank = (p.rank + p.y) %% n.n
        LEFT JOIN bench_tablet d ON d.college_idx IS NULL AND d.rank = p.id
        LEFT JOIN bench_convention cv ON cv.college_id = p.college_id;
        -- Past years: the teachers too, one loan a year, returned in July.
        INSERT INTO tablet_loan ({cols})
        SELECT p.id, p.college_id, %(company)s, t.id, cv.id, y || '-' || (y + 1), 'closed', 'teacher', NULL, NULL,
               make_date(y, 8, 28), p.id, true, make_date(y, 8, 28), NULL, make_date(y + 1, 7, 5),
               make_date(y + 1, 7, 5), NULL, false, false, true, true, true, true, true, true, 'good', {common}
        FROM bench_person p, generate_series(%(y)s - 4, %(y)s - 1) y, bench_ntablets n, bench_tablet t,
             bench_convention cv
        WHERE p.kind = 'teacher' AND n.college_idx = p.college_idx AND t.college_idx = p.college_idx
          AND t.rank = (n.n - 1 - p.rank - y %% 5) AND cv.college_id = p.college_id;
        -- This year: pupils of the collèges already deployed, and every teacher (teachers first, R9).
        INSERT INTO tablet_loan ({cols})
        SELECT p.id, p.college_id, %(company)s, t.id, cv.id, %(sy)s, 'active',
               CASE WHEN p.kind = 'teacher' THEN 'teacher' ELSE 'pupil' END, p.grade, p.school_class,
               CASE WHEN p.id %% 5 <> 0 THEN %(signed)s END,
               CASE WHEN p.id %% 5 <> 0 THEN coalesce(p.rep1, p.id) END, p.id %% 5 <> 0,
               CASE WHEN p.kind = 'teacher' THEN %(teachers_day)s ELSE %(pupils_day)s END,
               CASE WHEN p.kind = 'pupil' AND p.id %% 200 = 7 THEN %(left)s END,
               NULL, NULL, NULL, false, false, true, true, true, false, false, false, NULL, {common}
        FROM bench_person p
        JOIN bench_tablet t ON t.college_idx = p.college_idx
             AND t.rank = CASE WHEN p.kind = 'teacher' THEN (SELECT count(*) FROM bench_person q
                 WHERE q.kind = 'pupil' AND q.college_idx = p.college_idx) + p.rank ELSE p.rank END
        LEFT JOIN bench_convention cv ON cv.college_id = p.college_id
        WHERE p.kind = 'teacher' OR (p.kind = 'pupil' AND p.college_idx >= %(nd)s);
        UPDATE maintenance_equipment e SET tablet_state = 'assigned'
            FROM tablet_loan l WHERE l.equipment_id = e.id AND l.state = 'active';
    """, {"company": company.id, "y": Y, "sy": plan.school_year,
          "signed": date(Y, 9, 5), "teachers_day": date(Y, 8, 26), "pupils_day": date(Y, 9, 1),
          "left": date(Y, 10, 16), "nd": plan.deploy_colleges})
    env.invalidate_all()


def _build_incidents(env, plan, supplier):
    """3 % of past loans had an incident (closed), 1 % of this year's are still open; warranty
    claims for a fifth of the breakages and failures, charges for a quarter of the others."""
    cr = env.cr
    common = "1, 1, now() at time zone 'UTC', now() at time zone 'UTC'"
    cr.execute(f"""
        INSERT INTO tablet_incident (loan_id, equipment_id, borrower_id, college_id, company_id, incident_type,
                                     state, event_datetime, declaration_datetime, late_declaration, has_complaint,
                                     missing_complaint, circumstances, validated_date,
                                     create_uid, write_uid, create_date, write_date)
        SELECT l.id, l.equipment_id, l.borrower_id, l.college_id, l.company_id,
               (ARRAY['breakage','failure','loss','theft'])[l.id %% 4 + 1],
               CASE WHEN l.state = 'active' THEN 'declared' ELSE 'closed' END,
               (l.date_start + 60) + time '10:00',
               (l.date_start + 60 + CASE WHEN l.id %% 5 = 0 THEN 3 ELSE 1 END) + time '09:00',
               l.id %% 5 = 0, l.id %% 4 = 3, false, 'Tombée dans la cour de récréation (banc).',
               CASE WHEN l.state <> 'active' THEN l.date_start + 63 END, {common}
        FROM tablet_loan l
        WHERE (l.state IN ('closed', 'donated') AND l.id %% 33 = 0)
           OR (l.state = 'active' AND l.borrower_role = 'pupil' AND l.id %% 97 = 0);
        INSERT INTO tablet_warranty_claim (incident_id, equipment_id, college_id, company_id, supplier_id,
                                           fault_type, state, eligible, warranty_void, surface_damage,
                                           opened_by_user, reimbursement_requested, sent_date, rma_number,
                                           answer, answer_date, returned_date, fault_description, claim_date,
                                           create_uid, write_uid, create_date, write_date)
        SELECT i.id, i.equipment_id, i.college_id, i.company_id, %(supplier)s, 'component', 'returned', true,
               false, false, false, false, i.validated_date, 'RMA-' || i.id, 'repaired', i.validated_date + 10,
               i.validated_date + 20, 'Écran qui ne s''allume plus.', i.validated_date, {common}
        FROM tablet_incident i
        WHERE i.state = 'closed' AND i.incident_type IN ('breakage', 'failure') AND i.id %% 5 = 0;
        INSERT INTO tablet_charge (incident_id, loan_id, college_id, company_id, borrower_id, incident_type,
                                   "case", payer_id, amount, state, create_uid, write_uid, create_date, write_date)
        SELECT i.id, i.loan_id, i.college_id, i.company_id, i.borrower_id, i.incident_type, i.incident_type,
               l.signed_by_id, 45.0, CASE WHEN i.id %% 10 = 1 THEN 'confirmed' ELSE 'paid' END, {common}
        FROM tablet_incident i JOIN tablet_loan l ON l.id = i.loan_id
        WHERE i.state = 'closed' AND i.incident_type IN ('breakage', 'loss', 'theft') AND i.id %% 4 = 1;
    """, {"supplier": supplier.id})
    env.invalidate_all()


def _build_users(env, plan, company, colleges):
    """The bench's users, of the groups that run each operation (record rules on)."""
    Users = env["res.users"].with_context(no_reset_password=True)

    def vals(login, group, **kw):
        return {"name": login.replace("_", " ").title(), "login": login, "company_id": company.id,
                "company_ids": [Command.set(company.ids)], "lang": "fr_FR", "email": f"{login}@example.invalid",
                "groups_id": [Command.set(env.ref(f"tablet_loan.{group}").ids)], **kw}

    manager = Users.create(vals("bench_manager", "group_department_manager"))
    officer = Users.create(vals("bench_officer", "group_department_officer"))
    referents = Users.create([
        vals(f"bench_referent_{i:03d}", "group_college_referent", tablet_college_ids=[Command.set(c.ids)])
        for i, c in enumerate(colleges[:plan.deploy_colleges])])
    heads = Users.create([
        vals(f"bench_head_{i:03d}", "group_college_head", tablet_college_ids=[Command.set(c.ids)])
        for i, c in enumerate(colleges) if i >= plan.deploy_colleges])
    return {"manager": manager.id, "officer": officer.id, "referents": referents.ids, "heads": heads.ids}
