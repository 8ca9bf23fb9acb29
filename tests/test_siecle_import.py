import base64
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import TabletLoanCase, execute_kw, gen_siecle

ALPHA_UAI = "0380027Y"


class SiecleCase(TabletLoanCase):
    """Issue 16: the files of collège Alpha, made by tools/gen_siecle.py in the real format."""

    def _wizard(self, user, files, school_year="2026-2027", college=None):
        """The wizard as `user` fills it in the form: collège, year, then the files in any order."""
        with Form(self.env["tablet.siecle.import"].with_user(user)) as form:
            form.college_id = college or self.college_alpha
            form.school_year = school_year
            for index, content in enumerate(files.values(), start=1):
                setattr(form, f"file_{index}", base64.b64encode(content))
        # The browser's binary widget sends the file names with the files.
        form.record.write({f"filename_{index}": name for index, name in enumerate(files, start=1)})
        return form.record

    def _import(self, user, files, school_year="2026-2027"):
        wizard = self._wizard(user, files, school_year)
        wizard.action_preview()
        self.assertFalse(wizard.blocking, wizard.problems)
        wizard.action_apply()
        return wizard

    def _pupil(self, eleve_id):
        return self.env["res.partner"].with_context(active_test=False).search([
            ("siecle_college_id", "=", self.college_alpha.id), ("siecle_eleve_id", "=", str(eleve_id))])


