"""Figures (plotnine): trends with CI, diverging Likert bars, response counts, reliability."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "trend_plot",
    "likert_plot",
    "likert_shares",
    "response_plot",
    "reliability_plot",
    "save_figure",
]

_ROLE_COLOURS = ["#1b6ca8", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#7f8c8d"]


def _p9() -> Any:
    import plotnine as p9

    return p9


def _labels(scales: Sequence[Any] | None, lang: str = "nb") -> dict[str, str]:
    return {s.code: (s.label.get(lang) or s.label.get("nb") or s.code) for s in scales or []}


def trend_plot(summary: pd.DataFrame, scales: Sequence[Any] | None = None, lang: str = "nb") -> Any:
    """Mean per wave with 95 % CI, one line per role, one panel per scale.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`evaluation.describe_waves` (``scale, role, wave, mean, ci_low,
        ci_high``).
    scales : sequence of Scale, optional
        For panel titles (labels in ``lang``).
    """
    p9 = _p9()
    d = summary.copy()
    names = _labels(scales, lang)
    d["scale"] = pd.Categorical(
        d["scale"].astype(str).map(lambda c: names.get(c, c)),
        categories=list(dict.fromkeys(names.get(str(c), str(c)) for c in d["scale"])),
    )
    d["role"] = d["role"].astype(str)
    # Dodging by hand on a numeric axis: plotnine's position_dodge and pointrange work group
    # by group and were most of the drawing time.
    roles = sorted(d["role"].unique())
    waves = sorted(d["wave"].unique())
    step = 0.35 * (min(np.diff(waves)) if len(waves) > 1 else 1) / max(len(roles), 1)
    offset = {r: (i - (len(roles) - 1) / 2) * step for i, r in enumerate(roles)}
    d["x"] = d["wave"] + d["role"].map(offset)
    # A scale whose definition changed between waves gets a break in its line.
    d["series"] = d["role"] + "/" + (d["definition"].astype(str) if "definition" in d else "")
    return (
        p9.ggplot(d, p9.aes("x", "mean", colour="role"))
        + p9.geom_line(p9.aes(group="series"))
        + p9.geom_segment(p9.aes(xend="x", y="ci_low", yend="ci_high"))
        + p9.geom_point(size=1.6)
        + p9.facet_wrap("~scale")
        + p9.scale_x_continuous(breaks=waves)
        + p9.scale_colour_manual(values=_ROLE_COLOURS)
        + p9.labs(x="Bølge", y="Gjennomsnitt (95 % KI)", colour="Rolle")
        + p9.theme_bw()
        + p9.theme(figure_size=(10, 6))
    )


def likert_shares(answers: pd.DataFrame, scales: Sequence[Any]) -> pd.DataFrame:
    """Share of each answer per scale item and wave, as stored (not reverse-keyed).

    Returns ``scale, item, wave, value, n, share`` for the answered values in each scale's
    range.
    """
    rows = []
    item_scale = {i: s for s in scales for i in s.items}
    data = answers.loc[answers["value"].notna(), ["item", "wave", "value"]]
    counts = data.groupby(["item", "wave", "value"], observed=True).size().reset_index(name="n")
    for _, r in counts.iterrows():
        s = item_scale.get(str(r["item"]))
        if s is None:
            continue
        if s.range[0] <= r["value"] <= s.range[1]:
            rows.append(
                dict(
                    scale=s.code,
                    item=str(r["item"]),
                    wave=int(r["wave"]),
                    value=int(r["value"]),
                    n=int(r["n"]),
                )
            )
    out = pd.DataFrame(rows, columns=["scale", "item", "wave", "value", "n"])
    out["share"] = out["n"] / out.groupby(["item", "wave"])["n"].transform("sum")
    return out


def likert_plot(
    shares: pd.DataFrame,
    scales: Sequence[Any],
    lang: str = "nb",
    item_texts: dict[str, str] | None = None,
) -> Any:
    """Diverging stacked bars of every scale item per wave (disagreement left, agreement right).

    Parameters
    ----------
    shares : pandas.DataFrame
        Output of :func:`likert_shares`.
    scales : sequence of Scale
        Item order and ranges. The middle answer of an odd scale is split across zero.
    item_texts : dict, optional
        Question text per item code: each item's first row is labelled with its text (shortened
        to fit), the rows under it with the wave only. Without texts the codes are shown.
    """
    p9 = _p9()
    texts = item_texts or {}
    order = [i for s in scales for i in s.items]
    rects = []
    for (item, wave), g in shares.groupby(["item", "wave"], sort=False):
        s = next(sc for sc in scales if item in sc.items)
        low, high = s.range
        mid = (low + high) / 2
        g = g.set_index("value")["share"].reindex(range(low, high + 1), fill_value=0.0)
        left = -(g[g.index < mid].sum() + g.get(mid, 0.0) / 2)
        for v, share in g.items():
            rects.append(
                dict(scale=s.code, item=item, wave=wave, value=str(v), xmin=left, xmax=left + share)
            )
            left += share
    r = pd.DataFrame(rects)
    if r.empty:
        raise ValueError("likert_plot: no answers to the scale items")
    # One panel per scale, the waves of an item on adjacent rows: a third of the axes of a
    # scale × wave grid (matplotlib axes are most of plotnine's drawing time).
    waves = sorted(r["wave"].unique())
    rows = [(i, w) for i in order for w in waves if ((r["item"] == i) & (r["wave"] == w)).any()]
    scale_no = {i: k for k, s in enumerate(scales) for i in s.items}
    # Gaps between items, and wider ones between scales so no label leaks into the next panel.
    pos = {key: n + order.index(key[0]) * 0.6 + scale_no[key[0]] * 4 for n, key in enumerate(rows)}
    r["y"] = [pos[(i, w)] for i, w in zip(r["item"], r["wave"], strict=True)]
    names = _labels(scales, lang)
    r["scale"] = pd.Categorical(
        r["scale"].map(lambda c: names.get(c, c)),
        categories=list(dict.fromkeys(names.get(s.code, s.code) for s in scales)),
    )
    return (
        p9.ggplot(
            r, p9.aes(xmin="xmin", xmax="xmax", ymin="y - 0.42", ymax="y + 0.42", fill="value")
        )
        + p9.geom_rect()
        + p9.geom_vline(xintercept=0, colour="#333333", size=0.3)
        + p9.facet_grid("scale ~ .", scales="free_y", space="free_y")
        + p9.scale_y_reverse(breaks=[pos[k] for k in rows], labels=_row_labels(rows, texts))
        + p9.scale_fill_brewer(type="div", palette="RdBu", direction=1)
        + p9.labs(
            x="Andel (venstre: lav, høyre: høy; midtkategorien deles ved 0)",
            y="",
            fill="Svar",
            title="Svarfordeling per ledd og bølge",
        )
        + p9.theme_bw()
        + p9.theme(
            figure_size=(11, max(4, 0.17 * len(rows) + 2)),
            strip_text_y=p9.element_text(angle=0, size=8),
            axis_text_y=p9.element_text(size=8),
        )
    )


def _short(text: str, limit: int = 55) -> str:
    """A question text cut at a word to ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _row_labels(rows: list[tuple[str, Any]], texts: dict[str, str]) -> list[str]:
    """The item's text (or code) and wave on its first row, the wave alone under it."""
    out, previous = [], None
    for item, wave in rows:
        out.append(f"{_short(texts.get(item, item))}  {wave}" if item != previous else str(wave))
        previous = item
    return out


