"""Every user-interface text has nynorsk and English, and the console offers nb, nn and en:
an evaluator who picks Nynorsk sees the console screens in nynorsk, not bokmål."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
# calls whose string argument is a msgid translated later through a variable: (function, arg index)
INDIRECT = {"add_nav": 0, "RowProblem": 1}


def catalog(lang: str):
    """The parsed messages.po for ``lang``."""
    with open(ROOT / "webapp" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh)


def source_msgids() -> set[str]:
    """Every msgid the webapp's Python modules and templates use (as `pybabel extract -F babel.cfg`)."""
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        ROOT / "webapp", method_map=METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return {m for m in found if m} | indirect_msgids()


def indirect_msgids() -> set[str]:
    """Menu labels (add_nav) and panel-file reasons (RowProblem): msgids `_(variable)` translates."""
    found = set()
    for path in (ROOT / "webapp").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                index = INDIRECT.get(
                    getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                )
                if (
                    index is not None
                    and len(node.args) > index
                    and isinstance(node.args[index], ast.Constant)
                ):
                    found.add(node.args[index].value)
    return found


def singular(msgid) -> str:
    """The singular msgid of a plain or plural entry."""
    return msgid if isinstance(msgid, str) else msgid[0]


def translated(string) -> bool:
    """True when a plain translation, or every plural form, is non-empty."""
    forms = [string] if isinstance(string, str) else list(string)
    return bool(forms) and all(form and form.strip() for form in forms)


@pytest.mark.parametrize("lang", ["nn", "en"])
def test_every_msgid_has_a_translation(lang):
    po = catalog(lang)
    other = catalog("en" if lang == "nn" else "nn")
    wanted = (
        source_msgids()
        | {singular(m.id) for m in po if m.id}
        | {singular(m.id) for m in other if m.id}
    )
    missing = sorted(m for m in wanted if po.get(m) is None or not translated(po.get(m).string))
    assert not missing, f"{len(missing)} msgids lack {lang}:\n" + "\n".join(missing[:40])
    assert not [m.id for m in po if m.id and m.fuzzy], "fuzzy entries are not shown to users"


def test_source_extraction_really_finds_console_texts():
    ids = source_msgids()
    assert len(ids) > 500
    assert {"Revisjonslogg", "navn mangler", "ugyldig e-postadresse"} <= indirect_msgids()
    assert {
        "Ingen bølger ennå. Importer spørreskjemaene (flask questionnaires import) og panelet, "
        "og opprett så en bølge.",
        "Husk meg",
        "Enighet mellom kodere",
    } <= ids


def test_console_language_switch_offers_nynorsk(auth, client, users):
    login_page = client.get("/auth/login").get_data(as_text=True)
    assert 'action="/auth/language/nn"' in login_page and 'action="/auth/language/en"' in login_page
    auth.login()
    html = client.get("/console/").get_data(as_text=True)
    for code, label in (("nb", "Bokmål"), ("nn", "Nynorsk"), ("en", "English")):
        assert f'action="/auth/language/{code}"' in html
        assert f'lang="{code}">{label}</button>' in html


@pytest.mark.parametrize(
    ("path", "nynorsk", "bokmaal"),
    [
        ("/console/", "Velkomen, ", "Velkommen, "),
        ("/console/waves", "Ingen bølgjer enno.", "Ingen bølger ennå."),
        ("/console/panel", "Ingen personar.", "Ingen personer."),
    ],
)
def test_console_pages_render_in_nynorsk(auth, client, users, path, nynorsk, bokmaal):
    auth.login()
    switched = client.post("/auth/language/nn", data={"next": path}, follow_redirects=True)
    assert switched.status_code == 200
    html = switched.get_data(as_text=True)
    assert '<html lang="nn"' in html
    assert nynorsk in html and bokmaal not in html
    assert 'aria-current="true" lang="nn">Nynorsk</button>' in html
