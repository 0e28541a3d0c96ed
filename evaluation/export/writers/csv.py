"""CSV: UTF-8, comma separated, formula-injection safe, byte-identical for the same input.

Numbers are written without quotes (whole numbers without ".0"), texts always in double quotes
with quotes doubled, missing cells empty. Rows end in "\\n"; there are no timestamps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from ..layouts import ExportTable
from .common import coded_values, neutralise, neutralise_series, table_tokens
from .textgrid import Tokens, render_rows

__all__ = ["write_csv", "arrow_table", "csv_tokens"]

BOM = b"\xef\xbb\xbf"


def _number(text: str | None) -> bytes:
    return b"" if text is None else text.encode("ascii")


def _quoted(text: str | None) -> bytes:
    if text is None:
        return b""
    text = neutralise(text.replace("\x00", "")) or ""
    return ('"' + text.replace('"', '""') + '"').encode("utf-8")


def csv_tokens(table: ExportTable) -> list[Tokens]:
    """One token column per table column, in CSV form."""
    return table_tokens(table, _number, _quoted)


def write_csv(table: ExportTable, path: Path, *, bom: bool = False, **_: object) -> dict[str, Any]:
    """Write ``table`` as CSV; returns rows and columns written."""
    header = b",".join(_quoted(c.name) for c in table.columns) + b"\n"
    with open(path, "wb") as fh:
        if bom:
            fh.write(BOM)
        fh.write(header)
        for chunk in render_rows(csv_tokens(table), len(table.frame), sep=b","):
            fh.write(chunk)
    return {"rows": len(table.frame), "columns": len(table.columns)}


def arrow_table(table: ExportTable, *, neutralised: bool) -> pa.Table:
    """The table as Arrow with missing codes applied (strings neutralised when asked)."""
    arrays, names = [], []
    for col in table.columns:
        s = table.frame[col.name]
        if col.kind == "numeric":
            if col.name == "wave":
                arr = pa.array(s.to_numpy(), type=pa.int32())
            else:
                arr = pa.array(coded_values(table, col), type=pa.float64(), from_pandas=True)
        else:
            if neutralised:
                s = neutralise_series(s)
            if hasattr(s, "cat"):
                codes = s.cat.codes.to_numpy()
                arr = pa.DictionaryArray.from_arrays(
                    pa.array(codes, type=pa.int32(), mask=codes < 0),
                    pa.array(s.cat.categories.astype(str).tolist(), type=pa.string()),
                )
            else:
                arr = pa.array(s.astype(object).tolist(), type=pa.string(), from_pandas=True)
        arrays.append(arr)
        names.append(col.name)
    return pa.Table.from_arrays(arrays, names=names)
