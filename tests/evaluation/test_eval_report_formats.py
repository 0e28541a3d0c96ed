"""The HTML report reads as Norwegian: its time in Oslo as dd.mm.yyyy kl. hh:mm, counts with a
space between thousands, and decimal commas in its tables."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from test_eval_versions import _answers, _vs

from evaluation.pipeline import run


def test_report_time_counts_and_table_numbers_are_norwegian(tmp_path):
    answers = _answers(n=200)  # 3 waves x 200 persons x 7-8 items: over 4 000 answers
    run(answers, _vs(), tmp_path / "out", figures=False, progress=False)
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    made = re.search(r"<p>Laget (\d\d\.\d\d\.\d{4} kl\. \d\d:\d\d) ", report)
    assert made, report[:600]
    when = datetime.strptime(made.group(1), "%d.%m.%Y kl. %H:%M").replace(
        tzinfo=ZoneInfo("Europe/Oslo")
    )
    assert abs(datetime.now(ZoneInfo("Europe/Oslo")) - when) < timedelta(minutes=10)
    assert " UTC " not in report
    counts = re.search(r"Etter rensing: ([\d\u00a0 ]+) svar", report)
    assert counts and re.fullmatch(r"\d{1,3}(\u00a0\d{3})+", counts.group(1)), counts
    cells = re.findall(r"<td>([^<]*)</td>", report)
    assert any(re.fullmatch(r"−?\d+,\d+", c) for c in cells)
    assert not [c for c in cells if re.fullmatch(r"-?\d+\.\d+", c)]
