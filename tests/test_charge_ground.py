"""Issue 14: a charge to a family stands on a deliberation of the collège's CA (R24b).

A tariff is a deliberation: numbered, voted, in force from its date of effect; a charge
takes the deliberation in force on the date of the facts, not the school year's.
"""
from datetime import date, datetime, timedelta

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import TabletLoanCase


@tagged("post_install", "-at_install")
class TestChargeDeliberation(TabletLoanCase):
    """R24b: the deliberation in force on the date of the facts sets the amount and the cap."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._deployable(cls.college_alpha, cls.pupil_alpha)
        cls.tablets = cls._tablets(cls.college_alpha, 2)
        cls.loan = cls._loan(cls.pupil_alpha, cls.tablets[0], date_start=date(2026, 9, 1))
        cls.loan.action_activate()
        Tariff = cls.env["tablet.charge.tariff"]
        # Voted in June for the school year; a new deliberation voted on 10 November takes
        # effect on 20 November.
        cls.june = Tariff.create({
            "college_id": cls.college_alpha.id, "ca_deliberation_ref": "CA n° 4",
            "ca_deliberation_date": date(2026, 6, 12), "effective_date": date(2026, 9, 1),
            "line_ids": [Command.create({"case": "breakage", "fixed_amount": 50.0, "cap_amount": 100.0})],
        })
        cls.november = Tariff.create({
            "college_id": cls.college_alpha.id, "ca_deliberation_ref": "CA n° 9",
            "ca_deliberation_date": date(2026, 11, 10), "effective_date": date(2026, 11, 20),
            "line_ids": [Command.create({"case": "breakage", "fixed_amount": 80.0, "cap_amount": 120.0})],
        })

    def _incident(self, happened):
        incident = self.env["tablet.incident"].create({
            "incident_type": "breakage", "loan_id": self.loan.id, "event_datetime": happened,
            "declaration_datetime": happened + timedelta(hours=1),
        })
        incident.action_validate()
        return incident

    def test_tariff_in_force_on_the_date_of_the_facts(self):
        """Across a change of deliberation, older facts keep the older tariff; the school year
        does not choose."""
        Tariff = self.env["tablet.charge.tariff"]
        self.assertFalse(Tariff._find_line(self.college_alpha, date(2026, 8, 31), "breakage"),
                         "before the first date of effect, no tariff")
        self.assertEqual(Tariff._find_line(self.college_alpha, date(2026, 11, 19), "breakage").tariff_id, self.june)
        self.assertEqual(Tariff._find_line(self.college_alpha, date(2026, 11, 20), "breakage").tariff_id,
                         self.november)
        october = self._incident(datetime(2026, 10, 5, 10, 0))
        november = self._incident(datetime(2026, 11, 25, 10, 0))
        self.assertEqual((october.tariff_line_id.tariff_id, october.proposed_charge_amount, october.charge_cap),
                         (self.june, 50.0, 100.0))
        self.assertEqual((november.tariff_line_id.tariff_id, november.proposed_charge_amount, november.charge_cap),
                         (self.november, 80.0, 120.0))
        # Voted before the October facts but in force only after them: the October facts keep June's.
        self.assertEqual(self.env["tablet.charge"]._create_from_incident(october, "breakage").amount, 50.0)

    def test_effect_before_the_vote_is_refused(self):
        """A deliberation cannot take effect before its vote: refused, nothing changed."""
        with self.assertRaises(ValidationError) as err, self.cr.savepoint():
            self.november.write({"effective_date": date(2026, 11, 9)})
        self.assertIn("10/11/2026", str(err.exception), "the message names the vote")
        self.assertEqual(self.november.effective_date, date(2026, 11, 20))
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.env["tablet.charge.tariff"].create({
                "college_id": self.college_alpha.id, "ca_deliberation_ref": "CA n° 10",
                "ca_deliberation_date": date(2026, 12, 1), "effective_date": date(2026, 11, 30)})
        self.assertFalse(self.env["tablet.charge.tariff"].search([("ca_deliberation_ref", "=", "CA n° 10")]))

    def test_effect_defaults_to_the_vote(self):
        tariff = self.env["tablet.charge.tariff"].create({
            "college_id": self.college_alpha.id, "ca_deliberation_ref": "CA n° 11",
            "ca_deliberation_date": date(2026, 12, 1)})
        self.assertEqual(tariff.effective_date, date(2026, 12, 1))
        self.assertIn("CA n° 11", tariff.display_name)

    def test_negative_caps_and_amounts_are_refused(self):
        line = self.november.line_ids
        for vals in ({"cap_amount": -10.0}, {"fixed_amount": -5.0}, {"amount_type": "percent", "percentage": -1.0}):
            with self.subTest(vals=vals), self.assertRaises(ValidationError), self.cr.savepoint():
                line.write(vals)
        self.assertRecordValues(line, [{"amount_type": "fixed", "fixed_amount": 80.0, "cap_amount": 120.0}])
