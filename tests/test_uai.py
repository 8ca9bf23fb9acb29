from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.tablet_loan.models.res_partner import uai_check_letter

from .common import TabletLoanCase


@tagged("post_install", "-at_install")
class TestUaiCode(TabletLoanCase):
    """The UAI identifies each collège: 7 digits and a check letter (issue 2)."""

    def test_check_letter_of_known_codes(self):
        self.assertEqual(uai_check_letter("0380027"), "Y")
        self.assertEqual(uai_check_letter("0130040"), "Y")
        self.assertEqual(uai_check_letter("0000000"), "A")
        self.assertEqual(uai_check_letter("0000022"), "Z")
        self.assertEqual(uai_check_letter("0000008"), "J", "I is skipped by the alphabet")

    def test_manager_registers_college_through_form(self):
        form = Form(self.env["res.partner"].with_user(self.manager_a).with_context(default_is_college=True))
        form.name = "Collège Form"
        form.uai_code = " 0389202w "
        form.academy_id = self.academy_north
        college = form.save()
        self.assertEqual(college.uai_code, "0389202W", "the code is normalised to upper case")
        self.assertTrue(college.is_company)
        self.assertEqual(college.company_id, self.dept_a, "a collège belongs to its Département")

    def test_wrong_check_letter_names_expected_letter(self):
        with self.assertRaises(ValidationError) as err:
            self._college("Collège Faux", "0380028Y", self.dept_a, self.academy_north)
        self.assertIn("« Z »", str(err.exception))
        self.assertIn("0380028Z", str(err.exception))

    def test_malformed_codes_refused(self):
        for code in ("038002Y", "A380027Y", "03800270", "0380027YY"):
            with self.subTest(code=code), self.assertRaises(ValidationError) as err:
                self._college("Collège Mal Formé", code, self.dept_a, self.academy_north)
            self.assertIn("7 chiffres", str(err.exception))

    def test_wrong_code_on_existing_college_changes_nothing(self):
        with self.assertRaises(ValidationError):
            self.college_alpha.uai_code = "0380027A"
        self.assertEqual(self.college_alpha.uai_code, "0380027Y")

    def test_uai_is_unique_across_departements(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self._college("Collège Doublon", "0380027Y", self.dept_b, self.academy_south)

    def test_college_needs_uai_and_departement(self):
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create({"name": "Collège sans UAI", "is_college": True,
                                            "company_id": self.dept_a.id})
        with self.assertRaises(ValidationError):
            self.college_alpha.company_id = False
        self.assertEqual(self.college_alpha.company_id, self.dept_a)

    def test_people_follow_their_college(self):
        self.assertEqual(self.pupil_alpha.company_id, self.dept_a)
        self.assertEqual(self.pupil_gamma.company_id, self.dept_b)
        self.assertEqual(self.rep_alpha.pupil_ids, self.pupil_alpha)
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create({"name": "Élève perdu", "school_role": "pupil"})
        with self.assertRaises(ValidationError):
            self.teacher_alpha.grade_level = "5e"
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create({"name": "Pas un collège", "school_role": "pupil",
                                            "college_id": self.rep_alpha.id})
