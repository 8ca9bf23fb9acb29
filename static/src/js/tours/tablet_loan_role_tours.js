/** @odoo-module **/

import { registry } from "@web/core/registry";

/*
 * Each remaining role's main path from its Today page, in French, on the demo database
 * (tests/test_tour.py, TestRoleTours): the accountant invoices a charge, the supplier answers
 * a claim with its repair report, the Académie reads an annual report, the Département opens
 * its overview. Elements are found by card keys, field and button names, never by text.
 */

function statusIs(value) {
    return {
        content: `the status is now ${value}`,
        trigger: `.o_statusbar_status button.o_arrow_button_current[data-value='${value}']`,
    };
}

function openCard(key, content) {
    return { content, trigger: `.o_tablet_today_card[name='${key}']`, run: "click" };
}

function firstRow(content) {
    return { content, trigger: ".o_list_view .o_data_row td.o_data_cell", run: "click" };
}

registry.category("web_tour.tours").add("tablet_loan_accountant_tour", {
    url: "/odoo/tablet-today",
    steps: () => [
        openCard("charges_to_invoice", "The accountant opens the charges to invoice"),
        firstRow("the charge confirmed by the head"),
        statusIs("confirmed"),
        {
            content: "Invoice it to the legal representative",
            trigger: ".o_form_view button[name='action_create_invoice']",
            run: "click",
        },
        statusIs("invoiced"),
    ],
});

registry.category("web_tour.tours").add("tablet_loan_supplier_tour", {
    url: "/odoo/tablet-today",
    steps: () => [
        openCard("claims_to_answer", "The supplier's desk opens the claims to answer"),
        firstRow("the claim sent by the Département"),
        statusIs("sent"),
        {
            content: "RMA number",
            trigger: ".o_field_widget[name='rma_number'] input",
            run: "edit RMA-TOUR-1",
        },
        {
            content: "Repaired",
            trigger: ".o_field_widget[name='answer'] select",
            run: 'select "repaired"',
        },
        {
            content: "The repair report",
            trigger: ".o_field_widget[name='repair_report'] textarea",
            run: "edit Connecteur de charge remplacé, batterie testée.",
        },
        {
            content: "Record the answer",
            trigger: ".o_form_view button[name='action_record_answer']",
            run: "click",
        },
        statusIs("answered"),
    ],
});

registry.category("web_tour.tours").add("tablet_loan_academy_tour", {
    url: "/odoo/tablet-today",
    steps: () => [
        openCard("annual_reports_to_read", "The Académie opens the annual reports to read"),
        firstRow("the report submitted by the head"),
        {
            content: "Mark it as read",
            trigger: ".o_form_view button[name='action_acknowledge']",
            run: "click",
        },
        {
            content: "read: the button is gone",
            trigger: ".o_form_view:not(:has(button[name='action_acknowledge']))",
        },
    ],
});

registry.category("web_tour.tours").add("tablet_loan_department_tour", {
    url: "/odoo/tablet-today",
    steps: () => [
        openCard("colleges_missing_tablets", "The Département opens the collèges missing tablets"),
        { content: "the graph of tablets missing per collège", trigger: ".o_graph_renderer canvas" },
        { content: "as a list", trigger: ".o_switch_view.o_list", run: "click" },
        { content: "a collège and its figures", trigger: ".o_list_view .o_data_row td[name='missing_count']" },
    ],
});
