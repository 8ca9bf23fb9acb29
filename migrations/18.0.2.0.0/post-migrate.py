"""18.0.1.0.x -> 18.0.2.0.0: the stored data that issues 18 and 19 changed the meaning of.

Runs after the new columns exist and the module's data (the three convention models) is loaded:
- every convention gets a convention model (the column is new and required): the model that
  reproduces what the convention meant when it was signed, so that no rule changes under a
  signed convention (see `_convention_models`);
- an incident the head has decided on (it has a decision date) is "decided", the status the
  new version gives it, not "validated";
- a nominative list submitted or validated before remembers the people it was submitted with,
  so that its next resubmission shows what changed;
- the référents named by a signed convention get the référent role for its collège, as a
  signature now gives it;
- the records of `noupdate` data files that changed are loaded again: an update leaves such
  records alone once created, so the record rules would keep 18.0.1's domains (the Académie
  would still see the collèges of a convention without it), the supplier's claim e-mail would
  lack the return address (see `RELOADED`);
- the loans' indexes and the tablets' fill factor move out of `init()` (hooks.tune_tables).

Each step is one or two set-based statements (or one ORM write per group of records): the
time does not grow with the number of queries, only with the rows.
"""
import io
import logging

from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.tools import convert, file_open

from odoo.addons.tablet_loan.hooks import tune_tables

_logger = logging.getLogger(__name__)

# (Académie a party, validity) -> the module's model that reads a convention of 18.0.1 the same way.
MODEL_OF = {
    (True, "three_years"): "tablet_loan.tablet_convention_model_department",
    (True, "school_year"): "tablet_loan.tablet_convention_model_bouches_du_rhone",
}
# A convention of 18.0.1 without the Académie: neither the Isère model (it would forbid the gift,
# send every tablet home and require the signature before the hand-over, none of which applied)
# nor the Département's (the Académie is a party there). A model of its own, offered to no one by
# default (no company: the default model of a new convention is the Département's own, else the
# module's general one).
LEGACY_NAMES = {
    "three_years": ("Convention signed before the convention models (Département and collège, 3 years)",
                    "Convention signée avant les modèles de convention (Département et collège, 3 ans)"),
    "school_year": ("Convention signed before the convention models (Département and collège, one school year)",
                    "Convention signée avant les modèles de convention (Département et collège, une année "
                    "scolaire)"),
}
LEGACY_FUNDING = ("Tablette mise à disposition par le Département dans le cadre de son plan numérique "
                  "départemental.")


# noupdate data changed since 18.0.1.0.1: {file: xmlids to load again, None for every record}.
# The record rules are the module's security: all of them as the code defines them (a rule
# a Département changed by hand is rewritten; its own new rules stay).
RELOADED = {
    "security/tablet_loan_rules.xml": None,
    "data/tablet_letter_data.xml": {"mail_template_warranty_claim_sent"},
    "data/maintenance_equipment_category_data.xml": {"equipment_category_tablet"},
}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"active_test": False, "tracking_disable": True})
    _reload_noupdate_data(env)
    _convention_models(env)
    _decided_incidents(env)
    _list_submissions(env)
    _referent_access(env)
    tune_tables(cr)
    env.flush_all()


def _reload_noupdate_data(env):
    for filename, xmlids in RELOADED.items():
        with file_open(f"tablet_loan/{filename}", "rb") as f:
            doc = etree.parse(f)
        if xmlids is not None:
            for record in doc.xpath("//record"):
                if record.get("id") not in xmlids:
                    record.getparent().remove(record)
        count = len(doc.xpath("//record"))
        # mode "init": an existing record is written with the file's values, noupdate or not.
        content = io.BytesIO(etree.tostring(doc))
        content.name = filename  # named in the loader's messages
        convert.convert_xml_import(env, "tablet_loan", content, {}, mode="init", noupdate=True)
        _logger.info("tablet_loan migration: %d record(s) of %s loaded again", count, filename)


def _convention_models(env):
    cr = env.cr
    cr.execute("""
        SELECT academy_id IS NOT NULL, COALESCE(validity_type, 'three_years'), array_agg(id ORDER BY id)
          FROM tablet_convention
         WHERE model_id IS NULL
         GROUP BY 1, 2
    """)
    Model = env["tablet.convention.model"]
    Convention = env["tablet.convention"]
    for academy_party, validity, ids in cr.fetchall():
        xmlid = MODEL_OF.get((academy_party, validity))
        model = env.ref(xmlid) if xmlid else None
        if not model:
            name, name_fr = LEGACY_NAMES[validity]
            model = Model.create({
                "name": name, "sequence": 90, "company_id": False, "academy_party": False,
                "signature_before_handover": False, "gift_allowed": True, "validity_type": validity,
                "home_use": "college", "funding_statement": LEGACY_FUNDING,
            })
            model.update_field_translations("name", {"fr_FR": name_fr})
        cr.execute("UPDATE tablet_convention SET model_id = %s WHERE id = ANY(%s)", [model.id, ids])
        # What reads the model follows: the collège's "Académie is a party" (record rules of the
        # Académie), the convention's Académie and validity (the same values, by the mapping).
        Convention.browse(ids).modified(["model_id"])
        _logger.info("tablet_loan migration: %d convention(s) under the model %s", len(ids), model.name)


def _decided_incidents(env):
    env.cr.execute("""
        UPDATE tablet_incident SET state = 'decided'
         WHERE state = 'validated' AND decision_date IS NOT NULL
     RETURNING id
    """)
    ids = [row[0] for row in env.cr.fetchall()]
    env["tablet.incident"].browse(ids).modified(["state"])
    _logger.info("tablet_loan migration: %d decided incident(s) moved from validated to decided", len(ids))


def _list_submissions(env):
    env.cr.execute("""
        INSERT INTO tablet_user_list_sent_partner_rel (list_id, partner_id)
        SELECT DISTINCT line.list_id, line.partner_id
          FROM tablet_user_list_line line
          JOIN tablet_user_list list ON list.id = line.list_id
         WHERE list.state IN ('submitted', 'validated') AND line.partner_id IS NOT NULL
        ON CONFLICT DO NOTHING
    """)
    _logger.info("tablet_loan migration: %d person(s) recorded as last submitted on nominative lists",
                 env.cr.rowcount)


def _referent_access(env):
    """Grant only: a user given the role by hand before keeps it (nothing is revoked)."""
    Convention = env["tablet.convention"]
    signed = Convention.search([("state", "=", "signed"), ("referent_ids", "!=", False)])
    if signed:
        Convention._sync_referent_access([(c.college_id, c.referent_ids) for c in signed], [])
    _logger.info("tablet_loan migration: référents of %d signed convention(s) given the référent role", len(signed))
