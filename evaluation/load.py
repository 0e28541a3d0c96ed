"""Read answers into the tidy long table the analysis works on: from a file or the app's database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "REQUIRED_COLUMNS",
    "from_app_export",
    "OPTIONAL_COLUMNS",
    "MISSING_CODES",
    "AnswerTableError",
    "read_answers",
    "read_database",
    "validate_answers",
]

REQUIRED_COLUMNS = ("respondent_id", "wave", "role", "fylke", "item", "value")
OPTIONAL_COLUMNS = (
    "kompetansenettverk",
    "duration_s",
    "status",
    "missing_code",
    "response_id",
    "submitted_at",
    "wave_name",
    "instrument_version",
)
#: Text values in ``value`` that mean "no numeric answer" ("vet ikke"): read as missing.
MISSING_CODES = frozenset(
    {
        "",
        "na",
        "nan",
        "none",
        "dont_know",
        "not_applicable",
        "vet ikke",
        "vet_ikke",
        "veit ikkje",
        "ikke relevant",
        "vet ikke / ikke relevant",
        "refused",
        "not_shown",
    }
)
_CATEGORIES = (
    "respondent_id",
    "role",
    "fylke",
    "item",
    "kompetansenettverk",
    "status",
    "missing_code",
    "wave_name",
)


class AnswerTableError(ValueError):
    """The answers table is not usable; the message names what is wrong and where."""


def read_answers(
    path: str | Path, *, missing_codes: frozenset[str] = MISSING_CODES
) -> pd.DataFrame:
    """Read a tidy answers table from a CSV or Parquet file and validate it.

    Parameters
    ----------
    path : str or Path
        ``.csv`` (comma separated, UTF-8), ``.parquet``/``.pq``. Columns: ``respondent_id, wave,
        role, fylke, item, value`` plus optional ``kompetansenettverk, duration_s, status,
        missing_code, response_id, submitted_at``.
    missing_codes : frozenset of str
        Text values of ``value`` read as missing (case-insensitive), e.g. ``"vet ikke"``.

    Returns
    -------
    pandas.DataFrame
        The validated table (see :func:`validate_answers`).

    Examples
    --------
    >>> from evaluation import read_answers
    >>> answers = read_answers("answers.csv")  # doctest: +SKIP
    """
    path = Path(path)
    if not path.exists():
        raise AnswerTableError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        df = pd.read_parquet(path)
    elif suffix in (".csv", ".txt"):
        # Values stay text first so that "vet ikke" can be told from a typing error.
        df = pd.read_csv(
            path,
            dtype={"value": "str", "respondent_id": "str", "panel_id": "str", "fylke": "str"},
            keep_default_na=False,
            na_values=[""],
        )
    else:
        raise AnswerTableError(f"{path}: unknown file type {suffix!r}; use .csv or .parquet")
    return validate_answers(from_app_export(df), source=str(path), missing_codes=missing_codes)


def from_app_export(df: pd.DataFrame) -> pd.DataFrame:
    """The app's long export (``panel_id``, ``variable``, ``missing``) as an answers table.

    The long layout names the person ``panel_id`` and the reason for a missing value
    ``missing``; derived rows (scale scores, themes, flags) are left out, since the analysis
    computes them again. Other tables are returned unchanged.
    """
    if "respondent_id" in df.columns or "panel_id" not in df.columns:
        return df
    out = df.rename(columns={"panel_id": "respondent_id"})
    if "missing" in out.columns and "missing_code" not in out.columns:
        out = out.rename(columns={"missing": "missing_code"})
        out["missing_code"] = out["missing_code"].astype("string").replace("", pd.NA)
    if "variable" in out.columns and "item" in out.columns:
        # a derived row's item is its own variable name, which no questionnaire item has
        derived = out["variable"].astype("string").str.match(r"^(score_|theme_|flag_)")
        out = out.loc[~derived.fillna(False).to_numpy()]
    return out


def _coerce_values(df: pd.DataFrame, source: str, missing_codes: frozenset[str]) -> pd.DataFrame:
    """Make ``value`` numeric: known missing codes become NaN (kept in ``missing_code``)."""
    if pd.api.types.is_numeric_dtype(df["value"]):
        df["value"] = df["value"].astype("float64")
        return df
    text = df["value"].astype("string").str.strip()
    num = pd.to_numeric(text, errors="coerce")
    bad = num.isna() & text.notna()
    if bad.any():
        lowered = text[bad].str.lower()
        known = lowered.isin(missing_codes)
        unknown = lowered[~known]
        if len(unknown):
            rows = ", ".join(f"row {i + 2}: {text[i]!r}" for i in unknown.index[:5])
            raise AnswerTableError(
                f"{source}: column 'value' has {len(unknown)} text value(s) that are neither a "
                f"number nor a known missing code ({rows}); known codes: "
                f"{', '.join(sorted(c for c in missing_codes if c))}"
            )
        code = text.where(bad)
        if "missing_code" in df.columns:
            df["missing_code"] = df["missing_code"].astype("string").fillna(code)
        else:
            df["missing_code"] = code
    df["value"] = num.astype("float64").to_numpy(na_value=np.nan)
    return df


def validate_answers(
    df: pd.DataFrame, *, source: str = "answers", missing_codes: frozenset[str] = MISSING_CODES
) -> pd.DataFrame:
    """Check the columns and types of an answers table and return a normalised copy.

    Parameters
    ----------
    df : pandas.DataFrame
        Long table with one row per answer.
    source : str
        Name used in error messages (a file name).
    missing_codes : frozenset of str
        Text values of ``value`` read as missing.

    Returns
    -------
    pandas.DataFrame
        ``wave`` as integer, ``value`` as float (missing codes NaN), text columns categorical,
        ``duration_s`` as float.

    Raises
    ------
    AnswerTableError
        Missing columns, an empty table, a non-integer wave or non-numeric values.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise AnswerTableError(
            f"{source}: missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"required: {', '.join(REQUIRED_COLUMNS)}; found: {', '.join(map(str, df.columns))}"
        )
    if len(df) == 0:
        raise AnswerTableError(f"{source}: the table has no rows")
    # A shallow copy: pandas' copy-on-write keeps the caller's frame unchanged.
    df = df.copy(deep=False)
    wave = pd.to_numeric(df["wave"], errors="coerce")
    bad = wave.isna() | (wave != np.round(wave))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise AnswerTableError(
            f"{source}: column 'wave' must be a whole number (a year); row {i + 2} has "
            f"{df['wave'].iloc[i]!r} ({int(bad.sum())} bad row(s))"
        )
    if df["wave"].dtype != np.int32:
        df["wave"] = wave.astype("int32")
    for col in ("respondent_id", "item", "role"):
        if df[col].isna().any():
            i = int(np.flatnonzero(df[col].isna().to_numpy())[0])
            raise AnswerTableError(f"{source}: column {col!r} is empty in row {i + 2}")
    df = _coerce_values(df, source, missing_codes)
    if "duration_s" in df.columns:
        df["duration_s"] = pd.to_numeric(df["duration_s"], errors="coerce").astype("float64")
    if "fylke" in df.columns:
        df["fylke"] = df["fylke"].fillna("(ukjent)")
    for col in _CATEGORIES:
        if col in df.columns and not isinstance(df[col].dtype, pd.CategoricalDtype):
            df[col] = df[col].astype("string").astype("category")
    if "submitted_at" in df.columns:
        df["submitted_at"] = pd.to_datetime(df["submitted_at"], errors="coerce", utc=True)
    return df.reset_index(drop=True)


