"""What a coder sees next: the filtered answer set, the review-first queue order and progress."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import request

from questionnaires import ROLES

from ..domain.coding import answers_select, ensure_suggestions
from ..extensions import db
from ..models import User, Wave
from ..models.coding import CodebookVersion, CodingDecision, CodingSuggestion
from ..security import MAX_INT


@dataclass(frozen=True)
class Filters:
    """The wave and role a coder narrowed the queue to (None = all)."""

    wave_id: int | None = None
    role: str | None = None

    @property
    def wave_ids(self) -> list[int] | None:
        """The wave filter as a list for the services."""
        return [self.wave_id] if self.wave_id else None

    @property
    def args(self) -> dict[str, object]:
        """Query arguments that keep the filter on links."""
        return {k: v for k, v in (("wave", self.wave_id), ("role", self.role)) if v}


def current_filters() -> Filters:
    """Filters from the query string or a submitted form."""
    wave = request.values.get("wave", type=int)
    role = request.values.get("role") or None
    if wave is not None and (not 0 < wave <= MAX_INT or db.session.get(Wave, wave) is None):
        wave = None
    return Filters(wave, role if role in ROLES else None)


def queue_ids(version: CodebookVersion, filters: Filters) -> list[int]:
    """Answer ids in review order: below the threshold first, least confident first, then by id."""
    ensure_suggestions(version, filters.wave_ids)
    sub = answers_select(
        version, filters.wave_ids, [filters.role] if filters.role else None
    ).subquery()
    rows = (
        db.session.execute(
            sa.select(sub.c.answer_id)
            .join(
                CodingSuggestion,
                sa.and_(
                    CodingSuggestion.answer_id == sub.c.answer_id,
                    CodingSuggestion.codebook_version_id == version.id,
                ),
            )
            .order_by(
                CodingSuggestion.needs_review.desc(), CodingSuggestion.confidence, sub.c.answer_id
            )
        )
        .scalars()
        .all()
    )
    return list(rows)


def coded_by(
    version: CodebookVersion, coder_id: int, answer_ids: list[int] | None = None
) -> set[int]:
    """Ids of the answers ``coder_id`` has coded under ``version``."""
    query = (
        sa.select(CodingDecision.answer_id)
        .distinct()
        .where(
            CodingDecision.codebook_version_id == version.id, CodingDecision.coder_id == coder_id
        )
    )
    found = set(db.session.scalars(query))
    return found if answer_ids is None else found & set(answer_ids)


def next_uncoded(order: list[int], done: set[int], after: int | None = None) -> int | None:
    """The first answer in ``order`` not in ``done``, looking after ``after`` first and then wrapping."""
    start = order.index(after) + 1 if after in order else 0
    for answer_id in order[start:] + order[:start]:
        if answer_id not in done and answer_id != after:
            return answer_id
    return None


def neighbours(order: list[int], answer_id: int) -> tuple[int | None, int | None]:
    """The previous and next answer in queue order."""
    if answer_id not in order:
        return None, order[0] if order else None
    i = order.index(answer_id)
    return (order[i - 1] if i > 0 else None), (order[i + 1] if i + 1 < len(order) else None)


def progress(version: CodebookVersion, order: list[int]) -> list[dict]:
    """Per coder: answers coded by hand, bulk-accepted, and of how many."""
    ids = set(order)
    rows = db.session.execute(
        sa.select(
            CodingDecision.coder_id,
            CodingDecision.answer_id,
            sa.func.max(sa.case((CodingDecision.source == "bulk", 0), else_=1)),
        )
        .where(CodingDecision.codebook_version_id == version.id)
        .group_by(CodingDecision.coder_id, CodingDecision.answer_id)
    ).all()
    per: dict[int, dict[str, int]] = {}
    for coder_id, answer_id, manual in rows:
        if answer_id not in ids:
            continue
        entry = per.setdefault(coder_id, {"manual": 0, "bulk": 0})
        entry["manual" if manual else "bulk"] += 1
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(list(per))))}
    return [
        {
            "coder": users[c],
            "manual": v["manual"],
            "bulk": v["bulk"],
            "coded": v["manual"] + v["bulk"],
            "total": len(order),
        }
        for c, v in sorted(per.items(), key=lambda kv: users[kv[0]].name)
    ]


def review_counts(version: CodebookVersion, order: list[int]) -> dict[str, int]:
    """How many answers in ``order`` the auto-coder sends to humans first."""
    if not order:
        return {"review": 0, "confident": 0}
    ids = set(order)
    flags = db.session.execute(
        sa.select(CodingSuggestion.answer_id, CodingSuggestion.needs_review).where(
            CodingSuggestion.codebook_version_id == version.id
        )
    ).all()
    review = sum(1 for a, f in flags if a in ids and f)
    return {"review": review, "confident": len(order) - review}


def waves_with_text(version: CodebookVersion) -> list[Wave]:
    """Waves that have any free-text answer to code."""
    sub = answers_select(version).subquery()
    ids = db.session.scalars(sa.select(sub.c.wave_id).distinct())
    return list(
        db.session.scalars(sa.select(Wave).where(Wave.id.in_(list(ids))).order_by(Wave.year))
    )
