#!/usr/bin/env python3
"""Generates SIECLE and STS-web exports of a fictional collège, in the real format (issue 16).

The files a collège downloads from SIECLE (Base élèves) and STS-web, with their tags, their
identifiers (ELEVE_ID, PERSONNE_ID, INDIVIDU ID), dates written JJ/MM/AAAA (SIECLE) or
AAAA-MM-JJ (STS-web), ISO-8859-15 by default, and the data the programme does not keep (birth
place, nationality, scholarship...), so that the import's tests, its bench and a référent trying it
read what SIECLE writes. Deterministic: the same arguments give the same bytes.

The population moves from year to year: in the `base_year` the pupils 0..count-1 are spread over
6e..3e; each later year they go up one level, the 3e leave and a new cohort of 6e arrives (new
ELEVE_IDs). Pupil 1 leaves in the middle of the base year (DATE_SORTIE 15/02). Pupils with an even
index have two legal representatives, the others one; pupil 0 also has a contact (level 3), whom the
import leaves out.

    python3 tools/gen_siecle.py --uai 0380027Y --year 2026 --pupils 350 --out /tmp/siecle [--zip] [--utf8]
"""
import argparse
import io
import os
import zipfile
from datetime import date
from xml.sax.saxutils import escape, quoteattr

FIRST = ["Élodie", "Jérôme", "Noël", "Anaïs", "Chloé", "François", "Zoé", "Léa", "Maël", "Cécile", "Inès", "Raphaël"]
# Œ is in ISO-8859-15, not in ISO-8859-1: a file read with the wrong one shows it.
LAST = ["Lefèvre", "Cœur", "Müller", "Garçon", "Bérard", "Perret", "Roussel", "Dubœuf", "Héraud", "Noël"]
PARENT_FIRST = ["Sophie", "Stéphane", "Aurélie", "Frédéric", "Hélène", "Sébastien"]
MEF = {0: "10010012110", 1: "10110001110", 2: "10210001110", 3: "10310019110"}
MEF_LABEL = {0: "6EME", 1: "5EME", 2: "4EME", 3: "3EME"}
PER_ELEVE_ID = 100000
PER_PERSONNE_ID = 500000


def _pupil(index, year, count, base_year):
    """(level index 0..3 or None, class) of pupil `index` in `year`."""
    if index < count:
        entry = base_year - index % 4
    else:
        entry = base_year + 1 + (index - count) // max(count // 4, 1)
    level = year - entry
    if not 0 <= level <= 3:
        return None, None
    return level, f"{6 - level}{'AB'[index % 2]}"


