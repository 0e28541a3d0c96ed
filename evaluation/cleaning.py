"""Data cleaning with configurable rules; every rule logs what it removed or flagged."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from .responses import index_responses
from .scoring import item_matrix, scale_matrix

__all__ = ["CleaningRules", "clean", "LOG_COLUMNS"]

LOG_COLUMNS = ["rule", "setting", "action", "answers", "responses", "respondents"]
_STATUS_RANK = {"complete": 3, "partial": 2, "in_progress": 1}


@dataclass
class CleaningRules:
    """Settings for :func:`clean`. Every rule can be switched off with action ``"off"``.

    Attributes
    ----------
    duplicates : {"keep_latest_complete", "off"}
        One person twice in a wave: keep the complete response, the latest among equals
        (``submitted_at``, then ``response_id``, then file order); drop the others.
    partial : {"keep", "drop", "min_share", "off"}
        Responses with status ``partial`` or ``in_progress`` are flagged; ``keep`` keeps them
        (their scales still need ``min_items``), ``drop`` removes them, ``min_share`` keeps them
        when at least ``partial_min_share`` of the scale items are answered.
    partial_min_share : float
        Share of the scale items a partial response must have answered under ``min_share``.
    speeders : {"drop", "flag", "off"}
        Responses faster than ``speeder_fraction`` × the median duration of complete
        responses in the same wave and role (or than ``speeder_seconds`` when given).
    speeder_fraction : float
    speeder_seconds : float or None
    straightlining : {"drop_if_reversed", "drop", "flag", "off"}
        All answered items of a matrix identical, with at least ``straightline_min_items``
        answered. ``drop_if_reversed`` drops the matrix's answers only when the matrix has a
        reverse-keyed item (identical answers then contradict each other) and flags otherwise.
    straightline_min_items : int
    out_of_range : {"drop", "flag", "off"}
        Scale item values outside the scale's range or not whole numbers become missing.
    matrices : mapping of str to list of str, optional
        Blocks of items checked for straight-lining; by default each scale is a block.
    """

    duplicates: str = "keep_latest_complete"
    partial: str = "keep"
    partial_min_share: float = 0.5
    speeders: str = "drop"
    speeder_fraction: float = 0.3
    speeder_seconds: float | None = None
    straightlining: str = "drop_if_reversed"
    straightline_min_items: int = 5
    out_of_range: str = "drop"
    matrices: Mapping[str, Sequence[str]] | None = field(default=None)

    def __post_init__(self) -> None:
        allowed = {
            "duplicates": ("keep_latest_complete", "off"),
            "partial": ("keep", "drop", "min_share", "off"),
            "speeders": ("drop", "flag", "off"),
            "straightlining": ("drop_if_reversed", "drop", "flag", "off"),
            "out_of_range": ("drop", "flag", "off"),
        }
        for name, values in allowed.items():
            if getattr(self, name) not in values:
                raise ValueError(
                    f"cleaning rules: {name} must be one of {', '.join(values)}, "
                    f"not {getattr(self, name)!r}"
                )
        if not 0 < self.speeder_fraction < 1:
            raise ValueError("cleaning rules: speeder_fraction must be between 0 and 1")
        if not 0 <= self.partial_min_share <= 1:
            raise ValueError("cleaning rules: partial_min_share must be between 0 and 1")
        if self.straightline_min_items < 2:
            raise ValueError("cleaning rules: straightline_min_items must be at least 2")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> CleaningRules:
        """Build rules from a mapping (e.g. a YAML file), naming unknown keys in the error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"cleaning rules: unknown setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        return cls(**data)

    def describe(self) -> dict[str, Any]:
        """The settings as a plain dict (for the report)."""
        return asdict(self)


def _log(
    rows: list[dict[str, Any]],
    rule: str,
    setting: str,
    action: str,
    answers: int,
    responses: int,
    respondents: int,
) -> None:
    rows.append(
        dict(
            rule=rule,
            setting=setting,
            action=action,
            answers=int(answers),
            responses=int(responses),
            respondents=int(respondents),
        )
    )


