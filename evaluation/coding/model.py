"""The learned layer: one calibrated scikit-learn classifier per theme, combined with the dictionary.

Features of an answer: character n-grams of the text (3-5 letters within words, so inflections,
typos and compounds share features), the lemmas of its content words and of the parts of its
compounds, and pairs of neighbouring lemmas. Only n-grams and lemmas found in at least two
training answers are kept, so a model file holds no word only one respondent wrote. Per theme a
logistic regression is fitted and its scores are calibrated to probabilities by Platt scaling
on cross-validated predictions (``CalibratedClassifierCV(method="sigmoid", ensemble=False)``).

The confidence of a theme blends the two coders: ``dict_weight`` × the dictionary's confidence
+ (1 − ``dict_weight``) × the classifier's probability, or the classifier's probability itself
when it is at least ``CLASSIFIER_ALONE`` (so the layer can add a theme the codebook has no word
for); the theme is assigned at its threshold (``THEME_THRESHOLDS``, else ``threshold``).
The dictionary is deliberately not a feature of the classifier: the codebook was widened on the
training answers, so on them it is nearly always right and a classifier given its verdict learns
only to repeat it (measured: it then adds nothing on answers by a new writer). All settings
were chosen by leaving one writer of the training answers out at a time
(``bench/tune_coder.py``), never on a held-out set. A theme with too few positive (or negative)
training answers keeps the dictionary's confidence. Every suggestion carries its evidence: the
dictionary's matched words and the n-grams that weighed most for the theme.

:func:`train_model` builds a :class:`LearnedCoder`, :func:`save_model` / :func:`load_model`
write and read it as one file; the web app and ``python -m evaluation code --model`` use the
same file and the same code.
"""

from __future__ import annotations

import datetime as dt
import pickle
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .codebook import resolve_codebook
from .dictionary import CodedAnswer, DictionaryCoder, Suggestion
from .text import compound_parts, content_words, is_known_word, tokenize

__all__ = [
    "FORMAT",
    "TRAINING_FILE",
    "blend",
    "LearnedCoder",
    "ModelFileError",
    "load_model",
    "save_model",
    "train_model",
    "training_data",
]

FORMAT = "dekom-coder-model/2"
MIN_CLASS = 4  # fewest positive and negative answers a theme needs before it gets a classifier
SHOW_FLOOR = 0.15  # themes below this probability and without dictionary evidence are not listed
TOP_NGRAMS = 4
DICT_WEIGHT = 0.5  # share of the dictionary in a theme's confidence (bench/tune_coder.py)
THRESHOLD = 0.45  # a theme is assigned at this blended confidence (bench/tune_coder.py)
# From this probability the classifier's own is the confidence, so the layer can add a theme the
# codebook has no word for. At 0.9 this path was right in 25 of 64 answers where the blend alone
# would not have assigned the theme (writers left out in turn, bench/tune_coder.py --dump); at
# 0.95 in 14 of 31, and in 7 of 8 on the writers the codebook was never widened on.
CLASSIFIER_ALONE = 0.95
# Per theme, the threshold with the best F1 among those where precision reached 0.95 in every
# language when each writer of the training answers was left out in turn (bench/tune_coder.py
# --thresholds), never below THRESHOLD, which other themes use. Themes whose words are often
# mentioned in passing (alle_med's "hele", ledelse's principal, UH named as a partner) need more
# evidence. Chosen with codebook v7 on 3 827 answers by 39 writers (round 4).
THEME_THRESHOLDS = {
    "alle_med": 0.625,
    "laerernes_behov": 0.475,
    "ekstern_kompetanse": 0.6,
    "praksisnaer": 0.525,
    "ledelse": 0.575,
    "ressurspersoner": 0.45,
    "tid": 0.475,
    "erfaringsdeling": 0.45,
    "forskning": 0.45,
    "sammenheng": 0.45,
}
TRAINING_FILE = Path(__file__).resolve().parent.parent / "data" / "coding_training.csv"


class ModelFileError(Exception):
    """A model file that cannot be used; the message says which file and why."""


def training_data(path: str | Path = TRAINING_FILE) -> pd.DataFrame:
    """Hand-coded training answers (default the shipped ones): ``text`` and a 0/1 column per theme.

    Raises ValueError naming the file when it cannot be read or has no ``text`` column.
    """
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read the training answers ({exc})") from exc
    if "text" not in frame.columns:
        raise ValueError(f"{path}: the training answers need a 'text' column")
    return frame


