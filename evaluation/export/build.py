"""Build an export: tables in every layout and format, codebook, DDI, manifest, one zip."""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..cleaning_text import cleaning_log_in
from ..hashing import sha256_file
from .catalogue import VersionUse, build_catalogue
from .codebook import codebook_entries, write_codebook_csv, write_codebook_html, write_codebook_json
from .ddi import write_ddi
from .derived import add_scale_scores, add_themes, apply_cleaning
from .layouts import ExportTable, long_table, per_wave_tables, wide_table
from .matrix import WaveData, build_wave_data
from .options import EXTENSIONS, ExportOptions
from .pseudonym import pseudonymise
from .readme import write_readme
from .redact import Redactor
from .source import ExportSource, SourceError
from .suppression import frequency_table
from .writers import WRITERS
from .writers.xlsx import TooBigForExcel

__all__ = ["ExportResult", "build_export", "software_version", "sha256_file"]

Progress = Callable[[int, int | None], None]


@dataclass
class ExportResult:
    """Where the files are and what the manifest says."""

    directory: Path
    files: list[Path]
    manifest: dict[str, Any]
    zip_path: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)


def software_version() -> str:
    """The installed dekom-eval version (package metadata), or 'unknown'."""
    from importlib import metadata

    try:
        return metadata.version("dekom-eval")
    except metadata.PackageNotFoundError:
        return "unknown"


def _prepare_responses(
    source: ExportSource, key: str | bytes, options: ExportOptions
) -> pd.DataFrame:
    r = source.responses
    if options.waves:
        r = r[r["wave"].isin(options.waves)]
    if options.roles:
        r = r[r["role"].isin(options.roles)]
    if options.statuses:
        r = r[r["status"].isin(options.statuses)]
    if r.empty:
        raise SourceError(
            f"no responses match waves={list(options.waves) or 'all'}, roles="
            f"{list(options.roles) or 'all'}, statuses={list(options.statuses)}"
        )
    r = r.copy()
    r["panel_id"] = pseudonymise(r["person_key"], key).to_numpy()
    r["questionnaire_version"] = r["version_id"].map({k: v[0] for k, v in source.versions.items()})
    r = r.drop(columns=["person_key"])
    return r.sort_values(["wave", "panel_id", "response_id"], kind="stable").reset_index(drop=True)


def _default_scales(versions_used: Sequence[int] = (1,)) -> dict[int, list[Any]]:
    """Each used instrument version's own ``scales.yaml`` (version 1: questionnaires/scales.yaml)."""
    from questionnaires import INSTRUMENT_DIR, load_scales, scale_files

    files = scale_files(INSTRUMENT_DIR)
    return {
        v: list(load_scales(files.get(v, INSTRUMENT_DIR / "scales.yaml"))) for v in versions_used
    }


def _scales_per_version(by_version: dict[int, list[Any]]) -> dict[int, list[Any]]:
    """Rename a scale whose definition differs between the exported versions: ``code_v1``, ``code_v2``.

    A wave is scored with its own version's definition. A scale defined the same way in every
    exported version keeps its plain code, so an export of version-1 waves only is unchanged.
    """
    from dataclasses import replace

    def sig(s: Any) -> tuple[Any, ...]:
        return (tuple(s.items), tuple(sorted(s.reverse)), s.min_items, tuple(s.range))

    sigs: dict[str, set[tuple[Any, ...]]] = {}
    for scales in by_version.values():
        for s in scales:
            sigs.setdefault(s.code, set()).add(sig(s))
    first: dict[tuple[str, tuple[Any, ...]], int] = {}
    for v in sorted(by_version):
        for s in by_version[v]:
            first.setdefault((s.code, sig(s)), v)
    return {
        v: [
            s
            if len(sigs[s.code]) == 1
            else replace(
                s,
                code=f"{s.code}_v{first[(s.code, sig(s))]}",
                label={k: f"{t} (v{first[(s.code, sig(s))]})" for k, t in s.label.items()},
            )
            for s in scales
        ]
        for v, scales in by_version.items()
    }


