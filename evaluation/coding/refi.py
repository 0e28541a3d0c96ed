"""REFI-QDA exchange: codebook as ``.qdc``, coded answers as a ``.qdpx`` project, and import back.

Follows the REFI-QDA standard (www.qdasoftware.org): a ``.qdc`` file is Codebook XML in the
namespace ``urn:QDA-XML:codebook:1.0``; a ``.qdpx`` file is a zip with ``project.qde`` (Project
XML, ``urn:QDA-XML:project:1.0``) and the answers as ``sources/<guid>.txt``. NVivo, ATLAS.ti,
MAXQDA and QualCoder open both. Every theme gets a GUID derived from its code (uuid5), so the
same theme has the same GUID in every export and a re-imported codebook matches by GUID.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET  # files come from users: no entity expansion

from .codebook import theme_label
from .tables import answered_mask

__all__ = [
    "CODEBOOK_NS",
    "PROJECT_NS",
    "ImportedTheme",
    "codebook_xml",
    "read_qdc",
    "read_qdpx_codes",
    "theme_guid",
    "themes_to_codebook_dict",
    "write_qdc",
    "write_qdpx",
]

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
_GUID_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/dekom-eval/dekom-eval/refi-qda")
_COLOURS = [
    "#1B9E77",
    "#D95F02",
    "#7570B3",
    "#E7298A",
    "#66A61E",
    "#E6AB02",
    "#A6761D",
    "#666666",
    "#1F78B4",
    "#B2DF8A",
    "#FB9A99",
    "#CAB2D6",
]
_FIELDS = ("label", "definition", "include", "exclude")
_LANGS = ("nb", "nn", "en")


def theme_guid(code: str) -> str:
    """The stable GUID of a theme code (uuid5), upper-case as REFI-QDA tools write them.

    Examples
    --------
    >>> theme_guid("tid") == theme_guid("tid") != theme_guid("ledelse")
    True
    """
    return str(uuid.uuid5(_GUID_NS, f"theme:{code}")).upper()


def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_GUID_NS, f"{kind}:{key}")).upper()


def _description(theme: Any) -> str:
    # Readable in NVivo's code properties, and parsed back by read_qdc: one "key: value" a line.
    lines = [f"code: {theme.code}"]
    for field in _FIELDS:
        value = getattr(theme, field, None) or {}
        for lang in _LANGS:
            if value.get(lang):
                lines.append(f"{field}.{lang}: {' '.join(value[lang].split())}")
    signals = list(getattr(theme, "signals", ()) or ())
    if signals:
        lines.append("signals: " + "; ".join(signals))
    negative = list(getattr(theme, "negative", ()) or ())
    if negative:
        lines.append("negative: " + "; ".join(negative))
    return "\n".join(lines)


def _codes_element(parent: ET.Element, tag_ns: str, codebook: Any, lang: str) -> None:
    codes = ET.SubElement(parent, f"{{{tag_ns}}}Codes")
    for i, theme in enumerate(codebook.themes):
        code = ET.SubElement(
            codes,
            f"{{{tag_ns}}}Code",
            {
                "guid": theme_guid(theme.code),
                "name": theme_label(theme, lang),
                "isCodable": "true",
                "color": _COLOURS[i % len(_COLOURS)],
            },
        )
        ET.SubElement(code, f"{{{tag_ns}}}Description").text = _description(theme)


def codebook_xml(codebook: Any, lang: str = "nb") -> bytes:
    """The codebook as REFI-QDA Codebook XML (the content of a ``.qdc`` file)."""
    ET.register_namespace("", CODEBOOK_NS)
    root = ET.Element(
        f"{{{CODEBOOK_NS}}}CodeBook", {"origin": f"dekom-eval codebook v{codebook.version}"}
    )
    _codes_element(root, CODEBOOK_NS, codebook, lang)
    sets = ET.SubElement(root, f"{{{CODEBOOK_NS}}}Sets")
    group = ET.SubElement(
        sets,
        f"{{{CODEBOOK_NS}}}Set",
        {
            "guid": _guid("set", f"suksesskriterier-v{codebook.version}"),
            "name": f"Suksesskriterier og gode grep (v{codebook.version})",
        },
    )
    ET.SubElement(
        group, f"{{{CODEBOOK_NS}}}Description"
    ).text = f"dekom-eval codebook version {codebook.version}; items: {', '.join(codebook.items)}"
    for theme in codebook.themes:
        ET.SubElement(group, f"{{{CODEBOOK_NS}}}MemberCode", {"guid": theme_guid(theme.code)})
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write_qdc(codebook: Any, path: str | Path, lang: str = "nb") -> Path:
    """Write the codebook to a ``.qdc`` file; returns the path."""
    path = Path(path)
    path.write_bytes(codebook_xml(codebook, lang))
    return path


@dataclass(frozen=True)
class ImportedTheme:
    """A theme read from a REFI-QDA codebook, in the shape of a codebook.yaml theme."""

    code: str
    guid: str
    label: dict[str, str]
    definition: dict[str, str]
    include: dict[str, str]
    exclude: dict[str, str]
    signals: tuple[str, ...]
    negative: tuple[str, ...]


def _slug(name: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})
    slug = re.sub(r"[^a-z0-9]+", "_", name.translate(table).lower()).strip("_")
    slug = slug if slug and slug[0].isalpha() else f"t_{slug}"
    return slug[:32].rstrip("_")


def _parse_code(el: ET.Element, ns: str, seen: set[str]) -> list[ImportedTheme]:
    desc_el = el.find(f"{{{ns}}}Description")
    desc = desc_el.text or "" if desc_el is not None else ""
    fields: dict[str, Any] = {f: {} for f in _FIELDS}
    code: str | None = None
    signals: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    loose: list[str] = []
    for line in desc.splitlines():
        key, sep, value = line.partition(": ")
        key, value = key.strip(), value.strip()
        if sep and key == "code":
            code = value
        elif sep and key == "signals":
            signals = tuple(s.strip() for s in value.split(";") if s.strip())
        elif sep and key == "negative":
            negative = tuple(s.strip() for s in value.split(";") if s.strip())
        elif sep and "." in key and key.split(".")[0] in _FIELDS and key.split(".")[1] in _LANGS:
            field, lang = key.split(".")
            fields[field][lang] = value
        elif line.strip():
            loose.append(line.strip())
    name = el.get("name", "")
    code = code or _slug(name)
    while code in seen:  # a foreign codebook may repeat names in different branches
        code = f"{code}_2"[:32]
    seen.add(code)
    if not fields["label"]:
        fields["label"] = {"nb": name}
    if loose and not fields["definition"]:
        fields["definition"] = {"nb": " ".join(loose)}
    out = [
        ImportedTheme(
            code,
            el.get("guid", ""),
            fields["label"],
            fields["definition"],
            fields["include"],
            fields["exclude"],
            signals,
            negative,
        )
    ]
    for child in el.findall(f"{{{ns}}}Code"):
        out.extend(_parse_code(child, ns, seen))
    return out


def _parse_codes(root: ET.Element, ns: str) -> list[ImportedTheme]:
    codes = root.find(f"{{{ns}}}Codes")
    if codes is None:
        raise ValueError("no <Codes> element: this is not a REFI-QDA codebook")
    seen: set[str] = set()
    themes = []
    for el in codes.findall(f"{{{ns}}}Code"):
        themes.extend(_parse_code(el, ns, seen))
    return themes


def read_qdc(path: str | Path) -> list[ImportedTheme]:
    """Read the themes of a REFI-QDA ``.qdc`` codebook (ours or another tool's).

    Codes nested in a hierarchy become flat themes. A code written by dekom-eval gets back its
    code, labels, notes and signals; another tool's code gets a code made from its name and its
    description as the definition.

    Raises
    ------
    ValueError
        When the file is not well-formed XML or not a REFI-QDA codebook; the message names the file.
    """
    path = Path(path)
    try:
        root = SafeET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ValueError(f"{path}: not well-formed XML ({exc})") from exc
    except DefusedXmlException as exc:
        raise ValueError(f"{path}: XML with entity or DTD declarations is refused ({exc})") from exc
    if root.tag != f"{{{CODEBOOK_NS}}}CodeBook":
        raise ValueError(f"{path}: root element is {root.tag}, expected CodeBook in {CODEBOOK_NS}")
    try:
        return _parse_codes(root, CODEBOOK_NS)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def themes_to_codebook_dict(
    themes: list[ImportedTheme], version: int = 1, items: tuple[str, ...] = ("suksess_tekst",)
) -> dict[str, Any]:
    """Imported themes as a codebook.yaml mapping, ready for ``yaml.safe_dump``."""
    out = []
    for t in themes:
        entry: dict[str, Any] = {"code": t.code, "label": dict(t.label)}
        for field in ("definition", "include", "exclude"):
            if getattr(t, field):
                entry[field] = dict(getattr(t, field))
        entry["signals"] = list(t.signals)
        if t.negative:
            entry["negative"] = list(t.negative)
        out.append(entry)
    return {"format": 1, "version": version, "items": list(items), "themes": out}


def write_qdpx(
    codebook: Any,
    df: pd.DataFrame,
    text_column: str,
    path: str | Path,
    id_column: str | None = None,
    variables: tuple[str, ...] = ("role", "wave"),
    lang: str = "nb",
    project_name: str = "dekom suksesskriterier",
) -> Path:
    """Write coded answers as a REFI-QDA project (``.qdpx``).

    Each answer that has any text becomes a text source named by ``id_column`` (or its row
    number), with ``variables`` (e.g. role and wave) as source variables; each theme coded 1
    codes the whole answer.

    Parameters
    ----------
    codebook : Codebook
    df : DataFrame
        Answers with one 0/1 column per theme code (as from ``code_answers``).
    text_column : str
    path : str or Path
    id_column : str, optional
    variables : tuple of str
        Columns exported as variables; those missing from ``df`` are skipped.

    Returns
    -------
    Path
    """
    codes = [t.code for t in codebook.themes]
    missing = [
        c for c in [text_column, *codes] + ([id_column] if id_column else []) if c not in df.columns
    ]
    if missing:
        raise KeyError(f"no columns {', '.join(missing)} in the coded answers")
    variables = tuple(v for v in variables if v in df.columns)
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    user = _guid("user", "dekom-eval")
    ET.register_namespace("", PROJECT_NS)
    q = f"{{{PROJECT_NS}}}"
    root = ET.Element(
        f"{q}Project",
        {
            "name": project_name,
            "origin": f"dekom-eval codebook v{codebook.version}",
            "creatingUserGUID": user,
            "creationDateTime": now,
        },
    )
    users = ET.SubElement(root, f"{q}Users")
    ET.SubElement(users, f"{q}User", {"guid": user, "name": "dekom-eval"})
    book = ET.SubElement(root, f"{q}CodeBook")
    _codes_element(book, PROJECT_NS, codebook, lang)
    if variables:
        var_el = ET.SubElement(root, f"{q}Variables")
        for v in variables:
            ET.SubElement(
                var_el,
                f"{q}Variable",
                {"guid": _guid("variable", v), "name": v, "typeOfVariable": "Text"},
            )
    sources = ET.SubElement(root, f"{q}Sources")
    texts: dict[str, str] = {}
    answered = answered_mask(df[text_column])
    for pos, (idx, row) in enumerate(df.iterrows()):
        if not answered.loc[idx]:
            continue
        text = str(row[text_column])
        name = str(row[id_column]) if id_column else str(pos + 1)
        guid = _guid("source", f"{name}:{pos}")
        texts[guid] = text
        src = ET.SubElement(
            sources,
            f"{q}TextSource",
            {
                "guid": guid,
                "name": name,
                "plainTextPath": f"internal://{guid}.txt",
                "creatingUser": user,
                "creationDateTime": now,
            },
        )
        for code in codes:
            if pd.to_numeric(row[code], errors="coerce") == 1:
                sel = ET.SubElement(
                    src,
                    f"{q}PlainTextSelection",
                    {
                        "guid": _guid("selection", f"{guid}:{code}"),
                        "name": text[:40],
                        "startPosition": "0",
                        "endPosition": str(len(text)),
                        "creatingUser": user,
                        "creationDateTime": now,
                    },
                )
                coding = ET.SubElement(
                    sel,
                    f"{q}Coding",
                    {
                        "guid": _guid("coding", f"{guid}:{code}"),
                        "creatingUser": user,
                        "creationDateTime": now,
                    },
                )
                ET.SubElement(coding, f"{q}CodeRef", {"targetGUID": theme_guid(code)})
        for v in variables:
            value = ET.SubElement(src, f"{q}VariableValue")
            ET.SubElement(value, f"{q}VariableRef", {"targetGUID": _guid("variable", v)})
            ET.SubElement(value, f"{q}TextValue").text = "" if pd.isna(row[v]) else str(row[v])
    ET.indent(root)
    path = Path(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", ET.tostring(root, encoding="utf-8", xml_declaration=True))
        for guid, text in texts.items():
            zf.writestr(f"sources/{guid}.txt", text.encode("utf-8"))
    return path


def read_qdpx_codes(path: str | Path) -> tuple[list[ImportedTheme], pd.DataFrame]:
    """Read a ``.qdpx`` project: its themes, and one row per text source with 0/1 per theme.

    Use it to bring codes made in NVivo, ATLAS.ti or MAXQDA back for agreement statistics: a
    theme counts as coded in a source when any selection of the source is coded with it.

    Returns
    -------
    (list of ImportedTheme, DataFrame)
        The DataFrame has ``source`` (the source name), ``text`` and a 0/1 column per theme code.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            root = SafeET.fromstring(zf.read("project.qde"))
            names = set(zf.namelist())
            q = f"{{{PROJECT_NS}}}"
            book = root.find(f"{q}CodeBook")
            themes = _parse_codes(book, PROJECT_NS) if book is not None else []
            by_guid = {t.guid.upper(): t.code for t in themes}
            rows = []
            for src in root.iter(f"{q}TextSource"):
                text = ""
                content = src.find(f"{q}PlainTextContent")
                ref = src.get("plainTextPath", "")
                if content is not None:
                    text = content.text or ""
                elif ref.startswith("internal://") and f"sources/{ref[11:]}" in names:
                    text = zf.read(f"sources/{ref[11:]}").decode("utf-8")
                row = {"source": src.get("name", src.get("guid")), "text": text}
                row.update({t.code: 0 for t in themes})
                for code_ref in src.iter(f"{q}CodeRef"):
                    code = by_guid.get(code_ref.get("targetGUID", "").upper())
                    if code:
                        row[code] = 1
                rows.append(row)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"{path}: not a REFI-QDA project ({exc})") from exc
    except ET.ParseError as exc:
        raise ValueError(f"{path}: project.qde is not well-formed XML ({exc})") from exc
    except DefusedXmlException as exc:
        raise ValueError(
            f"{path}: project.qde has entity or DTD declarations, refused ({exc})"
        ) from exc
    return themes, pd.DataFrame(rows, columns=["source", "text", *[t.code for t in themes]])
