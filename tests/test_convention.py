from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import TabletLoanCase


@tagged("post_install", "-at_install")
class TestConvention(TabletLoanCase):
    """Partnership conventions: R1, R2, R5, R6, and the home-use decision read by R12."""

    def test_three_year_validity_runs_from_last_signature(self):
        """R5 (I 6): valid 3 years from signature; the last party's signature counts."""
        convention = self._convention(self.college_alpha, date_signed_college=date(2026, 2, 10))
        self.assertEqual(convention.academy_id, self.academy_north, "the académie comes from the collège")
        self.assertEqual(convention.signature_date, date(2026, 2, 10))
        self.assertEqual(convention.date_start, date(2026, 2, 10))
        self.assertEqual(convention.date_end, date(2029, 2, 9))
        self.assertTrue(convention.name.startswith("CONV/"))

    def test_school_year_validity(self):
        """R5 (B 9): one school year, ending on 31 August."""
        bdr = self.env.ref("tablet_loan.tablet_convention_model_bouches_du_rhone")
        convention = self._convention(self.college_alpha, model_id=bdr.id, school_year="2025-2026")
        self.assertEqual(convention.date_start, date(2026, 1, 15))
        self.assertEqual(convention.date_end, date(2026, 8, 31))
        with self.assertRaises(ValidationError) as err:
            convention.school_year = "2025-2027"
        self.assertIn("2026-2027", str(err.exception))
        with self.assertRaises(ValidationError):
            self._convention(self.college_beta, model_id=bdr.id)

    def test_end_before_start_refused_and_nothing_changes(self):
        convention = self._convention(self.college_alpha)
        with self.assertRaises(ValidationError) as err:
            convention.date_end = date(2025, 1, 1)
        self.assertIn("antérieure à sa date de début", str(err.exception))
        self.assertEqual(convention.date_end, date(2029, 1, 14))

    def test_sign_requires_every_signature(self):
        convention = self._convention(self.college_alpha, date_signed_academy=False, ca_deliberation_date=False)
        with self.assertRaises(UserError) as err:
            convention.action_sign()
        self.assertIn("Signée par l'Académie le", str(err.exception))
        self.assertIn("Date de délibération du CA", str(err.exception))
        self.assertEqual(convention.state, "draft")

    def test_college_signs_after_ca_deliberation(self):
        """R5: the conseil d'administration authorises the head before the collège signs."""
        convention = self._convention(self.college_alpha, ca_deliberation_date=date(2026, 3, 1))
        with self.assertRaises(UserError) as err:
            convention.action_sign()
        self.assertIn("conseil d'administration", str(err.exception))

    def test_isere_model_without_academy(self):
        """R1 (I 2): under the Isère model the Académie is not a party: no Académie, no signature of it."""
        isere = self.env.ref("tablet_loan.tablet_convention_model_isere")
        convention = self._convention(self.college_alpha, model_id=isere.id, date_signed_academy=False)
        self.assertFalse(convention.academy_id)
        convention.action_sign()
        self.assertEqual(convention.state, "signed")
        self.assertFalse(self.college_alpha.tablet_academy_party)
        with self.assertRaises(ValidationError):
            self._convention(self.college_beta, model_id=isere.id)  # an Académie signature given

    def test_one_signed_convention_per_college(self):
        first = self._convention(self.college_alpha)
        first.action_sign()
        second = self._convention(self.college_alpha, signed=date(2026, 2, 1))
        with self.assertRaises(UserError) as err:
            second.action_sign()
        self.assertIn(first.name, str(err.exception))
        self.assertEqual(second.state, "draft")
        # The database holds the line too, for concurrent signatures.
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            second.write({"state": "signed"})
            second.flush_recordset()

    def test_signed_convention_changes_only_by_amendment(self):
        """I 7: a signed convention is amended by avenant."""
        convention = self._convention(self.college_alpha)
        amendment_model = self.env["tablet.convention.amendment"]
        with self.assertRaises(ValidationError):
            amendment_model.create({"convention_id": convention.id, "name": "Trop tôt"})
        convention.action_sign()
        with self.assertRaises(UserError) as err:
            convention.date_end = date(2030, 1, 1)
        self.assertIn("Date de fin", str(err.exception))
        self.assertIn("avenant", str(err.exception))
        amendment = amendment_model.create({
            "convention_id": convention.id, "name": "Ajout des 4e", "date": date(2026, 6, 1),
        })
        self.assertEqual(convention.amendment_count, 1)
        self.assertIn("Ajout des 4e", convention.message_ids[0].body)
        with self.assertRaises(ValidationError):
            amendment.date = date(2025, 1, 1)
        # What the collège decides during the convention stays editable, and tracked.
        convention.home_use_allowed = True
        self.assertTrue(convention.home_use_allowed)

    def test_signed_convention_cannot_be_deleted(self):
        convention = self._convention(self.college_alpha)
        convention.action_sign()
        with self.assertRaises(UserError):
            convention.unlink()
        draft = self._convention(self.college_beta)
        draft.unlink()
        self.assertFalse(draft.exists())

    def test_referent_change_informs_departement(self):
        """R2: the collège tells the Département about any change of référent."""
        convention = self._convention(self.college_alpha, user_id=self.manager_a.id)
        # A référent is a user of the collège (issue 18): Prof Alpha gets an account.
        new_test_user(self.env, login="t_prof_alpha", groups="base.group_user", name="Prof Alpha",
                      partner_id=self.teacher_alpha.id,
                      company_id=self.dept_a.id, company_ids=[Command.set(self.dept_a.ids)])
        convention.referent_ids = self.teacher_alpha
        message = convention.message_ids[0]
        self.assertIn("Prof Alpha", message.body)
        self.assertIn(self.manager_a.partner_id, message.partner_ids)
        with self.assertRaises(ValidationError):
            convention.referent_ids = self.pupil_beta

    def test_cron_expires_and_reminds(self):
        today = fields.Date.context_today(self.env["tablet.convention"])
        three_years = relativedelta(years=3)
        old = self._convention(self.college_alpha, signed=today - three_years - timedelta(days=10),
                               ca_deliberation_date=today - three_years - timedelta(days=40))
        ending = self._convention(self.college_beta, signed=today - three_years + timedelta(days=30),
                                  ca_deliberation_date=today - three_years)
        (old | ending).action_sign()
        self.assertEqual(ending.date_end, today + timedelta(days=29))
        cron = self.env.ref("tablet_loan.ir_cron_tablet_convention_expire")
        cron.method_direct_trigger()
        cron.method_direct_trigger()
        self.assertEqual(old.state, "expired")
        self.assertEqual(ending.state, "signed")
        renewal = self.env.ref("tablet_loan.mail_activity_convention_renewal")
        activities = ending.activity_ids.filtered(lambda a: a.activity_type_id == renewal)
        self.assertEqual(len(activities), 1, "one renewal activity, however often the cron runs")
        self.assertEqual(activities.date_deadline, ending.date_end)
        self.assertFalse(old.activity_ids)

    def test_head_prepares_and_signs_through_form(self):
        """R5: the head prepares the convention and records the collège's signature; the
        Département and the Académie record theirs (issue 13: each party signs for itself)."""
        form = Form(self.env["tablet.convention"].with_user(self.head_alpha))
        form.college_id = self.college_alpha
        form.ca_deliberation_date = date(2026, 5, 2)
        form.ca_deliberation_ref = "CA n° 3"
        form.date_signed_college = date(2026, 5, 11)
        form.home_use_allowed = True
        form.charter_adopted_date = date(2026, 5, 2)
        convention = form.save()
        self._commit_tracking()  # each party records its signature in a later request
        with Form(convention.with_user(self.manager_a)) as manager_form:
            manager_form.date_signed_department = date(2026, 5, 10)
        with Form(convention.with_user(self.academy_user)) as academy_form:
            academy_form.date_signed_academy = date(2026, 5, 12)
            self.assertEqual(academy_form.date_end, date(2029, 5, 11))
        convention.with_user(self.head_alpha).action_sign()
        self.assertEqual(convention.state, "signed")
        self.assertEqual(convention.company_id, self.dept_a)
        self._commit_tracking()
        tracked = self.env["tablet.convention"].browse(convention.id).message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "state")
        self.assertEqual(tracked.new_value_char, "Signée")