def _lemmas(coder: DictionaryCoder, text: str) -> list[str]:
    tokens = content_words(tokenize(text, coder.normaliser, coder.stopwords))
    out = []
    for t in tokens:
        out.append(t.norm)
        if not is_known_word(t.lower):  # "rektor" is a word, not "rek|tor"
            out.extend(coder.normaliser(part) for part in compound_parts(t.lower))
    norms = [t.norm for t in tokens]  # pairs of neighbouring lemmas: "komme ovenfra", "gi tid"
    out.extend(f"{a} {b}" for a, b in zip(norms, norms[1:], strict=False))
    return out


class _Lemmas:
    """Picklable analyser for the lemma vectoriser (a lambda would not pickle)."""

    def __init__(self, coder: DictionaryCoder) -> None:
        self.coder = coder

    def __call__(self, text: str) -> list[str]:
        return _lemmas(self.coder, text)


@dataclass
class LearnedCoder:
    """Dictionary + per-theme calibrated classifiers; codes answers like :class:`DictionaryCoder`.

    ``meta`` records the model's number, when and on how many answers it was trained, the
    codebook version and hash it belongs to and the scikit-learn version.
    """

    dictionary: DictionaryCoder
    char_vec: Any
    lemma_vec: Any
    models: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)
    threshold: float = THRESHOLD
    dict_weight: float = DICT_WEIGHT
    thresholds: dict[str, float] = field(default_factory=lambda: dict(THEME_THRESHOLDS))

    def threshold_for(self, theme: str) -> float:
        """The blended confidence at which ``theme`` is assigned."""
        return self.thresholds.get(theme, self.threshold)

    @property
    def themes(self) -> list[str]:
        """Theme codes in codebook order."""
        return self.dictionary.themes

    @property
    def codebook(self) -> Any:
        """The codebook the model was trained with."""
        return self.dictionary.codebook

    @property
    def review_below(self) -> float:
        """Answers whose confidence is below this go to human coders first."""
        return self.dictionary.review_below

    # -- features ---------------------------------------------------------------------------
    def dictionary_confidences(self, coded: list[CodedAnswer]) -> np.ndarray:
        """The dictionary's confidence per answer (rows) and theme (columns, codebook order)."""
        out = np.zeros((len(coded), len(self.themes)))
        index = {t: i for i, t in enumerate(self.themes)}
        for row, c in enumerate(coded):
            for s in c.suggestions:
                out[row, index[s.theme]] = s.confidence
        return out

    def _matrix(self, texts: list[str]) -> Any:
        from scipy import sparse

        lowered = [t.lower() for t in texts]
        return sparse.hstack(
            [self.char_vec.transform(lowered), self.lemma_vec.transform(texts)]
        ).tocsr()

    def feature_names(self) -> list[str]:
        """Names of the feature columns: «n-grams», then lemmas."""
        names = [f"«{g.strip()}»" for g in self.char_vec.get_feature_names_out()]
        names += [f"{w}" for w in self.lemma_vec.get_feature_names_out()]
        return names

    # -- coding -----------------------------------------------------------------------------
    def probabilities(self, texts: Sequence[str | None]) -> pd.DataFrame:
        """Confidence of each theme for each answer (columns = theme codes): the blend above."""
        clean = _texts(texts)
        coded = [self.dictionary.code(t) for t in clean]
        return pd.DataFrame(self._probs(clean, coded, self._matrix(clean)), columns=self.themes)

    def classifier_probabilities(self, texts: Sequence[str | None]) -> pd.DataFrame:
        """The classifiers' calibrated probabilities alone (NaN for a theme without a classifier)."""
        clean = _texts(texts)
        x = self._matrix(clean)
        out = np.full((len(clean), len(self.themes)), np.nan)
        for j, theme in enumerate(self.themes):
            model = self.models.get(theme)
            if model is not None and clean:
                out[:, j] = model.predict_proba(x)[:, 1]
        return pd.DataFrame(out, columns=self.themes)

    def _probs(self, texts: list[str], coded: list[CodedAnswer], x: Any) -> np.ndarray:
        probs = np.zeros((len(texts), len(self.themes)))
        if not texts:
            return probs
        dict_conf = self.dictionary_confidences(coded)
        for j, theme in enumerate(self.themes):
            model = self.models.get(theme)
            if model is None:
                probs[:, j] = dict_conf[:, j]
            else:
                probs[:, j] = blend(dict_conf[:, j], model.predict_proba(x)[:, 1], self.dict_weight)
        return np.clip(probs, 0.0, 1.0)

    def code(self, text: str | None) -> CodedAnswer:
        """Code one answer: suggestions with calibrated confidence and evidence, and a review flag."""
        return self.code_many([text])[0]

    def code_many(self, texts: Iterable[str | None]) -> list[CodedAnswer]:
        """Code a sequence of answers (vectorised: much faster than one at a time)."""
        clean = _texts(texts)
        coded = [self.dictionary.code(t) for t in clean]
        out: list[CodedAnswer] = [c for c in coded]
        live = [i for i, t in enumerate(clean) if coded[i].reason != "empty answer" and t.strip()]
        if not live:
            return out
        sub_texts, sub_coded = [clean[i] for i in live], [coded[i] for i in live]
        x = self._matrix(sub_texts)
        probs = self._probs(sub_texts, sub_coded, x)
        names = self._names()
        for row, i in enumerate(live):
            out[i] = self._answer(clean[i], coded[i], probs[row], x[row], names)
        return out

    def suggest(self, text: str | None) -> list[Suggestion]:
        """All themes worth showing for ``text``, most confident first."""
        return list(self.code(text).suggestions)

    def _names(self) -> list[str]:
        names = getattr(self, "_name_cache", None)
        if names is None:
            names = self._name_cache = self.feature_names()
        return names

    def _answer(
        self, text: str, coded: CodedAnswer, probs: np.ndarray, xrow: Any, names: list[str]
    ) -> CodedAnswer:
        by_theme = {s.theme: s for s in coded.suggestions}
        suggestions = []
        for j, theme in enumerate(self.themes):
            p = round(float(probs[j]), 4)
            base = by_theme.get(theme)
            if base is None and p < SHOW_FLOOR:
                continue
            evidence = base.evidence if base is not None else ()
            grams = self._top_ngrams(theme, xrow, names, text) if p >= SHOW_FLOOR else ()
            assigned = p >= self.threshold_for(theme)
            suggestions.append(Suggestion(theme, p, assigned, evidence, grams))
        suggestions.sort(key=lambda s: (-s.confidence, self.themes.index(s.theme)))
        tokens = tokenize(text, self.dictionary.normaliser, self.dictionary.stopwords)
        return self.dictionary._verdict(tuple(suggestions), tokens)

    def _top_ngrams(
        self, theme: str, xrow: Any, names: list[str], text: str = ""
    ) -> tuple[str, ...]:
        model = self.models.get(theme)
        if model is None:
            return ()
        coef = _coef(model)
        idx = xrow.indices
        if not len(idx):
            return ()
        weights = coef[idx] * xrow[0, idx].toarray().ravel()
        order = np.argsort(-weights)
        out: list[str] = []
        words = [w.lower() for w in _WORD_RE.findall(text)]
        for k in order:
            if weights[k] <= 0 or len(out) >= TOP_NGRAMS:
                break
            label = _readable(names[idx[k]], words)
            if label not in out:
                out.append(label)
        return tuple(out)

    def top_features(self, theme: str, n: int = 10) -> list[tuple[str, float]]:
        """The ``n`` features that weigh most for ``theme`` (name, coefficient)."""
        model = self.models.get(theme)
        if model is None:
            return []
        coef = _coef(model)
        names = self._names()
        order = np.argsort(-coef)[:n]
        return [(names[i], round(float(coef[i]), 3)) for i in order]


