"""Scales across instrument versions: a scale is compared only across waves with one definition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation import change_table, score_scales
from evaluation.load import AnswerTableError
from evaluation.pipeline import run
from evaluation.versions import build_versioned, comparability_table, load_versioned
from questionnaires import Scale

LABEL = {"nb": "x"}
V1 = [
    Scale("a", LABEL, ("x1", "x2", "x3"), min_items=2),
    Scale("b", LABEL, ("y1", "y2", "y3"), min_items=2),
    Scale("gone", LABEL, ("g1", "g2"), min_items=1),
]
V2 = [
    Scale("a", LABEL, ("x1", "x2"), min_items=2),  # items dropped: still scorable in v1
    Scale("b", LABEL, ("z1", "z2", "z3"), min_items=2),  # reworded items: restarts
    Scale("new", LABEL, ("n1", "n2"), min_items=1),
]
ITEMS = {
    1: {"x1", "x2", "x3", "y1", "y2", "y3", "g1", "g2"},
    2: {"x1", "x2", "z1", "z2", "z3", "n1", "n2"},
}
WAVES = {2021: 1, 2023: 1, 2025: 2}


def _vs():
    return build_versioned({1: V1, 2: V2}, ITEMS)


def _answers(seed: int = 5, n: int = 80) -> pd.DataFrame:
    """A panel on three waves; b's items jump by +1.5 in 2025, which is a new definition."""
    rng = np.random.default_rng(seed)
    rows = []
    for wave, version in WAVES.items():
        for p in range(n):
            role = "skoleleder" if p % 2 else "uh"
            person = rng.normal(0, 0.4)
            for item in sorted(ITEMS[version]):
                mu = (
                    3
                    + person
                    + (1.5 if item.startswith("z") else 0.0)
                    + (0.2 * (wave - 2021) / 2 if item.startswith("x") else 0)
                )
                rows.append(
                    {
                        "respondent_id": f"P{p:03d}",
                        "wave": wave,
                        "role": role,
                        "fylke": "Agder",
                        "item": item,
                        "value": float(np.clip(np.round(rng.normal(mu, 0.7)), 1, 5)),
                        "instrument_version": version,
                    }
                )
    return pd.DataFrame(rows)


def test_each_version_is_scored_with_the_newest_definition_whose_items_it_asked():
    vs = _vs()
    assert vs.chosen == {1: {"a": 2, "b": 1, "gone": 1}, 2: {"a": 2, "b": 2, "new": 2}}
    assert [s.items for s in vs.scales_for(1)] == [("x1", "x2"), ("y1", "y2", "y3"), ("g1", "g2")]
    assert vs.label_for(2, "b") == "v2" and vs.label_for(1, "b") == "v1"
    assert {s.code: s.items for s in vs.merged()}["b"] == ("y1", "y2", "y3", "z1", "z2", "z3")


def test_an_identical_definition_in_a_later_file_is_the_same_definition():
    vs = build_versioned({1: V1[:1], 2: [V1[0]]}, {1: ITEMS[1], 2: ITEMS[1]})
    assert [d.label for d in vs.definitions] == ["v1"] and vs.definitions[0].versions == (1, 2)


def test_comparability_says_which_trends_continue_and_which_restart():
    table = comparability_table(_vs(), WAVES).set_index(["scale", "definition"])
    assert table.loc[("a", "v2"), "waves"] == "2021, 2023, 2025"
    assert table.loc[("a", "v2"), "status"].startswith("trend continues 2021–2025 (recomputed")
    assert (
        table.loc[("b", "v1"), "status"] == "2021–2023 only (v1 definition); not scored from 2025"
    )
    assert table.loc[("b", "v2"), "status"].startswith("restarts in 2025 (v2 definition)")
    assert "starter på nytt i 2025" in table.loc[("b", "v2"), "status_nb"]
    assert table.loc[("new", "v2"), "status"] == "new in 2025"
    assert ("a", "v1") not in table.index, "the 3-item v1 definition of a is never used"


