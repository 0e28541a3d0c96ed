"""Excel .xlsx, written as SpreadsheetML directly: fast enough for 100 000 rows × 200 columns.

Kept instead of a library because of a measured figure (bench/bench_writers.py, in
docs/benchmarks.md): on the same wide table it takes 1/26 of XlsxWriter's CPU time
(constant_memory) and 1/53 of openpyxl's (write-only mode).

Numbers are number cells; texts are inline strings, neutralised against formula injection.
The workbook has a data sheet and a "variabler" sheet with each column's label.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

import pandas as pd

from ..layouts import ExportTable
from .common import label_text, neutralise, table_tokens
from .textgrid import Tokens, render_rows, string_tokens

__all__ = ["write_xlsx", "MAX_ROWS", "MAX_COLUMNS", "TooBigForExcel"]

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class TooBigForExcel(ValueError):
    """The table has more rows or columns than a worksheet holds."""


def _string_cell(text: str | None) -> bytes:
    if text is None:
        return b"<c/>"
    value = _ILLEGAL_XML.sub("", neutralise(str(text)) or "")
    return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'.encode()


def _number_cell(text: str | None) -> bytes:
    return b"<c/>" if text is None else f"<c><v>{text}</v></c>".encode("ascii")


_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
    'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>'
)
_SHEET_END = "</sheetData></worksheet>"


def _write_sheet(fh: IO[bytes], header: list[str], tokens: list[Tokens], n_rows: int) -> None:
    fh.write(_SHEET_START.encode())
    fh.write(b"<row>" + b"".join(_string_cell(h) for h in header) + b"</row>")
    for chunk in render_rows(tokens, n_rows, row_start=b"<row>", row_end=b"</row>"):
        fh.write(chunk)
    fh.write(_SHEET_END.encode())


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _workbook(sheet_name: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{escape(sheet_name[:31])}" sheetId="1" r:id="rId1"/>'
        '<sheet name="variabler" sheetId="2" r:id="rId2"/></sheets></workbook>'
    )


def write_xlsx(table: ExportTable, path: Path, *, lang: str = "nb", **_: object) -> dict[str, Any]:
    """Write ``table`` as .xlsx; raises TooBigForExcel beyond Excel's sheet limits."""
    n_rows, n_cols = table.shape
    if n_rows + 1 > MAX_ROWS or n_cols > MAX_COLUMNS:
        raise TooBigForExcel(
            f"{table.name}: {n_rows} rows × {n_cols} columns exceeds Excel's "
            f"limit of {MAX_ROWS - 1} rows and {MAX_COLUMNS} columns"
        )
    names = pd.Series([c.name for c in table.columns], dtype=object)
    labels = pd.Series([label_text(c, lang) for c in table.columns], dtype=object)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _workbook(table.name))
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            _write_sheet(
                fh,
                [c.name for c in table.columns],
                table_tokens(table, _number_cell, _string_cell),
                n_rows,
            )
        with zf.open("xl/worksheets/sheet2.xml", "w") as fh:
            _write_sheet(
                fh,
                ["variabel", "etikett"],
                [string_tokens(names, _string_cell), string_tokens(labels, _string_cell)],
                len(names),
            )
    return {"rows": n_rows, "columns": n_cols}
