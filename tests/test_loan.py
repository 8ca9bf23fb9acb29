from datetime import date, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import TabletLoanCase, sign_in_place


@tagged("post_install", "-at_install")
class TestLoan(TabletLoanCase):
    """Loan contracts R9, R11–R17, as the référent and the head meet them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pupil_3e, cls.rep_3e = cls._pupil_with_representative("Trois", cls.college_alpha, "3e", "3e A")
        cls.pupil_3e_b, _rep = cls._pupil_with_representative("Quatre", cls.college_alpha, "3e", "3e A")
        cls.unlisted, _rep = cls._pupil_with_representative("Absent", cls.college_alpha, "5e", "5e A")
        cls.convention, cls.user_list = cls._deployable(
            cls.college_alpha, cls.pupil_alpha | cls.pupil_3e | cls.pupil_3e_b | cls.teacher_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 6)
        cls.tablet_beta = cls._tablets(cls.college_beta, 1)

    def _referent_loan(self, borrower, tablet, day=date(2026, 9, 1)):
        form = Form(self.env["tablet.loan"].with_user(self.referent_alpha))
        form.college_id = self.college_alpha
        form.borrower_id = borrower
        form.equipment_id = tablet
        form.school_year = "2026-2027"
        form.date_start = day
        return form.save()

    def test_referent_lends_and_family_signs(self):
        """R11, R12: home use once the legal representative has signed, if the collège allows it."""
        loan = self._referent_loan(self.pupil_alpha, self.tablets[0])
        self.assertEqual(loan.state, "draft")
        self.assertEqual(loan.convention_id, self.convention)
        self.assertEqual(self.tablets[0].tablet_state, "assigned")
        self.assertEqual(self.tablets[0].current_loan_id, loan)
        loan.action_activate()
        self.assertEqual(loan.state, "active")
        self.assertFalse(loan.home_use_allowed, "not signed yet: the tablet stays at school")
        sign_in_place(loan, self.referent_alpha)  # issue 17: signed on screen, at the desk
        self.assertEqual((loan.signed_by_id, loan.signed_date), (self.rep_alpha, fields.Date.context_today(loan)))
        self.assertTrue(loan.home_use_allowed)
        self.convention.home_use_allowed = False
        self.assertFalse(loan.home_use_allowed, "the collège does not allow home use")
        self.convention.home_use_allowed = True
        with self.assertRaises(AccessError):
            loan.stays_at_college = True  # the référent does not decide counterparts (R24)
        loan.with_user(self.head_alpha).stays_at_college = True
        self.assertFalse(loan.home_use_allowed, "a replacement that stays at the collège (R24c)")

    def test_only_a_legal_representative_signs_for_a_pupil(self):
        loan = self._loan(self.pupil_alpha, self.tablets[0])
        with self.assertRaises(ValidationError) as err:
            loan.write({"signed_by_id": self.rep_beta.id, "signed_date": date(2026, 9, 2)})
        self.assertIn("Parent Alpha", str(err.exception))
        self.assertFalse(loan.signed_by_id)
        teacher_loan = self._loan(self.teacher_alpha, self.tablets[1])
        teacher_loan.write({"signed_by_id": self.teacher_alpha.id, "signed_date": date(2026, 8, 30)})
        self.assertTrue(teacher_loan.home_use_allowed, "an adult signs their own contract")

    def test_refusals_are_clear_and_change_nothing(self):
        """Not in stock, not in the collège, not on the validated list (R3), a second open loan."""
        self._loan(self.pupil_alpha, self.tablets[0])
        count = self.env["tablet.loan"].search_count([])
        cases = [
            (self.pupil_3e, self.tablets[0], "PRET"),              # tablet already lent
            (self.pupil_alpha, self.tablets[1], "Élève Alpha"),    # borrower already has one
            (self.pupil_3e, self.tablet_beta, "Collège Alpha"),    # tablet of another collège
            (self.unlisted, self.tablets[2], "validated list|liste validée"),  # not on the validated list (R3)
        ]
        for borrower, tablet, expected in cases:
            with self.subTest(borrower=borrower.name, tablet=tablet.serial_no):
                with self.assertRaises(UserError) as err:
                    self._loan(borrower, tablet)
                self.assertRegex(str(err.exception), tablet.serial_no if expected == "PRET" else expected)
        self.assertEqual(self.env["tablet.loan"].search_count([]), count)
        self.tablets[3].tablet_state = "repair"
        with self.assertRaises(UserError):
            self._loan(self.pupil_3e, self.tablets[3])
        self.assertEqual(self.tablets[3].tablet_state, "repair")

    def test_charter_before_deployment(self):
        """R6: no tablet is handed over before the collège adopts its usage charter."""
        self.convention.charter_adopted_date = date(2026, 9, 10)
        with self.assertRaises(UserError) as err:
            self._loan(self.teacher_alpha, self.tablets[0], date_start=date(2026, 9, 1))
        self.assertRegex(str(err.exception), "charter|charte")  # R6
        self.convention.charter_adopted_date = False
        with self.assertRaises(UserError):
            self._loan(self.teacher_alpha, self.tablets[0], date_start=date(2026, 9, 12))
        self.convention.charter_adopted_date = date(2026, 9, 10)
        self.assertTrue(self._loan(self.teacher_alpha, self.tablets[0], date_start=date(2026, 9, 12)))

    def test_teachers_before_pupils(self):
        """R9: pupils after the teachers' deployment date; teachers once Wi-Fi works."""
        with self.assertRaises(UserError) as err:
            self._loan(self.pupil_alpha, self.tablets[0], date_start=date(2026, 8, 20))
        self.assertRegex(str(err.exception), "deployment date|date de déploiement")  # R9
        self.convention.wifi_ready_date = date(2026, 9, 15)
        with self.assertRaises(UserError):
            self._loan(self.teacher_alpha, self.tablets[0], date_start=date(2026, 9, 1))
        loan = self._loan(self.teacher_alpha, self.tablets[0], date_start=date(2026, 9, 20))
        loan.date_start = date(2026, 9, 2)
        with self.assertRaises(UserError) as err:
            loan.action_activate()
        self.assertIn("Wi-Fi", str(err.exception))
        self.assertEqual(loan.state, "draft")

    def test_return_erases_data_before_the_next_loan(self):
        """R15, R16: back in good order, data erased, then the tablet can be lent again."""
        loan = self._loan(self.pupil_alpha, self.tablets[0])
        loan.action_activate()
        wizard = Form(self.env["tablet.return.wizard"].with_user(self.referent_alpha).with_context(
            active_model="tablet.loan", active_ids=loan.ids))
        wizard.data_wiped = False
        wizard.charger_returned = False
        wizard.save().action_confirm()
        self.assertEqual(loan.state, "returned")
        self.assertFalse(loan.charger_returned)
        self.assertEqual(self.tablets[0].tablet_state, "stock")
        with self.assertRaises(UserError) as err:
            self._loan(self.pupil_3e, self.tablets[0])
        self.assertRegex(str(err.exception), "not been erased|pas été effacées")  # R16
        loan.with_user(self.referent_alpha).action_confirm_data_wiped()
        self.assertEqual(loan.state, "closed")
        self.assertTrue(loan.data_wiped_date)
        self.assertEqual(self._loan(self.pupil_3e, self.tablets[0]).equipment_id, self.tablets[0])
        with self.assertRaises(UserError):
            loan.with_user(self.referent_alpha).action_open_return_wizard()

    def test_damaged_return_opens_an_incident(self):
        """Issue 15: damage found at the return opens an incident; the tablet waits out of order."""
        loan = self._loan(self.pupil_alpha, self.tablets[0])
        loan.action_activate()
        incident = loan._register_return(date(2026, 11, 5), "damaged", date(2026, 11, 6), {"cover"})
        self.assertEqual(loan.state, "closed")
        self.assertEqual(self.tablets[0].tablet_state, "out_of_order")
        self.assertFalse(self.tablets[0].current_loan_id)
        self.assertEqual((incident.incident_type, incident.state, incident.loan_id), ("breakage", "declared", loan))

    def test_departure_ends_the_loan_and_overdue_return_reminds(self):
        """R14: the loan ends the day the user leaves; an overdue return raises an activity."""
        loan = self._loan(self.pupil_alpha, self.tablets[0])
        loan.action_activate()
        draft = self._loan(self.pupil_3e, self.tablets[1])
        leaving = fields.Date.context_today(loan) - timedelta(days=2)
        notices = self.env["mail.message"].search([("model", "=", "res.partner"), ("res_id", "=", self.college_alpha.id),
                                                   ("message_type", "=", "user_notification")])
        wizard = Form(self.env["tablet.departure.wizard"].with_user(self.referent_alpha).with_context(
            active_model="res.partner", active_ids=(self.pupil_alpha | self.pupil_3e).ids))
        wizard.end_date = leaving
        wizard.save().action_confirm()
        self.assertEqual(self.pupil_alpha.leaving_date, leaving)
        self.assertEqual(loan.date_end, leaving)
        self.assertFalse(draft.exists(), "a loan never handed over is simply cancelled")
        self.assertTrue(loan.is_overdue)
        overdue = self.env.ref("tablet_loan.mail_activity_loan_overdue_return")
        self.env["tablet.loan"]._cron_overdue_returns()  # the next day: no second reminder
        activities = loan.activity_ids.filtered(lambda a: a.activity_type_id == overdue)
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.referent_alpha)
        # One notice per collège to the référent, listing the tablets, not one e-mail per tablet.
        notice = self.env["mail.message"].search([("model", "=", "res.partner"), ("res_id", "=", self.college_alpha.id),
                                                  ("message_type", "=", "user_notification")]) - notices
        self.assertEqual(len(notice), 1)
        self.assertEqual(notice.partner_ids, self.referent_alpha.partner_id)
        self.assertIn(self.pupil_alpha.name, notice.body)
        self.assertIn(loan, self.env["tablet.loan"].search([("is_overdue", "=", True)]))
        loan._register_return(fields.Date.context_today(loan), "good", fields.Date.context_today(loan),
                              {"cover", "charger", "cable"})
        self.assertFalse(loan.activity_ids, "the reminder goes once the tablet is back")

    def test_overdue_notices_of_several_colleges_in_one_batch(self):
        """R14: the overdue returns of two collèges: each référent gets one notice for their collège,
        on the collège, with its notification and its e-mail, as `message_notify` writes them (the
        e-mails of all the collèges created in one batch)."""
        referent_beta = new_test_user(self.env, login="t_referent_beta", groups="tablet_loan.group_college_referent",
                                      company_id=self.college_beta.company_id.id, email="beta@example.com",
                                      tablet_college_ids=[Command.set(self.college_beta.ids)])
        self._deployable(self.college_beta, self.pupil_beta)
        due = date(2026, 10, 1)
        loans = self._loan(self.pupil_alpha, self.tablets[0], date_end=due) | self._loan(
            self.pupil_beta, self.tablet_beta, date_end=due)
        Message = self.env["mail.message"]
        before = Message.search([("message_type", "=", "user_notification")])
        loans._ask_for_return()
        notices = Message.search([("message_type", "=", "user_notification")]) - before
        self.assertEqual(len(notices), 2)
        for college, referent, pupil in ((self.college_alpha, self.referent_alpha, self.pupil_alpha),
                                         (self.college_beta, referent_beta, self.pupil_beta)):
            notice = notices.filtered(lambda m, college=college: m.res_id == college.id)
            self.assertEqual((notice.model, notice.partner_ids), ("res.partner", referent.partner_id))
            self.assertEqual(notice.subtype_id, self.env.ref("mail.mt_note"))
            self.assertIn(pupil.name, notice.body)
            self.assertIn(college.name, notice.subject)
            self.assertNotIn(notice, college.message_ids, "a notice to the référent, not a chatter message")
            notification = self.env["mail.notification"].search([("mail_message_id", "=", notice.id)])
            self.assertEqual(notification.res_partner_id, referent.partner_id)
            self.assertEqual(notification.notification_type, referent.notification_type)
            self.assertEqual(notification.notification_status, "ready")
            mail = self.env["mail.mail"].search([("mail_message_id", "=", notice.id)])
            self.assertEqual((mail.state, mail.recipient_ids, mail.subject), ("outgoing", referent.partner_id,
                                                                            notice.subject))
            self.assertEqual(notification.mail_mail_id, mail)
            self.assertIn(pupil.name, mail.body_html)
            self.assertTrue(mail.email_from and mail.reply_to)
        self.assertEqual(loans.activity_ids.user_id, self.referent_alpha | referent_beta)
        for loan, referent in zip(loans, (self.referent_alpha, referent_beta), strict=False):
            self.assertIn(referent.partner_id, loan.message_partner_ids, "the référent follows the loan")

    def test_overdue_notice_in_odoo(self):
        """R14: a référent who handles their notifications in Odoo gets the notice in their inbox
        (through `message_notify`), not by e-mail; the next run tells nobody again."""
        self.referent_alpha.notification_type = "inbox"
        loan = self._loan(self.pupil_alpha, self.tablets[0], date_end=date(2026, 10, 1))
        Message = self.env["mail.message"]
        before = Message.search([("message_type", "=", "user_notification")])
        loan._ask_for_return()
        notice = Message.search([("message_type", "=", "user_notification")]) - before
        self.assertEqual((notice.res_id, notice.partner_ids), (self.college_alpha.id, self.referent_alpha.partner_id))
        self.assertIn(self.pupil_alpha.name, notice.body)
        notification = self.env["mail.notification"].search([("mail_message_id", "=", notice.id)])
        self.assertEqual((notification.res_partner_id, notification.notification_type),
                         (self.referent_alpha.partner_id, "inbox"))
        self.assertFalse(self.env["mail.mail"].search([("mail_message_id", "=", notice.id)]))
        loan._ask_for_return()
        self.assertEqual(Message.search([("message_type", "=", "user_notification")]) - before, notice,
                         "one notice per collège per run: an activity already there is not announced again")

    def test_summer_custody_campaign(self):
        """R13: pupils' tablets stay at the collège in summer; those not handed in are followed up."""
        kept = self._loan(self.pupil_alpha, self.tablets[0])
        missing = self._loan(self.pupil_3e, self.tablets[1])
        teacher = self._loan(self.teacher_alpha, self.tablets[2])
        (kept | missing | teacher).action_activate()
        form = Form(self.env["tablet.custody.wizard"].with_user(self.referent_alpha))
        form.college_id = self.college_alpha
        self.assertEqual(form.loan_count, 2, "only pupils' tablets")
        form.missing_loan_ids.add(missing)
        form.save().action_apply()
        self.assertEqual(kept.state, "custody")
        self.assertEqual(self.tablets[0].tablet_state, "custody")
        self.assertEqual(missing.state, "active")
        self.assertEqual(teacher.state, "active")
        self.assertEqual(missing.activity_ids.activity_type_id,
                         self.env.ref("tablet_loan.mail_activity_custody_missing"))
        self.assertIn("1", self.college_alpha.message_ids[0].body)
        back = Form(self.env["tablet.custody.wizard"].with_user(self.referent_alpha))
        back.college_id = self.college_alpha
        back.direction = "back"
        back.save().action_apply()
        self.assertEqual(kept.state, "active")
        self.assertEqual(self.tablets[0].tablet_state, "assigned")

    def test_end_of_3e_gift(self):
        """R17: 3e pupils keep their tablet unless a replacement ruled it out (R24a)."""
        third = self.pupil_3e_b
        eligible = self._loan(self.pupil_3e, self.tablets[0])
        refused = self._loan(third, self.tablets[1])
        fifth = self._loan(self.pupil_alpha, self.tablets[2])
        (eligible | refused | fifth).action_activate()
        refused.no_gift = True
        with self.assertRaises(AccessError):
            self.env["tablet.gift.wizard"].with_user(self.referent_alpha).create({"college_id": self.college_alpha.id})
        form = Form(self.env["tablet.gift.wizard"].with_user(self.head_alpha))
        form.college_id = self.college_alpha
        form.gift_date = date(2027, 7, 3)
        wizard = form.save()
        self.assertEqual(wizard.line_ids.loan_id, eligible | refused, "only 3e pupils are listed")
        refusal = wizard.line_ids.filtered(lambda line: line.loan_id == refused)
        self.assertFalse(refusal.eligible)
        self.assertRegex(refusal.reason, "no gift|pas de don")  # R24a
        refusal.selected = True
        with self.assertRaises(UserError):
            wizard.action_confirm()
        self.assertEqual(eligible.state, "active", "nothing half-done")
        refusal.selected = False
        wizard.action_confirm()
        self.assertEqual(eligible.state, "donated")
        self.assertEqual(eligible.donated_date, date(2027, 7, 3))
        tablet = self.tablets[0]
        self.assertEqual(tablet.tablet_state, "donated")
        self.assertEqual(tablet.out_of_fleet_date, date(2027, 7, 3))
        self.assertFalse(tablet.active, "the tablet leaves the fleet; its record is kept")
        self.assertEqual(refused.state, "active")

    def test_collège_separation_on_loans(self):
        loan = self._loan(self.pupil_alpha, self.tablets[0])
        with self.assertRaises(AccessError):
            loan.with_user(self.manager_b).read(["borrower_id"])
        other_referent = self.env["res.users"].create({
            "name": "Référent Beta", "login": "t_referent_beta", "company_id": self.dept_a.id,
            "company_ids": [(6, 0, self.dept_a.ids)], "tablet_college_ids": [(6, 0, self.college_beta.ids)],
            "groups_id": [(6, 0, self.env.ref("tablet_loan.group_college_referent").ids)],
        })
        with self.assertRaises(AccessError):
            loan.with_user(other_referent).read(["borrower_id"])
        with self.assertRaises(AccessError):
            loan.with_user(self.academy_user).read(["borrower_id"])
        with self.assertRaises(AccessError):
            loan.with_user(self.officer_a).write({"no_gift": True})
        self.assertFalse(loan.no_gift)

    def test_registered_letter_ends_the_loan(self):
        """R14: the legal representative may end the loan by registered letter."""
        loan = self._loan(self.pupil_alpha, self.tablets[0])
        loan.action_activate()
        wizard = Form(self.env["tablet.departure.wizard"].with_user(self.referent_alpha).with_context(
            active_model="tablet.loan", active_ids=loan.ids))
        self.assertEqual(wizard.reason, "letter")
        wizard.end_date = date(2027, 2, 1)
        wizard.save().action_confirm()
        self.assertEqual(loan.date_end, date(2027, 2, 1))
        self.assertFalse(self.pupil_alpha.leaving_date, "the pupil stays at the collège")
        self.assertIn("2027", loan.message_ids[0].body)
        loan._register_return(date(2027, 2, 1), "good", date(2027, 2, 1), {"cover", "charger", "cable"})
        with self.assertRaises(UserError):
            self.env["tablet.departure.wizard"].with_context(
                active_model="tablet.loan", active_ids=loan.ids).create({}).action_confirm()
