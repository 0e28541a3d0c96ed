"""Codebook pages: themes and version history, edit or add a theme (a new version), REFI-QDA import/export."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from questionnaires.codebook import alternative_problem

from ..access import roles_required
from ..domain import coding as service
from ..domain.audit import record
from ..extensions import db
from ..models.coding import CodebookVersion
from . import bp
from .files import CodebookFileError, codebook_from_upload, qdc_bytes, qdpx_bytes
from .screen import CODERS

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
WORD_RE = re.compile(r"[^\W_]", re.UNICODE)
TEXT_FIELDS = service.THEME_FIELDS
LANGS = service.LANGS


def _diff(old: dict | None, new: dict) -> dict[str, list[str]]:
    old_themes = {t["code"]: t for t in (old or {}).get("themes", [])}
    new_themes = {t["code"]: t for t in new.get("themes", [])}
    return {
        "added": [c for c in new_themes if c not in old_themes],
        "removed": [c for c in old_themes if c not in new_themes],
        "changed": [c for c in new_themes if c in old_themes and new_themes[c] != old_themes[c]],
    }


@bp.route("/codebook")
@roles_required(*CODERS)
def codebook():
    """The current themes, the version history with what changed, import and export."""
    version = service.current_version()
    db.session.commit()
    versions = list(
        db.session.scalars(sa.select(CodebookVersion).order_by(CodebookVersion.version_no))
    )
    history = []
    for i, v in enumerate(versions):
        history.append(
            {"version": v, "diff": _diff(versions[i - 1].definition, v.definition) if i else None}
        )
    return render_template(
        "coding/codebook.html",
        version=version,
        themes=version.definition["themes"],
        history=list(reversed(history)),
    )


def _theme_from_form(
    form, existing_codes: set[str], code: str | None
) -> tuple[dict, dict[str, str]]:
    errors: dict[str, str] = {}
    if code is None:
        code = (form.get("code") or "").strip()
        if not CODE_RE.match(code):
            errors["code"] = _(
                "Koden må begynne med en liten bokstav og bare ha a–z, 0–9 og _ (høyst 32 tegn)."
            )
        elif code in existing_codes:
            errors["code"] = _("Det finnes allerede et tema med koden %(c)s.", c=code)
    theme: dict = {"code": code}
    for field in TEXT_FIELDS:
        value = {lang: " ".join((form.get(f"{field}_{lang}") or "").split()) for lang in LANGS}
        value = {k: v for k, v in value.items() if v}
        if value or field == "label":
            theme[field] = value
    if not theme["label"].get("nb"):
        errors["label_nb"] = _("Temaet må ha et navn på bokmål.")
    for field in ("signals", "negative"):
        lines = [line.strip() for line in (form.get(field) or "").splitlines() if line.strip()]
        bad = [line for line in lines if not WORD_RE.search(line)]
        brackets = [line for line in lines if alternative_problem(line)]
        if bad:
            errors[field] = _(
                "Linjene %(l)s har ingen bokstaver eller tall.", l=", ".join(f"«{b}»" for b in bad)
            )
        elif brackets:
            errors[field] = _(
                "Linjene %(l)s har parenteser som ikke går opp. Skriv alternativer slik: "
                "(rektor|ledelsen) deltok.",
                l=", ".join(f"«{b}»" for b in brackets),
            )
        theme[field] = list(dict.fromkeys(lines))
    return theme, errors


def _form_values(theme: dict) -> dict[str, str]:
    values = {"code": theme.get("code", "")}
    for field in TEXT_FIELDS:
        for lang in LANGS:
            values[f"{field}_{lang}"] = (theme.get(field) or {}).get(lang, "")
    values["signals"] = "\n".join(theme.get("signals") or [])
    values["negative"] = "\n".join(theme.get("negative") or [])
    return values


@bp.route("/codebook/theme/new", methods=["GET", "POST"], defaults={"code": None})
@bp.route("/codebook/theme/<code>", methods=["GET", "POST"])
@roles_required(*CODERS)
def edit_theme(code: str | None):
    """Edit a theme, or add one; saving stores a new codebook version and leaves the old one as it was."""
    version = service.current_version()
    themes = [dict(t) for t in version.definition["themes"]]
    index = next((i for i, t in enumerate(themes) if t["code"] == code), None)
    if code is not None and index is None:
        abort(404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        theme, errors = _theme_from_form(request.form, {t["code"] for t in themes}, code)
        if not errors:
            if index is None:
                themes.append({**theme, "examples": []})
            else:
                themes[index] = {**theme, "examples": themes[index].get("examples", [])}
            definition = {"items": version.definition.get("items", []), "themes": themes}
            note = (request.form.get("note") or "").strip() or None
            new, created = service.store_codebook(
                definition, source="web", note=note, user=current_user
            )
            db.session.commit()
            if created:
                flash(
                    _(
                        "Kodeboken er lagret som versjon %(n)s. Versjon %(o)s er uendret.",
                        n=new.version_no,
                        o=version.version_no,
                    ),
                    "success",
                )
            else:
                flash(
                    _("Ingen endring: innholdet er likt versjon %(n)s.", n=new.version_no),
                    "warning",
                )
            return redirect(url_for("coding.codebook"))
        values = dict(request.form)
    else:
        values = _form_values(themes[index] if index is not None else {})
    db.session.commit()
    return render_template(
        "coding/theme_form.html",
        version=version,
        code=code,
        values=values,
        errors=errors,
        langs=LANGS,
    ), (400 if errors else 200)


@bp.route("/codebook/theme/<code>/remove", methods=["POST"])
@roles_required(*CODERS)
def remove_theme(code: str):
    """Save a new codebook version without the theme (the old versions keep it)."""
    version = service.current_version()
    themes = [t for t in version.definition["themes"] if t["code"] != code]
    if len(themes) == len(version.definition["themes"]):
        abort(404)
    if not themes:
        flash(_("Kodeboken må ha minst ett tema."), "error")
        return redirect(url_for("coding.edit_theme", code=code))
    definition = {"items": version.definition.get("items", []), "themes": themes}
    note = (request.form.get("note") or "").strip() or _("Fjernet %(c)s", c=code)
    new, _created = service.store_codebook(definition, source="web", note=note, user=current_user)
    db.session.commit()
    flash(
        _(
            "Temaet %(c)s er fjernet i versjon %(n)s. Versjon %(o)s har det fortsatt.",
            c=code,
            n=new.version_no,
            o=version.version_no,
        ),
        "success",
    )
    return redirect(url_for("coding.codebook"))


@bp.route("/codebook/import", methods=["POST"])
@roles_required(*CODERS)
def import_codebook():
    """Import a REFI-QDA .qdc or a codebook YAML file as a new version."""
    version = service.current_version()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Velg en fil (.qdc eller .yaml)."), "error")
        return redirect(url_for("coding.codebook"))
    try:
        definition = codebook_from_upload(
            upload.filename, upload.read(), version.definition.get("items", [])
        )
    except CodebookFileError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("coding.codebook"))
    new, created = service.store_codebook(
        definition,
        source=f"import {Path(upload.filename).name}",
        note=(request.form.get("note") or "").strip() or None,
        user=current_user,
    )
    db.session.commit()
    if created:
        flash(
            _(
                "%(f)s er importert som versjon %(n)s med %(t)s temaer.",
                f=upload.filename,
                n=new.version_no,
                t=len(new.theme_codes),
            ),
            "success",
        )
    else:
        flash(
            _("%(f)s er lik versjon %(n)s; ingen ny versjon.", f=upload.filename, n=new.version_no),
            "warning",
        )
    return redirect(url_for("coding.codebook"))


def _version_arg() -> CodebookVersion:
    number = request.args.get("version", type=int)
    if number is None:
        return service.current_version()
    version = db.session.scalar(
        sa.select(CodebookVersion).where(CodebookVersion.version_no == number)
    )
    if version is None:
        abort(404)
    return version


@bp.route("/codebook/export.qdc")
@roles_required(*CODERS)
def export_qdc():
    """The codebook as a REFI-QDA .qdc file (NVivo, ATLAS.ti, MAXQDA)."""
    version = _version_arg()
    record(
        "coding.download",
        target=version,
        after={"file": "qdc", "codebook_version": version.version_no},
    )
    db.session.commit()
    return Response(
        qdc_bytes(version),
        mimetype="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="dekom-kodebok-v{version.version_no}.qdc"'
        },
    )


@bp.route("/export.qdpx")
@roles_required(*CODERS)
def export_qdpx():
    """The coded answers as a REFI-QDA .qdpx project (final codes, auto-coder where nobody coded)."""
    version = service.current_version()
    with tempfile.TemporaryDirectory() as tmp:
        data = qdpx_bytes(version, Path(tmp))
    record(
        "coding.download",
        target=version,
        after={"file": "qdpx", "codebook_version": version.version_no},
    )
    db.session.commit()
    return Response(
        data,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="dekom-koding-v{version.version_no}.qdpx"'
        },
    )
