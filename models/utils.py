"""Small helpers shared by the models."""
import math
import re

from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools import SQL

# Longest texts the module keeps: a reference or a name fits in a Char, a letter or a
# report in a Text or an Html field; beyond that it is not input, and the database or the
# reports would fail on it later with a server error.
CHAR_MAX_LENGTH = 1_000
TEXT_MAX_LENGTH = 100_000
HTML_MAX_LENGTH = 200_000
TEXT_MAX_LENGTHS = {"char": CHAR_MAX_LENGTH, "text": TEXT_MAX_LENGTH, "html": HTML_MAX_LENGTH}
# PostgreSQL's integer column.
INTEGER_MIN, INTEGER_MAX = -2 ** 31, 2 ** 31 - 1


def user_env(records):
    """The records' environment in the user's language: RPC calls often send no context, and
    `env._()` then speaks English to a French user."""
    return records.with_context(lang=records.env.lang or records.env.user.lang).env


def in_lang_of(records, user):
    """`records` in `user`'s language, else the environment's: what a scheduled action writes for
    someone (activities, notices). Without a language in the context, `_()` would ask the database
    for the cron user's at each call; `context_get` is cached per user."""
    lang = user.lang or records.env.lang or records.env["res.users"].context_get().get("lang")
    return records.with_context(lang=lang)


def model_label(records):
    """The model's name in the user's language."""
    env = user_env(records)
    return env["ir.model"].sudo()._get(records._name).name or records._description


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
    allowed = Model._search(domain)
    # One array parameter: "id IN (...)" with tens of thousands of literals takes longer to plan.
    allowed.add_where(SQL("%s = ANY(%s)", SQL.identifier(Model._table, "id"), ids))
    records.env.cr.execute(SQL("SELECT count(*) FROM (%s) allowed", allowed.select()))
    if records.env.cr.fetchone()[0] != len(ids):
        forbidden = records - Model.search(expression.AND([[("id", "in", ids)], domain])).with_env(records.env)
        raise records.env["ir.rule"]._make_access_error(operation, forbidden)


def read_columns(records, fnames):
    """{id: {field: value}} of plain stored columns of `records`, in one query under the user's
    access rights and record rules: many2one as ids, no conversion per value. For checks over
    hundreds of records, where reading them as records costs more than the checks themselves."""
    if not records:
        return {}
    records.flush_recordset(fnames)
    Model = records.browse().with_context(active_test=False)
    ids = set(records._ids)
    query = Model._search([("id", "in", list(ids))])
    records.env.cr.execute(query.select(*[SQL.identifier(Model._table, fname) for fname in ("id", *fnames)]))
    rows = {row[0]: dict(zip(fnames, row[1:], strict=False)) for row in records.env.cr.fetchall()}
    if len(rows) != len(ids):
        (records - records.browse(rows)).check_access("read")  # raises the usual error
    return rows


def _rules_condition(records, operation):
    """The user's record rules for `operation` as a condition on the model's own table, to
    put in the UPDATE itself; None when they need a join (then checked by a query apart)."""
    if records.env.su:
        return SQL("TRUE")
    domain = records.env["ir.rule"]._compute_domain(records._name, operation)
    if not domain:
        return SQL("TRUE")
    query = records.sudo().with_context(active_test=False)._where_calc(domain, active_test=False)
    if query._joins or len(query._tables) != 1:
        return None
    return query.where_clause or SQL("TRUE")


