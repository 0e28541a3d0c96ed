"""One writer per file format; each takes an ExportTable and a path and returns rows/columns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .csv import write_csv
from .parquet import write_parquet
from .spss import write_sav
from .stata import write_dta
from .xlsx import write_xlsx

__all__ = ["WRITERS", "write_csv", "write_parquet", "write_sav", "write_dta", "write_xlsx"]

WRITERS: dict[str, Callable[..., dict[str, Any]]] = {
    "csv": write_csv,
    "parquet": write_parquet,
    "sav": write_sav,
    "dta": write_dta,
    "xlsx": write_xlsx,
}
