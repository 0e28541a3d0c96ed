"""Questionnaire pages: upload YAML or XLSForm, see located problems, preview as respondents see it,
save immutable versions, compare versions (diff with comparability warnings), download."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import flask_babel
import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

import questionnaires as instrument
from questionnaires import Questionnaire, tr
from questionnaires.answers import item_shown, visible_pages
from questionnaires.conditions import condition_items
from questionnaires.problems import Problem

from ..access import roles_required
from ..domain import questionnaires as service
from ..extensions import db
from ..models import QuestionnaireDraft, QuestionnaireVersion
from ..queries.questionnaires import version_rows, waves_using
from ..survey.flow import blocks, known_answers, rendered_codes, same_page_codes
from ..survey.forms import build_form, parse_number, typed_value
from . import bp
from .forms import ActionForm, QuestionnaireUploadForm

YAML_SUFFIXES = (".yaml", ".yml")


def read_upload(
    filename: str, data: bytes, role: str | None
) -> tuple[Questionnaire | None, list[Problem]]:
    """Convert an uploaded YAML or XLSForm file; problems name the uploaded file, never a temp path."""
    name = secure_filename(filename) or "upload"
    suffix = Path(name).suffix.lower()
    if suffix not in YAML_SUFFIXES + instrument.XLSFORM_SUFFIXES:
        return None, [Problem(name, 0, _("bare .yaml, .yml, .xlsx og .xls kan leses"))]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        if suffix in YAML_SUFFIXES:
            # includes such as core/bakgrunn.yaml resolve to the shared pages of the instrument
            (Path(tmp) / "core").symlink_to(
                instrument.INSTRUMENT_DIR / "core", target_is_directory=True
            )
            q, problems = instrument.parse_questionnaire(path)
            problems = [
                Problem(
                    name if p.file.endswith(name) else p.file,
                    p.line,
                    p.message.replace(str(Path(tmp).resolve()) + "/", "").replace(tmp + "/", ""),
                    p.severity,
                )
                for p in problems
            ]
            if q is not None and role and q.role != role:
                problems.append(
                    Problem(
                        name,
                        0,
                        _("filen er for rollen %(a)s, men du valgte %(b)s", a=q.role, b=role),
                    )
                )
        else:
            from questionnaires.xlsform import read_xlsform

            q, problems = read_xlsform(path, role=role or None, name=name)
    if instrument.errors(problems):
        return None, problems
    return q, problems


@bp.route("/questionnaires")
@roles_required("admin", "evaluator")
def questionnaires():
    """Every stored questionnaire version, grouped by code, with the waves that use each."""
    drafts = list(
        db.session.scalars(sa.select(QuestionnaireDraft).order_by(QuestionnaireDraft.id.desc()))
    )
    return render_template(
        "console/questionnaires.html", groups=version_rows(), drafts=drafts, action=ActionForm()
    )


@bp.route("/questionnaires/upload", methods=["GET", "POST"])
@roles_required("admin", "evaluator")
def questionnaire_upload():
    """Upload a YAML or XLSForm file; problems are listed with their place, nothing is stored."""
    form = QuestionnaireUploadForm()
    problems: list[Problem] = []
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        q, problems = read_upload(upload.filename or "", upload.read(), form.role.data or None)
        if q is not None:
            draft = service.create_draft(
                q,
                secure_filename(upload.filename or "upload"),
                [str(p) for p in problems],
                current_user,
            )
            db.session.commit()
            return redirect(url_for("console.questionnaire_draft", draft_id=draft.id))
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template(
        "console/questionnaire_upload.html",
        form=form,
        problems=problems,
        errors=instrument.errors(problems),
    ), status


def _draft_or_404(draft_id: int) -> QuestionnaireDraft:
    draft = db.session.get(QuestionnaireDraft, draft_id)
    if draft is None:
        abort(404)
    return draft


def _version_or_404(version_id: int) -> QuestionnaireVersion:
    version = db.session.get(QuestionnaireVersion, version_id)
    if version is None:
        abort(404)
    return version


def _summary(q: Questionnaire) -> dict[str, Any]:
    leaves = q.leaf_items()
    return {
        "pages": len(q.pages),
        "n_items": len(leaves),
        "conditions": sum(1 for p in q.pages for i in p.items if i.show_if)
        + sum(1 for p in q.pages if p.show_if),
        "languages": [
            lang
            for lang in instrument.LANGUAGES
            if all(lang in (item.text or {}) for _, item, _ in leaves)
        ],
    }


@bp.route("/questionnaires/drafts/<int:draft_id>")
@roles_required("admin", "evaluator")
def questionnaire_draft(draft_id: int):
    """An uploaded questionnaire: warnings, preview, the diff against last wave's version, save."""
    draft = _draft_or_404(draft_id)
    q = draft.questionnaire
    return render_template(
        "console/questionnaire_draft.html",
        draft=draft,
        q=q,
        summary=_summary(q),
        comparison=service.comparability(q, q.role),
        action=ActionForm(),
        same=_same_version(q),
    )


