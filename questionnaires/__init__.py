"""The dekom instrument as data: questionnaires, scales and codebook, and the code that reads them.

Pure Python (no Flask), so both the web app and the analysis library use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .codebook import Codebook, Theme, load_codebook, parse_codebook
from .conditions import evaluate as evaluate_condition
from .model import (
    DONT_KNOW,
    LANGUAGES,
    MISSING_ANSWERS,
    NOT_APPLICABLE,
    ROLES,
    Item,
    Option,
    Page,
    Questionnaire,
    ResponseScale,
    tr,
)
from .parse import parse_questionnaire
from .problems import InstrumentError, Problem, errors
from .scales import Scale, load_scales, parse_scales

INSTRUMENT_DIR = Path(__file__).resolve().parent
XLSFORM_SUFFIXES = (".xlsx", ".xls")
SPECIAL_FILES = {"scales.yaml": "scales", "codebook.yaml": "codebook"}

__all__ = [
    "DONT_KNOW",
    "INSTRUMENT_DIR",
    "LANGUAGES",
    "MISSING_ANSWERS",
    "NOT_APPLICABLE",
    "ROLES",
    "Codebook",
    "InstrumentError",
    "Item",
    "Option",
    "Page",
    "Problem",
    "Questionnaire",
    "ResponseScale",
    "Scale",
    "Theme",
    "evaluate_condition",
    "instrument_files",
    "instrument_versions",
    "load_any",
    "load_codebook",
    "load_instrument",
    "load_questionnaire",
    "load_scales",
    "scale_files",
    "tr",
    "validate_path",
    "version_folders",
]


def load_questionnaire(path: Path | str) -> Questionnaire:
    """Load and validate one questionnaire file, raising InstrumentError listing every problem."""
    q, problems = parse_questionnaire(path)
    if errors(problems) or q is None:
        raise InstrumentError(problems)
    return q


def load_any(path: Path | str) -> Questionnaire:
    """Load a questionnaire from YAML or an XLSForm workbook (by extension); raises InstrumentError."""
    path = Path(path)
    if path.suffix.lower() in XLSFORM_SUFFIXES:
        from .xlsform import read_xlsform

        q, problems = read_xlsform(path)
        if errors(problems) or q is None:
            raise InstrumentError(problems)
        return q
    return load_questionnaire(path)


def instrument_files(folder: Path | str = INSTRUMENT_DIR) -> dict[str, Path]:
    """Map role -> questionnaire file in ``folder`` (top level only; core/ holds includes)."""
    folder = Path(folder)
    return {p.stem: p for p in sorted(folder.glob("*.yaml")) if p.name not in SPECIAL_FILES}


def version_folders(root: Path | str = INSTRUMENT_DIR) -> dict[int, Path]:
    """Instrument version -> its folder: ``root`` is version 1, ``root/v2`` version 2, and so on.

    Each version is a complete instrument (questionnaires and ``scales.yaml``); a later version
    may include unchanged pages of an earlier one (``include: ../core/bakgrunn.yaml``). Files of
    a version never change once a wave has answers on them, so version 1 stays byte-identical.
    """
    root = Path(root)
    out = {1: root}
    for sub in sorted(root.glob("v*")):
        if sub.is_dir() and sub.name[1:].isdigit() and int(sub.name[1:]) > 1:
            out[int(sub.name[1:])] = sub
    return dict(sorted(out.items()))


def instrument_versions(root: Path | str = INSTRUMENT_DIR) -> dict[int, dict[str, Path]]:
    """Instrument version -> role -> questionnaire file, for every version under ``root``."""
    return {v: instrument_files(folder) for v, folder in version_folders(root).items()}


def scale_files(root: Path | str = INSTRUMENT_DIR) -> dict[int, Path]:
    """Instrument version -> its ``scales.yaml`` (versions without one are left out)."""
    return {
        v: f / "scales.yaml"
        for v, f in version_folders(root).items()
        if (f / "scales.yaml").is_file()
    }


def load_instrument(folder: Path | str = INSTRUMENT_DIR) -> dict[str, Questionnaire]:
    """Load every role's questionnaire in ``folder``, keyed by role; raises on any error."""
    problems = validate_path(folder)
    if errors(problems):
        raise InstrumentError(problems)
    out = {}
    for path in instrument_files(folder).values():
        q = load_questionnaire(path)
        out[q.role] = q
    return out


