"""Theme tables, the figure, and the dictionary vs. learned-classifier comparison."""

from __future__ import annotations

import re

import pandas as pd

from evaluation.coding import cooccurrence, theme_frequencies

from .conftest import ANSWERS, add_answer


def test_frequencies_and_cooccurrence_match_the_library(app, client, auth, users, coding_data):
    auth.login(users["researcher"])
    client.post(
        f"/coding/answer/{coding_data[0]}",
        data={"theme": ["ledelse", "tid", "alle_med", "forskning"]},
    )
    page = client.get("/coding/tables").get_data(as_text=True)
    from webapp.domain.coding import coded_answers

    with app.app_context():
        frame = coded_answers()
    themes = [
        c
        for c in frame.columns
        if c
        not in (
            "answer_id",
            "text",
            "respondent_id",
            "role",
            "fylke",
            "wave",
            "wave_id",
            "item",
            "coded_by",
        )
    ]
    freq = theme_frequencies(frame, themes, by=["role", "wave"], text_column="text")
    row = freq[
        (freq.theme == "forskning") & (freq.role == "skoleleder") & (freq.wave == 2023)
    ].iloc[0]
    assert row["count"] == 1 and row["n_answered"] == 2
    table = page[page.index('id="freq-table"') : page.index('id="cooccurrence-table"')]
    header = re.findall(r'<th class="num" data-group="(\w+) (\d+)">', table)
    forskning = re.search(r'<tr data-theme="forskning">(.*?)</tr>', table, re.S).group(1)
    cells = re.findall(
        r'<td class="num[^"]*">(\d+) <span class="muted">\(([^)]*)\)</span>', forskning
    )
    col = header.index(("skoleleder", "2023"))
    assert cells[col] == ("1", "50\u00a0%")
    assert "n = 2" in table
    co = cooccurrence(frame, themes)
    assert co.loc["ledelse", "forskning"] == 1
    matrix = page[page.index('id="cooccurrence-table"') :]
    ledelse_row = re.search(r"<th>5\. [^<]*</th>(.*?)</tr>", matrix, re.S).group(1)
    assert [int(x) for x in re.findall(r">(\d+)</td>", ledelse_row)] == co.loc["ledelse"].tolist()


def test_figure_is_a_png(client, auth, users, coding_data):
    auth.login(users["admin"])
    response = client.get("/coding/tables/figure.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data[:8] == b"\x89PNG\r\n\x1a\n" and len(response.data) > 10_000


def test_learning_comparison_needs_enough_human_codes_then_reports(
    app, client, auth, users, instrument
):
    auth.login(users["researcher"])
    with app.app_context():
        from webapp.extensions import db

        ids = [add_answer(t, r, y, f, instrument) for _ in range(3) for t, r, y, f in ANSWERS]
        db.session.commit()
    page = client.get("/coding/agreement/learning").get_data(as_text=True)
    assert "Trenger minst 20" in page
    suggested_by_text = {}
    for answer_id in ids:
        body = client.get(f"/coding/answer/{answer_id}").get_data(as_text=True)
        ticked = re.findall(r'name="theme" value="(\w+)" id="theme-\w+" [^>]*checked', body)
        text = re.search(
            r'<blockquote class="answer-text"[^>]*>(.*?)</blockquote>', body, re.S
        ).group(1)
        suggested_by_text[re.sub("<[^>]+>", "", text)] = ticked
        # the human agrees with the dictionary except that every answer about samlinger is erfaringsdeling
        themes = set(ticked) | ({"erfaringsdeling"} if "samling" in text else set())
        client.post(f"/coding/answer/{answer_id}", data={"theme": sorted(themes)})
    page = client.get("/coding/agreement/learning").get_data(as_text=True)
    table = page[page.index('id="learning-table"') :]
    methods = re.findall(r"<tr><td>(\w+)</td>", table)
    assert methods == ["dictionary", "words", "signals", "hybrid"]
    assert 'id="learning-verdict"' in page
    f1 = {
        m: float(v.replace(",", "."))
        for m, v in re.findall(r"<tr><td>(\w+)</td><td class=\"num\">([\d,]+)</td>", table)
    }
    assert 0 <= f1["dictionary"] <= 1 and pd.notna(f1["hybrid"])
    agreement = client.get("/coding/agreement").get_data(as_text=True)
    assert 'id="auto-table"' in agreement and "24 svar med bekreftede" in agreement


def test_figure_without_answers_is_404_not_an_error(client, auth, users):
    auth.login(users["researcher"])
    assert client.get("/coding/tables/figure.png").status_code == 404
    assert "Ingen fritekstsvar ennå" in client.get("/coding/tables").get_data(as_text=True)
