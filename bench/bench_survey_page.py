"""Render and save of one respondent page with 15 Likert items, in-process (Flask test client).

    .venv/bin/python bench/bench_survey_page.py [--n 200]

Builds the app on a fresh migrated SQLite database in a temp folder, imports a questionnaire whose
first page is a matrix of 15 Likert rows, opens one personal link, then times GET (render) and
POST (validate + save + redirect) of that page. Prints median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONNAIRE = """
format: 1
code: bench_15
role: skoleleder
title: {nb: Benchmark}
response_scales:
  enig5:
    points: [{nb: Helt uenig}, {nb: Nokså uenig}, {nb: Verken eller}, {nb: Nokså enig}, {nb: Helt enig}]
    dont_know: {nb: Vet ikke}
pages:
  - id: femten
    title: {nb: Femten påstander}
    items:
      - code: m
        type: matrix
        scale: enig5
        required: true
        text: {nb: "Hvor enig er du?"}
        rows:
@ROWS@
  - id: slutt
    title: {nb: Slutt}
    items:
      - {code: kommentar, type: longtext, text: {nb: Kommentar}}
""".replace(
    "@ROWS@",
    "\n".join(
        f"          - {{code: p{i:02d}, text: {{nb: Påstand nummer {i}}}}}" for i in range(1, 16)
    ),
)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="iterations of each (default 200)")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.domain.questionnaires import import_file
    from webapp.extensions import db
    from webapp.infra.tokens import assign_token
    from webapp.models import Invitation, Organisation, Person, Wave, WaveQuestionnaire

    with tempfile.TemporaryDirectory() as tmp:
        qfile = Path(tmp) / "bench.yaml"
        qfile.write_text(QUESTIONNAIRE, encoding="utf-8")
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "SECRET_KEY": "bench-secret-" + "x" * 32,
            }
        )
        with app.app_context():
            import logging

            logging.getLogger("alembic").setLevel(logging.WARNING)
            upgrade(directory=str(ROOT / "migrations"))
            version, _ = import_file(qfile)
            wave = Wave(name="Bench", year=2025, status="open")
            wave.questionnaires.append(WaveQuestionnaire(role="skoleleder", version=version))
            person = Person(
                role="skoleleder", organisation=Organisation(kind="skole", name="Benchskole")
            )
            inv = Invitation(wave=wave, person=person, status="pending")
            token = assign_token(inv)
            db.session.add_all([wave, person, inv])
            db.session.commit()

        client = app.test_client()
        page_url = f"/s/{token}/side/femten"
        html = client.get(page_url).get_data(as_text=True)
        assert html.count('type="radio"') == 15 * 6, "expected 15 rows of 6 radios"
        ref = re.search(r'name="_ref" value="(\w+)"', html).group(1)
        revision = int(re.search(r'name="_revision" value="(\d+)"', html).group(1))

        for _ in range(10):  # warm-up: template compilation, form class cache, connection pool
            client.get(page_url)
        render, save, cpu_render, cpu_save = [], [], [], []
        for i in range(args.n):
            t0, c0 = time.perf_counter(), time.process_time()
            r = client.get(page_url)
            render.append((time.perf_counter() - t0) * 1000)
            cpu_render.append((time.process_time() - c0) * 1000)
            assert r.status_code == 200
            data = {f"p{k:02d}": str((i + k) % 5 + 1) for k in range(1, 16)}
            data.update(_revision=str(revision), _ref=ref, _action="save")
            t0, c0 = time.perf_counter(), time.process_time()
            r = client.post(page_url, data=data)
            save.append((time.perf_counter() - t0) * 1000)
            cpu_save.append((time.process_time() - c0) * 1000)
            assert r.status_code == 303, r.status_code
            revision += 1
        with app.app_context():
            db.engine.dispose()

    print(f"respondent page, 15 Likert items, {args.n} iterations, in-process, SQLite")
    print(f"  load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    for label, (r_ms, s_ms) in (
        ("wall clock", (render, save)),
        ("CPU time", (cpu_render, cpu_save)),
    ):
        both = [a + b for a, b in zip(r_ms, s_ms, strict=True)]
        print(f"  {label}:")
        for name, values in (("render (GET)", r_ms), ("save (POST)", s_ms), ("render+save", both)):
            print(
                f"    {name:13s} median {statistics.median(values):6.2f} ms   "
                f"p95 {percentile(values, 95):6.2f} ms"
            )


if __name__ == "__main__":
    main()
