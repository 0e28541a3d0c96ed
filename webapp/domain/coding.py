"""Theme coding: codebook versions, auto-coder suggestions, coders' decisions and final codes.

State-changing functions add to the session; the caller commits. ``final_codes`` is the read
API for exports and the evaluation report: one 0/1 column per theme, human codes where they
exist and the auto-coder elsewhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from evaluation.coding import DEFAULT_CODEBOOK, CodedAnswer, DictionaryCoder
from questionnaires import load_codebook
from questionnaires.model import content_hash

from ..extensions import db
from ..models import Answer, Person, Response, User, Wave
from ..models.coding import (
    CodebookVersion,
    CodingDecision,
    CodingMemo,
    CodingResolution,
    CodingSuggestion,
)
from .audit import record

THEME_FIELDS = ("label", "definition", "include", "exclude")
LANGS = ("nb", "nn", "en")
CODED_STATUSES = ("complete", "partial")
_CODERS: dict[str, DictionaryCoder] = {}
_SHIPPED: dict[str, Any] = {}


# -- codebook versions ---------------------------------------------------------------------------
def definition_of(codebook: Any) -> dict[str, Any]:
    """The canonical mapping stored for a Codebook (items and themes; no version number)."""
    themes = []
    for t in codebook.themes:
        entry: dict[str, Any] = {"code": t.code}
        for field in THEME_FIELDS:
            value = {k: v for k, v in dict(getattr(t, field, None) or {}).items() if v}
            if value or field == "label":
                entry[field] = value
        entry["signals"] = list(t.signals)
        entry["negative"] = list(getattr(t, "negative", ()) or ())
        entry["examples"] = list(getattr(t, "examples", ()) or ())
        themes.append(entry)
    return {"items": list(codebook.items), "themes": themes}


def store_codebook(
    definition: dict[str, Any],
    source: str,
    note: str | None = None,
    user: User | None = None,
    carry_over: bool = True,
    declared: int | None = None,
) -> tuple[CodebookVersion, bool]:
    """Store ``definition`` as a new version unless identical content exists (created flag).

    ``declared`` is the version a codebook file names (``version: 3``): the stored version takes
    that number when it is free, so the app, the files and ``python -m evaluation code`` agree.

    With ``carry_over`` the coders' decisions and resolutions on the previous current version
    are copied to the new one for every theme that still exists, so editing a definition does
    not throw away coding already done.
    """
    digest = content_hash(definition)
    existing = db.session.scalar(
        sa.select(CodebookVersion).where(CodebookVersion.content_hash == digest)
    )
    if existing is not None:
        return existing, False
    previous = latest_version()
    last = db.session.scalar(sa.select(sa.func.max(CodebookVersion.version_no))) or 0
    version = CodebookVersion(
        version_no=max(last + 1, declared or 0),
        content_hash=digest,
        definition=definition,
        source=source[:255],
        note=note or None,
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(version)
    db.session.flush()
    if previous is not None and carry_over:
        _carry_over(previous, version)
    record(
        "coding.codebook_version",
        target=version,
        user=user,
        after={"version_no": version.version_no, "source": source, "themes": version.theme_codes},
    )
    return version, True


def _carry_over(old: CodebookVersion, new: CodebookVersion) -> None:
    kept = set(old.theme_codes) & set(new.theme_codes)
    if not kept:
        return
    for model, cols in (
        (
            CodingDecision,
            (
                "answer_id",
                "coder_id",
                "theme_code",
                "applied",
                "source",
                "created_at",
                "updated_at",
            ),
        ),
        (CodingResolution, ("answer_id", "theme_code", "applied", "resolver_id", "updated_at")),
    ):
        src = [getattr(model, c) for c in cols]
        select = sa.select(*src, sa.literal(new.id)).where(
            model.codebook_version_id == old.id, model.theme_code.in_(sorted(kept))
        )
        db.session.execute(sa.insert(model).from_select([*cols, "codebook_version_id"], select))


def latest_version() -> CodebookVersion | None:
    """The newest stored codebook version, or None."""
    return db.session.scalar(
        sa.select(CodebookVersion).order_by(CodebookVersion.version_no.desc()).limit(1)
    )


def shipped_definition() -> dict[str, Any]:
    """The definition of the shipped ``questionnaires/codebook.yaml`` (read again when the file changes)."""
    stamp = DEFAULT_CODEBOOK.stat().st_mtime
    if _SHIPPED.get("stamp") != stamp:
        shipped = load_codebook(DEFAULT_CODEBOOK)
        _SHIPPED.update(stamp=stamp, definition=definition_of(shipped), version=shipped.version)
    return _SHIPPED["definition"]


def current_version() -> CodebookVersion:
    """The codebook coders work with: the newest version.

    The shipped YAML is stored on first use under the number it declares (``version: 3``), so
    the app, the file and ``python -m evaluation code`` name the same version. When the newest version is
    the shipped file as it was (nobody edited or imported a codebook since) and the shipped
    file has changed, e.g. codebook v2 -> v3, the new file is stored as a new version beside
    the old one, and the coders' decisions carry over.
    """
    version = latest_version()
    if version is None or (
        version.source == DEFAULT_CODEBOOK.name
        and version.content_hash != content_hash(shipped_definition())
    ):
        stored, created = store_codebook(
            shipped_definition(),
            source=DEFAULT_CODEBOOK.name,
            note=None if version is None else "shipped codebook updated",
            declared=_SHIPPED.get("version"),
        )
        if created or version is None:
            version = stored
    return version


def coder_for(version: CodebookVersion) -> Any:
    """The auto-coder for ``version``: its newest learned model when one exists, else the dictionary."""
    from .coding_model import current_model

    model = current_model(version)
    return model if model is not None else dictionary_for(version)


def dictionary_for(version: CodebookVersion) -> DictionaryCoder:
    """The dictionary auto-coder for ``version`` (built once per content hash)."""
    coder = _CODERS.get(version.content_hash)
    if coder is None:
        if len(_CODERS) > 16:
            _CODERS.clear()
        coder = _CODERS[version.content_hash] = DictionaryCoder(version.codebook)
    return coder


# -- answers and suggestions ---------------------------------------------------------------------
def answers_select(
    version: CodebookVersion,
    wave_ids: Iterable[int] | None = None,
    roles: Iterable[str] | None = None,
) -> sa.Select:
    """Free-text answers coded with ``version``: answer_id, text, panel_id, role, fylke, wave, item."""
    query = (
        sa.select(
            Answer.id.label("answer_id"),
            Answer.value_text.label("text"),
            Person.panel_id.label("respondent_id"),
            Person.role.label("role"),
            Person.fylke.label("fylke"),
            Wave.year.label("wave"),
            Wave.id.label("wave_id"),
            Answer.item_code.label("item"),
        )
        .join(Response, Answer.response_id == Response.id)
        .join(Person, Response.person_id == Person.id)
        .join(Wave, Response.wave_id == Wave.id)
        .where(
            Answer.item_code.in_(list(version.definition.get("items") or [])),
            Answer.value_text.is_not(None),
            sa.func.trim(Answer.value_text) != "",
            Response.status.in_(CODED_STATUSES),
        )
    )
    if wave_ids:
        query = query.where(Wave.id.in_(list(wave_ids)))
    if roles:
        query = query.where(Person.role.in_(list(roles)))
    return query


def text_hash(text: str | None) -> str:
    """SHA-1 of an answer text (to notice a text that changed after it was coded)."""
    return hashlib.sha1((text or "").encode("utf-8")).hexdigest()


def _suggestion_row(
    coder: Any,
    version: CodebookVersion,
    answer_id: int,
    text: str,
    coded: CodedAnswer | None = None,
) -> dict:
    coded = coded if coded is not None else coder.code(text)
    return {
        "answer_id": answer_id,
        "codebook_version_id": version.id,
        "confidence": coded.confidence,
        "needs_review": coded.needs_review,
        "reason": coded.reason[:200] or None,
        "themes": coded.themes,
        "suggestions": [
            {
                "theme": s.theme,
                "confidence": s.confidence,
                "assigned": s.assigned,
                "evidence": [[e.start, e.end, e.word, e.signal, e.weak] for e in s.evidence],
                "ngrams": list(s.ngrams),
            }
            for s in coded.suggestions
        ],
        "text_hash": text_hash(text),
    }


def ensure_suggestions(version: CodebookVersion, wave_ids: Iterable[int] | None = None) -> int:
    """Compute and store the auto-coder's suggestions for answers that have none yet; returns how many."""
    sub = answers_select(version, wave_ids).subquery()
    missing = db.session.execute(
        sa.select(sub.c.answer_id, sub.c.text)
        .outerjoin(
            CodingSuggestion,
            sa.and_(
                CodingSuggestion.answer_id == sub.c.answer_id,
                CodingSuggestion.codebook_version_id == version.id,
            ),
        )
        .where(CodingSuggestion.id.is_(None))
    ).all()
    if not missing:
        return 0
    coder = coder_for(version)
    coded = coder.code_many([t for _a, t in missing])
    rows = [
        _suggestion_row(coder, version, a, t, c) for (a, t), c in zip(missing, coded, strict=True)
    ]
    try:
        with db.session.begin_nested():
            for start in range(0, len(rows), 1000):
                db.session.execute(sa.insert(CodingSuggestion), rows[start : start + 1000])
    except IntegrityError:  # another request stored them first
        return 0
    return len(rows)


