"""One small figure per scale for the report: mean per wave and role with 95 % intervals, as SVG.

Inline SVG prints sharp at any size and needs no figure files; each figure comes with a table of
the same cells (mean and n), so the numbers behind every point can be read.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

from .report_text import number, role_name

__all__ = ["scale_figure", "scale_figures"]

_PLAIN = {"scale", "role", "wave", "n", "mean", "sd", "se", "ci_low", "ci_high", "definition"}
COLOURS = ("#0062ba", "#c0392b", "#1e8449", "#7d3c98", "#b9770e", "#2e4053")
_WORDS = {
    "nb": {
        "caption": "{name}: gjennomsnitt per bølge og rolle med 95 % konfidensintervall",
        "mean": "Gjennomsnitt",
        "wave": "Bølge",
        "cell": "{mean} (n = {n})",
    },
    "en": {
        "caption": "{name}: mean per wave and role with 95% confidence interval",
        "mean": "Mean",
        "wave": "Wave",
        "cell": "{mean} (n = {n})",
    },
}


def scale_figure(rows: pd.DataFrame, name: str, lang: str = "nb") -> str:
    """An SVG line chart of one scale: x the waves, one line per role, vertical bars the intervals."""
    words = _WORDS["en" if lang == "en" else "nb"]
    waves = sorted(int(w) for w in rows["wave"].unique())
    roles = list(dict.fromkeys(rows["role"].astype(str)))
    width, height, left, right, top, bottom = 640, 300, 56, 170, 18, 42
    lows = rows["ci_low"].to_numpy(dtype=float)
    highs = rows["ci_high"].to_numpy(dtype=float)
    finite = np.concatenate(
        [lows[np.isfinite(lows)], highs[np.isfinite(highs)], rows["mean"].to_numpy(dtype=float)]
    )
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return ""
    y0, y1 = math.floor(finite.min() * 2) / 2, math.ceil(finite.max() * 2) / 2
    if y1 - y0 < 1:
        y0, y1 = y0 - 0.5, y1 + 0.5
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(w: int) -> float:
        return left + (plot_w * (waves.index(w) + 0.5) / len(waves))

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - y0) / (y1 - y0))

    title = words["caption"].format(name=name)
    parts = [
        f'<svg class="scale-figure" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{html.escape(title)}</title>'
    ]
    steps = int(round((y1 - y0) / 0.5))
    for i in range(steps + 1):
        v = y0 + i * 0.5
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e3e6ea"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="12" fill="#444">'
            f"{number(v, 1, lang)}</text>"
        )
    for w in waves:
        parts.append(
            f'<text x="{x(w):.1f}" y="{height - bottom + 18}" text-anchor="middle" font-size="13" '
            f'fill="#222">{w}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" font-size="12" '
        f'fill="#444">{words["wave"]}</text>'
    )
    parts.append(
        f'<text transform="translate(14 {top + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle" '
        f'font-size="12" fill="#444">{words["mean"]}</text>'
    )
    for k, role in enumerate(roles):
        colour = COLOURS[k % len(COLOURS)]
        sub = rows.loc[rows["role"].astype(str) == role].sort_values("wave")
        offset = (
            k - (len(roles) - 1) / 2
        ) * 6  # roles side by side, so intervals do not hide each other
        points = []
        for r in sub.itertuples(index=False):
            if not np.isfinite(r.mean):
                continue
            cx = x(int(r.wave)) + offset
            points.append(f"{cx:.1f},{y(r.mean):.1f}")
            if np.isfinite(r.ci_low) and np.isfinite(r.ci_high):
                parts.append(
                    f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(r.ci_low):.1f}" y2="{y(r.ci_high):.1f}" '
                    f'stroke="{colour}" stroke-width="2"/>'
                )
            parts.append(f'<circle cx="{cx:.1f}" cy="{y(r.mean):.1f}" r="4" fill="{colour}"/>')
        if len(points) > 1:
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        ly = top + 14 + 20 * k
        parts.append(
            f'<line x1="{width - right + 14}" x2="{width - right + 38}" y1="{ly - 4}" y2="{ly - 4}" '
            f'stroke="{colour}" stroke-width="3"/><text x="{width - right + 44}" y="{ly}" font-size="13" '
            f'fill="#222">{html.escape(role_name(role, lang))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _cells(rows: pd.DataFrame, lang: str) -> str:
    """Mean and n per role and wave: the numbers behind the figure."""
    words = _WORDS["en" if lang == "en" else "nb"]
    waves = sorted(int(w) for w in rows["wave"].unique())
    head = "".join(f"<th>{w}</th>" for w in waves)
    body = []
    for role in dict.fromkeys(rows["role"].astype(str)):
        sub = rows.loc[rows["role"].astype(str) == role].set_index("wave")
        cells = []
        for w in waves:
            if w in sub.index:
                r = sub.loc[w]
                cells.append(
                    f"<td>{words['cell'].format(mean=number(float(r['mean']), 2, lang), n=int(r['n']))}</td>"
                )
            else:
                cells.append("<td>–</td>")
        body.append(
            f'<tr><th class="t">{html.escape(role_name(role, lang))}</th>{"".join(cells)}</tr>'
        )
    corner = "Rolle" if lang != "en" else "Role"
    return (
        f'<div class="tbl"><table><thead><tr><th class="t">{corner}</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def scale_figures(
    waves_table: pd.DataFrame, order: list[str], labels: dict[str, str], lang: str = "nb"
) -> str:
    """A figure and its table of cells for every scale in ``order`` (scales without rows are left out)."""
    if waves_table is None or waves_table.empty or "role" not in waves_table:
        return ""
    if (
        set(waves_table.columns) - _PLAIN
    ):  # split further (by fylke, say): the trend figure shows it
        return ""
    words = _WORDS["en" if lang == "en" else "nb"]
    out = []
    for code in order or list(dict.fromkeys(waves_table["scale"].astype(str))):
        rows = waves_table.loc[waves_table["scale"].astype(str) == code]
        if rows.empty:
            continue
        name = labels.get(code) or code
        svg = scale_figure(rows, name, lang)
        if not svg:
            continue
        out.append(
            f'<figure class="scale-fig"><h3>{html.escape(name)}</h3>{svg}'
            f"<figcaption>{html.escape(words['caption'].format(name=name))}</figcaption></figure>"
            + _cells(rows, lang)
        )
    return "".join(out)
