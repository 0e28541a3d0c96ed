"""Figures of coded free-text answers (plotnine)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from plotnine import (
    aes,
    coord_flip,
    element_text,
    facet_wrap,
    geom_col,
    ggplot,
    labs,
    position_dodge,
    scale_fill_brewer,
    scale_y_continuous,
    theme,
    theme_minimal,
)

from .codebook import theme_label

__all__ = ["plot_theme_shares"]

_TITLES = {
    "nb": ("Suksesskriterier og gode grep", "Andel av dem som skrev noe", "Bølge", "Tema"),
    "nn": ("Suksesskriterium og gode grep", "Del av dei som skreiv noko", "Bølgje", "Tema"),
    "en": (
        "Success criteria and good practices",
        "Share of those who wrote anything",
        "Wave",
        "Theme",
    ),
}


def plot_theme_shares(
    freq: pd.DataFrame,
    codebook: Any = None,
    lang: str = "nb",
    facet: str | None = "role",
    fill: str | None = "wave",
) -> Any:
    """Bar chart of each theme's share of answering respondents, by wave, one panel per role.

    Parameters
    ----------
    freq : DataFrame
        Output of :func:`evaluation.coding.tables.theme_frequencies` (``theme``, ``share`` and
        the grouping columns).
    codebook : Codebook, optional
        Gives the theme labels in ``lang``; without it the codes are shown.
    lang : {"nb", "nn", "en"}
    facet, fill : str or None
        Grouping columns for panels and bar colour; None to leave out.

    Returns
    -------
    plotnine.ggplot
        Save with ``fig.save("temaer.png", width=9, height=6, dpi=150)``.
    """
    for col in ("theme", "share", *(c for c in (facet, fill) if c)):
        if col not in freq.columns:
            raise KeyError(f"the frequency table has no column {col!r}")
    data = freq.copy()
    order = list(dict.fromkeys(data["theme"]))
    if codebook is not None:
        labels = {t.code: theme_label(t, lang) for t in codebook.themes}
        order = [labels.get(t, t) for t in order]
        data["theme"] = data["theme"].map(lambda t: labels.get(t, t))
    # Reversed so the first theme is at the top once the axes are flipped.
    data["theme"] = pd.Categorical(data["theme"], categories=list(reversed(order)), ordered=True)
    data["share"] = data["share"].fillna(0.0)
    title, ylab, fill_lab, xlab = _TITLES.get(lang, _TITLES["nb"])
    mapping = (
        aes(x="theme", y="share", fill=f"factor({fill})") if fill else aes(x="theme", y="share")
    )
    fig = (
        ggplot(data, mapping)
        + geom_col(position=position_dodge(width=0.8), width=0.75)
        + coord_flip()
        + scale_y_continuous(labels=lambda v: [f"{x:.0%}" for x in v], limits=(0, 1))
        + labs(title=title, x=xlab, y=ylab, fill=fill_lab)
        + theme_minimal()
        + theme(figure_size=(9, 6), legend_position="bottom", axis_text_y=element_text(size=8))
    )
    if fill:
        fig = fig + scale_fill_brewer(type="qual", palette="Set2")
    if facet:
        fig = fig + facet_wrap(facet)
    return fig
