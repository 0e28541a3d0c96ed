"""One row per response (a respondent in a wave): the index the other modules aggregate on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ResponseIndex", "index_responses", "RESPONSE_COLUMNS"]

#: Columns that describe a response rather than one answer (constant within a response).
RESPONSE_COLUMNS = (
    "respondent_id",
    "wave",
    "role",
    "fylke",
    "kompetansenettverk",
    "kommune",
    "school",
    "status",
    "duration_s",
    "submitted_at",
    "wave_name",
    "instrument_version",
)


@dataclass
class ResponseIndex:
    """Row → response code for an answers table, and the table of responses."""

    codes: np.ndarray  # int64, one per answer row
    responses: pd.DataFrame  # one row per response, in (respondent_id, wave) order

    @property
    def n(self) -> int:
        """Number of responses."""
        return len(self.responses)


def _codes(col: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes of a column and how many distinct values it has."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy().astype(np.int64), len(col.cat.categories)
    codes, uniques = pd.factorize(col, sort=True)
    return codes.astype(np.int64), len(uniques)


def index_responses(answers: pd.DataFrame) -> ResponseIndex:
    """Give each answer row the code of its response (respondent × wave).

    Parameters
    ----------
    answers : pandas.DataFrame
        A validated answers table.

    Returns
    -------
    ResponseIndex
        ``codes`` (one per row) and ``responses`` with the response-level columns that exist.
    """
    r, _ = _codes(answers["respondent_id"])
    w, nw = _codes(answers["wave"])
    key = r * nw + w
    # Dense unique (keys are bounded by persons × waves): linear time, no sort of the rows.
    size = int(key.max()) + 1 if len(key) else 0
    present = np.zeros(size, dtype=bool)
    present[key] = True
    uniq = np.flatnonzero(present)
    lookup = np.full(size, -1, dtype=np.int64)
    lookup[uniq] = np.arange(len(uniq))
    first = np.full(size, len(key), dtype=np.int64)
    np.minimum.at(first, key, np.arange(len(key)))
    cols = [c for c in RESPONSE_COLUMNS if c in answers.columns]
    responses = answers[cols].iloc[first[uniq]].reset_index(drop=True)
    return ResponseIndex(codes=lookup[key], responses=responses)
