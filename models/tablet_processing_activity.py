from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools.translate import LazyTranslate

from .tablet_workflow_mixin import as_action, in_action, tablet_action

_lt = LazyTranslate(__name__)

MANAGER = "tablet_loan.group_department_manager"
ACADEMY = "tablet_loan.group_academy_officer"
HEAD = "tablet_loan.group_college_head"
READERS = ("tablet_loan.group_department_officer", ACADEMY, "tablet_loan.group_college_referent",
           "tablet_loan.group_college_accountant")
# Who validates, for the party's DPO, each party's register (R29, B 8): the Département's
# programme manager, the académie's officer, the head of the collège.
VALIDATOR_OF_PARTY = {"department": MANAGER, "academy": ACADEMY, "college": HEAD}
VALIDATE_ROLE = _lt("the party's own validator: the Département's programme manager for the Département's register, "
                    "the académie's officer for the académie's, the head for the collège's")
# The register's content: a change after the DPO's validation calls for a new validation.
CONTENT_FIELDS = ("name", "controller", "purposes", "legal_basis", "data_subjects", "data_categories", "recipients",
                  "retention", "geolocation", "rights", "security_measures", "transfers", "dpo_name", "dpo_email",
                  "dpo_address")
# The register as the convention describes it (B 7, B 8), the starting point of each party's record:
# French, as the register is a French legal document. `%(months)s`: the Département's retention.
DEFAULTS = {
    "name": "Gestion du prêt de tablettes numériques aux élèves et enseignants des collèges",
    "purposes": "Mise à disposition et suivi des tablettes ; conventions et listes nominatives d'utilisateurs ; "
                "sinistres, garanties et participations financières ; bilan annuel.",
    "legal_basis": "Mission d'intérêt public (RGPD, art. 6.1.e) : politique éducative du Département "
                   "(Code de l'éducation, art. L213-2) et convention tripartite Département – Académie – collège.",
    "data_subjects": "Élèves, représentants légaux, enseignants et personnels des collèges du programme.",
    "data_categories": "Identité, classe et niveau, collège, coordonnées des représentants légaux ; tablette prêtée "
                       "(n° de série, IMEI) ; dates de prêt, signature, restitution et effacement ; sinistres et "
                       "circonstances déclarées ; participations financières et factures.",
    "recipients": "Collège (chef d'établissement, référents numériques, gestionnaire) ; Département (programme, "
                  "finances et achats) ; Académie (listes et conventions) ; le fournisseur ne reçoit que les données "
                  "techniques des tablettes sous garantie, jamais d'identité.",
    "retention": "Durée du prêt, puis %(months)s mois après la fin du dernier prêt, sauf participation financière "
                 "restant due ; ensuite anonymisation de toute trace (pièces jointes, messages, historiques). Résultats "
                 "de géolocalisation : %(days)s jours. Factures : durée légale des pièces comptables.",
    "geolocation": "Exceptionnelle : tablette perdue ou volée, ou demande des autorités ; demandée par le référent, "
                   "autorisée par le chef d'établissement, réalisée par le Département, tracée.",
    "rights": "Accès (export des données de la personne), rectification, limitation et opposition auprès du collège, "
              "interlocuteur unique des familles ; réclamation auprès de la CNIL (www.cnil.fr).",
    "security_measures": "Rôles séparés, règles d'accès par collège, académie et Département, journal des "
                         "modifications, anonymisation automatique à l'échéance.",
    "transfers": "Aucun transfert hors de l'Union européenne.",
}
CONTROLLERS = {
    "department": "Le Département (propriétaire du matériel), représenté par son président",
    "academy": "L'Académie (rectorat), pour la validation des listes et des conventions",
    "college": "Le collège (interlocuteur unique des familles), représenté par son chef d'établissement",
}