@tagged("post_install", "-at_install")
class TestSiecleImport(SiecleCase):

    def test_first_import_iso_8859_15_zip(self):
        """ISO-8859-15 files, ElevesSansAdresses in its ZIP: pupils with class and level, their legal
        representatives (two or one) with address and contacts, staff with their role (R3, R8, R11)."""
        files = gen_siecle.files(ALPHA_UAI, 2026, 8, zip_eleves=True)
        wizard = self._wizard(self.head_alpha, files)
        wizard.action_preview()
        self.assertEqual(wizard.state, "preview")
        self.assertEqual((wizard.arrival_count, wizard.departure_count, wizard.change_count),
                         (8, 1, 0), "pupil 1 arrives with a leaving date in February")
        self.assertEqual(wizard.representative_count, 12)  # 4 pupils with two, 4 with one
        self.assertEqual(wizard.staff_count, 4)
        self.assertFalse(wizard.blocking, wizard.problems)
        self.assertFalse(self._pupil(100000), "the preview writes nothing")
        # R29: what SIECLE holds and the loan does not use is named, never stored.
        for tag in ("DATE_NAISS", "VILLE_NAISS", "CODE_NATIONALITE", "BOURSIER", "ID_NATIONAL", "DATE_NAISSANCE"):
            self.assertIn(tag, wizard.left_out)
        self.assertIn("NIVEAU_RESPONSABILITE 2", wizard.left_out, "the contact of pupil 0 is left out")
        wizard.action_apply()

        first = self._pupil(100000)
        self.assertEqual((first.name, first.school_role, first.school_class, first.grade_level),
                         ("Élodie Lefèvre", "pupil", "6A", "6e"))
        self.assertEqual(first.college_id, self.college_alpha)
        self.assertEqual(len(first.legal_representative_ids), 2)
        mother = first.legal_representative_ids.filtered(lambda r: r.siecle_personne_id == "500000")
        self.assertEqual((mother.name, mother.street, mother.zip, mother.city, mother.email),
                         ("Sophie Lefèvre", "1 rue de l'Église", "38000", "GRENOBLE",
                          "famille.500000@example.invalid"))
        self.assertEqual(mother.school_role, "legal_representative")
        self.assertNotIn("VOISIN", " ".join(first.legal_representative_ids.mapped("name")), "a contact is no parent")
        second = self._pupil(100001)
        self.assertEqual((second.name, second.grade_level, second.school_class), ("Jérôme Cœur", "5e", "5B"))
        self.assertEqual(len(second.legal_representative_ids), 1)
        self.assertEqual(second.leaving_date, date(2027, 2, 15), "the DATE_SORTIE of SIECLE (R14)")
        self.assertEqual(second.arrival_date, date(2025, 9, 2), "the DATE_ENTREE of SIECLE (R8)")
        staff = self.env["res.partner"].search([("siecle_college_id", "=", self.college_alpha.id),
                                                ("sts_individu_id", "!=", False)])
        self.assertEqual(sorted(staff.mapped("school_role")), ["head", "staff", "teacher", "teacher"])
        self.assertIn("Hélène Brémond", staff.mapped("name"))
        # Nothing of R29's list reaches the database: the representative carries no profession or work phone.
        self.assertNotIn("04 76 99 99 99", (mother.phone, mother.mobile))
        self.assertIn("SIECLE", self.college_alpha.message_ids[0].body)

        # The same files again: nothing changes, nothing is counted twice.
        wizard = self._wizard(self.head_alpha, files)
        wizard.action_preview()
        self.assertEqual((wizard.arrival_count, wizard.departure_count, wizard.change_count), (0, 0, 0))
        count = self.env["res.partner"].search_count([("siecle_college_id", "=", self.college_alpha.id)])
        wizard.action_apply()
        self.assertEqual(self.env["res.partner"].search_count([("siecle_college_id", "=", self.college_alpha.id)]),
                         count)

    def test_utf8_and_pre_2018_resp_legal(self):
        """UTF-8 files and the RESP_LEGAL of files before 2018 give the same people, accents intact."""
        files = gen_siecle.files(ALPHA_UAI, 2026, 4, encoding="UTF-8", resp_legal=True)
        self._import(self.referent_alpha, files)
        first = self._pupil(100000)
        self.assertEqual(first.name, "Élodie Lefèvre")
        self.assertEqual(len(first.legal_representative_ids), 2)
        self.assertEqual(first.legal_representative_ids.mapped("city"), ["GRENOBLE", "GRENOBLE"])

    def test_next_year_arrivals_departures_and_loans_ended(self):
        """The next year's files: new 6e arrive, 3e and the pupil who left are gone, the others go up
        a class; the loans of those gone end on the export's day and the référent is asked for the
        tablets (R8, R14)."""
        self._import(self.head_alpha, gen_siecle.files(ALPHA_UAI, 2025, 8, base_year=2025), "2025-2026")
        leaver, third, first = self._pupil(100001), self._pupil(100003), self._pupil(100000)
        self.assertEqual(leaver.leaving_date, date(2026, 2, 15))
        self.assertEqual(third.grade_level, "3e")
        self._deployable(self.college_alpha, third | first)
        tablets = self._tablets(self.college_alpha, 2)
        loans = self._loan(third, tablets[0]) | self._loan(first, tablets[1])
        loans.action_activate()

        wizard = self._wizard(self.head_alpha, gen_siecle.files(ALPHA_UAI, 2026, 8, base_year=2025), "2026-2027")
        wizard.action_preview()
        # Arrivals: two new 6e; departures: the two 3e (the February leaver had already left).
        self.assertEqual((wizard.arrival_count, wizard.departure_count), (2, 2), wizard.problems)
        self.assertEqual(wizard.change_count, 5, "the five pupils still there went up a class")
        wizard.action_apply()

        self.assertEqual(third.leaving_date, date(2026, 9, 1), "gone from the file: leaves on the export's day")
        self.assertEqual(third.college_id, self.college_alpha, "people who left are kept, with their leaving date")
        self.assertEqual(loans[0].date_end, date(2026, 9, 1), "R14: the loan ends the day the pupil leaves")
        activity = self.env["mail.activity"].search([("res_model", "=", "tablet.loan"), ("res_id", "=", loans[0].id)])
        self.assertEqual(activity.activity_type_id, self.env.ref("tablet_loan.mail_activity_loan_overdue_return"))
        self.assertFalse(loans[1].date_end, "a pupil still there keeps the tablet")
        self.assertEqual((first.grade_level, first.school_class), ("5e", "5A"))
        self.assertTrue(self._pupil(100008), "a new 6e, new ELEVE_ID")
        self.assertEqual(leaver.leaving_date, date(2026, 2, 15), "an earlier departure keeps its date")

    def test_next_year_representatives_known_and_new(self):
        """The next year's files link the pupils still there to their known representatives and the
        new 6e to new ones, created by the import; a representative typed by hand stays. The people
        imported have no salesperson (given empty to create(), not precomputed one by one)."""
        self._import(self.head_alpha, gen_siecle.files(ALPHA_UAI, 2025, 8, base_year=2025), "2025-2026")
        first = self._pupil(100000)
        by_hand = self.env["res.partner"].create({"name": "Tante Alpha", "school_role": "legal_representative",
                                                  "company_id": self.dept_a.id})
        first.legal_representative_ids = [Command.link(by_hand.id)]
        known = first.legal_representative_ids - by_hand
        self.assertEqual(sorted(known.mapped("siecle_personne_id")), ["500000", "500001"])

        self._import(self.head_alpha, gen_siecle.files(ALPHA_UAI, 2026, 8, base_year=2025), "2026-2027")
        self.assertEqual(first.legal_representative_ids, known | by_hand, "the same records, the hand link kept")
        self.assertEqual(sorted(self._pupil(100008).legal_representative_ids.mapped("siecle_personne_id")),
                         ["500016", "500017"])
        self.assertEqual(self._pupil(100009).legal_representative_ids.mapped("siecle_personne_id"), ["500018"])
        imported = self.env["res.partner"].with_context(active_test=False).search([
            ("siecle_college_id", "=", self.college_alpha.id)])
        self.assertEqual(len(imported.filtered("siecle_personne_id")), 15, "12 known, 3 new, none twice")
        self.assertFalse(imported.user_id)

    def test_payment_defaults_in_one_creation(self):
        """A creation of many people passes every default of a partner, payment settings included:
        nobody's choice, accepted from a référent (who sets no payment settings), even when the
        defaults are read once for the whole creation; a payment setting of its own is refused."""
        Partner = self.env["res.partner"].with_user(self.referent_alpha)
        defaults = Partner.default_get(["tablet_payment_days", "tablet_reminder_first_days"])
        people = Partner.create([
            {"name": f"Élève {index}", "school_role": "pupil", "college_id": self.college_alpha.id,
             "grade_level": "6e", **defaults} for index in range(3)])
        self.assertEqual(people.mapped("tablet_payment_days"), [defaults["tablet_payment_days"]] * 3)
        with self.assertRaises(AccessError) as refused:
            Partner.create([
                {"name": "Élève 3", "school_role": "pupil", "college_id": self.college_alpha.id, **defaults},
                {"name": "Élève 4", "school_role": "pupil", "college_id": self.college_alpha.id, **defaults,
                 "tablet_payment_days": defaults["tablet_payment_days"] + 1}])
        label = Partner._fields["tablet_payment_days"].get_description(Partner.env)["string"]
        self.assertTrue(str(refused.exception).startswith(label), "the payment term named, and it only")

    def test_problems_listed_and_nothing_written(self):
        """Another collège's files, another year, a representative of an unknown pupil, a duplicate
        ELEVE_ID: every problem listed in the preview, Apply refused, nothing written."""
        files = gen_siecle.files("0130040Y", 2025, 4)
        responsables = files["ResponsablesAvecAdresses.xml"].replace(
            b"<ELEVE_ID>100002</ELEVE_ID>", b"<ELEVE_ID>999999</ELEVE_ID>", 1)
        eleves = files["ElevesSansAdresses.xml"].replace(b'ELEVE_ID="100003"', b'ELEVE_ID="100000"', 1)
        wizard = self._wizard(self.head_alpha, {"ElevesSansAdresses.xml": eleves,
                                                "ResponsablesAvecAdresses.xml": responsables})
        wizard.action_preview()
        self.assertTrue(wizard.blocking)
        for expected in ("0130040Y", "0380027Y", "2025-2026", "999999", "ELEVE_ID 100000"):
            self.assertIn(expected, wizard.problems)
        with self.assertRaises(UserError) as refusal:
            wizard.action_apply()
        self.assertIn("999999", str(refusal.exception))
        self.assertFalse(self.env["res.partner"].search_count([("siecle_college_id", "=", self.college_alpha.id)]))

    def test_pupil_without_representative_is_a_warning(self):
        files = gen_siecle.files(ALPHA_UAI, 2026, 2)
        files["ResponsablesAvecAdresses.xml"] = files["ResponsablesAvecAdresses.xml"].replace(
            b"<ELEVE_ID>100001</ELEVE_ID><PERSONNE_ID>500002</PERSONNE_ID>",
            b"<ELEVE_ID>100000</ELEVE_ID><PERSONNE_ID>500002</PERSONNE_ID>")
        wizard = self._wizard(self.head_alpha, files)
        wizard.action_preview()
        self.assertFalse(wizard.blocking)
        self.assertIn("100001", wizard.problems)
        self.assertRegex(wizard.problems, "cannot be signed|ne pourra pas être signé")  # R11

    def test_unreadable_files_name_the_file(self):
        """Truncated, not XML, an encoding other than declared, a ZIP without the export: refused with
        the file's name (and line), nothing written."""
        good = gen_siecle.eleves_xml(ALPHA_UAI, 2026, 4)
        cases = {
            "truncated": ("ElevesSansAdresses.xml", good[:600], "ElevesSansAdresses.xml"),
            "not xml": ("eleves.xml", b"NOM;PRENOM\nDUPONT;Jean\n", "eleves.xml"),
            "other root": ("eleves.xml", b"<?xml version='1.0'?><html/>", "BEE_ELEVES"),
            "latin in utf-8": ("ElevesSansAdresses.xml", good.replace(b"ISO-8859-15", b"UTF-8", 1), "UTF-8"),
            "utf-8 declared latin": ("ElevesSansAdresses.xml", gen_siecle.eleves_xml(
                ALPHA_UAI, 2026, 4, encoding="UTF-8").replace(b"UTF-8", b"ISO-8859-15", 1), "ISO-8859-15"),
            "zip without xml": ("ExportXML_ElevesSansAdresses.zip", gen_siecle.zipped("lisez-moi.txt", b"x"), ".zip"),
        }
        for case, (name, content, expected) in cases.items():
            with self.subTest(case):
                wizard = self._wizard(self.head_alpha, {name: content})
                with self.assertRaises(UserError) as refusal:
                    wizard.action_preview()
                self.assertIn(name, str(refusal.exception))
                self.assertIn(expected, str(refusal.exception))
        self.assertFalse(self.env["res.partner"].search_count([("siecle_college_id", "=", self.college_alpha.id)]))

    def test_xml_entities_are_not_resolved(self):
        """XXE: an external entity is never read (lxml resolve_entities=False, no_network)."""
        xml = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
               b"<BEE_ELEVES><PARAMETRES><UAJ>&e;</UAJ><ANNEE_SCOLAIRE>2026</ANNEE_SCOLAIRE></PARAMETRES>"
               b"<DONNEES><ELEVES/></DONNEES></BEE_ELEVES>")
        wizard = self._wizard(self.head_alpha, {"ElevesSansAdresses.xml": xml})
        wizard.action_preview()
        self.assertNotIn("root:", wizard.problems or "")
        self.assertTrue(wizard.blocking, "no UAI: not this collège's file")

    def test_who_may_import(self):
        """The head and référents of the collège and the Département's manager; not the accountant,
        the supplier, the Académie, nor the head of another collège."""
        files = gen_siecle.files(ALPHA_UAI, 2026, 1)
        for user in (self.accountant_alpha, self.supplier_user, self.academy_user, self.officer_a):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._wizard(user, files)
        head_beta = new_test_user(self.env, login="t_head_beta", groups="tablet_loan.group_college_head",
                                  company_id=self.dept_a.id, tablet_college_ids=[(6, 0, self.college_beta.ids)])
        with self.assertRaises(AccessError):
            self._wizard(head_beta, files)
        self._import(self.manager_a, files)
        self.assertTrue(self._pupil(100000))

    def test_department_campaign_one_college_per_batch(self):
        """The Département's archive: one collège per committed batch, each all or nothing; a collège
        whose files have a problem is listed in the summary, the others are imported (issue 16)."""
        alpha = gen_siecle.files(ALPHA_UAI, 2026, 4, zip_eleves=True)
        beta = gen_siecle.files(self.college_beta.uai_code, 2025, 2)  # the wrong year
        archive = gen_siecle.zipped_many({**{f"0380027Y/{n}": c for n, c in alpha.items()},
                                          **{f"beta/{n}": c for n, c in beta.items()}})
        wizard = self.env["tablet.siecle.import"].with_user(self.manager_a).create({
            "school_year": "2026-2027", "archive": base64.b64encode(archive), "archive_name": "dept.zip"})
        with self.assertRaises(AccessError):
            wizard.with_user(self.head_alpha).action_launch_campaign()
        action = wizard.action_launch_campaign()
        campaign = self.env["tablet.campaign"].browse(action["res_id"])
        self.assertEqual((campaign.kind, campaign.state, campaign.total_count), ("siecle", "queued", 2))
        cron = self.env.ref("tablet_loan.ir_cron_tablet_campaign")
        for _batch in range(3):
            progress = self.env["ir.cron.progress"].create({"cron_id": cron.id})
            self.env["tablet.campaign"].with_context(ir_cron_progress_id=progress.id)._cron_run_campaigns()
        self.assertEqual(campaign.state, "done")
        self.assertEqual(campaign.done_count, 2)
        self.assertTrue(self._pupil(100003), "Alpha's pupils are imported")
        self.assertFalse(self.env["res.partner"].search_count([("siecle_college_id", "=", self.college_beta.id)]))
        self.assertIn(self.college_beta.name, " ".join(campaign.message_ids.mapped("body")))
        # An archive naming an establishment outside the Département launches nothing.
        gamma = gen_siecle.files(self.college_gamma.uai_code, 2026, 1)
        wizard.archive = base64.b64encode(gen_siecle.zipped_many(gamma))
        with self.assertRaises(UserError) as refusal:
            wizard.action_launch_campaign()
        self.assertIn(self.college_gamma.uai_code, str(refusal.exception))

    def test_identifiers_written_by_the_import_only(self):
        """The import's key is never typed: a head cannot set or change it (issue 16, Rules matrix)."""
        with self.assertRaises(AccessError):
            self.pupil_alpha.with_user(self.head_alpha).write({"siecle_eleve_id": "123"})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.referent_alpha).create({
                "name": "Faux", "school_role": "pupil", "college_id": self.college_alpha.id,
                "siecle_eleve_id": "100000"})


