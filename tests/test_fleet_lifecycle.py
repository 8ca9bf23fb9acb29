"""Issue 15 (items 1–3): a tablet's life as one state machine that cannot lose a tablet.

Each case of the issue, as the référent, the head and the Département's officers meet it:
a lost or stolen tablet stays so until it is found or written off (with its incident), a
refused repair comes back out of order for the Département to scrap, damage found at the
return opens an incident, a replacement is erased and working (R16), the warranty's end is
compared with the claim (R20), summer custody touches only the tablets at the collège (R13),
a leaving date ends the loan (R14), and the end-of-3e gift looks at the pupil's whole
history (R17). Refusals are asserted through the ORM and through JSON-RPC as the role that
must be refused; messages are asserted on what does not depend on the language (the tablets'
serial numbers, the rules), the French wording being merged with the translations.
"""
import base64
from datetime import date, datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import TabletLoanCase, execute_kw


@tagged("post_install", "-at_install")
class TestFleetLifecycle(HttpCase, TabletLoanCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pupil_3e, cls.rep_3e = cls._pupil_with_representative("Trois", cls.college_alpha, "3e", "3e A")
        cls.pupil_3e_b, _rep = cls._pupil_with_representative("Quatre", cls.college_alpha, "3e", "3e A")
        cls.pupil_5e, _rep = cls._pupil_with_representative("Cinq", cls.college_alpha, "5e", "5e A")
        cls.convention, cls.user_list = cls._deployable(
            cls.college_alpha, cls.pupil_alpha | cls.pupil_3e | cls.pupil_3e_b | cls.pupil_5e | cls.teacher_alpha)
        cls.supplier = cls.env["res.partner"].create({"name": "Tablettes Cycle (test)", "is_company": True})
        cls.supplier_user.partner_id.parent_id = cls.supplier
        cls.tablets = cls._tablets(cls.college_alpha, 8)
        cls.tablets.partner_id = cls.supplier
        # A second officer, made for this class: the Département's finance officer writes off.
        cls.finance_officer = new_test_user(
            cls.env, login="t_finance_a", groups="tablet_loan.group_department_officer",
            company_id=cls.dept_a.id, company_ids=[Command.set(cls.dept_a.ids)])

    # ------------------------------------------------------------------ helpers
    def _active(self, borrower, tablet):
        loan = self._loan(borrower, tablet)
        loan.action_activate()
        return loan

    def _incident(self, loan, incident_type, hours=5, validate=True):
        now = datetime.now().replace(microsecond=0)
        incident = self.env["tablet.incident"].with_user(self.referent_alpha).create({
            "incident_type": incident_type, "loan_id": loan.id,
            "event_datetime": now - timedelta(hours=hours), "declaration_datetime": now - timedelta(hours=1),
        })
        if incident_type == "theft":
            incident.complaint_attachment_ids = self.env["ir.attachment"].create({
                "name": "plainte.pdf", "datas": base64.b64encode(b"%PDF-1.4 plainte"),
                "res_model": "tablet.incident", "res_id": incident.id})
        if validate:
            incident.action_validate()
        return incident

    def _return(self, loan, user=None, **values):
        form = Form(self.env["tablet.return.wizard"].with_user(user or self.referent_alpha).with_context(
            active_model="tablet.loan", active_ids=loan.ids))
        form.date_return = fields.Date.today()
        for name, value in values.items():
            setattr(form, name, value)
        return form.save().action_confirm()

    def _lend(self, borrower, tablet):
        """A new loan of `tablet`, as the référent makes it: ("ok", loan) or the refusal."""
        try:
            with self.env.cr.savepoint():
                return "ok", self._loan(borrower, tablet)
        except UserError as exc:
            return "refused", str(exc)

    def _rpc(self, user, model, method, ids):
        return execute_kw(self, user, model, method, [ids])

    # --------------------------------------------------------- lost, stolen
    def test_closing_the_loan_of_a_lost_tablet_keeps_it_lost(self):
        """Issue 15: the loan of a lost tablet closes without it; the tablet stays lost, never back
        in stock, and cannot be lent again."""
        loan = self._active(self.pupil_alpha, self.tablets[0])
        self._incident(loan, "loss")
        self.assertEqual(self.tablets[0].tablet_state, "lost")
        # Another incident on the loan does not move a lost tablet either.
        self._incident(loan, "breakage", hours=4)
        self.assertEqual(self.tablets[0].tablet_state, "lost")
        self._return(loan)
        self.assertEqual(loan.state, "closed")
        self.assertEqual(self.tablets[0].tablet_state, "lost", "closing the loan does not find the tablet")
        self.assertFalse(loan.return_condition, "no checklist for a tablet not in hand")
        self.assertIn(self.tablets[0].serial_no, loan.message_ids[0].body)
        outcome, message = self._lend(self.pupil_5e, self.tablets[0])
        self.assertEqual(outcome, "refused")
        self.assertIn(self.tablets[0].serial_no, message)
        self.assertEqual(self.tablets[0].tablet_state, "lost")

    def test_write_off_a_stolen_tablet_on_its_incident(self):
        """Issue 15, R7, R19: a stolen tablet leaves the fleet by the Département's write-off, which
        cites its validated theft incident; the collège cannot write off; never while lent."""
        loan = self._active(self.pupil_alpha, self.tablets[0])
        theft = self._incident(loan, "theft")
        tablet = self.tablets[0]
        self.assertEqual(tablet.tablet_state, "stolen")
        # Still lent: the loan is closed (or the tablet replaced) first; nothing changes.
        with self.assertRaises(UserError) as err:
            tablet.with_user(self.finance_officer).action_write_off()
        self.assertIn(tablet.serial_no, str(err.exception))
        self.assertEqual((tablet.tablet_state, tablet.active), ("stolen", True))
        self._return(loan)
        # The collège does not take a tablet out of the Département's fleet.
        for user in (self.referent_alpha, self.head_alpha):
            with self.assertRaises(AccessError):
                tablet.with_user(user).action_write_off()
            name, _message = self._rpc(user, "maintenance.equipment", "action_write_off", tablet.ids)
            self.assertEqual(name, "odoo.exceptions.AccessError", user.login)
        self.assertEqual(tablet.tablet_state, "stolen")
        name, _message = self._rpc(self.finance_officer, "maintenance.equipment", "action_write_off", tablet.ids)
        self.assertEqual(name, "ok")
        tablet = tablet.with_context(active_test=False)
        tablet.invalidate_recordset()
        self.assertEqual(tablet.tablet_state, "written_off")
        self.assertFalse(tablet.active, "out of the fleet; the record is kept")
        self.assertEqual(tablet.out_of_fleet_date, fields.Date.today())
        self.assertEqual(tablet.exit_incident_id, theft)
        self.assertTrue(any("INC-%05d" % theft.id in message.body for message in tablet.message_ids))
        # Written off is final: no "found", no second write-off, no client write.
        with self.assertRaises(UserError):
            tablet.with_user(self.referent_alpha).action_mark_found()
        with self.assertRaises(AccessError):
            tablet.with_user(self.finance_officer).write({"tablet_state": "stock"})

    def test_write_off_in_a_fixed_number_of_queries(self):
        """A batch of write-offs takes no more queries for three tablets than for one."""
        tablets = self.tablets[:4]
        for borrower, tablet in zip((self.pupil_alpha, self.pupil_3e, self.pupil_3e_b, self.pupil_5e), tablets, strict=False):
            loan = self._active(borrower, tablet)
            self._incident(loan, "theft")
            self._return(loan)
        officer_tablets = tablets.with_user(self.finance_officer)
        counts = []
        for batch in (officer_tablets[:1], officer_tablets[1:]):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            batch.action_write_off()
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - before)
        self.assertLessEqual(counts[1], counts[0], f"queries for 1 and 3 tablets: {counts}")
        self.assertEqual(set(tablets.with_context(active_test=False).mapped("tablet_state")), {"written_off"})

    def test_write_off_without_an_incident_is_refused(self):
        """Bad input: a write-off without the validated incident of the loss or theft, or of a tablet
        that is not lost: an error naming the tablets, nothing changed."""
        lost, in_stock = self.tablets[1], self.tablets[2]
        lost.sudo().tablet_state = "lost"
        with self.assertRaises(UserError) as err:
            (lost | in_stock).with_user(self.finance_officer).action_write_off()
        self.assertIn(in_stock.serial_no, str(err.exception))
        self.assertNotIn(lost.serial_no, str(err.exception))
        with self.assertRaises(UserError) as err:
            lost.with_user(self.finance_officer).action_write_off()
        self.assertIn(lost.serial_no, str(err.exception))
        self.assertRegex(str(err.exception), "validated loss or theft|perte ou de vol validé")  # R19
        name, message = self._rpc(self.finance_officer, "maintenance.equipment", "action_write_off", lost.ids)
        self.assertEqual(name, "odoo.exceptions.UserError")
        self.assertIn(lost.serial_no, message)
        self.assertEqual((lost.tablet_state, lost.active, in_stock.tablet_state), ("lost", True, "stock"))
        self.assertFalse(lost.exit_incident_id)

    def test_found_only_from_lost_or_stolen_then_checked_back_in_stock(self):
        """Issue 15: "found" is the only way back for a lost tablet, and applies to nothing else; the
        found tablet is checked (erased, working: R16) before it goes back to stock."""
        loan = self._active(self.pupil_alpha, self.tablets[0])
        self._incident(loan, "loss")
        self._return(loan)
        tablet, in_stock = self.tablets[0], self.tablets[3]
        with self.assertRaises(UserError) as err:
            (tablet | in_stock).with_user(self.referent_alpha).action_mark_found()
        self.assertIn(in_stock.serial_no, str(err.exception))
        self.assertEqual((tablet.tablet_state, in_stock.tablet_state), ("lost", "stock"), "nothing changed")
        name, message = self._rpc(self.referent_alpha, "maintenance.equipment", "action_mark_found", in_stock.ids)
        self.assertEqual(name, "odoo.exceptions.UserError")
        self.assertIn(in_stock.serial_no, message)
        # The collège's accountant and the Académie do not move tablets.
        for user in (self.accountant_alpha, self.academy_user):
            name, _message = self._rpc(user, "maintenance.equipment", "action_mark_found", tablet.ids)
            self.assertEqual(name, "odoo.exceptions.AccessError", user.login)
        tablet.with_user(self.referent_alpha).action_mark_found()
        self.assertEqual(tablet.tablet_state, "found")
        self.assertEqual(self._lend(self.pupil_5e, tablet)[0], "refused", "checked before it is lent again")
        tablet.with_user(self.referent_alpha).action_put_in_stock()
        self.assertEqual(tablet.tablet_state, "stock")
        self.assertEqual(self._lend(self.pupil_5e, tablet)[0], "ok")

    def test_found_while_still_lent_comes_back_through_the_return(self):
        """A tablet found while its loan is open comes back by the loan's return, checked as any."""
        loan = self._active(self.pupil_alpha, self.tablets[0])
        self._incident(loan, "loss")
        self.tablets[0].with_user(self.head_alpha).action_mark_found()
        with self.assertRaises(UserError) as err:
            self.tablets[0].with_user(self.referent_alpha).action_put_in_stock()
        self.assertIn(self.tablets[0].serial_no, str(err.exception))
        self._return(loan)
        self.assertEqual((loan.state, self.tablets[0].tablet_state), ("closed", "stock"))

    # ------------------------------------------------------- refused repair
    def test_refused_repair_comes_back_out_of_order_and_is_scrapped(self):
        """Issue 15: a tablet the supplier refused to repair comes back out of order, not "in repair"
        for ever; the Département scraps it once no loan holds it (R7, R20)."""
        loan = self._active(self.pupil_alpha, self.tablets[0])
        incident = self._incident(loan, "failure")
        claim = self.env["tablet.warranty.claim"].with_user(self.referent_alpha).create({
            "incident_id": incident.id, "fault_type": "component", "fault_description": "Écran noir."})
        claim.action_send()
        self.assertEqual(self.tablets[0].tablet_state, "repair")
        as_supplier = claim.with_user(self.supplier_user)
        as_supplier.write({"rma_number": "RMA-15", "answer": "refused", "refusal_reason": "Oxydation."})
        as_supplier.action_record_answer()
        as_supplier.action_mark_returned()
        tablet = self.tablets[0]
        self.assertEqual(tablet.tablet_state, "out_of_order")
        # Still lent: the head's replacement (or the return) frees it first.
        with self.assertRaises(UserError) as err:
            tablet.with_user(self.officer_a).action_scrap()
        self.assertIn(tablet.serial_no, str(err.exception))
        self._return(loan)
        self.assertEqual((loan.state, tablet.tablet_state), ("closed", "out_of_order"), "not back in stock")
        for user in (self.referent_alpha, self.head_alpha):
            name, _message = self._rpc(user, "maintenance.equipment", "action_scrap", tablet.ids)
            self.assertEqual(name, "odoo.exceptions.AccessError", user.login)
        with self.assertRaises(UserError) as err:
            (tablet | self.tablets[4]).with_user(self.officer_a).action_scrap()
        self.assertIn(self.tablets[4].serial_no, str(err.exception))
        self.assertEqual(tablet.tablet_state, "out_of_order", "nothing changed")
        tablet.with_user(self.officer_a).action_scrap()
        tablet = tablet.with_context(active_test=False)
        self.assertEqual((tablet.tablet_state, tablet.active), ("scrapped", False))
        self.assertEqual(tablet.out_of_fleet_date, fields.Date.today())

    def test_refused_repair_charged_per_the_incident_then_scrapped(self):
        """Issue 15, R23, R24b: after a refused repair of a breakage, the head replaces the tablet from
        stock with a financial counterpart on the incident; the old tablet, free, is scrapped."""
        self.env["tablet.charge.tariff"].create({
            "college_id": self.college_alpha.id, "ca_deliberation_ref": "CA n° 15",
            "ca_deliberation_date": date(2026, 1, 5), "effective_date": date(2026, 1, 5),
            "line_ids": [Command.create({"case": "breakage", "fixed_amount": 50.0, "cap_amount": 150.0})]})
        loan = self._active(self.pupil_alpha, self.tablets[0])
        incident = self._incident(loan, "breakage")
        claim = self.env["tablet.warranty.claim"].with_user(self.referent_alpha).create({
            "incident_id": incident.id, "fault_type": "component", "fault_description": "Écran noir."})
        claim.action_send()
        as_supplier = claim.with_user(self.supplier_user)
        as_supplier.write({"rma_number": "RMA-16", "answer": "refused", "refusal_reason": "Choc visible."})
        as_supplier.action_record_answer()
        as_supplier.action_mark_returned()
        self.assertEqual(self.tablets[0].tablet_state, "out_of_order")
        incident.with_user(self.referent_alpha).write({
            "decision": "replace", "qualification": "negligence", "replacement_equipment_id": self.tablets[5].id,
            "counterpart_charge": True, "charge_amount": 50.0})
        incident.with_user(self.head_alpha).action_decide()
        self.assertEqual(loan.equipment_id, self.tablets[5])
        self.assertEqual(self.tablets[5].tablet_state, "assigned")
        self.assertEqual(incident.sudo().charge_id.amount, 50.0)
        self.assertEqual(self.tablets[0].tablet_state, "out_of_order", "the old tablet stays out of order")
        self.tablets[0].with_user(self.officer_a).action_scrap()
        self.assertEqual(self.tablets[0].with_context(active_test=False).tablet_state, "scrapped")

    # ------------------------------------------------------ return checklist
    def test_damage_found_at_return_opens_an_incident(self):
        """Issue 15, R16: the return's checklist; damage found opens an incident from the return
        itself, which goes on as any incident (validation, warranty claim)."""
        loan = self._active(self.pupil_alpha, self.tablets[0])
        action = self._return(loan, condition="damaged", powers_on=True, mdm_released=True,
                              note="Écran fissuré dans l'angle.")
        self.assertEqual(loan.state, "closed")
        self.assertTrue(loan.returned_powers_on)
        self.assertTrue(loan.returned_mdm_released)
        incident = loan.incident_ids
        self.assertEqual(len(incident), 1)
        self.assertEqual((incident.incident_type, incident.state), ("breakage", "declared"))
        self.assertEqual(action["res_model"], "tablet.incident")
        self.assertEqual(action["res_id"], incident.id, "the wizard opens the incident to follow it")
        self.assertFalse(incident.late_declaration, "declared by the return itself")
        self.assertIn("Écran fissuré", incident.circumstances)
        self.assertEqual(self.tablets[0].tablet_state, "out_of_order")
        self.assertEqual(self._lend(self.pupil_5e, self.tablets[0])[0], "refused")
        incident.with_user(self.referent_alpha).action_validate()
        claim = self.env["tablet.warranty.claim"].with_user(self.referent_alpha).create({
            "incident_id": incident.id, "fault_type": "component", "fault_description": "Écran."})
        self.assertTrue(claim.eligible)

    def test_tablet_that_does_not_power_on_nor_released_waits(self):
        """A tablet that does not power on opens a failure; not released from the MDM, the loan waits
        for its erasure (R10, R16)."""
        loan = self._active(self.pupil_alpha, self.tablets[0])
        self._return(loan, condition="good", powers_on=False, mdm_released=False)
        self.assertEqual(loan.state, "returned", "closed once erased and released from the MDM")
        self.assertEqual(loan.incident_ids.incident_type, "failure")
        self.assertEqual(self.tablets[0].tablet_state, "out_of_order")
        loan.with_user(self.referent_alpha).action_confirm_data_wiped()
        self.assertEqual((loan.state, loan.returned_mdm_released), ("closed", True))
        # The checklist is the return's: no client writes it.
        name, _message = execute_kw(self, self.referent_alpha, "tablet.loan", "write",
                                    [loan.ids, {"returned_powers_on": True}])
        self.assertEqual(name, "odoo.exceptions.AccessError")

    def test_replacement_must_be_erased_and_working(self):
        """Issue 15, R16: the head's replacement comes from stock, erased and in working order."""
        old_loan = self._active(self.pupil_5e, self.tablets[1])
        self._return(old_loan, data_wiped=False)
        self.assertEqual(old_loan.state, "returned", "data not erased yet")
        loan = self._active(self.pupil_alpha, self.tablets[0])
        incident = self._incident(loan, "breakage")
        incident.with_user(self.referent_alpha).write({
            "decision": "replace", "qualification": "accident", "replacement_equipment_id": self.tablets[1].id})
        with self.assertRaises(UserError) as err:
            incident.with_user(self.head_alpha).action_decide()
        self.assertIn(self.tablets[1].serial_no, str(err.exception))
        self.assertRegex(str(err.exception), "not been erased|pas été effacée")  # R16
        name, message = self._rpc(self.head_alpha, "tablet.incident", "action_decide", incident.ids)
        self.assertEqual(name, "odoo.exceptions.UserError")
        self.assertRegex(message, "not been erased|pas été effacée")
        self.assertEqual((loan.equipment_id, incident.decision_date), (self.tablets[0], False), "nothing changed")
        old_loan.with_user(self.referent_alpha).action_confirm_data_wiped()
        incident.with_user(self.head_alpha).action_decide()
        self.assertEqual(loan.equipment_id, self.tablets[1])

    # ------------------------------------------------------------- warranty
    def test_claim_after_the_warranty_end_is_not_eligible(self):
        """R20: the claim's date is compared with the tablet's warranty end; the reason is shown."""
        loan = self._active(self.pupil_alpha, self.tablets[0])
        incident = self._incident(loan, "failure")
        self.tablets[0].with_user(self.officer_a).warranty_date = date(2026, 6, 30)
        form = Form(self.env["tablet.warranty.claim"].with_user(self.referent_alpha))
        form.incident_id = incident
        form.fault_type = "component"
        form.claim_date = date(2026, 11, 2)
        claim = form.save()
        self.assertFalse(claim.eligible)
        self.assertRegex(claim.ineligibility_reason, "before the claim|avant la demande")  # R20
        self.assertIn("2026", claim.ineligibility_reason)
        with self.assertRaises(UserError) as err:
            claim.with_user(self.referent_alpha).action_send()
        self.assertRegex(str(err.exception), "before the claim|avant la demande")
        name, _message = self._rpc(self.referent_alpha, "tablet.warranty.claim", "action_send", claim.ids)
        self.assertEqual(name, "odoo.exceptions.UserError")
        self.assertEqual(claim.state, "draft")
        # Claimed while the warranty ran, it is eligible.
        claim.with_user(self.referent_alpha).claim_date = date(2026, 6, 15)
        self.assertTrue(claim.eligible)

    # -------------------------------------------------------------- custody
    def test_custody_touches_only_tablets_at_the_college(self):
        """R13, issue 15: summer custody keeps the lent tablets handed in, never a lost or stolen one
        nor one at the supplier; the rentrée does not make those "assigned"."""
        kept = self._active(self.pupil_alpha, self.tablets[0])
        lost = self._active(self.pupil_3e, self.tablets[1])
        at_supplier = self._active(self.pupil_5e, self.tablets[2])
        self._incident(lost, "loss")
        self._incident(at_supplier, "failure")
        self.assertEqual(self.tablets[2].tablet_state, "repair")
        with self.assertRaises(UserError) as err:
            lost.with_user(self.referent_alpha).action_custody()
        self.assertIn(self.tablets[1].serial_no, str(err.exception))
        name, _message = self._rpc(self.referent_alpha, "tablet.loan", "action_custody", lost.ids)
        self.assertEqual(name, "odoo.exceptions.UserError")
        form = Form(self.env["tablet.custody.wizard"].with_user(self.referent_alpha))
        form.college_id = self.college_alpha
        self.assertEqual(form.loan_count, 1, "only the tablet with its pupil")
        form.save().action_apply()
        self.assertEqual((kept.state, self.tablets[0].tablet_state), ("custody", "custody"))
        self.assertEqual((lost.state, self.tablets[1].tablet_state), ("active", "lost"))
        self.assertEqual((at_supplier.state, self.tablets[2].tablet_state), ("active", "repair"))
        back = Form(self.env["tablet.custody.wizard"].with_user(self.referent_alpha))
        back.college_id = self.college_alpha
        back.direction = "back"
        back.save().action_apply()
        self.assertEqual((kept.state, self.tablets[0].tablet_state), ("active", "assigned"))
        self.assertEqual(self.tablets[1].tablet_state, "lost")
        self.assertEqual(self.tablets[2].tablet_state, "repair")

    def test_bulk_custody_leaves_missing_tablets_alone(self):
        """The campaigns' set-based path (R13) moves only the tablets that follow their loan."""
        kept = self._active(self.pupil_alpha, self.tablets[0])
        stolen = self._active(self.pupil_3e, self.tablets[1])
        self.tablets[1].sudo().tablet_state = "stolen"
        (kept | stolen)._bulk_set_state("custody")
        self.assertEqual(self.tablets[0].tablet_state, "custody")
        self.assertEqual(self.tablets[1].tablet_state, "stolen")
        (kept | stolen)._bulk_set_state("active")
        self.assertEqual(self.tablets[0].tablet_state, "assigned")
        self.assertEqual(self.tablets[1].tablet_state, "stolen")

    # ------------------------------------------------------------ departures
    def test_leaving_date_ends_the_loan_and_asks_for_the_tablet(self):
        """R14: a leaving date typed on the pupil's form ends the loan that day (daily job) and the
        référent gets an activity to get the tablet back; a draft is cancelled."""
        leaving = self._active(self.pupil_alpha, self.tablets[0])
        staying = self._active(self.pupil_5e, self.tablets[1])
        draft = self._loan(self.pupil_3e, self.tablets[2])
        yesterday = fields.Date.today() - timedelta(days=1)
        form = Form(self.pupil_alpha.with_user(self.referent_alpha))
        form.leaving_date = yesterday
        form.save()
        self.pupil_3e.with_user(self.referent_alpha).leaving_date = fields.Date.today()
        self.assertFalse(leaving.date_end, "nothing until the daily job")
        self.env["tablet.loan"]._cron_end_loans_of_leavers()
        self.assertEqual(leaving.date_end, yesterday)
        self.assertFalse(draft.exists(), "the draft never handed over is cancelled")
        self.assertEqual(self.tablets[2].tablet_state, "stock")
        self.assertFalse(staying.date_end)
        activity = leaving.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("tablet_loan.mail_activity_loan_overdue_return"))
        self.assertEqual(activity.user_id, self.referent_alpha)
        # Run again (the next day): nothing twice.
        self.env["tablet.loan"]._cron_end_loans_of_leavers()
        self.env["tablet.loan"]._cron_overdue_returns()
        self.assertEqual(len(leaving.activity_ids), 1)

    # ----------------------------------------------------------------- gift
    def test_gift_looks_at_the_whole_history_and_the_tablet(self):
        """R17, issue 15: the gift needs the tablet with the pupil in working order, a pupil who has
        not left, and no fault over all the pupil's loans, not only the current one."""
        # Pupil 3e: a fault on an earlier loan, replaced since, and a clean current loan.
        earlier = self._active(self.pupil_3e, self.tablets[0])
        incident = self._incident(earlier, "breakage")
        incident.with_user(self.referent_alpha).write({"decision": "no_replacement", "qualification": "negligence"})
        incident.with_user(self.head_alpha).action_decide()
        incident.with_user(self.referent_alpha).action_close()
        self._return(earlier)
        at_fault = self._active(self.pupil_3e, self.tablets[1])
        # Pupil 3e b: left the collège yesterday without returning the tablet.
        left = self._active(self.pupil_3e_b, self.tablets[2])
        self.pupil_3e_b.leaving_date = fields.Date.today() - timedelta(days=1)
        refusals = (at_fault | left)._gift_refusals()
        self.assertRegex(refusals[left], "without returning|sans restituer")  # R14
        self.assertIn(at_fault, refusals)
        form = Form(self.env["tablet.gift.wizard"].with_user(self.head_alpha))
        form.college_id = self.college_alpha
        wizard = form.save()
        self.assertFalse(wizard.line_ids.filtered("eligible"), "neither is offered the gift")
        # The same pupil, clean history, but the tablet is lost: no gift either.
        self.pupil_3e_b.leaving_date = False
        self.tablets[2].sudo().tablet_state = "lost"
        self.assertIn(left, left._gift_refusals())
        self.tablets[2].sudo().tablet_state = "assigned"
        self.assertFalse(left._gift_refusals(), "a pupil who managed it responsibly keeps it")

    def test_gift_offered_after_a_good_return_at_the_end_of_the_year(self):
        """R17, issue 15: a 3e pupil who returned the tablet in good order (working, erased, released
        from the MDM) is offered the gift as one who kept it; not after a damaged or unerased return,
        nor once the tablet went to someone else; the whole history still counts."""
        returned = self._active(self.pupil_3e, self.tablets[0])
        self._return(returned)
        self.assertEqual((returned.state, self.tablets[0].tablet_state), ("closed", "stock"))
        # Not erased yet: the loan waits "returned", no gift.
        unerased = self._active(self.pupil_3e_b, self.tablets[1])
        self._return(unerased, data_wiped=False)
        self.assertEqual(unerased.state, "returned")
        form = Form(self.env["tablet.gift.wizard"].with_user(self.head_alpha))
        form.college_id = self.college_alpha
        wizard = form.save()
        self.assertEqual(wizard.line_ids.filtered("eligible").loan_id, returned)
        self.assertNotIn(unerased, wizard.line_ids.loan_id, "a loan waiting for its erasure is not offered")
        wizard.action_confirm()
        tablet = self.tablets[0].with_context(active_test=False)
        self.assertEqual((returned.state, returned.donated_date), ("donated", fields.Date.today()))
        self.assertFalse(returned.date_end, "the gift after a return leaves the loan's end as it was")
        self.assertEqual((tablet.tablet_state, tablet.active), ("donated", False))

    def test_gift_after_a_return_refused_when_damaged_relent_or_at_fault(self):
        """R16, R17: the returned tablet must have come back working and erased, still be the one
        in stock from that loan, and the pupil hold no other tablet."""
        damaged = self._active(self.pupil_3e, self.tablets[0])
        self._return(damaged, condition="damaged")
        self.assertIn(damaged, damaged._gift_refusals(), "damaged at the return: no gift")
        relent = self._active(self.pupil_3e_b, self.tablets[1])
        self._return(relent)
        self.assertFalse(relent._gift_refusals(), "returned in good order: offered")
        self._active(self.pupil_5e, self.tablets[1])
        self.assertIn(relent, relent._gift_refusals(), "the tablet went to another pupil")
        # A pupil who holds another tablet is given that one, not the returned one.
        self._return(self.env["tablet.loan"].search([("equipment_id", "=", self.tablets[1].id),
                                                     ("state", "=", "active")]))
        second = self._active(self.pupil_3e_b, self.tablets[2])
        refusals = (relent | second)._gift_refusals()
        self.assertIn(relent, refusals)
        self.assertNotIn(second, refusals)
        # The gift wizard refuses a returned loan it was sent in a client's line, as the head.
        with self.assertRaises(UserError):
            relent.with_user(self.head_alpha)._donate(fields.Date.today())
        self.assertEqual(relent.state, "closed")

    # ------------------------------------------------------ back from repair
    def test_back_from_repair_when_no_claim_is_at_the_supplier(self):
        """Issue 15: a tablet "in repair" whose claim was cancelled (or never sent) comes back out of
        order at the collège, then in stock once checked; refused while a claim is at the supplier,
        and for the roles that do not act on the fleet."""
        loan = self._active(self.pupil_alpha, self.tablets[0])
        incident = self._incident(loan, "failure")
        tablet = self.tablets[0]
        claim = self.env["tablet.warranty.claim"].with_user(self.referent_alpha).create({
            "incident_id": incident.id, "fault_type": "component", "fault_description": "Écran noir."})
        claim.action_send()
        self.assertEqual(tablet.tablet_state, "repair")
        with self.assertRaises(UserError) as err:
            tablet.with_user(self.referent_alpha).action_back_from_repair()
        self.assertIn(tablet.serial_no, str(err.exception))
        name, message = self._rpc(self.referent_alpha, "maintenance.equipment", "action_back_from_repair",
                                  tablet.ids)
        self.assertEqual(name, "odoo.exceptions.UserError")
        self.assertIn(tablet.serial_no, message)
        self.assertEqual(tablet.tablet_state, "repair", "nothing changed")
        claim.with_user(self.referent_alpha).action_cancel()
        for user in (self.officer_a, self.accountant_alpha, self.academy_user):
            name, _message = self._rpc(user, "maintenance.equipment", "action_back_from_repair", tablet.ids)
            self.assertEqual(name, "odoo.exceptions.AccessError", user.login)
        self.assertEqual(tablet.tablet_state, "repair")
        name, _message = self._rpc(self.referent_alpha, "maintenance.equipment", "action_back_from_repair",
                                   tablet.ids)
        self.assertEqual(name, "ok")
        tablet.invalidate_recordset()
        self.assertEqual(tablet.tablet_state, "out_of_order")
        # Only a tablet in repair comes back from it.
        with self.assertRaises(UserError):
            tablet.with_user(self.referent_alpha).action_back_from_repair()
        self._return(loan)
        tablet.with_user(self.referent_alpha).action_put_in_stock()
        self.assertEqual(tablet.tablet_state, "stock")

    def test_replacement_list_leaves_out_unerased_tablets(self):
        """R16, issue 15: the incident form offers as replacement only tablets of the stock whose
        data was erased at their last return."""
        erased = self._active(self.pupil_3e, self.tablets[0])
        self._return(erased)
        unerased = self._active(self.pupil_3e_b, self.tablets[1])
        self._return(unerased, data_wiped=False)
        self.assertEqual(self.tablets[1].tablet_state, "stock")
        self.assertTrue(self.tablets[1].data_to_erase)
        self.assertFalse(self.tablets[0].data_to_erase)
        loan = self._active(self.pupil_alpha, self.tablets[2])
        incident = self._incident(loan, "breakage")
        Tablet = self.env["maintenance.equipment"].with_user(self.head_alpha)
        domain = incident._fields["replacement_equipment_id"].domain
        offered = Tablet.search([("is_tablet", "=", True), ("college_id", "=", self.college_alpha.id),
                                 ("tablet_state", "=", "stock"), ("data_to_erase", "=", False)])
        self.assertIn("data_to_erase", domain)
        self.assertIn(self.tablets[0], offered)
        self.assertNotIn(self.tablets[1], offered)
        self.assertIn(self.tablets[1], Tablet.search([("data_to_erase", "=", True)]))
        unerased.with_user(self.referent_alpha).action_confirm_data_wiped()
        self.assertIn(self.tablets[1], Tablet.search([("data_to_erase", "!=", True),
                                                      ("id", "=", self.tablets[1].id)]))
