import functools

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.translate import LazyGettext

from .utils import check_input, model_label, user_env

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

    `role` names the role in the refusal ("the head of the collège"); declared at import
    time, it is a lazy translation (`LazyTranslate(__name__)`), translated for the user.
    The decorator serves any model of the module (res.partner, tariffs...), not only those
    inheriting `tablet.workflow.mixin`."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if groups and not in_action(self.env) and not any(self.env.user.has_group(g) for g in groups):
                raise AccessError(_(
                    "%(action)s on %(model)s is for %(role)s only.",
                    action=action_label(self, method.__name__),
                    model=model_label(self),
                    role=(user_env(self)._(role) if isinstance(role, LazyGettext) else role)
                    or ", ".join(self.env.ref(g).sudo().full_name for g in groups),
                ))
            return without_pass(method(as_action(self), *args, **kwargs))

        wrapper._tablet_groups = groups
        return wrapper

    return decorate


def without_pass(result):
    """An action that returns a window action built from its own context must not hand the
    pass to the web client: it cannot be serialised, and it is not the client's."""
    if isinstance(result, dict) and isinstance(result.get("context"), dict) and ACTION_KEY in result["context"]:
        result = dict(result, context={k: v for k, v in result["context"].items() if k != ACTION_KEY})
    return result


def action_label(records, method_name):
    """How a refusal names an action: the string of its button in the model's form or list view,
    in the user's language (what the user clicked), else the model's `_tablet_action_label`, else
    the method's name. The views are read whole (sudo): the user may not see the button."""
    View = records.env["ir.ui.view"].with_env(user_env(records)).sudo()
    for view_type in ("form", "list"):
        view_id = View.default_view(records._name, view_type)
        if not view_id:
            continue
        buttons = View.browse(view_id)._get_combined_arch().xpath(
            "//button[@name=$name][@string]", name=method_name)
        if buttons:
            return buttons[0].get("string")
    label = getattr(records, "_tablet_action_label", None)
    return label(method_name) if label else method_name.removeprefix("action_").replace("_", " ").capitalize()


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
    client either: a stored compute keeps whatever is written into it. That includes the
    stored related scope fields (`college_id`, `company_id`, `academy_id` of a line, an
    amendment, a report): written, they would move the record to another scope.

    Models without a status (tariffs, amendments, list lines) set `_tablet_state_field =
    False` and get the rest: protected computed fields, the scope check below, the input
    checks of `tablet.input.mixin`.

    Scope: after a write outside an action that changes a many2one (the fields record rules
    follow), the records must still be within the user's write rules: a head cannot point a
    record at a collège they do not work with, and hand it to that collège."""

    _name = "tablet.workflow.mixin"
    _inherit = "tablet.input.mixin"
    _description = "Status Changed by Actions Only"

    _tablet_state_field = "state"
    _tablet_action_fields = ()
    _tablet_frozen_fields = {}
    _tablet_free_fields = ()

    # ------------------------------------------------------------- declarations
    def _tablet_action_label(self, method_name):
        return method_name.removeprefix("action_").replace("_", " ").capitalize()

    def _tablet_field_label(self, fname):
        """A field's label in the user's language (RPC calls often send no context)."""
        field = self._fields.get(fname)
        env = self.with_context(lang=self.env.lang or self.env.user.lang).env
        return field.get_description(env)["string"] if field else fname

    @api.model
    def _tablet_protected_fields(self):
        """Fields that only the actions write: status, declared action fields, and this
        module's read-only computed fields without an inverse."""
        names = set(self._tablet_action_fields)
        if self._tablet_state_field:
            names.add(self._tablet_state_field)
        for name, field in self._fields.items():
            if field._module == "tablet_loan" and field.compute and field.readonly and not field.inverse:
                names.add(name)
        return names

    def _tablet_frozen_fields_of(self):
        """The fields this record no longer lets anyone change outside an action."""
        self.ensure_one()
        if not self._tablet_state_field:
            return set()
        frozen = self._tablet_frozen_fields.get(self[self._tablet_state_field], ())
        if frozen == ALL_FIELDS:
            free = set(self._tablet_free_fields)
            return {name for name, field in self._fields.items()
                    if field._module == "tablet_loan" and name not in free}
        return set(frozen)

    @api.model
    def _tablet_freezes(self):
        """Whether records of this model freeze fields at all: `_tablet_frozen_fields` declared,
        or `_tablet_frozen_fields_of` overridden (a condition that is not a status)."""
        return bool(self._tablet_frozen_fields) or (
            type(self)._tablet_frozen_fields_of is not TabletWorkflowMixin._tablet_frozen_fields_of)

    def _tablet_guarded(self):
        """Records the guard applies to (all of them; maintenance.equipment narrows it to tablets)."""
        return self

    # ------------------------------------------------------------------ guards
    def _tablet_check_vals(self, vals, creating=False):
        # Malformed input first (NaN, huge texts): the client learns what form is expected
        # before learning who may write the field (`tablet.input.mixin` checks again, cheaply).
        check_input(self, vals)
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
                model=model_label(self),
            ))
        if creating or not self._tablet_freezes():
            return
        for record in self._tablet_guarded():
            frozen = record._tablet_frozen_fields_of() & vals.keys()
            frozen = {f for f in frozen if record._tablet_value_changes(f, vals[f])}
            if frozen:
                raise UserError(_(
                    "%(record)s is %(state)s: %(fields)s can no longer change.",
                    record=record.display_name, state=record._tablet_state_label().lower(),
                    fields=", ".join(sorted(self._tablet_field_label(f) for f in frozen)),
                ))

    def _ensure_state(self, states, action):
        """The status an action starts from (the loans', claims' and measures' actions): refused,
        naming the records (at most 15) and the status of the first, before anything changes."""
        wrong = self.filtered(lambda record: record[self._tablet_state_field] not in states)
        if wrong:
            raise UserError(_("%(action)s is not possible for %(records)s: the status is %(state)s.",
                              action=action, records=", ".join(wrong[:15].mapped("display_name")),
                              state=wrong[0]._tablet_state_label().lower()))

    def _tablet_state_label(self):
        """The status that froze this record, as the refusal names it (models freezing on
        another condition override it)."""
        self.ensure_one()
        if not self._tablet_state_field:
            return _("locked")
        state_field = self._fields[self._tablet_state_field]
        return dict(state_field._description_selection(self.env)).get(self[self._tablet_state_field]) or ""

    def _tablet_scope_fields(self, vals):
        """Fields of `vals` that may move a record to another scope: its stored many2one."""
        return [fname for fname in vals
                if (field := self._fields.get(fname)) and field.type == "many2one" and field.store]

    def _tablet_check_scope(self, fnames):
        """After a write: refuse records moved outside the user's write rules (nothing stays
        written: the AccessError undoes the request, as Odoo's own check after `create`)."""
        outside = self - self._filtered_access("write")
        if outside:
            raise AccessError(_(
                "%(records)s cannot be moved outside what you may change (%(fields)s): choose a collège, "
                "académie or Département you work with.",
                records=", ".join(outside.sudo().mapped("display_name")),
                fields=", ".join(sorted(self._tablet_field_label(f) for f in fnames)),
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
        res = super().write(vals)
        if guarded and not in_action(self.env):
            moved = self._tablet_scope_fields(vals)
            if moved:
                guarded._tablet_check_scope(moved)
        return res

    def _write_state(self, vals):
        """The actions' way to change a status, once they have checked its preconditions."""
        return as_action(self).write(vals)
