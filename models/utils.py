"""Small helpers shared by the models."""


def count_by(model, field, records):
    """{record: number of `model` rows whose `field` is one of `records`}, in one query."""
    if not records:
        return {}
    return dict(model._read_group([(field, "in", records.ids)], [field], ["__count"]))