def test_change_is_estimated_only_between_waves_with_the_same_definition():
    scores = score_scales(_answers(), _vs())
    assert set(scores.loc[scores["scale"] == "b", "definition"]) == {"v1", "v2"}
    change = change_table(scores, methods=("lmm", "welch", "paired"))
    assert list(change.columns[:3]) == ["scale", "definition", "role"]
    pairs_b = set(
        zip(
            change.loc[change["scale"] == "b", "wave_from"],
            change.loc[change["scale"] == "b", "wave_to"],
            strict=True,
        )
    )
    assert pairs_b == {(2021, 2023)}, "b's v1 and v2 scores are never compared"
    pairs_a = set(
        zip(
            change.loc[change["scale"] == "a", "wave_from"],
            change.loc[change["scale"] == "a", "wave_to"],
            strict=True,
        )
    )
    assert pairs_a == {(2021, 2023), (2023, 2025), (2021, 2025)}
    assert not (change["scale"] == "new").any(), "one wave: nothing to compare"
    jump = scores.loc[(scores["scale"] == "b")].groupby("definition", observed=True)["score"].mean()
    assert jump["v2"] - jump["v1"] > 1, "the planted jump exists but is not reported as change"


def test_pipeline_writes_comparability_and_the_report_says_so(tmp_path):
    result = run(_answers(), _vs(), tmp_path / "out", figures=False, progress=False)
    comp = pd.read_csv(tmp_path / "out" / "comparability.csv")
    assert set(comp["scale"]) == {"a", "b", "gone", "new"}
    assert "definition" in pd.read_csv(tmp_path / "out" / "waves.csv").columns
    assert "definition" in result.tables["reliability"].columns
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Sammenlignbarhet mellom bølger" in report
    assert "starter på nytt i 2025" in report and "tidsserien fortsetter 2021–2025" in report


def test_several_versions_need_the_instrument_version_column(tmp_path):
    answers = _answers().drop(columns=["instrument_version"])
    with pytest.raises(
        AnswerTableError, match="no column 'instrument_version'.*several instrument versions"
    ):
        run(answers, _vs(), tmp_path / "out", figures=False, progress=False)
    bad = _answers()
    bad.loc[0, "instrument_version"] = 7
    with pytest.raises(AnswerTableError, match="unknown version"):
        run(bad, _vs(), tmp_path / "out", figures=False, progress=False)


def test_the_real_instrument_keeps_and_restarts_the_trends_docs_instrument_md_lists():
    table = comparability_table(load_versioned(), WAVES)
    status = {(r.scale, r.definition): r.status for r in table.itertuples()}
    for code in ("egen_involvering", "medbestemmelse", "uh_nytte", "lederkapasitet"):
        assert status[(code, "v1")] == "trend continues 2021–2025", code
    for code in ("felles_forstaelse", "behovstilpasning"):
        assert status[(code, "v2")].startswith("trend continues 2021–2025 (recomputed"), code
    for code in ("samarbeid", "likeverd", "forpliktelse", "lokal_involvering"):
        assert status[(code, "v2")].startswith("restarts in 2025"), code
    assert status[("opplevd_effekt", "v1")].endswith("not scored from 2025")
    for code in (
        "involvering_skoleledere",
        "involvering_larere",
        "involvering_tillitsvalgte",
        "lydhorhet",
        "lederkapasitet_alle",
        "endret_praksis",
        "elevutbytte",
    ):
        assert status[(code, "v2")] == "new in 2025", code


def test_report_shows_the_phase_scales_phase_by_phase(tmp_path):
    from evaluation.report import PHASE_SCALES

    answers = _answers()
    answers["item"] = answers["item"].replace({"x1": "invol_behov", "x2": "invol_prior"})
    phase = [Scale("egen_involvering", LABEL, ("invol_behov", "invol_prior"), min_items=1)]
    assert "egen_involvering" in PHASE_SCALES
    run(answers, phase, tmp_path / "out", figures=False, progress=False)
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    section = report.split("Per fase: samarbeid og involvering")[1].split("<h2>")[0]
    assert "invol_behov" in section and "invol_prior" in section and "skoleleder 2025" in section