_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


def blend(
    dictionary: np.ndarray, learned: np.ndarray, dict_weight: float = DICT_WEIGHT
) -> np.ndarray:
    """A theme's confidence from the dictionary's confidence and the classifier's probability.

    ``dict_weight`` × dictionary + (1 − ``dict_weight``) × classifier; a classifier at or above
    ``CLASSIFIER_ALONE`` speaks for itself, codebook word or not.
    """
    mixed = dict_weight * dictionary + (1 - dict_weight) * learned
    return np.where(learned >= CLASSIFIER_ALONE, np.maximum(mixed, learned), mixed)


def _texts(texts: Iterable[str | None]) -> list[str]:
    """The answers as strings: a missing answer (None, NaN) becomes the empty string."""
    return [t if isinstance(t, str) else "" for t in texts]


def _readable(name: str, words: list[str]) -> str:
    """A feature as a coder reads it: a character n-gram with the answer's word it came from."""
    if not name.startswith("«"):
        return name  # a lemma
    gram = name.strip("«»")
    if gram in words:
        return gram
    word = next((w for w in words if gram in w), None)
    return f"«{gram}» ({word})" if word else name


def _coef(model: Any) -> np.ndarray:
    cached = getattr(model, "_dekom_coef", None)
    if cached is None:
        cached = model.calibrated_classifiers_[0].estimator.coef_.ravel()
        model._dekom_coef = cached
    return cached


