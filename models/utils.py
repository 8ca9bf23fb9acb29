"""Small helpers shared by the models."""


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