def _drop_duplicates(
    df: pd.DataFrame, rules: CleaningRules, log: list[dict[str, Any]]
) -> pd.DataFrame:
    if rules.duplicates == "off":
        return df
    if "response_id" in df.columns:
        resp = df.drop_duplicates("response_id")[
            [
                c
                for c in ("response_id", "respondent_id", "wave", "status", "submitted_at")
                if c in df.columns
            ]
        ].copy()
        resp["_rank"] = (
            resp["status"].astype(str).map(_STATUS_RANK).fillna(0)
            if "status" in resp.columns
            else 0
        )
        resp["_order"] = np.arange(len(resp))
        sort_cols = (
            ["respondent_id", "wave", "_rank"]
            + (["submitted_at"] if "submitted_at" in resp.columns else [])
            + ["_order"]
        )
        resp = resp.sort_values(sort_cols, kind="stable", na_position="first")
        loser = resp.duplicated(["respondent_id", "wave"], keep="last")
        dropped = set(resp.loc[loser, "response_id"])
        mask = df["response_id"].isin(dropped).to_numpy()
        lost = resp.loc[loser]
        _log(
            log,
            "duplicates",
            "one response per person and wave",
            "drop",
            mask.sum(),
            len(lost),
            lost["respondent_id"].nunique(),
        )
    else:
        # Without response ids a duplicate is the same item twice in a response: keep the last.
        order = df
        if "submitted_at" in df.columns:
            order = df.sort_values("submitted_at", kind="stable", na_position="first")
        dup = order.duplicated(["respondent_id", "wave", "item"], keep="last")
        mask = np.zeros(len(df), dtype=bool)
        mask[order.index[dup.to_numpy()]] = True
        lost = df.loc[mask, ["respondent_id", "wave"]].drop_duplicates()
        _log(
            log,
            "duplicates",
            "one answer per person, wave and item",
            "drop",
            mask.sum(),
            len(lost),
            lost["respondent_id"].nunique(),
        )
    return df.loc[~mask].reset_index(drop=True) if mask.any() else df


def _out_of_range(
    df: pd.DataFrame, scales: Sequence[Any], rules: CleaningRules, log: list[dict[str, Any]]
) -> pd.DataFrame:
    if rules.out_of_range == "off":
        return df
    low = pd.Series({i: s.range[0] for s in scales for i in s.items})
    high = pd.Series({i: s.range[1] for s in scales for i in s.items})
    item = (
        df["item"]
        if isinstance(df["item"].dtype, pd.CategoricalDtype)
        else df["item"].astype("category")
    )
    cats = item.cat.categories.astype(str)
    codes = item.cat.codes.to_numpy()
    lo = np.append(low.reindex(cats).to_numpy(dtype=float), np.nan)[codes]
    hi = np.append(high.reindex(cats).to_numpy(dtype=float), np.nan)[codes]
    v = df["value"].to_numpy()
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(lo) & ~np.isnan(v) & ((v < lo) | (v > hi) | (v != np.round(v)))
    who = df.loc[bad, ["respondent_id", "wave"]].drop_duplicates()
    action = "set missing" if rules.out_of_range == "drop" else "flag"
    _log(
        log,
        "out_of_range",
        "scale items outside the scale's range",
        action,
        bad.sum(),
        len(who),
        who["respondent_id"].nunique(),
    )
    df["flag_out_of_range"] = bad
    if rules.out_of_range == "drop":
        df.loc[bad, "value"] = np.nan
    return df


def _response_flags(
    df: pd.DataFrame, scales: Sequence[Any], rules: CleaningRules, log: list[dict[str, Any]]
) -> pd.DataFrame:
    """Partial responses, speeders and straight-lining, judged per response."""
    index = index_responses(df)
    resp = index.responses
    n = index.n
    drop_resp = np.zeros(n, dtype=bool)
    status = resp["status"].astype(str).to_numpy() if "status" in resp.columns else None
    partial = (
        np.isin(status, ["partial", "in_progress"])
        if status is not None
        else np.zeros(n, dtype=bool)
    )
    if rules.partial != "off":
        drop_p = np.zeros(n, dtype=bool)
        if rules.partial == "drop":
            drop_p = partial.copy()
        elif rules.partial == "min_share":
            items = sorted({i for s in scales for i in s.items})
            is_item = _item_mask(df, items) & df["value"].notna().to_numpy()
            answered = np.bincount(index.codes[is_item], minlength=n)
            drop_p = partial & (answered < rules.partial_min_share * max(len(items), 1))
        _log(
            log,
            "partial",
            f"status partial/in_progress ({rules.partial}"
            + (f", min share {rules.partial_min_share})" if rules.partial == "min_share" else ")"),
            "flag",
            0,
            partial.sum(),
            resp.loc[partial, "respondent_id"].nunique(),
        )
        if drop_p.any():
            _log(
                log,
                "partial",
                "partial responses left out",
                "drop",
                0,
                drop_p.sum(),
                resp.loc[drop_p, "respondent_id"].nunique(),
            )
        drop_resp |= drop_p
    speeder = np.zeros(n, dtype=bool)
    if rules.speeders != "off" and "duration_s" not in resp.columns:
        _log(log, "speeders", "no duration_s column: not checked", "", 0, 0, 0)
    if rules.speeders != "off" and "duration_s" in resp.columns:
        dur = resp["duration_s"].to_numpy(dtype=float)
        if rules.speeder_seconds is not None:
            limit = np.full(n, float(rules.speeder_seconds))
            setting = f"duration under {rules.speeder_seconds:g} s"
        else:
            ref = resp.assign(_d=np.where(partial, np.nan, dur))
            med = ref.groupby(["wave", "role"], observed=True)["_d"].transform("median")
            limit = rules.speeder_fraction * med.to_numpy(dtype=float)
            setting = f"duration under {rules.speeder_fraction:g} × median of wave and role"
        with np.errstate(invalid="ignore"):
            speeder = dur < limit
        _log(
            log,
            "speeders",
            setting,
            rules.speeders,
            0,
            speeder.sum(),
            resp.loc[speeder, "respondent_id"].nunique(),
        )
        if rules.speeders == "drop":
            drop_resp |= speeder
    codes = index.codes
    keep_rows = ~drop_resp[codes]
    straight_any = np.zeros(n, dtype=bool)
    if rules.straightlining != "off":
        blocks = _blocks(scales, rules)
        matrix = item_matrix(df, [i for b, _ in blocks for i in b.items], index)
        blank = np.zeros(len(df), dtype=bool)
        for block, reversed_ in blocks:
            m = scale_matrix(df, block, index, reverse=False, matrix=matrix)
            answered = np.sum(~np.isnan(m), axis=1)
            # fmax/fmin ignore NaN without warning on rows with nothing answered.
            same = np.fmax.reduce(m, axis=1) == np.fmin.reduce(m, axis=1)
            # Responses already left out (speeders, dropped partials) are not counted again.
            flag = (answered >= rules.straightline_min_items) & same & ~drop_resp
            straight_any |= flag
            do_drop = rules.straightlining == "drop" or (
                rules.straightlining == "drop_if_reversed" and reversed_
            )
            if do_drop and flag.any():
                rows = flag[codes] & _item_mask(df, block.items)
                blank |= rows
        action = rules.straightlining
        _log(
            log,
            "straightlining",
            f"identical answers in a matrix of ≥ {rules.straightline_min_items} answered items",
            action,
            blank.sum(),
            straight_any.sum(),
            resp.loc[straight_any, "respondent_id"].nunique(),
        )
        df.loc[blank, "value"] = np.nan
    df["flag_partial"] = partial[codes]
    df["flag_speeder"] = speeder[codes]
    df["flag_straightline"] = straight_any[codes]
    return df.loc[keep_rows].reset_index(drop=True) if not keep_rows.all() else df


