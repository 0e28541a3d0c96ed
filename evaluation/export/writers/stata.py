"""Stata .dta (format 118, Stata 14+): labels, value labels, extended missing .a-.f.

pandas writes the file (fast, vectorised); named missing values are then written into the data
section as Stata's extended missing doubles ``.a`` … ``.f``, which pandas cannot produce itself.
"""

from __future__ import annotations

import re
import struct
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..layouts import ExportTable
from ..missing import ALL_KINDS, kinds
from .spss import spss_frame

__all__ = ["write_dta", "stata_names", "STATA_MISSING"]

NAME_MAX = 32
LABEL_MAX = 80
STR_MAX = 2045
_DOT = 0x7FE0000000000000  # "." as a double
#: status -> bit pattern of the extended missing double (.a = . + 1 × 2**40, ...)
STATA_MISSING = {k.status: _DOT + (ord(k.stata) - ord("a") + 1) * (1 << 40) for k in ALL_KINDS}
#: Stata type code -> (numpy dtype, value of ".", largest valid value)
_INTEGER_TYPES = {
    65530: ("<i1", 101, 100),
    65529: ("<i2", 32741, 32740),
    65528: ("<i4", 2147483621, 2147483620),
}
#: value-label keys of extended missing values (.a = 2147483622 in the label table)
_LABEL_KEY = {k.stata: 2147483621 + ord(k.stata) - ord("a") + 1 for k in ALL_KINDS}
_WIDTHS = {65526: 8, 65527: 4, 65528: 4, 65529: 2, 65530: 1, 32768: 8}


def stata_names(names: list[str]) -> dict[str, str]:
    """Map column names to valid, unique Stata names (32 characters at most)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        clean = re.sub(r"[^A-Za-z0-9_]", "_", name)
        if not re.match(r"[A-Za-z_]", clean):
            clean = "v" + clean
        candidate = clean[:NAME_MAX]
        n = 1
        while candidate in used:
            suffix = f"_{n}"
            candidate = clean[: NAME_MAX - len(suffix)] + suffix
            n += 1
        used.add(candidate)
        out[name] = candidate
    return out


def _integer_dtype(values: np.ndarray) -> str | None:
    """The smallest integer dtype holding every non-missing value, or None for fractions."""
    finite = values[~np.isnan(values)]
    if len(finite) and not np.all(finite == np.round(finite)):
        return None
    top = float(np.abs(finite).max()) if len(finite) else 0.0
    for dtype, (_, _, limit) in zip(
        ("int8", "int16", "int32"), _INTEGER_TYPES.values(), strict=True
    ):
        if top <= limit and (dtype != "int8" or (len(finite) == 0 or finite.min() >= -127)):
            return dtype
    return None


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _patch_missing(path: Path, columns: list[str], patches: dict[str, np.ndarray]) -> None:
    """Overwrite "." with .a-.f in the data section, in place, using the file's own layout."""
    raw = np.memmap(path, dtype=np.uint8, mode="r+")
    head = bytes(raw[: 1 << 16])
    i = head.index(b"<map>") + 5
    offsets = struct.unpack("<14Q", head[i : i + 112])
    types_at = offsets[2] + len(b"<variable_types>")
    types = np.frombuffer(bytes(raw[types_at : types_at + 2 * len(columns)]), dtype="<u2")
    widths = [_WIDTHS.get(int(t), int(t)) for t in types]
    n_rows_at = head.index(b"<N>") + 3
    n_rows = struct.unpack("<Q", head[n_rows_at : n_rows_at + 8])[0]
    start = offsets[9] + len(b"<data>")
    row = sum(widths)
    data = raw[start : start + row * n_rows].reshape(n_rows, row) if n_rows else None
    pos = np.cumsum([0] + widths)
    for j, name in enumerate(columns):
        status = patches.get(name)
        if status is None or data is None:
            continue
        t = int(types[j])
        if t == 65526:
            cells = data[:, pos[j] : pos[j] + 8].copy().view("<u8").ravel()
            for s, bits in STATA_MISSING.items():
                cells[status == s] = bits
        elif t in _INTEGER_TYPES:
            dtype, dot, _ = _INTEGER_TYPES[t]
            size = np.dtype(dtype).itemsize
            cells = data[:, pos[j] : pos[j] + size].copy().view(dtype).ravel()
            cells[status < 0] = dot  # system missing (no value at all)
            for k in ALL_KINDS:
                cells[status == k.status] = dot + ord(k.stata) - ord("a") + 1
        else:
            raise ValueError(f"{path.name}: column {name} has Stata type {t}; cannot mark missing")
        data[:, pos[j] : pos[j] + cells.dtype.itemsize] = cells.view(np.uint8).reshape(n_rows, -1)
    raw.flush()
    del raw


def write_dta(table: ExportTable, path: Path, *, lang: str = "nb", **_: object) -> dict[str, Any]:
    """Write ``table`` as Stata .dta; named missing values become .a, .b, ... (see docs)."""
    df, var_labels, val_labels = spss_frame(table, lang, stata=True)
    patches: dict[str, np.ndarray] = {}
    strl = []
    for col in table.columns:
        if col.kind == "numeric" and col.name in table.status:
            status = table.status[col.name].astype(np.int8)
            values = df[col.name].to_numpy(dtype=float)
            small = _integer_dtype(values)
            if small is not None:
                # whole numbers go in the smallest Stata integer type; every empty cell is
                # patched below (system missing where status is 0 and the value is NaN)
                status = np.where(np.isnan(values) & (status == 0), -1, status).astype(np.int8)
                df[col.name] = np.nan_to_num(values).astype(small)
            if (status != 0).any():
                patches[col.name] = status
                labels = dict(val_labels.get(col.name, {}))
                for k in kinds(col.not_applicable):
                    labels[_LABEL_KEY[k.stata]] = k.label(lang)
                val_labels[col.name] = labels
        elif col.kind == "string":
            lengths = df[col.name].map(
                lambda v: len(v.encode("utf-8")) if isinstance(v, str) else 0
            )
            if len(lengths) and lengths.max() > STR_MAX:
                strl.append(col.name)
    names = stata_names(list(df.columns))
    df = df.rename(columns=names)
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].astype(object)
    value_labels = {
        names[k]: {int(code): _short(text, 32000) for code, text in v.items()}
        for k, v in val_labels.items()
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns about its own name/label conversions
        df.to_stata(
            path,
            version=118,
            write_index=False,
            data_label=_short(f"dekom-eval {table.name}", 80),
            variable_labels={names[k]: _short(v, LABEL_MAX) for k, v in var_labels.items()},
            value_labels=value_labels,
            convert_strl=[names[c] for c in strl],
        )
    _patch_missing(Path(path), list(df.columns), {names[k]: v for k, v in patches.items()})
    return {
        "rows": len(df),
        "columns": df.shape[1],
        "renamed": {k: v for k, v in names.items() if k != v},
    }
