"""Figure data: Likert shares, the diverging layout and response rates."""

from __future__ import annotations

import pandas as pd
import pytest
from evalhelpers import answers, scale

from evaluation import validate_answers
from evaluation.plots import likert_plot, likert_shares, response_plot
from evaluation.responses import index_responses

SCALES = [scale("sam", ["a", "b"])]


@pytest.fixture
def table() -> pd.DataFrame:
    rows = [(f"p{i}", 2021, "uh", "a", v) for i, v in enumerate([1, 2, 3, 3, 4, 5, 5, 5])]
    rows += [(f"p{i}", 2023, "uh", "a", v) for i, v in enumerate([4, 4, 5, 5])]
    rows += [("p0", 2021, "uh", "b", 2), ("p1", 2021, "uh", "b", float("nan"))]
    return validate_answers(answers(rows))


def test_likert_shares_sum_to_one_per_item_and_wave(table):
    shares = likert_shares(table, SCALES)
    assert shares.groupby(["item", "wave"])["share"].sum().round(12).eq(1).all()
    a21 = shares.query("item == 'a' and wave == 2021").set_index("value")["share"]
    assert a21[5] == pytest.approx(3 / 8)


def test_diverging_bars_split_the_middle_answer_at_zero(table):
    plot = likert_plot(likert_shares(table, SCALES), SCALES)
    bars = plot.data.query("item == 'a' and wave == 2021").set_index("value")
    # 1 and 2 (2/8) and half of 3 (1/8) lie left of zero.
    assert bars.loc["1", "xmin"] == pytest.approx(-(2 / 8 + 1 / 8))
    assert bars.loc["3", "xmin"] == pytest.approx(-1 / 8)
    assert bars.loc["3", "xmax"] == pytest.approx(1 / 8)
    assert bars.loc["5", "xmax"] == pytest.approx(1 - 3 / 8)


def test_response_rates_use_the_invited_population(table):
    responses = index_responses(table).responses
    population = pd.DataFrame(
        {
            "wave": [2021, 2023, 2023],
            "role": ["uh", "uh", "uh"],
            "fylke": ["Trøndelag", "Trøndelag", None],
            "invited": [16, 8, 5],
        }
    )
    data = response_plot(responses, population).data.set_index(["wave", "fylke"])
    assert data.loc[("2021", "Trøndelag"), "rate"] == pytest.approx(8 / 16)
    assert data.loc[("2023", "Trøndelag"), "rate"] == pytest.approx(4 / 8)
    assert data.loc[("2023", "(ukjent)"), "rate"] == 0


def test_likert_rows_are_labelled_with_the_question_texts():
    from pathlib import Path

    from evaluation.item_texts import item_texts
    from evaluation.plots import _row_labels

    root = Path(__file__).resolve().parents[2]
    texts = item_texts(root / "questionnaires" / "scales.yaml")
    assert texts["samarb_behov"] == "Kartlegging av kompetansebehov"
    assert (
        item_texts(root / "questionnaires" / "scales.yaml", "en")["samarb_behov"]
        != texts["samarb_behov"]
    )
    labels = _row_labels([("samarb_behov", 2021), ("samarb_behov", 2023), ("x_code", 2021)], texts)
    assert labels == ["Kartlegging av kompetansebehov  2021", "2023", "x_code  2021"]
    assert item_texts([]) == {}  # scales given as objects: the codes are shown
