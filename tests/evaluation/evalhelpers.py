"""Small helpers shared by the evaluation tests (scales and answer tables built by hand)."""

from __future__ import annotations

import pandas as pd

from questionnaires import Scale


def scale(
    code: str,
    items: list[str],
    reverse: tuple[str, ...] = (),
    min_items: int = 1,
    rng: tuple[int, int] = (1, 5),
) -> Scale:
    """A scale built in code (the loader is tested elsewhere)."""
    return Scale(
        code=code,
        label={"nb": code, "nn": code, "en": code},
        items=tuple(items),
        reverse=tuple(reverse),
        min_items=min_items,
        range=rng,
    )


def answers(rows: list[tuple], **extra) -> pd.DataFrame:
    """Long table from (respondent_id, wave, role, item, value) tuples; fylke is Trøndelag."""
    df = pd.DataFrame(rows, columns=["respondent_id", "wave", "role", "item", "value"])
    df["fylke"] = "Trøndelag"
    for key, value in extra.items():
        df[key] = value
    return df


SCALES_YAML = """\
format: 1
scales:
  - code: samarbeid
    label: {nb: Samarbeid med UH, nn: Samarbeid med UH, en: Cooperation}
    items: [s1, s2, s3]
    reverse: [s3]
    min_items: 2
    range: [1, 5]
  - code: enkelt
    label: {nb: Ett ledd, nn: Eitt ledd, en: One item}
    items: [e1]
    min_items: 1
"""