_DB_QUERY = """
SELECT p.panel_id AS respondent_id, w.year AS wave, w.name AS wave_name, p.role AS role,
       p.fylke AS fylke, o.name AS kompetansenettverk, a.item_code AS item,
       a.value_num AS value, a.missing_code AS missing_code, r.status AS status,
       r.id AS response_id, r.started_at AS started_at, r.submitted_at AS submitted_at,
       r.questionnaire_version_id AS questionnaire_version_id
FROM answer a
JOIN response r ON r.id = a.response_id
JOIN person p ON p.id = r.person_id
JOIN wave w ON w.id = r.wave_id
LEFT JOIN organisation o ON o.id = p.network_id
WHERE (a.value_num IS NOT NULL OR a.missing_code IS NOT NULL) {where}
ORDER BY r.id, a.item_code
"""


def _instrument_version(definition: Any) -> int:
    """The instrument version a stored questionnaire definition declares (1 when none)."""
    if isinstance(definition, (str, bytes)):
        import json

        definition = json.loads(definition)
    return int((definition or {}).get("version") or 1)


def read_database(url_or_engine: Any, wave: int | None = None) -> pd.DataFrame:
    """Read the answers of the app's database into the tidy long table.

    Parameters
    ----------
    url_or_engine : str or sqlalchemy.engine.Engine
        A database URL (``sqlite:///instance/dekom.sqlite``) or an engine.
    wave : int, optional
        Only this wave (year).

    Returns
    -------
    pandas.DataFrame
        As :func:`validate_answers`; ``respondent_id`` is the person's panel id, ``wave`` the
        wave's year, ``instrument_version`` the version of the questionnaire answered (1, 2 …),
        ``duration_s`` submitted minus started in seconds, ``value`` NaN for
        answers with a missing code (kept in ``missing_code``). Free-text and multiple-choice
        answers are left out.
    """
    import sqlalchemy as sa

    engine = sa.create_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    where = "AND w.year = :year" if wave is not None else ""
    params = {"year": int(wave)} if wave is not None else {}
    with engine.connect() as conn:
        df = pd.read_sql_query(sa.text(_DB_QUERY.format(where=where)), conn, params=params)
        versions = {
            int(vid): _instrument_version(definition)
            for vid, definition in conn.execute(
                sa.text("SELECT id, definition FROM questionnaire_version")
            )
        }
    if df.empty:
        what = f"wave {wave}" if wave is not None else "any wave"
        raise AnswerTableError(f"database: no numeric answers for {what}")
    df["instrument_version"] = df.pop("questionnaire_version_id").map(versions).astype("int32")
    started = pd.to_datetime(df.pop("started_at"), errors="coerce", utc=True)
    submitted = pd.to_datetime(df["submitted_at"], errors="coerce", utc=True)
    df["duration_s"] = (submitted - started).dt.total_seconds()
    df["respondent_id"] = df["respondent_id"].astype("string")
    df.loc[df["missing_code"].notna(), "value"] = np.nan
    return validate_answers(df, source="database")
