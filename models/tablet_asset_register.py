from odoo import Command, _, api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .maintenance_equipment import EXIT_REASONS
from .utils import check_access_sql, id_array

# Asset states the register still carries (draft: delivered, waiting for its bill; open: running).
CARRIED_STATES = ("draft", "open", "close")


class TabletAssetRegister(models.AbstractModel):
    """The Département's asset register of its tablets (R7, R17), kept with OCA's
    `account_asset_management`: one `account.asset` per tablet, so that one tablet can be
    given, written off or scrapped on its own.

    Set-based paths, for deliveries of 20,000 tablets and campaigns of 10,000 gifts:

    - `_create_assets`: the first tablet of each group (same Département, cost, purchase
      date, supplier) gets its asset through OCA's `create()` and `compute_depreciation_board()`;
      the others copy that asset's row and its depreciation lines in three queries. The tablets
      of one group share every input of OCA's computation, so their boards are OCA's own
      (tests/test_asset_register.py compares them with assets created one by one). Skipped per
      copied row: `create()` overrides of other modules on `account.asset`, mail followers
      and the creation message (the delivery logs one note).
    - `_dispose`: a "remove" line per asset, the unposted depreciation lines deleted and the
      assets "removed", as OCA's removal wizard leaves them, in three queries; then one journal
      entry per Département, profile, date and exit for the whole batch (asset account credited
      by the purchase values, accumulated depreciation debited by the posted depreciation, the
      residual value account by the rest: OCA's "residual value" regime, the French one), at
      once for a write-off or a scrapping.
    - the gifts (R17): the same removal and entry, by the scheduled action that each gift
      triggers (`_cron_book_disposals`): one entry for the day's gifts of every collège, and the
      heads' wizards do not wait for the register (the gift of 10,000 pupils is timed by
      `make bench`).

    Both check the access rights of the user on the asset models first (`check_access`); the
    callers are the module's actions, which checked who acts (see `_register_env`)."""

    _name = "tablet.asset.register"
    _description = "Asset Register of the Tablets"

    # ----------------------------------------------------------------- helpers
    @api.model
    def _register_env(self, tablets):
        """The environment that writes the register and its entries for an exit that the module's
        action allowed (its `tablet_action` role and its own checks on the tablets).

        A Département officer who is also a Billing user (the Département's accountant or buyer)
        writes them as themselves: access lines, company rules and Odoo's posting right apply. The
        others whose action may take a tablet out of the fleet (a head giving it, R17; an officer
        without accounting rights writing it off or scrapping it, R7; a collège or supplier user
        recording a warranty exchange) may not write journal entries, and must not: superuser for
        this step only, on these tablets' assets, once the user is shown to read the tablets."""
        user = self.env.user
        if self.env.su or (user.has_group("tablet_loan.group_department_officer")
                           and user.has_group("account.group_account_invoice")):
            return self.env
        check_access_sql(tablets, "read")
        return self.sudo().env

    @api.model
    def _profile(self, company):
        return company.sudo().tablet_asset_profile_id.with_env(self.env)

    # ---------------------------------------------------------------- creating
    @api.model
    def _create_assets(self, tablets, validate=True):
        """One asset per tablet of `tablets` that has none, for Départements with an asset
        profile for tablets. `validate`: running at once (a delivery without an order in Odoo);
        else draft until the vendor bill of the order posts (`account.move._post`)."""
        self.env["account.asset"].check_access("create")
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """SELECT company_id, cost, purchase_date, partner_id, array_agg(id ORDER BY id)
                 FROM maintenance_equipment
                WHERE id = ANY(%s) AND is_tablet AND asset_id IS NULL
                GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4""", tablets.ids))
        Tablet = self.env["maintenance.equipment"].with_context(active_test=False)
        assets = self.env["account.asset"]
        for company_id, cost, purchase_date, partner_id, ids in self.env.cr.fetchall():
            profile = self._profile(self.env["res.company"].browse(company_id))
            if not profile:
                continue
            if not cost or not purchase_date:
                raise UserError(_(
                    "The asset register needs the purchase cost and date of each tablet: missing for %s.",
                    Tablet.browse(ids)._names()))
            assets |= self._create_group(profile, cost, purchase_date, self.env["res.partner"].browse(partner_id),
                                         Tablet.browse(ids), validate)
        return assets

    @api.model
    def _register_fleet(self, company_ids):
        """Every tablet still in the fleet of these Départements without an asset enters the register,
        running: for a Département that sets its asset profile on an existing fleet (and the demo)."""
        tablets = self.env["maintenance.equipment"].search([
            ("company_id", "in", company_ids), ("is_tablet", "=", True), ("asset_id", "=", False),
            ("cost", ">", 0), ("purchase_date", "!=", False)])
        return self._create_assets(tablets, validate=True)

    def _create_group(self, profile, cost, purchase_date, partner, tablets, validate):
        Asset = self.env["account.asset"].with_context(
            mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True)
        first, rest = tablets[0], tablets[1:]
        template = Asset.create({
            "name": self._asset_name(first), "code": first.serial_no, "profile_id": profile.id,
            "purchase_value": cost, "date_start": purchase_date, "partner_id": partner.id or False,
            "company_id": first.company_id.id, "equipment_id": first.id,
        })
        template.compute_depreciation_board()
        if validate:
            template.validate()
        self.env.flush_all()
        ids = [template.id]
        if rest:
            ids += self._copy_asset(template, rest)
        self.env.cr.execute(SQL(
            "UPDATE maintenance_equipment e SET asset_id = a.id FROM account_asset a "
            "WHERE a.equipment_id = e.id AND a.id = ANY(%s)", ids))
        self.env["maintenance.equipment"].invalidate_model(["asset_id"], flush=False)
        return self.env["account.asset"].browse(ids)

    @api.model
    def _asset_name(self, tablet):
        return " ".join(filter(None, [tablet.model or tablet.name, tablet.serial_no]))

    def _copy_asset(self, template, tablets):
        """The template's row, its depreciation lines and its groups, once per tablet."""
        own = {"id", "name", "code", "equipment_id"}
        Asset, Line = self.env["account.asset"], self.env["account.asset.line"]
        copied = [f for f, field in Asset._fields.items() if field.store and field.column_type and f not in own]
        self.env.cr.execute(SQL(
            """INSERT INTO account_asset (name, code, equipment_id, %(columns)s)
               SELECT btrim(concat_ws(' ', e.model, e.serial_no)), e.serial_no, e.id, %(copied)s
                 FROM maintenance_equipment e, account_asset t
                WHERE t.id = %(template)s AND e.id = ANY(%(tablets)s)
                ORDER BY e.id
            RETURNING id""",
            columns=SQL(", ").join(SQL.identifier(f) for f in copied),
            copied=SQL(", ").join(SQL.identifier("t", f) for f in copied),
            template=template.id, tablets=tablets.ids))
        ids = [row[0] for row in self.env.cr.fetchall()]
        line_own = {"id", "asset_id", "previous_id"}
        line_copied = [f for f, field in Line._fields.items()
                       if field.store and field.column_type and f not in line_own]
        self.env.cr.execute(SQL(
            """INSERT INTO account_asset_line (asset_id, %(columns)s)
               SELECT a.id, %(copied)s
                 FROM unnest(%(assets)s::int[]) AS a(id), account_asset_line l
                WHERE l.asset_id = %(template)s
                ORDER BY a.id, l.line_date, l.id""",
            columns=SQL(", ").join(SQL.identifier(f) for f in line_copied),
            copied=SQL(", ").join(SQL.identifier("l", f) for f in line_copied),
            assets=ids, template=template.id))
        # Each depreciation line follows the previous one of its own asset, as OCA chains them.
        self.env.cr.execute(SQL(
            """UPDATE account_asset_line l SET previous_id = p.previous_id
                 FROM (SELECT id, lag(id) OVER (PARTITION BY asset_id ORDER BY line_date, id) AS previous_id
                         FROM account_asset_line WHERE asset_id = ANY(%(assets)s) AND type = 'depreciate') p
                WHERE l.id = p.id AND p.previous_id IS NOT NULL""", assets=ids))
        self.env.cr.execute(SQL(
            """INSERT INTO account_asset_group_rel (asset_id, group_id)
               SELECT a.id, r.group_id FROM unnest(%(assets)s::int[]) AS a(id), account_asset_group_rel r
                WHERE r.asset_id = %(template)s""", assets=ids, template=template.id))
        return ids

    # --------------------------------------------------------------- disposing
    @api.model
    def _dispose(self, tablets, date, reason):
        """The assets of `tablets` leave the register on `date` (written off, scrapped): see the class,
        one entry per Département, profile and date, booked now. Draft assets (delivered, bill not
        posted) have no acquisition entry to reverse: removed without an entry. Returns the entries."""
        env = self._register_env(tablets)
        env["account.asset"].check_access("write")
        env.flush_all()
        env.cr.execute(SQL(
            "SELECT a.id, a.state = 'draft' FROM unnest(%s::int[]) AS t(id) JOIN maintenance_equipment e ON e.id = t.id "
            "JOIN account_asset a ON a.id = e.asset_id WHERE a.state IN %s", tablets.ids, CARRIED_STATES))
        rows = env.cr.fetchall()
        if not rows:
            return env["account.move"]
        self._remove(env, [row[0] for row in rows], date, reason, to_book=[row[0] for row in rows if not row[1]])
        return self._book_disposals(env, [row[0] for row in rows]).with_env(self.env)

    @api.model
    def _dispose_given_later(self):
        """R17: the tablets just given leave the register by the scheduled action, triggered now: the
        heads give collège by collège (10,000 pupils in a week of June), the register follows within
        a minute with one entry for the day's gifts, and no head waits for the accounting."""
        self.env.ref("tablet_loan.ir_cron_tablet_asset_disposals").sudo()._trigger()

    @api.model
    def _cron_book_disposals(self):
        """The register catches up with the fleet, as the scheduled action's user: the tablets given
        whose asset is still carried are removed on their gift date, then the disposal entries still
        to book are booked. A run that stops is done again by the next one (nothing is lost)."""
        self._remove_given(self.env)
        self._book_disposals(self.env)

    def _remove_given(self, env):
        """The assets of the tablets given (R17) still carried, removed on the day of the gift: a
        fixed number of queries per Département and day, whatever the number of tablets."""
        env.flush_all()
        env.cr.execute(SQL(
            """SELECT a.company_id, coalesce(e.out_of_fleet_date, current_date), array_agg(a.id ORDER BY a.id),
                      array_agg(a.id ORDER BY a.id) FILTER (WHERE a.state != 'draft')
                 FROM maintenance_equipment e JOIN account_asset a ON a.id = e.asset_id
                WHERE e.is_tablet AND e.tablet_state = 'donated' AND a.state IN %s
                GROUP BY 1, 2 ORDER BY 1, 2""", CARRIED_STATES))
        rows = env.cr.fetchall()
        for company_id, date, ids, to_book in rows:
            lang = env["res.company"].browse(company_id).partner_id.lang or env.lang
            self._remove(env, ids, date, EXIT_REASONS["donated"]._translate(lang), to_book=to_book or [])
        if rows:
            env["account.asset"].invalidate_model()
            env["account.asset.line"].invalidate_model()

    def _book_disposals(self, env, asset_ids=None):
        """One posted entry per Département, profile, date and reason for the removals to book (of
        `asset_ids`, else all): see the class. Each removal line then points at its entry."""
        env.flush_all()
        env.cr.execute(SQL(
            """SELECT a.company_id, a.profile_id, l.line_date, l.name, count(*), sum(a.depreciation_base),
                      sum(l.amount), array_agg(l.id)
                 FROM account_asset_line l JOIN account_asset a ON a.id = l.asset_id
                WHERE l.tablet_to_book AND l.type = 'remove' %s
                GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4""",
            SQL("AND l.asset_id = ANY(%s)", asset_ids) if asset_ids is not None else SQL()))
        moves = env["account.move"]
        for _company_id, profile_id, date, reason, count, base, residual, line_ids in env.cr.fetchall():
            profile = env["account.asset.profile"].browse(profile_id)
            move = self._disposal_move(env, profile, date, reason, count, base, residual)
            env.cr.execute(SQL("UPDATE account_asset_line SET move_id = %s, move_check = true, tablet_to_book = false "
                               "WHERE id = ANY(%s)", move.id, line_ids))
            moves |= move
        env["account.asset"].invalidate_model()
        env["account.asset.line"].invalidate_model()
        return moves

    def _disposal_move(self, env, profile, date, reason, count, base, residual):
        currency = profile.company_id.currency_id
        depreciated = currency.round(base - residual)
        residual_account = profile.account_residual_value_id or profile.account_min_value_id
        if not residual_account and not currency.is_zero(residual):
            raise UserError(_(
                "The asset profile %s has no residual value account (nor a loss account): the disposal of the "
                "tablets cannot be booked. Set one on the profile first.", profile.display_name))
        label = _("%(reason)s: %(count)s tablet(s)", reason=reason, count=count)
        # No asset profile on the lines: OCA would make an asset of the asset account's line on posting.
        common = {"name": label, "asset_profile_id": False}
        lines = [Command.create({**common, "account_id": profile.account_asset_id.id,
                                 "debit": 0.0, "credit": currency.round(base)})]
        if not currency.is_zero(depreciated):
            lines.append(Command.create({**common, "account_id": profile.account_depreciation_id.id,
                                         "debit": depreciated, "credit": 0.0}))
        if not currency.is_zero(residual):
            lines.append(Command.create({**common, "account_id": residual_account.id,
                                         "debit": currency.round(residual), "credit": 0.0}))
        move = env["account.move"].with_company(profile.company_id).with_context(allow_asset=True).create({
            "move_type": "entry", "date": date, "journal_id": profile.journal_id.id,
            "company_id": profile.company_id.id, "ref": label, "line_ids": lines,
        })
        move.action_post()
        return move

    def _remove(self, env, ids, date, reason, to_book):
        """The assets as OCA's removal leaves them: a "remove" line (the residual value, named after
        the exit; to book for the running ones), no unposted depreciation left, "removed" on `date`."""
        env.cr.execute(SQL(
            """DELETE FROM account_asset_line
                WHERE asset_id = ANY(%s) AND type = 'depreciate' AND move_id IS NULL AND NOT init_entry""", ids))
        env.cr.execute(SQL(
            """INSERT INTO account_asset_line (asset_id, name, amount, line_date, move_check, type, tablet_to_book,
                          init_entry, remaining_value, depreciated_value,
                          company_id, currency_id, create_uid, create_date, write_uid, write_date)
               SELECT a.id, %(name)s, a.value_residual, %(date)s, false, 'remove', a.id = ANY(%(to_book)s),
                      false, 0, a.depreciation_base,
                      a.company_id, a.currency_id, %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
                 FROM account_asset a WHERE a.id = ANY(%(ids)s)""",
            name=reason[:64], date=date, uid=env.uid, ids=ids, to_book=to_book))
        env.cr.execute(SQL(
            """UPDATE account_asset SET state = 'removed', date_remove = %(date)s, value_residual = 0,
                      value_depreciated = depreciation_base, write_uid = %(uid)s, write_date = now() at time zone 'UTC'
                WHERE id = ANY(%(ids)s)""", date=date, uid=env.uid, ids=ids))

    # -------------------------------------------------------------- transferring
    @api.model
    def _transfer(self, old, new):
        """A tablet replaced under warranty (issue 15): the supplier's exchange changes no value of
        the Département, the asset goes on with the new tablet (no disposal entry)."""
        if not old.asset_id:
            return
        env = self._register_env(old)
        asset, new = old.asset_id.with_env(env), new.with_env(env)
        asset.write({"equipment_id": new.id, "name": self._asset_name(new), "code": new.serial_no})
        env.cr.execute(SQL("UPDATE maintenance_equipment SET asset_id = CASE WHEN id = %s THEN %s END "
                           "WHERE id IN %s", new.id, asset.id, (old.id, new.id)))
        self.env["maintenance.equipment"].invalidate_model(["asset_id"], flush=False)
        asset.message_post(body=_("Replaced under warranty: %(old)s by %(new)s; the asset goes on with the new "
                                  "tablet.", old=old.display_name, new=new.display_name))

    # ----------------------------------------------------------------- reading
    @api.model
    def _book_values(self, tablet_ids, on_date):
        """{tablet id: value on `on_date`} of the tablets that have an asset, from the boards (posted
        or not), read linearly between two lines: what a family may be asked to reimburse (R21, R24b).
        After its disposal, the value an asset left the register with. One query for the batch
        (the fleet inventory reads 75,000 tablets), driven by the ids (`unnest`): with `e.id = ANY(...)`
        PostgreSQL scanned every registered tablet per batch (1 s per 2,000 tablets). The value is the
        tablet's, which its readers may read (DEPARTMENT_FIELDS); the caller has read the tablets."""
        if not tablet_ids:
            return {}
        self.env["account.asset.line"].flush_model()
        self.env["account.asset"].flush_model()
        # Per asset, from its board: what was depreciated up to `on_date`, the date of that last
        # line (else the start) and the next line, of which the days gone are prorated.
        self.env.cr.execute(SQL(
            """SELECT e.id, a.purchase_value, a.date_start, a.date_remove, a.currency_id,
                      max(l.amount) FILTER (WHERE l.type = 'remove'),
                      coalesce(sum(l.amount) FILTER (WHERE l.type = 'depreciate' AND l.line_date <= %(on)s), 0),
                      max(l.line_date) FILTER (WHERE l.type = 'depreciate' AND l.line_date <= %(on)s),
                      min(l.line_date) FILTER (WHERE l.type = 'depreciate' AND l.line_date > %(on)s),
                      (array_agg(l.amount ORDER BY l.line_date, l.id)
                         FILTER (WHERE l.type = 'depreciate' AND l.line_date > %(on)s))[1]
                 FROM unnest(%(ids)s::int[]) AS t(id)
                 JOIN maintenance_equipment e ON e.id = t.id
                 JOIN account_asset a ON a.id = e.asset_id
                 LEFT JOIN account_asset_line l ON l.asset_id = a.id AND l.type IN ('depreciate', 'remove')
                GROUP BY e.id, a.id""", on=on_date, ids=id_array(tablet_ids)))
        values = {}
        currencies = {}
        for (tablet_id, purchase, start, removed, currency_id, removal, done, previous, next_date,
             next_amount) in self.env.cr.fetchall():
            if removed and removal is not None and on_date >= removed:
                values[tablet_id] = removal
                continue
            value = purchase
            if on_date >= start:
                previous = previous or start
                value -= done
                if next_date:
                    span = (next_date - previous).days
                    value -= next_amount * ((on_date - previous).days / span if span > 0 else 1.0)
            if currency_id not in currencies:
                currencies[currency_id] = self.env["res.currency"].browse(currency_id)
            values[tablet_id] = currencies[currency_id].round(max(value, 0.0))
        return values
