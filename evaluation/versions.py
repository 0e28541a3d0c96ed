"""Scales across instrument versions: which definition scores which wave, which trends continue.

A scale's *definition* is its items, reverse keying, ``min_items`` and range. Each instrument
version has its own ``scales.yaml`` (``questionnaires/scales.yaml`` is version 1,
``questionnaires/v2/scales.yaml`` version 2). A response on instrument version *v* is scored
with the newest definition of each scale whose items were all asked in version *v* (the same
item code means the same wording). So a definition that only drops items (felles_forstaelse
in version 2) is scored in every wave and its trend continues; a definition with new or
reworded items is scored only from the version that has them, and its trend restarts there.
Change is estimated only between waves scored with the same definition.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "Definition",
    "VersionedScales",
    "build_versioned",
    "load_versioned",
    "comparability_table",
    "COMPARABILITY_COLUMNS",
]

COMPARABILITY_COLUMNS = ["scale", "definition", "items", "waves", "status", "status_nb"]


def _signature(scale: Any) -> tuple[Any, ...]:
    return (
        tuple(scale.items),
        tuple(sorted(scale.reverse)),
        int(scale.min_items),
        tuple(scale.range),
    )


@dataclass(frozen=True)
class Definition:
    """One definition of a scale: where it was introduced and which versions it scores."""

    code: str
    introduced: int
    scale: Any
    versions: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        """``v1``, ``v2`` ...: the instrument version that introduced this definition."""
        return f"v{self.introduced}"


@dataclass
class VersionedScales:
    """Scale definitions of every instrument version, and the one that scores each version."""

    definitions: list[Definition]
    #: instrument version -> scale code -> the introducing version of the definition used
    chosen: dict[int, dict[str, int]] = field(default_factory=dict)

    @property
    def versions(self) -> list[int]:
        """Instrument versions, oldest first."""
        return sorted(self.chosen)

    @property
    def codes(self) -> list[str]:
        """Scale codes in the order they are first defined (version 1 first)."""
        return list(dict.fromkeys(d.code for d in self.definitions))

    def definition(self, code: str, introduced: int) -> Definition:
        """The definition of ``code`` introduced in version ``introduced``."""
        return next(d for d in self.definitions if d.code == code and d.introduced == introduced)

    def scales_for(self, version: int) -> list[Any]:
        """The scales (one per code) that score responses on instrument ``version``."""
        chosen = self.chosen.get(version, {})
        return [self.definition(c, chosen[c]).scale for c in self.codes if c in chosen]

    def label_for(self, version: int, code: str) -> str | None:
        """The definition label (``v1``, ``v2``) that scores ``code`` in ``version``."""
        introduced = self.chosen.get(version, {}).get(code)
        return None if introduced is None else f"v{introduced}"

    def all_scales(self) -> list[Any]:
        """Every definition used somewhere (cleaning needs the ranges and matrices of all)."""
        used = {(c, i) for ch in self.chosen.values() for c, i in ch.items()}
        return [d.scale for d in self.definitions if (d.code, d.introduced) in used]

    def merged(self) -> list[Any]:
        """One scale per code with the items of all its used definitions (for item figures)."""
        out = []
        for code in self.codes:
            defs = [s for s in self.all_scales() if s.code == code]
            if defs:
                items = tuple(dict.fromkeys(i for s in defs for i in s.items))
                reverse = tuple(dict.fromkeys(r for s in defs for r in s.reverse))
                out.append(replace(defs[-1], items=items, reverse=reverse))
        return out


def build_versioned(
    scales_by_version: Mapping[int, Sequence[Any]], items_by_version: Mapping[int, Iterable[str]]
) -> VersionedScales:
    """Work out the definitions and which one scores each version.

    Parameters
    ----------
    scales_by_version : mapping of int to sequence of Scale
        The scales file of each instrument version.
    items_by_version : mapping of int to iterable of str
        The item codes asked in each version (all roles together).

    Returns
    -------
    VersionedScales
    """
    items = {v: set(codes) for v, codes in items_by_version.items()}
    defs: list[Definition] = []
    seen: dict[tuple[str, tuple[Any, ...]], int] = {}
    for v in sorted(scales_by_version):
        for s in scales_by_version[v]:
            key = (s.code, _signature(s))
            if key not in seen:
                seen[key] = v
                defs.append(Definition(code=s.code, introduced=v, scale=s))
    chosen: dict[int, dict[str, int]] = {}
    for v in sorted(items):
        chosen[v] = {}
        for code in dict.fromkeys(d.code for d in defs):
            candidates = [d for d in defs if d.code == code and set(d.scale.items) <= items[v]]
            if candidates:
                chosen[v][code] = max(candidates, key=lambda d: d.introduced).introduced
    defs = [
        replace(
            d, versions=tuple(v for v in sorted(chosen) if chosen[v].get(d.code) == d.introduced)
        )
        for d in defs
    ]
    return VersionedScales(definitions=defs, chosen=chosen)


def load_versioned(root: str | Path | None = None) -> VersionedScales:
    """Read every version's scales and questionnaires under ``root`` (the instrument folder)."""
    import questionnaires as Q

    root = Path(root) if root is not None else Q.INSTRUMENT_DIR
    scales = {v: Q.load_scales(path) for v, path in Q.scale_files(root).items()}
    items = {
        v: {c for path in roles.values() for c in Q.load_questionnaire(path).item_codes()}
        for v, roles in Q.instrument_versions(root).items()
    }
    return build_versioned(scales, items)


