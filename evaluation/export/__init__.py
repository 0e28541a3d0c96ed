"""Researcher exports: long, wide and per-wave tables in CSV, Parquet, SPSS, Stata and Excel,
with codebooks, DDI-Codebook XML and a manifest. Pure library: never imports Flask.

Examples
--------
>>> from evaluation.export import ExportOptions, build_export, read_source  # doctest: +SKIP
>>> source = read_source("sqlite:///instance/dekom.sqlite")  # doctest: +SKIP
>>> result = build_export(source, ExportOptions(cleaned=True), "out", pseudonym_key="...")  # doctest: +SKIP
"""

from __future__ import annotations

from .build import ExportResult, build_export, sha256_file, software_version
from .catalogue import Catalogue, Variable, VersionUse, build_catalogue
from .missing import MISSING_KINDS, code_base, missing_codes
from .options import FORMATS, LAYOUTS, ExportOptions, OptionsError
from .pseudonym import pseudonym, pseudonymise
from .source import ExportSource, SourceError, read_source

__all__ = [
    "FORMATS",
    "LAYOUTS",
    "MISSING_KINDS",
    "Catalogue",
    "ExportOptions",
    "ExportResult",
    "ExportSource",
    "OptionsError",
    "SourceError",
    "Variable",
    "VersionUse",
    "build_catalogue",
    "build_export",
    "code_base",
    "missing_codes",
    "pseudonym",
    "pseudonymise",
    "read_source",
    "sha256_file",
    "software_version",
]
