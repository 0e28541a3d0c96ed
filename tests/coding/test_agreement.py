"""Two researchers code the same answers: agreement figures, blindness, disagreements and resolution."""

from __future__ import annotations

import re

import pandas as pd
import sqlalchemy as sa

from evaluation.coding import alpha_for_codes, cohen_kappa
from webapp.domain.coding import final_codes
from webapp.extensions import db
from webapp.models.coding import CodingResolution

THEMES = [
    "alle_med",
    "laerernes_behov",
    "ekstern_kompetanse",
    "praksisnaer",
    "ledelse",
    "ressurspersoner",
    "tid",
    "erfaringsdeling",
    "forskning",
    "sammenheng",
]

# What each researcher ticks for the first six answers (see conftest.ANSWERS).
CODER_A = [
    {"ledelse", "tid", "alle_med"},
    {"ekstern_kompetanse"},
    {"praksisnaer", "erfaringsdeling"},
    {"ressurspersoner"},
    {"forskning", "praksisnaer"},
    set(),
]
CODER_B = [
    {"ledelse", "alle_med"},
    {"ekstern_kompetanse"},
    {"praksisnaer"},
    {"ressurspersoner", "ledelse"},
    {"forskning", "praksisnaer"},
    set(),
]


def _code(client, auth, email, answer_ids, codes):
    auth.login(email)
    for answer_id, themes in zip(answer_ids, codes, strict=True):
        assert (
            client.post(f"/coding/answer/{answer_id}", data={"theme": sorted(themes)}).status_code
            == 303
        )
    auth.logout()


def _matrix(codes):
    return pd.DataFrame([[int(t in row) for t in THEMES] for row in codes], columns=THEMES)


def _cell(page, table_id, theme, col):
    table = page[page.index(f'id="{table_id}"') :]
    row = re.search(rf'<tr data-theme="{theme}">(.*?)</tr>', table, re.S).group(1)
    return re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)[col]


def test_agreement_page_matches_the_library(client, auth, researchers, coding_data):
    a, b = researchers
    ids = coding_data[:6]
    _code(client, auth, a, ids, CODER_A)
    _code(client, auth, b, ids, CODER_B)
    auth.login(a)
    page = client.get("/coding/agreement").get_data(as_text=True)
    fa, fb = _matrix(CODER_A), _matrix(CODER_B)
    assert re.search(r'id="n-double">6<', page)
    alpha = alpha_for_codes([fa, fb], THEMES)
    assert re.search(rf'id="alpha">{alpha:.3f}<'.replace(".", ","), page)
    for theme in THEMES:
        kappa = cohen_kappa(fa[theme].tolist(), fb[theme].tolist())
        shown = _cell(page, "kappa-table", theme, 3)
        assert shown == ("–" if kappa != kappa else f"{kappa:.3f}".replace(".", ",")), theme
    assert _cell(page, "kappa-table", "tid", 3) == "0,000"  # A ticked tid once, B never
    assert re.search(r'id="n-unresolved">3<', page)  # answers 1, 3 and 4 differ
    # auto-coder against the answers both agree on
    assert 'id="auto-table"' in page


def test_second_coder_does_not_see_the_first_coders_codes(client, auth, researchers, coding_data):
    a, b = researchers
    first = coding_data[0]
    _code(client, auth, a, [first], [{"forskning"}])
    auth.login(b)
    page = client.get(f"/coding/answer/{first}").get_data(as_text=True)
    assert not re.search(r'id="theme-forskning" [^>]*checked', page)
    assert re.search(r'id="theme-ledelse" [^>]*checked', page)  # the auto-coder's suggestion
    assert "kodet av deg" not in page
    assert "0 av 8 kodet" in page


def test_disagreements_are_listed_side_by_side_and_resolved(
    app, client, auth, researchers, coding_data
):
    a, b = researchers
    ids = coding_data[:6]
    _code(client, auth, a, ids, CODER_A)
    _code(client, auth, b, ids, CODER_B)
    auth.login(b)
    client.post(
        f"/coding/answer/{ids[0]}",
        data={"theme": sorted(CODER_B[0]), "memo": "Tid bare i forbifarten"},
    )
    page = client.get("/coding/agreement/disagreements").get_data(as_text=True)
    listed = [int(x) for x in re.findall(r'<section class="disagreement" id="answer-(\d+)"', page)]
    differing = [
        i for i, (x, y) in zip(ids, zip(CODER_A, CODER_B, strict=True), strict=True) if x != y
    ]
    assert listed == differing
    section = page[page.index(f'id="answer-{ids[0]}"') :]
    section = section[: section.index("</section>")]
    assert "Rektor satte av tid" in section
    assert "Memo fra Test researcher:</strong> Tid bare i forbifarten" in section
    tid_row = re.search(
        r'<tr class="differs">\s*<td><strong>Tid og rom satt av</strong>.*?</tr>', section, re.S
    )
    assert tid_row is not None, section
    # resolve the first: keep tid after all
    response = client.post(
        f"/coding/agreement/resolve/{ids[0]}", data={"theme": ["ledelse", "alle_med", "tid"]}
    )
    assert response.status_code == 302
    with app.app_context():
        rows = {
            r.theme_code: r.applied
            for r in db.session.scalars(
                sa.select(CodingResolution).where(CodingResolution.answer_id == ids[0])
            )
        }
        assert rows["tid"] and rows["ledelse"] and not rows["forskning"] and len(rows) == 10
        codes = final_codes().set_index("answer_id")
    assert codes.loc[ids[0], "theme_tid"] == 1 and codes.loc[ids[0], "coded_by"] == "human"
    page = client.get("/coding/agreement/disagreements").get_data(as_text=True)
    assert f'id="answer-{ids[0]}"' not in page
    assert f'id="answer-{ids[0]}"' in client.get(
        "/coding/agreement/disagreements?show=all"
    ).get_data(as_text=True)
    assert re.search(
        r'id="n-unresolved">2<', client.get("/coding/agreement").get_data(as_text=True)
    )


def test_final_codes_use_humans_where_they_coded_and_the_auto_coder_elsewhere(
    app, client, auth, researchers, coding_data
):
    a, b = researchers
    _code(client, auth, a, coding_data[:2], [{"forskning"}, {"tid"}])
    _code(client, auth, b, coding_data[1:2], [{"tid", "ledelse"}])
    with app.app_context():
        codes = final_codes()
    assert list(codes.columns) == [
        "answer_id",
        "respondent_id",
        "wave",
        "role",
        "item",
        *[f"theme_{t}" for t in THEMES],
        "coded_by",
    ]
    assert len(codes) == 8 and codes["respondent_id"].str.match(r"P-\w{4}-\w{4}").all()
    codes = codes.set_index("answer_id")
    first, second, third = coding_data[:3]
    assert codes.loc[first, "coded_by"] == "human" and codes.loc[first, "theme_forskning"] == 1
    assert codes.loc[first, "theme_ledelse"] == 0  # the coder rejected the suggestion
    # coders agree on tid; ledelse is in dispute, so the auto-coder decides (no evidence -> 0)
    assert codes.loc[second, "theme_tid"] == 1 and codes.loc[second, "theme_ledelse"] == 0
    assert codes.loc[third, "coded_by"] == "auto" and codes.loc[third, "theme_praksisnaer"] == 0
    assert codes.loc[third, "wave"] == 2021 and codes.loc[third, "role"] == "skoleleder"
