"""Problems found in instrument files, reported as file:line plus what is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or worth a warning) in a file, at a line."""

    file: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        tag = "" if self.severity == "error" else f" ({self.severity})"
        return f"{where}: {self.message}{tag}"


class InstrumentError(ValueError):
    """Raised when a file cannot be loaded; ``problems`` lists every error found."""

    def __init__(self, problems: list[Problem]):
        self.problems = [p for p in problems if p.severity == "error"]
        self.warnings = [p for p in problems if p.severity != "error"]
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s):\n{lines}")


def errors(problems: list[Problem]) -> list[Problem]:
    """Return only the problems that are errors (not warnings)."""
    return [p for p in problems if p.severity == "error"]