def build_export(
    source: ExportSource,
    options: ExportOptions,
    out_dir: str | Path,
    *,
    pseudonym_key: str | bytes,
    scales: Sequence[Any] | None = None,
    codebook: Any = None,
    progress: Progress | None = None,
    zip_name: str | None = "export.zip",
    redact_terms: Sequence[str] | None = None,
    workers: int | None = None,
) -> ExportResult:
    """Build every requested layout and format, the codebooks, DDI XML and manifest.

    Parameters
    ----------
    source : ExportSource
        Responses, answers and questionnaire versions (:func:`read_source` or built directly).
    options : ExportOptions
        What to export.
    out_dir : str or Path
        Folder for the files (created).
    pseudonym_key : str or bytes
        Secret for the keyed hash that gives each person a stable pseudonymous id.
    scales : sequence of Scale, optional
        Defaults to ``questionnaires/scales.yaml``.
    codebook : Codebook or path, optional
        The theme codebook; defaults to ``questionnaires/codebook.yaml``.
    progress : callable, optional
        ``progress(done, total)`` after each step.
    zip_name : str or None
        Bundle everything into this zip inside ``out_dir`` (None: no zip).
    workers : int, optional
        Processes that write files in parallel (default: the CPU count, at most 4; 1 writes
        in this process).
    redact_terms : sequence of str, optional
        Names and e-mail addresses to remove from exported free text (e-mail addresses and
        phone numbers are always removed).

    Returns
    -------
    ExportResult
    """
    clock = _Clock(progress, 4 + (len(options.layouts) + 1) * len(options.formats) + 4)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    source.validate()
    used = sorted({q.instrument_version for _, q in source.versions.values()}) or [1]
    if scales is not None:
        by_version = {v: list(scales) for v in used}
    else:
        by_version = _scales_per_version(_default_scales(used))
    scales = list({s.code: s for v in sorted(by_version) for s in by_version[v]}.values())
    responses = _prepare_responses(source, pseudonym_key, options)
    uses = {
        VersionUse(int(w), str(role), source.versions[int(v)][0], source.versions[int(v)][1])
        for w, role, v in responses[["wave", "role", "version_id"]]
        .drop_duplicates()
        .itertuples(index=False)
    }
    catalogue = build_catalogue(uses, scales)
    waves = build_wave_data(source, catalogue, responses)
    clock.tick("matrices")
    derived = _derive(waves, source, scales, codebook, options, redact_terms, clock, by_version)
    per_wave = per_wave_tables(waves, options.free_text, derived.labels)
    for wd in waves:  # the tables hold copies of the values now; free the matrices
        wd.values = np.empty((0, 0))
        wd.texts = {}
    # the codebook describes the wide layout, so it is built even when not exported
    wide = wide_table(per_wave)
    tables = _layouts(options, wide, per_wave, catalogue)
    clock.tick("layouts")
    work = [
        (name, fmt, out / f"dekom_{name}.{EXTENSIONS[fmt]}")
        for name, _ in tables
        for fmt in options.formats
    ]
    by_name = dict(tables)
    files, skipped = _planned_files(by_name, work)
    planned = {f["file"] for f in files}
    work = [w for w in work if w[2].name in planned]
    stata_renames = _stata_renames(per_wave) if "dta" in options.formats else {}
    about = {
        "title": options.title,
        "software": f"dekom-eval {software_version()}",
        "waves": [wd.wave for wd in waves],
        "cleaned": options.cleaned,
        "lang": options.lang,
        "comparability_notes": [
            n for n in source.comparability_notes if n["wave"] in {wd.wave for wd in waves}
        ],
    }
    zip_path = out / zip_name if zip_name else None
    with _Bundle(zip_path) as bundle:
        # the files are written by worker processes while this one writes the documentation
        # and then hashes and zips each file as it is finished
        with _Writers(by_name, work, options, workers) as writers:
            entries = codebook_entries(per_wave, wide, stata_renames)
            docs = _write_documentation(
                out, entries, files, about, per_wave, options, derived.cleaning_log
            )
            clock.tick("codebook")
            by_file = {f["file"]: f for f in files}
            for (name, fmt, path), info in writers.finished():
                if "skipped" in info:
                    continue
                entry = by_file[path.name]
                entry["rows"], entry["columns"] = info["rows"], info["columns"]
                entry["sha256"], entry["bytes"] = sha256_file(path), path.stat().st_size
                bundle.add(path)
                clock.tick(f"{name}.{fmt}")
        doc_entries = []
        for d in docs:
            doc_entries.append(
                {"file": d, "sha256": sha256_file(out / d), "bytes": (out / d).stat().st_size}
            )
            bundle.add(out / d)
        manifest = _manifest(
            options, source, responses, waves, uses, derived, files, doc_entries, skipped
        )
        (out / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        bundle.add(out / "manifest.json")
        made = [f["file"] for f in files if "rows" in f]
        readme = write_readme(
            out, made + docs + ["manifest.json"], skipped, options.cleaned, options.lang
        )
        bundle.add(readme)
    paths = (
        [out / f["file"] for f in files] + [out / d for d in docs] + [out / "manifest.json", readme]
    )
    clock.tick("zip")
    clock.done()
    return ExportResult(out, paths, manifest, zip_path, clock.timings)


class _Clock:
    """Counts the build's steps: the timings per step and ``progress(done, total)``."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.step = progress, total, 0
        self.t0 = time.perf_counter()
        self.timings: dict[str, float] = {}

    def tick(self, name: str) -> None:
        """Record that step ``name`` is done."""
        self.step += 1
        self.timings[name] = round(time.perf_counter() - self.t0, 3)
        if self.progress is not None:
            self.progress(min(self.step, self.total), self.total)

    def done(self) -> None:
        """Report the whole build as done."""
        if self.progress is not None:
            self.progress(self.total, self.total)


@dataclass
class _Derived:
    """What the derivation steps add: variable labels, the cleaning log, theme info, redactions."""

    labels: dict[str, dict[str, str]]
    cleaning_log: pd.DataFrame | None
    themes_info: dict[str, Any] | None
    redacted: int


def _derive(
    waves: list[WaveData],
    source: ExportSource,
    scales: list[Any],
    codebook: Any,
    options: ExportOptions,
    redact_terms: Sequence[str] | None,
    clock: _Clock,
    by_version: dict[int, list[Any]] | None = None,
) -> _Derived:
    """Cleaning, scale scores, theme columns and free-text redaction, in place on ``waves``."""
    cleaning_log = None
    if options.cleaned:
        from evaluation.cleaning import CleaningRules

        rules = CleaningRules.from_mapping(options.cleaning_rules or {})
        cleaning_log = apply_cleaning(waves, scales, rules)
    clock.tick("cleaning")
    labels: dict[str, dict[str, str]] = {}
    if options.scale_scores and scales:
        instrument_of = {vid: q.instrument_version for vid, (_, q) in source.versions.items()}
        groups: dict[int, list[Any]] = {}
        for wd in waves:  # a wave is scored with its own instrument version's scales
            used = {instrument_of[int(v)] for v in pd.unique(wd.responses["version_id"])} or {1}
            groups.setdefault(max(used), []).append(wd)
        for v, group in sorted(groups.items()):
            add_scale_scores(group, (by_version or {}).get(v, scales))
        for s in scales:
            labels[f"score_{s.code}"] = {
                "nb": f"Skåre: {s.label.get('nb', s.code)}",
                "en": f"Score: {s.label.get('en', s.code)}",
            }
    themes_info = _themes(waves, codebook, source, labels) if options.themes else None
    redacted = 0
    if options.free_text:
        redactor = Redactor(redact_terms)
        for wd in waves:
            for name in wd.texts:
                wd.texts[name], n = redactor.array(wd.texts[name])
                redacted += n
    clock.tick("derived")
    return _Derived(labels, cleaning_log, themes_info, redacted)


def _layouts(
    options: ExportOptions, wide: ExportTable, per_wave: list[ExportTable], catalogue: Any
) -> list[tuple[str, ExportTable]]:
    """The tables to write, named by layout (``wide``, ``wave_<year>``, ``long``)."""
    tables: list[tuple[str, ExportTable]] = []
    if "wide" in options.layouts:
        tables.append(("wide", wide))
    if "waves" in options.layouts:
        tables.extend((t.name, t) for t in per_wave)
    if "long" in options.layouts:
        tables.append(("long", long_table(per_wave, catalogue)))
    return tables


def _write_documentation(
    out: Path,
    entries: Any,
    files: list[dict[str, Any]],
    about: dict[str, Any],
    per_wave: list[ExportTable],
    options: ExportOptions,
    cleaning_log: pd.DataFrame | None,
) -> list[str]:
    """Write the codebooks, DDI, frequencies and cleaning log; return their file names."""
    write_codebook_json(entries, out / "codebook.json", about)
    write_codebook_csv(entries, out / "codebook.csv")
    write_codebook_html(entries, out / "codebook.html", about, options.lang)
    write_ddi(entries, files, out / "ddi-codebook.xml", about)
    frequency_table(per_wave, options.k).to_csv(
        out / "frequencies.csv", index=False, lineterminator="\n"
    )
    docs = ["codebook.json", "codebook.csv", "codebook.html", "ddi-codebook.xml", "frequencies.csv"]
    if cleaning_log is not None:
        cleaning_log_in(cleaning_log, options.lang).to_csv(
            out / "cleaning_log.csv", index=False, lineterminator="\n"
        )
        docs.append("cleaning_log.csv")
    return docs


def _manifest(
    options: ExportOptions,
    source: ExportSource,
    responses: pd.DataFrame,
    waves: list[WaveData],
    uses: set[VersionUse],
    derived: _Derived,
    files: list[dict[str, Any]],
    doc_entries: list[dict[str, Any]],
    skipped: list[dict[str, Any]],
) -> dict[str, Any]:
    notes = [n for wd in waves for n in wd.notes] + list(source.notes)
    return {
        "title": options.title,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "software": {"name": "dekom-eval", "version": software_version()},
        "options": options.describe(),
        "filters": {
            "waves": list(options.waves) or "all",
            "roles": list(options.roles) or "all",
            "statuses": list(options.statuses),
        },
        "cleaning": {
            "applied": options.cleaned,
            "rules": _rules(options) if options.cleaned else None,
            "log": (
                derived.cleaning_log.to_dict("records")
                if derived.cleaning_log is not None
                else None
            ),
        },
        "suppression": {"k": options.k, "applies_to": ["frequencies.csv"]},
        "free_text": {"included": options.free_text, "texts_redacted": derived.redacted},
        "pseudonymisation": "panel_id = first 16 hex characters of HMAC-SHA256(PSEUDONYM_KEY, panel id)",
        "counts": {
            "persons": int(responses["panel_id"].nunique()),
            "responses": {str(wd.wave): len(wd.responses) for wd in waves},
        },
        "questionnaire_versions": sorted({u.label for u in uses}),
        "themes": derived.themes_info,
        "files": files,
        "documentation": doc_entries,
        "skipped": skipped,
        "notes": notes,
    }


def _planned_files(
    tables: dict[str, ExportTable], work: list[tuple[str, str, Path]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The files the writers will make (rows/columns from the tables) and those skipped."""
    from .writers.xlsx import MAX_COLUMNS, MAX_ROWS

    files, skipped = [], []
    for name, fmt, path in work:
        rows, cols = tables[name].shape
        if fmt == "xlsx" and (rows + 1 > MAX_ROWS or cols > MAX_COLUMNS):
            skipped.append(
                {
                    "file": path.name,
                    "reason": f"{name}: {rows} rows × {cols} columns "
                    f"exceeds Excel's limit of {MAX_ROWS - 1} rows and {MAX_COLUMNS} columns",
                }
            )
            continue
        if fmt == "dta" and rows > STATA_MAX_ROWS:
            skipped.append(
                {
                    "file": path.name,
                    "reason": f"{name}: {rows} rows; Stata files over "
                    f"{STATA_MAX_ROWS} rows are not written (pandas needs several GB for "
                    "them). Use the CSV or Parquet file, or reshape the wide file in Stata.",
                }
            )
            continue
        files.append(
            {
                "file": path.name,
                "layout": "waves" if name.startswith("wave_") else name,
                "format": fmt,
                "rows": rows,
                "columns": cols,
            }
        )
    return files, skipped


def _stata_renames(per_wave: list[ExportTable]) -> dict[str, str]:
    from .writers.stata import stata_names

    out: dict[str, str] = {}
    for t in per_wave:
        out.update({k: v for k, v in stata_names([c.name for c in t.columns]).items() if k != v})
    return out


class _Bundle:
    """The zip that bundles the export (or nothing when no zip was asked for)."""

    def __init__(self, path: Path | None) -> None:
        self.zf = (
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
            if path
            else None
        )

    def add(self, path: Path) -> None:
        """Add a finished file; Parquet and xlsx are compressed already and are stored as is."""
        if self.zf is None:
            return
        packed = path.suffix in (".parquet", ".xlsx")
        self.zf.write(
            path,
            arcname=path.name,
            compress_type=zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED,
        )

    def __enter__(self) -> _Bundle:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.zf is not None:
            self.zf.close()


_TABLES: dict[str, ExportTable] = {}  # the tables forked writer processes read
#: larger Stata files (only the long layout of a big panel) would need several GB of memory
STATA_MAX_ROWS = 5_000_000


def _write_one(name: str, fmt: str, path: Path, lang: str, bom: bool) -> dict[str, Any]:
    try:
        return WRITERS[fmt](_TABLES[name], path, lang=lang, bom=bom)
    except TooBigForExcel as exc:
        return {"skipped": str(exc)}


class _Writers:
    """Write the files, in forked worker processes when there are several CPUs.

    The workers share the tables with this process (copy-on-write); :meth:`finished` yields
    ((name, format, path), info) as files are done. With one worker the files are written
    in this process when :meth:`finished` is iterated.
    """

    def __init__(
        self,
        tables: dict[str, ExportTable],
        work: list[tuple[str, str, Path]],
        options: ExportOptions,
        workers: int | None,
    ) -> None:
        import multiprocessing
        import os

        self.work, self.options = work, options
        n = workers if workers is not None else min(os.cpu_count() or 1, 4)
        _TABLES.clear()
        _TABLES.update(tables)
        self.pool = None
        self.futures = {}
        if n > 1 and len(work) > 1 and "fork" in multiprocessing.get_all_start_methods():
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(
                max_workers=n, mp_context=multiprocessing.get_context("fork")
            )
            order = sorted(range(len(work)), key=lambda i: -tables[work[i][0]].frame.size)
            self.futures = {
                self.pool.submit(_write_one, *work[i], options.lang, options.csv_bom): i
                for i in order
            }

    def __enter__(self) -> _Writers:
        return self

    def finished(self) -> Iterator[tuple[tuple[str, str, Path], dict[str, Any]]]:
        """Yield ((name, format, path), info) for every file as it is done."""
        if self.pool is None:
            for item in self.work:
                yield item, _write_one(*item, self.options.lang, self.options.csv_bom)
            return
        from concurrent.futures import as_completed

        for future in as_completed(self.futures):
            yield self.work[self.futures[future]], future.result()

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        _TABLES.clear()


def _rules(options: ExportOptions) -> dict[str, Any]:
    from evaluation.cleaning import CleaningRules

    return CleaningRules.from_mapping(options.cleaning_rules or {}).describe()


def _themes(
    waves: list[WaveData], codebook: Any, source: ExportSource, labels: dict[str, Any]
) -> dict[str, Any] | None:
    from evaluation.coding import resolve_codebook

    book = resolve_codebook(codebook)
    if not any(item in wd.texts for wd in waves for item in getattr(book, "items", [])):
        return None
    info = add_themes(waves, book, source.coded_themes)
    for t in book.themes:
        for item in info["items"]:
            from .derived import theme_column

            name = theme_column(item, t.code, len(info["items"]))
            labels[name] = {
                "nb": f"Tema: {t.label.get('nb', t.code)}",
                "en": f"Theme: {t.label.get('en', t.code)}",
            }
    return info
