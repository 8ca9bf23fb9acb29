/** @odoo-module **/

import { formatDateTime } from "@web/core/l10n/dates";
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
            content: "Record the signature",
            trigger: ".o_form_view button[name='action_open_signature_wizard']",
            run: "click",
        },
        {
            content: "the legal representative is proposed, not the pupil",
            trigger: `.modal .o_field_widget[name='signer_1_id'] input:value(Claire ${PUPIL})`,
        },
        ...signOnScreen("signature_1", `Claire ${PUPIL}`),
        { content: "record", trigger: ".modal button[name='action_confirm']", run: "click" },
        { content: "the wizard is closed", trigger: "body:not(:has(.modal button[name='action_confirm']))" },
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

/*
 * Issue 16: the head imports the collège's SIECLE files, previews, then applies. The files
 * are made here, in the real format (ISO-8859-15 declared, accents as SIECLE writes them),
 * for the demo Collège du Lac Bleu (UAI 0389101L) and the current school year.
 */
const SIECLE_UAI = "0389101L";

function siecleYear() {
    const today = DateTime.now();
    return today.month >= 9 ? today.year : today.year - 1;
}

function siecleFile(name, text) {
    // ISO-8859-15 bytes for the letters used here (all in Latin-1's range).
    const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
    return new File([bytes], name, { type: "text/xml" });
}

function siecleParams(year) {
    return `<PARAMETRES><UAJ>${SIECLE_UAI}</UAJ><ANNEE_SCOLAIRE>${year}</ANNEE_SCOLAIRE>` +
        `<DATE_EXPORT>01/09/${year}</DATE_EXPORT></PARAMETRES>`;
}

function siecleEleves(year) {
    const pupil = (id, last, first, mef, division) =>
        `<ELEVE ELEVE_ID="${id}"><NOM_DE_FAMILLE>${last}</NOM_DE_FAMILLE><PRENOM>${first}</PRENOM>` +
        `<DATE_NAISS>02/03/${year - 12}</DATE_NAISS><CODE_MEF>${mef}</CODE_MEF>` +
        `<DATE_ENTREE>01/09/${year}</DATE_ENTREE></ELEVE>`;
    const structure = (id, division) =>
        `<STRUCTURES_ELEVE ELEVE_ID="${id}"><STRUCTURE><CODE_STRUCTURE>${division}</CODE_STRUCTURE>` +
        `<TYPE_STRUCTURE>D</TYPE_STRUCTURE></STRUCTURE></STRUCTURES_ELEVE>`;
    return `<?xml version="1.0" encoding="ISO-8859-15"?>\n<BEE_ELEVES VERSION="3.1">${siecleParams(year)}` +
        `<DONNEES><ELEVES>${pupil(910001, "TOURNESOL", "Zoé", "10010012110")}` +
        `${pupil(910002, "LEFÈVRE", "Jérôme", "10110001110")}</ELEVES><STRUCTURES>` +
        `${structure(910001, "6C")}${structure(910002, "5C")}</STRUCTURES></DONNEES></BEE_ELEVES>\n`;
}

function siecleResponsables(year) {
    const person = (id, last, first) =>
        `<PERSONNE PERSONNE_ID="${id}"><NOM_DE_FAMILLE>${last}</NOM_DE_FAMILLE><PRENOM>${first}</PRENOM>` +
        `<TEL_PORTABLE>06 00 00 00 0${id % 10}</TEL_PORTABLE><ADRESSE_ID>${id}</ADRESSE_ID></PERSONNE>`;
    const link = (pupil, id) =>
        `<RESPONSABLE_ELEVE><ELEVE_ID>${pupil}</ELEVE_ID><PERSONNE_ID>${id}</PERSONNE_ID>` +
        `<NIVEAU_RESPONSABILITE>1</NIVEAU_RESPONSABILITE></RESPONSABLE_ELEVE>`;
    const address = (id) =>
        `<ADRESSE ADRESSE_ID="${id}"><LIGNE1_ADRESSE>3 rue de l'Église</LIGNE1_ADRESSE>` +
        `<CODE_POSTAL>38000</CODE_POSTAL><LIBELLE_POSTAL>GRENOBLE</LIBELLE_POSTAL></ADRESSE>`;
    return `<?xml version="1.0" encoding="ISO-8859-15"?>\n<BEE_RESPONSABLES VERSION="1.7">${siecleParams(year)}` +
        `<DONNEES><PERSONNES>${person(920001, "TOURNESOL", "Hélène")}${person(920002, "LEFÈVRE", "Noël")}` +
        `</PERSONNES><RESPONSABLES>${link(910001, 920001)}${link(910002, 920002)}</RESPONSABLES>` +
        `<ADRESSES>${address(920001)}${address(920002)}</ADRESSES></DONNEES></BEE_RESPONSABLES>\n`;
}

function uploadStep(fieldName, file) {
    return {
        content: `give the file ${file().name}`,
        trigger: `.modal .o_field_widget[name='${fieldName}'] input[type='file']:not(:visible)`,
        run() {
            const transfer = new DataTransfer();
            transfer.items.add(file());
            this.anchor.files = transfer.files;
            this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
        },
    };
}

