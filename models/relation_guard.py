"""Links are not a way into other scopes.

A many2one or many2many written with an id names a record; reading the field back gives its
name (Odoo reads a many2one's display name as superuser), and some links give rights: a
person linked as a pupil's legal representative becomes readable, writable and deletable by
whoever may do so on the pupil (record rules through `pupil_ids`). So a link is accepted only
to records the user may already read, and write where the link gives rights. Creating the
target in the same write (Command.create) is the user's own record: always accepted.
"""
from odoo.exceptions import AccessError

from .utils import user_env


def _linked_ids(field, value):
    """Ids that `value`, written into the relational `field`, links to (not the new ones)."""
    if field.type == "many2one":
        return [value.id if hasattr(value, "id") else value] if value else []
    ids = []
    for command in value or ():
        if isinstance(command, int):
            ids.append(command)
        elif isinstance(command, (list, tuple)) and command:
            if command[0] == 4:
                ids.append(command[1])
            elif command[0] == 6:
                ids.extend(command[2] or ())
    return ids


def check_link_targets(model, vals, read_fnames=(), write_fnames=()):
    """Refuse `vals` if a relational field of `read_fnames` (resp. `write_fnames`) links a record
    the user may not read (resp. read and write). Superuser code is trusted."""
    check_link_targets_many(model, [vals], read_fnames, write_fnames)


def check_link_targets_many(model, vals_list, read_fnames=(), write_fnames=()):
    """`check_link_targets` for the values of many records at once (a `create` of an import's
    thousands of people): one check per field and operation, whatever the number of records."""
    if model.env.su:
        return
    env = user_env(model)
    for fname in (*read_fnames, *write_fnames):
        if not any(fname in vals for vals in vals_list):
            continue
        field = model._fields[fname]
        ids = {i for vals in vals_list if fname in vals
               for i in _linked_ids(field, vals[fname]) if isinstance(i, int)}
        if not ids:
            continue
        targets = env[field.comodel_name].browse(ids).exists()
        for operation in ("read", "write") if fname in write_fnames else ("read",):
            forbidden = targets - targets._filtered_access(operation)
            if forbidden:
                raise AccessError(env._(
                    "%(field)s of %(model)s: you may link only records you can already %(operation)s "
                    "(%(target)s %(ids)s is outside your scope); a link gives no access to what you could "
                    "not see before.",
                    field=field.get_description(env)["string"], model=model._description,
                    operation=env._("read") if operation == "read" else env._("modify"),
                    target=env[field.comodel_name]._description,
                    ids=", ".join(f"#{record_id}" for record_id in sorted(forbidden.ids)),
                ))
