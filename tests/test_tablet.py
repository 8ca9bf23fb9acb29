from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import TabletLoanCase


@tagged("post_install", "-at_install")
class TestTablet(TabletLoanCase):
    """Tablets are the Département's assets (R7), seen by the collèges that use them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tablet_alpha = cls._tablets(cls.college_alpha, 1)
        cls.tablet_beta = cls._tablets(cls.college_beta, 1)

    def test_imei_luhn_and_length(self):
        self.assertEqual(self.tablet_alpha.tablet_state, "stock")
        valid = self._imei(42)
        for wrong, why in ((valid[:-1] + str((int(valid[-1]) + 1) % 10), "Luhn"), (valid[:14], "15")):
            with self.subTest(imei=wrong), self.assertRaises(ValidationError) as err:
                self.tablet_alpha.imei = wrong
            self.assertIn(why, str(err.exception))
        self.assertNotEqual(self.tablet_alpha.imei, valid[:14])

    def test_imei_unique(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.tablet_beta.imei = self.tablet_alpha.imei
            self.tablet_beta.flush_recordset()

    def test_officer_registers_tablet_through_form(self):
        form = Form(self.env["maintenance.equipment"].with_user(self.officer_a).with_context(default_is_tablet=True))
        form.name = "Tablette TL-10"
        form.serial_no = "SN-FORM-1"
        form.imei = self._imei(777)
        form.college_id = self.college_alpha
        tablet = form.save()
        self.assertEqual(tablet.tablet_state, "stock")
        self.assertEqual(tablet.company_id, self.dept_a)

    def test_college_users_see_their_tablets_only(self):
        Equipment = self.env["maintenance.equipment"]
        for user in (self.referent_alpha, self.head_alpha):
            with self.subTest(user=user.login):
                self.assertEqual(Equipment.with_user(user).search([("is_tablet", "=", True)]), self.tablet_alpha)
                with self.assertRaises(AccessError):
                    self.tablet_beta.with_user(user).read(["serial_no"])
        with self.assertRaises(AccessError):
            self.tablet_alpha.with_user(self.academy_user).write({"mdm_device_id": "X"})
        self.tablet_alpha.with_user(self.academy_user).read(["serial_no"])
        with self.assertRaises(AccessError):
            self.tablet_alpha.with_user(self.supplier_user).read(["serial_no"])
        with self.assertRaises(AccessError):
            self.tablet_alpha.with_user(self.manager_b).read(["serial_no"])
