"""Benchmark: each hand-written export writer against the library it stands in for, side by side.

One wide table of synthetic answers (the real questionnaires) is written by
- CSV: our token grid (``write_csv``) vs pandas ``to_csv`` and pyarrow ``csv.write_csv``;
- Excel: our SpreadsheetML writer (``write_xlsx``) vs openpyxl write-only and XlsxWriter
  ``constant_memory`` (when installed);
- SPSS: our vectorised system-file writer (``write_sav``) vs ``pyreadstat.write_sav``.
Each writer runs ``--repeat`` times in this process, alternating, and the median CPU time is
reported with its ratio to ours.

    .venv/bin/python bench/bench_writers.py                  # 20 000 persons, 3 repeats
    .venv/bin/python bench/bench_writers.py --persons 5000 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def wide_table(persons: int):
    """The wide export table of a synthetic panel, built by the export's own steps."""
    import questionnaires
    from evaluation.export.build import _default_scales, _prepare_responses
    from evaluation.export.catalogue import VersionUse, build_catalogue
    from evaluation.export.layouts import per_wave_tables
    from evaluation.export.layouts import wide_table as make_wide
    from evaluation.export.matrix import build_wave_data
    from evaluation.export.options import ExportOptions
    from evaluation.export.synthetic import synthetic_source

    source = synthetic_source(
        questionnaires.load_instrument(), persons, waves=(2021, 2023, 2025), text_share=0.3
    )
    options = ExportOptions(free_text=False)
    responses = _prepare_responses(source, "bench-key", options)
    uses = {
        VersionUse(int(w), str(r), source.versions[int(v)][0], source.versions[int(v)][1])
        for w, r, v in responses[["wave", "role", "version_id"]]
        .drop_duplicates()
        .itertuples(index=False)
    }
    catalogue = build_catalogue(uses, _default_scales())
    waves = build_wave_data(source, catalogue, responses)
    return make_wide(per_wave_tables(waves, False, {}))


def pandas_csv(table, path):
    """pandas to_csv of the coded, neutralised frame."""
    from evaluation.export.writers.csv import arrow_table

    arrow_table(table, neutralised=True).to_pandas().to_csv(path, index=False)


def arrow_csv(table, path):
    """pyarrow's CSV writer of the coded, neutralised table."""
    import pyarrow.csv as pacsv

    from evaluation.export.writers.csv import arrow_table

    pacsv.write_csv(arrow_table(table, neutralised=True), path)


def openpyxl_xlsx(table, path):
    """openpyxl in write-only mode, row by row."""
    from openpyxl import Workbook

    from evaluation.export.writers.csv import arrow_table

    df = arrow_table(table, neutralised=True).to_pandas()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")
    ws.append(list(df.columns))
    for row in df.itertuples(index=False, name=None):
        ws.append([None if v != v else v for v in row])
    wb.save(path)


def xlsxwriter_xlsx(table, path):
    """XlsxWriter with constant_memory, row by row."""
    import xlsxwriter

    from evaluation.export.writers.csv import arrow_table

    df = arrow_table(table, neutralised=True).to_pandas()
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "nan_inf_to_errors": True})
    ws = wb.add_worksheet("data")
    ws.write_row(0, 0, list(df.columns))
    for i, row in enumerate(df.itertuples(index=False, name=None), start=1):
        ws.write_row(i, 0, [None if v != v else v for v in row])
    wb.close()


def pyreadstat_sav(table, path):
    """pyreadstat.write_sav with the same labels and missing ranges (our fallback path)."""
    from evaluation.export.writers.spss import _write_sav_pyreadstat

    _write_sav_pyreadstat(table, path, "nb")


def main() -> None:
    """Write the table with every writer, alternating; print median CPU seconds and ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from evaluation.export.writers.csv import write_csv
    from evaluation.export.writers.spss import write_sav
    from evaluation.export.writers.xlsx import write_xlsx

    table = wide_table(args.persons)
    rows, cols = table.frame.shape
    print(f"wide table: {rows} rows x {cols} columns")
    groups = {
        "csv": [
            ("ours", lambda t, p: write_csv(t, p)),
            ("pandas", pandas_csv),
            ("pyarrow", arrow_csv),
        ],
        "xlsx": [("ours", lambda t, p: write_xlsx(t, p)), ("openpyxl", openpyxl_xlsx)],
        "sav": [("ours", lambda t, p: write_sav(t, p)), ("pyreadstat", pyreadstat_sav)],
    }
    try:
        import xlsxwriter  # noqa: F401

        groups["xlsx"].append(("xlsxwriter", xlsxwriter_xlsx))
    except ImportError:
        print("(XlsxWriter not installed: pip install xlsxwriter to compare it too)")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, writers in groups.items():
            times: dict[str, list[float]] = {name: [] for name, _ in writers}
            for _ in range(args.repeat):
                for name, fn in writers:
                    path = Path(tmp) / f"{name}.{fmt}"
                    c0 = time.process_time()
                    fn(table, path)
                    times[name].append(time.process_time() - c0)
            ours = statistics.median(times["ours"])
            for name, t in times.items():
                med = statistics.median(t)
                print(f"{fmt:5s} {name:11s} median CPU {med:7.2f} s   {med / ours:5.1f} x ours")


if __name__ == "__main__":
    main()
