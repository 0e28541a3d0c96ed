"""Theme tables: frequencies by role x wave, co-occurrence, and the plotnine figure as a PNG."""

from __future__ import annotations

import hashlib
import io

from flask import Response, abort, render_template

from evaluation.coding import cooccurrence, theme_frequencies
from evaluation.coding.plots import plot_theme_shares

from ..access import roles_required
from ..domain import coding as service
from ..extensions import db
from ..i18n import select_locale
from . import bp
from .queue import current_filters
from .screen import CODERS, theme_views

_FIGURES: dict[str, bytes] = {}


def _coded_for_filters():
    """The current codebook version, the filters and the coded answers they select.

    Coding stores any missing auto-coder suggestions, so the session is committed here.
    """
    version = service.current_version()
    filters = current_filters()
    frame = service.coded_answers(version, filters.wave_ids)
    db.session.commit()
    return version, filters, frame


def _frequencies(version, frame):
    themes = version.theme_codes
    return theme_frequencies(frame, themes, by=["role", "wave"], text_column="text")


@bp.route("/tables")
@roles_required(*CODERS)
def tables():
    """Count and share of answering respondents per theme by role and wave; which themes go together."""
    version, filters, frame = _coded_for_filters()
    themes = theme_views(version, select_locale())
    freq = _frequencies(version, frame)
    groups = list(dict.fromkeys(zip(freq["role"], freq["wave"], strict=True)))
    cells = {(r.theme, r.role, r.wave): r for r in freq.itertuples()}
    n_answered = {(r.role, r.wave): r.n_answered for r in freq.itertuples()}
    co = cooccurrence(frame, version.theme_codes)
    roles_waves = [
        (role, [w for r, w in groups if r == role]) for role in dict.fromkeys(r for r, _ in groups)
    ]
    role_starts = {i for i, g in enumerate(groups) if i == 0 or groups[i - 1][0] != g[0]}
    return render_template(
        "coding/tables.html",
        version=version,
        themes=themes,
        groups=groups,
        cells=cells,
        roles_waves=roles_waves,
        role_starts=role_starts,
        n_answered=n_answered,
        co=co,
        n=len(frame),
        filters=filters,
        human=int((frame["coded_by"] == "human").sum()) if len(frame) else 0,
    )


@bp.route("/tables/figure.png")
@roles_required(*CODERS)
def figure():
    """Each theme's share of answering respondents by wave, one panel per role (plotnine)."""
    version, _, frame = _coded_for_filters()
    if frame.empty:
        abort(404, description="no free-text answers to show yet")
    freq = _frequencies(version, frame)
    lang = select_locale()
    key = hashlib.sha256((version.content_hash + lang + freq.to_csv()).encode()).hexdigest()
    png = _FIGURES.get(key)
    if png is None:
        fig = plot_theme_shares(freq, version.codebook, lang=lang)
        buffer = io.BytesIO()
        fig.save(buffer, format="png", width=10, height=7, dpi=110, verbose=False)
        png = buffer.getvalue()
        if len(_FIGURES) > 16:
            _FIGURES.clear()
        _FIGURES[key] = png
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=60"})