def people(count, year, base_year=2026):
    """The pupils present in `year`: [(index, level, class)]."""
    total = count + max(year - base_year, 0) * max(count // 4, 1)
    rows = []
    for index in range(total):
        level, division = _pupil(index, year, count, base_year)
        if level is not None and not (index == 1 and year > base_year):
            rows.append((index, level, division))
    return rows


def _name(index, names=LAST):
    return names[index % len(names)]


def _param(uai, year, export_day):
    return (f"<PARAMETRES><UAJ>{uai}</UAJ><ANNEE_SCOLAIRE>{year}</ANNEE_SCOLAIRE>"
            f"<DATE_EXPORT>{export_day:%d/%m/%Y}</DATE_EXPORT>"
            f"<HORODATAGE>{export_day:%d/%m/%Y} 08:30:00</HORODATAGE></PARAMETRES>")


def _encode(text, encoding):
    return f'<?xml version="1.0" encoding="{encoding}"?>\n{text}\n'.encode(encoding)


def eleves_xml(uai, year, count, base_year=2026, encoding="ISO-8859-15"):
    rows = people(count, year, base_year)
    export_day = date(year, 9, 1)
    eleves, structures = [], []
    for index, level, division in rows:
        eleve_id = PER_ELEVE_ID + index
        leaving = f"<DATE_SORTIE>15/02/{year + 1}</DATE_SORTIE>" if index == 1 and year == base_year else ""
        eleves.append(
            f'<ELEVE ELEVE_ID="{eleve_id}" ELENOET="{index + 1}">'
            f"<ID_NATIONAL>{index:09d}AB</ID_NATIONAL><ELENOET>{index + 1}</ELENOET>"
            f"<NOM_DE_FAMILLE>{escape(_name(index).upper())}</NOM_DE_FAMILLE>"
            f"<PRENOM>{escape(_name(index, FIRST))}</PRENOM><PRENOM2>Marie</PRENOM2>"
            f"<DATE_NAISS>{(index % 28) + 1:02d}/03/{year - 11 - level}</DATE_NAISS><CODE_SEXE>{index % 2 + 1}</CODE_SEXE>"
            f"<CODE_PAYS>100</CODE_PAYS><VILLE_NAISS>Saint-Étienne</VILLE_NAISS><CODE_NATIONALITE>100</CODE_NATIONALITE>"
            f"<CODE_REGIME>2</CODE_REGIME><CODE_STATUT>ST</CODE_STATUT><BOURSIER>{index % 3 == 0 and 'O' or 'N'}</BOURSIER>"
            f"<CODE_MEF>{MEF[level]}</CODE_MEF><DATE_ENTREE>0{1 + index % 2}/09/{year - level}</DATE_ENTREE>"
            f"{leaving}</ELEVE>")
        structures.append(
            f'<STRUCTURES_ELEVE ELEVE_ID="{eleve_id}" ELENOET="{index + 1}"><STRUCTURE>'
            f"<CODE_STRUCTURE>{division}</CODE_STRUCTURE><TYPE_STRUCTURE>D</TYPE_STRUCTURE></STRUCTURE>"
            f"<STRUCTURE><CODE_STRUCTURE>LATIN</CODE_STRUCTURE><TYPE_STRUCTURE>G</TYPE_STRUCTURE></STRUCTURE>"
            f"</STRUCTURES_ELEVE>")
    text = (f'<BEE_ELEVES VERSION="3.1">{_param(uai, year, export_day)}<DONNEES>'
            "<ELEVES>\n" + "\n".join(eleves) + "\n</ELEVES><OPTIONS/><STRUCTURES>\n" + "\n".join(structures)
            + "\n</STRUCTURES></DONNEES></BEE_ELEVES>")
    return _encode(text, encoding)


def responsables_xml(uai, year, count, base_year=2026, encoding="ISO-8859-15", resp_legal=False):
    """`resp_legal`: the format before 2018 (RESP_LEGAL instead of NIVEAU_RESPONSABILITE)."""
    rows = people(count, year, base_year)
    persons, links, addresses = [], [], []

    def level_tag(level):
        return f"<RESP_LEGAL>{level if level < 3 else 0}</RESP_LEGAL>" if resp_legal else \
            f"<NIVEAU_RESPONSABILITE>{level}</NIVEAU_RESPONSABILITE>"

    for index, _level, _division in rows:
        reps = [PER_PERSONNE_ID + 2 * index] + ([PER_PERSONNE_ID + 2 * index + 1] if index % 2 == 0 else [])
        for rank, personne_id in enumerate(reps):
            address_id = personne_id
            persons.append(
                f'<PERSONNE PERSONNE_ID="{personne_id}"><LC_CIVILITE>{"Mme" if rank == 0 else "M."}</LC_CIVILITE>'
                f"<NOM_DE_FAMILLE>{escape(_name(index).upper())}</NOM_DE_FAMILLE>"
                f"<PRENOM>{escape(_name(index + rank, PARENT_FIRST))}</PRENOM>"
                f"<TEL_PERSONNEL>04 76 00 {index % 100:02d} {rank:02d}</TEL_PERSONNEL>"
                f"<TEL_PORTABLE>06 12 {index % 100:02d} {rank:02d} 00</TEL_PORTABLE>"
                f"<TEL_PROFESSIONNEL>04 76 99 99 99</TEL_PROFESSIONNEL>"
                f"<MEL>famille.{personne_id}@example.invalid</MEL><CODE_PROFESSION>38</CODE_PROFESSION>"
                f"<ADRESSE_ID>{address_id}</ADRESSE_ID></PERSONNE>")
            addresses.append(
                f'<ADRESSE ADRESSE_ID="{address_id}"><LIGNE1_ADRESSE>{index + 1} rue de l&apos;Église</LIGNE1_ADRESSE>'
                f"<LIGNE2_ADRESSE>Bâtiment {rank + 1}</LIGNE2_ADRESSE><CODE_POSTAL>38000</CODE_POSTAL>"
                f"<LIBELLE_POSTAL>GRENOBLE</LIBELLE_POSTAL><LL_PAYS>FRANCE</LL_PAYS><CODE_PAYS>100</CODE_PAYS></ADRESSE>")
            links.append(
                f"<RESPONSABLE_ELEVE><ELEVE_ID>{PER_ELEVE_ID + index}</ELEVE_ID><PERSONNE_ID>{personne_id}</PERSONNE_ID>"
                f"{level_tag(1)}<CODE_PARENTE>{'20' if rank == 0 else '10'}</CODE_PARENTE>"
                f"<RESP_FINANCIER>1</RESP_FINANCIER><PERS_PAIMENT>1</PERS_PAIMENT><PERS_CONTACT>1</PERS_CONTACT>"
                f"</RESPONSABLE_ELEVE>")
        if index == 0:
            persons.append('<PERSONNE PERSONNE_ID="900000"><NOM_DE_FAMILLE>VOISIN</NOM_DE_FAMILLE>'
                           "<PRENOM>Agnès</PRENOM><TEL_PORTABLE>06 00 00 00 00</TEL_PORTABLE></PERSONNE>")
            links.append(f"<RESPONSABLE_ELEVE><ELEVE_ID>{PER_ELEVE_ID}</ELEVE_ID><PERSONNE_ID>900000</PERSONNE_ID>"
                         f"{level_tag(3)}<CODE_PARENTE>90</CODE_PARENTE></RESPONSABLE_ELEVE>")
    text = (f'<BEE_RESPONSABLES VERSION="1.7">{_param(uai, year, date(year, 9, 1))}<DONNEES>'
            "<PERSONNES>\n" + "\n".join(persons) + "\n</PERSONNES><RESPONSABLES>\n" + "\n".join(links)
            + "\n</RESPONSABLES><ADRESSES>\n" + "\n".join(addresses) + "\n</ADRESSES></DONNEES></BEE_RESPONSABLES>")
    return _encode(text, encoding)


def nomenclature_xml(uai, year, encoding="ISO-8859-15"):
    mefs = "".join(f'<MEF CODE_MEF="{code}"><FORMATION>{MEF_LABEL[level]}</FORMATION>'
                   f"<LIBELLE_LONG>{MEF_LABEL[level]}</LIBELLE_LONG><LIBELLE_EDITION>{6 - level}ème</LIBELLE_EDITION>"
                   f"</MEF>\n" for level, code in MEF.items())
    text = (f'<BEE_NOMENCLATURES VERSION="1.1">{_param(uai, year, date(year, 9, 1))}<DONNEES><MEFS>\n{mefs}'
            "</MEFS></DONNEES></BEE_NOMENCLATURES>")
    return _encode(text, encoding)


STAFF = [  # (ID, FONCTION, first name, last name)
    (7001, "DIR", "Hélène", "Brémond"), (7002, "ENS", "Benoît", "Lefèvre"), (7003, "ENS", "Agnès", "Cœur"),
    (7004, "EDU", "Noël", "Perret"),
]


def sts_xml(uai, year, encoding="ISO-8859-15", staff=STAFF):
    individus = "".join(
        f'<INDIVIDU ID="{ident}" TYPE="epp"><SEXE>1</SEXE><CIVILITE>1</CIVILITE>'
        f"<NOM_USAGE>{escape(last.upper())}</NOM_USAGE><NOM_PATRONYMIQUE>{escape(last.upper())}</NOM_PATRONYMIQUE>"
        f"<PRENOM>{escape(first)}</PRENOM><DATE_NAISSANCE>1980-05-0{ident % 9 + 1}</DATE_NAISSANCE>"
        f"<GRADE>CERT</GRADE><FONCTION>{function}</FONCTION></INDIVIDU>\n"
        for ident, function, first, last in staff)
    text = (f"<STS_EDT><PARAMETRES><UAJ CODE={quoteattr(uai)}><SIGLE>CLG</SIGLE></UAJ>"
            f'<ANNEE_SCOLAIRE ANNEE="{year}"><DATE_DEBUT>{year}-09-01</DATE_DEBUT>'
            f"<DATE_FIN>{year + 1}-08-31</DATE_FIN></ANNEE_SCOLAIRE><HORODATAGE>{year}-09-01 08:30:00</HORODATAGE>"
            f"</PARAMETRES><DONNEES><INDIVIDUS>\n{individus}</INDIVIDUS></DONNEES></STS_EDT>")
    return _encode(text, encoding)


def zipped(filename, content):
    """One XML in its ZIP, as SIECLE serves ExportXML_ElevesSansAdresses.zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(filename, content)
    return buffer.getvalue()


def zipped_many(named):
    """One archive of many files ({path in the archive: bytes}), as a Département gathers its collèges'."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in named.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def files(uai, year, count, base_year=2026, encoding="ISO-8859-15", zip_eleves=False, resp_legal=False):
    """{file name: bytes} of one collège's exports."""
    eleves = eleves_xml(uai, year, count, base_year, encoding)
    result = {
        "ResponsablesAvecAdresses.xml": responsables_xml(uai, year, count, base_year, encoding, resp_legal),
        "Nomenclature.xml": nomenclature_xml(uai, year, encoding),
        f"sts_emp_{uai}_{year}.xml": sts_xml(uai, year, encoding),
    }
    if zip_eleves:
        result["ExportXML_ElevesSansAdresses.zip"] = zipped("ElevesSansAdresses.xml", eleves)
    else:
        result["ElevesSansAdresses.xml"] = eleves
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uai", required=True)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--base-year", type=int, default=2026)
    parser.add_argument("--pupils", type=int, default=350)
    parser.add_argument("--out", required=True)
    parser.add_argument("--zip", action="store_true", help="ElevesSansAdresses in its ZIP")
    parser.add_argument("--utf8", action="store_true", help="UTF-8 instead of ISO-8859-15")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, content in files(args.uai, args.year, args.pupils, args.base_year,
                               "UTF-8" if args.utf8 else "ISO-8859-15", args.zip).items():
        with open(os.path.join(args.out, name), "wb") as handle:
            handle.write(content)
        print(os.path.join(args.out, name))


if __name__ == "__main__":
    main()
