"""Fast text rendering of a table: each column's distinct cell texts are rendered once, placed
in a fixed-width byte grid by index, and the NUL padding is squeezed out. Used by the CSV and
Excel writers; the output is byte-identical for identical input."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import pandas as pd

__all__ = ["Tokens", "number_tokens", "string_tokens", "render_rows", "format_number"]

#: rows rendered at a time (bounds the grid's memory)
CHUNK_ROWS = 16_384


class Tokens:
    """A column as distinct byte strings (``table``) and one index per row (``index``)."""

    __slots__ = ("table", "index")

    def __init__(self, table: Sequence[bytes], index: np.ndarray) -> None:
        width = max([1] + [len(t) for t in table])
        self.table = np.array(list(table), dtype=f"S{width}")
        n = len(self.table)
        # the smallest index type: most columns have a handful of distinct cells
        self.index = index.astype(np.uint8 if n <= 255 else np.uint16 if n <= 65535 else np.int64)


def format_number(value: float) -> str:
    """Shortest text that reads back as the same float; whole numbers without ".0"."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def number_tokens(values: np.ndarray, wrap: Callable[[str], bytes]) -> Tokens:
    """Tokens of a float column; NaN gives the empty token (``wrap(None)``)."""
    nan = np.isnan(values)
    uniques, inverse = np.unique(np.where(nan, 0.0, values), return_inverse=True)
    table = [wrap(format_number(u)) for u in uniques.tolist()] + [wrap(None)]
    index = np.where(nan, len(uniques), inverse.ravel())
    return Tokens(table, index)


def string_tokens(values: pd.Series, wrap: Callable[[str | None], bytes]) -> Tokens:
    """Tokens of a string or categorical column (categories rendered once)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = [wrap(str(c)) for c in values.cat.categories] + [wrap(None)]
        codes = values.cat.codes.to_numpy()
        return Tokens(cats, np.where(codes < 0, len(cats) - 1, codes))
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    table = [wrap(str(u)) for u in uniques] + [wrap(None)]
    return Tokens(table, np.where(codes < 0, len(table) - 1, codes))


def render_rows(columns: list[Tokens], n_rows: int, *, sep: bytes = b"", row_start: bytes = b"",
                row_end: bytes = b"\n") -> Iterator[bytes]:
    """Yield the rows as bytes, chunk by chunk: row_start, cells joined by sep, row_end."""
    widths = [c.table.dtype.itemsize for c in columns]
    pieces = [row_start]
    for k in range(len(columns)):
        pieces.append(None)  # a cell
        if k < len(columns) - 1 and sep:
            pieces.append(sep)
    pieces.append(row_end)
    total = sum(len(p) if p is not None else 0 for p in pieces) + sum(widths)
    views = [c.table.view(np.uint8).reshape(len(c.table), w) for c, w in zip(columns, widths, strict=True)]
    for start in range(0, n_rows, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, n_rows)
        grid = np.zeros((stop - start, total), dtype=np.uint8)
        pos, k = 0, 0
        for piece in pieces:
            if piece is None:
                w = widths[k]
                grid[:, pos:pos + w] = views[k][columns[k].index[start:stop]]
                pos += w
                k += 1
            elif piece:
                grid[:, pos:pos + len(piece)] = np.frombuffer(piece, dtype=np.uint8)
                pos += len(piece)
        flat = grid.ravel()
        yield flat[flat != 0].tobytes()
