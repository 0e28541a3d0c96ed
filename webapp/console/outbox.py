"""The outbox: when mail is not sent by SMTP, every message is an .eml file the evaluator can read here."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

from flask import abort, current_app, render_template, request

from ..access import roles_required
from . import bp

PAGE_SIZE = 50
_NAME = re.compile(r"^[A-Za-z0-9._@+-]{1,200}\.eml$")


def outbox_dir() -> Path:
    """The folder the outbox transport writes to (OUTBOX_DIR)."""
    return Path(current_app.config["OUTBOX_DIR"])


def outbox_files() -> list[Path]:
    """The .eml files in the outbox, newest first."""
    folder = outbox_dir()
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.suffix == ".eml" and p.is_file()]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def read_message(path: Path, headers_only: bool = False) -> dict:
    """To, subject, time and (unless ``headers_only``) the text and HTML parts of one .eml file."""
    with path.open("rb") as f:
        msg = BytesParser(policy=policy.default).parse(f, headersonly=headers_only)
    out = {
        "name": path.name,
        "to": str(msg.get("To", "")),
        "subject": str(msg.get("Subject", "")),
        "at": datetime.fromtimestamp(path.stat().st_mtime, UTC),
        "text": "",
        "html": "",
    }
    if not headers_only:
        for part in msg.walk():
            kind = part.get_content_type()
            if kind == "text/plain" and not out["text"]:
                out["text"] = part.get_content()
            elif kind == "text/html" and not out["html"]:
                out["html"] = part.get_content()
    return out


@bp.route("/outbox")
@roles_required("admin", "evaluator")
def outbox():
    """The messages in the outbox, newest first, when mail goes to files instead of SMTP."""
    files = outbox_files()
    page = max(request.args.get("page", 1, type=int), 1)
    shown = files[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return render_template(
        "console/outbox.html",
        messages=[read_message(p, headers_only=True) for p in shown],
        total=len(files),
        page=page,
        pages=max((len(files) + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        smtp=bool(current_app.config.get("SMTP_HOST")),
        folder=str(outbox_dir()),
    )


@bp.route("/outbox/<name>")
@roles_required("admin", "evaluator")
def outbox_message(name: str):
    """One message of the outbox as the recipient would see it."""
    if not _NAME.match(name):
        abort(404)
    path = outbox_dir() / name
    if not path.is_file() or path.resolve().parent != outbox_dir().resolve():
        abort(404)
    return render_template("console/outbox_message.html", mail=read_message(path))