def refresh_suggestions(version: CodebookVersion) -> int:
    """Recompute every stored suggestion of ``version`` with its current auto-coder; returns how many.

    Run after a new learned model is stored, so the queue order and the pre-ticked themes
    follow the new model. Coders' decisions are kept as they are.
    """
    db.session.execute(
        sa.delete(CodingSuggestion).where(CodingSuggestion.codebook_version_id == version.id)
    )
    db.session.flush()
    return ensure_suggestions(version)


def suggestion_for(version: CodebookVersion, answer: Answer) -> CodingSuggestion:
    """The stored suggestion for one answer, (re)computed when missing or when the text changed."""
    row = db.session.scalar(
        sa.select(CodingSuggestion).where(
            CodingSuggestion.answer_id == answer.id,
            CodingSuggestion.codebook_version_id == version.id,
        )
    )
    if row is not None and row.text_hash == text_hash(answer.value_text):
        return row
    values = _suggestion_row(coder_for(version), version, answer.id, answer.value_text or "")
    if row is None:
        row = CodingSuggestion(**values)
        db.session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    db.session.flush()
    return row


# -- coders' decisions ---------------------------------------------------------------------------
def decisions_of(
    version: CodebookVersion, coder_id: int, answer_id: int
) -> dict[str, CodingDecision]:
    """A coder's decisions on one answer, by theme code."""
    rows = db.session.scalars(
        sa.select(CodingDecision).where(
            CodingDecision.codebook_version_id == version.id,
            CodingDecision.coder_id == coder_id,
            CodingDecision.answer_id == answer_id,
        )
    )
    return {r.theme_code: r for r in rows}


