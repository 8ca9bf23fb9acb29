import importlib.util
import json
from datetime import date
from pathlib import Path

from stdnum import luhn

from odoo import Command
from odoo.tests import TransactionCase, new_test_user
from odoo.tools import mute_logger

# Issue 16: the generator of SIECLE and STS-web exports in tools/ (not a package), for the tests.
_spec = importlib.util.spec_from_file_location(
    "tablet_loan_gen_siecle", Path(__file__).resolve().parent.parent / "tools" / "gen_siecle.py")
gen_siecle = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_siecle)

DEMO_LOGINS = ("dept_manager", "dept_officer", "academy", "head", "referent", "accountant", "supplier")


class TabletLoanCase(TransactionCase):
    """Two Départements, two académies, three collèges and one user per role.

    Collèges Alpha and Beta belong to Département A and académie North; Gamma to
    Département B and académie South: enough to prove each separation.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Users of the programme work in French: messages are asserted as they read them.
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False, lang="fr_FR"))
        Partner = cls.env["res.partner"]
        cls.dept_a = cls.env["res.company"].create({"name": "Département A (test)"})
        cls.dept_b = cls.env["res.company"].create({"name": "Département B (test)"})
        cls.academy_north = Partner.create({"name": "Académie Nord (test)", "is_academy": True})
        cls.academy_south = Partner.create({"name": "Académie Sud (test)", "is_academy": True})
        cls.college_alpha = cls._college("Collège Alpha", "0380027Y", cls.dept_a, cls.academy_north)
        cls.college_beta = cls._college("Collège Beta", "0130040Y", cls.dept_a, cls.academy_south)
        cls.college_gamma = cls._college("Collège Gamma", "0389201V", cls.dept_b, cls.academy_south)
        cls.pupil_alpha, cls.rep_alpha = cls._pupil_with_representative("Alpha", cls.college_alpha, "5e", "5e A")
        cls.pupil_beta, cls.rep_beta = cls._pupil_with_representative("Beta", cls.college_beta, "3e", "3e B")
        cls.teacher_alpha = Partner.create({"name": "Prof Alpha", "school_role": "teacher",
                                            "college_id": cls.college_alpha.id})
        cls.pupil_gamma = Partner.create({"name": "Élève Gamma", "school_role": "pupil",
                                          "college_id": cls.college_gamma.id, "grade_level": "6e"})

        def user(login, group, company=cls.dept_a, **kw):
            return new_test_user(cls.env, login=login, groups=f"tablet_loan.{group}",
                                 company_id=company.id, company_ids=[Command.set(company.ids)], **kw)

        cls.manager_a = user("t_manager_a", "group_department_manager")
        cls.officer_a = user("t_officer_a", "group_department_officer")
        cls.manager_b = user("t_manager_b", "group_department_manager", company=cls.dept_b)
        cls.academy_user = user("t_academy_north", "group_academy_officer",
                                tablet_academy_id=cls.academy_north.id)
        cls.head_alpha = user("t_head_alpha", "group_college_head",
                              tablet_college_ids=[Command.set(cls.college_alpha.ids)])
        cls.referent_alpha = user("t_referent_alpha", "group_college_referent",
                                  tablet_college_ids=[Command.set(cls.college_alpha.ids)])
        cls.accountant_alpha = user("t_accountant_alpha", "group_college_accountant",
                                    tablet_college_ids=[Command.set(cls.college_alpha.ids)])
        cls.supplier_user = user("t_supplier", "group_supplier_agent")

    def _commit_tracking(self):
        """Tracking messages are written just before commit; run that step now."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    @classmethod
    def _pupil_with_representative(cls, name, college, grade, school_class):
        Partner = cls.env["res.partner"]
        representative = Partner.create({"name": f"Parent {name}", "school_role": "legal_representative",
                                         "company_id": college.company_id.id})
        pupil = Partner.create({
            "name": f"Élève {name}", "school_role": "pupil", "college_id": college.id,
            "grade_level": grade, "school_class": school_class,
            "legal_representative_ids": [Command.set(representative.ids)],
        })
        return pupil, representative

    @classmethod
    def _college_sales_journal(cls, college=None):
        """The Département's generic chart and a sales journal for `college` (Alpha by default),
        where its charges are invoiced; the Département's default sales journal is returned too."""
        college = college or cls.college_alpha
        company = college.company_id
        cls.env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
        default_sale = cls.env["account.journal"].search([
            ("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
        journal = cls.env["account.journal"].create({
            "name": f"Participations {college.name}", "code": "C" + college.name.split()[-1][:3].upper(),
            "type": "sale", "company_id": company.id, "default_account_id": default_sale.default_account_id.id,
        })
        college.tablet_journal_id = journal
        return journal, default_sale

    @classmethod
    def _asset_profile(cls, company, years=4):
        """The Département's chart, an assets journal and its asset profile for tablets (issue 15):
        linear over `years`, one depreciation line a year, prorata temporis, disposals booked at their
        residual value (the French regime)."""
        if not cls.env["account.account"].search_count([("company_ids", "in", company.ids)], limit=1):
            cls.env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
        Account = cls.env["account.account"]

        def account(code, name, account_type):
            return Account.create({"code": code, "name": name, "account_type": account_type,
                                   "company_ids": [Command.set(company.ids)]})

        journal = cls.env["account.journal"].create({
            "name": "Immobilisations", "code": "IMMO", "type": "general", "company_id": company.id})
        disposed = account("675000", "VNC des éléments cédés", "expense")
        # In the Département's company: OCA makes it the asset account's default profile (company-dependent).
        profile = cls.env["account.asset.profile"].with_company(company).create({
            "name": "Tablettes", "company_id": company.id, "journal_id": journal.id,
            "account_asset_id": account("218300", "Tablettes", "asset_fixed").id,
            "account_depreciation_id": account("281830", "Amortissements tablettes", "asset_fixed").id,
            "account_expense_depreciation_id": account("681120", "Dotations", "expense_depreciation").id,
            "account_residual_value_id": disposed.id, "account_min_value_id": disposed.id,
            "method": "linear", "method_time": "year", "method_number": years, "method_period": "year",
            "prorata": True,
        })
        company.tablet_asset_profile_id = profile
        return profile

    @classmethod
    def _college(cls, name, uai, company, academy):
        return cls.env["res.partner"].create({
            "name": name, "is_college": True, "uai_code": uai,
            "company_id": company.id, "academy_id": academy.id,
        })

    @staticmethod
    def _imei(number):
        """A valid IMEI (Luhn check digit) built from a small number."""
        base = f"35{number:012d}"
        return base + luhn.calc_check_digit(base)

    @classmethod
    def _tablets(cls, college, count, start=0):
        """Tablets in the stock of a collège, as a delivery would leave them."""
        return cls.env["maintenance.equipment"].create([{
            "name": "Tablette TL-10", "model": "TL-10", "is_tablet": True,
            "serial_no": f"SN-{college.id}-{start + i:05d}", "imei": cls._imei(college.id * 100000 + start + i),
            "college_id": college.id, "company_id": college.company_id.id, "cost": 300.0,
            "purchase_date": date(2026, 6, 1), "warranty_date": date(2028, 6, 1),
            "category_id": cls.env.ref("tablet_loan.equipment_category_tablet").id,
        } for i in range(count)])

    @classmethod
    def _deployable(cls, college, people, school_year="2026-2027", home_use=True):
        """A signed convention ready for teachers and pupils (R9) and a validated list (R3)."""
        convention = cls._convention(
            college, home_use_allowed=home_use, charter_adopted_date=date(2026, 6, 1),
            wifi_ready_date=date(2026, 6, 1),
            teacher_deployment_date=date(2026, 8, 25), broadband_ready_date=date(2026, 6, 1),
        )
        convention.action_sign()
        user_list = cls.env["tablet.user.list"].create({
            "college_id": college.id, "school_year": school_year,
            "line_ids": [Command.create({"partner_id": p.id}) for p in people],
        })
        user_list.write({"state": "validated"})
        return convention, user_list

    @classmethod
    def _loan(cls, borrower, tablet, **vals):
        values = {"borrower_id": borrower.id, "equipment_id": tablet.id, "college_id": borrower.college_id.id,
                  "school_year": "2026-2027", "date_start": date(2026, 9, 1)}
        values.update(vals)
        return cls.env["tablet.loan"].create(values)

    @classmethod
    def _convention(cls, college, signed=date(2026, 1, 15), **vals):
        """A convention ready to sign: CA deliberation and each party's signature on `signed`."""
        values = {
            "company_id": college.company_id.id,
            "college_id": college.id,
            "ca_deliberation_date": date(2025, 12, 1),
            "date_signed_department": signed,
            "date_signed_academy": signed,
            "date_signed_college": signed,
        }
        values.update(vals)
        return cls.env["tablet.convention"].create(values)


# Loggers that report the refusals the JSON-RPC tests provoke on purpose.
RPC_QUIET = ("odoo.http", "odoo.sql_db", "odoo.models", "odoo.addons.base.models.ir_rule",
             "odoo.addons.base.models.ir_model", "odoo.addons.mail.models.mail_mail", "werkzeug")


def execute_kw(case, user, model, method, args=(), kwargs=None):
    """One `execute_kw` over /jsonrpc as an external client would send it, logged in with the
    demo password (= login), from an HttpCase. Returns ("ok", result), or the full name of
    the exception and its message. One helper for every JSON-RPC test class."""
    payload = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw",
        "args": [case.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs or {}]}}
    with mute_logger(*RPC_QUIET):
        # json.dumps keeps NaN as NaN, as JSON clients send it.
        response = case.url_open("/jsonrpc", data=json.dumps(payload),
                                 headers={"Content-Type": "application/json"}).json()
    if "error" in response:
        data = response["error"].get("data", {})
        return data.get("name", ""), data.get("message") or ""
    return "ok", response.get("result")


def drawn_signature(seed=0):
    """A signature as the web client's signature widget sends it: a base64 PNG, a transparent
    canvas with a dark stroke (issue 17)."""
    import base64
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (240, 80), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = [(10 + 20 * i, 40 + (15 if (i + seed) % 2 else -15)) for i in range(11)]
    draw.line(points, fill=(20, 20, 60, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def sign_in_place(loan, user, signers=None):
    """The signature wizard as a user fills it (issue 17): the proposed representatives (or
    `signers`) each draw their signature, and the action records them."""
    from odoo.tests import Form

    form = Form(loan.env["tablet.loan.signature.wizard"].with_user(user).with_context(default_loan_id=loan.id))
    if signers is not None:
        form.signer_1_id = signers[0]
        form.signer_2_id = signers[1] if len(signers) > 1 else signers.browse()
    form.signature_1 = drawn_signature(1)
    if form.signer_2_id:
        form.signature_2 = drawn_signature(2)
    return form.save().action_confirm()


def blank_signature(size=(240, 80), colour=(255, 255, 255, 0)):
    """A canvas submitted without a stroke: every pixel transparent (or white)."""
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", size, colour).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def demo_users(env, logins=DEMO_LOGINS):
    """The demo users by login, or None on a database without demo data."""
    if not env.ref("tablet_loan.user_referent", raise_if_not_found=False):
        return None
    return {login: env.ref(f"tablet_loan.user_{login}") for login in logins}


def decide_for_charge(incident, qualification=None, amount=50.0):
    """The ground a charge stands on (issue 14: R23, R24b), recorded as facts for a fixture:
    the head's replacement decision with a financial counterpart and, when the collège has
    none, a CA deliberation in force on the date of the facts."""
    from odoo import fields

    from ..models.tablet_workflow_mixin import as_action
    env = incident.env
    Tariff = env["tablet.charge.tariff"].sudo()
    for college, facts in {(i.college_id, fields.Date.to_date(i.event_datetime)) for i in incident}:
        if not Tariff._in_force(college, facts):
            Tariff.create({
                "college_id": college.id, "ca_deliberation_ref": "CA (fixture)",
                "ca_deliberation_date": date(2026, 1, 5), "effective_date": date(2026, 1, 5),
                "line_ids": [Command.create({"case": case, "fixed_amount": min(amount, 1000.0), "cap_amount": 1000.0})
                             for case in ("breakage", "loss", "theft")]})
    for record in incident:
        as_action(record).write({
            "decision": "replace", "counterpart_charge": True, "charge_amount": amount,
            "qualification": qualification or {"breakage": "negligence", "loss": "loss",
                                               "theft": "theft"}.get(record.incident_type, "failure"),
            "decision_date": fields.Date.today(),
        })
    return incident