def bulk_update(records, vals, returning=()):
    """UPDATE the rows of `records` with `vals` in one statement, whatever their number, for
    campaigns; returns the `returning` columns of each row.

    The ORM writes a hundred rows per query and checks record rules in Python, a thousand
    records at a time. Here the access rights are checked first and the user's record rules
    are part of the UPDATE: if any row is out of them, nothing is written and the usual
    AccessError raised. Only plain stored columns of the model's own table are written;
    the ORM cache of the written fields is dropped and the ORM told they changed, so that
    fields depending on them follow. Status workflows and tracking are the caller's business:
    it posts one summary for the batch.
    """
    if not records:
        return []
    records.browse().check_access("write")
    condition = _rules_condition(records, "write")
    if condition is None:
        check_access_sql(records, "write")
        condition = SQL("TRUE")
    Model = records.browse()
    fnames = list(vals)
    records.flush_recordset(fnames)
    assignments = [SQL("%s = %s", SQL.identifier("write_uid"), records.env.uid),
                   SQL("%s = %s", SQL.identifier("write_date"), records.env.cr.now())]
    for fname, value in vals.items():
        field = Model._fields[fname]
        assert field.store and field.column_type and not field.translate and not field.company_dependent, fname
        assignments.append(SQL("%s = %s", SQL.identifier(fname), field.convert_to_column_insert(value, Model)))
    ids = list(set(records._ids))
    cr = records.env.cr
    # All or nothing in one statement: the rows are updated only if every one of them exists and
    # is within the rules (the sub-query, run once, counts them in the UPDATE's own snapshot). A
    # savepoint around the UPDATE did the same with two more round trips per call.
    table, id_column = SQL.identifier(Model._table), SQL.identifier(Model._table, "id")
    given = SQL("%s = ANY(%s::int[])", id_column, id_array(ids))
    cr.execute(SQL("UPDATE %s SET %s WHERE %s AND %s AND (SELECT count(*) FROM %s WHERE %s AND %s) = %s RETURNING %s",
                   table, SQL(", ").join(assignments), given, condition, table, given, condition, len(ids),
                   SQL(", ").join(SQL.identifier(column) for column in ("id", *returning))))
    rows = cr.fetchall()
    if len(rows) != len(ids):
        # Nothing was written (or, should rows vanish under a concurrent deletion, the exception
        # rolls the transaction back as for any failed write of the ORM).
        cr.execute(SQL("SELECT %s FROM %s WHERE %s AND %s", id_column, table, given, condition))
        forbidden = records - records.browse([row[0] for row in cr.fetchall()])
        raise records.env["ir.rule"]._make_access_error("write", forbidden)
    records.invalidate_recordset([*fnames, "write_uid", "write_date"])
    records.modified(fnames)
    return [row[1:] for row in rows]


def bulk_write(records, vals):
    """``records.write(vals)`` in one UPDATE whatever their number (see `bulk_update`)."""
    bulk_update(records, vals)


def check_input(model, vals, fnames=None):
    """Refuse, with a ValidationError naming the field and the expected form, values that no
    record of the module may hold: NaN or infinite numbers (a JSON client sends ``NaN``;
    ``float("nan")`` also accepts the string), integers beyond PostgreSQL's, texts beyond
    `TEXT_MAX_LENGTHS`. `fnames` narrows the check (the module's own fields of a model it
    extends). Called by `create()`/`write()` before anything is stored."""
    for fname, value in vals.items():
        field = model._fields.get(fname)
        if field is None or (fnames is not None and fname not in fnames) or value is None or value is False:
            continue
        problem = _input_problem(model, field, value)
        if problem:
            raise ValidationError(problem)


def _input_problem(model, field, value):
    """The refusal for `value`, or None. Cheap when the value is fine (imports check thousands of
    rows): the field's label and the user's language are looked up only to word a refusal."""
    problem = None
    if field.type in ("float", "monetary"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if number is None or not math.isfinite(number):
            problem = "float"
    elif field.type == "integer":
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):
            number = None
        if number is None or not INTEGER_MIN <= number <= INTEGER_MAX:
            problem = "integer"
    elif field.type in TEXT_MAX_LENGTHS and isinstance(value, str) and len(value) > TEXT_MAX_LENGTHS[field.type]:
        problem = "text"
    if not problem:
        return None
    env = model.with_context(lang=model.env.lang or model.env.user.lang).env  # RPC calls often send no context
    name = field.get_description(env)["string"]
    if problem == "float":
        return env._("%(field)s of %(model)s must be a finite number, such as 12.5 (got %(value)s).",
                     field=name, model=model_label(model), value=str(value)[:50])
    if problem == "integer":
        return env._("%(field)s of %(model)s must be a whole number between %(min)s and %(max)s "
                     "(got %(value)s).", field=name, model=model_label(model), min=INTEGER_MIN,
                     max=INTEGER_MAX, value=str(value)[:50])
    return env._("%(field)s of %(model)s holds at most %(max)s characters (got %(length)s): shorten it, "
                 "or attach the document instead.", field=name, model=model_label(model),
                 max=TEXT_MAX_LENGTHS[field.type], length=len(value))


# R29 audit: columns that cannot hold a person's data, left out of the database-wide search, each for a reason.
TEXT_SEARCH_EXCLUDED = {
    # The `arch` of views, the code of server actions and the source of reports and mail templates:
    # module code, no record's data (the demo people are not in any view).
    ("ir_ui_view", "arch_db"), ("ir_ui_view", "arch_prev"), ("ir_act_server", "code"),
    # The list of XML ids and their module: technical names.
    ("ir_model_data", "name"),
}


