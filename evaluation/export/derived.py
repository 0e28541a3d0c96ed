"""Cleaning, scale scores and coded free-text themes, added to the per-wave matrices.

Cleaning reuses :func:`evaluation.cleaning.clean`: responses it drops leave the export; answers
it blanks (out of range, straight-lining) get the missing status "removed by cleaning".
Scores come from :func:`evaluation.scoring.score_scales`; themes from human-confirmed codes
when the source has them, otherwise from the auto-coder in :mod:`evaluation.coding`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .matrix import WaveData
from .missing import CLEANED, DONT_KNOW, VALID

__all__ = ["apply_cleaning", "add_scale_scores", "add_themes", "theme_column"]

_NUMERIC_TYPES = ("likert", "single", "number")


def _numeric_long(
    waves: Sequence[WaveData], item_names: set[str] | None = None, full: bool = True
) -> pd.DataFrame:
    """The answers table evaluation.cleaning/scoring expect, from the matrices.

    Strings are categorical throughout (codes, not Python strings), so 18 million answers stay
    cheap. ``full=False`` gives only what scoring needs.
    """
    names: list[str] = []
    for wd in waves:
        for v in wd.variables:
            if (
                v.item_type in _NUMERIC_TYPES
                and (item_names is None or v.name in item_names)
                and v.name not in names
            ):
                names.append(v.name)
    name_code = {n: i for i, n in enumerate(names)}
    parts: dict[str, list[np.ndarray]] = {}
    offset = 0

    def add(key: str, arr: np.ndarray) -> None:
        parts.setdefault(key, []).append(arr)

    for wd in waves:
        cols = [j for j, v in enumerate(wd.variables) if v.name in name_code]
        if not cols:
            offset += len(wd.responses)
            continue
        sub = wd.status[:, cols]
        r, c = np.nonzero((sub == VALID) | (sub == DONT_KNOW))
        r = r.astype(np.int32)
        add("respondent_id", r + offset)
        add("wave", np.full(len(r), wd.wave, dtype=np.int16))
        add("item", np.array([name_code[wd.variables[j].name] for j in cols], dtype=np.int16)[c])
        add("value", wd.values[r, np.asarray(cols)[c]])
        add("_dk", sub[r, c] == DONT_KNOW)
        if full:
            resp = wd.responses
            started = _naive(resp["started_at"])
            submitted = _naive(resp["submitted_at"])
            add("response_id", resp["response_id"].to_numpy()[r])
            add("_row", r.astype(np.int64))
            add("_col", np.asarray(cols, dtype=np.int64)[c])
            add("role", resp["role"].astype(str).to_numpy()[r])
            add("status", resp["status"].astype(str).to_numpy()[r])
            add("fylke", resp["fylke"].astype(object).fillna("(ukjent)").to_numpy()[r])
            add("submitted_at", submitted[r])
            add("duration_s", ((submitted - started) / np.timedelta64(1, "s"))[r])
            add("_person", resp["panel_id"].to_numpy()[r])
        offset += len(wd.responses)
    if not parts:
        return pd.DataFrame()
    data = {k: np.concatenate(v) for k, v in parts.items()}
    parts.clear()
    dk = data.pop("_dk")
    item = data.pop("item")
    person = data.pop("_person", None)
    respondent = data.pop("respondent_id")
    df = pd.DataFrame(data)
    df["item"] = pd.Categorical.from_codes(item, categories=names)
    df["missing_code"] = pd.Categorical.from_codes(
        np.where(dk, 0, -1).astype(np.int8), categories=["dont_know"]
    )
    if full:
        # cleaning judges duplicates per person and wave: the person is the pseudonymous id
        df["respondent_id"] = pd.Categorical(person)
        for col in ("role", "fylke", "status"):
            df[col] = df[col].astype("category")
    else:
        df["respondent_id"] = pd.Categorical.from_codes(respondent, categories=np.arange(offset))
    df["wave"] = df["wave"].astype(np.int32)
    return df


def _naive(col: pd.Series | None) -> np.ndarray:
    """UTC timestamps as naive datetime64 (NaT when absent), fast to index."""
    if col is None:
        return np.full(0, np.datetime64("NaT"), dtype="datetime64[ns]")
    return pd.to_datetime(col, utc=True).dt.tz_convert(None).to_numpy(dtype="datetime64[ns]")


def apply_cleaning(waves: list[WaveData], scales: Sequence[Any], rules: Any = None) -> pd.DataFrame:
    """Clean the matrices in place with evaluation.cleaning; return the cleaning log.

    Responses the rules drop are removed; values they blank get status CLEANED; the response
    flags ``flag_partial, flag_speeder, flag_straightline, flag_out_of_range`` are added (0/1).
    """
    from evaluation.cleaning import CleaningRules, clean

    rules = rules if rules is not None else CleaningRules()
    long = _numeric_long(waves)
    if long.empty:
        return pd.DataFrame(
            [
                {
                    "rule": "input",
                    "setting": "no numeric answers",
                    "action": "",
                    "answers": 0,
                    "responses": 0,
                    "respondents": 0,
                }
            ]
        )
    cleaned, log = clean(long, scales, rules)
    kept_ids = set(cleaned["response_id"].unique())
    blank = cleaned.loc[cleaned["value"].isna() & cleaned["missing_code"].isna()]
    flags = cleaned.groupby("response_id", observed=True)[
        ["flag_partial", "flag_speeder", "flag_straightline", "flag_out_of_range"]
    ].max()
    for wd in waves:
        ids = wd.responses["response_id"]
        had_rows = ids.isin(long.loc[long["wave"] == wd.wave, "response_id"].unique())
        mask = (~had_rows | ids.isin(kept_ids)).to_numpy()
        lost = blank.loc[blank["wave"] == wd.wave]
        was_valid = wd.status[lost["_row"].to_numpy(), lost["_col"].to_numpy()] == VALID
        r, c = lost["_row"].to_numpy()[was_valid], lost["_col"].to_numpy()[was_valid]
        wd.values[r, c] = np.nan
        wd.status[r, c] = CLEANED
        f = flags.reindex(ids.to_numpy())
        for name in flags.columns:
            wd.extra[name] = pd.Series(f[name].fillna(False).astype(np.int8).to_numpy())
        wd.keep_rows(mask)
    return log


def add_scale_scores(waves: list[WaveData], scales: Sequence[Any]) -> list[str]:
    """Add ``score_<scale>`` (mean of answered items after reverse-keying) to every wave."""
    import warnings

    from evaluation.scoring import ScaleWarning, score_scales

    items = {i for s in scales for i in s.items}
    long = _numeric_long(waves, items, full=False)
    names = [f"score_{s.code}" for s in scales]
    if long.empty:
        return []
    long = long[["respondent_id", "wave", "item", "value"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScaleWarning)
        scores = score_scales(long, scales)
    # respondent_id is the response's position across all waves (0..n-1)
    total = sum(len(wd.responses) for wd in waves)
    pos = scores["respondent_id"].astype(np.int64).to_numpy()
    scale_of = scores["scale"].astype(str).to_numpy()
    score = scores["score"].to_numpy(dtype=float)
    for s in scales:
        vals = np.full(total, np.nan)
        sel = scale_of == s.code
        vals[pos[sel]] = score[sel]
        offset = 0
        for wd in waves:
            n = len(wd.responses)
            if any(wd.has(i) for i in s.items):
                wd.extra[f"score_{s.code}"] = pd.Series(vals[offset : offset + n])
            offset += n
    return names


def theme_column(item: str, theme: str, n_items: int) -> str:
    """Column name of a coded theme: ``theme_<code>`` (prefixed by the item when several)."""
    return f"theme_{theme}" if n_items == 1 else f"{item}_theme_{theme}"


def add_themes(
    waves: list[WaveData], codebook: Any = None, confirmed: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Add one 0/1 column per codebook theme for the free-text item(s) the codebook names.

    ``confirmed`` (response_id, item, theme) are human-confirmed codes, one row per applied
    theme (theme None for an answer confirmed with no theme); for those answers they replace
    the auto-coder's. Returns what was coded, for the manifest.
    """
    from evaluation.coding import code_answers, resolve_codebook, theme_codes

    book = resolve_codebook(codebook)
    themes = theme_codes(book)
    items = list(getattr(book, "items", []) or [])
    coded_n = {"auto": 0, "confirmed": 0}
    for wd in waves:
        for item in items:
            if item not in wd.texts:
                continue
            texts = wd.texts[item]
            answered = np.flatnonzero(pd.notna(texts))
            frame = pd.DataFrame({"text": texts[answered].astype(str)})
            auto = code_answers(frame, "text", book, prefix="_t_") if len(frame) else frame
            ids = wd.responses["response_id"].to_numpy()[answered]
            human, has = None, np.zeros(len(ids), dtype=bool)
            if confirmed is not None and len(confirmed):
                c = confirmed.loc[confirmed["item"] == item]
                has = np.isin(ids, c["response_id"].to_numpy())
                applied = c.dropna(subset=["theme"])
                human = pd.crosstab(applied["response_id"], applied["theme"]).clip(upper=1)
            for t in themes:
                col = np.full(len(texts), np.nan)
                vals = auto[f"_t_{t}"].to_numpy(dtype=float) if len(frame) else np.array([])
                if has.any():
                    hv = (
                        human[t].reindex(ids).fillna(0).to_numpy(dtype=float)
                        if human is not None and t in human.columns
                        else np.zeros(len(ids))
                    )
                    vals = np.where(has, hv, vals)
                col[answered] = vals
                wd.extra[theme_column(item, t, len(items))] = pd.Series(col)
            n_conf = int(has.sum())
            coded_n["confirmed"] += n_conf
            coded_n["auto"] += len(answered) - n_conf
    return {
        "codebook_version": getattr(book, "version", None),
        "items": items,
        "themes": themes,
        "answers_coded": coded_n,
    }