def _item_mask(df: pd.DataFrame, items: Sequence[str]) -> np.ndarray:
    """Rows whose item is among ``items`` (through the categories: fast on large tables)."""
    col = df["item"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        hit = np.append(col.cat.categories.astype(str).isin(list(items)), False)
        return hit[col.cat.codes.to_numpy()]
    return col.astype(str).isin(list(items)).to_numpy()


@dataclass(frozen=True)
class _Block:
    code: str
    items: tuple[str, ...]
    reverse: tuple[str, ...] = ()
    range: tuple[int, int] = (1, 5)


def _blocks(scales: Sequence[Any], rules: CleaningRules) -> list[tuple[_Block, bool]]:
    reverse = {i for s in scales for i in s.reverse}
    if rules.matrices:
        return [
            (_Block(k, tuple(v)), any(i in reverse for i in v)) for k, v in rules.matrices.items()
        ]
    return [(_Block(s.code, tuple(s.items)), bool(s.reverse)) for s in scales if len(s.items) > 1]


def clean(
    answers: pd.DataFrame, scales: Sequence[Any], rules: CleaningRules | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the cleaning rules to an answers table.

    Parameters
    ----------
    answers : pandas.DataFrame
        A validated answers table (:func:`evaluation.validate_answers`).
    scales : sequence of Scale
        Ranges, reverse keying and the default matrices come from the scales.
    rules : CleaningRules, optional
        The settings; the defaults are documented on :class:`CleaningRules`.

    Returns
    -------
    cleaned : pandas.DataFrame
        The answers kept, with ``flag_out_of_range, flag_partial, flag_speeder,
        flag_straightline`` columns.
    log : pandas.DataFrame
        One row per rule and action: ``rule, setting, action, answers, responses,
        respondents`` (how many were removed or flagged), framed by ``input`` and ``kept``.

    Examples
    --------
    >>> from evaluation import clean, CleaningRules
    >>> cleaned, log = clean(answers, scales, CleaningRules(speeders="flag"))  # doctest: +SKIP
    """
    rules = rules or CleaningRules()
    log: list[dict[str, Any]] = []

    def count(frame: pd.DataFrame) -> tuple[int, int, int]:
        index = index_responses(frame)
        return len(frame), index.n, index.responses["respondent_id"].nunique()

    _log(log, "input", "answers read", "", *count(answers))
    df = _drop_duplicates(answers.reset_index(drop=True), rules, log)
    df = _out_of_range(df, scales, rules, log)
    df = _response_flags(df, scales, rules, log)
    a, r, p = count(df)
    _log(log, "kept", "answers left for analysis", "", a, r, p)
    return df, pd.DataFrame(log, columns=LOG_COLUMNS)