def response_plot(responses: pd.DataFrame, population: pd.DataFrame | None = None) -> Any:
    """Responses (or response rates, given invited counts) per fylke, role and wave.

    Parameters
    ----------
    responses : pandas.DataFrame
        One row per response (``wave, role, fylke``).
    population : pandas.DataFrame, optional
        ``wave, role, fylke, invited``: the bars then show the response rate.
    """
    p9 = _p9()
    n = responses.groupby(["wave", "role", "fylke"], observed=True).size().reset_index(name="n")
    y, ylab = "n", "Antall svar"
    if population is not None:
        pop = population.copy()
        # Same keys as the answers: year as int, text, and no fylke as "(ukjent)".
        pop["wave"] = pop["wave"].astype(int)
        pop["role"] = pop["role"].astype(str)
        pop["fylke"] = pop["fylke"].fillna("(ukjent)").astype(str)
        for col in ("role", "fylke"):
            n[col] = n[col].astype(str)
        n["wave"] = n["wave"].astype(int)
        n = n.merge(pop, on=["wave", "role", "fylke"], how="right").fillna({"n": 0})
        n["rate"] = n["n"] / n["invited"]
        y, ylab = "rate", "Svarprosent"
    n["wave"] = n["wave"].astype(str)
    n["role"] = n["role"].astype(str)
    n["fylke"] = n["fylke"].astype(str)
    plot = (
        p9.ggplot(n, p9.aes("fylke", y, fill="wave"))
        + p9.geom_col(position="dodge")
        + p9.facet_wrap("~role", nrow=1)
        + p9.coord_flip()
        + p9.labs(x="", y=ylab, fill="Bølge")
        + p9.theme_bw()
        + p9.theme(figure_size=(11, 5))
    )
    if y == "rate":
        plot += p9.scale_y_continuous(labels=lambda v: [f"{x:.0%}" for x in v])
    return plot


