"""The three layouts: long (respondent × wave × variable), wide panel (one row per person) and
one respondent-level table per wave, each with column metadata for the writers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .catalogue import Catalogue, Variable
from .matrix import WaveData
from .missing import NOT_IN_QUESTIONNAIRE, NOT_IN_WAVE, status_names

__all__ = [
    "Column",
    "ExportTable",
    "per_wave_tables",
    "wide_table",
    "long_table",
    "META_LABELS",
    "DERIVED_PREFIXES",
]

#: response-level columns, in file order, with labels (nb, en)
META_LABELS = {
    "panel_id": (
        "Pseudonymt panel-id (stabilt over bølger)",
        "Pseudonymous panel id (stable across waves)",
    ),
    "wave": ("Bølge (år)", "Wave (year)"),
    "role": ("Respondentrolle", "Respondent role"),
    "fylke": ("Fylke", "County"),
    "kompetansenettverk": ("Kompetansenettverk", "Competence network"),
    "questionnaire_version": ("Spørreskjemaversjon", "Questionnaire version"),
    "response_status": ("Svarstatus (complete/partial/in_progress)", "Response status"),
    "language": ("Svarspråk", "Response language"),
    "flag_partial": ("Rensing: ufullstendig besvarelse", "Cleaning: partial response"),
    "flag_speeder": ("Rensing: svarte svært raskt", "Cleaning: speeder"),
    "flag_straightline": ("Rensing: like svar i hele matrisen", "Cleaning: straight-lining"),
    "flag_out_of_range": ("Rensing: verdi utenfor skala", "Cleaning: value out of range"),
    "variable": ("Variabelnavn", "Variable name"),
    "item": ("Spørsmålskode", "Item code"),
    "value": ("Verdi (tom når manglende)", "Value (blank when missing)"),
    "missing": ("Hvorfor verdien mangler", "Why the value is missing"),
    "text": ("Fritekstsvar", "Free-text answer"),
}
DERIVED_PREFIXES = ("score_", "theme_", "flag_")
_RESPONSE_META = ("wave", "questionnaire_version", "response_status", "language")
_PERSON_META = ("panel_id", "role", "fylke", "kompetansenettverk")


@dataclass
class Column:
    """Metadata of one exported column."""

    name: str
    kind: str  # numeric | string | category
    label: dict[str, str]
    value_labels: dict[int, dict[str, str]] | None = None
    base: int | None = None  # numeric missing-code base when the column has a status
    measure: str = "nominal"
    variable: Variable | None = None
    wave: int | None = None
    source: str = "meta"  # meta | item | score | theme | flag | long
    #: the column may hold "ikke relevant" (its own missing code, version 2 on)
    not_applicable: bool = False


@dataclass
class ExportTable:
    """A layout ready to write: the frame (NaN where missing), per-column status and metadata."""

    name: str
    frame: pd.DataFrame
    columns: list[Column]
    status: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self.frame.shape


def _meta_column(name: str, kind: str = "category") -> Column:
    nb, en = META_LABELS[name]
    return Column(
        name,
        "numeric" if name == "wave" else kind,
        {"nb": nb, "en": en},
        measure="ordinal" if name == "wave" else "nominal",
    )


def _derived_column(name: str, wave: int | None, labels: dict[str, dict[str, str]]) -> Column:
    label = labels.get(name) or {"nb": name, "en": name}
    if name.startswith("score_"):
        return Column(name, "numeric", label, measure="scale", wave=wave, source="score")
    vl = {0: {"nb": "Nei", "en": "No"}, 1: {"nb": "Ja", "en": "Yes"}}
    src = "theme" if "theme_" in name else "flag"
    return Column(name, "numeric", label, value_labels=vl, wave=wave, source=src)


def _item_column(v: Variable, name: str, wave: int | None, free_text: bool) -> Column | None:
    if v.is_text and not free_text:
        return None
    if v.is_text:
        return Column(name, "string", dict(v.label_in(wave)), variable=v, wave=wave, source="item")
    return Column(
        name,
        "numeric",
        dict(v.label_in(wave)),
        value_labels=v.value_labels or None,
        base=v.base,
        measure=v.measure,
        variable=v,
        wave=wave,
        source="item",
        not_applicable=v.not_applicable,
    )


def _compact(values: np.ndarray) -> np.ndarray:
    """float32 when every value is a whole number float32 holds exactly (codes, counts)."""
    finite = values[~np.isnan(values)]
    if len(finite) and (not np.all(finite == np.round(finite)) or np.abs(finite).max() >= 2**24):
        return values
    return values.astype(np.float32)


def _categorical(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), None).astype("category")


def per_wave_tables(
    waves: list[WaveData], free_text: bool, labels: dict[str, dict[str, str]]
) -> list[ExportTable]:
    """One respondent-level table per wave: meta, item variables, then derived columns."""
    out = []
    for wd in waves:
        r = wd.responses
        data: dict[str, object] = {}
        cols: list[Column] = []
        status: dict[str, np.ndarray] = {}
        for name in (
            "panel_id",
            "wave",
            "role",
            "fylke",
            "kompetansenettverk",
            "questionnaire_version",
            "response_status",
            "language",
        ):
            src = "status" if name == "response_status" else name
            data[name] = (
                r[src].astype("int32")
                if name == "wave"
                else (r[src].astype(object) if name == "panel_id" else _categorical(r[src]))
            )
            cols.append(_meta_column(name, "string" if name == "panel_id" else "category"))
        for j, v in enumerate(wd.variables):
            col = _item_column(v, v.name, wd.wave, free_text)
            if col is None:
                continue
            if v.is_text:
                data[v.name] = pd.Series(wd.texts[v.name], dtype=object)
            else:
                data[v.name] = _compact(wd.values[:, j])
            status[v.name] = wd.status[:, j]
            cols.append(col)
        for name in sorted(wd.extra, key=_derived_order):
            data[name] = wd.extra[name].to_numpy()
            cols.append(_derived_column(name, wd.wave, labels))
        frame = pd.DataFrame(data)
        out.append(ExportTable(f"wave_{wd.wave}", frame, cols, status))
    return out


def _derived_order(name: str) -> tuple[int, str]:
    for i, prefix in enumerate(("flag_", "score_")):
        if name.startswith(prefix):
            return (i, "")
    return (2, "")


def wide_table(tables: list[ExportTable]) -> ExportTable:
    """One row per person: person columns, then per wave ``<column>_<wave>``.

    A person with no response in a wave gets the status "did not take part" in that wave's
    item columns; if a person has two responses in one wave (raw data) the last row is kept.
    """
    ids = sorted(set().union(*[set(t.frame["panel_id"]) for t in tables]))
    index = pd.Index(ids)
    data: dict[str, object] = {"panel_id": pd.Series(ids, dtype=object)}
    cols = [_meta_column("panel_id", "string")]
    status: dict[str, np.ndarray] = {}
    for name in ("role", "fylke", "kompetansenettverk"):
        merged = pd.Series([None] * len(ids), dtype=object)
        for t in tables:
            pos = index.get_indexer(t.frame["panel_id"])
            merged.iloc[pos] = t.frame[name].astype(object).to_numpy()
        data[name] = _categorical(merged)
        cols.append(_meta_column(name))
    for t in tables:
        wave = int(t.frame["wave"].iloc[0]) if len(t.frame) else None
        pos = index.get_indexer(t.frame["panel_id"])
        present = np.zeros(len(ids), dtype=bool)
        present[pos] = True
        for col in t.columns:
            if col.name in _PERSON_META or col.name == "wave":
                continue
            new = f"{col.name}_{wave}"
            src = t.frame[col.name]
            if col.kind == "numeric":
                arr = np.full(
                    len(ids), np.nan, dtype=src.dtype if src.dtype == np.float32 else float
                )
                arr[pos] = src.to_numpy()
                data[new] = arr
            else:
                obj = np.full(len(ids), None, dtype=object)
                obj[pos] = src.astype(object).to_numpy()
                data[new] = _categorical(pd.Series(obj)) if col.kind == "category" else obj
            if col.name in t.status:
                st = np.full(len(ids), NOT_IN_WAVE, dtype=np.int8)
                st[pos] = t.status[col.name]
                status[new] = st
            cols.append(
                Column(
                    new,
                    col.kind,
                    col.label,
                    col.value_labels,
                    col.base,
                    col.measure,
                    col.variable,
                    wave,
                    col.source,
                    col.not_applicable,
                )
            )
    return ExportTable("wide", pd.DataFrame(data), cols, status)


def _global_codes(series: list[pd.Series]) -> tuple[list[np.ndarray], list[str]]:
    """Integer codes of several string columns against their shared, sorted categories."""
    cats = sorted({str(x) for s in series for x in pd.unique(s.astype(object)) if pd.notna(x)})
    index = pd.Index(cats)
    return [index.get_indexer(s.astype(object).where(s.notna(), None)) for s in series], cats


def long_table(tables: list[ExportTable], catalogue: Catalogue) -> ExportTable:
    """One row per respondent × wave × variable in the respondent's questionnaire version.

    ``value`` is blank when missing and ``missing`` names why (dont_know, not_asked, ...);
    derived columns (scores, themes, flags) are rows too, with their own variable names.
    """
    names = status_names(any(v.not_applicable for v in catalogue.variables))
    order = {v.name: i for i, v in enumerate(catalogue.variables)}
    var_names: list[str] = []
    item_of: dict[str, str] = {}
    for t in tables:
        for col in t.columns:
            if col.source != "meta" and col.name not in item_of:
                var_names.append(col.name)
                item_of[col.name] = col.variable.item_code if col.variable else col.name
    first = {n: i for i, n in enumerate(var_names)}
    var_names.sort(key=lambda n: (order.get(n, len(order)), _derived_order(n), first[n]))
    var_code = {n: i for i, n in enumerate(var_names)}
    items = list(dict.fromkeys(item_of[n] for n in var_names))
    item_code = np.array([items.index(item_of[n]) for n in var_names], dtype=np.int32)
    cat_meta = ("panel_id", "role", "fylke", "kompetansenettverk", "questionnaire_version")
    codes_by_meta = {m: _global_codes([t.frame[m] for t in tables]) for m in cat_meta}
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in (*cat_meta, "wave", "variable", "value", "missing", "text")
    }
    has_text = False
    for ti, t in enumerate(tables):
        f = t.frame
        body = [c for c in t.columns if c.source != "meta"]
        n = len(f)
        st = (
            np.column_stack([t.status.get(c.name, np.zeros(n, np.int8)) for c in body])
            if body
            else np.empty((n, 0), np.int8)
        )
        r, c = np.nonzero(st != NOT_IN_QUESTIONNAIRE)
        for m in cat_meta:
            parts[m].append(codes_by_meta[m][0][ti][r])
        parts["wave"].append(f["wave"].to_numpy(dtype=np.int32)[r])
        parts["variable"].append(np.array([var_code[x.name] for x in body], dtype=np.int32)[c])
        parts["missing"].append(st[r, c].astype(np.int8))
        value = np.full(len(r), np.nan)
        text = np.full(len(r), None, dtype=object)
        for k, col in enumerate(body):
            sel = c == k
            if col.kind == "numeric":
                value[sel] = f[col.name].to_numpy(dtype=float)[r[sel]]
            else:
                has_text = True
                text[sel] = f[col.name].to_numpy(dtype=object)[r[sel]]
        parts["value"].append(value)
        parts["text"].append(text)
    cat = {k: np.concatenate(v) if v else np.empty(0) for k, v in parts.items()}
    order_rows = np.lexsort((cat["variable"], cat["wave"], cat["panel_id"]))
    data: dict[str, object] = {}
    for m in cat_meta:
        codes = cat[m][order_rows]
        data[m] = pd.Categorical.from_codes(codes.astype(np.int32), categories=codes_by_meta[m][1])
    data["wave"] = cat["wave"][order_rows]
    var = cat["variable"][order_rows]
    data["variable"] = pd.Categorical.from_codes(var, categories=var_names)
    data["item"] = pd.Categorical.from_codes(item_code[var], categories=items)
    data["value"] = cat["value"][order_rows]
    data["missing"] = pd.Categorical.from_codes(
        cat["missing"][order_rows], categories=[names[i] for i in range(len(names))]
    )
    cols = [
        _meta_column(m, "string" if m == "panel_id" else "category")
        for m in (
            "panel_id",
            "wave",
            "role",
            "fylke",
            "kompetansenettverk",
            "questionnaire_version",
        )
    ]
    cols += [
        Column("variable", "category", _labels("variable"), source="long"),
        Column("item", "category", _labels("item"), source="long"),
        Column("value", "numeric", _labels("value"), measure="scale", source="long"),
        Column("missing", "category", _labels("missing"), source="long"),
    ]
    if has_text:
        data["text"] = cat["text"][order_rows]
        cols.append(Column("text", "string", _labels("text"), source="long"))
    frame = pd.DataFrame(data)[[c.name for c in cols]]
    return ExportTable("long", frame, cols, {})


def _labels(name: str) -> dict[str, str]:
    nb, en = META_LABELS[name]
    return {"nb": nb, "en": en}
