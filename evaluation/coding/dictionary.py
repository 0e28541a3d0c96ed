"""Rule-based theme coder: match the codebook's signal words, stems and phrases in an answer.

Each theme's evidence is combined into a confidence: a strong signal alone gives ``strong``
(0.8), a weak one (``~`` in the codebook) gives ``weak`` (0.35), and distinct pieces of
evidence combine as independent votes, ``1 - prod(1 - w)``. A theme is assigned at
``threshold`` (0.5), so one strong or two weak signals suffice. The answer's confidence is the
certainty of its least certain decision; answers below ``review_below`` go to human coders first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from questionnaires.codebook import expand_alternatives

from .codebook import resolve_codebook, theme_codes
from .text import (
    Normaliser,
    Token,
    compound_parts,
    content_words,
    head_start,
    load_stopwords,
    tokenize,
)

__all__ = ["CodedAnswer", "DictionaryCoder", "Evidence", "Suggestion", "clause_ids"]

_PIECE_RE = re.compile(r"[^\W_]+", re.UNICODE)
MAX_GAP = 2  # stop words allowed between the words of a phrase ("alle skal være med")
# Punctuation that ends a clause: a phrase signal never spans it, so "Vet ikke helt, det er
# skolene" does not read as "hele skolen" and a clause about one theme does not complete a
# phrase of another.
_CLAUSE_END = frozenset('.,;:!?()[]«»"–—')


def clause_ids(text: str, tokens: list[Token]) -> list[int]:
    """Number of the clause each token is in: a new clause starts after . , ; : ! ? ( ) or a dash.

    Examples
    --------
    >>> t = tokenize("Vet ikke helt, det er skolene")
    >>> clause_ids("Vet ikke helt, det er skolene", t)
    [0, 0, 0, 1, 1, 1]
    """
    ids: list[int] = []
    clause, prev_end = 0, 0
    for tok in tokens:
        if any(ch in _CLAUSE_END for ch in text[prev_end : tok.start]) and ids:
            clause += 1
        ids.append(clause)
        prev_end = tok.end
    return ids


@dataclass(frozen=True, slots=True)
class Evidence:
    """A span of the answer that triggered a theme: character offsets, the words, the signal."""

    start: int
    end: int
    word: str
    signal: str
    weak: bool


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A theme suggested for an answer, with its confidence and the evidence behind it.

    ``evidence`` are the codebook signals that matched; ``ngrams`` (learned layer only) the
    features of the answer that weighed most for the theme in the classifier.
    """

    theme: str
    confidence: float
    assigned: bool
    evidence: tuple[Evidence, ...]
    ngrams: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CodedAnswer:
    """The coder's verdict on one answer: suggestions, overall confidence and review flag."""

    suggestions: tuple[Suggestion, ...]
    confidence: float
    needs_review: bool
    reason: str

    @property
    def themes(self) -> list[str]:
        """Codes of the assigned themes."""
        return [s.theme for s in self.suggestions if s.assigned]


@dataclass(frozen=True, slots=True)
class _Term:
    kind: str  # exact | prefix | suffix | infix
    raw: str
    norm: str


@dataclass(frozen=True, slots=True)
class _Signal:
    theme: str
    text: str
    terms: tuple[int, ...]
    weak: bool
    negative: bool


