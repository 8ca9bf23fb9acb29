"""Small helpers shared by the models."""
from odoo.osv import expression
from odoo.tools import SQL


def count_by(model, field, records):
    """{record: number of `model` rows whose `field` is one of `records`}, in one query."""
    if not records:
        return {}
    return dict(model._read_group([(field, "in", records.ids)], [field], ["__count"]))


def window_action(env, xmlid, domain, context=None):
    """The window action `xmlid` narrowed to `domain`, for smart buttons and wizards' results."""
    action = env["ir.actions.act_window"]._for_xml_id(xmlid)
    action.update(domain=domain, context=context or {})
    return action


def check_access_sql(records, operation):
    """``records.check_access(operation)`` in one query, whatever their number.

    Odoo evaluates record rules in Python, reading the fields they name a thousand
    records at a time; campaigns over tens of thousands of records ask PostgreSQL
    instead, with the same rules of the same user.
    """
    records.browse().check_access(operation)  # access rights on the model
    if records.env.su or not records:
        return
    domain = records.env["ir.rule"]._compute_domain(records._name, operation)
    if not domain:
        return
    ids = list(set(records._ids))
    Model = records.sudo().with_context(active_test=False)
    allowed = Model._search(expression.AND([[("id", "in", ids)], domain]))
    records.env.cr.execute(SQL("SELECT count(*) FROM (%s) allowed", allowed.select()))
    if records.env.cr.fetchone()[0] != len(ids):
        forbidden = records - Model.search(expression.AND([[("id", "in", ids)], domain])).with_env(records.env)
        raise records.env["ir.rule"]._make_access_error(operation, forbidden)


def bulk_write(records, vals):
    """``records.write(vals)`` in one UPDATE, whatever their number, for campaigns.

    The ORM writes a hundred rows per query and tracks each record. This checks the
    access rights and record rules (one query), writes plain stored values of the
    model's own table, then drops the ORM cache of the written fields and tells the
    ORM they changed, so that fields depending on them follow. Status workflows and
    tracking are the caller's business: it posts one summary for the batch.
    """
    if not records:
        return
    check_access_sql(records, "write")
    Model = records.browse()
    fnames = list(vals)
    records.flush_recordset(fnames)
    assignments = [SQL("%s = %s", SQL.identifier("write_uid"), records.env.uid),
                   SQL("%s = %s", SQL.identifier("write_date"), records.env.cr.now())]
    for fname, value in vals.items():
        field = Model._fields[fname]
        assert field.store and field.column_type and not field.translate and not field.company_dependent, fname
        assignments.append(SQL("%s = %s", SQL.identifier(fname), field.convert_to_column_insert(value, Model)))
    records.env.cr.execute(SQL("UPDATE %s SET %s WHERE id = ANY(%s)", SQL.identifier(Model._table),
                               SQL(", ").join(assignments), list(records._ids)))
    records.invalidate_recordset([*fnames, "write_uid", "write_date"])
    records.modified(fnames)
