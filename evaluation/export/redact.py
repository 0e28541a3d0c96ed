"""Remove contact data from free text before it is exported: e-mail addresses, phone numbers
and, when given, the panel's own names and e-mail addresses."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

__all__ = ["Redactor", "EMAIL_RE", "PHONE_RE", "REDACTED"]

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
#: Norwegian numbers: 8 digits, optionally +47 / 0047, grouped by spaces
PHONE_RE = re.compile(r"(?<!\d)(?:(?:\+|00)47[ ]?)?(?:\d[ ]?){7}\d(?!\d)")
REDACTED = "[fjernet]"


class Redactor:
    """Replace e-mails, phone numbers and known names (case-insensitive, whole words)."""

    def __init__(self, terms: Iterable[str] | None = None) -> None:
        words = sorted({t.strip() for t in (terms or []) if t and len(t.strip()) >= 3},
                       key=len, reverse=True)
        self._terms = (re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)",
                                  re.IGNORECASE) if words else None)

    def __call__(self, text: str | None) -> str | None:
        """The text with contact data replaced by ``[fjernet]``."""
        if not isinstance(text, str) or not text:
            return text
        out = EMAIL_RE.sub(REDACTED, text)
        if self._terms is not None:
            out = self._terms.sub(REDACTED, out)
        return PHONE_RE.sub(REDACTED, out)

    def array(self, texts: np.ndarray) -> tuple[np.ndarray, int]:
        """Redact an object array; returns the new array and how many texts changed."""
        out = texts.copy()
        changed = 0
        for i, t in enumerate(texts):
            if isinstance(t, str):
                new = self(t)
                if new != t:
                    out[i] = new
                    changed += 1
        return out, changed
