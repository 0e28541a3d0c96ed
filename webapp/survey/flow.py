"""Where a respondent is: the link's state, the language, page order and what a page shows."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

import flask_babel
import sqlalchemy as sa
from flask import current_app, g, request, session
from sqlalchemy.orm import joinedload, load_only

from questionnaires import Item, Page, Questionnaire, tr
from questionnaires.answers import item_shown, leaf_items, max_length, visible_pages
from questionnaires.conditions import condition_items

from ..extensions import db
from ..i18n import LANGUAGES
from ..infra.tokens import plausible_token_hash
from ..models import Answer, Invitation, QuestionnaireVersion, Response, Wave
from ..models.response import answer_value
from .forms import PageForm, choices


@dataclass
class Link:
    """What a personal link leads to: ``state`` is unknown, not_open, closed, done or open."""

    state: str
    invitation: Invitation | None = None
    response: Response | None = None
    #: the stored answers, loaded with the link (None when there is no response yet)
    answers: dict[str, Any] | None = None


def resolve(token: str) -> Link:
    """Look the token up and say what the respondent may do (no other respondent is revealed).

    One SELECT: the invitation, its wave's status, the response with its version (without the
    bulky definition) and the stored answers aggregated as JSON.
    """
    token_hash = plausible_token_hash(token)
    if token_hash is None:
        return Link("unknown")
    row = db.session.execute(_link_query(), {"token_hash": token_hash}).first()
    if row is None:
        return Link("unknown")
    invitation, wave_status, response, answers = row
    if invitation.status == "revoked":
        return Link("unknown")
    answers = decode_answers(answers) if response is not None else None
    if response is not None and response.status == "complete":
        return Link("done", invitation, response, answers)
    if wave_status == "draft":
        return Link("not_open", invitation, response, answers)
    if wave_status == "closed":
        return Link("closed", invitation, response, answers)
    return Link("open", invitation, response, answers)


def _link_query() -> sa.Select:
    """The statement ``resolve`` runs (built once per database dialect)."""
    dialect = db.session.get_bind().dialect.name
    stmt = _LINK_QUERIES.get(dialect)
    if stmt is None:
        a = Answer.__table__
        if dialect == "postgresql":
            agg = sa.func.json_agg(
                sa.func.json_build_array(
                    a.c.item_code, a.c.value_num, a.c.value_text, a.c.value_list, a.c.missing_code
                )
            )
        else:
            agg = sa.func.json_group_array(
                sa.func.json_array(
                    a.c.item_code,
                    a.c.value_num,
                    a.c.value_text,
                    sa.func.json(a.c.value_list),
                    a.c.missing_code,
                )
            )
        answers = sa.select(agg).where(a.c.response_id == Response.id).scalar_subquery()
        stmt = _LINK_QUERIES[dialect] = (
            sa.select(Invitation, Wave.status, Response, answers)
            .join(Wave, Wave.id == Invitation.wave_id)
            .outerjoin(Response, Response.invitation_id == Invitation.id)
            .options(
                load_only(
                    Invitation.status,
                    Invitation.wave_id,
                    Invitation.person_id,
                    Invitation.opened_at,
                    Invitation.submitted_at,
                ),
                load_only(
                    Response.invitation_id,
                    Response.wave_id,
                    Response.person_id,
                    Response.questionnaire_version_id,
                    Response.status,
                    Response.current_page,
                    Response.language,
                    Response.revision,
                    Response.submitted_at,
                ),
                joinedload(Response.version).load_only(QuestionnaireVersion.content_hash),
            )
            .where(Invitation.token_hash == sa.bindparam("token_hash"))
        )
    return stmt


_LINK_QUERIES: dict[str, sa.Select] = {}


def decode_answers(raw: Any) -> dict[str, Any]:
    """The answers aggregated by ``_link_query`` as item code -> value."""
    if raw is None:
        return {}
    if isinstance(raw, str):  # SQLite returns the JSON text
        raw = json.loads(raw)
    return {code: answer_value(num, text, lst, missing) for code, num, text, lst, missing in raw}


def choose_language(response: Response | None) -> str:
    """The respondent's language: ?lang= (remembered), else the response's, session's, or nb."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        lang = asked
    elif response is not None and response.language in LANGUAGES:
        lang = response.language
    else:
        lang = session.get("lang") if session.get("lang") in LANGUAGES else "nb"
    if getattr(g, "lang", None) != lang:
        g.lang = lang
        flask_babel.refresh()
    return lang


