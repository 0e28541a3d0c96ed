"""The analysis library's notes reach the analysis page in the reader's language."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale

NOTE = (
    "weights are made for the 711 responses with scores: 12 marked responded in the frame have no "
    "score after cleaning, 0 with scores are marked not responded"
)


def test_analysis_notes_filter_speaks_the_readers_language(app):
    with app.test_request_context("/"):
        shown = {}
        for lang in ("nb", "nn", "en"):
            with force_locale(lang):
                shown[lang] = render_template_string(
                    "{{ notes|analysis_notes|join('; ') }}", notes=[NOTE]
                )
    assert shown["nb"].startswith("vektene er laget for de 711 besvarelsene med skåre")
    assert shown["nn"] == shown["nb"]
    assert shown["en"] == NOTE
