"""Response rates per wave x role x fylke x kompetansenettverk, progress over time, non-responders.

The counts come from one GROUP BY query over invitations (no Python loop over invitations), so a
wave of 20 000 invitations is summarised in milliseconds; coarser groupings are sums of the
fine-grained groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import sqlalchemy as sa
from markupsafe import Markup, escape

from ..extensions import db
from ..formats import number
from ..models import Contact, Invitation, Organisation, Person, Response, Wave, utcnow

DIMENSIONS = ("role", "fylke", "network")
GROUPINGS = {
    "role": ("role",),
    "fylke": ("fylke",),
    "network": ("network",),
    "role_fylke": ("role", "fylke"),
    "all": ("role", "fylke", "network"),
}


@dataclass
class RateRow:
    """Counts for one group: invited (sent), opened, partial (started), complete, and the rate."""

    key: tuple
    invited: int = 0
    opened: int = 0
    partial: int = 0
    complete: int = 0

    @property
    def rate(self) -> float:
        """Share of invited who submitted."""
        return self.complete / self.invited if self.invited else 0.0

    def add(self, other: RateRow) -> None:
        """Add another group's counts to this one."""
        self.invited += other.invited
        self.opened += other.opened
        self.partial += other.partial
        self.complete += other.complete


def grouped_counts(wave_id: int) -> list[RateRow]:
    """One row per (role, fylke, network) with its counts: one aggregate query."""
    network = sa.orm.aliased(Organisation)
    sent = Invitation.status == "sent"
    started = Response.status.in_(("in_progress", "partial"))
    query = (
        sa.select(
            Person.role,
            Person.fylke,
            network.name,
            sa.func.sum(sa.case((sent, 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(sent, Invitation.opened_at.is_not(None)), 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(sent, started), 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(sent, Response.status == "complete"), 1), else_=0)),
        )
        .select_from(Invitation)
        .join(Person, Person.id == Invitation.person_id)
        .outerjoin(network, network.id == Person.network_id)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.wave_id == wave_id)
        .group_by(Person.role, Person.fylke, network.name)
    )
    return [
        RateRow(
            (role, fylke or "–", net or "–"), int(i or 0), int(o or 0), int(p or 0), int(c or 0)
        )
        for role, fylke, net, i, o, p, c in db.session.execute(query)
    ]


def rate_table(rows: list[RateRow], grouping: str = "role") -> tuple[list[RateRow], RateRow]:
    """Sum the fine groups into ``grouping`` (see GROUPINGS); returns rows sorted and the total."""
    dims = GROUPINGS.get(grouping, GROUPINGS["role"])
    positions = [DIMENSIONS.index(d) for d in dims]
    out: dict[tuple, RateRow] = {}
    total = RateRow(("total",))
    for row in rows:
        key = tuple(row.key[i] for i in positions)
        out.setdefault(key, RateRow(key)).add(row)
        total.add(row)
    return sorted(out.values(), key=lambda r: r.key), total


@dataclass
class Representativeness:
    """The wave's R-indicator so far, its partial indicators and the groups that pull it down."""

    r: float
    ci_low: float
    ci_high: float
    cv: float
    rate: float
    #: (variable, P_u, P_c) per variable of the propensity model
    variables: list[tuple[str, float, float]] = field(default_factory=list)
    #: (variable, category, P_u, invited, complete, rate), the most negative P_u first
    lagging: list[tuple[str, str, float, int, int, float]] = field(default_factory=list)


def representativeness(
    rows: list[RateRow],
    n_boot: int = 50,
    top: int = 6,
) -> Representativeness | None:
    """R-indicator and partial indicators (evaluation.representativeness) from the group counts.

    None until someone has answered. The result is cached on the counts, so a page reload
    without new answers costs nothing.
    """
    if sum(r.complete for r in rows) == 0 or sum(r.invited for r in rows) < 2:
        return None
    key = tuple(sorted((r.key, r.invited, r.complete) for r in rows if r.invited))
    return _representativeness(key, n_boot, top)


@lru_cache(maxsize=32)
def _representativeness(key: tuple, n_boot: int, top: int) -> Representativeness:
    import pandas as pd

    from evaluation.representativeness import representativeness_from_cells

    cells = pd.DataFrame(
        [(*k, n, c) for k, n, c in key], columns=[*DIMENSIONS, "invited", "responded"]
    )
    table = representativeness_from_cells(cells, list(DIMENSIONS), n_boot=n_boot)
    overall = table.loc[table["variable"] == ""].set_index("indicator")
    per_var = table.loc[(table["variable"] != "") & (table["category"] == "")]
    variables = [
        (
            v,
            float(g.set_index("indicator").at["P_u", "value"]),
            float(g.set_index("indicator").at["P_c", "value"]),
        )
        for v, g in per_var.groupby("variable", sort=False)
    ]
    cats = (
        table.loc[(table["indicator"] == "P_u") & (table["category"] != "") & (table["value"] < 0)]
        .sort_values("value")
        .head(top)
    )
    return Representativeness(
        r=float(overall.at["R", "value"]),
        ci_low=float(overall.at["R", "ci_low"]),
        ci_high=float(overall.at["R", "ci_high"]),
        cv=float(overall.at["CV", "value"]),
        rate=float(overall.at["rate", "value"]),
        variables=variables,
        lagging=[
            (
                c.variable,
                c.category,
                float(c.value),
                int(c.invited),
                int(c.responded),
                float(c.rate),
            )
            for c in cats.itertuples()
        ],
    )


