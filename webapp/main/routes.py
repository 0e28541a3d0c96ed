"""The front page sends each user to their part of the console; /healthz for monitoring."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import redirect, render_template, request, session, url_for
from flask_login import current_user

from ..access import public
from ..extensions import db
from . import bp


@bp.route("/")
@public
def index():
    """Landing page: log in, or go on to the console."""
    if current_user.is_authenticated and "console.home" in _endpoints():
        return redirect(url_for("console.home"))
    return render_template("index.html")


@bp.route("/favicon.ico")
@public
def favicon():
    """The site icon for browsers that ask for /favicon.ico (pages link the SVG directly)."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.route("/healthz")
@public
def healthz():
    """Liveness and database check for load balancers."""
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}


NOTICE_DIR = Path(__file__).resolve().parent / "privacy_notice"
NOTICE_LANGUAGES = ("nb", "nn", "en")


def notice_blocks(lang: str) -> list[tuple[str, str]]:
    """The privacy notice in ``lang`` as (kind, text) blocks: 'h' for headings, 'p' for paragraphs."""
    text = (NOTICE_DIR / f"{lang if lang in NOTICE_LANGUAGES else 'nb'}.md").read_text(
        encoding="utf-8"
    )
    blocks = []
    for chunk in text.split("\n\n"):
        chunk = chunk.strip()
        if chunk:
            blocks.append(
                ("h", chunk[3:]) if chunk.startswith("## ") else ("p", " ".join(chunk.split()))
            )
    return blocks


@bp.route("/personvern")
@public
def privacy_notice():
    """The privacy notice that every invitation links to (``?lang=nb|nn|en``)."""
    lang = request.args.get("lang") or session.get("lang") or "nb"
    lang = lang if lang in NOTICE_LANGUAGES else "nb"
    return render_template(
        "privacy_notice.html", blocks=notice_blocks(lang), lang=lang, languages=NOTICE_LANGUAGES
    )


def _endpoints() -> set[str]:
    from flask import current_app

    return set(current_app.view_functions)
