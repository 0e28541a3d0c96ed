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


def _word(char: str) -> bool:
    """True for a character ``\\w`` matches (letters, digits, underscore)."""
    return char.isalnum() or char == "_"


class Redactor:
    """Replace e-mails, phone numbers and known names (case-insensitive, whole words).

    The known terms are looked up by length in sets, at each place a word can start, so a panel
    of 20 000 names costs a few set lookups per word rather than a 40 000-way regular expression.
    """

    def __init__(self, terms: Iterable[str] | None = None) -> None:
        words = {t.strip() for t in (terms or []) if t and len(t.strip()) >= 3}
        self._by_length: dict[int, set[str]] = {}
        for w in words:
            self._by_length.setdefault(len(w), set()).add(w.lower())
        self._lengths = sorted(self._by_length, reverse=True)
        # lower() changes the length of a few letters (e.g. 'İ'); such terms use the regex path
        odd = sorted((w for w in words if len(w.lower()) != len(w)), key=len, reverse=True)
        self._odd = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(w) for w in odd) + r")(?!\w)", re.IGNORECASE
            )
            if odd
            else None
        )

    def replace_terms(self, text: str) -> str:
        """``text`` with every known term (a whole word or phrase, any case) replaced."""
        if not self._lengths or not text:
            return text
        lower = text.lower()
        if len(lower) != len(text):  # positions would not line up: use the regex for this text
            return self._regex().sub(REDACTED, text)
        out: list[str] = []
        n, i, last = len(text), 0, 0
        by_length, lengths = self._by_length, self._lengths
        while i < n:
            if i == 0 or not _word(text[i - 1]):
                for length in lengths:
                    end = i + length
                    if (
                        end <= n
                        and lower[i:end] in by_length[length]
                        and (end == n or not _word(text[end]))
                    ):
                        out.append(text[last:i])
                        out.append(REDACTED)
                        i = last = end
                        break
                else:
                    i += 1
                continue
            i += 1
        out.append(text[last:])
        result = "".join(out)
        return self._odd.sub(REDACTED, result) if self._odd is not None else result

    def _regex(self) -> re.Pattern[str]:
        words = sorted((w for ws in self._by_length.values() for w in ws), key=len, reverse=True)
        return re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
        )

    def __call__(self, text: str | None) -> str | None:
        """The text with contact data replaced by ``[fjernet]``."""
        if not isinstance(text, str) or not text:
            return text
        out = EMAIL_RE.sub(REDACTED, text)
        out = self.replace_terms(out)
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
