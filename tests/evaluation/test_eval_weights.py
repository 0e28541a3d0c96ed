"""Nonresponse weights, representativeness and weighted change, checked against R's survey.

The constants come from ``data/weights_reference.R`` (R 4, survey 4.1-1: ``rake``,
``trimWeights``, ``svyby``, ``svycontrast``; ``glm`` for the propensities) run on
``data/weights_frame.csv`` and ``data/weights_scores.csv``, which
``data/make_weights_reference.py`` wrote from a seeded synthetic panel.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.frame import validate_frame
from evaluation.load import AnswerTableError
from evaluation.representativeness import representativeness
from evaluation.weighted_change import weighted_change
from evaluation.weights import collapse_cells, kish_deff, nonresponse_weights, rake, trim_weights

DATA = Path(__file__).parent / "data"

# R: weights(rake(...)) and weights(trimWeights(raked, upper = 1.2 * mean, strict = TRUE))
R_WEIGHTS = {
    2021: dict(
        raked_first3=[1.843972168209] * 3,
        raked_sum_sq=657.570949404303,
        raked_max=2.018937961952,
        trimmed_first3=[1.856800355746] * 3,
        trimmed_sum_sq=655.169055971978,
        trimmed_max=1.904761904762,
        deff=1.031891263156,
    ),
    2023: dict(
        raked_first3=[1.549001041301, 1.826236432360, 1.491561423353],
        raked_sum_sq=649.903433141450,
        raked_max=1.918630261264,
        trimmed_first3=[1.553871702661, 1.831107093719, 1.496432084713],
        trimmed_sum_sq=649.082301172292,
        trimmed_max=1.875000000000,
        deff=1.038531681876,
    ),
}
# R: 1 - 2 * sd(fitted(glm(responded ~ role + fylke + network, binomial))), CV, P_u(fylke)
R_INDICATOR = {
    2021: (0.655790016392, 0.273182526674, 0.144598806726),
    2023: (0.643262658671, 0.278701048519, 0.148293318988),
}
# R: svycontrast(svyby(~score, ~wave + role, svydesign(ids = ~cluster, weights = ~weight),
#                      svymean, covmat = TRUE), 2023 − 2021): mean2021, mean2023, diff, se
R_CHANGE = {
    "kommune": {
        "skoleeier": (3.333483441851, 3.441259399162, 0.107775957311, 0.123931176556),
        "skoleleder": (3.248854720107, 3.482286018623, 0.233431298516, 0.097824903297),
        "tillitsvalgt": (2.924300204124, 3.307904990796, 0.383604786672, 0.158818657992),
        "uh": (2.866693633477, 3.128168090476, 0.261474456999, 0.184833312471),
    },
    "person": {
        "skoleeier": (3.333483441851, 3.441259399162, 0.107775957311, 0.145115483714),
        "skoleleder": (3.248854720107, 3.482286018623, 0.233431298516, 0.098984938122),
        "tillitsvalgt": (2.924300204124, 3.307904990796, 0.383604786672, 0.147182457811),
        "uh": (2.866693633477, 3.128168090476, 0.261474456999, 0.189856693960),
    },
}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.read_csv(DATA / "weights_frame.csv")


@pytest.mark.parametrize("wave", [2021, 2023])
def test_raking_and_trimming_match_r_survey(frame, wave):
    f = frame.loc[frame["wave"] == wave]
    resp = f.loc[f["responded"] == 1].sort_values("respondent_id")
    targets = [f.groupby("cell").size().to_dict(), f.groupby("net_cell").size().to_dict()]
    raked = rake(
        [resp["cell"].to_numpy(), resp["net_cell"].to_numpy()],
        targets,
        np.full(len(resp), len(f) / len(resp)),
    )
    ref = R_WEIGHTS[wave]
    np.testing.assert_allclose(raked[:3], ref["raked_first3"], atol=1e-6)
    assert (raked**2).sum() == pytest.approx(ref["raked_sum_sq"], abs=1e-6)
    assert raked.max() == pytest.approx(ref["raked_max"], abs=1e-6)
    trimmed = trim_weights(raked, 1.2 * raked.mean())
    np.testing.assert_allclose(trimmed[:3], ref["trimmed_first3"], atol=1e-6)
    assert (trimmed**2).sum() == pytest.approx(ref["trimmed_sum_sq"], abs=1e-6)
    assert trimmed.max() == pytest.approx(ref["trimmed_max"], abs=1e-6)
    assert trimmed.sum() == pytest.approx(len(f))  # trimming keeps the total
    assert kish_deff(trimmed) == pytest.approx(ref["deff"], abs=1e-6)


def test_nonresponse_weights_end_to_end_give_the_same_weights(frame):
    raw = frame.drop(columns=["cell", "net_cell"])
    result = nonresponse_weights(validate_frame(raw), min_cell=10, trim=1.2)
    for wave, ref in R_WEIGHTS.items():
        w = result.weights.loc[result.weights["wave"] == wave].sort_values("respondent_id")
        np.testing.assert_allclose(w["weight"].to_numpy()[:3], ref["trimmed_first3"], atol=1e-6)
        assert (w["weight"] ** 2).sum() == pytest.approx(ref["trimmed_sum_sq"], abs=1e-6)
        row = result.summary.set_index("wave").loc[wave]
        assert row["deff_kish"] == pytest.approx(ref["deff"], abs=1e-6)
        assert row["trimmed"] >= 1 and row["margins"] == "role × fylke + network"


@pytest.mark.parametrize("wave", [2021, 2023])
def test_r_indicator_matches_r_glm(frame, wave):
    table = representativeness(validate_frame(frame.loc[frame["wave"] == wave]), n_boot=50)
    get = table.set_index(["indicator", "variable", "category"])["value"]
    r, cv, pu = R_INDICATOR[wave]
    assert get[("R", "", "")] == pytest.approx(r, abs=1e-6)
    assert get[("CV", "", "")] == pytest.approx(cv, abs=1e-6)
    assert get[("P_u", "fylke", "")] == pytest.approx(pu, abs=1e-6)
    row = table.loc[table["indicator"] == "R"].iloc[0]
    assert row["ci_low"] < r < row["ci_high"] and 0 < row["se"] < 0.1


def test_r_indicator_is_one_when_every_group_answers_alike():
    f = pd.DataFrame(
        {
            "respondent_id": [f"p{i}" for i in range(40)],
            "wave": 2025,
            "role": ["skoleeier", "uh"] * 20,
            "fylke": ["Oslo"] * 20 + ["Agder"] * 20,
            "responded": [1, 1, 0, 0] * 10,
        }
    )
    table = representativeness(validate_frame(f), n_boot=0)
    assert table.loc[table["indicator"] == "R", "value"].iloc[0] == pytest.approx(1.0)
    assert table.loc[table["indicator"] == "rate", "value"].iloc[0] == pytest.approx(0.5)


@pytest.mark.parametrize("cluster", ["kommune", "person"])
def test_weighted_change_matches_svyby_and_svycontrast(cluster):
    data = pd.read_csv(DATA / "weights_scores.csv")
    data["scale"] = "samarbeid"
    data["cluster"] = data["kommune"] if cluster == "kommune" else data["respondent_id"]
    out = weighted_change(data, pairs=[(2021, 2023)], cluster_label=cluster).set_index("role")
    for role, (m0, m1, diff, se) in R_CHANGE[cluster].items():
        r = out.loc[role]
        assert r["mean_from"] == pytest.approx(m0, abs=1e-6)
        assert r["mean_to"] == pytest.approx(m1, abs=1e-6)
        assert r["diff"] == pytest.approx(diff, abs=1e-6)
        assert r["se"] == pytest.approx(se, abs=1e-6)
        assert r["ci_low"] == pytest.approx(diff - 1.959963984540 * se, abs=1e-6)
        assert r["method"] == "weighted"


def test_thin_cells_are_collapsed_by_the_documented_rule():
    # Oslo: 30 respondents; Agder 4 and Finnmark 3 (thin); uh: nobody answered
    rows = [("skoleleder", "Oslo", 1)] * 30
    rows += [("skoleleder", "Agder", 1)] * 4 + [("skoleleder", "Agder", 0)] * 5
    rows += [("skoleleder", "Finnmark", 1)] * 3 + [("skoleleder", "Finnmark", 0)] * 2
    rows += [("uh", "Oslo", 0)] * 6
    f = pd.DataFrame(rows, columns=["role", "fylke", "responded"])
    f["respondent_id"] = [f"p{i}" for i in range(len(f))]
    f["wave"] = 2023
    out, notes = collapse_cells(validate_frame(f), min_cell=10)
    # the pooled thin fylker (7 respondents) are still thin: they join the role's largest cell
    assert set(out.loc[out["role"] == "skoleleder", "cell"]) == {"skoleleder: Oslo"}
    assert any("uh: no respondents" in n for n in notes)
    result = nonresponse_weights(validate_frame(f), min_cell=10, trim=np.inf)
    assert result.summary["represented"].iloc[0] == len(f) - 6  # uh cannot be represented
    assert result.weights["weight"].sum() == pytest.approx(len(f) - 6)


def test_frame_errors_name_the_row_and_column():
    good = {
        "respondent_id": ["a", "b"],
        "wave": [2023, 2023],
        "role": ["uh", "uh"],
        "fylke": ["Oslo", "Oslo"],
        "responded": ["1", "nei"],
    }
    assert validate_frame(pd.DataFrame(good))["responded"].tolist() == [1, 0]
    with pytest.raises(AnswerTableError, match="row 3, column 'responded': 'maybe'"):
        validate_frame(pd.DataFrame(dict(good, responded=["1", "maybe"])), source="f.csv")
    with pytest.raises(AnswerTableError, match="missing column.*'responded'"):
        validate_frame(pd.DataFrame({k: v for k, v in good.items() if k != "responded"}))
    with pytest.raises(AnswerTableError, match="row 3: person 'a' is invited twice"):
        validate_frame(pd.DataFrame(dict(good, respondent_id=["a", "a"])))
    with pytest.raises(AnswerTableError, match="row 2, column 'wave'"):
        validate_frame(pd.DataFrame(dict(good, wave=["x", 2023])))


def test_weighted_change_covers_the_population_change_where_the_respondents_do_not():
    """Done-when: response by fylke shifts between waves and the outcome differs by fylke."""
    from evaluation.change import change_table
    from evaluation.cleaning import CleaningRules, clean
    from evaluation.scoring import score_scales
    from evaluation.synthetic import default_scales, generate_panel
    from evaluation.weighted_change import attach_weights

    scales = default_scales()[:3]
    answers, truth = generate_panel(
        n_per_wave=3000,
        seed=7,
        scales=scales,
        response_rates=((0.9, 0.3), (0.3, 0.9)),
        waves=(2021, 2023),
        fylke_effect=0.8,
        sd_kommune=0.2,
        speeder_share=0,
        straightliner_share=0,
        duplicate_share=0,
        out_of_range_share=0,
        partial_share=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cleaned, _ = clean(answers, scales, CleaningRules())
        scores = score_scales(cleaned, scales)
    weights = nonresponse_weights(validate_frame(truth["frame"])).weights
    data, notes = attach_weights(scores, weights, "kommune")
    assert notes == []
    change = change_table(scores, methods=("lmm", "welch"), weighted=data, cluster_label="kommune")
    merged = change.merge(truth["population_change"], on=["scale", "role", "wave_from", "wave_to"])
    merged["covers"] = (merged["ci_low"] <= merged["population_diff"]) & (
        merged["population_diff"] <= merged["ci_high"]
    )
    cover = merged.groupby("method")["covers"].mean()
    assert cover["weighted"] >= 11 / 12  # 12 cells (3 scales × 4 roles), nominal 95 %
    assert cover["lmm"] <= 0.5 and cover["welch"] <= 0.5
    # and the clearest case: skoleleder (largest role) on the first scale
    cell = merged.loc[(merged["scale"] == "samarbeid") & (merged["role"] == "skoleleder")]
    assert cell.set_index("method")["covers"].to_dict() == {
        "lmm": False,
        "welch": False,
        "weighted": True,
    }
    assert (
        change.loc[change["method"] == "weighted", "correction"]
        .str.startswith("holm across 12 tests")
        .all()
    )


def test_cluster_is_the_kommune_else_the_school_else_the_person():
    from evaluation.weighted_change import attach_weights

    scores = pd.DataFrame(
        {
            "scale": "x",
            "respondent_id": ["a", "b", "c", "d"],
            "wave": 2023,
            "role": "uh",
            "score": [1.0, 2.0, 3.0, 4.0],
        }
    )
    weights = pd.DataFrame(
        {
            "respondent_id": ["a", "b", "c"],
            "wave": 2023,
            "weight": 1.5,
            "kommune": ["K1", "(ukjent)", None],
            "school": ["S1", "S2", None],
        }
    )
    data, notes = attach_weights(scores, weights, ("kommune", "school"))
    assert data["cluster"].tolist() == ["kommune:K1", "school:S2", "person:c"]
    assert notes and notes[0].startswith("1 response(s) have no weight: the person is not in")


def test_frame_reads_csv_and_parquet_alike(frame, tmp_path):
    from evaluation.frame import read_frame

    raw = frame.drop(columns=["cell", "net_cell"])
    raw.to_csv(tmp_path / "f.csv", index=False)
    raw.to_parquet(tmp_path / "f.parquet")
    a, b = read_frame(tmp_path / "f.csv"), read_frame(tmp_path / "f.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == [
        "respondent_id",
        "wave",
        "role",
        "fylke",
        "responded",
        "network",
        "kommune",
    ]
    (tmp_path / "f.xlsx").write_bytes(b"")
    with pytest.raises(AnswerTableError, match="must be .csv or .parquet"):
        read_frame(tmp_path / "f.xlsx")
    with pytest.raises(FileNotFoundError, match="frame file not found"):
        read_frame(tmp_path / "missing.csv")


def test_a_wave_missing_from_the_frame_is_named():
    from evaluation.weighted_change import attach_weights, weighted_change

    scores = pd.DataFrame(
        {
            "scale": "x",
            "respondent_id": ["a", "b", "a", "b"],
            "wave": [2021, 2021, 2023, 2023],
            "role": "uh",
            "score": [1.0, 2.0, 3.0, 4.0],
        }
    )
    weights = pd.DataFrame({"respondent_id": ["a", "b"], "wave": 2021, "weight": 1.5})
    data, notes = attach_weights(scores, weights)
    assert notes == ["wave 2023 is not in the frame: its 2 response(s) have no weights"]
    row = weighted_change(data, pairs=[(2021, 2023)]).iloc[0]
    assert row["note"] == "no weighted answers in 2023" and np.isnan(row["diff"])


# R: svyby(~d, ~role, svydesign(ids = ~kommune, weights = ~w2021), svymean), d = 2023 − 2021
R_PANEL = {
    "skoleeier": (16, 0.188303457411, 0.161156775097),
    "skoleleder": (35, 0.365577922658, 0.077140811241),
    "tillitsvalgt": (21, 0.191828159907, 0.098963584318),
    "uh": (14, 0.578760984731, 0.184151067005),
}


def test_panel_weighted_change_matches_svymean_of_the_differences():
    from evaluation.weighted_change import panel_weighted_change

    data = pd.read_csv(DATA / "weights_scores.csv")
    data["scale"] = "samarbeid"
    data["cluster"] = data["kommune"]
    first = data.loc[data["wave"] == 2021]
    attrition = pd.DataFrame(
        {
            "respondent_id": first["respondent_id"],
            "wave_from": 2021,
            "wave_to": 2023,
            "weight": first["weight"],
        }
    )
    out = panel_weighted_change(data, attrition, pairs=[(2021, 2023)]).set_index("role")
    for role, (n, d, se) in R_PANEL.items():
        assert out.loc[role, "n_from"] == n
        assert out.loc[role, "diff"] == pytest.approx(d, abs=1e-6)
        assert out.loc[role, "se"] == pytest.approx(se, abs=1e-6)
    assert set(out["method"]) == {"weighted_panel"}


def test_attrition_weights_divide_by_the_probability_of_answering_again():
    from evaluation.weights import attrition_weights

    # 2021: 6 answered (weight 2 each); 2023: Oslo's 3 all answer again, Agder's 1 of 3
    f = pd.DataFrame(
        {
            "respondent_id": [f"p{i}" for i in range(6)] * 2,
            "wave": [2021] * 6 + [2023] * 6,
            "role": "uh",
            "fylke": ["Oslo"] * 3 + ["Agder"] * 3 + ["Oslo"] * 3 + ["Agder"] * 3,
            "responded": [1] * 6 + [1, 1, 1, 1, 0, 0],
        }
    )
    w = pd.DataFrame({"respondent_id": [f"p{i}" for i in range(6)], "wave": 2021, "weight": 2.0})
    att = attrition_weights(validate_frame(f), w, [(2021, 2023)]).set_index("respondent_id")
    assert list(att.index) == ["p0", "p1", "p2", "p3"]
    assert att.loc["p3", "retention"] == pytest.approx(1 / 3)
    assert att.loc["p3", "weight"] == pytest.approx(6.0)
    assert att.loc["p0", "weight"] == pytest.approx(2.0, abs=1e-6)
    assert att["weight"].sum() == pytest.approx(12.0, abs=1e-5)  # the whole panel's weight