class DictionaryCoder:
    """Code answers into codebook themes from signal words, stems and phrases.

    Parameters
    ----------
    codebook : Codebook, path or None
        None loads ``questionnaires/codebook.yaml``.
    normaliser : {"lemma", "stem", "none"}
        How words are normalised before exact signals are compared.
    strong, weak : float
        Evidence weight of a strong and a weak signal.
    threshold : float
        Confidence at which a theme is assigned.
    review_below : float
        Answers whose confidence is below this go to human coders first.
    min_words_unthemed : int
        An answer with at least this many content words and no theme is sent for review.
    split_compounds : bool
        Let a compound no signal matches reach its parts ("ressurslærar" -> "lærar").

    Examples
    --------
    >>> coder = DictionaryCoder()
    >>> coder.code("Rektor satte av tid til fellesmøter, og alle lærerne deltok.").themes
    ['tid', 'alle_med', 'ledelse']
    """

    def __init__(
        self,
        codebook: Any = None,
        normaliser: str = "lemma",
        strong: float = 0.8,
        weak: float = 0.35,
        threshold: float = 0.5,
        review_below: float = 0.7,
        min_words_unthemed: int = 6,
        split_compounds: bool = True,
    ) -> None:
        self.codebook = resolve_codebook(codebook)
        self.themes = theme_codes(self.codebook)
        self.normaliser = Normaliser(normaliser)
        self.stopwords = load_stopwords()
        self.strong, self.weak, self.threshold = strong, weak, threshold
        self.review_below, self.min_words_unthemed = review_below, min_words_unthemed
        self.split_compounds = split_compounds
        self._terms: list[_Term] = []
        self._term_ids: dict[_Term, int] = {}
        self._signals: list[_Signal] = []
        for theme in self.codebook.themes:
            for signals, negative in (
                (theme.signals, False),
                (getattr(theme, "negative", ()) or (), True),
            ):
                for signal in signals:
                    for text in expand_alternatives(signal):
                        self._add_signal(theme.code, text, negative)
        self._by_first: dict[int, list[_Signal]] = {}
        for sig in self._signals:
            self._by_first.setdefault(sig.terms[0], []).append(sig)
        self._exact_raw: dict[str, list[int]] = {}
        self._exact_norm: dict[str, list[int]] = {}
        self._affix: list[tuple[int, _Term]] = []
        for i, term in enumerate(self._terms):
            if term.kind == "exact":
                self._exact_raw.setdefault(term.raw, []).append(i)
                self._exact_norm.setdefault(term.norm, []).append(i)
            else:
                self._affix.append((i, term))
        self._word_terms: dict[str, frozenset[int]] = {}
        self._answer_cache: dict[str, CodedAnswer] = {}

    # -- compiling the codebook ------------------------------------------------------------
    def _add_signal(self, theme: str, text: str, negative: bool) -> None:
        source = text.strip()
        weak = source.startswith("~")
        body = source.lstrip("~").strip().lower()
        ids: list[int] = []
        for piece in body.split():
            lead, trail = piece.startswith("*"), piece.endswith("*")
            words = _PIECE_RE.findall(piece)
            for k, word in enumerate(words):
                first, last = k == 0, k == len(words) - 1
                pre, post = lead and first, trail and last
                kind = (
                    "infix" if pre and post else "suffix" if pre else "prefix" if post else "exact"
                )
                norm = self.normaliser(word) if kind == "exact" else word
                ids.append(self._intern(_Term(kind, word, norm)))
        if ids:
            self._signals.append(_Signal(theme, source, tuple(ids), weak, negative))

    def _intern(self, term: _Term) -> int:
        if term not in self._term_ids:
            self._term_ids[term] = len(self._terms)
            self._terms.append(term)
        return self._term_ids[term]

    def _terms_of(self, token: Token) -> frozenset[int]:
        try:
            return self._word_terms[token.lower]
        except KeyError:
            pass
        lower, norm = token.lower, token.norm
        found = set(self._exact_raw.get(lower, ())) | set(self._exact_norm.get(norm, ()))
        for i, term in self._affix:
            v = term.raw
            if term.kind == "prefix":
                hit = lower.startswith(v) or norm.startswith(v)
            elif term.kind == "suffix":
                hit = lower.endswith(v) or norm.endswith(v)
            else:
                hit = v in lower
            if hit:
                found.add(i)
        if not found and self.split_compounds:
            found = self._part_terms(lower)
        result = frozenset(found)
        self._word_terms[lower] = result
        return result

    def _part_terms(self, lower: str) -> set[int]:
        # A compound the codebook does not list reaches its parts: "lærerveileder" matches
        # "veileder*", "møtetid" matches "tid". Prefix signals may also start the head of a
        # compound whose head the lemmatiser does not know ("lærar|rettleiar").
        found: set[int] = set()
        parts = compound_parts(lower)
        for part in parts:
            found |= set(self._exact_raw.get(part, ())) | set(
                self._exact_norm.get(self.normaliser(part), ())
            )
        for i, term in self._affix:
            v = term.raw
            if term.kind == "prefix":
                hit = any(p.startswith(v) for p in parts) or (len(v) >= 4 and head_start(lower, v))
            elif term.kind == "suffix":
                hit = any(p.endswith(v) for p in parts)
            else:
                hit = False
            if hit:
                found.add(i)
        return found

    # -- matching ----------------------------------------------------------------------------
    def _matches(self, tokens: list[Token], text: str = "") -> list[tuple[_Signal, int, int]]:
        cache = self._word_terms
        clause = clause_ids(text, tokens) if text else [0] * len(tokens)
        per_token = []
        for t in tokens:
            ids = cache.get(t.lower)
            per_token.append(self._terms_of(t) if ids is None else ids)
        n = len(tokens)
        found = []
        for i, ids in enumerate(per_token):
            for tid in ids:
                for sig in self._by_first.get(tid, ()):
                    j = i
                    for term in sig.terms[1:]:
                        k, skipped = j + 1, 0
                        while (
                            k < n
                            and term not in per_token[k]
                            and tokens[k].stop
                            and skipped < MAX_GAP
                            and clause[k] == clause[i]
                        ):
                            k, skipped = k + 1, skipped + 1
                        if k < n and term in per_token[k] and clause[k] == clause[i]:
                            j = k
                        else:
                            j = -1
                            break
                    if j >= 0:
                        found.append((sig, i, j))
        return found

    def code(self, text: str | None) -> CodedAnswer:
        """Code one answer: suggestions with confidence and evidence, and whether to review it."""
        key = text if isinstance(text, str) else ""
        cached = self._answer_cache.get(key)
        if cached is not None:
            return cached
        tokens = tokenize(key, self.normaliser, self.stopwords)
        result = self._code_tokens(key, tokens)
        if len(self._answer_cache) < 100_000:
            self._answer_cache[key] = result
        return result

    def _code_tokens(self, text: str, tokens: list[Token]) -> CodedAnswer:
        if not tokens:
            return CodedAnswer((), 1.0, False, "empty answer")
        matches = self._matches(tokens, text)
        blocked: dict[str, list[tuple[int, int]]] = {}
        for sig, i, j in matches:
            if sig.negative:
                blocked.setdefault(sig.theme, []).append((i, j))
        by_theme: dict[str, list[tuple[_Signal, int, int]]] = {}
        for sig, i, j in matches:
            if sig.negative or any(i <= b and a <= j for a, b in blocked.get(sig.theme, ())):
                continue
            by_theme.setdefault(sig.theme, []).append((sig, i, j))
        suggestions = []
        for theme in self.themes:
            if theme in by_theme:
                suggestions.append(self._suggestion(theme, by_theme[theme], text, tokens))
        suggestions.sort(key=lambda s: (-s.confidence, self.themes.index(s.theme)))
        return self._verdict(tuple(suggestions), tokens)

    def _suggestion(
        self, theme: str, matches: list[tuple[_Signal, int, int]], text: str, tokens: list[Token]
    ) -> Suggestion:
        # Strongest and longest first, so a phrase and a word inside it count once.
        matches = sorted(matches, key=lambda m: (m[0].weak, m[1] - m[2], m[1]))
        covered: set[int] = set()
        weights: dict[str, float] = {}
        evidence = []
        for sig, i, j in matches:
            span = set(range(i, j + 1))
            if span <= covered:
                continue
            covered |= span
            key = " ".join(tokens[k].norm for k in range(i, j + 1))
            w = self.weak if sig.weak else self.strong
            weights[key] = max(weights.get(key, 0.0), w)
            start, end = tokens[i].start, tokens[j].end
            evidence.append(Evidence(start, end, text[start:end], sig.text, sig.weak))
        miss = 1.0
        for w in weights.values():
            miss *= 1.0 - w
        conf = round(1.0 - miss, 4)
        evidence.sort(key=lambda e: e.start)
        return Suggestion(theme, conf, conf >= self.threshold, tuple(evidence))

    def _verdict(self, suggestions: tuple[Suggestion, ...], tokens: list[Token]) -> CodedAnswer:
        certainty, reason = 1.0, ""
        for s in suggestions:
            c = s.confidence if s.assigned else 1.0 - s.confidence
            if c < certainty:
                certainty = c
                reason = f"{'uncertain' if s.assigned else 'weak evidence for'} {s.theme}"
        if not any(s.assigned for s in suggestions):
            if len(content_words(tokens)) >= self.min_words_unthemed and certainty > 0.5:
                certainty, reason = 0.5, "no theme found in a substantive answer"
        return CodedAnswer(suggestions, round(certainty, 4), certainty < self.review_below, reason)

    def suggest(self, text: str | None) -> list[Suggestion]:
        """All themes with any evidence in ``text``, most confident first."""
        return list(self.code(text).suggestions)

    def code_many(self, texts: Iterable[str | None]) -> list[CodedAnswer]:
        """Code a sequence of answers."""
        return [self.code(t) for t in texts]