def reliability_plot(
    rel: pd.DataFrame, scales: Sequence[Any] | None = None, lang: str = "nb"
) -> Any:
    """Cronbach's alpha with 95 % CI per scale, role and wave; a reference line at 0.70."""
    p9 = _p9()
    d = rel.loc[rel["alpha"].notna()].copy()
    names = _labels(scales, lang)
    codes = [s.code for s in scales] if scales else sorted(d["scale"].astype(str).unique())
    codes = [c for c in codes if c in set(d["scale"].astype(str))]
    d["role"] = d["role"].astype(str)
    d["wave"] = d["wave"].astype(str)
    # Scales on a numeric y axis with the roles side by side, drawn without coord_flip and
    # position_dodge (which work group by group and cost seconds).
    roles = sorted(d["role"].unique())
    offset = {r: (i - (len(roles) - 1) / 2) * 0.7 / max(len(roles), 1) for i, r in enumerate(roles)}
    row = {c: len(codes) - k for k, c in enumerate(codes)}  # first scale on top
    d["y"] = d["scale"].astype(str).map(row) + d["role"].map(offset)
    return (
        p9.ggplot(d, p9.aes("alpha", "y", colour="role"))
        + p9.geom_vline(xintercept=0.7, linetype="dashed", colour="#777777")
        + p9.geom_segment(p9.aes(x="ci_low", xend="ci_high", yend="y"))
        + p9.geom_point(size=1.6)
        + p9.facet_wrap("~wave", nrow=1)
        + p9.scale_y_continuous(
            breaks=[row[c] for c in codes], labels=[names.get(c, c) for c in codes]
        )
        + p9.scale_colour_manual(values=_ROLE_COLOURS)
        + p9.labs(x="Cronbachs alfa (95 % KI)", y="", colour="Rolle")
        + p9.theme_bw()
        + p9.theme(figure_size=(11, 0.35 * len(codes) + 2))
    )


def save_figure(
    plot: Any, path_stem: str | Path, formats: Sequence[str] = ("png", "svg"), dpi: int = 100
) -> list[Path]:
    """Save a plotnine figure as PNG and SVG (``path_stem`` without suffix)."""
    stem = Path(path_stem)
    out = []
    fig = plot.draw()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fmt in formats:
            path = stem.with_suffix(f".{fmt}")
            fig.savefig(path, dpi=dpi, format=fmt)
            out.append(path)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return out
