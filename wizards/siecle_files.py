"""Reading SIECLE (Base élèves) and STS-web exports (issue 16): only what the programme keeps.

The exports are XML files, one per ZIP when zipped, declared in ISO-8859-15 (sometimes UTF-8):
`ElevesSansAdresses.xml` (BEE_ELEVES), `ResponsablesAvecAdresses.xml` (BEE_RESPONSABLES),
`Nomenclature.xml` (BEE_NOMENCLATURES) and STS-web's `sts_emp_<UAI>_<year>.xml` (STS_EDT).
Each reader returns plain data and a list of problems (file, line, identifier, what is expected);
nothing here touches the database. Tags the programme does not need (birth date and place,
nationality, regime, scholarship, INE, professions...) are never read: they are only counted,
so that the import can say what it left out (R29).
"""
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from lxml import etree

ROOTS = {"BEE_ELEVES": "eleves", "BEE_RESPONSABLES": "responsables", "BEE_NOMENCLATURES": "nomenclature",
         "STS_EDT": "sts"}
# The tags read per kind; every other leaf tag of a person is left out and counted (R29).
PUPIL_TAGS = {"NOM_DE_FAMILLE", "NOM", "NOM_USAGE", "PRENOM", "CODE_MEF", "DATE_ENTREE", "DATE_SORTIE"}
PERSON_TAGS = {"NOM_DE_FAMILLE", "NOM", "NOM_USAGE", "PRENOM", "TEL_PERSONNEL", "TEL_PORTABLE", "MEL", "ADRESSE_ID"}
ADDRESS_TAGS = {"LIGNE1_ADRESSE", "LIGNE2_ADRESSE", "LIGNE3_ADRESSE", "LIGNE4_ADRESSE", "CODE_POSTAL",
                "LIBELLE_POSTAL", "COMMUNE_ETRANGERE"}
STAFF_TAGS = {"NOM_USAGE", "NOM_PATRONYMIQUE", "PRENOM", "FONCTION"}
# The level of a MEF: its nomenclature's FORMATION ("6EME"...), else the standard prefix of its code.
MEF_PREFIX_LEVEL = {"100": "6e", "101": "5e", "102": "4e", "103": "3e"}
FORMATION_LEVEL = re.compile(r"^\s*([3-6])\s*(?:E|EME|ÈME)\b", re.IGNORECASE)
# STS-web FONCTION → role at school: teachers, the direction (head and deputies), the others staff.
STAFF_ROLES = {"ENS": "teacher", "DIR": "head"}
LEGAL_REPRESENTATIVE = "1"
# Pre-2018 files: RESP_LEGAL 1 or 2 were both legal representatives, 0 a contact.
OLD_RESP_LEGAL = {"1": "1", "2": "1", "0": "3"}


@dataclass
class Export:
    """One export file, read: its kind, collège (UAI) and school year, and its data."""

    kind: str
    filename: str
    uai: str = ""
    year: int = 0
    export_date: date = None
    records: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    left_out: set = field(default_factory=set)


class ExportError(Exception):
    """A file that cannot be read at all; its message names the file and the line."""


def read_files(env, named_contents):
    """[Export] of the files given as {file name: bytes}, XML or one XML per ZIP.

    Raises ExportError on the first file that is not a readable SIECLE/STS-web export:
    nothing of an unreadable file can be trusted, so its other problems are not listed."""
    exports = []
    for filename, content in named_contents:
        for inner_name, xml in _unzipped(env, filename, content):
            exports.append(_read_xml(env, inner_name, xml))
    return exports


def _unzipped(env, filename, content):
    if not content.startswith(b"PK\x03\x04"):
        return [(filename, content)]
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".xml") and not n.endswith("/")]
            if len(names) != 1:
                raise ExportError(env._(
                    "%(file)s: a SIECLE or STS-web ZIP holds exactly one XML export (found %(count)s: %(names)s).",
                    file=filename, count=len(names), names=", ".join(names) or "—"))
            return [(f"{filename}/{names[0]}", archive.read(names[0]))]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError):
        raise ExportError(env._("%s: the ZIP archive is damaged or truncated; download it again from SIECLE.",
                                filename)) from None