registry.category("web_tour.tours").add("tablet_loan_siecle_import_tour", {
    url: "/odoo/tablet-today",
    steps: () => [
        ...openSubMenu("menu_tablet_people", "tablet_siecle_import_menu",
            "The head opens the SIECLE import from the People menu"),
        {
            content: "the head's collège is already chosen",
            trigger: ".modal .o_field_widget[name='college_id'] input:value(Lac Bleu)",
        },
        uploadStep("file_1", () => siecleFile("ElevesSansAdresses.xml", siecleEleves(siecleYear()))),
        {
            content: "the first file is there",
            trigger: ".modal .o_field_widget[name='file_1'] .o_clear_file_button",
        },
        uploadStep("file_2", () => siecleFile("ResponsablesAvecAdresses.xml", siecleResponsables(siecleYear()))),
        {
            content: "the second file is there",
            trigger: ".modal .o_field_widget[name='file_2'] .o_clear_file_button",
        },
        { content: "preview", trigger: ".modal button[name='action_preview']", run: "click" },
        {
            content: "two arrivals, nothing written yet",
            trigger: ".modal .o_field_widget[name='arrival_count']:contains('2')",
        },
        {
            content: "two legal representatives",
            trigger: ".modal .o_field_widget[name='representative_count']:contains('2')",
        },
        { content: "apply", trigger: ".modal button[name='action_apply']", run: "click" },
        { content: "the wizard is closed", trigger: "body:not(:has(.modal button[name='action_apply']))" },
    ],
});

/*
 * Issue 17: a legal representative signs on the screen. The signature widget opens its pad; the
 * tour chooses to draw by hand and moves a pointer over the canvas as a finger or a stylus would
 * (SignaturePad listens to pointer events), then adopts the signature.
 */
async function drawOn(canvas) {
    const rect = canvas.getBoundingClientRect();
    const at = (x, y, buttons) => ({
        clientX: rect.left + x, clientY: rect.top + y, bubbles: true, cancelable: true,
        pointerId: 1, pointerType: "pen", isPrimary: true, buttons, pressure: 0.5,
    });
    const pause = () => new Promise((resolve) => setTimeout(resolve, 25));
    canvas.dispatchEvent(new PointerEvent("pointerdown", at(20, rect.height / 2, 1)));
    for (let i = 1; i <= 16; i++) {
        await pause();
        const x = 20 + i * ((rect.width - 40) / 16);
        const y = rect.height / 2 + Math.sin(i * 1.3) * rect.height * 0.3;
        canvas.dispatchEvent(new PointerEvent("pointermove", at(x, y, 1)));
    }
    await pause();
    canvas.ownerDocument.dispatchEvent(new PointerEvent("pointerup", at(rect.width - 20, rect.height / 2, 0)));
}

function signOnScreen(fieldName, who) {
    const pad = ".modal:has(canvas.o_web_sign_signature)";
    return [
        {
            content: `${who} signs: open the signature pad`,
            trigger: `.modal .o_field_widget[name='${fieldName}'] .o_signature`,
            run: "click",
        },
        { content: "draw by hand", trigger: `${pad} .o_web_sign_draw_button`, run: "click" },
        {
            content: `${who} draws the signature`,
            trigger: `${pad} .o_web_sign_draw_button.active`,
            async run() {
                // The pad first writes the name in a script font (its "auto" mode), once the font
                // is loaded: let it finish, clear it, then draw.
                await new Promise((resolve) => setTimeout(resolve, 800));
                document.querySelector(`${pad} .o_web_sign_draw_clear a`).click();
                await new Promise((resolve) => setTimeout(resolve, 100));
                await drawOn(document.querySelector(`${pad} canvas.o_web_sign_signature`));
            },
        },
        { content: "adopt the signature", trigger: `${pad} .modal-footer .btn-primary:enabled`, run: "click" },
        {
            content: `${who}'s signature is in the form`,
            trigger: `.modal .o_field_widget[name='${fieldName}'] img.o_signature`,
        },
    ];
}

registry.category("web_tour.tours").add("tablet_loan_signature_tour", {
    steps: () => [
        {
            content: "The référent opens the loan to hand over: not signed yet",
            trigger: ".o_form_view .o_field_widget[name='home_use_allowed'] input:not(:checked)",
        },
        {
            content: "Record the signature",
            trigger: ".o_form_view button[name='action_open_signature_wizard']",
            run: "click",
        },
        {
            content: "both legal representatives are proposed",
            trigger: `.modal .o_field_widget[name='signer_1_id'] input:value(Bernard ${PUPIL})`,
        },
        {
            content: "and the second one",
            trigger: `.modal .o_field_widget[name='signer_2_id'] input:value(Claire ${PUPIL})`,
        },
        {
            content: "the staff member present is the référent",
            trigger: ".modal .o_field_widget[name='staff_user_id'] input",
        },
        ...signOnScreen("signature_1", `Bernard ${PUPIL}`),
        ...signOnScreen("signature_2", `Claire ${PUPIL}`),
        { content: "record", trigger: ".modal button[name='action_confirm']", run: "click" },
        { content: "the wizard is closed", trigger: "body:not(:has(.modal button[name='action_confirm']))" },
        {
            content: "Home use is now allowed",
            trigger: ".o_form_view .o_field_widget[name='home_use_allowed'] input:checked",
        },
        {
            // Rendered after the request by the scheduled action; the family at the desk need not wait.
            content: "the signed copy is being prepared",
            trigger: ".o_form_view .o_field_widget[name='signed_copy_due']",
        },
        {
            content: "prepare it now, the family is waiting",
            trigger: ".o_form_view button[name='action_keep_signed_copy']",
            run: "click",
        },
        {
            content: "the signed contract is kept on the loan",
            trigger: ".o_form_view .o_field_widget[name='signed_contract_id']:contains(PRET-)",
        },
        {
            content: "the signatures are listed",
            trigger: ".o_form_view .o_field_widget[name='signature_ids'] .o_data_row:nth-child(2)",
        },
        {
            content: "Print the signed contract",
            trigger: ".o_form_view button[name='action_open_signed_contract']",
            run: "click",
        },
        { content: "still on the loan", trigger: ".o_form_view .o_field_widget[name='signed_contract_id']" },
    ],
});
