"""Find and read the theme codebook (``questionnaires/codebook.yaml``) for the coders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_CODEBOOK", "resolve_codebook", "theme_codes", "theme_label"]

DEFAULT_CODEBOOK = Path(__file__).resolve().parents[2] / "questionnaires" / "codebook.yaml"


def resolve_codebook(codebook: Any = None) -> Any:
    """Return a codebook object from an object, a path, or None (the shipped codebook).

    Parameters
    ----------
    codebook : Codebook, str, Path or None
        An object with ``.version`` and ``.themes`` (as returned by
        ``questionnaires.load_codebook``) is returned as it is; a path is loaded and validated.

    Returns
    -------
    Codebook

    Raises
    ------
    questionnaires.InstrumentError
        When the file has errors; the message lists each as ``file:line: problem``.
    """
    if codebook is not None and hasattr(codebook, "themes"):
        return codebook
    from questionnaires import load_codebook

    return load_codebook(Path(codebook) if codebook is not None else DEFAULT_CODEBOOK)


def theme_codes(codebook: Any) -> list[str]:
    """The theme codes in codebook order."""
    return [t.code for t in codebook.themes]


def theme_label(theme: Any, lang: str = "nb") -> str:
    """A theme's label in ``lang``, falling back to bokmål and then the code."""
    label = getattr(theme, "label", None) or {}
    return label.get(lang) or label.get("nb") or theme.code