def _declared_encoding(content):
    match = re.match(rb"""\s*<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""", content)
    return match.group(1).decode().upper() if match else "UTF-8"


def _is_utf8(content):
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _read_xml(env, filename, content):
    encoding = _declared_encoding(content)
    if (encoding.replace("_", "-") not in ("UTF-8", "UTF8") and re.search(rb"[\xc0-\xdf][\x80-\xbf]", content)
            and _is_utf8(content)):
        raise ExportError(env._(
                "%(file)s declares the encoding %(encoding)s but its accented letters are written in UTF-8: "
                "export it again from SIECLE without re-saving it in another program.",
                file=filename, encoding=encoding))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True,
                             remove_blank_text=True)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if getattr(exc, "position", None) else 0)
        if "encoding" in str(exc).lower() or "utf-8" in str(exc).lower() or "bytes" in str(exc).lower():
            raise ExportError(env._(
                "%(file)s, line %(line)s: the bytes are not valid %(encoding)s, the encoding the file declares "
                "(%(error)s).", file=filename, line=line, encoding=encoding, error=exc.msg)) from None
        raise ExportError(env._(
            "%(file)s, line %(line)s: not well-formed XML, the file may be truncated (%(error)s).",
            file=filename, line=line, error=exc.msg)) from None
    kind = ROOTS.get(root.tag)
    if not kind:
        raise ExportError(env._(
            "%(file)s is not a SIECLE or STS-web export: its root element is <%(tag)s>, expected BEE_ELEVES "
            "(ElevesSansAdresses.xml), BEE_RESPONSABLES (ResponsablesAvecAdresses.xml), BEE_NOMENCLATURES "
            "(Nomenclature.xml) or STS_EDT (sts_emp_<UAI>_<year>.xml).", file=filename, tag=root.tag))
    export = Export(kind, filename)
    _read_parameters(env, export, root)
    getattr(_Readers, kind)(env, export, root)
    return export


def _text(node, tag):
    child = node.find(tag)
    return (child.text or "").strip() if child is not None and child.text else ""


def _read_parameters(env, export, root):
    params = root.find("PARAMETRES")
    if params is None:
        raise ExportError(env._("%s has no <PARAMETRES> (collège and school year): it is not a complete export.",
                                export.filename))
    if export.kind == "sts":
        uaj = params.find("UAJ")
        export.uai = (uaj.get("CODE") or uaj.text or "").strip() if uaj is not None else _text(params, "PARAM_UAI")
        year = params.find("ANNEE_SCOLAIRE")
        year_text = (year.get("ANNEE") or year.text or "").strip() if year is not None else ""
    else:
        export.uai = _text(params, "UAJ")
        year_text = _text(params, "ANNEE_SCOLAIRE")
        export.export_date = parse_date(_text(params, "DATE_EXPORT"), "%d/%m/%Y")
    if not re.fullmatch(r"\d{4}", year_text):
        raise ExportError(env._("%(file)s: the school year in <PARAMETRES> is “%(year)s”, expected four digits "
                                "(the year it starts, e.g. 2026).", file=export.filename, year=year_text))
    export.year = int(year_text)
    export.uai = export.uai.upper()


def parse_date(text, pattern):
    if not text:
        return None
    try:
        return datetime.strptime(text.strip(), pattern).date()
    except ValueError:
        return False


def _left_out(export, node, kept):
    export.left_out |= {child.tag for child in node if isinstance(child.tag, str) and child.tag not in kept}


