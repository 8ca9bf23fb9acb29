/** @odoo-module **/

import { formatDate, formatDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";

/*
 * A school year at the Collège du Lac Bleu as its staff live it, in French, on the demo
 * database (tests/test_tour.py). Elements are found by their field, button and menu
 * names, never by English text; the pupil is the one the test names "Tournesol".
 */
const { DateTime } = luxon;
const PUPIL = "Tournesol";

function menu(xmlid) {
    return `.o_main_navbar [data-menu-xmlid='tablet_loan.${xmlid}']`;
}

function openSubMenu(parent, xmlid, content) {
    return [
        { content: `${content}: open the menu`, trigger: menu(parent), run: "click" },
        {
            content,
            trigger: `.dropdown-item[data-menu-xmlid='tablet_loan.${xmlid}']`,
            run: "click",
        },
    ];
}

function statusIs(value) {
    return {
        content: `the status is now ${value}`,
        trigger: `.o_statusbar_status button.o_arrow_button_current[data-value='${value}']`,
    };
}

function save() {
    return [
        { content: "save", trigger: ".o_form_button_save:enabled", run: "click" },
        { content: "saved", trigger: ".o_form_saved" },
    ];
}

registry.category("web_tour.tours").add("tablet_loan_referent_tour", {
    url: "/odoo/tablet-today",
    steps: () => [
        {
            content: "The référent lands on today's work: unsigned contracts are counted",
            trigger: ".o_tablet_today_card[name='unsigned_contracts'][data-count]",
        },
        {
            content: "and late declarations (R18)",
            trigger: ".o_tablet_today_card[name='late_declarations']",
        },
        // Rentrée deployment of the class 5e B (R8, R11).
        ...openSubMenu("menu_tablet_loans", "tablet_deployment_wizard_menu", "Rentrée deployment"),
        {
            content: "Deploy to the class 5e B",
            trigger: ".modal .o_field_widget[name='school_class'] input",
            run: "edit 5e B && click .modal-body .o_field_widget[name='borrower_count']",
        },
        {
            content: "the 20 pupils of 5e B are to equip",
            trigger: ".modal .o_field_widget[name='borrower_count']:contains(20)",
        },
        {
            content: "Deploy",
            trigger: ".modal button[name='action_deploy']",
            run: "click",
        },
        {
            content: "Open the new loan of the pupil",
            trigger: `.o_list_view .o_data_row td[name='borrower_id']:contains(${PUPIL})`,
            run: "click",
        },
        // The legal representative signs the contract (R11): home use follows (R12).
        {
            content: "The loan is active, not signed yet",
            trigger: ".o_form_view .o_field_widget[name='home_use_allowed'] input:not(:checked)",
        },
        {
            content: "Signed by the legal representative",
            trigger: ".o_field_widget[name='signed_by_id'] input",
            run: `edit ${PUPIL}`,
        },
        {
            content: "choose the legal representative, not the pupil",
            trigger: `.o_field_widget[name='signed_by_id'] .o-autocomplete--dropdown-item:contains(Claire ${PUPIL})`,
            run: "click",
        },
        {
            content: "Signed today",
            trigger: ".o_field_widget[name='signed_date'] input",
            run: `edit ${formatDate(DateTime.now())} && press Enter`,
        },
        ...save(),
        {
            content: "Home use is now allowed",
            trigger: ".o_field_widget[name='home_use_allowed'] input:checked",
        },
        // A breakage declared to the collège (R18).
        ...openSubMenu("menu_tablet_loans", "tablet_incident_menu", "Incidents"),
        { content: "New incident", trigger: ".o_list_button_add", run: "click" },
        {
            content: "A breakage",
            trigger: ".o_field_widget[name='incident_type'] select",
            run: 'select "breakage"',
        },
        {
            content: "of the pupil's loan",
            trigger: ".o_field_widget[name='loan_id'] input",
            run: `edit ${PUPIL}`,
        },
        {
            content: "choose the loan",
            trigger: `.o_field_widget[name='loan_id'] .o-autocomplete--dropdown-item:contains(${PUPIL})`,
            run: "click",
        },
        {
            content: "It happened three hours ago",
            trigger: ".o_field_widget[name='event_datetime'] input",
            run: `edit ${formatDateTime(DateTime.now().minus({ hours: 3 }))} && press Enter`,
        },
        {
            content: "Circumstances from the family's letter",
            trigger: ".o_field_widget[name='circumstances'] textarea",
            run: "edit La tablette est tombée du bureau ; elle ne s'allume plus.",
        },
        ...save(),
        {
            content: "declared on time",
            trigger: ".o_field_widget[name='late_declaration'] input:not(:checked)",
        },
        { content: "Validate", trigger: ".o_form_view button[name='action_validate']", run: "click" },
        statusIs("validated"),
        // The warranty claim (R20).
        {
            content: "Claim the supplier's warranty",
            trigger: ".o_form_view button[name='action_open_warranty_claim']",
            run: "click",
        },
        {
            content: "The whole device fails",
            trigger: ".o_field_widget[name='fault_type'] select",
            run: 'select "whole_device"',
        },
        {
            content: "Describe the fault, never the pupil",
            trigger: ".o_field_widget[name='fault_description'] textarea",
            run: "edit Ne s'allume plus, aucune trace de choc.",
        },
        ...save(),
        {
            content: "eligible for the warranty",
            trigger: ".o_field_widget[name='eligible'] input:checked",
        },
        { content: "Send to the supplier", trigger: ".o_form_view button[name='action_send']", run: "click" },
        statusIs("sent"),
    ],
});

registry.category("web_tour.tours").add("tablet_loan_head_tour", {
    url: "/odoo/tablet-today",
    steps: () => [
        // The head decides the replacement and its counterparts (R23, R24).
        {
            content: "The head opens the replacements to decide",
            trigger: ".o_tablet_today_card[name='replacements_to_decide']",
            run: "click",
        },
        {
            content: "the pupil's breakage",
            trigger: `.o_list_view .o_data_row td[name='borrower_id']:contains(${PUPIL})`,
            run: "click",
        },
        {
            content: "Replacement decision tab",
            trigger: ".o_notebook .nav-link[name='decision']",
            run: "click",
        },
        {
            content: "Replace the tablet",
            trigger: ".o_field_widget[name='decision'] select",
            run: 'select "replace"',
        },
        {
            content: "The head qualifies the facts: clear negligence",
            trigger: ".o_field_widget[name='qualification'] select",
            run: 'select "negligence"',
        },
        {
            content: "with a tablet of the collège's stock, found by its serial number",
            trigger: ".o_field_widget[name='replacement_equipment_id'] input",
            run: "edit LB26",
        },
        {
            content: "the first one in stock",
            trigger: ".o_field_widget[name='replacement_equipment_id'] .o-autocomplete--dropdown-item:contains(LB26):first",
            run: "click",
        },
        {
            content: "is chosen",
            trigger: ".o_field_widget[name='replacement_equipment_id'] input:value(LB26)",
        },
        {
            content: "Financial counterpart from the CA's tariff (R24b)",
            trigger: ".o_field_widget[name='counterpart_charge'] input",
            run: "click",
        },
        {
            content: "the tariff proposes its amount",
            trigger: ".o_field_widget[name='tariff_line_id'] :is(a, span, input)",
        },
        {
            content: "Decide",
            trigger: ".o_form_view button[name='action_decide']",
            run: "click",
        },
        {
            content: "Confirm the decision",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The decision is recorded with its charge",
            trigger: ".o_field_widget[name='charge_id'] a",
            run: "click",
        },
        // The charge to the family (R21, R24b).
        {
            content: "The charge is a draft for the legal representative",
            trigger: `.o_form_view .o_field_widget[name='payer_id'] input:value(${PUPIL})`,
        },
        { content: "Confirm the charge", trigger: ".o_form_view button[name='action_confirm']", run: "click" },
        statusIs("confirmed"),
    ],
});
