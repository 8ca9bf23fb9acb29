#!/usr/bin/env python3
"""Remove the rule codes (R12, R24b, I 3.2, B 5.4, issue 14...) from user-facing text.

Usage: python3 tools/strip_rule_codes.py [--check] [PATH ...]
       (no PATH: the module's models, wizards, reports, views, data, demo and i18n;
        a PATH may be a directory, a .py, .xml, .po or .pot file, e.g. /work/i18n_extra/x.po)

Issue 19: the codes of RULES.md help developers and testers, not the families, the
collèges or the Département's staff; no screen, error or document shows them. They stay
in comments, docstrings, tests and README.md (never given to this script: the rules and
access matrices of tests/ parse it).

What is rewritten:
- Python: the literals of _(), _lt(), env._(), the string/help/selection labels of fields,
  the summary/note/body/subject keywords of any call and the models' _description; comments and docstrings are
  never touched;
- XML: text nodes (except code, domain, context fields and comments) and the attributes
  string, help, placeholder, title, confirm, aria-label, alt, data-tooltip, sum, and the
  name of a menuitem;
- po/pot: msgid and msgstr alike, so that the translations keep matching; entries whose
  msgids become identical are merged into one.

Idempotent: a second run changes nothing, so that it can run again after other branches
merge. --check changes nothing and exits 1 when something is left to rewrite. Whatever
the rewriting cannot reach is listed at the end ("left for a hand fix").
"""
import ast
import difflib
import io
import re
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATHS = ("models", "wizards", "reports", "views", "data", "demo", "i18n")

_RULE = r"R\d{1,2}[a-c]?(?:\s*(?:–|-|to)\s*R\d{1,2}[a-c]?)?"
_ARTICLE = r"(?:convention\s+)?[IB]\s\d+(?:\.\d+)*(?:\s*(?:–|-|to)\s*\d+(?:\.\d+)*)?"
_ISSUE = r"[Ii]ssue\s\d+"
CODE = rf"(?:{_RULE}|{_ARTICLE}|{_ISSUE})"
CODES = rf"{CODE}(?:\s*,\s*{CODE})*"

# Where a code carries meaning, words replace it (English and French sources alike).
PHRASES = (
    ("R21 Reimbursements", "Equipment Reimbursements"),
    ("R21 reimbursements", "equipment reimbursements"),
    ("an R21 invoice", "an equipment reimbursement invoice"),
    ("the R21 notices", "the equipment reimbursement notices"),
    ("Remboursements R21", "Remboursements de matériel"),
    ("remboursements R21", "remboursements de matériel"),
    ("une facture R21", "une facture de remboursement de matériel"),
    ("les avis R21", "les avis de remboursement de matériel"),
)

GROUP_RE = re.compile(r"(?P<pre>[ \t]*)\((?P<body>[^()]*)\)")
GONE = "\x00"  # a group removed at the start of a text: the space after it goes too
ITEM_CODE_RE = re.compile(rf"\s*{CODES}\s*")
ITEM_PREFIX_RE = re.compile(rf"\s*{CODES}\s*:\s*")
# "R24a: the replacement..." at the start of a text, a line or a sentence.
PREFIX_RE = re.compile(rf"(?P<lead>^|(?<=\\n)|(?<=\n)|(?<=[.!?] )|(?<=^\s))(?:{CODES})\s*:\s+(?P<next>.?)")
# "... — R3" at the end of a text or a line.
TRAIL_RE = re.compile(rf"\s+[—–-]\s+{CODES}(?=$|\\n|\n|[.;:\"'<])")
# A code left anywhere, for the report and --check.
LEFT_RE = re.compile(r"\bR\d{1,2}[a-c]?\b|\([IB] \d|\b[IB] \d+\.\d|\b[Ii]ssue \d")


def _strip_group(match):
    body = match["body"]
    parts = re.split(r"(\s*[,;]\s*)", body)
    items, seps = parts[0::2], [""] + parts[1::2]
    kept, changed = [], False
    for item, sep in zip(items, seps, strict=False):
        if ITEM_CODE_RE.fullmatch(item):
            changed = True
            continue
        prefix = ITEM_PREFIX_RE.match(item)
        if prefix and prefix.end() < len(item):
            item, changed = item[prefix.end():], True
        kept.append((sep, item))
    if not changed:
        return match[0]
    if not kept:
        # "text (R3)." -> "text."; "(R5) Text" -> "Text"; "a (R3) b" -> "a b"
        before = match.string[:match.start()]
        if match["pre"] or (before and not before[-1].isspace() and not before.endswith("\\n")):
            return ""
        return GONE
    text = kept[0][1] + "".join(sep + item for sep, item in kept[1:])
    return f"{match['pre']}({text})"


def strip_codes(text):
    """The text without its rule codes; the same text when it has none."""
    for old, new in PHRASES:
        text = text.replace(old, new)
    previous = None
    while previous != text:  # a group may hide another: "(x (R3))"
        previous = text
        text = GROUP_RE.sub(_strip_group, text).replace(GONE + " ", "").replace(GONE, "")
    text = PREFIX_RE.sub(lambda m: m["lead"] + m["next"].upper(), text)
    text = TRAIL_RE.sub("", text)
    return text


