"""The coding screen: the overview with progress, one answer at a time, save and next, bulk accept."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..access import roles_required
from ..domain import coding as service
from ..domain import coding_model
from ..extensions import db
from ..formats import number
from ..i18n import select_locale
from ..models import Answer, Person, Response, Wave
from ..models.coding import CodingDecision, CodingMemo, CodingSuggestion
from ..queries.research_view import redact, respondent_key
from ..queries.research_view import redactor as research_redactor
from . import bp
from .highlight import segments
from .queue import (
    ROLES,
    coded_by,
    current_filters,
    neighbours,
    next_uncoded,
    progress,
    queue_ids,
    review_counts,
    waves_with_text,
)

CODERS = ("admin", "researcher")
DEFAULT_BULK_MIN = 0.8


def theme_views(version, lang: str) -> list[dict]:
    """Themes for templates: code, label, definition, include, exclude, key and colour index."""
    out = []
    for i, t in enumerate(version.definition.get("themes", [])):

        def text(field: str, t=t) -> str:
            value = t.get(field) or {}
            return value.get(lang) or value.get("nb") or ""

        out.append(
            {
                "code": t["code"],
                "label": text("label") or t["code"],
                "definition": text("definition"),
                "include": text("include"),
                "exclude": text("exclude"),
                "key": str((i + 1) % 10) if i < 10 else "",
                "colour": i % 10,
            }
        )
    return out


def _bulk_candidates(version, filters, min_confidence: float) -> int:
    order = set(queue_ids(version, filters))
    touched = set(
        db.session.scalars(
            sa.select(CodingDecision.answer_id)
            .distinct()
            .where(CodingDecision.codebook_version_id == version.id)
        )
    )
    rows = db.session.execute(
        sa.select(CodingSuggestion.answer_id).where(
            CodingSuggestion.codebook_version_id == version.id,
            CodingSuggestion.needs_review.is_(False),
            CodingSuggestion.confidence >= min_confidence,
        )
    ).scalars()
    return sum(1 for a in rows if a in order and a not in touched)


@bp.route("/")
@roles_required(*CODERS)
def index():
    """Overview: my progress, every coder's progress, the review-first queue and bulk acceptance."""
    version = service.current_version()
    filters = current_filters()
    order = queue_ids(version, filters)
    mine = coded_by(version, current_user.id, order)
    first = next_uncoded(order, mine)
    bulk_min = request.args.get("bulk_min", DEFAULT_BULK_MIN, type=float)
    db.session.commit()  # keeps the suggestions computed for this page
    return render_template(
        "coding/index.html",
        version=version,
        filters=filters,
        total=len(order),
        mine=len(mine),
        first=first,
        coders=progress(version, order),
        counts=review_counts(version, order),
        waves=waves_with_text(version),
        roles=ROLES,
        bulk_min=bulk_min,
        bulk_n=_bulk_candidates(version, filters, bulk_min),
        model_meta=coding_model.latest_meta(version),
        model_new=coding_model.new_decisions(version),
        model_threshold=coding_model.retrain_after(),
    )


def _load_answer(answer_id: int):
    version = service.current_version()
    row = (
        db.session.execute(service.answers_select(version).where(Answer.id == answer_id))
        .mappings()
        .first()
    )
    if row is None:
        abort(404)
    return version, db.session.get(Answer, answer_id), row


@bp.route("/answer/<int:answer_id>")
@roles_required(*CODERS)
def answer(answer_id: int):
    """One answer: text with evidence highlighted, suggested themes pre-ticked, memo, save and next."""
    version, ans, meta = _load_answer(answer_id)
    filters = current_filters()
    suggestion = service.suggestion_for(version, ans)
    order = queue_ids(version, filters)
    mine = coded_by(version, current_user.id, order)
    decisions = service.decisions_of(version, current_user.id, ans.id)
    memo = db.session.scalar(
        sa.select(CodingMemo.text).where(
            CodingMemo.answer_id == ans.id, CodingMemo.coder_id == current_user.id
        )
    )
    db.session.commit()
    by_theme = {s["theme"]: s for s in suggestion.suggestions}
    themes = theme_views(version, select_locale())
    for t in themes:
        s = by_theme.get(t["code"])
        t["suggested"] = bool(s and s["assigned"])
        t["confidence"] = s["confidence"] if s else None
        t["evidence"] = list(dict.fromkeys(e[2] for e in s["evidence"])) if s else []
        t["ngrams"] = list(s.get("ngrams") or ()) if s else []
        t["checked"] = (
            decisions[t["code"]].applied
            if decisions.get(t["code"])
            else (t["suggested"] if not decisions else False)
        )
    prev_id, next_id = neighbours(order, ans.id)
    colour = {t["code"]: t["colour"] for t in themes}
    return render_template(
        "coding/answer.html",
        version=version,
        answer=ans,
        meta=researcher_meta(meta),
        suggestion=suggestion,
        segments=redacted_segments(
            ans.value_text or "", suggestion.suggestions, version.theme_codes
        ),
        colour=colour,
        themes=themes,
        memo=memo or "",
        coded=bool(decisions),
        filters=filters,
        position=order.index(ans.id) + 1 if ans.id in order else None,
        total=len(order),
        mine=len(mine),
        prev_id=prev_id,
        next_id=next_id,
    )


