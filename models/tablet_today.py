from collections import namedtuple

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools.safe_eval import datetime, safe_eval, time
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

Section = namedtuple("Section", "key group title")
# `group`: a card of the section only some of its users work on (None: all of them).
Card = namedtuple("Card", "key section action filters label help tone group", defaults=(None,))

# Each role's home, in the order shown; a user sees every section of their groups
# (a head also sees the référent's, implied by their group).
# The head's own decisions come first: nobody else can take them (issue 19).
SECTIONS = [
    Section("head", "tablet_loan.group_college_head", _lt("Decisions of the Head")),
    Section("college", "tablet_loan.group_college_referent", _lt("My Collège: Today's Work")),
    Section("accountant", "tablet_loan.group_college_accountant", _lt("Charges to Follow")),
    Section("department", "tablet_loan.group_department_officer", _lt("Département: Fleet and Claims to Follow")),
    Section("academy", "tablet_loan.group_academy_officer", _lt("Académie: Lists and Conventions")),
    Section("supplier", "tablet_loan.group_supplier_agent", _lt("Warranty Desk: Claims to Process")),
]

# A card counts the records of the list it opens: the action's list with the named filters
# of its search view switched on. The count is computed from those very filters, so that
# the number on the card is the number of lines the user then sees.
CARDS = [
    Card("overdue_returns", "college", "tablet_loan.tablet_loan_action", ("filter_overdue",),
         _lt("Overdue Returns"), _lt("Tablets not returned by the day the user left"), "danger"),
    Card("late_declarations", "college", "tablet_loan.tablet_incident_action", ("filter_late", "filter_open"),
         _lt("Late Declarations"), _lt("Open incidents declared more than 48 hours after the event"), "danger"),
    Card("unsigned_contracts", "college", "tablet_loan.tablet_loan_action", ("filter_unsigned",),
         _lt("Unsigned Contracts"), _lt("No signature of a legal representative yet: no home use"),
         "warning"),
    Card("incidents_to_validate", "college", "tablet_loan.tablet_incident_action", ("filter_declared",),
         _lt("Incidents to Validate"), _lt("Declared by the family, to check and validate"), "warning"),
    Card("missing_complaints", "college", "tablet_loan.tablet_incident_action",
         ("filter_missing_complaint", "filter_open"),
         _lt("Thefts without a Complaint"), _lt("The police or gendarmerie complaint is due within 48 hours"),
         "danger"),
    Card("data_to_erase", "college", "tablet_loan.tablet_loan_action", ("filter_returned",),
         _lt("Data to Erase"), _lt("Returned tablets whose data is not erased yet"), "warning"),
    Card("supplier_answers", "college", "tablet_loan.tablet_warranty_claim_action", ("filter_answered",),
         _lt("Tablets Coming Back from the Supplier"), _lt("Warranty claims answered, tablet not returned yet"),
         "info"),
    Card("replacements_to_decide", "head", "tablet_loan.tablet_incident_action", ("filter_to_decide",),
         _lt("Replacements to Decide"), _lt("Breakage, loss or theft validated, waiting for your decision"),
         "warning"),
    Card("geolocations_to_authorise", "head", "tablet_loan.tablet_geolocation_request_action",
         ("filter_requested",),
         _lt("Geolocations to Authorise"), _lt("Requests of the digital referent, exceptional"), "warning"),
    Card("annual_report_to_submit", "head", "tablet_loan.tablet_annual_report_action", ("filter_draft",),
         _lt("Annual Report to Submit"),
         _lt("The year's digital usage, for the Académie and the Département"), "info"),
    Card("head_charges_to_confirm", "head", "tablet_loan.tablet_charge_action", ("filter_draft",),
         _lt("Charges to Confirm"), _lt("Financial counterparts not confirmed yet"), "info"),
    Card("charges_to_confirm", "accountant", "tablet_loan.tablet_charge_action", ("filter_draft",),
         _lt("Charges to Confirm"), _lt("Proposed after the head's decision, to check and confirm"), "info"),
    Card("charges_to_invoice", "accountant", "tablet_loan.tablet_charge_action", ("filter_to_invoice",),
         _lt("Charges to Invoice"), _lt("Confirmed charges without an invoice to the legal representative"),
         "warning"),
    Card("charges_unpaid", "accountant", "tablet_loan.tablet_charge_action", ("filter_unpaid",),
         _lt("Unpaid Invoices"), _lt("Invoiced charges whose payment is still expected"), "danger"),
    Card("colleges_missing_tablets", "department", "tablet_loan.tablet_college_overview_action", ("filter_missing",),
         _lt("Collèges Missing Tablets"), _lt("Fewer tablets held than pupils, teachers and staff to equip"),
         "danger"),
    Card("colleges_convention_to_sign", "department", "tablet_loan.tablet_college_overview_action",
         ("filter_to_sign",),
         _lt("Collèges without a Signed Convention"), _lt("No convention yet, or a draft to sign"), "warning"),
    Card("tablets_in_repair", "department", "tablet_loan.maintenance_equipment_action_tablet", ("filter_repair",),
         _lt("Tablets in Repair"), _lt("Broken or failing tablets out of use"), "warning"),
    Card("tablets_lost", "department", "tablet_loan.maintenance_equipment_action_tablet", ("filter_lost",),
         _lt("Tablets Lost or Stolen"), _lt("Declared lost or stolen by the collèges"), "danger"),
    Card("claims_to_send", "department", "tablet_loan.tablet_warranty_claim_action", ("filter_to_send",),
         _lt("Claims to Send"), _lt("Eligible warranty claims not sent to the supplier yet"), "warning"),
    Card("claims_waiting_late", "department", "tablet_loan.tablet_warranty_claim_action", ("filter_waiting_late",),
         _lt("Supplier Late"), _lt("Claims waiting for the supplier for more than 15 days"), "danger"),
    Card("geolocations_to_carry_out", "department", "tablet_loan.tablet_geolocation_request_action",
         ("filter_authorised",),
         _lt("Geolocations to Carry Out"), _lt("Authorised by the head, to carry out in the MDM"), "warning"),
    Card("department_overdue_returns", "department", "tablet_loan.tablet_loan_action", ("filter_overdue",),
         _lt("Overdue Returns"), _lt("Tablets not returned by the day the user left"), "info"),
    Card("conventions_expiring", "department", "tablet_loan.tablet_convention_action", ("filter_expiring",),
         _lt("Conventions Expiring"), _lt("Signed conventions ending within 60 days: renew them"), "info"),
    Card("department_annual_reports_to_read", "department", "tablet_loan.tablet_annual_report_action",
         ("filter_submitted", "filter_my_activities"),
         _lt("Annual Reports to Read"), _lt("Submitted by the heads: record that you read them"), "warning",
         "tablet_loan.group_department_manager"),
    Card("lists_to_validate", "academy", "tablet_loan.tablet_user_list_action", ("filter_submitted",),
         _lt("Lists to Validate"), _lt("Nominative lists submitted by the heads"), "warning"),
    Card("conventions_to_sign", "academy", "tablet_loan.tablet_convention_action", ("filter_draft",),
         _lt("Conventions to Sign"), _lt("Draft partnership conventions of your collèges"), "info"),
    Card("annual_reports_to_read", "academy", "tablet_loan.tablet_annual_report_action",
         ("filter_submitted", "filter_my_activities"),
         _lt("Annual Reports to Read"), _lt("Submitted by the heads: record that you read them"), "warning"),
    Card("claims_to_answer", "supplier", "tablet_loan.tablet_warranty_claim_action", ("filter_waiting",),
         _lt("Claims to Answer"), _lt("Record the RMA number and your answer"), "warning"),
    Card("claims_late", "supplier", "tablet_loan.tablet_warranty_claim_action", ("filter_waiting_late",),
         _lt("Claims Waiting More Than 15 Days"), _lt("Sent to you more than 15 days ago"), "danger"),
    Card("claims_to_return", "supplier", "tablet_loan.tablet_warranty_claim_action", ("filter_answered",),
         _lt("Tablets to Return"), _lt("Answered claims whose tablet is not back at the collège yet"), "info"),
]
CARDS_BY_KEY = {card.key: card for card in CARDS}