def save_decisions(
    version: CodebookVersion,
    answer: Answer,
    coder: User,
    applied: Iterable[str],
    memo: str | None = None,
) -> dict[str, str]:
    """Record one coder's codes for an answer: every theme gets applied or not; returns theme -> source.

    Raises ValueError naming any code that is not a theme of ``version``.
    """
    themes = version.theme_codes
    applied = set(applied)
    unknown = sorted(applied - set(themes))
    if unknown:
        raise ValueError(f"not themes of codebook v{version.version_no}: {', '.join(unknown)}")
    suggested = set(suggestion_for(version, answer).themes)
    existing = decisions_of(version, coder.id, answer.id)
    sources = {}
    for code in themes:
        on = code in applied
        source = (
            ("accepted" if on else "rejected")
            if code in suggested
            else ("added" if on else "absent")
        )
        sources[code] = source
        row = existing.get(code)
        if row is None:
            db.session.add(
                CodingDecision(
                    answer_id=answer.id,
                    coder_id=coder.id,
                    codebook_version_id=version.id,
                    theme_code=code,
                    applied=on,
                    source=source,
                )
            )
        elif row.applied != on or row.source != source:
            row.applied, row.source = on, source
    save_memo(answer, coder, memo)
    before = {c: r.applied for c, r in existing.items()}
    after = {c: c in applied for c in themes}
    if before != after:
        record(
            "coding.decide",
            target=answer,
            user=coder,
            before={"themes": sorted(c for c, on in before.items() if on)} if existing else None,
            after={"themes": sorted(applied), "codebook_version": version.version_no},
        )
    return sources