class TabletProcessingActivity(models.Model):
    """R29 (B 7, B 8): each party to the programme (the Département, the Académie, the collège)
    enters it in its register of processing activities, validated by its DPO. One record per
    party, prefilled from the convention's description; the families' information notice is
    printed from the Département's and the collège's records. The DPO's validation is a fact
    recorded by an action of the party's own validator; changing the content afterwards
    withdraws it, so a validated register is always the one the DPO saw."""

    _name = "tablet.processing.activity"
    _description = "Register of Processing Activities"
    _inherit = ["tablet.workflow.mixin", "mail.thread"]
    _order = "company_id, party_type, id"
    _check_company_auto = True
    _tablet_state_field = False
    _tablet_action_fields = ("dpo_validation_date", "dpo_validated_by_id")

    party_type = fields.Selection(
        [("department", "Département"), ("academy", "Académie"), ("college", "Collège")],
        string="Party", required=True, default="college", tracking=True)
    company_id = fields.Many2one("res.company", string="Département", required=True, index=True,
                                 default=lambda self: self.env.company, tracking=True)
    college_id = fields.Many2one("res.partner", string="Collège", index="btree_not_null", tracking=True,
                                 ondelete="restrict", domain="[('is_college', '=', True)]", check_company=True)
    academy_id = fields.Many2one(
        "res.partner", string="Académie", index="btree_not_null", tracking=True, ondelete="restrict",
        compute="_compute_academy_id", store=True, readonly=False, domain="[('is_academy', '=', True)]",
        help="The académie whose register this is; for a collège's, the collège's académie.")
    name = fields.Char(string="Processing", required=True, tracking=True, default=DEFAULTS["name"])
    controller = fields.Char(tracking=True, compute="_compute_controller",
                             store=True, readonly=False)
    purposes = fields.Text(required=True, tracking=True, default=DEFAULTS["purposes"])
    legal_basis = fields.Text(required=True, tracking=True, default=DEFAULTS["legal_basis"])
    data_subjects = fields.Text(string="Categories of People", required=True, tracking=True,
                                default=DEFAULTS["data_subjects"])
    data_categories = fields.Text(string="Categories of Data", required=True, tracking=True,
                                  default=DEFAULTS["data_categories"])
    recipients = fields.Text(required=True, tracking=True, default=DEFAULTS["recipients"])
    retention = fields.Text(tracking=True, compute="_compute_retention",
                            store=True, readonly=False)
    geolocation = fields.Text(tracking=True, default=DEFAULTS["geolocation"])
    rights = fields.Text(string="Rights of the People", required=True, tracking=True, default=DEFAULTS["rights"])
    security_measures = fields.Text(required=True, tracking=True,
                                    default=DEFAULTS["security_measures"])
    transfers = fields.Text(string="Transfers outside the EU", required=True, tracking=True,
                            default=DEFAULTS["transfers"])
    dpo_name = fields.Char(string="Data Protection Officer", tracking=True, compute="_compute_dpo",
                           store=True, readonly=False)
    dpo_email = fields.Char(string="DPO's E-mail", tracking=True, compute="_compute_dpo", store=True, readonly=False)
    dpo_address = fields.Text(string="DPO's Postal Address", tracking=True, compute="_compute_dpo", store=True,
                              readonly=False)
    dpo_validation_date = fields.Date(string="Validated by the DPO on", readonly=True, copy=False, tracking=True)
    dpo_validated_by_id = fields.Many2one("res.users", string="Validation Recorded by", readonly=True, copy=False,
                                          tracking=True)
    active = fields.Boolean(default=True)

    def _creation_message(self):
        """The chatter's first line: mail's "<description> created" reads wrong in French
        (the participle does not agree with the document's gender); a sentence of its own."""
        self.ensure_one()
        return _("Register entry recorded.")

    @api.depends("college_id")
    def _compute_academy_id(self):
        for record in self.filtered("college_id"):
            record.academy_id = record.college_id.academy_id

    @api.depends("party_type")
    def _compute_controller(self):
        for record in self:
            record.controller = CONTROLLERS.get(record.party_type, "")

    @api.depends("company_id")
    def _compute_retention(self):
        for record in self:
            record.retention = DEFAULTS["retention"] % {
                "months": record.company_id.tablet_retention_months or 12,
                "days": record.company_id.tablet_geolocation_retention_days or 90}

    @api.depends("company_id", "party_type")
    def _compute_dpo(self):
        """The Département's DPO by default (it holds the data); each party may name its own."""
        for record in self:
            company = record.company_id
            record.dpo_name = company.tablet_dpo_name
            record.dpo_email = company.tablet_dpo_email
            record.dpo_address = company.tablet_dpo_address

    @api.constrains("party_type", "college_id", "academy_id", "company_id")
    def _check_party(self):
        for record in self:
            if record.party_type == "college" and not record.college_id:
                raise ValidationError(_("Choose the Collège whose register this is."))
            if record.party_type == "college" and record.academy_id != record.college_id.academy_id:
                raise ValidationError(_("The Académie of a collège's register is the collège's own (%(academy)s).",
                                        academy=record.college_id.academy_id.display_name or "-"))
            if record.party_type == "academy" and (not record.academy_id or record.college_id):
                raise ValidationError(_("An académie's register names its Académie and no Collège."))
            if record.party_type == "department" and (record.college_id or record.academy_id):
                raise ValidationError(_("The Département's register names no Collège nor Académie."))
        # One register per party.
        for party, college, academy, company in {(r.party_type, r.college_id.id, r.academy_id.id, r.company_id.id)
                                                 for r in self}:
            domain = [("party_type", "=", party), ("company_id", "=", company),
                      ("college_id", "=", college), ("academy_id", "=", academy)]
            if self.sudo().with_context(active_test=False).search_count(domain) > 1:
                raise ValidationError(_("This party already has its register of processing activities: "
                                        "complete that one."))

    def write(self, vals):
        res = super().write(vals)
        if not in_action(self.env) and set(CONTENT_FIELDS) & vals.keys():
            validated = self.filtered("dpo_validation_date")
            if validated:
                # What the DPO validated is no longer what the register says (R29).
                as_action(validated).write({"dpo_validation_date": False, "dpo_validated_by_id": False})
        return res

    @tablet_action(*VALIDATOR_OF_PARTY.values(), role=VALIDATE_ROLE)
    def action_dpo_validate(self):
        """Record the DPO's validation of the register, by the party's own validator."""
        for record in self:
            if not self.env.su and not self.env.user.has_group(VALIDATOR_OF_PARTY[record.party_type]):
                labels = dict(self._fields["party_type"]._description_selection(self.env))
                raise AccessError(_(
                    "The DPO's validation of the register of %(party)s is recorded by %(role)s.",
                    party=labels[record.party_type], role=self.env._(VALIDATE_ROLE)))
        self._write_state({"dpo_validation_date": fields.Date.context_today(self),
                           "dpo_validated_by_id": self.env.uid})
        return True

    @api.readonly
    @tablet_action(MANAGER, HEAD, *READERS, role=_lt("the programme's users"))
    def action_print_notice(self):
        """The families' information notice, from this register and its Département's."""
        return self.env.ref("tablet_loan.action_report_privacy_notice").report_action(self.sudo(False))

    @api.model
    def _tablet_notice_registers(self, company, college=None):
        """(The Département's register, the collège's) that the families' notice prints: the saved
        ones, else the convention's description (unsaved). sudo: the notice is handed to every family,
        what it prints of the registers is public."""
        Register = self.sudo()
        department = Register.search([("party_type", "=", "department"), ("company_id", "=", company.id)], limit=1)
        department = department or Register.new({"party_type": "department", "company_id": company.id})
        if not college:
            return department, Register.browse()
        own = Register.search([("party_type", "=", "college"), ("college_id", "=", college.id)], limit=1)
        return department, own or Register.new({"party_type": "college", "company_id": company.id,
                                                "college_id": college.id})
