"""Excel .xlsx, written as SpreadsheetML directly: fast enough for 100 000 rows × 200 columns.

Numbers are number cells; texts are inline strings, neutralised against formula injection.
The workbook has a data sheet and a "variabler" sheet with each column's label.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from ..layouts import ExportTable
from .common import coded_values, label_text, neutralise

__all__ = ["write_xlsx", "MAX_ROWS", "MAX_COLUMNS", "TooBigForExcel"]

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CHUNK = 20_000


class TooBigForExcel(ValueError):
    """The table has more rows or columns than a worksheet holds."""


def _string_cell(text: object) -> str:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return "<c/>"
    value = _ILLEGAL_XML.sub("", neutralise(str(text)) or "")
    return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def _number_cells(values: np.ndarray) -> np.ndarray:
    """Cell XML for a float column; whole numbers through a lookup table (the common case)."""
    out = np.full(len(values), "<c/>", dtype=object)
    finite = np.isfinite(values)
    whole = finite & (values == np.round(values)) & (np.abs(values) < 1e15)
    if whole.any():
        ints = values[whole].astype(np.int64)
        lo, hi = ints.min(), ints.max()
        if hi - lo < 100_000:
            table = np.array([f"<c><v>{i}</v></c>" for i in range(lo, hi + 1)], dtype=object)
            out[whole] = table[ints - lo]
        else:
            out[whole] = [f"<c><v>{i}</v></c>" for i in ints]
    frac = finite & ~whole
    if frac.any():
        out[frac] = [f"<c><v>{v!r}</v></c>" for v in values[frac].tolist()]
    return out


def _category_cells(s: pd.Series) -> np.ndarray:
    codes = s.cat.codes.to_numpy()
    table = np.array([_string_cell(c) for c in s.cat.categories.astype(str)] + ["<c/>"],
                     dtype=object)
    return table[np.where(codes < 0, len(table) - 1, codes)]


def _column_cells(table: ExportTable, col) -> np.ndarray:
    s = table.frame[col.name]
    if col.kind == "numeric":
        return _number_cells(coded_values(table, col))
    if hasattr(s, "cat"):
        return _category_cells(s)
    return np.array([_string_cell(v) for v in s.astype(object).tolist()], dtype=object)


def _sheet_rows(header: list[str], columns: list[np.ndarray], n_rows: int):
    yield '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    yield ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
           'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>')
    yield "<row>" + "".join(_string_cell(h) for h in header) + "</row>"
    for start in range(0, n_rows, _CHUNK):
        block = np.column_stack([c[start:start + _CHUNK] for c in columns]) if columns else None
        if block is None:
            continue
        yield "".join("<row>" + "".join(row) + "</row>" for row in block.tolist())
    yield "</sheetData></worksheet>"


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    '</Relationships>')
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')


def _workbook(sheet_name: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{escape(sheet_name[:31])}" sheetId="1" r:id="rId1"/>'
            '<sheet name="variabler" sheetId="2" r:id="rId2"/></sheets></workbook>')


def write_xlsx(table: ExportTable, path: Path, *, lang: str = "nb", **_: object) -> dict:
    """Write ``table`` as .xlsx; raises TooBigForExcel beyond Excel's sheet limits."""
    n_rows, n_cols = table.shape
    if n_rows + 1 > MAX_ROWS or n_cols > MAX_COLUMNS:
        raise TooBigForExcel(f"{table.name}: {n_rows} rows × {n_cols} columns exceeds Excel's "
                             f"limit of {MAX_ROWS - 1} rows and {MAX_COLUMNS} columns")
    columns = [_column_cells(table, c) for c in table.columns]
    header = [c.name for c in table.columns]
    labels = [np.array([_string_cell(c.name) for c in table.columns], dtype=object),
              np.array([_string_cell(label_text(c, lang)) for c in table.columns], dtype=object)]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _workbook(table.name))
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for piece in _sheet_rows(header, columns, n_rows):
                fh.write(piece.encode("utf-8"))
        with zf.open("xl/worksheets/sheet2.xml", "w") as fh:
            for piece in _sheet_rows(["variabel", "etikett"], labels, len(table.columns)):
                fh.write(piece.encode("utf-8"))
    return {"rows": n_rows, "columns": n_cols}
