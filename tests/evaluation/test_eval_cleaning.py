"""Cleaning rules on small hand-made tables: what each rule removes, flags and logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from evalhelpers import answers, scale

from evaluation import CleaningRules, clean, score_scales, validate_answers
from evaluation.scoring import ScaleWarning

SAM = scale("sam", ["a", "b", "c", "d", "e"], reverse=("e",), min_items=2)
PLAIN = scale("plain", ["p1", "p2", "p3", "p4", "p5"], min_items=2)


def _response(pid: str, wave: int, values: dict[str, float], **cols) -> list[dict]:
    return [
        dict(
            respondent_id=pid, wave=wave, role="skoleleder", fylke="Agder", item=k, value=v, **cols
        )
        for k, v in values.items()
    ]


def _table(*responses: list[dict]) -> pd.DataFrame:
    return validate_answers(pd.DataFrame([r for resp in responses for r in resp]))


def _log(log: pd.DataFrame, rule: str, action: str | None = None) -> pd.Series:
    rows = log.loc[log["rule"] == rule]
    if action:
        rows = rows.loc[rows["action"] == action]
    return rows.iloc[0]


def test_duplicates_keep_the_latest_complete_response():
    early = _response(
        "p1",
        2021,
        {"a": 1, "b": 1},
        response_id=1,
        status="complete",
        submitted_at="2021-03-01T10:00:00Z",
        duration_s=500,
    )
    late = _response(
        "p1",
        2021,
        {"a": 5, "b": 5},
        response_id=2,
        status="complete",
        submitted_at="2021-03-05T10:00:00Z",
        duration_s=500,
    )
    partial = _response(
        "p1",
        2021,
        {"a": 3},
        response_id=3,
        status="partial",
        submitted_at="2021-03-09T10:00:00Z",
        duration_s=500,
    )
    other = _response(
        "p2",
        2021,
        {"a": 2, "b": 2},
        response_id=4,
        status="complete",
        submitted_at="2021-03-02T10:00:00Z",
        duration_s=500,
    )
    cleaned, log = clean(_table(early, late, partial, other), [SAM])
    assert sorted(cleaned["response_id"].unique()) == [2, 4]
    row = _log(log, "duplicates")
    assert (row["answers"], row["responses"], row["respondents"]) == (3, 2, 1)


def test_duplicate_items_without_response_ids_keep_the_last_row():
    rows = _response("p1", 2021, {"a": 1, "b": 2}) + _response("p1", 2021, {"a": 4})
    cleaned, log = clean(_table(rows), [SAM])
    assert cleaned.loc[cleaned["item"] == "a", "value"].tolist() == [4.0]
    assert _log(log, "duplicates")["answers"] == 1


def test_out_of_range_values_become_missing_and_are_counted():
    rows = _response("p1", 2021, {"a": 9, "b": 2.5, "c": 3, "d": 0, "other": 42})
    cleaned, log = clean(_table(rows), [SAM])
    values = cleaned.set_index(cleaned["item"].astype(str))["value"]
    assert np.isnan(values["a"]) and np.isnan(values["b"]) and np.isnan(values["d"])
    assert values["c"] == 3 and values["other"] == 42  # items outside scales are left alone
    assert _log(log, "out_of_range")["answers"] == 3
    flagged = CleaningRules(out_of_range="flag")
    kept, _ = clean(_table(rows), [SAM], flagged)
    assert kept["flag_out_of_range"].sum() == 3 and kept["value"].max() == 42


def test_speeders_are_dropped_relative_to_the_median_or_an_absolute_limit():
    resp = [
        _response(f"p{i}", 2021, {"a": 3, "b": 4}, duration_s=d, status="complete")
        for i, d in enumerate([600, 620, 580, 610, 100])
    ]
    cleaned, log = clean(_table(*resp), [SAM])
    assert "p4" not in set(cleaned["respondent_id"].astype(str))
    assert _log(log, "speeders")["responses"] == 1
    kept, log2 = clean(_table(*resp), [SAM], CleaningRules(speeders="flag"))
    p4 = kept.loc[kept["respondent_id"] == "p4", "flag_speeder"]
    assert len(p4) > 0 and p4.all()
    _, log3 = clean(_table(*resp), [SAM], CleaningRules(speeder_seconds=605))
    assert _log(log3, "speeders")["responses"] == 3


def test_straightlining_is_dropped_only_where_reverse_keying_makes_it_contradictory():
    flat = {k: 4 for k in "abcde"}
    flat_plain = {f"p{j}": 4 for j in range(1, 6)}
    varied = {"a": 4, "b": 3, "c": 4, "d": 5, "e": 2}
    t = _table(_response("p1", 2021, {**flat, **flat_plain}), _response("p2", 2021, varied))
    cleaned, log = clean(t, [SAM, PLAIN])
    p1 = cleaned.loc[cleaned["respondent_id"] == "p1"].set_index("item")["value"]
    assert p1[list("abcde")].isna().all()  # contradictory: dropped
    assert (p1[list(flat_plain)] == 4).all()  # plain block: only flagged
    assert cleaned.loc[cleaned["respondent_id"] == "p1", "flag_straightline"].all()
    row = _log(log, "straightlining")
    assert (row["answers"], row["responses"]) == (5, 1)
    dropped_all, _ = clean(t, [SAM, PLAIN], CleaningRules(straightlining="drop"))
    assert dropped_all.loc[dropped_all["respondent_id"] == "p1", "value"].isna().all()


def test_partial_responses_are_flagged_and_the_inclusion_rule_applies():
    full = _response("p1", 2021, {k: 3 for k in "abcde"}, status="complete")
    half = _response("p2", 2021, {"a": 2, "b": 3, "c": 2}, status="partial")
    little = _response("p3", 2021, {"a": 2}, status="in_progress")
    t = _table(full, half, little)
    kept, log = clean(t, [SAM])
    assert set(kept["respondent_id"].astype(str)) == {"p1", "p2", "p3"}
    assert _log(log, "partial", "flag")["responses"] == 2
    dropped, _ = clean(t, [SAM], CleaningRules(partial="drop"))
    assert set(dropped["respondent_id"].astype(str)) == {"p1"}
    share, _ = clean(t, [SAM], CleaningRules(partial="min_share", partial_min_share=0.5))
    assert set(share["respondent_id"].astype(str)) == {"p1", "p2"}


def test_rules_from_a_mapping_name_unknown_settings():
    assert CleaningRules.from_mapping({"speeders": "flag"}).speeders == "flag"
    with pytest.raises(ValueError, match="unknown setting.*speeder_limit"):
        CleaningRules.from_mapping({"speeder_limit": 3})
    with pytest.raises(ValueError, match="speeders must be one of drop, flag, off, not 'drp'"):
        CleaningRules.from_mapping({"speeders": "drp"})


def test_log_frames_the_rules_with_input_and_kept_counts():
    t = _table(_response("p1", 2021, {"a": 3, "b": 4}, duration_s=600, status="complete"))
    _, log = clean(t, [SAM])
    assert log["rule"].tolist() == [
        "input",
        "duplicates",
        "out_of_range",
        "partial",
        "speeders",
        "straightlining",
        "kept",
    ]
    assert log.iloc[0]["answers"] == log.iloc[-1]["answers"] == 2


def test_scores_reverse_key_and_respect_min_items():
    t = _table(
        _response("p1", 2021, {"a": 5, "b": 4, "e": 1}),  # e reversed → 5
        _response("p2", 2021, {"a": 2}),  # one item < min_items 2
        _response("p3", 2021, {"a": 4, "b": float("nan"), "c": 2}),
    )
    with pytest.warns(ScaleWarning, match="'d' have no answers"):
        scores = score_scales(t, [SAM]).set_index("respondent_id")
    assert scores.loc["p1", "score"] == pytest.approx((5 + 4 + 5) / 3)
    assert np.isnan(scores.loc["p2", "score"]) and scores.loc["p2", "n_items"] == 1
    assert scores.loc["p3", "score"] == 3 and scores.loc["p3", "n_items"] == 2


def test_answers_helper_builds_a_valid_table():
    df = validate_answers(answers([("x", 2021, "uh", "a", 3)]))
    assert df["wave"].dtype == "int32" and df["value"].dtype == "float64"


def test_cleaning_log_reads_in_bokmal_and_english():
    import pandas as pd

    from evaluation.cleaning_text import cleaning_log_in

    log = pd.DataFrame(
        [
            {
                "rule": "partial",
                "setting": "status partial/in_progress (min_share, min share 0.5)",
                "action": "flag",
                "answers": 0,
                "responses": 3,
                "respondents": 3,
            },
            {
                "rule": "straightlining",
                "setting": "identical answers in a matrix of ≥ 5 answered items",
                "action": "drop_if_reversed",
                "answers": 10,
                "responses": 2,
                "respondents": 2,
            },
        ]
    )
    nb = cleaning_log_in(log, "nb")
    assert list(nb.columns) == [
        "Regel",
        "Innstilling",
        "Handling",
        "Svar",
        "Besvarelser",
        "Respondenter",
    ]
    assert (
        nb.iloc[0]["Innstilling"]
        == "påbegynte besvarelser (beholdes med nok svar, minst andel 0,5)"
    )
    assert nb.iloc[1]["Regel"] == "Like svar i en matrise" and nb.iloc[0]["Handling"] == "merket"
    en = cleaning_log_in(log, "en")
    assert (
        en.iloc[0]["Setting"] == "partial responses (kept with enough answers, share at least 0.5)"
    )
