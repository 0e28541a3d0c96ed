"""Code a column of answers in a DataFrame: one 0/1 column per theme, evidence and confidence."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from .codebook import DEFAULT_CODEBOOK
from .dictionary import CodedAnswer, DictionaryCoder, Suggestion

__all__ = [
    "EXTRA_COLUMNS",
    "code_answers",
    "format_evidence",
    "get_coder",
    "review_queue",
    "suggest",
]

EXTRA_COLUMNS = ("evidence", "confidence", "needs_review")


@lru_cache(maxsize=8)
def _cached_coder(codebook_key: Any, normaliser: str, _stamp: float = 0.0) -> DictionaryCoder:
    return DictionaryCoder(codebook_key, normaliser=normaliser)


def get_coder(codebook: Any = None, normaliser: str = "lemma") -> DictionaryCoder:
    """A dictionary coder for ``codebook`` (object, path or None), reused across calls.

    A codebook file is read again when it has changed on disk since the last call.
    """
    if isinstance(codebook, DictionaryCoder) or (
        hasattr(codebook, "code_many") and hasattr(codebook, "themes")
    ):
        return codebook  # a coder already: the dictionary or the learned layer
    if codebook is None or isinstance(codebook, (str, Path)):
        path = Path(codebook) if codebook is not None else DEFAULT_CODEBOOK
        try:
            stamp = path.stat().st_mtime
        except OSError:
            stamp = 0.0  # let the loader report the missing file
        return _cached_coder(str(path), normaliser, stamp)
    try:
        return _cached_coder(codebook, normaliser)
    except TypeError:  # an unhashable codebook object
        return DictionaryCoder(codebook, normaliser=normaliser)


def suggest(text: str | None, codebook: Any = None) -> list[Suggestion]:
    """Themes suggested for one answer, most confident first, with evidence spans.

    Parameters
    ----------
    text : str or None
        The answer.
    codebook : Codebook, path, DictionaryCoder or None
        None uses ``questionnaires/codebook.yaml``.

    Returns
    -------
    list of Suggestion
        Each has ``theme``, ``confidence`` (0-1), ``assigned`` and ``evidence``: spans
        ``(start, end, word, signal, weak)`` that a user interface can highlight.

    Examples
    --------
    >>> [(s.theme, s.assigned) for s in suggest("Ressurslærerne har drevet arbeidet")]
    [('ressurspersoner', True)]
    """
    return get_coder(codebook).suggest(text)


def format_evidence(answer: CodedAnswer, assigned_only: bool = True) -> str:
    """Evidence as text, e.g. ``ledelse: rektor, ledelsen | tid: fellestiden``.

    A theme the learned layer suggests without any codebook word shows the features that
    weighed most instead, after ``≈`` (``tid: ≈ møtetid, «møte»``).
    """
    parts = []
    for s in answer.suggestions:
        if assigned_only and not s.assigned:
            continue
        words = list(dict.fromkeys(e.word for e in s.evidence))
        if words:
            parts.append(f"{s.theme}: {', '.join(words)}")
        else:
            parts.append(f"{s.theme}: ≈ {', '.join(getattr(s, 'ngrams', ()))}".rstrip())
    return " | ".join(parts)


def code_answers(
    df: pd.DataFrame,
    text_column: str,
    codebook: Any = None,
    prefix: str = "",
    normaliser: str = "lemma",
) -> pd.DataFrame:
    """Code the answers in ``df[text_column]`` and add one 0/1 column per theme.

    Parameters
    ----------
    df : DataFrame
        One row per answer; every column is kept.
    text_column : str
        The column with the free-text answers.
    codebook : Codebook, path, DictionaryCoder, LearnedCoder or None
        None uses ``questionnaires/codebook.yaml``; a LearnedCoder (``evaluation.coding.model``)
        codes with the learned layer.
    prefix : str
        Put before each added column name, e.g. ``"auto_"`` to keep human codes beside.
    normaliser : {"lemma", "stem", "none"}

    Returns
    -------
    DataFrame
        ``df`` plus a 0/1 column per theme code, ``evidence`` (which words triggered which
        theme), ``confidence`` (0-1; the certainty of the least certain decision) and
        ``needs_review`` (True when a human coder should look first).

    Raises
    ------
    KeyError
        When ``text_column`` is missing.
    ValueError
        When an added column would overwrite one already in ``df``.

    Examples
    --------
    >>> out = code_answers(pd.DataFrame({"svar": ["Alle lærerne var med", ""]}), "svar")
    >>> out[["alle_med", "ledelse", "needs_review"]].to_dict("list")
    {'alle_med': [1, 0], 'ledelse': [0, 0], 'needs_review': [False, False]}
    """
    if text_column not in df.columns:
        raise KeyError(f"no column {text_column!r}; columns are: {', '.join(map(str, df.columns))}")
    coder = get_coder(codebook, normaliser)
    added = [prefix + t for t in coder.themes] + [prefix + c for c in EXTRA_COLUMNS]
    clash = [c for c in added if c in df.columns]
    if clash:
        raise ValueError(
            f"the data already has columns {', '.join(clash)}; pass a prefix, e.g. 'auto_'"
        )
    coded = coder.code_many(df[text_column].tolist())
    out = df.copy()
    assigned = [set(a.themes) for a in coded]
    for theme in coder.themes:
        out[prefix + theme] = [int(theme in a) for a in assigned]
    out[prefix + "evidence"] = [format_evidence(a) for a in coded]
    out[prefix + "confidence"] = [a.confidence for a in coded]
    out[prefix + "needs_review"] = [a.needs_review for a in coded]
    return out


def review_queue(coded: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
    """The answers human coders should look at first: those flagged, least confident first.

    Parameters
    ----------
    coded : DataFrame
        Output of :func:`code_answers`.
    prefix : str
        The prefix given to :func:`code_answers`.

    Returns
    -------
    DataFrame
        The flagged rows of ``coded`` (original index kept), sorted by ``confidence`` ascending.

    Examples
    --------
    >>> coded = code_answers(pd.DataFrame({"svar": ["Rektor", "Gode samlinger", ""]}), "svar")
    >>> review_queue(coded)["svar"].tolist()
    ['Gode samlinger']
    """
    flag, conf = prefix + "needs_review", prefix + "confidence"
    missing = [c for c in (flag, conf) if c not in coded.columns]
    if missing:
        raise KeyError(
            f"no columns {', '.join(missing)}: pass the output of code_answers (and its prefix)"
        )
    return coded[coded[flag].astype(bool)].sort_values(conf, kind="stable")
