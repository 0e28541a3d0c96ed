"""Synthetic export input built directly as DataFrames: for tests, demos and the benchmark.

Uses the real questionnaires, so item codes, types, options and routing are those of the
instrument; answers are random (likert 1-5 with some "vet ikke", chosen options, numbers, short
free texts). No database is involved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from questionnaires import Questionnaire

from .source import ExportSource

__all__ = ["synthetic_source"]

_TEXTS = (
    "Alle lærerne var med, og rektor fulgte opp arbeidet.",
    "Vi satte av fellestid hver uke til utviklingsarbeid.",
    "Ressurslærerne har drevet arbeidet sammen med UH.",
    "Godt samarbeid med høgskolen og tydelig ledelse.",
    "=SUM(A1:A2) var ikke et svar",
)
_FYLKER = ("Agder", "Innlandet", "Nordland", "Oslo", "Rogaland", "Troms", "Vestland")


def synthetic_source(
    questionnaires: Mapping[str, Questionnaire] | Sequence[Mapping[str, Questionnaire]],
    n_persons: int,
    waves: Sequence[int] = (2021, 2023, 2025),
    *,
    seed: int = 1,
    dont_know: float = 0.05,
    text_share: float = 0.3,
    participation: float = 1.0,
) -> ExportSource:
    """Random answers from ``n_persons`` to the questionnaires in every wave.

    Parameters
    ----------
    questionnaires : mapping role -> Questionnaire, or one such mapping per wave
        One mapping per wave lets a questionnaire change between waves.
    n_persons : int
        Persons in the panel; each gets a role, county and network.
    waves : sequence of int
        Wave years.
    seed : int
    dont_know : float
        Share of likert answers that are "vet ikke".
    text_share : float
        Share of respondents who write free text.
    participation : float
        Chance that a person answers in a given wave.
    """
    rng = np.random.default_rng(seed)
    per_wave = (
        list(questionnaires)
        if isinstance(questionnaires, Sequence)
        else [questionnaires] * len(waves)
    )
    roles = sorted(per_wave[0])
    person_role = rng.choice(roles, size=n_persons)
    person_fylke = rng.choice(_FYLKER, size=n_persons)
    person_net = np.array([f"Nettverk {f}" for f in person_fylke], dtype=object)
    person_key = np.array([f"P-{i:08d}" for i in range(n_persons)], dtype=object)
    versions: dict[int, tuple[str, Questionnaire]] = {}
    resp_parts, ans_parts = [], []
    next_id = 1
    for w_i, wave in enumerate(waves):
        for role in roles:
            q = per_wave[w_i][role]
            vid = next((k for k, (_, qq) in versions.items() if qq is q), None)
            if vid is None:
                vid = len(versions) + 1
                versions[vid] = (f"{q.code} v{vid} (synthetic)", q)
            who = np.flatnonzero((person_role == role) & (rng.random(n_persons) < participation))
            n = len(who)
            ids = np.arange(next_id, next_id + n)
            next_id += n
            started = pd.Timestamp(f"{wave}-03-01", tz="UTC") + pd.to_timedelta(
                rng.integers(0, 86400 * 20, n), unit="s"
            )
            resp_parts.append(
                pd.DataFrame(
                    {
                        "response_id": ids,
                        "person_key": person_key[who],
                        "wave": wave,
                        "wave_name": f"Dekom {wave}",
                        "role": role,
                        "fylke": person_fylke[who],
                        "kompetansenettverk": person_net[who],
                        "version_id": vid,
                        "status": np.where(rng.random(n) < 0.95, "complete", "partial"),
                        "language": "nb",
                        "started_at": started,
                        "submitted_at": started
                        + pd.to_timedelta(rng.integers(300, 1800, n), unit="s"),
                    }
                )
            )
            ans_parts.extend(_answers(q, ids, rng, dont_know, text_share))
    responses = pd.concat(resp_parts, ignore_index=True)
    responses["wave"] = responses["wave"].astype("int32")
    answers = pd.concat(ans_parts, ignore_index=True)
    answers["item"] = answers["item"].astype("category")
    answers["missing_code"] = answers["missing_code"].astype("category")
    return ExportSource(responses=responses, answers=answers, versions=versions)


def _answers(
    q: Questionnaire, ids: np.ndarray, rng: np.random.Generator, dont_know: float, text_share: float
) -> list[pd.DataFrame]:
    n = len(ids)
    parts = []
    given: dict[str, np.ndarray] = {}
    for page, item, parent in q.leaf_items():
        cond = item.show_if or page.show_if or (parent.show_if if parent else None)
        shown = np.ones(n, dtype=bool)
        if cond and "item" in cond and "equals" in cond and cond["item"] in given:
            shown = given[cond["item"]] == cond["equals"]
        value = np.full(n, np.nan)
        text = np.full(n, None, dtype=object)
        lists = np.full(n, None, dtype=object)
        missing = np.full(n, None, dtype=object)
        if item.type == "likert":
            value = rng.integers(1, 6, n).astype(float)
            dk = rng.random(n) < dont_know
            value[dk] = np.nan
            missing[dk] = "dont_know"
        elif item.type == "single":
            opts = np.array([o.value for o in item.options])
            value = rng.choice(opts, n).astype(float)
            if item.code == "deltatt_tiltak":
                value = np.where(rng.random(n) < 0.8, opts[0], value).astype(float)
        elif item.type == "number":
            hi = item.max if item.max is not None else 100
            value = rng.integers(int(item.min or 0), int(min(hi, 500)) + 1, n).astype(float)
        elif item.type == "multi":
            opt_values = np.array([o.value for o in item.options])
            picks = rng.random((n, len(opt_values))) < 0.3
            lists = np.array([opt_values[row].tolist() for row in picks] + [None], dtype=object)[
                :-1
            ]
        else:
            writes = rng.random(n) < text_share
            text[writes] = rng.choice(_TEXTS, int(writes.sum()))
            shown &= writes
        given[item.code] = value
        keep = shown & (~np.isnan(value) | pd.notna(missing) | pd.notna(text) | pd.notna(lists))
        if item.type == "multi":
            keep = shown & np.array([bool(x) for x in lists])
        parts.append(
            pd.DataFrame(
                {
                    "response_id": ids[keep],
                    "item": item.code,
                    "value_num": value[keep],
                    "value_text": text[keep],
                    "value_list": lists[keep],
                    "missing_code": missing[keep],
                }
            )
        )
    return parts
