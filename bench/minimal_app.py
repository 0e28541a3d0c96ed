"""The floor for bench_load.py: a Flask app doing only the irreducible work of a survey page.

    gunicorn -w 3 -b 127.0.0.1:5121 'bench.minimal_app:create()'   (MINIMAL_DSN=postgresql://...)

GET /m/<token>/<page>: one SELECT of the stored answers of that page, one compiled Jinja page with
the same 15-row matrix of radios as the real app. POST: one multi-row INSERT ... ON CONFLICT DO
UPDATE and a 303 to the next page (or /m/<token>/done after the last). No sessions, no CSRF, no
revision check, no translations: what no survey app can do without.
"""

from __future__ import annotations

import os

import psycopg
from flask import Flask, redirect, request
from jinja2 import Environment

PAGE = Environment(autoescape=True).from_string("""<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><title>{{ title }}</title></head><body>
<h1>{{ title }}</h1><p>Side {{ page }} av {{ pages }}</p>
<form method="post" action="/m/{{ token }}/{{ page }}">
<input type="hidden" name="csrf_token" value=""><input type="hidden" name="_revision" value="0">
<input type="hidden" name="_ref" value="">
{% for code, text in rows %}<fieldset class="matrix-row"><legend>{{ text }}</legend>
<div class="scale points-5">{% for value, label in points %}<div class="option">
<input type="radio" id="f-{{ code }}-{{ value }}" name="{{ code }}" value="{{ value }}"
{%- if stored.get(code) == value %} checked{% endif %}><label for="f-{{ code }}-{{ value }}">{{ label }}</label></div>
{% endfor %}</div></fieldset>
{% endfor %}<button type="submit" name="_action" value="{{ 'submit' if page == pages else 'next' }}">Neste</button>
</form></body></html>""")

POINTS = [
    (1, "Helt uenig"),
    (2, "Nokså uenig"),
    (3, "Verken eller"),
    (4, "Nokså enig"),
    (5, "Helt enig"),
]
SCHEMA = """CREATE TABLE IF NOT EXISTS min_answer (
    token text NOT NULL, page int NOT NULL, item_code text NOT NULL, value int NOT NULL,
    PRIMARY KEY (token, page, item_code))"""


def rows_of(page: int, per_page: int = 15) -> list[tuple[str, str]]:
    """The (code, statement) rows of ``page``: the same codes as the bench questionnaire."""
    return [
        (f"p{page}_{i:02d}", f"Påstand nummer {i} på side {page}") for i in range(1, per_page + 1)
    ]


def create() -> Flask:
    """The app; MINIMAL_DSN names the database, MINIMAL_PAGES the number of pages (default 6)."""
    app = Flask(__name__)
    dsn = os.environ["MINIMAL_DSN"]
    pages = int(os.environ.get("MINIMAL_PAGES", "6"))
    conn: list[psycopg.Connection] = []

    def db() -> psycopg.Connection:
        if not conn:  # one connection per worker process, opened after the fork
            conn.append(psycopg.connect(dsn))
        return conn[0]

    @app.get("/m/<token>/<int:page>")
    def show(token: str, page: int):
        with db().cursor() as cur:
            cur.execute(
                "SELECT item_code, value FROM min_answer WHERE token = %s AND page = %s",
                (token, page),
            )
            stored = dict(cur.fetchall())
        db().commit()
        return PAGE.render(
            title=f"Side {page}",
            page=page,
            pages=pages,
            token=token,
            rows=rows_of(page),
            points=POINTS,
            stored=stored,
        )

    @app.post("/m/<token>/<int:page>")
    def save(token: str, page: int):
        values = [
            (token, page, code, int(request.form[code]))
            for code, _ in rows_of(page)
            if request.form.get(code, "").isdigit()
        ]
        with db().cursor() as cur:
            if values:
                cur.execute(
                    "INSERT INTO min_answer (token, page, item_code, value) VALUES "
                    + ",".join(["(%s, %s, %s, %s)"] * len(values))
                    + " ON CONFLICT (token, page, item_code) DO UPDATE SET value = EXCLUDED.value",
                    [v for row in values for v in row],
                )
        db().commit()
        if page >= pages:
            return redirect(f"/m/{token}/done", code=303)
        return redirect(f"/m/{token}/{page + 1}", code=303)

    @app.get("/m/<token>/done")
    def done(token: str):
        return "<!doctype html><title>Takk</title><h1>Takk for svarene!</h1>"

    return app
