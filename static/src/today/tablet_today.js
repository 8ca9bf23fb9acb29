/** @odoo-module **/

import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

/**
 * Home of each role of the tablet programme: counters of today's work, computed by
 * the server as the user (tablet.today), each opening the list it counts.
 */
export class TabletToday extends Component {
    static template = "tablet_loan.TabletToday";
    static components = { Layout };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.state = useState({ sections: [], loaded: false });
        onWillStart(async () => {
            const today = await this.orm.call("tablet.today", "get_today", []);
            this.state.sections = today.sections;
            this.state.loaded = true;
        });
    }

    async openCard(card) {
        const action = await this.orm.call("tablet.today", "action_open_card", [card.key]);
        await this.actionService.doAction(action);
    }
}

registry.category("actions").add("tablet_loan.today", TabletToday);