def save_memo(answer: Answer, coder: User, text: str | None) -> None:
    """Store, change or (when empty) delete a coder's memo on an answer."""
    if text is None:
        return
    text = text.strip()
    memo = db.session.scalar(
        sa.select(CodingMemo).where(
            CodingMemo.answer_id == answer.id, CodingMemo.coder_id == coder.id
        )
    )
    if not text:
        if memo is not None:
            db.session.delete(memo)
    elif memo is None:
        db.session.add(CodingMemo(answer_id=answer.id, coder_id=coder.id, text=text))
    elif memo.text != text:
        memo.text = text


def bulk_accept(
    version: CodebookVersion,
    coder: User,
    min_confidence: float,
    wave_ids: Iterable[int] | None = None,
    roles: Iterable[str] | None = None,
) -> int:
    """Accept the auto-coder's codes for confident answers nobody has coded; returns how many answers."""
    ensure_suggestions(version, wave_ids)
    sub = answers_select(version, wave_ids, roles).subquery()
    coded = sa.select(CodingDecision.answer_id).where(
        CodingDecision.codebook_version_id == version.id
    )
    rows = db.session.execute(
        sa.select(CodingSuggestion.answer_id, CodingSuggestion.themes)
        .join(sub, sub.c.answer_id == CodingSuggestion.answer_id)
        .where(
            CodingSuggestion.codebook_version_id == version.id,
            CodingSuggestion.needs_review.is_(False),
            CodingSuggestion.confidence >= min_confidence,
            CodingSuggestion.answer_id.not_in(coded),
        )
    ).all()
    values = [
        {
            "answer_id": a,
            "coder_id": coder.id,
            "codebook_version_id": version.id,
            "theme_code": t,
            "applied": t in set(themes),
            "source": "bulk",
        }
        for a, themes in rows
        for t in version.theme_codes
    ]
    for start in range(0, len(values), 2000):
        db.session.execute(sa.insert(CodingDecision), values[start : start + 2000])
    record(
        "coding.bulk_accept",
        target=version,
        user=coder,
        after={
            "answers": len(rows),
            "min_confidence": min_confidence,
            "wave_ids": sorted(wave_ids) if wave_ids else None,
            "roles": sorted(roles) if roles else None,
        },
    )
    return len(rows)


def resolve(
    version: CodebookVersion, answer: Answer, resolver: User, applied: Iterable[str]
) -> None:
    """Set the final codes of a double-coded answer (every theme applied or not)."""
    applied = set(applied)
    unknown = sorted(applied - set(version.theme_codes))
    if unknown:
        raise ValueError(f"not themes of codebook v{version.version_no}: {', '.join(unknown)}")
    existing = {
        r.theme_code: r
        for r in db.session.scalars(
            sa.select(CodingResolution).where(
                CodingResolution.answer_id == answer.id,
                CodingResolution.codebook_version_id == version.id,
            )
        )
    }
    for code in version.theme_codes:
        row = existing.get(code)
        if row is None:
            db.session.add(
                CodingResolution(
                    answer_id=answer.id,
                    codebook_version_id=version.id,
                    theme_code=code,
                    applied=code in applied,
                    resolver_id=resolver.id,
                )
            )
        else:
            row.applied, row.resolver_id = code in applied, resolver.id
    record(
        "coding.resolve",
        target=answer,
        user=resolver,
        after={"themes": sorted(applied), "codebook_version": version.version_no},
    )


