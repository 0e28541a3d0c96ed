"""Why a cell has no valid value: named missing codes kept apart from each other and from blank.

Every cell of an exported item variable has a *status*. Status 0 is a valid answer; the others
are named missing values. SPSS/CSV/Parquet/Excel write them as numeric codes just above the
variable's valid range (95-99 for a 1-5 scale, 995-999 when valid values reach 95, ...), declared
as user-missing in SPSS; Stata writes them as extended missing values ``.a`` to ``.f``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

__all__ = [
    "VALID",
    "DONT_KNOW",
    "NOT_ASKED",
    "NOT_ANSWERED",
    "NOT_IN_QUESTIONNAIRE",
    "CLEANED",
    "NOT_IN_WAVE",
    "NOT_APPLICABLE",
    "MISSING_KINDS",
    "ALL_KINDS",
    "MissingKind",
    "code_base",
    "kinds",
    "missing_codes",
    "stata_letters",
    "status_names",
]

VALID = 0
DONT_KNOW = 1
NOT_ASKED = 2
NOT_ANSWERED = 3
NOT_IN_QUESTIONNAIRE = 4
CLEANED = 5
NOT_IN_WAVE = 6
#: "ikke relevant" (instrument version 2): only on variables whose item offers it, so exports of
#: version-1 waves keep exactly their six missing codes
NOT_APPLICABLE = 7


@dataclass(frozen=True)
class MissingKind:
    """One named missing value: status, short name, code offset below the base, Stata letter."""

    status: int
    name: str
    offset: int
    stata: str
    label_nb: str
    label_en: str

    def label(self, lang: str = "nb") -> str:
        """The label in ``lang`` (en or, for nb/nn, bokmål)."""
        return self.label_en if lang == "en" else self.label_nb


#: in status order; codes with base 99 are 98, 97, 99, 96, 95, 94
MISSING_KINDS: tuple[MissingKind, ...] = (
    MissingKind(
        DONT_KNOW, "dont_know", 1, "a", "Vet ikke / ikke relevant", "Don't know / not applicable"
    ),
    MissingKind(NOT_ASKED, "not_asked", 2, "b", "Ikke stilt (filter)", "Not asked (routing)"),
    MissingKind(NOT_ANSWERED, "not_answered", 0, "c", "Ikke besvart", "Not answered"),
    MissingKind(
        NOT_IN_QUESTIONNAIRE,
        "not_in_questionnaire",
        3,
        "d",
        "Ikke med i skjemaversjonen",
        "Not in this questionnaire version",
    ),
    MissingKind(CLEANED, "cleaned", 4, "e", "Fjernet ved datarensing", "Removed by data cleaning"),
    MissingKind(
        NOT_IN_WAVE, "not_in_wave", 5, "f", "Deltok ikke i bølgen", "Did not take part in this wave"
    ),
)
NOT_APPLICABLE_KIND = MissingKind(
    NOT_APPLICABLE, "not_applicable", 6, "g", "Ikke relevant", "Not applicable"
)
ALL_KINDS: tuple[MissingKind, ...] = (*MISSING_KINDS, NOT_APPLICABLE_KIND)
_BY_STATUS = {k.status: k for k in ALL_KINDS}
#: where "ikke relevant" is its own option, "vet ikke" means only that
_SPLIT_KINDS: tuple[MissingKind, ...] = tuple(
    replace(k, label_nb="Vet ikke", label_en="Don't know") if k.status == DONT_KNOW else k
    for k in ALL_KINDS
)


def kinds(not_applicable: bool = False) -> tuple[MissingKind, ...]:
    """The missing kinds of a variable: the six, plus "ikke relevant" when its item offers it."""
    return _SPLIT_KINDS if not_applicable else MISSING_KINDS


def code_base(max_valid: float | None, not_applicable: bool = False) -> int:
    """The smallest 99, 999, 9999 ... whose missing codes (base-5, or base-6 with "ikke
    relevant", to base) lie above ``max_valid``."""
    base = 99
    lowest = 6 if not_applicable else 5
    limit = -np.inf if max_valid is None or np.isnan(max_valid) else float(max_valid)
    while base - lowest <= limit:
        base = base * 10 + 9
    return base


def missing_codes(base: int, not_applicable: bool = False) -> dict[int, int]:
    """Status -> numeric code for a variable with code base ``base`` (e.g. 99 -> {1: 98, ...})."""
    return {k.status: base - k.offset for k in kinds(not_applicable)}


def stata_letters() -> dict[int, str]:
    """Status -> Stata extended missing letter (``a`` for dont_know, ...)."""
    return {k.status: k.stata for k in ALL_KINDS}


def status_names(not_applicable: bool = False) -> dict[int, str]:
    """Status -> short name (``dont_know``, ``not_asked``, ...); 0 is the empty string."""
    return {VALID: "", **{k.status: k.name for k in kinds(not_applicable)}}


def kind(status: int) -> MissingKind:
    """The MissingKind of a status."""
    return _BY_STATUS[status]
