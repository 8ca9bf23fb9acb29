"""Checks of what a client sends, shared by the incident, claim, charge and geolocation models.

An RPC client may send any id in a relation and any JSON number (NaN and Infinity included)
in an amount: the model answers with a clear error naming the field, never a server error
or a record moved out of the user's scope.
"""
import math

from odoo.exceptions import AccessError, ValidationError
from odoo.models import BaseModel


def field_label(model, fname):
    return model._fields[fname].get_description(model.env)["string"]


def check_finite_amounts(model, vals, fnames):
    """NaN or infinite numbers in `fnames` are refused before the ORM rounds them (a server error)."""
    for fname in fnames:
        value = vals.get(fname)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError(model.env._("%(field)s of %(model)s must be a finite number (got %(value)s).",
                                    field=field_label(model, fname), model=model._description, value=value))


def check_targets_readable(model, vals, fnames):
    """A relation set by the user points at records the user may read: linking another collège's
    invoice, loan or tablet would read it (or move this record) across the user's scope."""
    if model.env.su:
        return
    for fname in fnames:
        if not vals.get(fname):
            continue
        field = model._fields[fname]
        value = vals[fname]
        if isinstance(value, BaseModel):
            ids = value.ids
        else:
            ids = [value] if field.type == "many2one" else _linked_ids(value)
        targets = model.env[field.comodel_name].browse(ids).exists()
        if targets and not targets.has_access("read"):
            raise AccessError(model.env._(
                "%(field)s of %(model)s: you may only choose a record you may read (%(target)s of your scope).",
                field=field_label(model, fname), model=model._description,
                target=model.env[field.comodel_name]._description))


def _linked_ids(commands):
    ids = []
    for command in commands:
        if command[0] == 4:
            ids.append(command[1])
        elif command[0] == 6:
            ids.extend(command[2])
    return ids