class _Readers:
    """One reader per kind of export; each fills `export.records` with dicts carrying their `line`."""

    @staticmethod
    def eleves(env, export, root):
        classes = {}
        for node in root.iterfind("DONNEES/STRUCTURES/STRUCTURES_ELEVE"):
            for structure in node.iterfind("STRUCTURE"):
                if _text(structure, "TYPE_STRUCTURE") == "D":
                    classes[node.get("ELEVE_ID", "").strip()] = _text(structure, "CODE_STRUCTURE")
        for node in root.iterfind("DONNEES/ELEVES/ELEVE"):
            _left_out(export, node, PUPIL_TAGS | {"ELENOET"})
            eleve_id = (node.get("ELEVE_ID") or "").strip()
            export.records.append({
                "id": eleve_id, "line": node.sourceline,
                "last_name": _text(node, "NOM_USAGE") or _text(node, "NOM_DE_FAMILLE") or _text(node, "NOM"),
                "first_name": _text(node, "PRENOM"), "mef": _text(node, "CODE_MEF"),
                "entry": _text(node, "DATE_ENTREE"), "leaving": _text(node, "DATE_SORTIE"),
                "school_class": classes.get(eleve_id, ""),
            })

    @staticmethod
    def responsables(env, export, root):
        addresses = {}
        for node in root.iterfind("DONNEES/ADRESSES/ADRESSE"):
            _left_out(export, node, ADDRESS_TAGS)
            lines = [_text(node, f"LIGNE{i}_ADRESSE") for i in range(1, 5)]
            addresses[(node.get("ADRESSE_ID") or "").strip()] = {
                "street": lines[0], "street2": ", ".join(part for part in lines[1:] if part),
                "zip": _text(node, "CODE_POSTAL"),
                "city": _text(node, "LIBELLE_POSTAL") or _text(node, "COMMUNE_ETRANGERE"),
            }
        persons = {}
        for node in root.iterfind("DONNEES/PERSONNES/PERSONNE"):
            _left_out(export, node, PERSON_TAGS)
            personne_id = (node.get("PERSONNE_ID") or "").strip()
            persons.setdefault(personne_id, []).append({
                "id": personne_id, "line": node.sourceline,
                "last_name": _text(node, "NOM_USAGE") or _text(node, "NOM_DE_FAMILLE") or _text(node, "NOM"),
                "first_name": _text(node, "PRENOM"), "email": _text(node, "MEL"),
                "phone": _text(node, "TEL_PERSONNEL"), "mobile": _text(node, "TEL_PORTABLE"),
                **addresses.get(_text(node, "ADRESSE_ID"), {}),
            })
        export.extra["persons"] = persons
        for node in root.iterfind("DONNEES/RESPONSABLES/RESPONSABLE_ELEVE"):
            _left_out(export, node, {"ELEVE_ID", "PERSONNE_ID", "NIVEAU_RESPONSABILITE", "RESP_LEGAL"})
            level = _text(node, "NIVEAU_RESPONSABILITE")
            if not level:
                level = OLD_RESP_LEGAL.get(_text(node, "RESP_LEGAL"), "3")
            export.records.append({"eleve_id": _text(node, "ELEVE_ID"), "personne_id": _text(node, "PERSONNE_ID"),
                                   "level": level, "line": node.sourceline})

    @staticmethod
    def nomenclature(env, export, root):
        for node in root.iterfind("DONNEES/MEFS/MEF"):
            label = _text(node, "FORMATION") or _text(node, "LIBELLE_LONG")
            match = FORMATION_LEVEL.match(label)
            export.records.append({"code": (node.get("CODE_MEF") or "").strip(),
                                   "level": f"{match.group(1)}e" if match else False, "line": node.sourceline})

    @staticmethod
    def sts(env, export, root):
        for node in root.iterfind("DONNEES/INDIVIDUS/INDIVIDU"):
            _left_out(export, node, STAFF_TAGS)
            export.records.append({
                "id": (node.get("ID") or "").strip(), "line": node.sourceline,
                "last_name": _text(node, "NOM_USAGE") or _text(node, "NOM_PATRONYMIQUE"),
                "first_name": _text(node, "PRENOM"), "function": _text(node, "FONCTION").upper(),
            })


def mef_level(code, nomenclature):
    """6e..3e of a MEF code: from the nomenclature when given, else from the code's standard prefix."""
    if code in nomenclature:
        return nomenclature[code]
    return MEF_PREFIX_LEVEL.get(code[:3], False)


def person_name(first_name, last_name):
    """“Élodie Lefèvre” from SIECLE's PRENOM and NOM (written in capitals)."""
    last = last_name.title() if last_name.isupper() else last_name
    return " ".join(part for part in (first_name.strip(), last.strip()) if part)
