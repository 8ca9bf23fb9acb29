from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .utils import count_by, window_action

# What a convention model decides for every collège under it (issue 18). Once a convention under
# the model is signed, these are what was signed: they change by a new model and an amendment (I 7).
SWITCH_FIELDS = ("academy_party", "signature_before_handover", "gift_allowed", "validity_type", "home_use",
                 "funding_statement")
VALIDITY_TYPES = [("three_years", "3 years from signature"), ("school_year", "One school year")]
HOME_USE = [
    ("college", "Decided by the collège"),
    ("always", "Always, once the contract is signed"),
    ("never", "Never: the tablets stay at school"),
]


class TabletConventionModel(models.Model):
    """The kind of convention a Département signs with its collèges: the Isère model (Département
    and collège; I 2, 3.2, 5, 6), the Bouches-du-Rhône model (with the Académie; B 3, 4, 5.1, 9) or
    the Département's own. Every rule that differs between them reads these switches through the
    collège's convention, so that each collège runs the convention it signed."""

    _name = "tablet.convention.model"
    _description = "Convention Model"
    _inherit = ["mail.thread"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", string="Département", index=True,
        help="Leave empty for a model offered to every Département of the database.",
    )
    academy_party = fields.Boolean(
        string="The Académie Is a Party", default=True, tracking=True,
        help="The Académie signs the convention and validates the nominative list of users set by the head. "
             "Otherwise the convention binds the Département and the collège only: the head's list is final "
             "and the Académie does not see the collège's records.",
    )
    signature_before_handover = fields.Boolean(
        string="Contract Signed before Hand-over", tracking=True,
        help="A tablet is handed over only once its loan contract is signed. Otherwise it may be handed over "
             "first and stays at school until the legal representatives sign.",
    )
    gift_allowed = fields.Boolean(
        string="Gift at the End of 3e", default=True, tracking=True,
        help="A 3e pupil who managed the tablet responsibly may keep it at the end of the school year. "
             "Otherwise no tablet is ever given away: every tablet comes back to the Département.",
    )
    validity_type = fields.Selection(
        VALIDITY_TYPES, string="Validity", required=True, default="three_years", tracking=True,
    )
    home_use = fields.Selection(
        HOME_USE, required=True, default="college", tracking=True,
        help="Whether tablets may go home once the contract is signed: as each collège decides on its "
             "convention, always, or never.",
    )
    funding_statement = fields.Text(
        required=True, tracking=True,
        help="Printed on the contracts, letters, notices and reports of every collège under this model: "
             "who carries out and funds the programme.",
    )
    convention_ids = fields.One2many("tablet.convention", "model_id", string="Conventions")
    convention_count = fields.Integer(compute="_compute_convention_count")

    def _home_use_decided(self):
        """True or False where the model decides home use for its collèges (R12), None where it
        leaves the decision to each collège."""
        self.ensure_one()
        return {"always": True, "never": False}.get(self.home_use)

    def _compute_convention_count(self):
        counts = count_by(self.env["tablet.convention"], "model_id", self)
        for model in self:
            model.convention_count = counts.get(model, 0)

    def write(self, vals):
        """What a signed convention applies cannot change under it: a new model and an amendment do."""
        changed = [fname for fname in SWITCH_FIELDS if fname in vals
                   and any(model[fname] != self._fields[fname].convert_to_cache(vals[fname], model)
                           for model in self)]
        if changed:
            used = self.env["tablet.convention"].sudo().search(
                [("model_id", "in", self.ids), ("state", "!=", "draft")], limit=1)
            # sudo: whether a signed convention uses the model is a fact about the model, whoever asks.
            if used:
                raise UserError(_(
                    "Convention model %(model)s is applied by signed conventions (%(convention)s): %(fields)s "
                    "cannot change. Create a new model and record an amendment (avenant) on each convention "
                    "that moves to it.",
                    model=used.model_id.display_name, convention=used.name,
                    fields=", ".join(self._fields[f].get_description(self.env)["string"] for f in changed),
                ))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_unused(self):
        if self.env["tablet.convention"].sudo().search_count([("model_id", "in", self.ids)], limit=1):
            raise UserError(_("A convention model used by a convention cannot be deleted: archive it instead."))

    @api.readonly
    def action_open_conventions(self):
        self.ensure_one()
        self.check_access("read")
        return window_action(self.env, "tablet_loan.tablet_convention_action", [("model_id", "=", self.id)],
                             {"default_model_id": self.id})