class TabletToday(models.AbstractModel):
    """The home of each role (menu *Today*): counters of the day's work that open the
    lists behind them. Nothing is stored; every count runs as the user, under their
    access rights and record rules, with the very filters of the list it opens."""

    _name = "tablet.today"
    _description = "Today's Work of the Tablet Programme"

    @api.readonly
    @api.model
    def get_today(self):
        """The sections of the user's roles, each with its cards and their counts."""
        sections = []
        for section in self._user_sections():
            cards = []
            for card in (c for c in CARDS if c.section == section.key and self._user_has(c.group)):
                target = self._card_target(card)
                if target is None:
                    continue
                model, domain, action = target
                cards.append({
                    "key": card.key,
                    "label": self.env._(card.label),
                    "help": self.env._(card.help),
                    "tone": card.tone,
                    "count": self.env[model].with_context(**action["context"]).search_count(domain),
                })
            if cards:
                sections.append({"key": section.key, "title": self.env._(section.title), "cards": cards})
        return {"sections": sections}

    @api.readonly
    @api.model
    def action_open_card(self, key):
        """The list behind a card, with the card's filters switched on (and removable)."""
        card = CARDS_BY_KEY.get(key)
        mine = card and self._user_has(card.group) and card.section in {s.key for s in self._user_sections()}
        target = self._card_target(card) if mine else None
        if target is None:
            raise UserError(_("This counter is not part of your home page."))
        _model, _domain, action = target
        return action

    # ------------------------------------------------------------------ helpers
    def _user_sections(self):
        return [section for section in SECTIONS if self.env.user.has_group(section.group)]

    def _user_has(self, group):
        return not group or self.env.user.has_group(group)

    def _eval_context(self):
        """What the web client offers to the domains and contexts of actions and filters."""
        today = fields.Date.context_today(self)
        return {
            "uid": self.env.uid,
            "context_today": lambda: today,
            "current_date": today.strftime("%Y-%m-%d"),
            "datetime": datetime,
            "relativedelta": relativedelta,
            "time": time,
        }

    def _card_target(self, card):
        """(model, domain, action) of the list a card opens for this user, or None when
        the user may not read that model or the list has not the card's filters."""
        action = self.env["ir.actions.act_window"]._for_xml_id(card.action)
        Model = self.env[action["res_model"]]
        if not Model.has_access("read"):
            return None
        eval_context = self._eval_context()
        search_view = action.get("search_view_id")
        arch = etree.fromstring(Model.get_view(search_view and search_view[0], "search")["arch"])
        filters = self._search_filters(arch)
        if any(name not in filters for name in card.filters):
            return None
        # The web client ORs the filters of one group and ANDs the groups: so does the count.
        by_group = {}
        for name in card.filters:
            group, domain = filters[name]
            by_group.setdefault(group, []).append(safe_eval(domain, eval_context))
        action_domain = action.get("domain") or []
        if isinstance(action_domain, str):
            action_domain = safe_eval(action_domain, eval_context)
        domain = expression.AND([action_domain] + [expression.OR(domains) for domains in by_group.values()])
        context = action.get("context") or {}
        if isinstance(context, str):
            context = safe_eval(context, eval_context)
        context = {k: v for k, v in context.items() if not k.startswith("search_default_")}
        context.update({f"search_default_{name}": 1 for name in card.filters})
        action.update(context=context, name=self.env._(card.label), target="current")
        return Model._name, domain, action

    @staticmethod
    def _search_filters(arch):
        """{filter name: (group number, domain)} of the domain filters of a search view.

        Consecutive filters form a group, as in the web client's search arch parser; any
        other element (field, separator, group-by filter, group) closes the group.
        """
        filters, group = {}, 0
        for node in arch.iter(etree.Element):
            context = node.get("context") or ""
            if node.tag == "filter" and node.get("name") and node.get("domain") and "group_by" not in context:
                filters[node.get("name")] = (group, node.get("domain"))
            else:
                group += 1
        return filters
