"""What a researcher asks for: layouts, formats, waves, roles, raw or cleaned, free text, k."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ExportOptions", "LAYOUTS", "FORMATS", "OptionsError"]

LAYOUTS = ("wide", "waves", "long")
FORMATS = ("csv", "parquet", "sav", "dta", "xlsx")
EXTENSIONS = {"csv": "csv", "parquet": "parquet", "sav": "sav", "dta": "dta", "xlsx": "xlsx"}


class OptionsError(ValueError):
    """An export option is invalid; the message names the option and the allowed values."""


@dataclass
class ExportOptions:
    """Settings of one export (see docs/researcher-exports.md)."""

    layouts: tuple[str, ...] = ("wide", "waves")
    formats: tuple[str, ...] = FORMATS
    waves: tuple[int, ...] = ()  # empty = all
    roles: tuple[str, ...] = ()  # empty = all
    statuses: tuple[str, ...] = ("complete", "partial")
    cleaned: bool = False
    cleaning_rules: dict[str, Any] = field(default_factory=dict)
    scale_scores: bool = True
    themes: bool = True
    free_text: bool = False
    k: int = 5
    lang: str = "nb"
    csv_bom: bool = False
    title: str = "dekom-evaluering"

    def __post_init__(self) -> None:
        self.layouts = tuple(self.layouts)
        self.formats = tuple(self.formats)
        self.waves = tuple(int(w) for w in self.waves)
        self.roles = tuple(self.roles)
        self.statuses = tuple(self.statuses)
        for name, values, allowed in (
            ("layouts", self.layouts, LAYOUTS),
            ("formats", self.formats, FORMATS),
        ):
            bad = [v for v in values if v not in allowed]
            if bad or not values:
                raise OptionsError(
                    f"export option {name}: {', '.join(bad) or 'none chosen'} "
                    f"not allowed; choose from {', '.join(allowed)}"
                )
        if not isinstance(self.k, int) or self.k < 1:
            raise OptionsError(f"export option k: must be a whole number ≥ 1, got {self.k!r}")
        if self.lang not in ("nb", "nn", "en"):
            raise OptionsError(f"export option lang: {self.lang!r}; choose nb, nn or en")
        # keep the canonical order so the same choice always gives the same files
        self.layouts = tuple(x for x in LAYOUTS if x in self.layouts)
        self.formats = tuple(x for x in FORMATS if x in self.formats)

    def describe(self) -> dict[str, Any]:
        """The options as plain JSON-able data (stored in the manifest and job params)."""
        d = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> ExportOptions:
        """Build options from job params or a form, naming unknown keys."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise OptionsError(
                f"export options: unknown key(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        return cls(**data)