def strip_pieces(pieces):
    """Strip the codes of a text cut into pieces (implicit concatenation, po lines): the
    same number of pieces comes back, each edit falling in the piece it started in."""
    joined = "".join(pieces)
    new = strip_codes(joined)
    if new == joined:
        return list(pieces)
    owner = []
    for index, piece in enumerate(pieces):
        owner += [index] * len(piece)
    result = [""] * len(pieces)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, joined, new, autojunk=False).get_opcodes():
        if tag == "equal":
            for k in range(i1, i2):
                result[owner[k]] += joined[k]
        elif j2 > j1:  # replace or insert: into the piece where it starts
            result[owner[min(i1, len(joined) - 1)]] += new[j1:j2]
    return result


# --------------------------------------------------------------------------- Python

CALL_NAMES = {"_", "_lt"}
CALL_KEYWORDS = {"string", "help", "summary", "note", "body", "subject"}
# position of the positional `string` argument of each field type (default 0)
FIELD_STRING_POS = {"Selection": 1, "Many2one": 1, "One2many": 2, "Many2many": 4, "Many2oneReference": 1}


def _selection_labels(node):
    if isinstance(node, (ast.List, ast.Tuple)):
        for elt in node.elts:
            if (isinstance(elt, (ast.List, ast.Tuple)) and len(elt.elts) == 2
                    and isinstance(elt.elts[1], ast.Constant) and isinstance(elt.elts[1].value, str)):
                yield elt.elts[1]


def _user_facing_constants(tree):
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in CALL_NAMES and node.args:
                found.append(node.args[0])
            for keyword in node.keywords:
                if keyword.arg in CALL_KEYWORDS:
                    found.append(keyword.value)
                elif keyword.arg in ("selection", "selection_add"):
                    found.extend(_selection_labels(keyword.value))
            if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                    and func.value.id == "fields"):
                position = FIELD_STRING_POS.get(func.attr, 0)
                if len(node.args) > position:
                    found.append(node.args[position])
                if func.attr == "Selection" and node.args:
                    found.extend(_selection_labels(node.args[0]))
        elif isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == "_description" for t in node.targets):
                found.append(node.value)  # the model's name on screens and in access errors
            # module or class constants of selections: [("key", "Label"), ...]
            labels = list(_selection_labels(node.value))
            if labels and len(labels) == len(node.value.elts) and all(
                    isinstance(elt.elts[0], ast.Constant) for elt in node.value.elts):
                found.extend(labels)
    return [node for node in found if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def _docstrings(tree):
    nodes = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
                nodes.add(id(node.body[0].value))
    return nodes


def _char_pos(lines, lineno, byte_col):
    return lineno, len(lines[lineno - 1].encode()[:byte_col].decode())


def process_python(path, source, leftovers):
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    targets = _user_facing_constants(tree)
    spans = {(_char_pos(lines, n.lineno, n.col_offset), _char_pos(lines, n.end_lineno, n.end_col_offset))
             for n in targets}
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.STRING]
    edits = []  # (start, end, new token text)
    for start, end in sorted(spans):
        group = [t for t in tokens if t.start >= start and t.end <= end]
        parsed = []
        for token in group:
            m = re.fullmatch(r"(?P<prefix>[rRuU]*)(?P<quote>'''|\"\"\"|'|\")(?P<body>.*)(?P=quote)",
                             token.string, re.S)
            if not m:  # bytes or f-strings: never user-facing text here
                break
            parsed.append((token, m))
        else:
            new_bodies = strip_pieces([m["body"] for _token, m in parsed])
            for (token, m), body in zip(parsed, new_bodies, strict=False):
                if body != m["body"]:
                    edits.append((token.start, token.end, f"{m['prefix']}{m['quote']}{body}{m['quote']}"))
    for (srow, scol), (erow, ecol), text in sorted(edits, reverse=True):
        head = lines[srow - 1][:scol]
        tail = lines[erow - 1][ecol:]
        lines[srow - 1:erow] = [head + text + tail]
    new_source = "".join(lines)
    # what is left: string literals with a code that are not docstrings
    new_tree = ast.parse(new_source)
    docs = _docstrings(new_tree)
    for node in ast.walk(new_tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
                and LEFT_RE.search(node.value)):
            leftovers.append(f"{path}:{node.lineno}: {node.value[:100]!r}")
    return new_source


# --------------------------------------------------------------------------- XML

XML_ATTRIBUTES = ("string", "help", "placeholder", "title", "confirm", "aria-label", "alt",
                  "data-tooltip", "sum")
XML_SKIP_FIELDS = {"code", "domain", "context", "model", "res_model", "key", "ref", "groups_id"}
XML_TOKEN_RE = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<[^>]*>|[^<]+", re.S)


