"""The report's words in bokmål and English: column labels, headings, numbers and the print style.

Tables in the report show labelled columns (``Justert p`` rather than ``p_adj``), numbers with
the language's decimal sign and roles in words; :func:`labelled_table` does that for any
result table before it is drawn.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "COLUMNS",
    "HEADINGS",
    "LANGS",
    "PRINT_CSS",
    "correction_text",
    "labelled_table",
    "number",
    "role_name",
    "text",
]

LANGS = ("nb", "en")

#: column -> (bokmål, English)
COLUMNS: dict[str, tuple[str, str]] = {
    "scale": ("Skala", "Scale"),
    "role": ("Rolle", "Role"),
    "wave": ("Bølge", "Wave"),
    "waves": ("Bølger", "Waves"),
    "wave_from": ("Fra bølge", "From wave"),
    "wave_to": ("Til bølge", "To wave"),
    "method": ("Metode", "Method"),
    "n": ("n", "n"),
    "n_from": ("n fra", "n from"),
    "n_to": ("n til", "n to"),
    "mean": ("Gjennomsnitt", "Mean"),
    "mean_from": ("Gjennomsnitt fra", "Mean from"),
    "mean_to": ("Gjennomsnitt til", "Mean to"),
    "diff": ("Endring", "Change"),
    "sd": ("Standardavvik", "SD"),
    "se": ("Standardfeil", "SE"),
    "ci_low": ("95 % KI nedre", "95% CI lower"),
    "ci_high": ("95 % KI øvre", "95% CI upper"),
    "statistic": ("Testobservator", "Statistic"),
    "dof": ("Frihetsgrader", "df"),
    "p": ("p", "p"),
    "p_adj": ("Justert p", "Adjusted p"),
    "correction": ("Korreksjon", "Correction"),
    "effect_size": ("Effektstørrelse", "Effect size"),
    "effect_size_type": ("Mål", "Measure"),
    "note": ("Merknad", "Note"),
    "k": ("Ledd", "Items"),
    "alpha": ("Cronbachs alfa", "Cronbach's alpha"),
    "floor": ("Andel på gulvet", "Share at floor"),
    "ceiling": ("Andel i taket", "Share at ceiling"),
    "item": ("Ledd", "Item"),
    "text": ("Spørsmål", "Question"),
    "reversed": ("Snudd", "Reversed"),
    "item_rest_r": ("Ledd–rest-korrelasjon", "Item-rest correlation"),
    "source": ("Kilde", "Source"),
    "SS": ("Kvadratsum", "SS"),
    "ddof1": ("Fg 1", "df 1"),
    "ddof2": ("Fg 2", "df 2"),
    "F": ("F", "F"),
    "np2": ("Partiell η²", "Partial η²"),
    "eps": ("Epsilon", "Epsilon"),
    "n_subjects": ("Personer", "Persons"),
    "rule": ("Regel", "Rule"),
    "setting": ("Innstilling", "Setting"),
    "action": ("Handling", "Action"),
    "answers": ("Svar", "Answers"),
    "responses": ("Besvarelser", "Responses"),
    "respondents": ("Personer", "Persons"),
    "definition": ("Definisjon", "Definition"),
    "items": ("Ledd", "Items"),
    "status_nb": ("Status", "Status"),
    "fylke": ("Fylke", "County"),
    "theme": ("Tema", "Theme"),
}
ROLES = {
    "skoleeier": ("skoleeiere", "school owners"),
    "skoleleder": ("skoleledere", "school leaders"),
    "tillitsvalgt": ("tillitsvalgte", "union representatives"),
    "uh": ("UH", "universities/colleges"),
}
METHOD_NAMES = {
    "lmm": ("blandet modell", "mixed model"),
    "welch": ("tverrsnitt (Welch)", "cross-section (Welch)"),
    "paired": ("panel (parvis)", "panel (paired)"),
    "mixed_anova": ("mixed ANOVA", "mixed ANOVA"),
}
HEADINGS: dict[str, tuple[str, str]] = {
    "made": ("Laget {when} fra {source}.", "Made {when} from {source}."),
    "kept": (
        "Etter rensing: {answers} svar fra {responses} besvarelser og {respondents} personer.",
        "After cleaning: {answers} answers from {responses} responses and {respondents} persons.",
    ),
    "summary": ("Kort oppsummert", "In short"),
    "summary_up": ("Økte sikkert", "Rose with certainty"),
    "summary_down": ("Sank sikkert", "Fell with certainty"),
    "summary_none": (
        "Ingen sikker endring for de øvrige skalaene og gruppene.",
        "No certain change for the other scales and groups.",
    ),
    "per_scale": ("Per skala", "Per scale"),
    "figures": ("Figurer", "Figures"),
    "scale_figures": ("Én figur per skala", "One figure per scale"),
    "notes": ("Merknader", "Notes"),
    "change": ("Endring (hovedestimat: blandet modell)", "Change (main estimate: mixed model)"),
    "all_methods": ("Alle metoder (change.csv)", "All methods (change.csv)"),
    "anova": ("Panel: mixed ANOVA rolle × bølge", "Panel: mixed ANOVA role × wave"),
    "waves": ("Gjennomsnitt per bølge", "Mean per wave"),
    "reliability": ("Reliabilitet", "Reliability"),
    "items": ("Ledd: ledd–rest-korrelasjoner", "Items: item-rest correlations"),
    "cleaning": ("Rensing", "Cleaning"),
    "methods": ("Metode", "Methods"),
    "no_rows": ("Ingen rader.", "No rows."),
    "more_rows": (
        "Viser {shown} av {total} rader; alle står i CSV-filen.",
        "Showing {shown} of {total} rows; all are in the CSV file.",
    ),
    "print": (
        "Skriv ut → Lagre som PDF gir rene A4-sider.",
        "Print → Save as PDF gives clean A4 pages.",
    ),
    "other_lang": ("English version: report_en.html", "Norsk versjon: report.html"),
}
CORRECTIONS = {
    "holm": ("Holm", "Holm"),
    "bonferroni": ("Bonferroni", "Bonferroni"),
    "fdr_bh": ("Benjamini–Hochberg (FDR)", "Benjamini–Hochberg (FDR)"),
    "none": ("ingen", "none"),
}

PRINT_CSS = """
@page{size:A4;margin:18mm 16mm 20mm}
@media print{
 body{max-width:none;margin:0;padding:0;font-size:10.5pt;color:#000}
 h1{font-size:20pt}h2{font-size:14pt;break-after:avoid;page-break-after:avoid}
 h2.chapter{break-before:page;page-break-before:always}
 h3{break-after:avoid}
 table,figure,.summary,tr{break-inside:avoid;page-break-inside:avoid}
 thead{display:table-header-group}
 .tbl{overflow:visible}
 figure img{max-height:22cm;border:0}
 details>summary{display:none}
 details{display:block}
 details>*{display:block}
 a{color:#000;text-decoration:none}
 .screen-only{display:none}
}
.summary{border:2px solid #1e1e1e;padding:.75rem 1rem;margin:1rem 0}
.summary h2{margin-top:0;border:0}
figure{margin:1rem 0}.scale-figure{max-width:40rem;display:block}figcaption{font-size:.9rem;color:#333}
td.n,th.n{color:#333}
"""


def _i(lang: str) -> int:
    return 1 if lang == "en" else 0


def text(key: str, lang: str = "nb", **values: Any) -> str:
    """A heading or sentence of the report in ``lang``, with ``values`` filled in."""
    return HEADINGS[key][_i(lang)].format(**values)


def role_name(role: Any, lang: str = "nb") -> str:
    """A role code in words (plural), e.g. skoleleder → skoleledere / school leaders."""
    pair = ROLES.get(str(role))
    return pair[_i(lang)] if pair else str(role)


def number(x: Any, digits: int = 2, lang: str = "nb") -> str:
    """A number with the language's decimal sign (decimal comma and minus sign in bokmål)."""
    if x is None or (isinstance(x, float | np.floating) and not np.isfinite(x)):
        return "–"
    if isinstance(x, int | np.integer) and not isinstance(x, bool | np.bool_):
        s = f"{int(x):,}".replace(",", "\u00a0" if lang == "nb" else ",")
    else:
        s = f"{float(x):,.{digits}f}"
        if lang == "nb":
            s = s.replace(",", "\u00a0").replace(".", ",")
    return s.replace("-", "−") if lang == "nb" else s


def correction_text(value: Any, lang: str = "nb") -> str:
    """«holm across 70 tests (consecutive wave steps)» in words."""
    s = str(value)
    m = re.match(r"(\w+) across (\d+) tests?(?: \((.*)\))?", s)
    if not m:
        return s
    name = CORRECTIONS.get(m.group(1), (m.group(1), m.group(1)))[_i(lang)]
    family = m.group(3) or ""
    if lang == "en":
        return f"{name}, {m.group(2)} tests" + (f" ({family})" if family else "")
    family_nb = {
        "consecutive wave steps": "påfølgende bølger",
        "all wave pairs": "alle bølgepar",
    }.get(family, family)
    return f"{name} over {m.group(2)} tester" + (f" ({family_nb})" if family_nb else "")


_NOTE_WORDS = {"respondents": "personer", "persons": "personer", "tau2": "τ²", "sigma2": "σ²"}
#: whole phrases of the change table's notes in bokmål, replaced before the single words
_NOTE_PHRASES = {
    "fewer than 2 persons answered both waves": "færre enn 2 personer svarte i begge bølgene",
    "fewer than 2 answers in a wave": "færre enn 2 svar i en bølge",
    "no answers in a wave": "ingen svar i en bølge",
    "no variation": "ingen variasjon",
    "no weighted answers in": "ingen vektede svar i",
    "nonresponse weights": "frafallsvekter",
    "attrition weights": "vekter for frafall mellom bølger",
    "linearised SE": "linearisert standardfeil",
    "clusters": "klynger",
    "needs persons from at least two": "trenger personer fra minst to",
    "groups": "grupper",
}


def _note_nb(note: Any) -> Any:
    """A model note («tau2=0.2437, 105 respondents») with decimal commas and Norwegian words."""
    if not isinstance(note, str) or not note:
        return note
    from .notes_text import joined_notes_in

    out = joined_notes_in(note, "nb")
    out = re.sub(r"(?<=\d)\.(?=\d)", ",", out)
    out = re.sub(
        r"\b(" + "|".join(map(re.escape, _NOTE_PHRASES)) + r")\b",
        lambda m: _NOTE_PHRASES[m.group(1)],
        out,
    )
    return re.sub(r"\b(" + "|".join(_NOTE_WORDS) + r")\b", lambda m: _NOTE_WORDS[m.group(1)], out)


def labelled_table(
    df: pd.DataFrame,
    lang: str = "nb",
    scale_labels: dict[str, str] | None = None,
    item_texts: dict[str, str] | None = None,
) -> pd.DataFrame:
    """``df`` ready to read: roles, methods and scales in words, item texts beside codes, labelled columns."""
    out = df.copy()
    if "role" in out:
        out["role"] = out["role"].map(lambda r: role_name(r, lang))
    if "method" in out:
        out["method"] = out["method"].map(lambda m: METHOD_NAMES.get(str(m), (m, m))[_i(lang)])
    if "correction" in out:
        out["correction"] = out["correction"].map(lambda c: correction_text(c, lang))
    if scale_labels and "scale" in out:
        out["scale"] = out["scale"].map(lambda s: scale_labels.get(str(s), str(s)))
    if item_texts and "item" in out and "text" not in out:
        out.insert(
            list(out.columns).index("item") + 1,
            "text",
            out["item"].map(lambda i: item_texts.get(str(i), "")),
        )
    for col in ("note", "notes"):
        if col in out and lang == "nb":
            out[col] = out[col].map(_note_nb)
    if "reversed" in out:
        out["reversed"] = out["reversed"].map(lambda v: ("ja", "yes")[_i(lang)] if bool(v) else "")
    return out.rename(columns={c: COLUMNS[c][_i(lang)] for c in out.columns if c in COLUMNS})