def _same_version(q: Questionnaire) -> QuestionnaireVersion | None:
    return db.session.scalar(
        sa.select(QuestionnaireVersion).where(
            QuestionnaireVersion.code == q.code,
            QuestionnaireVersion.content_hash == q.content_hash(),
        )
    )


@bp.route("/questionnaires/drafts/<int:draft_id>/save", methods=["POST"])
@roles_required("admin", "evaluator")
def questionnaire_save(draft_id: int):
    """Store the draft as a new immutable version."""
    draft = _draft_or_404(draft_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    version, created = service.save_draft(draft)
    db.session.commit()
    if created:
        flash(_("Lagret som ny versjon %(label)s.", label=version.label), "success")
    else:
        flash(
            _("Innholdet er identisk med %(label)s; ingen ny versjon.", label=version.label), "info"
        )
    return redirect(url_for("console.questionnaire_version", version_id=version.id))


@bp.route("/questionnaires/drafts/<int:draft_id>/discard", methods=["POST"])
@roles_required("admin", "evaluator")
def questionnaire_discard(draft_id: int):
    """Throw an unsaved upload away."""
    draft = _draft_or_404(draft_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    db.session.delete(draft)
    db.session.commit()
    flash(_("Opplastingen er forkastet."), "success")
    return redirect(url_for("console.questionnaires"))


@bp.route("/questionnaires/versions/<int:version_id>")
@roles_required("admin", "evaluator")
def questionnaire_version(version_id: int):
    """One stored version: which waves use it, preview, diff from the wave before its first use, download."""
    version = _version_or_404(version_id)
    q = version.questionnaire
    comparison = service.version_comparison(version)
    others = list(
        db.session.scalars(
            sa.select(QuestionnaireVersion)
            .where(QuestionnaireVersion.id != version.id)
            .order_by(QuestionnaireVersion.code, QuestionnaireVersion.version_no)
        )
    )
    return render_template(
        "console/questionnaire_version.html",
        version=version,
        q=q,
        summary=_summary(q),
        waves=waves_using(version.id),
        comparison=comparison,
        others=others,
        action=ActionForm(),
    )


@bp.route("/questionnaires/versions/<int:version_id>/download/<fmt>")
@roles_required("admin", "evaluator")
def questionnaire_download(version_id: int, fmt: str):
    """The version as YAML or as an XLSForm workbook."""
    version = _version_or_404(version_id)
    q = version.questionnaire
    stem = f"{version.code}_v{version.version_no}"
    if fmt == "yaml":
        from questionnaires.writer import dump_yaml

        return send_file(
            io.BytesIO(dump_yaml(q).encode("utf-8")),
            mimetype="application/yaml",
            as_attachment=True,
            download_name=f"{stem}.yaml",
        )
    if fmt == "xlsx":
        from questionnaires.xlsform import write_xlsform

        buf = io.BytesIO()
        write_xlsform(q, buf)
        buf.seek(0)
        return send_file(
            buf,
            as_attachment=True,
            download_name=f"{stem}.xlsx",
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    abort(404)


@bp.route("/questionnaires/versions/<int:version_id>/delete", methods=["POST"])
@roles_required("admin", "evaluator")
def questionnaire_delete(version_id: int):
    """Delete a version that no wave uses."""
    version = _version_or_404(version_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    label = version.label
    try:
        service.delete_version(version)
        db.session.commit()
    except service.VersionInUse:
        db.session.rollback()
        flash(_("%(label)s brukes av en bølge og kan ikke slettes.", label=label), "error")
        return redirect(url_for("console.questionnaire_version", version_id=version_id))
    flash(_("%(label)s er slettet.", label=label), "success")
    return redirect(url_for("console.questionnaires"))


@bp.route("/questionnaires/diff")
@roles_required("admin", "evaluator")
def questionnaire_diff():
    """What changed between any two versions (or an upload and a version), with comparability flags."""
    versions = list(
        db.session.scalars(
            sa.select(QuestionnaireVersion).order_by(
                QuestionnaireVersion.code, QuestionnaireVersion.version_no
            )
        )
    )
    old_id, new_id = request.args.get("old", type=int), request.args.get("new", type=int)
    draft_id = request.args.get("draft", type=int)
    old = db.session.get(QuestionnaireVersion, old_id) if old_id else None
    new_q, new_label = None, None
    if draft_id:
        draft = _draft_or_404(draft_id)
        new_q, new_label = draft.questionnaire, _("opplasting %(name)s", name=draft.source)
    elif new_id:
        new = db.session.get(QuestionnaireVersion, new_id)
        if new is not None:
            new_q, new_label = new.questionnaire, new.label
    result = (
        service.compare(old.questionnaire, new_q) if old is not None and new_q is not None else None
    )
    return render_template(
        "console/questionnaire_diff.html",
        versions=versions,
        old=old,
        new_id=new_id,
        draft_id=draft_id,
        new_label=new_label,
        diff=result,
    )


# ----------------------------------------------------------------------------- preview


def _preview_target(kind: str, obj_id: int) -> tuple[Questionnaire, str, str, str]:
    """(questionnaire, form cache key, label, url back) for a draft or a stored version."""
    if kind == "draft":
        draft = _draft_or_404(obj_id)
        q = draft.questionnaire
        return (
            q,
            f"preview-{q.content_hash()}",
            draft.source,
            url_for("console.questionnaire_draft", draft_id=obj_id),
        )
    if kind == "version":
        version = _version_or_404(obj_id)
        return (
            version.questionnaire,
            f"preview-{version.content_hash}",
            version.label,
            url_for("console.questionnaire_version", version_id=obj_id),
        )
    abort(404)


def _preview_state(key: str) -> dict[str, Any]:
    state = session.get("questionnaire_preview")
    if not isinstance(state, dict) or state.get("key") != key:
        state = {"key": key, "answers": {}, "conditions": True, "lang": "nb"}
    return state


def _conditional_codes(q: Questionnaire) -> set[str]:
    """Items any condition depends on: the only answers the preview needs to remember."""
    codes: set[str] = set()
    for page in q.pages:
        codes.update(condition_items(page.show_if))
        for item in page.items:
            codes.update(condition_items(item.show_if))
            for row in item.rows:
                codes.update(condition_items(row.show_if))
    return codes


@bp.route(
    "/questionnaires/<kind>/<int:obj_id>/preview", methods=["GET"], defaults={"page_id": None}
)
@bp.route("/questionnaires/<kind>/<int:obj_id>/preview/<page_id>", methods=["GET", "POST"])
@roles_required("admin", "evaluator")
def questionnaire_preview(kind: str, obj_id: int, page_id: str | None):
    """The questionnaire exactly as a respondent sees it, page by page, in nb, nn or en.

    With conditions on, answers given in the preview (kept in the session, never stored) decide
    which pages and questions show; with them off, every page and question shows.
    """
    q, key, label, back_url = _preview_target(kind, obj_id)
    state = _preview_state(key)
    if request.args.get("lang") in instrument.LANGUAGES:
        state["lang"] = request.args["lang"]
    if request.args.get("conditions") in ("on", "off"):
        state["conditions"] = request.args["conditions"] == "on"
    if request.args.get("restart"):
        state["answers"] = {}
    g.lang = state["lang"]
    flask_babel.refresh()
    answers: dict[str, Any] = state["answers"]
    conditions = state["conditions"]
    pages = visible_pages(q, answers) if conditions else list(q.pages)
    ids = [p.id for p in pages]
    if page_id is None or page_id not in ids:
        session["questionnaire_preview"] = state
        return redirect(
            url_for(
                "console.questionnaire_preview",
                kind=kind,
                obj_id=obj_id,
                page_id=ids[0] if ids else q.pages[0].id,
            )
        )
    page = q.pages[q.page_index(page_id)]
    rendered = rendered_codes(page, answers) if conditions else same_page_codes(page)
    form = build_form(key, q, page, state["lang"])
    status = 200
    if request.method == "POST":
        form = build_form(key, q, page, state["lang"], formdata=request.form)
        action = request.form.get("_action", "next")
        form.check_required = action in ("next", "submit")
        merged = dict(answers)
        for f in form.item_fields():
            try:
                merged[f.name] = typed_value(f) if f.item.type != "number" else parse_number(f.data)
            except ValueError:
                merged[f.name] = None
        form.hidden = {
            f.name
            for f in form.item_fields()
            if f.name not in rendered or (conditions and not item_shown(f.item, merged, f.parent))
        }
        if action == "back" or form.validate():
            keep = _conditional_codes(q)
            if action != "back":
                for code, value in form.answers().items():
                    if code in keep:
                        answers[code] = value
            state["answers"] = answers
            session["questionnaire_preview"] = state
            pages = visible_pages(q, answers) if conditions else list(q.pages)
            ids = [p.id for p in pages]
            at = ids.index(page.id) if page.id in ids else 0
            if action == "back":
                target = ids[at - 1] if at > 0 else ids[0]
            elif at + 1 < len(ids):
                target = ids[at + 1]
            else:
                flash(
                    _(
                        "Slutten av forhåndsvisningen: her sender respondenten inn. Ingenting er lagret."
                    ),
                    "info",
                )
                return redirect(back_url)
            return redirect(
                url_for("console.questionnaire_preview", kind=kind, obj_id=obj_id, page_id=target)
            )
        status = 422
    else:
        form.set_answers({k: v for k, v in answers.items()})
    session["questionnaire_preview"] = state
    number = ids.index(page.id) + 1
    errors = [f for f in form.item_fields() if f.errors]
    return render_template(
        "console/questionnaire_preview.html",
        q=q,
        page=page,
        title=tr(q.title, state["lang"]),
        page_title=tr(page.title, state["lang"]),
        intro=tr(page.intro, state["lang"]),
        form=form,
        blocks=blocks(q, page, form, state["lang"], rendered),
        number=number,
        total=len(ids),
        is_last=number == len(ids),
        errors=errors,
        alert=None,
        token=None,
        known=known_answers(page, answers),
        lang_form=None,
        revision=0,
        ref="preview",
        default_action="next",
        preview_label=label,
        back_url=back_url,
        conditions=conditions,
        kind=kind,
        obj_id=obj_id,
        all_pages=pages,
        q_intro=tr(q.intro, state["lang"]),
        form_action=url_for(
            "console.questionnaire_preview", kind=kind, obj_id=obj_id, page_id=page.id
        ),
    ), status
