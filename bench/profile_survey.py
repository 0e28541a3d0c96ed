"""Where the respondent path spends its time: SQL statements per request and a CPU profile.

    .venv/bin/python bench/profile_survey.py [--saves 300] [--pg postgresql://postgres@127.0.0.1:5432]

Uses bench_load.py's database and questionnaire (its own PostgreSQL database, dropped at the end)
and the Flask test client in this process, with CSRF on as in production: respondents GET a page
and POST it, following the 303, for ``--saves`` page saves. Prints the SQL statements of one GET
and one POST, the mean CPU milliseconds per save, the CPU time by package and the profile
(cProfile with a CPU clock: waiting for the database is not counted).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_load import HIDDEN, RADIO, SECRET, create_database, drop_database, prepare  # noqa: E402


def main() -> None:
    """Profile ``--saves`` page saves and print what was found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    import sqlalchemy as sa

    from webapp import create_app
    from webapp.extensions import db

    dbname = f"bench_profile_{os.getpid()}"
    create_database(args.pg, dbname)
    try:
        url = f"postgresql+psycopg://{args.pg.split('://', 1)[1]}/{dbname}"
        tokens, first = prepare(url, max(100, args.saves // 2))
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
        statements: list[str] = []
        with app.app_context():
            sa.event.listen(
                db.engine,
                "before_cursor_execute",
                lambda conn, cur, stmt, *a: statements.append(stmt.split("\n")[0][:110]),
            )
        rng = random.Random(1)
        tokens_left = iter(tokens)

        def one_save(client, path: str) -> str | None:
            html = client.get(path).get_data(as_text=True)
            form = dict(HIDDEN.findall(html))
            answers = {n: str(rng.randint(1, 5)) for n in dict.fromkeys(RADIO.findall(html))}
            action = "submit" if 'value="submit"' in html else "next"
            r = client.post(path, data={**form, **answers, "_action": action})
            assert r.status_code == 303, (r.status_code, r.get_data(as_text=True)[:500])
            nxt = urlsplit(r.headers["Location"]).path
            return None if "/side/" not in nxt else nxt

        def run(n: int) -> None:
            client, path = None, None
            for _ in range(n):
                if path is None:
                    client = app.test_client()
                    path = f"/s/{next(tokens_left)}/side/{first}"
                path = one_save(client, path)

        run(20)  # warm: caches, connections
        client = app.test_client()
        path = f"/s/{next(tokens_left)}/side/{first}"
        path = one_save(client, path)  # opens the response
        statements.clear()
        client.get(path)
        print(f"GET of a page: {len(statements)} SQL statements")
        for s in statements:
            print("   ", s)
        statements.clear()
        html = client.get(path).get_data(as_text=True)
        statements.clear()
        form = dict(HIDDEN.findall(html))
        answers = {n: "3" for n in dict.fromkeys(RADIO.findall(html))}
        client.post(path, data={**form, **answers, "_action": "next"})
        print(f"POST of a page: {len(statements)} SQL statements")
        for s in statements:
            print("   ", s)

        cpu0 = time.process_time()
        run(args.saves)
        cpu = time.process_time() - cpu0
        print(
            f"\n{args.saves} page saves (GET + POST each): {1000 * cpu / args.saves:.1f} ms CPU per save "
            "in this process (the test client's share included)\n"
        )
        # CPU time, not wall time: on a shared machine waiting for the database is not our cost
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        run(args.saves)
        profile.disable()
        stats = pstats.Stats(profile)
        by_package: dict[str, float] = {}
        for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
            key = _package(filename)
            by_package[key] = by_package.get(key, 0.0) + tottime
        total = sum(by_package.values())
        print("own CPU time by package (cProfile, so inflated; shares are what count):")
        for key, value in sorted(by_package.items(), key=lambda kv: -kv[1])[:16]:
            print(f"  {key:28} {100 * value / total:5.1f} %")
        stats.sort_stats("cumulative").print_stats(
            r"webapp|questionnaires|flask|wtforms|jinja2|sqlalchemy", 45
        )
        stats.sort_stats("tottime").print_stats(25)
        with app.app_context():
            db.engine.dispose()
    finally:
        drop_database(args.pg, dbname)


def _package(filename: str) -> str:
    """A short name for where a function lives: the site-package, or the project folder."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if "/templates/" in filename:
        return "templates (Jinja)"
    for top in ("webapp", "questionnaires", "bench"):
        if f"/{top}/" in filename:
            return top + "/" + filename.split(f"/{top}/", 1)[1].split("/", 1)[0]
    return (
        "python"
        if filename.startswith(("/root/.pyenv", "<")) or "lib/python" in filename
        else filename
    )


if __name__ == "__main__":
    main()