def search_text_columns(cr, names):
    """{(table, column): count} of the rows of every text, varchar and jsonb column of every table
    of the database holding one of `names` as whole words, case-insensitive (jsonb read as text:
    translated and html fields). One query per table, the names as one regular expression that
    PostgreSQL compiles once. The audit of R29's erasure: the retention test and the bench check
    with it that an anonymised person's former name is nowhere left ("Élève 28" does not match
    "Élève 284")."""
    if not names:
        return {}
    pattern = r"\m(" + "|".join(re.escape(name) for name in sorted(set(names), key=len, reverse=True)) + r")\M"
    cr.execute("""
        SELECT c.table_name, array_agg(c.column_name::text ORDER BY c.column_name)
          FROM information_schema.columns c
          JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
           AND c.data_type IN ('text', 'character varying', 'jsonb')
         GROUP BY c.table_name
    """)
    found = {}
    for table, columns in cr.fetchall():
        columns = [column for column in columns if (table, column) not in TEXT_SEARCH_EXCLUDED]
        if not columns:
            continue
        cr.execute(SQL("SELECT %s FROM %s", SQL(", ").join(
            SQL("count(*) FILTER (WHERE %s::text ~* %s)", SQL.identifier(column), pattern)
            for column in columns), SQL.identifier(table)))
        for column, count in zip(columns, cr.fetchone(), strict=False):
            if count:
                found[(table, column)] = count
    return found


_WORD = re.compile(r"\w+")
# An e-mail address in a header ("Name" <address>, several separated by commas): PostgreSQL's
# regular expression and Python's, the same characters.
EMAIL_ADDRESS_SQL = "[^[:space:]<>,;\"'()]+@[^[:space:]<>,;\"'()]+"
_EMAIL_ADDRESS = re.compile(r"[^\s<>,;\"'()]+@[^\s<>,;\"'()]+")


def email_addresses(text):
    """The e-mail addresses in `text`, lowercased, as `EMAIL_ADDRESS_SQL` finds them."""
    return _EMAIL_ADDRESS.findall((text or "").lower())


class NameReplacer:
    """Rewrites the former names of people as whole words (as `search_text_columns` finds them:
    "Élève 28" is not in "Élève 284"), each into its new name, the longest first ("Jean
    Martin-Roux" before "Jean Martin"; of two homonyms, the first given).

    Built once for thousands of names, then run over each text in a time that grows with the
    text, not with the names: the names are indexed by their first word, a text is cut into words
    and only the names starting with one of them are compared. PostgreSQL's `LIKE ANY` of
    10,000 patterns compared every text with every name (the retention job spent two thirds of
    its time on it)."""

    def __init__(self, pairs):
        self.new = {}
        self.by_word = {}
        self.loose = []  # names that do not start with a letter or digit: looked for in each text
        for old, new in sorted(pairs, key=lambda pair: -len(pair[0] or "")):
            if not old or old in self.new:
                continue
            self.new[old] = new
            word = _WORD.match(old)
            if word:
                self.by_word.setdefault(word.group(), []).append(old)
            else:
                self.loose.append(old)

    def names_in(self, text):
        """The former names that `text` holds as whole words."""
        found = set()
        for word in _WORD.finditer(text):
            for old in self.by_word.get(word.group(), ()):
                start, end = word.start(), word.start() + len(old)
                if text.startswith(old, start) and not (end < len(text) and _WORD.match(text, end)):
                    found.add(old)
        found.update(old for old in self.loose if old in text)
        return found

    def replace(self, text):
        """`text` with the former names it holds rewritten, or None if it holds none."""
        found = self.names_in(text or "")
        if not found:
            return None
        pattern = re.compile(r"(?<!\w)(?:%s)(?!\w)" % "|".join(
            re.escape(old) for old in sorted(found, key=len, reverse=True)))
        return pattern.sub(lambda match: self.new[match.group()], text)


def id_array(ids):
    """`ids` as one PostgreSQL array literal ('{1,2,3}'), for `column = ANY(%s)`: a Python list is
    sent as ARRAY[1, 2, 3], which PostgreSQL parses as one expression per id (60 ms for 10,000
    ids, empty table or not, before the query starts); the literal is read at once."""
    return "{%s}" % ",".join(str(int(record_id)) for record_id in ids)
