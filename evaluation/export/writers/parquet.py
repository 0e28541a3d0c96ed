"""Parquet: typed columns, categories as dictionaries, labels in the schema metadata."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from ..layouts import ExportTable
from .common import label_text, value_labels
from .csv import arrow_table

__all__ = ["write_parquet"]


def write_parquet(
    table: ExportTable, path: Path, *, lang: str = "nb", **_: object
) -> dict[str, Any]:
    """Write ``table`` as Parquet (zstd); variable and value labels go in the metadata."""
    at = arrow_table(table, neutralised=False)
    labels = {
        c.name: {
            "label": label_text(c, lang),
            "value_labels": {str(k): v for k, v in value_labels(c, lang).items()},
        }
        for c in table.columns
    }
    meta = dict(at.schema.metadata or {})
    meta[b"dekom.labels"] = json.dumps(labels, ensure_ascii=False, sort_keys=True).encode()
    at = at.replace_schema_metadata(meta)
    pq.write_table(at, path, compression="zstd", row_group_size=1_000_000)
    return {"rows": at.num_rows, "columns": at.num_columns}
