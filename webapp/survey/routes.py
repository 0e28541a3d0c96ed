"""Respondent routes: the personal link, one page at a time, submit once, friendly dead ends."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError

from questionnaires import Page, tr
from questionnaires.answers import (
    InvalidAnswer,
    check_value,
    item_shown,
    leaf_items,
    missing_required,
    visible_pages,
)

from ..access import public
from ..domain import responses as svc
from ..extensions import db, limiter
from ..models import Response
from . import bp
from .flow import (
    Link,
    blocks,
    choose_language,
    form_ref,
    known_answers,
    position,
    rendered_codes,
    resolve,
    set_language,
)
from .forms import build_form, parse_number, tampering, typed_value

#: no page of any questionnaire needs a bigger post; anything larger is refused unread
MAX_PAGE_POST = 256 * 1024

#: per address: wrong links (404) count against LINK_LOOKUP_LIMIT; past it, every link answers 429
link_lookup_limit = limiter.shared_limit(
    lambda: current_app.config["LINK_LOOKUP_LIMIT"],
    scope="respondent-link",
    deduct_when=lambda response: response.status_code == 404,
)

NOTICE_STATUS = {
    "unknown": 404,
    "not_open": 403,
    "closed": 410,
    "too_large": 413,
    "csrf": 400,
    "tampered": 400,
}


def notice(
    kind: str,
    *,
    link: Link | None = None,
    problems: list[str] | None = None,
    back: str | None = None,
    status: int | None = None,
):
    """A friendly page for links that lead nowhere and posts that were refused."""
    if link is not None:
        choose_language(link.response)
    kept = link is not None and link.response is not None
    return render_template(
        "survey/notice.html",
        kind=kind,
        problems=problems or [],
        back=back,
        title=_title(link),
        kept=kept,
    ), status or NOTICE_STATUS[kind]


def _title(link: Link | None) -> str:
    if link is None or link.invitation is None:
        return ""
    if link.response is not None:
        return tr(svc.questionnaire_of(link.response).title, g.lang)
    version = link.invitation.wave.version_for(link.invitation.person.role)
    return tr(version.questionnaire.title, g.lang) if version else ""


def thanks(link: Link, *, replay: bool = False):
    """The thank-you page shown once a response is submitted."""
    lang = choose_language(link.response)
    q = svc.questionnaire_of(link.response)
    return render_template(
        "survey/thanks.html",
        title=tr(q.title, lang),
        replay=replay,
        submitted_at=link.response.submitted_at,
    ), 200


def _open_link(token: str) -> tuple[Link, Any]:
    """Resolve ``token``; returns the link and a finished answer when it cannot be answered."""
    link = resolve(token)
    if link.state == "unknown":
        return link, notice("unknown")
    g.survey_home = url_for("survey.start", token=token)
    if link.state == "done":
        return link, thanks(link, replay=request.method == "POST")
    if link.state in ("not_open", "closed"):
        return link, notice(link.state, link=link)
    if link.response is None:
        try:
            link.response = svc.start_response(link.invitation)
            link.answers = {}
            db.session.commit()
        except IntegrityError:  # opened in two tabs at once: the other one created it
            db.session.rollback()
            return _open_link(token)
        except LookupError:  # the wave has no questionnaire for this person's role (yet)
            db.session.rollback()
            current_app.logger.error(
                "link for invitation %s: no questionnaire for the role", link.invitation.id
            )
            return link, notice("not_open", link=Link("not_open", link.invitation))
    elif link.invitation.opened_at is None:
        svc.start_response(link.invitation)
        db.session.commit()
    return link, None


@bp.errorhandler(CSRFError)
def csrf_failed(error):
    """A post without a valid CSRF token: nothing stored, a way back to the form."""
    return notice("csrf", back=request.path)


@bp.before_request
def refuse_huge_posts():
    """Refuse absurdly large posts before reading them."""
    if request.method == "POST" and (request.content_length or 0) > MAX_PAGE_POST:
        return notice("too_large", back=request.path)
    return None


@bp.route("/s/<token>")
@public
@link_lookup_limit
def start(token: str):
    """The personal link: the start page, or straight back to where the respondent left."""
    link, finished = _open_link(token)
    if finished is not None:
        return finished
    response = link.response
    lang = choose_language(response)
    if request.args.get("lang") in ("nb", "nn", "en"):
        set_language(response, lang)
        db.session.commit()
    q = svc.questionnaire_of(response)
    answers = link.answers
    pages = visible_pages(q, answers)
    resume = response.current_page if response.current_page in {p.id for p in pages} else None
    if resume and not request.args.get("lang") and request.args.get("intro") is None:
        return redirect(url_for("survey.page", token=token, page_id=resume))
    return render_template(
        "survey/start.html",
        q=q,
        title=tr(q.title, lang),
        intro=tr(q.intro, lang),
        pages=len(pages),
        token=token,
        first=resume or pages[0].id,
        resuming=bool(resume or answers),
    )


def _page_or_404(q, page_id: str) -> Page:
    index = q.page_index(page_id)
    if index is None:
        abort(404)
    return q.pages[index]


def _render_page(
    token: str,
    response: Response,
    page: Page,
    answers: dict[str, Any],
    form=None,
    *,
    alert: str | None = None,
    status: int = 200,
    check: bool = False,
):
    lang = g.lang
    q = svc.questionnaire_of(response)
    rendered = rendered_codes(page, answers)
    if form is None:
        form = build_form(response.version.content_hash, q, page, lang)
        form.set_answers(answers)
        if check:
            for missing_page, item in missing_required(q, answers):
                if missing_page.id == page.id and item.code in rendered:
                    field = form.field(item.code)
                    field.errors = [_("Svar på «%(q)s».", q=field.label.text)]
    number, total, pages = position(q, page, answers)
    errors = [f for f in form.item_fields() if f.errors]
    return render_template(
        "survey/page.html",
        q=q,
        page=page,
        title=tr(q.title, lang),
        page_title=tr(page.title, lang),
        intro=tr(page.intro, lang),
        form=form,
        blocks=blocks(q, page, form, lang, rendered),
        number=number,
        total=total,
        is_last=number == total,
        errors=errors,
        alert=alert,
        token=token,
        known=known_answers(page, answers),
        lang_form="page-form",
        revision=response.revision,
        ref=form_ref(response),
        default_action="submit" if number == total else "next",
    ), status


@bp.route("/s/<token>/side/<page_id>", methods=["GET", "POST"])
@public
@link_lookup_limit
def page(token: str, page_id: str):
    """One page of the questionnaire: show it, or save it and move on."""
    link, finished = _open_link(token)
    if finished is not None:
        return finished
    response = link.response
    lang = choose_language(response)
    q = svc.questionnaire_of(response)
    this = _page_or_404(q, page_id)
    answers = link.answers
    visible = visible_pages(q, answers)
    if this.id not in {p.id for p in visible}:
        target = (
            response.current_page
            if response.current_page in {p.id for p in visible}
            else visible[0].id
        )
        return redirect(url_for("survey.page", token=token, page_id=target), code=303)
    if request.method == "GET":
        if request.args.get("lang"):
            set_language(response, lang)
            db.session.commit()
        return _render_page(token, response, this, answers, check=bool(request.args.get("check")))
    return _save(token, link, this, answers)


def _save(token: str, link: Link, this: Page, answers: dict[str, Any]):
    response = link.response
    q = svc.questionnaire_of(response)
    posted = request.form
    if posted.get("_ref") != form_ref(response):
        return notice(
            "tampered",
            link=link,
            back=request.path,
            problems=[_("skjemaet hører til en annen lenke")],
        )
    rendered = rendered_codes(this, answers)
    problems = tampering(q, this, rendered, posted)
    revision = posted.get("_revision", "")
    if not revision.isdigit():
        problems.append(_("skjemaet mangler versjonsnummer"))
    if problems:
        return notice("tampered", link=link, back=request.path, problems=problems)
    stale = int(revision) != response.revision
    new_lang = posted.get("_lang")
    action = posted.get("_action", "next")
    form = build_form(response.version.content_hash, q, this, g.lang, formdata=posted)
    form.check_required = action in ("next", "submit") and not new_lang
    merged = dict(answers)
    for f in form.item_fields():
        try:
            merged[f.name] = typed_value(f) if f.item.type != "number" else parse_number(f.data)
        except ValueError:
            merged[f.name] = None
    form.hidden = {
        f.name
        for f in form.item_fields()
        if f.name not in rendered or not item_shown(f.item, merged, f.parent)
    }
    if stale:
        # a retry of a save that was committed just before the server died looks stale; when
        # what is stored is what was posted, it did succeed: move on as it would have
        if form.validate() and _already_stored(q, this, form.answers(), answers) and not new_lang:
            return _move_on(token, response, q, this, answers, action)
        return _stale(token, response, this)
    if new_lang in ("nb", "nn", "en"):
        set_language(response, new_lang)
    valid = form.validate()
    if form.refused:
        db.session.rollback()
        return notice("tampered", link=link, back=request.path, problems=form.refused)
    if not valid:
        db.session.commit()  # the language choice only
        return _render_page(token, response, this, answers, form, status=422)
    try:
        change = svc.page_change(response, this.id, form.answers(), before=answers)
    except InvalidAnswer as exc:
        db.session.rollback()
        return notice("tampered", link=link, back=request.path, problems=[exc.message])
    target, outcome = _next_page(q, this, change.final, "save" if new_lang else action)
    try:
        svc.apply_change(response, change, revision=int(revision), current_page=target or this.id)
    except (svc.StaleRevision, OperationalError):  # OperationalError: SQLite's write lock
        db.session.rollback()
        return _stale(token, response, this)
    if outcome == "submit":
        svc.submit(response, revision=response.revision, answers=change.final)
    db.session.commit()
    return _redirect(token, target, outcome)


def _already_stored(q, this: Page, posted: dict[str, Any], stored: dict[str, Any]) -> bool:
    """True when every answer posted for ``this`` page equals the stored one (None: none stored)."""
    items = {item.code: item for item, _ in leaf_items(this)}
    try:
        return all(
            check_value(q, items[code], value) == stored.get(code) for code, value in posted.items()
        )
    except InvalidAnswer:
        return False


def _next_page(q, this: Page, final: dict[str, Any], action: str) -> tuple[str | None, str]:
    """Where a save of ``this`` page leads: (page id, "page"); (None, "start") back from the
    first page; at the end (None, "submit"), or (its page, "check") when a required answer is
    still missing."""
    ids = [p.id for p in visible_pages(q, final)]
    at = ids.index(this.id)
    if action == "back":
        return (ids[at - 1], "page") if at > 0 else (None, "start")
    if action == "save":
        return this.id, "page"
    if at + 1 < len(ids):
        return ids[at + 1], "page"
    missing = missing_required(q, final)
    return (missing[0][0].id, "check") if missing else (None, "submit")


def _redirect(token: str, target: str | None, outcome: str):
    """The 303 after a save: the next page, the start page or (submitted) the thank-you page."""
    if outcome == "submit":
        return redirect(url_for("survey.start", token=token), code=303)
    if outcome == "start":
        return redirect(url_for("survey.start", token=token, intro=1), code=303)
    if outcome == "check":
        return redirect(url_for("survey.page", token=token, page_id=target, check=1), code=303)
    return redirect(url_for("survey.page", token=token, page_id=target), code=303)


def _move_on(token: str, response: Response, q, this: Page, stored: dict[str, Any], action: str):
    """A retried save that had been stored: go where it went (submitting, if it had not yet)."""
    target, outcome = _next_page(q, this, stored, action)
    if outcome == "submit":
        svc.submit(response, revision=response.revision, answers=stored)  # once: it checks status
        db.session.commit()
    return _redirect(token, target, outcome)


def _stale(token: str, response: Response, this: Page):
    """Another tab or device saved first: show what is stored now, nothing half-written."""
    db.session.expire_all()
    response = db.session.get(Response, response.id)
    if response.status == "complete":
        return redirect(url_for("survey.start", token=token), code=303)
    answers = svc.load_answers(response)
    alert = _(
        "Svarene dine ble lagret fra en annen fane eller enhet mens denne siden var åpen. "
        "Her er det som er lagret nå. Se over svarene og trykk på knappen igjen."
    )
    return _render_page(token, response, this, answers, alert=alert, status=409)
