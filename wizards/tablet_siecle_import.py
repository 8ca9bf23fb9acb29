import base64
import io
import re
import zipfile
from collections import defaultdict

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from ..models.relation_guard import check_link_targets
from ..models.school_year import check_school_year, school_year_of
from ..models.tablet_workflow_mixin import tablet_action
from .siecle_files import LEGAL_REPRESENTATIVE, STAFF_ROLES, ExportError, mef_level, parse_date, person_name, read_files

_lt = LazyTranslate(__name__)
MAX_LISTED = 50
FILE_FIELDS = (("file_1", "filename_1"), ("file_2", "filename_2"), ("file_3", "filename_3"), ("file_4", "filename_4"))
IMPORT_GROUPS = ("tablet_loan.group_department_manager", "tablet_loan.group_college_referent")
IMPORT_ROLE = _lt("the collège's head and référents and the Département's programme manager")
MANAGER_GROUP = "tablet_loan.group_department_manager"
# Where an export names its establishment, read in the first bytes of each file of a Département's archive.
HEADER_UAI = re.compile(rb"<UAJ(?:\s+CODE=[\"']([0-9A-Za-z]{8})[\"'])?[^>]*>\s*([0-9A-Za-z]{8})?")


class TabletSiecleImport(models.TransientModel):
    """A collège's pupils, families and staff from its SIECLE and STS-web exports (issue 16).

    Two steps: *Preview* reads the files and shows what would change and every problem; *Apply*
    reads them again and writes everything in one transaction, or nothing when a problem blocks.
    Re-importing updates in place, SIECLE's identifiers (never names) as the key: new pupils
    are arrivals, pupils gone or with a leaving date are departures whose loans end on that date
    (R8, R14), people who left keep their record with their leaving date."""

    _name = "tablet.siecle.import"
    _description = "SIECLE and STS-web Import"

    college_id = fields.Many2one(
        "res.partner", string="Collège", domain=[("is_college", "=", True)],
        help="The collège whose files these are: the files must carry its UAI.")
    school_year = fields.Char(
        required=True, default=lambda self: school_year_of(fields.Date.context_today(self)),
        help="The school year of the files, e.g. 2026-2027: SIECLE writes the year it starts (2026).")
    file_1 = fields.Binary(attachment=False,
                           help="ElevesSansAdresses.xml or ExportXML_ElevesSansAdresses.zip (pupils, classes).")
    filename_1 = fields.Char(string="File Name 1")
    file_2 = fields.Binary(attachment=False,
                           help="ResponsablesAvecAdresses.xml or its ZIP (legal representatives).")
    filename_2 = fields.Char(string="File Name 2")
    file_3 = fields.Binary(attachment=False,
                           help="Nomenclature.xml or its ZIP (levels of the MEF codes); optional.")
    filename_3 = fields.Char(string="File Name 3")
    file_4 = fields.Binary(attachment=False,
                           help="STS-web's sts_emp_<UAI>_<year>.xml or its ZIP (teachers and staff); optional.")
    filename_4 = fields.Char(string="File Name 4")
    archive = fields.Binary(
        string="Archive of Many Collèges", attachment=False,
        help="For the Département: one ZIP holding the exports of many collèges (each file as XML or ZIP, in "
             "folders or not). Each collège is imported in its own batch, all or nothing.")
    archive_name = fields.Char()
    state = fields.Selection([("files", "Files"), ("preview", "Preview")], string="Step", default="files",
                             required=True, readonly=True)
    arrival_count = fields.Integer(string="Arrivals", readonly=True)
    departure_count = fields.Integer(string="Departures", readonly=True)
    change_count = fields.Integer(string="Changes of Class or Level", readonly=True)
    representative_count = fields.Integer(string="Legal Representatives", readonly=True)
    staff_count = fields.Integer(string="Teachers and Staff", readonly=True)
    blocking = fields.Boolean(string="Blocking Problems", readonly=True)
    problems = fields.Text(readonly=True)
    left_out = fields.Text(readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "res.partner" and self.env.context.get("active_id"):
            values.setdefault("college_id", self.env.context["active_id"])
        if "college_id" in fields_list and len(self.env.user.tablet_college_ids) == 1:
            # A head or référent of one collège imports that collège's files.
            values.setdefault("college_id", self.env.user.tablet_college_ids.id)
        return values

    @api.model_create_multi
    def create(self, vals_list):
        # A collège the user may not read (another collège's head) is refused here, before any file is read.
        for vals in vals_list:
            check_link_targets(self, vals, ("college_id",))
        wizards = super().create(vals_list)
        check_school_year(wizards)
        return wizards

    def write(self, vals):
        check_link_targets(self, vals, ("college_id",))
        res = super().write(vals)
        check_school_year(self)
        return res

    # ------------------------------------------------------------------ actions
    @tablet_action(*IMPORT_GROUPS, role=IMPORT_ROLE)
    def action_preview(self):
        """Read the files and show what Apply would do; nothing is written but the preview."""
        self.ensure_one()
        plan = self._plan()
        self.write({
            "state": "preview", "arrival_count": len(plan["arrivals"]), "departure_count": self._departure_count(plan),
            "change_count": len(plan["changes"]), "representative_count": plan["representative_count"],
            "staff_count": plan["staff_count"], "blocking": bool(plan["blocking"]),
            "problems": "\n".join(f"• {message}" for message in self._listed(plan["blocking"] + plan["warnings"]))
            or False,
            "left_out": plan["left_out"] or False,
        })
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id, "view_mode": "form",
                "views": [(False, "form")], "target": "new", "name": _("SIECLE and STS-web Import")}

    @tablet_action(*IMPORT_GROUPS, role=IMPORT_ROLE)
    def action_apply(self):
        """All or nothing: the files are read again (they may have changed since the preview)."""
        self.ensure_one()
        plan = self._plan()
        if plan["blocking"]:
            raise UserError("\n".join([
                _("Nothing was imported. Correct these %(count)s problem(s) in the files and import them again:",
                  count=len(plan["blocking"])),
                *(f"• {message}" for message in self._listed(plan["blocking"]))]))
        summary = self._apply(plan)
        return {
            "type": "ir.actions.client", "tag": "display_notification",
            "params": {"type": "success", "sticky": False, "message": summary,
                       "next": {"type": "ir.actions.act_window_close"}},
        }

    @tablet_action(MANAGER_GROUP, role=_lt("the Département's programme manager"))
    def action_launch_campaign(self):
        """The Département's collèges at once (issue 16): the archive's files are sorted by the UAI they
        carry, then a campaign imports one collège per committed batch, with its progress."""
        self.ensure_one()
        if not self.archive:
            raise UserError(_("Archive of Many Collèges: choose the ZIP holding the collèges' SIECLE and STS-web "
                              "files."))
        members = self._archive_members()
        colleges = self.env["res.partner"].search([("is_college", "=", True), ("uai_code", "in", list(members))])
        unknown = sorted(set(members) - set(colleges.mapped("uai_code")))
        too_many = sorted(uai for uai, names in members.items() if len(names) > len(FILE_FIELDS))
        if unknown or too_many:
            raise UserError("\n".join(filter(None, [
                _("Nothing was launched."),
                unknown and _("These UAI are not collèges of your Département: %s.", ", ".join(unknown)),
                too_many and _("These collèges have more than %(count)s files in the archive: %(uais)s.",
                               count=len(FILE_FIELDS), uais=", ".join(too_many))])))
        by_uai = {college.uai_code: college for college in colleges}
        campaign = self.env["tablet.campaign"]._launch(
            "siecle", colleges, company_id=colleges[:1].company_id.id, total_count=len(colleges),
            intake_data=self.archive, siecle_data={
                "school_year": self.school_year,
                "members": {str(by_uai[uai].id): names for uai, names in members.items()}})
        return campaign._queue_action()

    def _archive_members(self):
        """{UAI: [member names]} of the archive, the UAI read from each export's first bytes."""
        name = self.archive_name or _("archive")
        try:
            archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(self.archive)))
        except (zipfile.BadZipFile, OSError, EOFError):
            raise UserError(_("%s: not a ZIP archive, or a damaged one.", name)) from None
        members = defaultdict(list)
        with archive:
            for member in archive.namelist():
                if member.endswith("/") or not member.lower().endswith((".xml", ".zip")):
                    continue
                head = archive.open(member).read(4096)
                if head.startswith(b"PK\x03\x04"):
                    with zipfile.ZipFile(io.BytesIO(archive.read(member))) as inner:
                        xml = [n for n in inner.namelist() if n.lower().endswith(".xml")]
                        head = inner.open(xml[0]).read(4096) if xml else b""
                match = HEADER_UAI.search(head)
                uai = (match.group(1) or match.group(2) or b"").decode().upper() if match else ""
                if not uai:
                    raise UserError(_("%(archive)s: %(file)s names no establishment (UAJ): it is not a SIECLE or "
                                      "STS-web export.", archive=name, file=member))
                members[uai].append(member)
        if not members:
            raise UserError(_("%s holds no XML or ZIP export.", name))
        return dict(members)

    def _apply_checked(self):
        """Plan and apply, or raise the problems: the campaign's way, one collège at a time. Returns
        the number of pupils in the files."""
        plan = self._plan()
        if plan["blocking"]:
            raise UserError("\n".join([
                _("Nothing was imported. Correct these %(count)s problem(s) in the files and import them again:",
                  count=len(plan["blocking"])),
                *(f"• {message}" for message in self._listed(plan["blocking"]))]))
        self._apply(plan)
        return len(plan.get("seen_pupils", ()))

    @staticmethod
    def _departure_count(plan):
        """Pupils gone or leaving, arrivals already leaving (a pupil who came and went), staff gone."""
        return len(plan["departures"]) + len([a for a in plan["arrivals"] if a["leaving_date"]]) \
            + len(plan["staff_departures"])

    def _listed(self, messages):
        listed = messages[:MAX_LISTED]
        if len(messages) > MAX_LISTED:
            listed.append(_("… and %s more.", len(messages) - MAX_LISTED))
        return listed

    # ------------------------------------------------------------------ reading
    def _exports(self):
        """{kind: Export} of the files given; an unreadable file or one given twice is a UserError."""
        named = [(self[fname] and (self[name_field] or _("File %s", index + 1)), base64.b64decode(self[fname]))
                 for index, (fname, name_field) in enumerate(FILE_FIELDS) if self[fname]]
        if not named:
            raise UserError(_("Choose the collège's files: at least ElevesSansAdresses (XML or ZIP) from SIECLE, "
                              "or the sts_emp file from STS-web."))
        try:
            exports = read_files(self.env, named)
        except ExportError as exc:
            raise UserError(_("Nothing was imported: %s", exc.args[0])) from None
        by_kind = {}
        for export in exports:
            if export.kind in by_kind:
                raise UserError(_("Nothing was imported: %(first)s and %(second)s are the same export; give each "
                                  "file once.", first=by_kind[export.kind].filename, second=export.filename))
            by_kind[export.kind] = export
        return by_kind

    # ----------------------------------------------------------------- planning
    def _plan(self):
        """What Apply writes, and every problem, from the files and the collège's people as they are."""
        if not self.college_id:
            raise UserError(_("Collège: choose the collège whose files these are."))
        exports = self._exports()
        college = self.college_id
        year = int(self.school_year[:4])
        blocking, warnings = [], []
        for export in exports.values():
            if export.uai != college.uai_code:
                blocking.append(_("%(file)s is the export of the establishment %(uai)s, not of %(college)s "
                                  "(%(expected)s).", file=export.filename, uai=export.uai or "?",
                                  college=college.name, expected=college.uai_code))
            if export.year != year:
                blocking.append(_("%(file)s is of the school year %(year)s-%(next)s, not %(expected)s.",
                                  file=export.filename, year=export.year, next=export.year + 1,
                                  expected=self.school_year))
        if "responsables" in exports and "eleves" not in exports:
            blocking.append(_("%s links legal representatives to pupils: import it with ElevesSansAdresses, "
                              "which lists these pupils.", exports["responsables"].filename))
        plan = {"arrivals": [], "departures": {}, "changes": {}, "updates": {}, "blocking": blocking,
                "warnings": warnings, "representative_count": 0, "staff_count": 0, "left_out": "",
                "rep_create": [], "rep_updates": {}, "links": {}, "staff_create": [], "staff_updates": {},
                "staff_departures": {}, "year": year, "rep_ids": {}}
        nomenclature = {r["code"]: r["level"] for r in exports["nomenclature"].records} \
            if "nomenclature" in exports else {}
        if "eleves" in exports:
            self._plan_pupils(plan, exports["eleves"], nomenclature)
        if "responsables" in exports and "eleves" in exports:
            self._plan_representatives(plan, exports["responsables"], exports["eleves"])
        if "sts" in exports:
            self._plan_staff(plan, exports["sts"])
        plan["left_out"] = self._left_out_text(exports, plan)
        return plan

    def _people(self, domain):
        Partner = self.env["res.partner"].with_context(active_test=False)
        return Partner.search([("siecle_college_id", "=", self.college_id.id), *domain])

    def _plan_pupils(self, plan, export, nomenclature):
        blocking, today = plan["blocking"], fields.Date.context_today(self)
        existing = {p.siecle_eleve_id: p for p in self._people([("siecle_eleve_id", "!=", False)])}
        seen = {}
        for record in export.records:
            where = _("%(file)s, line %(line)s", file=export.filename, line=record["line"])
            if not record["id"]:
                blocking.append(_("%s: a pupil without ELEVE_ID.", where))
                continue
            if record["id"] in seen:
                blocking.append(_("%(where)s: the ELEVE_ID %(id)s is already on line %(first)s.",
                                  where=where, id=record["id"], first=seen[record["id"]]))
                continue
            seen[record["id"]] = record["line"]
            name = person_name(record["first_name"], record["last_name"])
            entry, leaving = parse_date(record["entry"], "%d/%m/%Y"), parse_date(record["leaving"], "%d/%m/%Y")
            for label, value, text in ((_("entry date"), entry, record["entry"]),
                                       (_("leaving date"), leaving, record["leaving"])):
                if value is False:
                    blocking.append(_("%(where)s, ELEVE_ID %(id)s: the %(label)s “%(value)s” is not a date "
                                      "written DD/MM/YYYY.", where=where, id=record["id"], label=label, value=text))
            if not record["last_name"]:
                blocking.append(_("%(where)s, ELEVE_ID %(id)s: the pupil has no name.", where=where, id=record["id"]))
            level = mef_level(record["mef"], nomenclature)
            if not level:
                plan["warnings"].append(_("%(where)s: %(name)s (ELEVE_ID %(id)s) has the MEF %(mef)s, not a level "
                                          "from 6e to 3e: imported without a level.", where=where, name=name,
                                          id=record["id"], mef=record["mef"] or "—"))
            vals = {"name": name, "school_class": record["school_class"] or False, "grade_level": level or False,
                    "leaving_date": leaving or False}
            pupil = existing.get(record["id"])
            if not pupil:
                plan["arrivals"].append(dict(vals, siecle_eleve_id=record["id"], arrival_date=entry or today,
                                             line=record["line"]))
                continue
            changed = {fname: value for fname, value in vals.items() if (pupil[fname] or False) != value}
            if changed:
                plan["updates"][pupil] = changed
            if "school_class" in changed or "grade_level" in changed:
                plan["changes"][pupil] = changed
            if "leaving_date" in changed and leaving:
                plan["departures"][pupil] = leaving
        gone_on = export.export_date or today
        for eleve_id, pupil in existing.items():
            if eleve_id not in seen and pupil.school_role == "pupil" and (
                    not pupil.leaving_date or pupil.leaving_date > gone_on):
                plan["updates"][pupil] = {"leaving_date": gone_on}
                plan["departures"][pupil] = gone_on
        plan["pupil_ids"] = existing
        plan["seen_pupils"] = set(seen)

    def _plan_representatives(self, plan, export, eleves):
        blocking, warnings = plan["blocking"], plan["warnings"]
        persons = export.extra["persons"]
        for personne_id, rows in persons.items():
            if len(rows) > 1:
                blocking.append(_("%(file)s, line %(line)s: the PERSONNE_ID %(id)s is already on line %(first)s.",
                                  file=export.filename, line=rows[1]["line"], id=personne_id, first=rows[0]["line"]))
        links = defaultdict(list)
        contacts = 0
        for record in export.records:
            where = _("%(file)s, line %(line)s", file=export.filename, line=record["line"])
            if record["eleve_id"] not in plan["seen_pupils"]:
                blocking.append(_("%(where)s: the PERSONNE_ID %(person)s is linked to the ELEVE_ID %(id)s, who is "
                                  "not in %(eleves)s.", where=where, person=record["personne_id"],
                                  id=record["eleve_id"], eleves=eleves.filename))
                continue
            if record["personne_id"] not in persons:
                blocking.append(_("%(where)s: the ELEVE_ID %(id)s is linked to the PERSONNE_ID %(person)s, who is "
                                  "not among the persons of the file.", where=where, id=record["eleve_id"],
                                  person=record["personne_id"]))
                continue
            if record["level"] != LEGAL_REPRESENTATIVE:
                contacts += 1
                continue
            links[record["eleve_id"]].append(record["personne_id"])
        names = {r["id"]: person_name(r["first_name"], r["last_name"]) for r in eleves.records}
        lines = {r["id"]: r["line"] for r in eleves.records}
        for eleve_id in sorted(plan["seen_pupils"] - set(links), key=lambda i: lines[i]):
            warnings.append(_("%(file)s, line %(line)s: %(name)s (ELEVE_ID %(id)s) has no legal representative in "
                              "%(reps)s: the loan contract cannot be signed.", file=eleves.filename,
                              line=lines[eleve_id], name=names[eleve_id], id=eleve_id, reps=export.filename))
        existing = {p.siecle_personne_id: p for p in self._people([("siecle_personne_id", "!=", False)])}
        company = self.college_id.company_id.id
        for personne_id in sorted({p for ids in links.values() for p in ids}):
            row = persons[personne_id][0]
            vals = {"name": person_name(row["first_name"], row["last_name"]), "email": row["email"] or False,
                    "phone": row["phone"] or False, "mobile": row["mobile"] or False,
                    "street": row.get("street") or False, "street2": row.get("street2") or False,
                    "zip": row.get("zip") or False, "city": row.get("city") or False}
            partner = existing.get(personne_id)
            if partner:
                changed = {fname: value for fname, value in vals.items() if (partner[fname] or False) != value}
                if changed:
                    plan["rep_updates"][partner] = changed
            else:
                plan["rep_create"].append(dict(vals, siecle_personne_id=personne_id, company_id=company,
                                               school_role="legal_representative"))
        plan["links"] = links
        plan["rep_ids"] = existing
        plan["representative_count"] = len({p for ids in links.values() for p in ids})
        plan["contacts_left_out"] = contacts

    def _plan_staff(self, plan, export):
        blocking = plan["blocking"]
        existing = {p.sts_individu_id: p for p in self._people([("sts_individu_id", "!=", False)])}
        seen = {}
        for record in export.records:
            where = _("%(file)s, line %(line)s", file=export.filename, line=record["line"])
            if not record["id"] or record["id"] in seen:
                blocking.append(_("%(where)s: the INDIVIDU ID “%(id)s” is empty or already on line %(first)s.",
                                  where=where, id=record["id"], first=seen.get(record["id"], "—")))
                continue
            seen[record["id"]] = record["line"]
            vals = {"name": person_name(record["first_name"], record["last_name"]),
                    "school_role": STAFF_ROLES.get(record["function"], "staff"), "leaving_date": False}
            partner = existing.get(record["id"])
            if partner:
                changed = {fname: value for fname, value in vals.items() if (partner[fname] or False) != value}
                if changed:
                    plan["staff_updates"][partner] = changed
            else:
                plan["staff_create"].append(dict(vals, sts_individu_id=record["id"]))
        today = fields.Date.context_today(self)
        for individu_id, partner in existing.items():
            if individu_id not in seen and not partner.leaving_date:
                plan["staff_departures"][partner] = today
        plan["staff_count"] = len(seen)

    def _left_out_text(self, exports, plan):
        """What the files hold and the programme does not keep (R29), said once per file."""
        lines = [self.env._("%(file)s: %(tags)s.", file=export.filename, tags=", ".join(sorted(export.left_out)))
                 for export in exports.values() if export.left_out]
        if plan.get("contacts_left_out"):
            lines.append(_("%s persons who are contacts or persons in charge, not legal representatives "
                           "(NIVEAU_RESPONSABILITE 2 or 3).", plan["contacts_left_out"]))
        if lines:
            lines.insert(0, _("Not imported, the loan does not use them:"))
        untouched = self.env["res.partner"].search_count([
            ("college_id", "=", self.college_id.id), ("school_role", "in", ("pupil", "teacher", "head", "staff")),
            ("siecle_college_id", "=", False)])
        if untouched:
            lines.append(_("%s people of the collège recorded by hand (without a SIECLE or STS-web identifier) are "
                           "left as they are.", untouched))
        return "\n".join(lines)

    # ----------------------------------------------------------------- applying
    def _apply(self, plan):
        """One transaction; creations in one call per kind, updates grouped by identical values."""
        Partner = self.env["res.partner"]
        college = self.college_id
        # A partner's defaults, computed once for the import rather than once per person (create() asks
        # default_get for each record; account's invoice-template default alone is one query each). They
        # depend on the user and context only, the same for every person of the batch.
        defaults = {fname: value for fname, value in Partner.default_get(list(Partner._fields)).items()
                    if Partner._fields[fname].type not in ("one2many", "many2many")}
        # The salesperson, precomputed from the parent company: the people imported have none, so it
        # is empty, given here rather than precomputed on a draft record (`new`) built for each person.
        defaults["user_id"] = False
        common = {**defaults, "siecle_college_id": college.id, "college_id": college.id}
        arrivals = Partner.create([
            {**common, **{k: v for k, v in vals.items() if k != "line"}, "school_role": "pupil"}
            for vals in plan["arrivals"]])
        pupils = dict(plan["pupil_ids"])
        pupils.update({p.siecle_eleve_id: p for p in arrivals})
        self._grouped_write(plan["updates"])
        # Legal representatives: links of the imported pupils follow the file; links typed by hand stay.
        new_reps = Partner.create([
            {**defaults, **vals, "siecle_college_id": college.id, "pupil_ids": [Command.set([
                pupils[eleve_id].id for eleve_id, ids in plan["links"].items() if vals["siecle_personne_id"] in ids])]}
            for vals in plan["rep_create"]])
        self._grouped_write(plan["rep_updates"])
        # The collège's representatives: those the plan found, and those just created.
        reps = {**plan["rep_ids"], **{p.siecle_personne_id: p for p in new_reps}}
        for eleve_id in plan["seen_pupils"] & set(plan["links"]):
            pupil = pupils[eleve_id]
            wanted = Partner.browse([reps[personne_id].id for personne_id in plan["links"][eleve_id]])
            kept = pupil.legal_representative_ids.filtered(lambda r: not r.siecle_personne_id)
            if pupil.legal_representative_ids != kept | wanted:
                pupil.legal_representative_ids = [Command.set((kept | wanted).ids)]
        # Teachers and staff
        Partner.create([{**common, **vals} for vals in plan["staff_create"]])
        self._grouped_write(plan["staff_updates"])
        self._grouped_write({p: {"leaving_date": day} for p, day in plan["staff_departures"].items()})
        # R14: loans of the people who left on a day already come end now, as the daily job would.
        leavers = Partner.browse([p.id for p in plan["departures"]])
        leavers |= arrivals.filtered("leaving_date")
        leavers |= Partner.browse([p.id for p in plan["staff_departures"]])
        ended = self.env["tablet.loan"]._end_loans_of_leavers(leavers) if leavers else self.env["tablet.loan"]
        summary = _(
            "SIECLE and STS-web import of %(year)s: %(arrivals)s arrivals, %(departures)s departures, %(changes)s "
            "changes of class or level, %(reps)s legal representatives (%(new_reps)s new), %(staff)s teachers and "
            "staff; %(ended)s loans ended.", year=self.school_year, arrivals=len(arrivals),
            departures=self._departure_count(plan), changes=len(plan["changes"]),
            reps=plan["representative_count"], new_reps=len(new_reps), staff=plan["staff_count"], ended=len(ended))
        body = Markup("<p>%s</p>") % summary
        for line in (plan["left_out"] or "").splitlines():
            body += Markup("<p>%s</p>") % line
        college._message_log(body=body)
        return summary

    @api.model
    def _grouped_write(self, updates):
        """{partner: vals} written with one write() per distinct vals (a class, a level, a leaving date)."""
        groups = defaultdict(lambda: self.env["res.partner"])
        for partner, vals in updates.items():
            groups[tuple(sorted(vals.items()))] |= partner
        for key, partners in groups.items():
            partners.write(dict(key))
