import functools

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

# The actions' pass. A JSON-RPC or XML-RPC client can send any context key with any
# JSON value, but never this very object: it is compared with `is`, so nothing a
# client serialises can stand for it.
_ACTION_TOKEN = object()
ACTION_KEY = "tablet_action_token"
ALL_FIELDS = "__all__"


def in_action(env):
    """True inside a `tablet_action` method (or superuser code): the fields that only
    actions change may then be written."""
    return env.su or env.context.get(ACTION_KEY) is _ACTION_TOKEN


def as_action(records):
    return records.with_context(**{ACTION_KEY: _ACTION_TOKEN})


def tablet_action(*groups, role=None):
    """Decorate an `action_*` method: only users of one of `groups` may call it (the
    README's rules matrix gives the roles); its body runs with the actions' pass so that
    it may change statuses, decisions, signatures and the facts they record.

    `role` names the role in the refusal ("the head of the collège")."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if groups and not in_action(self.env) and not any(self.env.user.has_group(g) for g in groups):
                raise AccessError(_(
                    "%(action)s on %(model)s is for %(role)s only.",
                    action=self._tablet_action_label(method.__name__),
                    model=self._description,
                    role=role or ", ".join(self.env.ref(g).sudo().full_name for g in groups),
                ))
            return method(as_action(self), *args, **kwargs)

        wrapper._tablet_groups = groups
        return wrapper

    return decorate


class TabletWorkflowMixin(models.AbstractModel):
    """Statuses, decisions, signatures and computed flags change only through the
    actions, which check the programme's rules and the role (R3, R16, R19, R23...).
    Views show them read-only, but Odoo ignores a view on `write()`, and an RPC
    client may write any field and send any context: the model refuses them.

    A model declares:
    - `_tablet_state_field`: its status field;
    - `_tablet_action_fields`: other fields only its actions write;
    - `_tablet_frozen_fields`: status -> fields that no longer change in that status
      (`ALL_FIELDS`: every field of this module but `_tablet_free_fields`).
    Read-only computed fields of this module without an inverse are never written by a
    client either: a stored compute keeps whatever is written into it."""

    _name = "tablet.workflow.mixin"
    _description = "Status Changed by Actions Only"

    _tablet_state_field = "state"
    _tablet_action_fields = ()
    _tablet_frozen_fields = {}
    _tablet_free_fields = ()

    # ------------------------------------------------------------- declarations
    def _tablet_action_label(self, method_name):
        return method_name.removeprefix("action_").replace("_", " ").capitalize()

    def _tablet_field_label(self, fname):
        field = self._fields.get(fname)
        return field.get_description(self.env)["string"] if field else fname

    @api.model
    def _tablet_protected_fields(self):
        """Fields that only the actions write: status, declared action fields, and this
        module's read-only computed fields without an inverse."""
        names = {self._tablet_state_field, *self._tablet_action_fields}
        for name, field in self._fields.items():
            if field._module == "tablet_loan" and field.compute and field.readonly and not field.inverse:
                names.add(name)
        return names

    def _tablet_frozen_fields_of(self):
        """The fields this record no longer lets anyone change outside an action."""
        self.ensure_one()
        frozen = self._tablet_frozen_fields.get(self[self._tablet_state_field], ())
        if frozen == ALL_FIELDS:
            free = set(self._tablet_free_fields)
            return {name for name, field in self._fields.items()
                    if field._module == "tablet_loan" and name not in free}
        return set(frozen)

    def _tablet_guarded(self):
        """Records the guard applies to (all of them; maintenance.equipment narrows it to tablets)."""
        return self

    # ------------------------------------------------------------------ guards
    def _tablet_check_vals(self, vals, creating=False):
        if in_action(self.env):
            return
        protected = self._tablet_protected_fields() & vals.keys()
        if creating:
            # A new record may come with the defaults of protected fields, nothing else.
            protected = {f for f in protected if vals[f] and vals[f] != self._tablet_default_of(f)}
        if protected:
            raise AccessError(_(
                "%(fields)s of %(model)s change only through the actions, which check the "
                "programme's rules and who may act.",
                fields=", ".join(sorted(self._tablet_field_label(f) for f in protected)),
                model=self._description,
            ))
        if creating or not self._tablet_frozen_fields:
            return
        for record in self._tablet_guarded():
            frozen = record._tablet_frozen_fields_of() & vals.keys()
            frozen = {f for f in frozen if record._tablet_value_changes(f, vals[f])}
            if frozen:
                state_field = self._fields[self._tablet_state_field]
                state = dict(state_field._description_selection(self.env)).get(record[self._tablet_state_field])
                raise UserError(_(
                    "%(record)s is %(state)s: %(fields)s can no longer change.",
                    record=record.display_name, state=(state or "").lower(),
                    fields=", ".join(sorted(self._tablet_field_label(f) for f in frozen)),
                ))

    def _tablet_default_of(self, fname):
        field = self._fields[fname]
        return field.default(self) if field.default else False

    def _tablet_value_changes(self, fname, value):
        """Web forms send unchanged fields back; writing a frozen field's own value is no change."""
        field = self._fields[fname]
        if field.type in ("one2many", "many2many"):
            return True
        current = field.convert_to_write(self[fname], self)
        if field.type == "many2one":
            value = value or False
            current = current or False
        return current != value

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._tablet_check_vals(vals, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        guarded = self._tablet_guarded()
        if guarded:
            guarded._tablet_check_vals(vals)
        return super().write(vals)

    def _write_state(self, vals):
        """The actions' way to change a status, once they have checked its preconditions."""
        return as_action(self).write(vals)