def validate_path(path: Path | str) -> list[Problem]:
    """Validate a file or a folder of instrument files; returns every problem and warning.

    A folder is checked as a whole: questionnaires, then scales and codebook against the items
    the questionnaires define (a scale item must be a likert item in some questionnaire).
    """
    path = Path(path)
    if path.is_dir():
        folders = version_folders(path)
        if len(folders) > 1:  # the root and its version folders, each checked as a whole
            out = _validate_one(path, expect_version=1)
            for v, folder in folders.items():
                if v > 1:
                    out += _validate_one(folder, expect_version=v)
            return sorted(set(out), key=lambda p: (p.file, p.line, p.message))
    return _validate_one(path)


def _validate_one(path: Path, expect_version: int | None = None) -> list[Problem]:
    """Validate one file, or one folder's files as one instrument version."""
    problems: list[Problem] = []
    if path.is_dir():
        files = sorted(path.glob("*.yaml"))
        if not files:
            return [Problem(str(path), 0, "no .yaml files in this folder")]
    elif path.exists():
        files = [path]
    else:
        return [Problem(str(path), 0, "no such file or folder")]
    items: dict[str, str] = {}
    text_items: set[str] = set()
    shared: dict[str, tuple[dict[str, Any], str, int]] = {}
    roles: dict[str, str] = {}
    special = [f for f in files if f.name in SPECIAL_FILES]
    for f in files:
        if f in special:
            continue
        q, found = parse_questionnaire(f)
        problems.extend(found)
        if q is None:
            continue
        if q.role in roles and q.role != "?":
            problems.append(
                Problem(
                    str(f), 0, f"role '{q.role}' already has a questionnaire in {roles[q.role]}"
                )
            )
        roles[q.role] = f.name
        if expect_version is not None and q.instrument_version != expect_version:
            problems.append(
                Problem(
                    _name(f),
                    0,
                    f"questionnaire declares version {q.instrument_version}, "
                    f"but its folder holds version {expect_version} (write 'version: {expect_version}')",
                )
            )
        problems.extend(_check_shared_items(q, shared))
        for _, item, _ in q.leaf_items():
            items[item.code] = item.type
            if item.type in ("text", "longtext"):
                text_items.add(item.code)
    check_refs = len(special) < len(files)
    for f in special:
        if SPECIAL_FILES[f.name] == "scales":
            scales, found, item_lines = parse_scales(f)
            problems.extend(found)
            if check_refs:
                for s in scales:
                    for code in s.items:
                        if code not in items:
                            problems.append(
                                Problem(
                                    _name(f),
                                    item_lines.get(code, s.line),
                                    f"scale '{s.code}': item '{code}' is not in any questionnaire",
                                )
                            )
                        elif items[code] != "likert":
                            problems.append(
                                Problem(
                                    _name(f),
                                    item_lines.get(code, s.line),
                                    f"scale '{s.code}': item '{code}' is a {items[code]} item, not likert",
                                )
                            )
        else:
            book, found = parse_codebook(f)
            problems.extend(found)
            if check_refs and book is not None:
                for code in book.items:
                    if code not in text_items:
                        problems.append(
                            Problem(
                                _name(f),
                                0,
                                f"codebook: item '{code}' is not a free-text item in any questionnaire",
                            )
                        )
    return sorted(set(problems), key=lambda p: (p.file, p.line, p.message))


def _item_signature(item: Item) -> dict[str, Any]:
    """What must be identical for an item code shared across roles (same code, same question)."""
    return {
        "type": item.type,
        "text": item.text,
        "scale": item.scale,
        "dont_know": item.dont_know,
        "options": [(o.value, o.label) for o in item.options],
        "min": item.min,
        "max": item.max,
        "rows": [(r.code, r.text) for r in item.rows],
    }


def _check_shared_items(q: Questionnaire, shared: dict[str, Any]) -> list[Problem]:
    """An item code used by several questionnaires must mean the same question in all of them."""
    out = []
    lines = getattr(q, "item_lines", {})
    for page in q.pages:
        for item in page.items:
            for it in [item, *item.rows]:
                sig = _item_signature(it)
                src, line = lines.get(it.code, ("?", 0))
                if it.code not in shared:
                    shared[it.code] = (sig, src, line)
                    continue
                first, fsrc, fline = shared[it.code]
                if (fsrc, fline) == (src, line) or first == sig:
                    continue
                what = ", ".join(k for k in sig if sig[k] != first.get(k))
                out.append(
                    Problem(
                        src,
                        line,
                        f"item '{it.code}': differs ({what}) from the item with the same code at {fsrc}:{fline}; a shared code must mean the same question",
                    )
                )
    return out


def _name(path: Path) -> str:
    from ._yaml import display_path

    return display_path(path)
