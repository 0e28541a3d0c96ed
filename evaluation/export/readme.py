"""README.txt for an export bundle: what each file is, in the export's language (nb or en)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["write_readme", "describe_file"]

_KINDS = {
    "nb": {
        "wide": "panelfil, én rad per person; variablene heter variabel_bølge",
        "waves": "én rad per respondent i bølge {wave}",
        "long": "lang fil, én rad per respondent × bølge × variabel",
        "codebook.html": "kodeboken til å lese: variabler, spørsmålstekst, verdier og manglende-koder",
        "codebook.csv": "kodeboken som tabell",
        "codebook.json": "kodeboken maskinlesbar",
        "ddi-codebook.xml": "kodeboken som DDI Codebook 2.5 (for arkiv)",
        "frequencies.csv": "frekvenser per variabel, bølge og rolle; celler under k er skjult",
        "cleaning_log.csv": "hva hver rensingsregel fjernet eller merket",
        "manifest.json": "valgene, antall rader og SHA-256 for hver fil",
    },
    "en": {
        "wide": "panel file, one row per person; variables are named variable_wave",
        "waves": "one row per respondent in wave {wave}",
        "long": "long file, one row per respondent × wave × variable",
        "codebook.html": "the codebook to read: variables, question text, values and missing codes",
        "codebook.csv": "the codebook as a table",
        "codebook.json": "the codebook, machine-readable",
        "ddi-codebook.xml": "the codebook as DDI Codebook 2.5 (for archiving)",
        "frequencies.csv": "frequencies per variable, wave and role; cells below k are hidden",
        "cleaning_log.csv": "what each cleaning rule removed or flagged",
        "manifest.json": "the options, row counts and SHA-256 of every file",
    },
}
_FORMATS = {
    "csv": "CSV (UTF-8)",
    "parquet": "Parquet",
    "sav": "SPSS",
    "dta": "Stata",
    "xlsx": "Excel",
}
_TEXT = {
    "nb": {
        "title": "Eksport fra dekom-eval",
        "intro": (
            "Dataene er pseudonymisert: hver person har et stabilt panel_id på tvers av bølger. "
            "Navn, e-post og personlige lenker er aldri med."
        ),
        "cleaned": "Dataene er renset etter evalueringens regler (se cleaning_log.csv).",
        "raw": "Dataene er rådata, ikke renset.",
        "files": "Filer",
        "skipped": "Ikke laget",
        "missing": (
            "Manglende svar har egne koder (se kodeboken): vet ikke, ikke relevant, ikke vist "
            "og ikke svart holdes fra hverandre."
        ),
    },
    "en": {
        "title": "Export from dekom-eval",
        "intro": (
            "The data are pseudonymised: each person has a stable panel_id across waves. "
            "Names, e-mail addresses and personal links are never included."
        ),
        "cleaned": "The data are cleaned by the evaluation's rules (see cleaning_log.csv).",
        "raw": "The data are raw, not cleaned.",
        "files": "Files",
        "skipped": "Not made",
        "missing": (
            "Missing answers have their own codes (see the codebook): don't know, not applicable, "
            "not shown and not answered are kept apart."
        ),
    },
}


def describe_file(name: str, lang: str = "nb") -> str:
    """What the file ``name`` of an export holds, in ``lang``."""
    kinds = _KINDS["en" if lang == "en" else "nb"]
    if name in kinds:
        return kinds[name]
    match = re.fullmatch(r"dekom_(wide|long|wave_(\d+))\.(\w+)", name)
    if not match:
        return ""
    layout, wave, ext = match.groups()
    text = kinds["waves"].format(wave=wave) if wave else kinds[layout]
    return f"{text} ({_FORMATS.get(ext, ext)})"


def write_readme(
    out: Path, names: list[str], skipped: list[dict[str, Any]], cleaned: bool, lang: str = "nb"
) -> Path:
    """Write README.txt listing every file of the export with what it holds; return its path."""
    lang = "en" if lang == "en" else "nb"
    text = _TEXT[lang]
    lines = [
        text["title"],
        "=" * len(text["title"]),
        "",
        text["intro"],
        text["cleaned"] if cleaned else text["raw"],
        text["missing"],
        "",
        text["files"] + ":",
        "",
    ]
    width = max((len(n) for n in names), default=0)
    lines += [f"  {n.ljust(width)}  {describe_file(n, lang)}".rstrip() for n in names]
    if skipped:
        lines += ["", text["skipped"] + ":"]
        lines += [f"  {s.get('file', '')}: {s.get('reason', '')}" for s in skipped]
    path = out / "README.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