def _strip_attributes(tag):
    tag_name = re.match(r"<\s*([\w:.-]+)", tag)
    names = XML_ATTRIBUTES + (("name",) if tag_name and tag_name[1] == "menuitem" else ())

    def attribute(m):
        return m[1] + strip_codes(m[2]) + m[3]
    pattern = r"(\s(?:%s)=\")([^\"]*)(\")" % "|".join(re.escape(n) for n in names)
    return re.sub(pattern, attribute, tag)


def process_xml(path, source, leftovers):  # noqa: C901 - one branch per XML token kind
    out, fields = [], []  # fields: stack of the names of the open <field> elements
    for m in XML_TOKEN_RE.finditer(source):
        token = m[0]
        if token.startswith("<!--") or token.startswith("<?") or token.startswith("<![CDATA["):
            out.append(token)
        elif token.startswith("</"):
            if re.match(r"</\s*field\b", token) and fields:
                fields.pop()
            out.append(token)
        elif token.startswith("<"):
            field = re.match(r"<\s*field\b[^>]*\bname=\"([^\"]*)\"", token)
            if field and not token.rstrip().endswith("/>"):
                fields.append(field[1])
            elif re.match(r"<\s*field\b", token) and not token.rstrip().endswith("/>"):
                fields.append("")
            out.append(_strip_attributes(token))
        elif fields and fields[-1] in XML_SKIP_FIELDS:
            out.append(token)
        else:
            out.append(strip_codes(token))
    new_source = "".join(out)
    fields = []
    for m in XML_TOKEN_RE.finditer(new_source):
        token = m[0]
        if token.startswith("<!--") or token.startswith("<?"):
            continue
        if token.startswith("</"):
            if re.match(r"</\s*field\b", token) and fields:
                fields.pop()
            continue
        if token.startswith("<"):
            field = re.match(r"<\s*field\b[^>]*\bname=\"([^\"]*)\"", token)
            if re.match(r"<\s*field\b", token) and not token.rstrip().endswith("/>"):
                fields.append(field[1] if field else "")
            text = token
        elif fields and fields[-1] in XML_SKIP_FIELDS:
            continue
        else:
            text = token
        if LEFT_RE.search(text) and not re.search(r"\bt-(?:out|esc|if|set|value|att)", text):
            line = new_source.count("\n", 0, m.start()) + 1
            leftovers.append(f"{path}:{line}: {text.strip()[:100]!r}")
    return new_source


# --------------------------------------------------------------------------- po / pot

def process_po(path, source, leftovers):
    import polib

    po = polib.pofile(source)
    changed = False
    for entry in po:
        new_id, new_str = strip_codes(entry.msgid), strip_codes(entry.msgstr)
        if (new_id, new_str) != (entry.msgid, entry.msgstr):
            entry.msgid, entry.msgstr, changed = new_id, new_str, True
    # merge the entries whose msgids became identical: one entry, all the occurrences
    seen = {}
    for entry in list(po):
        key = (entry.msgctxt, entry.msgid)
        first = seen.setdefault(key, entry)
        if first is entry:
            continue
        changed = True
        for occurrence in entry.occurrences:
            if occurrence not in first.occurrences:
                first.occurrences.append(occurrence)
        for flag in entry.flags:
            if flag not in first.flags:
                first.flags.append(flag)
        if entry.comment and entry.comment not in (first.comment or ""):
            first.comment = "\n".join(filter(None, [first.comment, entry.comment]))
        if not first.msgstr:
            first.msgstr = entry.msgstr
        elif entry.msgstr and entry.msgstr != first.msgstr:
            leftovers.append(f"{path}: merged {entry.msgid[:60]!r}: kept {first.msgstr[:60]!r}, "
                             f"dropped {entry.msgstr[:60]!r}")
        po.remove(entry)
    for entry in po:
        for text in (entry.msgid, entry.msgstr):
            if LEFT_RE.search(text):
                leftovers.append(f"{path}: {text[:100]!r}")
    return str(po) if changed else source


# --------------------------------------------------------------------------- main

HANDLERS = {".py": process_python, ".xml": process_xml, ".po": process_po, ".pot": process_po}


def files(paths):
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for sub in sorted(path.rglob("*")):
                if sub.suffix in HANDLERS and sub.is_file() and "tests" not in sub.parts:
                    yield sub
        elif path.suffix in HANDLERS:
            yield path


def main(argv):
    check = "--check" in argv
    paths = [a for a in argv if a != "--check"] or [ROOT / p for p in DEFAULT_PATHS]
    changed, leftovers = [], []
    for path in files(paths):
        if path.name == "README.md":
            continue
        source = path.read_text(encoding="utf-8")
        new = HANDLERS[path.suffix](path, source, leftovers)
        if new != source:
            changed.append(path)
            if not check:
                path.write_text(new, encoding="utf-8")
    for path in changed:
        print(f"{'would rewrite' if check else 'rewrote'} {path}")
    if leftovers:
        print("left for a hand fix (or not user-facing):")
        for line in leftovers:
            print(f"  {line}")
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
