"""Codebook and project files: read an uploaded .qdc or YAML codebook, write .qdc and .qdpx."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from evaluation.coding.refi import codebook_xml, read_qdc, themes_to_codebook_dict, write_qdpx
from questionnaires import parse_codebook
from questionnaires.problems import errors as problem_errors

from ..domain.coding import coded_answers, definition_of
from ..models.coding import CodebookVersion, codebook_from_definition
from ..queries.research_view import redactor as research_redactor
from ..queries.research_view import respondent_key

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class CodebookFileError(ValueError):
    """An uploaded codebook file that cannot be used; the message names the file and the problem."""


def codebook_from_upload(filename: str, data: bytes, items: list[str]) -> dict:
    """The canonical definition of an uploaded ``.qdc`` or ``.yaml`` codebook (raises CodebookFileError)."""
    name = Path(filename).name
    suffix = Path(name).suffix.lower()
    if suffix not in (".qdc", ".yaml", ".yml"):
        raise CodebookFileError(
            f"{name}: unknown file type {suffix or '(none)'}; use a REFI-QDA .qdc or a codebook .yaml"
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"codebook{suffix}"
        path.write_bytes(data)
        if suffix == ".qdc":
            try:
                themes = read_qdc(path)
            except ValueError as exc:
                raise CodebookFileError(str(exc).replace(str(path), name)) from exc
            raw = themes_to_codebook_dict(themes, items=tuple(items))
            book = codebook_from_definition(raw, 1)
        else:
            book, problems = parse_codebook(path)
            bad = problem_errors(problems)
            if bad or book is None:
                lines = "; ".join(str(p).replace(str(path), name) for p in (bad or problems)[:10])
                raise CodebookFileError(lines or f"{name}: not a codebook")
    definition = definition_of(book)
    if not definition["items"]:
        definition["items"] = list(items)
    if not definition["themes"]:
        raise CodebookFileError(f"{name}: the codebook has no themes")
    wrong = [t["code"] for t in definition["themes"] if not CODE_RE.match(t["code"])]
    if wrong:
        raise CodebookFileError(
            f"{name}: theme codes must match [a-z][a-z0-9_]*: {', '.join(wrong)}"
        )
    return definition


def qdc_bytes(version: CodebookVersion, lang: str = "nb") -> bytes:
    """The version as REFI-QDA Codebook XML."""
    return codebook_xml(version.codebook, lang)


def qdpx_bytes(version: CodebookVersion, folder: Path, lang: str = "nb") -> bytes:
    """The coded answers (final codes) as a REFI-QDA project, written in ``folder`` and read back."""
    frame = coded_answers(version)
    redactor = research_redactor()
    frame["text"] = [redactor(t) for t in frame["text"]]
    frame["source"] = [
        f"{respondent_key(r)} {w} svar {a}"
        for r, w, a in zip(frame["respondent_id"], frame["wave"], frame["answer_id"], strict=True)
    ]
    path = write_qdpx(
        version.codebook,
        frame,
        "text",
        folder / "project.qdpx",
        id_column="source",
        variables=("role", "wave", "fylke", "coded_by"),
        lang=lang,
    )
    return path.read_bytes()