@bp.route("/answer/<int:answer_id>", methods=["POST"])
@roles_required(*CODERS)
def save_answer(answer_id: int):
    """Store my codes and memo for the answer, then go to my next uncoded answer."""
    version, ans, _meta = _load_answer(answer_id)
    filters = current_filters()
    for attempt in (1, 2):
        try:
            service.save_decisions(
                version,
                ans,
                current_user,
                request.form.getlist("theme"),
                memo=request.form.get("memo", ""),
            )
            db.session.commit()
            break
        except ValueError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("coding.answer", answer_id=answer_id, **filters.args))
        except IntegrityError:  # a double-click stored the same rows first; save again as an update
            db.session.rollback()
            if attempt == 2:
                raise
    if coding_model.maybe_retrain(version, current_user) is not None:
        flash(_("Nok nye kodede svar: autokoderen lærer av dem i bakgrunnen."), "info")
    if request.form.get("action") == "stay":
        flash(_("Kodingen er lagret."), "success")
        return redirect(url_for("coding.answer", answer_id=answer_id, **filters.args), code=303)
    order = queue_ids(version, filters)
    following = next_uncoded(order, coded_by(version, current_user.id, order), after=answer_id)
    if following is None:
        flash(_("Alle svarene i utvalget er kodet. Takk!"), "success")
        return redirect(url_for("coding.index", **filters.args), code=303)
    # 303: the browser follows with a GET, so its address is the answer it then shows
    return redirect(url_for("coding.answer", answer_id=following, **filters.args), code=303)


@bp.route("/bulk-accept", methods=["POST"])
@roles_required(*CODERS)
def bulk_accept():
    """Accept the auto-coder's codes for every confident answer that nobody has coded yet."""
    version = service.current_version()
    filters = current_filters()
    try:
        # typed the Norwegian way (0,8) or the English way (0.8)
        minimum = float(request.form.get("min_confidence", "").strip().replace(",", "."))
    except ValueError:
        minimum = -1.0
    if not 0.5 <= minimum <= 1.0:
        flash(_("Minste sikkerhet må være et tall mellom 0,5 og 1."), "error")
        return redirect(url_for("coding.index", **filters.args))
    if request.form.get("confirm") != "yes":
        flash(_("Kryss av for at du har sett over forslagene før du godtar dem samlet."), "error")
        return redirect(url_for("coding.index", bulk_min=minimum, **filters.args))
    n = service.bulk_accept(
        version, current_user, minimum, filters.wave_ids, [filters.role] if filters.role else None
    )
    db.session.commit()
    flash(
        _(
            "Godtok autokoderens forslag for %(n)s svar (sikkerhet minst %(m)s).",
            n=n,
            m=number(minimum, 2),
        ),
        "success",
    )
    return redirect(url_for("coding.index", **filters.args))


def researcher_meta(meta) -> dict:
    """An answer's metadata as researchers see it: the pseudonym instead of the panel id."""
    out = dict(meta)
    out["respondent_id"] = respondent_key(out["respondent_id"])
    out["text"] = redact(out.get("text"))
    return out


def redacted_segments(text: str, suggestions: list[dict], theme_order: list[str]) -> list:
    """The highlighted segments with contact data redacted; plain redacted text when a name
    runs across a highlight boundary (so no part of it is left)."""
    from .highlight import Segment

    redactor = research_redactor()
    whole = redactor(text) or ""
    parts = segments(text, suggestions, theme_order)
    out = [Segment(redactor(p.text) or "", p.themes, p.signals, p.weak) for p in parts]
    if "".join(p.text for p in out) != whole:
        return [Segment(whole)] if whole else []
    return out


def answer_meta(answer_ids: list[int]) -> dict[int, dict]:
    """Pseudonym, role, wave, fylke and redacted text for answers (for lists of answers)."""
    if not answer_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            Answer.id, Answer.value_text, Person.panel_id, Person.role, Person.fylke, Wave.year
        )
        .join(Response, Answer.response_id == Response.id)
        .join(Person, Response.person_id == Person.id)
        .join(Wave, Response.wave_id == Wave.id)
        .where(Answer.id.in_(answer_ids))
    ).all()
    return {
        r[0]: {
            "text": redact(r[1]),
            "panel_id": respondent_key(r[2]),
            "role": r[3],
            "fylke": r[4],
            "wave": r[5],
        }
        for r in rows
    }
