"""Learn theme coding from confirmed human codes (nltk Naive Bayes) and compare with the dictionary.

One binary classifier per theme. Features are the answer's normalised content words
(``words``), the codebook signals that matched (``signals``: the classifier learns which
signals human coders confirm), or both (``hybrid``). :func:`cross_validate` codes every answer by a model that did not see
it and reports whether learning beats the dictionary on the same answers.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .agreement import agreement_table, macro_f1
from .dictionary import DictionaryCoder
from .text import Token, content_words, tokenize

__all__ = ["ThemeClassifier", "cross_validate", "features", "propose_signals", "train"]

METHODS = ("dictionary", "words", "signals", "hybrid")


def features(text: str | None, coder: DictionaryCoder, kind: str = "hybrid") -> dict[str, bool]:
    """Feature set of one answer.

    ``words``: ``w:<lemma>`` per content word. ``signals``: ``s:<signal>`` per codebook signal
    that matched and ``a:<theme>`` per theme the dictionary assigned. ``hybrid``: both.

    Examples
    --------
    >>> sorted(features("Rektor leder godt", DictionaryCoder(), "signals"))
    ['a:ledelse', 's:ledelse:rektor*', 's:ledelse:~leder*']
    """
    if kind not in METHODS[1:]:
        raise ValueError(f"unknown feature kind {kind!r}; use one of {', '.join(METHODS[1:])}")
    out: dict[str, bool] = {}
    if kind in ("words", "hybrid"):
        tokens = tokenize(text, coder.normaliser, coder.stopwords)
        out.update((f"w:{t.norm}", True) for t in content_words(tokens))
    if kind in ("signals", "hybrid"):
        for s in coder.code(text).suggestions:
            out.update((f"s:{s.theme}:{e.signal}", True) for e in s.evidence)
            if s.assigned:
                out[f"a:{s.theme}"] = True
    return out


@dataclass
class ThemeClassifier:
    """Naive Bayes classifiers, one per theme, trained on human-coded answers."""

    coder: DictionaryCoder
    models: dict[str, Any]
    kind: str
    vocabulary: frozenset[str]

    def _featuresets(self, texts: Sequence[str | None]) -> list[dict[str, bool]]:
        return [features(t, self.coder, self.kind) for t in texts]

    def predict(self, texts: Sequence[str | None]) -> pd.DataFrame:
        """0/1 codes per theme for ``texts`` (one row per answer, columns = theme codes)."""
        feats = self._featuresets(texts)
        return pd.DataFrame(
            {
                theme: [int(m.classify(_full(f, self.vocabulary, theme))) for f in feats]
                for theme, m in self.models.items()
            }
        )

    def probabilities(self, texts: Sequence[str | None]) -> pd.DataFrame:
        """Probability of each theme for ``texts``."""
        feats = self._featuresets(texts)
        return pd.DataFrame(
            {
                theme: [m.prob_classify(_full(f, self.vocabulary, theme)).prob(1) for f in feats]
                for theme, m in self.models.items()
            }
        )


def _full(feats: dict[str, bool], vocabulary: frozenset[str], theme: str) -> dict[str, bool]:
    # nltk's Naive Bayes ignores features absent from a feature set, so every answer states
    # every known feature as True or False; otherwise absence is no evidence and rare themes win.
    # A theme's classifier sees words and its own theme's signals, not the other themes'.
    own = (f"a:{theme}", f"s:{theme}:")
    return {f: f in feats for f in vocabulary if f.startswith("w:") or f.startswith(own)}


def train(
    texts: Sequence[str | None],
    codes: pd.DataFrame,
    coder: DictionaryCoder | None = None,
    kind: str = "signals",
) -> ThemeClassifier:
    """Train one nltk Naive Bayes classifier per theme on human codes.

    Parameters
    ----------
    texts : sequence of str
        The answers.
    codes : DataFrame
        One 0/1 column per theme code, rows aligned with ``texts``.
    coder : DictionaryCoder, optional
        Supplies normalisation, stop words and (when ``hybrid``) the dictionary features.
    kind : {"signals", "words", "hybrid"}
        Which features to learn from (see :func:`features`).

    Returns
    -------
    ThemeClassifier
    """
    from nltk.classify import NaiveBayesClassifier

    coder = coder or DictionaryCoder()
    if len(texts) != len(codes):
        raise ValueError(f"{len(texts)} answers but {len(codes)} rows of codes")
    raw = [features(t, coder, kind) for t in texts]
    vocabulary = frozenset(f for r in raw for f in r)
    models = {}
    for theme in coder.themes:
        labels = pd.to_numeric(codes[theme]).astype(int).tolist()
        feats = [_full(r, vocabulary, theme) for r in raw]
        models[theme] = NaiveBayesClassifier.train(list(zip(feats, labels, strict=True)))
    return ThemeClassifier(coder, models, kind, vocabulary)


def _folds(n: int, k: int, seed: int) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def cross_validate(
    texts: Sequence[str | None],
    codes: pd.DataFrame,
    coder: DictionaryCoder | None = None,
    k: int = 5,
    seed: int = 1,
) -> pd.DataFrame:
    """Compare the dictionary with learned classifiers by k-fold cross-validation.

    Every answer is coded by a classifier trained on the other folds, so the figures measure
    generalisation; the dictionary codes the same answers.

    Returns
    -------
    DataFrame
        One row per method (``dictionary``, ``words``, ``signals``, ``hybrid``) with ``macro_f1`` and
        ``mean_kappa`` against the human codes.
    """
    coder = coder or DictionaryCoder()
    texts = list(texts)
    codes = codes.reset_index(drop=True)
    themes = coder.themes
    preds = {m: pd.DataFrame(0, index=range(len(texts)), columns=themes) for m in METHODS}
    for fold in _folds(len(texts), k, seed):
        held = set(fold)
        train_idx = [i for i in range(len(texts)) if i not in held]
        for method in METHODS[1:]:
            model = train([texts[i] for i in train_idx], codes.loc[train_idx], coder, method)
            pred = model.predict([texts[i] for i in fold])
            preds[method].loc[fold, themes] = pred[themes].to_numpy()
    for i, t in enumerate(texts):
        assigned = coder.code(t).themes
        preds["dictionary"].loc[i, themes] = [int(th in assigned) for th in themes]
    rows = []
    for method in METHODS:
        table = agreement_table(codes, preds[method], themes)
        rows.append(
            {
                "method": method,
                "macro_f1": macro_f1(table),
                "mean_kappa": float(table["kappa"].mean(skipna=True)),
            }
        )
    return pd.DataFrame(rows)


def propose_signals(
    texts: Sequence[str | None],
    codes: pd.DataFrame,
    coder: DictionaryCoder | None = None,
    top: int = 5,
    min_count: int = 2,
) -> pd.DataFrame:
    """Words that human coders' answers for a theme use often but the codebook does not signal.

    Ranks each content word by a smoothed log-odds of appearing in answers coded with the theme
    versus not, keeping words not already matched by any signal of that theme. A list for
    researchers to consider when editing the codebook, never applied automatically.

    Returns
    -------
    DataFrame
        Columns ``theme``, ``word``, ``in_theme`` (answers with the theme using it),
        ``elsewhere`` and ``log_odds``.
    """
    coder = coder or DictionaryCoder()
    docs = []
    for t in texts:
        toks = content_words(tokenize(t, coder.normaliser, coder.stopwords))
        docs.append({tok.norm: tok for tok in toks})
    rows = []
    for theme in coder.themes:
        flags = pd.to_numeric(codes[theme]).astype(int).tolist()
        n_in = max(sum(flags), 1)
        n_out = max(len(flags) - sum(flags), 1)
        inside: Counter[str] = Counter()
        outside: Counter[str] = Counter()
        for doc, flag in zip(docs, flags, strict=True):
            (inside if flag else outside).update(doc.keys())
        scored = []
        for word, count in inside.items():
            if count < min_count:
                continue
            token = next(d[word] for d, f in zip(docs, flags, strict=True) if f and word in d)
            if any(coder._signals[s].theme == theme for s in _signals_for(coder, token)):
                continue
            lo = math.log((count + 0.5) / (n_in - count + 0.5)) - math.log(
                (outside[word] + 0.5) / (n_out - outside[word] + 0.5)
            )
            scored.append((theme, word, count, outside[word], round(lo, 3)))
        scored.sort(key=lambda r: -r[4])
        rows.extend(scored[:top])
    return pd.DataFrame(rows, columns=["theme", "word", "in_theme", "elsewhere", "log_odds"])


def _signals_for(coder: DictionaryCoder, token: Token) -> list[int]:
    terms = coder._terms_of(token)
    return [i for i, s in enumerate(coder._signals) if not s.negative and s.terms[0] in terms]