def train_model(
    texts: Sequence[str | None],
    codes: pd.DataFrame,
    codebook: Any = None,
    weights: Sequence[float] | None = None,
    meta: dict[str, Any] | None = None,
    seed: int = 1,
) -> LearnedCoder:
    """Train the learned layer on coded answers.

    Parameters
    ----------
    texts : sequence of str
        The answers.
    codes : DataFrame
        One 0/1 column per theme code, rows aligned with ``texts``.
    codebook : Codebook, path or None
        The codebook of the dictionary part (None = the shipped one).
    weights : sequence of float, optional
        Weight of each answer (e.g. more for the coders' own decisions than for shipped examples).
    meta : dict, optional
        Stored with the model (version number, source of the training data, ...).

    Returns
    -------
    LearnedCoder

    Raises
    ------
    ValueError
        When texts and codes differ in length or a theme column is missing.
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    dictionary = DictionaryCoder(resolve_codebook(codebook))
    clean = _texts(texts)
    if len(clean) != len(codes):
        raise ValueError(f"{len(clean)} answers but {len(codes)} rows of codes")
    missing = [t for t in dictionary.themes if t not in codes.columns]
    if missing:
        raise ValueError(f"no column for theme(s) {', '.join(missing)}")
    w = np.ones(len(clean)) if weights is None else np.asarray(weights, dtype=float)
    char_vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True)
    lemma_vec = TfidfVectorizer(analyzer=_Lemmas(dictionary), min_df=2, sublinear_tf=True)
    char_vec.fit([t.lower() for t in clean])
    lemma_vec.fit(clean)
    for vec in (char_vec, lemma_vec):
        # scikit-learn keeps every feature it pruned (seen in one answer only) in stop_words_;
        # a model file must not carry rare words of the answers, such as names.
        if hasattr(vec, "stop_words_"):
            del vec.stop_words_
    learned = LearnedCoder(dictionary, char_vec, lemma_vec, {}, {})
    x = learned._matrix(clean)
    models = {}
    for theme in dictionary.themes:
        y = pd.to_numeric(codes[theme]).fillna(0).astype(int).to_numpy()
        pos, neg = int(y.sum()), int(len(y) - y.sum())
        if pos < MIN_CLASS or neg < MIN_CLASS:
            continue
        base = LogisticRegression(
            C=4.0, class_weight="balanced", solver="liblinear", random_state=seed
        )
        model = CalibratedClassifierCV(base, method="sigmoid", cv=min(3, pos, neg), ensemble=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(x, y, sample_weight=w)
        models[theme] = model
    import sklearn

    learned.models = models
    learned.meta = {
        "format": FORMAT,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "trained_on": len(clean),
        "codebook_version": dictionary.codebook.version,
        "themes_learned": sorted(models),
        "sklearn": sklearn.__version__,
        **(meta or {}),
    }
    return learned


def save_model(model: LearnedCoder, path: str | Path) -> Path:
    """Write ``model`` to ``path`` (one file: format header, metadata and the fitted objects)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    model.dictionary._answer_cache = {}  # a cache of coded answers does not belong in the file
    model.dictionary._word_terms = {}
    with tmp.open("wb") as fh:
        pickle.dump(
            {"format": FORMAT, "meta": model.meta, "model": model},
            fh,
            protocol=pickle.HIGHEST_PROTOCOL,
        )
    tmp.replace(path)
    return path


def load_model(path: str | Path) -> LearnedCoder:
    """Read a model file written by :func:`save_model` (the web app's export).

    Only load files you trust: a model file is a Python pickle.

    Raises
    ------
    ModelFileError
        When the file is missing, unreadable or not a model file of this format.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        with path.open("rb") as fh:
            payload = pickle.load(fh)
    except (
        pickle.UnpicklingError,
        EOFError,
        AttributeError,
        ImportError,
        ValueError,
        TypeError,
    ) as exc:
        raise ModelFileError(f"{path}: not a coder model file ({exc.__class__.__name__})") from exc
    if (
        not isinstance(payload, dict)
        or payload.get("format") != FORMAT
        or not isinstance(payload.get("model"), LearnedCoder)
    ):
        raise ModelFileError(f"{path}: not a coder model file of format {FORMAT}")
    return payload["model"]