@tagged("post_install", "-at_install")
class TestSiecleImportRpc(SiecleCase, HttpCase):
    """The same refusals through JSON-RPC, as an external client would try them."""

    def test_rpc_refusals(self):
        files = gen_siecle.files(ALPHA_UAI, 2026, 1)
        vals = {"college_id": self.college_alpha.id, "school_year": "2026-2027",
                "file_1": base64.b64encode(files["ElevesSansAdresses.xml"]).decode(),
                "filename_1": "ElevesSansAdresses.xml"}
        outcome, message = execute_kw(self, self.accountant_alpha, "tablet.siecle.import", "create", [vals])
        self.assertEqual(outcome, "odoo.exceptions.AccessError", message)
        head_beta = new_test_user(self.env, login="t_head_beta_rpc", groups="tablet_loan.group_college_head",
                                  company_id=self.dept_a.id, tablet_college_ids=[(6, 0, self.college_beta.ids)])
        outcome, message = execute_kw(self, head_beta, "tablet.siecle.import", "create", [vals])
        self.assertEqual(outcome, "odoo.exceptions.AccessError", message)
        outcome, message = execute_kw(self, self.head_alpha, "res.partner", "write",
                                      [[self.pupil_alpha.id], {"siecle_eleve_id": "100000"}])
        self.assertEqual(outcome, "odoo.exceptions.AccessError", message)
        # The head imports through RPC as through the form.
        outcome, wizard_id = execute_kw(self, self.head_alpha, "tablet.siecle.import", "create", [vals])
        self.assertEqual(outcome, "ok", wizard_id)
        outcome, result = execute_kw(self, self.head_alpha, "tablet.siecle.import", "action_apply", [[wizard_id]])
        self.assertEqual(outcome, "ok", result)
        self.assertTrue(self._pupil(100000))
