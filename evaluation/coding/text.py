"""Tokenise and normalise Norwegian free text (bokmål and nynorsk) for theme coding.

Words are lower-cased and normalised by a lemmatiser (simplemma, bokmål then nynorsk, then
English for words neither Norwegian dictionary knows) or,
for comparison, by nltk's Snowball Norwegian stemmer. :func:`compound_parts` splits Norwegian
compounds into a known modifier and a known head ("ressurslærar" -> "ressurs", "lærar"), so
a signal for the head also reaches the compound. Stop words come from a list shipped in
``evaluation/data/stopwords_no.txt``: nltk's own list needs ``nltk.download`` at run time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "NORMALISERS",
    "Normaliser",
    "Token",
    "compound_parts",
    "content_words",
    "head_start",
    "is_known_word",
    "load_stopwords",
    "tokenize",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
STOPWORDS_FILE = DATA_DIR / "stopwords_no.txt"
NORMALISERS = ("lemma", "stem", "none")

# Letters and digits; hyphens, apostrophes, punctuation and emoji separate words, so
# "UH-institusjonen" gives "uh" and "institusjonen" and "😊" gives nothing.
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


class Token(NamedTuple):
    """One word of an answer: its text, lower-cased and normalised forms, and character span."""

    text: str
    lower: str
    norm: str
    start: int
    end: int
    stop: bool


@lru_cache(maxsize=4)
def load_stopwords(path: str | None = None) -> frozenset[str]:
    """Read a stop word list (one word a line, ``#`` comments); default the shipped nb+nn list.

    Parameters
    ----------
    path : str, optional
        A text file; defaults to ``evaluation/data/stopwords_no.txt``.

    Returns
    -------
    frozenset of str

    Examples
    --------
    >>> "ikkje" in load_stopwords() and "ikke" in load_stopwords()
    True
    """
    file = Path(path) if path else STOPWORDS_FILE
    words = set()
    for line in file.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip().lower()
        if word:
            words.add(word)
    return frozenset(words)


class Normaliser:
    """Map a lower-cased word to its normal form: ``lemma`` (simplemma), ``stem`` (Snowball) or ``none``.

    Results are cached per word, so coding many answers costs one look-up per distinct word.

    Examples
    --------
    >>> Normaliser("lemma")("ledelsen"), Normaliser("stem")("ledelsen")
    ('ledelse', 'led')
    """

    def __init__(self, method: str = "lemma") -> None:
        if method not in NORMALISERS:
            raise ValueError(f"unknown normaliser {method!r}; use one of {', '.join(NORMALISERS)}")
        self.method = method
        self._cache: dict[str, str] = {}
        self._fn = self._make(method)

    @staticmethod
    def _make(method: str) -> Callable[[str], str]:
        if method == "lemma":
            import simplemma

            # Bokmål first, then nynorsk: "lærarane" is only known to the nynorsk dictionary.
            # A word neither knows but the English dictionary does gets its English lemma
            # ("teachers" -> "teacher", "decided" -> "decide"), so English answers and
            # signals meet in their base forms the way Norwegian ones do.
            def lemma(w: str) -> str:
                if not simplemma.is_known(w, lang=("nb", "nn")) and simplemma.is_known(
                    w, lang="en"
                ):
                    return simplemma.lemmatize(w, lang="en").lower()
                return simplemma.lemmatize(w, lang=("nb", "nn")).lower()

            return lemma
        if method == "stem":
            from nltk.stem.snowball import NorwegianStemmer

            return NorwegianStemmer().stem
        return lambda w: w

    def __reduce__(self) -> tuple[type[Normaliser], tuple[str]]:
        # Pickled (inside a learned model file) by its method; the function is rebuilt on load.
        return (Normaliser, (self.method,))

    def __call__(self, word: str) -> str:
        """Return the normal form of a lower-cased word."""
        try:
            return self._cache[word]
        except KeyError:
            norm = self._fn(word) if len(word) > 1 and not word.isdigit() else word
            self._cache[word] = norm
            return norm

    def __repr__(self) -> str:
        return f"Normaliser({self.method!r})"


def tokenize(
    text: str | None, normaliser: Normaliser | None = None, stopwords: frozenset[str] | None = None
) -> list[Token]:
    """Split an answer into tokens with lower-cased and normalised forms and character offsets.

    Parameters
    ----------
    text : str or None
        The answer; None, NaN and empty text give no tokens.
    normaliser : Normaliser, optional
        Defaults to the lemmatiser.
    stopwords : frozenset of str, optional
        Defaults to the shipped Norwegian list.

    Returns
    -------
    list of Token

    Examples
    --------
    >>> [(t.lower, t.norm, t.start) for t in tokenize("Ledelsen 👍 i UH-samarbeidet")]
    [('ledelsen', 'ledelse', 0), ('i', 'i', 11), ('uh', 'uh', 13), ('samarbeidet', 'samarbeide', 16)]
    """
    if not isinstance(text, str) or not text:
        return []
    norm = normaliser or _default_normaliser()
    stops = load_stopwords() if stopwords is None else stopwords
    cache = norm._cache
    new = tuple.__new__  # skips NamedTuple's argument handling: this loop runs once per word
    out = []
    for m in _WORD_RE.finditer(text):
        word = m.group()
        lower = word.lower()
        n = cache.get(lower)
        if n is None:
            n = norm(lower)
        start, end = m.span()
        out.append(new(Token, (word, lower, n, start, end, lower in stops)))
    return out


def content_words(tokens: list[Token], min_length: int = 2) -> list[Token]:
    """Tokens that are not stop words, digits or single letters."""
    return [
        t for t in tokens if not t.stop and len(t.lower) >= min_length and not t.lower.isdigit()
    ]


# Endings that look like a word to the dictionary but are an inflection: "samling|ene".
_INFLECTIONS = frozenset({"ene", "ane", "ere", "are", "ers", "ens", "ets", "ter", "nes", "nde"})
_LINKS = ("s", "e")  # linking letters between modifier and head: "planleggings|dag", "møte|tid"
MIN_PART = 3


@lru_cache(maxsize=200_000)
def is_known_word(word: str) -> bool:
    """True when the bokmål or nynorsk lemmatiser knows ``word`` (lower-cased)."""
    import simplemma

    return simplemma.is_known(word, lang=("nb", "nn"))


def _known_modifier(left: str) -> str | None:
    if is_known_word(left):
        return left
    if left[-1] in _LINKS and len(left) > MIN_PART and is_known_word(left[:-1]):
        return left[:-1]
    return None


@lru_cache(maxsize=200_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """Split a lower-cased Norwegian compound into (modifier, head); ``()`` when it is not one.

    The longest known head wins; the modifier may end in a linking "s" or "e" ("møte|tid",
    "planleggings|dag" -> "planlegging", "dag"). Both parts must be words the lemmatiser
    knows, at least three letters long, and the head must not be a bare inflection ending.

    Examples
    --------
    >>> compound_parts("ressurslærar"), compound_parts("lærerveileder"), compound_parts("samlingene")
    (('ressurs', 'lærar'), ('lærer', 'veileder'), ())
    """
    n = len(word)
    if n < 2 * MIN_PART or not word.isalpha():
        return ()
    for i in range(MIN_PART, n - MIN_PART + 1):
        head = word[i:]
        if head in _INFLECTIONS or not is_known_word(head):
            continue
        modifier = _known_modifier(word[:i])
        if modifier is not None:
            return modifier, head
    return ()


def head_start(word: str, stem: str) -> bool:
    """True when ``stem`` begins the head of ``word`` after a known modifier ("lærar|rettleiar")."""
    i = word.find(stem, MIN_PART)
    while i > 0:
        if _known_modifier(word[:i]) is not None:
            return True
        i = word.find(stem, i + 1)
    return False


@lru_cache(maxsize=1)
def _default_normaliser() -> Normaliser:
    return Normaliser("lemma")