# -- final codes ---------------------------------------------------------------------------------
def coded_answers(
    version: CodebookVersion | None = None, wave_ids: Iterable[int] | None = None
) -> pd.DataFrame:
    """Every free-text answer with its text, one 0/1 column per theme code, and ``coded_by``.

    Per theme: a resolver's code; else the code all human coders agree on; else (no human
    code, or an unresolved disagreement) the auto-coder's.
    """
    version = version or current_version()
    ensure_suggestions(version, wave_ids)
    themes = version.theme_codes
    frame = pd.DataFrame(
        db.session.execute(answers_select(version, wave_ids).order_by(Answer.id)).mappings().all(),
        columns=["answer_id", "text", "respondent_id", "role", "fylke", "wave", "wave_id", "item"],
    )
    ids = sa.select(answers_select(version, wave_ids).subquery().c.answer_id)
    auto = dict(
        db.session.execute(
            sa.select(CodingSuggestion.answer_id, CodingSuggestion.themes).where(
                CodingSuggestion.codebook_version_id == version.id,
                CodingSuggestion.answer_id.in_(ids),
            )
        ).all()
    )
    human: dict[int, dict[int, dict[str, bool]]] = {}
    for a, c, t, on in db.session.execute(
        sa.select(
            CodingDecision.answer_id,
            CodingDecision.coder_id,
            CodingDecision.theme_code,
            CodingDecision.applied,
        ).where(CodingDecision.codebook_version_id == version.id, CodingDecision.answer_id.in_(ids))
    ):
        human.setdefault(a, {}).setdefault(c, {})[t] = bool(on)
    resolved: dict[int, dict[str, bool]] = {}
    for a, t, on in db.session.execute(
        sa.select(
            CodingResolution.answer_id, CodingResolution.theme_code, CodingResolution.applied
        ).where(
            CodingResolution.codebook_version_id == version.id, CodingResolution.answer_id.in_(ids)
        )
    ):
        resolved.setdefault(a, {})[t] = bool(on)
    codes = {t: [] for t in themes}
    coded_by = []
    for answer_id in frame["answer_id"]:
        auto_on = set(auto.get(answer_id) or ())
        coders = list(human.get(answer_id, {}).values())
        res = resolved.get(answer_id, {})
        coded_by.append("human" if coders or res else "auto")
        for t in themes:
            votes = {c.get(t, False) for c in coders}
            if t in res:
                value = res[t]
            elif len(votes) == 1:
                value = votes.pop()
            else:
                value = t in auto_on
            codes[t].append(int(value))
    for t in themes:
        frame[t] = pd.Series(codes[t], index=frame.index, dtype="int64")
    frame["coded_by"] = coded_by
    return frame


def final_codes(wave_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Final theme codes per free-text answer, for exports and the report.

    Columns: ``answer_id``, ``respondent_id`` (panel_id), ``wave`` (year), ``role``, ``item``,
    one 0/1 column ``theme_<code>`` per theme of the current codebook, and ``coded_by``
    ('human' where any researcher coded or resolved the answer, else 'auto').
    """
    version = current_version()
    frame = coded_answers(version, wave_ids)
    out = frame[["answer_id", "respondent_id", "wave", "role", "item"]].copy()
    for t in version.theme_codes:
        out[f"theme_{t}"] = frame[t]
    out["coded_by"] = frame["coded_by"]
    return out.reset_index(drop=True)
