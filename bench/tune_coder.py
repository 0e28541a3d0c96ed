"""Tune the learned layer without touching the held-out set: leave one writer out.

Run: ``.venv/bin/python bench/tune_coder.py [--folds s4,w1] [--grid]``.

Every training corpus was written by one writer in one sitting (the shipped answers, the retired
held-out sets v3 and v4, the training batches w1–w4). A coder meets answers by a writer it has
never seen, so each fold trains on all writers but one and scores the one left out, per language.
This is the figure settings are chosen on; ``tests/evaluation/data/heldout_v5_*`` is never read
here.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluation.coding import agreement_table, macro_f1  # noqa: E402
from evaluation.coding.model import (  # noqa: E402
    DICT_WEIGHT,
    THRESHOLD,
    train_model,
    training_data,
)


def writers() -> dict[str, pd.DataFrame]:
    """Training answers grouped by who wrote them (``writer`` column of the training file)."""
    train = training_data()
    return {w: f.reset_index(drop=True) for w, f in train.groupby("writer", sort=False)}


def score(model, frame: pd.DataFrame) -> pd.DataFrame:
    """Per-theme agreement of ``model`` with the hand codes of ``frame``."""
    coded = model.code_many(frame["text"].tolist())
    pred = pd.DataFrame(
        [[int(t in c.themes) for t in model.themes] for c in coded], columns=model.themes
    )
    return agreement_table(frame, pred, model.themes)


def _parts(model, test: pd.DataFrame, min_answers: int):
    """Per language: hand codes, dictionary confidences and classifier probabilities."""
    out = []
    for lang, part in test.groupby("lang"):
        if len(part) < min_answers:
            continue
        part = part.reset_index(drop=True)
        texts = part["text"].fillna("").tolist()
        coded = [model.dictionary.code(t) for t in texts]
        conf = model._dict_features(coded)[:, : len(model.themes)]
        probs = model.classifier_probabilities(texts).to_numpy()
        probs = np.where(np.isnan(probs), conf, probs)
        out.append((lang, part, conf, probs))
    return out


RULES = {
    # name: (parameter grid, rule(conf, probs, *params) -> 0/1 matrix)
    "blend": (
        [(w, t) for w in (0.3, 0.4, 0.5, 0.6) for t in (0.35, 0.4, 0.45, 0.5)],
        lambda c, p, w, t: (w * c + (1 - w) * p) >= t,
    ),
    "or": (
        [(t,) for t in (0.5, 0.6, 0.7, 0.8, 0.9)],
        lambda c, p, t: (c >= 0.5) | (p >= t),
    ),
    "veto_or": (
        [(t, v) for t in (0.6, 0.7, 0.8, 0.9) for v in (0.03, 0.05, 0.1, 0.15, 0.2)],
        lambda c, p, t, v: ((c >= 0.5) & (p >= v)) | (p >= t),
    ),
    "dictionary": ([()], lambda c, p: c >= 0.5),
}


def session(groups: dict[str, pd.DataFrame], folds: list[str], codebook: str | None) -> None:
    """The coders' weight: a writer left out plays a survey whose answers coders code as they go.

    Each language part of the left-out writer is split in two halves; the model is trained on the
    other writers plus the first ``k`` answers of one half, weighted ``w``, and scored on the other
    half (both halves in turn), with the current blend.
    """
    rng = np.random.default_rng(1)
    rows = []
    for fold in folds:
        others = pd.concat([f for w, f in groups.items() if w != fold], ignore_index=True)
        for lang, part in groups[fold].groupby("lang"):
            if len(part) < 30:
                continue
            part = part.reset_index(drop=True)
            order = rng.permutation(len(part))
            halves = (order[: len(part) // 2], order[len(part) // 2 :])
            for k, weight in ((0, 1.0), (20, 1.0), (20, 3.0), (20, 10.0), (20, 30.0)):
                f1s = []
                for a, b in (halves, halves[::-1]):
                    coded = part.iloc[a[:k]]
                    data = pd.concat([others, coded], ignore_index=True)
                    weights = [1.0] * len(others) + [weight] * len(coded)
                    model = train_model(data["text"].tolist(), data, codebook, weights=weights)
                    f1s.append(macro_f1(score(model, part.iloc[b].reset_index(drop=True))))
                rows.append(
                    {"k": k, "weight": weight, "fold": fold, "lang": lang, "f1": np.mean(f1s)}
                )
                print(rows[-1], flush=True)
    out = pd.DataFrame(rows)
    print(out.groupby(["k", "weight", "lang"])["f1"].mean().unstack().round(3).to_string())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", default="", help="writers to leave out (default: all)")
    parser.add_argument("--min-answers", type=int, default=30, help="skip smaller language parts")
    parser.add_argument("--top", type=int, default=12, help="settings to print")
    parser.add_argument("--codebook", default=None, help="codebook file (default: the shipped one)")
    parser.add_argument("--session", action="store_true", help="choose the coders' weight")
    args = parser.parse_args()
    groups = writers()
    folds = [f for f in args.folds.split(",") if f] or list(groups)
    if args.session:
        session(groups, folds, args.codebook)
        return
    rows = []
    for fold in folds:
        test = groups[fold]
        train = pd.concat([f for w, f in groups.items() if w != fold], ignore_index=True)
        start = time.perf_counter()
        model = train_model(train["text"].tolist(), train, codebook=args.codebook)
        print(f"{fold}: trained on {len(train)} answers in {time.perf_counter() - start:.1f} s")
        for lang, part, conf, probs in _parts(model, test, args.min_answers):
            for rule, (grid, fn) in RULES.items():
                for params in grid:
                    pred = pd.DataFrame(fn(conf, probs, *params).astype(int), columns=model.themes)
                    t = agreement_table(part, pred, model.themes)
                    rows.append(
                        {
                            "rule": rule,
                            "params": str(params),
                            "fold": fold,
                            "lang": lang,
                            "macro_f1": macro_f1(t),
                            "p<0.9": int((t["precision"] < 0.9).sum()),
                        }
                    )
    out = pd.DataFrame(rows)
    keys = ["rule", "params"]
    summary = out.groupby([*keys, "lang"])["macro_f1"].mean().unstack()
    summary["mean"] = out.groupby(keys)["macro_f1"].mean()
    summary["min"] = out.groupby(keys)["macro_f1"].min()
    summary["p<0.9"] = out.groupby(keys)["p<0.9"].sum()
    summary = summary.round(3).sort_values("mean", ascending=False)
    print(summary.head(args.top).to_string())
    print(summary[summary.index.get_level_values(0) == "dictionary"].to_string())
    current = summary.loc[("blend", str((DICT_WEIGHT, THRESHOLD)))]
    print(f"current setting blend {DICT_WEIGHT} / {THRESHOLD}: {current.to_dict()}")


if __name__ == "__main__":
    main()
