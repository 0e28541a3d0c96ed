"""The frame: every invited person per wave, with role, fylke, network, kommune/school and
whether they answered. Representativeness and the nonresponse weights are computed from it.

A frame table has one row per invited person and wave::

    respondent_id, wave, role, fylke, responded[, network, kommune, school]

``responded`` is 1/0 (also ``true``/``false``, ``ja``/``nei``). ``respondent_id`` is the same
pseudonymous id as in the answers table, so weights can be attached to the answers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .load import AnswerTableError

__all__ = ["FRAME_COLUMNS", "OPTIONAL_FRAME_COLUMNS", "read_frame", "validate_frame"]

FRAME_COLUMNS = ("respondent_id", "wave", "role", "fylke", "responded")
OPTIONAL_FRAME_COLUMNS = ("network", "kommune", "school")
_TRUE = {"1", "true", "ja", "yes", "j", "y", "sant"}
_FALSE = {"0", "false", "nei", "no", "n", "usant"}


def read_frame(path: str | Path) -> pd.DataFrame:
    """Read a frame file (``.csv`` or ``.parquet``) and check it with :func:`validate_frame`."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: frame file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            df = pd.read_parquet(path)
        elif suffix == ".csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        else:
            raise AnswerTableError(f"{path}: the frame must be .csv or .parquet, not {suffix!r}")
    except (OSError, ValueError) as err:
        raise AnswerTableError(f"{path}: cannot read the frame: {err}") from err
    return validate_frame(df, source=str(path))


def validate_frame(df: pd.DataFrame, source: str = "frame") -> pd.DataFrame:
    """Check and normalise a frame table; errors name the file, row and column.

    Returns a copy with ``wave`` as int, ``responded`` as int 0/1, the text columns as
    strings (empty fylke, network, kommune or school become ``"(ukjent)"``), and one row per
    person and wave.
    """
    missing = [c for c in FRAME_COLUMNS if c not in df.columns]
    if missing:
        raise AnswerTableError(
            f"{source}: missing column(s) {', '.join(map(repr, missing))}; required: "
            f"{', '.join(FRAME_COLUMNS)}; optional: {', '.join(OPTIONAL_FRAME_COLUMNS)}; "
            f"found: {', '.join(map(str, df.columns))}"
        )
    if len(df) == 0:
        raise AnswerTableError(f"{source}: the frame has no rows")
    keep = [c for c in (*FRAME_COLUMNS, *OPTIONAL_FRAME_COLUMNS) if c in df.columns]
    out = df[keep].copy()
    wave = pd.to_numeric(out["wave"], errors="coerce")
    bad = wave.isna() | (wave != np.round(wave))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise AnswerTableError(
            f"{source}: row {i + 2}, column 'wave': {df['wave'].iloc[i]!r} is "
            f"not a whole number (a year); {int(bad.sum())} bad row(s)"
        )
    out["wave"] = wave.astype(int)
    text = out["responded"].astype("string").str.strip().str.lower()
    flag = pd.Series(
        np.where(text.isin(_TRUE), 1, np.where(text.isin(_FALSE), 0, -1)), index=out.index
    )
    if (flag < 0).any():
        i = int(np.flatnonzero((flag < 0).to_numpy())[0])
        raise AnswerTableError(
            f"{source}: row {i + 2}, column 'responded': {df['responded'].iloc[i]!r} is not "
            "1/0 (or true/false, ja/nei)"
        )
    out["responded"] = flag.astype(int)
    for col in ("respondent_id", "role"):
        empty = out[col].isna() | (out[col].astype("string").str.strip() == "")
        if empty.any():
            i = int(np.flatnonzero(empty.to_numpy())[0])
            raise AnswerTableError(f"{source}: row {i + 2}, column {col!r} is empty")
        out[col] = out[col].astype(str).str.strip()
    for col in ("fylke", *OPTIONAL_FRAME_COLUMNS):
        if col in out.columns:
            out[col] = (
                out[col]
                .astype("string")
                .str.strip()
                .fillna("(ukjent)")
                .replace("", "(ukjent)")
                .astype(str)
            )
    dup = out.duplicated(["respondent_id", "wave"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise AnswerTableError(
            f"{source}: row {i + 2}: person {out['respondent_id'].iloc[i]!r} is invited twice "
            f"in wave {out['wave'].iloc[i]} ({int(dup.sum())} duplicate row(s))"
        )
    return out.reset_index(drop=True)
