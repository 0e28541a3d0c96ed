"""Pages a respondent can meet (front page, error pages, the survey layout) have every text in
nynorsk and English, and the researcher's analysis page in English: no bokmål left in a page
shown in another language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def msgids(rel: str) -> set[str]:
    """The msgids one template or module uses."""
    path = ROOT / rel
    method = "python" if path.suffix == ".py" else "jinja2.ext:babel_extract"
    options = {} if path.suffix == ".py" else {"extensions": "jinja2.ext.i18n"}
    return {
        m if isinstance(m, str) else m[0]
        for _line, m, _comments, _ctx in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=options
        )
    }


def catalog(lang: str):
    with open(ROOT / "webapp" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh)


@pytest.mark.parametrize(
    ("lang", "files"),
    [
        (
            "nn",
            [
                "webapp/templates/base.html",
                "webapp/templates/error.html",
                "webapp/templates/index.html",
            ],
        ),
        (
            "en",
            [
                "webapp/templates/base.html",
                "webapp/templates/error.html",
                "webapp/templates/index.html",
                "webapp/templates/analysis/index.html",
                "webapp/analysis/routes.py",
            ],
        ),
    ],
)
def test_every_text_of_these_pages_is_translated(lang, files):
    po = catalog(lang)
    missing = sorted(
        f"{rel}: {m}"
        for rel in files
        for m in msgids(rel)
        if m and (po.get(m) is None or not po.get(m).string)
    )
    assert not missing, "\n".join(missing)