def timeline(wave: Wave) -> list[tuple[date, int, int]]:
    """(day, opened so far, complete so far) for each day from launch to today (or closing)."""

    def per_day(column) -> dict[str, int]:
        day = sa.func.date(column)
        return {
            str(d): n
            for d, n in db.session.execute(
                sa.select(day, sa.func.count())
                .select_from(Invitation)
                .where(Invitation.wave_id == wave.id, column.is_not(None))
                .group_by(day)
            )
        }

    opened, complete = per_day(Invitation.opened_at), per_day(Invitation.submitted_at)
    days = sorted(set(opened) | set(complete))
    start = (
        wave.opens_at.date() if wave.opens_at else (date.fromisoformat(days[0]) if days else None)
    )
    if start is None:
        return []
    end = utcnow().date()
    if wave.status == "closed" and wave.closes_at is not None:
        end = min(end, wave.closes_at.date())
    if days:
        end = max(end, date.fromisoformat(days[-1]))
        start = min(start, date.fromisoformat(days[0]))
    series, o_sum, c_sum = [], 0, 0
    day = start
    while day <= end:
        key = day.isoformat()
        o_sum += opened.get(key, 0)
        c_sum += complete.get(key, 0)
        series.append((day, o_sum, c_sum))
        day += timedelta(days=1)
    return series


def timeline_svg(
    series: list[tuple[date, int, int]], invited: int, labels: dict[str, str]
) -> Markup:
    """An inline SVG line chart of the cumulative opened and complete counts (no script)."""
    width, height, left, bottom, top, right = 720, 260, 48, 32, 16, 16
    plot_w, plot_h = width - left - right, height - top - bottom
    ymax = max([invited] + [max(o, c) for _, o, c in series] + [1])
    n = max(len(series) - 1, 1)

    def xy(i: int, v: int) -> str:
        return f"{left + plot_w * i / n:.1f},{top + plot_h * (1 - v / ymax):.1f}"

    parts = [
        f'<svg class="timeline" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="timeline-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="timeline-title">{escape(labels["title"])}</title>',
    ]
    for frac in (0, 0.25, 0.5, 0.75, 1):
        y = top + plot_h * (1 - frac)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde3ea"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#55606e">{number(round(ymax * frac))}</text>'
        )
    if series:
        step = max(1, len(series) // 6)
        for i in range(0, len(series), step):
            x = left + plot_w * i / n
            # a date is about 66 px wide at 11 px: one near the right edge ends there, not past it
            anchor = "end" if x + 36 > width else "middle"
            parts.append(
                f'<text x="{x:.1f}" y="{height - 10}" text-anchor="{anchor}" font-size="11" '
                f'fill="#55606e">{series[i][0]:%d.%m.%Y}</text>'
            )
        for idx, colour in ((1, "#8aa4c2"), (2, "#0062ba")):
            points = " ".join(xy(i, row[idx]) for i, row in enumerate(series))
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
            )
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#68707c"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def non_responders(wave_id: int, limit: int = 500, offset: int = 0) -> list[tuple]:
    """Sent invitations without a complete response: person, contact, response status, reminders."""
    return list(
        db.session.execute(
            sa.select(Invitation, Person, Contact, Organisation, Response.status)
            .join(Person, Person.id == Invitation.person_id)
            .outerjoin(Contact, Contact.person_id == Person.id)
            .outerjoin(Organisation, Organisation.id == Person.organisation_id)
            .outerjoin(Response, Response.invitation_id == Invitation.id)
            .where(
                Invitation.wave_id == wave_id,
                Invitation.status == "sent",
                sa.or_(Response.id.is_(None), Response.status != "complete"),
            )
            .order_by(Person.role, Person.fylke, Contact.name)
            .limit(limit)
            .offset(offset)
        ).all()
    )


def non_responder_count(wave_id: int) -> int:
    """How many sent invitations have no complete response."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Invitation)
            .outerjoin(Response, Response.invitation_id == Invitation.id)
            .where(
                Invitation.wave_id == wave_id,
                Invitation.status == "sent",
                sa.or_(Response.id.is_(None), Response.status != "complete"),
            )
        )
        or 0
    )
