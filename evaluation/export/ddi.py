"""DDI-Codebook 2.5 XML describing the data set, for archiving with Sikt.

Follows Sikt's advice for deposited survey data: every variable has a label and the question
text, value labels match the questionnaire wording, and named missing values (e.g. "vet ikke")
are declared as missing categories distinct from blank (system missing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

__all__ = ["write_ddi", "DDI_NS"]

DDI_NS = "ddi:codebook:2_5"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA = (
    "ddi:codebook:2_5 https://ddialliance.org/Specification/DDI-Codebook/2.5/XMLSchema/codebook.xsd"
)


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    e = ET.SubElement(parent, f"{{{DDI_NS}}}{tag}", {k: str(v) for k, v in attrs.items()})
    if text is not None:
        e.text = str(text)
    return e


def _labels(parent: ET.Element, tag: str, nb: str | None, en: str | None) -> None:
    if nb:
        _el(parent, tag, nb, **{XML_LANG: "nb"})
    if en and en != nb:
        _el(parent, tag, en, **{XML_LANG: "en"})


def _data_files(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per table (layout), preferring the .sav as the archival file."""
    by_table: dict[str, dict[str, Any]] = {}
    rank = {"sav": 0, "dta": 1, "csv": 2, "parquet": 3, "xlsx": 4}
    for f in files:
        stem = f["file"].rsplit(".", 1)[0]
        if stem not in by_table or rank[f["format"]] < rank[by_table[stem]["format"]]:
            by_table[stem] = f
    return list(by_table.values())


def write_ddi(
    entries: list[dict[str, Any]], files: list[dict[str, Any]], path: Path, about: dict[str, Any]
) -> None:
    """Write DDI-Codebook 2.5 XML: study, one fileDscr per data table, one var per variable."""
    ET.register_namespace("", DDI_NS)
    ET.register_namespace("xsi", XSI)
    root = ET.Element(
        f"{{{DDI_NS}}}codeBook",
        {"version": "2.5", f"{{{XSI}}}schemaLocation": SCHEMA, XML_LANG: about.get("lang", "nb")},
    )
    doc = _el(root, "docDscr")
    _el(_el(_el(doc, "citation"), "titlStmt"), "titl", f"Kodebok: {about.get('title', '')}")
    study = _el(root, "stdyDscr")
    cit = _el(study, "citation")
    _el(_el(cit, "titlStmt"), "titl", about.get("title", "dekom-evaluering"))
    _el(_el(cit, "prodStmt"), "software", about.get("software", "dekom-eval"))
    info = _el(study, "stdyInfo")
    _el(
        info,
        "abstract",
        "Spørreundersøkelser i evalueringen av desentralisert ordning for "
        "kompetanseutvikling i skolen (dekom), bølger "
        + ", ".join(map(str, about.get("waves", []))),
        **{XML_LANG: "nb"},
    )
    summary = _el(info, "sumDscr")
    for w in about.get("waves", []):
        _el(summary, "collDate", str(w), date=str(w), event="single")
    _el(summary, "anlyUnit", "Individer (skoleeiere, skoleledere, tillitsvalgte, UH-ansatte)")
    comparability = about.get("comparability_notes") or []
    for n in comparability:
        _el(
            info,
            "notes",
            f"Brudd i sammenlignbarhet, bølge {n['wave_name']} ({n['role']}, {n['version']} mot "
            f"{n.get('compared_with') or '?'}): skalaer {', '.join(n['broken_scales'])}. "
            f"Evaluators merknad: {n['note']}",
            type="comparability",
            **{XML_LANG: "nb"},
        )
    by_item: dict[str, list[str]] = {}
    for n in comparability:
        for code in n.get("items", []):
            by_item.setdefault(code, []).append(
                f"Sammenlignbarhet brutt i bølge {n['wave_name']}: {n['note']}"
            )
    method = _el(study, "method")
    coll = _el(method, "dataColl")
    _el(coll, "collMode", "Nettskjema (selvutfylling)")
    _el(
        coll,
        "cleanOps",
        "Rensede data (regler i manifest.json)"
        if about.get("cleaned")
        else "Rådata: ingen rensing",
    )
    access = _el(study, "dataAccs")
    _el(
        _el(access, "useStmt"),
        "confDec",
        "Pseudonymiserte data: panel_id er en nøkkelbasert hash; ingen navn eller e-post.",
    )
    data_files = _data_files(files)
    ids: dict[str, str] = {}
    for i, f in enumerate(data_files, start=1):
        fid = f"F{i}"
        ids[f["file"].rsplit(".", 1)[0]] = fid
        fd = _el(root, "fileDscr", ID=fid)
        txt = _el(fd, "fileTxt")
        _el(txt, "fileName", f["file"])
        layout = f["layout"]
        _el(
            txt,
            "fileCont",
            {
                "wide": "Panelfil: én rad per person, variabler navn_bølge",
                "waves": "Én rad per respondent i bølgen",
                "long": "Én rad per respondent × bølge × variabel",
            }.get(layout, layout),
        )
        dims = _el(txt, "dimensns")
        _el(dims, "caseQnty", str(f["rows"]))
        _el(dims, "varQnty", str(f["columns"]))
        _el(
            txt,
            "fileType",
            {"sav": "SPSS", "dta": "Stata", "csv": "CSV", "parquet": "Parquet", "xlsx": "Excel"}[
                f["format"]
            ],
        )
    wave_files = {stem: fid for stem, fid in ids.items() if stem.startswith("dekom_wave_")}
    data = _el(root, "dataDscr")
    for n, e in enumerate(entries, start=1):
        present = [
            fid
            for stem, fid in wave_files.items()
            if not e["waves"] or int(stem.rsplit("_", 1)[1]) in e["waves"]
        ]
        attrs = {
            "ID": f"V{n}",
            "name": e["name"],
            "intrvl": "contin" if e["measure"] == "scale" else "discrete",
        }
        if present:
            attrs["files"] = " ".join(present)
        var = _el(data, "var", **attrs)
        _labels(var, "labl", e["label_nb"], e["label_en"])
        if e.get("item_code"):
            q = _el(var, "qstn")
            _el(q, "qstnLit", e.get("question_nb") or e["label_nb"])
        if e["missing"]:
            inv = _el(var, "invalrng")
            for m in e["missing"]:
                _el(inv, "item", VALUE=str(m["code"]))
        _el(var, "sumStat", str(e["n_valid"]), type="vald")
        _el(var, "sumStat", str(e["n_missing"]), type="invd")
        for v in e["values"]:
            cat = _el(var, "catgry")
            _el(cat, "catValu", str(v["value"]))
            _labels(cat, "labl", v["label_nb"], v["label_en"])
        for m in e["missing"]:
            cat = _el(var, "catgry", missing="Y")
            _el(cat, "catValu", str(m["code"]))
            _labels(cat, "labl", m["label_nb"], m["label_en"])
            stat = e.get("n_missing_by_kind", {}).get(m["name"])
            if stat is not None:
                _el(cat, "catStat", str(stat), type="freq")
        _el(
            var,
            "varFormat",
            type="character" if e["type"] == "string" else "numeric",
            schema="other",
        )
        notes = []
        if e.get("scales"):
            notes.append("Skala: " + ", ".join(e["scales"]))
        if e.get("questionnaire_versions"):
            notes.append("Skjemaversjoner: " + ", ".join(e["questionnaire_versions"]))
        for c in e.get("changes", []):
            notes.append(f"Endret i {c['version']}: {c['field']}")
        notes.extend(by_item.get(e.get("item_code") or "", []))
        if notes:
            _el(var, "notes", "; ".join(notes))
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)