def comparability_table(vs: VersionedScales, wave_versions: Mapping[int, int]) -> pd.DataFrame:
    """Per scale and definition: the waves it scores and whether the trend continues.

    Parameters
    ----------
    vs : VersionedScales
    wave_versions : mapping of int to int
        Wave (year) -> instrument version its responses used.

    Returns
    -------
    pandas.DataFrame
        :data:`COMPARABILITY_COLUMNS`: ``status`` in English and ``status_nb`` in bokmål,
        e.g. "trend continues 2021–2025" or "restarts in 2025 (v2 definition)".
    """
    waves = sorted(wave_versions)
    rows = []
    for code in vs.codes:
        series = []
        for d in [d for d in vs.definitions if d.code == code]:
            ws = [w for w in waves if wave_versions[w] in d.versions]
            if ws:
                series.append((d, ws))
        for k, (d, ws) in enumerate(series):
            span = f"{ws[0]}–{ws[-1]}" if len(ws) > 1 else f"{ws[0]}"
            earlier_version = any(wave_versions[w] < d.introduced for w in ws)
            if len(series) == 1 and ws == waves:
                if earlier_version:
                    en = f"trend continues {span} (recomputed on items asked in every wave)"
                    nb = f"tidsserien fortsetter {span} (beregnet på nytt med spørsmål som er stilt i alle bølger)"
                else:
                    en, nb = f"trend continues {span}", f"tidsserien fortsetter {span}"
            elif k > 0:
                en = f"restarts in {ws[0]} ({d.label} definition): not comparable with {series[k - 1][1][-1]} and earlier"
                nb = f"starter på nytt i {ws[0]} ({d.label}-definisjon): kan ikke sammenlignes med {series[k - 1][1][-1]} og tidligere"
            elif ws[0] > waves[0]:
                en, nb = f"new in {ws[0]}", f"ny fra {ws[0]}"
            else:
                nxt = [w for w in waves if w > ws[-1]]
                if nxt:
                    en = f"{span} only ({d.label} definition); not scored from {nxt[0]}"
                    nb = f"bare {span} ({d.label}-definisjon); skåres ikke fra {nxt[0]}"
                else:
                    en, nb = f"trend {span}", f"tidsserie {span}"
            rows.append(
                {
                    "scale": code,
                    "definition": d.label,
                    "items": ", ".join(d.scale.items),
                    "waves": ", ".join(map(str, ws)),
                    "status": en,
                    "status_nb": nb,
                }
            )
    return pd.DataFrame(rows, columns=COMPARABILITY_COLUMNS)


def instrument_version_of(answers: pd.DataFrame, vs: VersionedScales) -> pd.Series:
    """The instrument version of every answer row (``instrument_version``; raises when missing).

    A table without the column is read as the only version when ``vs`` has one version.
    """
    from .load import AnswerTableError

    if "instrument_version" in answers.columns:
        col = pd.to_numeric(answers["instrument_version"], errors="coerce")
        unknown = sorted(set(col.dropna().astype(int)) - set(vs.versions))
        if col.isna().any() or unknown:
            what = (
                f"unknown version(s) {', '.join(map(str, unknown))}" if unknown else "empty cells"
            )
            raise AnswerTableError(
                f"answers: column 'instrument_version' has {what}; the instrument "
                f"has versions {', '.join(map(str, vs.versions))}"
            )
        return col.astype(int)
    if len(vs.versions) == 1:
        return pd.Series(vs.versions[0], index=answers.index)
    raise AnswerTableError(
        "answers: no column 'instrument_version', but the scales come from several instrument "
        f"versions ({', '.join(map(str, vs.versions))}); add the column (the questionnaire version "
        "each response answered) or pass one version's scales.yaml"
    )


def split_by_version(
    answers: pd.DataFrame, vs: VersionedScales
) -> Iterator[tuple[int, pd.DataFrame, list[Any]]]:
    """Yield ``(version, answers on that version, the scales that score it)``, oldest first."""
    versions = instrument_version_of(answers, vs).to_numpy()
    for v in vs.versions:
        mask = versions == v
        if mask.any():
            yield v, answers.loc[mask].reset_index(drop=True), vs.scales_for(v)
