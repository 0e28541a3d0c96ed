"""Languages: bokmål by default, nynorsk and English on request, for console and respondents."""

from __future__ import annotations

from pathlib import Path

import flask_babel
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, request, session

LANGUAGES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def select_locale() -> str:
    """Pick the language: explicit for this request, then the session, else bokmål."""
    lang = getattr(g, "lang", None) or request.args.get("lang") or session.get("lang")
    return lang if lang in LANGUAGES else "nb"


def compile_translations(folder: Path = TRANSLATIONS_DIR) -> None:
    """Compile each messages.po to messages.mo when the .mo is missing or older."""
    for po_path in folder.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as f:
            catalog = read_po(f)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog)
        tmp.replace(mo_path)


def reuse_translations() -> None:
    """Keep one Flask-Babel domain per app, so catalogues are parsed once, not on every request.

    Flask-Babel 4 builds a fresh Domain, with an empty cache, for each request.
    """
    get_context = getattr(flask_babel, "_get_current_context", None)  # private: guard it
    ctx = get_context() if get_context else None
    if ctx is not None and not hasattr(ctx, "babel_domain"):
        ext = current_app.extensions
        if "dekom_babel_domain" not in ext:
            ext["dekom_babel_domain"] = flask_babel.get_babel().instance.domain_instance
        ctx.babel_domain = ext["dekom_babel_domain"]


def init_i18n(app: Flask) -> None:
    """Compile catalogues and expose the current language to templates."""
    try:
        compile_translations()
    except OSError as exc:  # read-only install: use whatever .mo files exist
        app.logger.warning("could not compile translations: %s", exc)

    app.before_request(reuse_translations)

    @app.context_processor
    def inject_languages() -> dict:
        return {"LANGUAGES": LANGUAGES, "current_lang": select_locale()}
