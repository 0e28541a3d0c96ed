"""The dashboard's timeline chart keeps every date label inside the picture (the last one was cut)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from webapp.queries.dashboard import timeline_svg


def test_every_date_label_fits_inside_the_svg():
    for days in (2, 7, 30, 365, 667):
        series = [(date(2025, 2, 1) + timedelta(days=i), i, i // 2) for i in range(days)]
        svg = str(timeline_svg(series, invited=days, labels={"title": "Over tid"}))
        width = float(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
        labels = re.findall(
            r'<text x="([\d.]+)" y="[\d.]+" text-anchor="(\w+)"[^>]*>(\d\d\.\d\d\.\d{4})</text>',
            svg,
        )
        assert labels
        for x, anchor, text in labels:
            half = 0.6 * 11 * len(text) / 2  # DejaVu Sans digits at 11 px: about 6.6 px each
            right = float(x) + {"middle": half, "end": 0, "start": 2 * half}[anchor]
            assert right <= width, (days, text, x, anchor)