def set_language(response: Response | None, lang: str) -> None:
    """Switch language for this request, the session and (unless submitted) the response."""
    if lang not in LANGUAGES:
        return
    g.lang = lang
    flask_babel.refresh()  # texts already looked up this request used the old language
    session["lang"] = lang
    if response is not None and response.status != "complete":
        response.language = lang


def form_ref(response: Response) -> str:
    """A value binding a page form to its response, so a form cannot be posted to another link."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"survey-form:{response.id}".encode(), hashlib.sha256).hexdigest()[:24]


def same_page_codes(page: Page) -> set[str]:
    """Codes of the answerable items on ``page``."""
    return {item.code for item, _ in leaf_items(page)}


def live_conditional(item: Item, parent: Item | None, page_codes: set[str]) -> dict | None:
    """The condition to evaluate live in the browser, when it depends on this page's items."""
    for cond in (parent.show_if if parent else None, item.show_if):
        if cond and set(condition_items(cond)) & page_codes:
            return cond
    return None


def rendered_codes(page: Page, answers: dict[str, Any]) -> set[str]:
    """Items the page shows: conditions met by saved answers, or depending on this same page."""
    codes = same_page_codes(page)
    out = set()
    for item, parent in leaf_items(page):
        if item_shown(item, answers, parent) or live_conditional(item, parent, codes):
            out.add(item.code)
    return out


def position(q: Questionnaire, page: Page, answers: dict[str, Any]) -> tuple[int, int, list[Page]]:
    """(1-based number of ``page`` among the visible pages, how many there are, the pages)."""
    pages = visible_pages(q, answers)
    ids = [p.id for p in pages]
    number = ids.index(page.id) + 1 if page.id in ids else 1
    return number, len(pages), pages


@dataclass
class Block:
    """One question on a page as the template draws it."""

    item: Item
    kind: str
    text: str
    help: str
    fields: list[Any] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)
    show_if: str | None = None
    unit: str = ""
    limit: int = 0

    @property
    def has_errors(self) -> bool:
        """True when a field of the question failed validation."""
        return any(f.errors for f in self.fields)


def blocks(
    q: Questionnaire, page: Page, form: PageForm, lang: str, rendered: set[str]
) -> list[Block]:
    """The questions of ``page`` that are shown, with their fields and choices."""
    codes = same_page_codes(page)
    out: list[Block] = []
    for item in page.items:
        rows = item.rows if item.type == "matrix" else [item]
        fields = [form.field(r.code) for r in rows if r.code in rendered]
        if not fields:
            continue
        cond = None
        for r in rows:
            cond = cond or live_conditional(r, item if item.type == "matrix" else None, codes)
        leaf = rows[0]
        out.append(
            Block(
                item=item,
                kind=item.type,
                text=tr(item.text, lang),
                help=tr(item.help, lang),
                fields=fields,
                choices=choices(q, leaf, lang)
                if leaf.type in ("likert", "single", "multi")
                else [],
                show_if=json.dumps(cond, separators=(",", ":")) if cond else None,
                unit=tr(item.unit, lang),
                limit=max_length(item) if item.type in ("text", "longtext") else 0,
            )
        )
    return out


def known_answers(page: Page, answers: dict[str, Any]) -> str:
    """Saved answers that this page's live conditions refer to, as JSON for survey.js."""
    codes = same_page_codes(page)
    wanted: set[str] = set()
    for item, parent in leaf_items(page):
        cond = live_conditional(item, parent, codes)
        if cond:
            wanted |= set(condition_items(cond)) - codes
    return json.dumps({c: answers[c] for c in sorted(wanted) if c in answers})
