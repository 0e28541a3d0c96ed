"""Score the coders on the held-out sets, and the learned layer's learning curve.

Run: ``.venv/bin/python bench/bench_coding_heldout.py`` (``--curve 0`` skips the curve). Prints,
per held-out set (``heldout_v10_{nb,nn,en}``: answers never used for tuning; the older held-out
sets are retired into the training answers),
per-theme precision / recall and macro-F1 for

* the dictionary with codebooks v2–v6 (``questionnaires/codebooks/``),
* the dictionary with codebook v7 (``questionnaires/codebook.yaml``),
* the learned layer (v7 dictionary blended with calibrated classifiers) trained on the shipped
  training answers ``evaluation/data/coding_training.csv``;

then two learning curves:

* macro-F1 on the held-out sets against the number of training answers the classifiers were
  trained on (random subsets, 3 draws each);
* a simulated coding session (``--session``): each held-out set is split in two halves; the
  model is trained on the shipped answers plus the first k coded answers of one half (weighted as
  the app weighs coders' decisions) and scored on the other half, which it never sees; both
  halves in turn. This is what the app does as coders work through a survey's answers.
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

from evaluation.coding import DictionaryCoder, coder_agreement, macro_f1  # noqa: E402
from evaluation.coding.model import train_model, training_data  # noqa: E402

DATA = ROOT / "tests" / "evaluation" / "data"
V2 = ROOT / "questionnaires" / "codebooks" / "codebook_v2.yaml"
V3 = ROOT / "questionnaires" / "codebooks" / "codebook_v3.yaml"
V4 = ROOT / "questionnaires" / "codebooks" / "codebook_v4.yaml"
V5 = ROOT / "questionnaires" / "codebooks" / "codebook_v5.yaml"
V6 = ROOT / "questionnaires" / "codebooks" / "codebook_v6.yaml"
HELDOUT = ("v10_nb", "v10_nn", "v10_en")


def heldout_sets() -> dict[str, pd.DataFrame]:
    """Every held-out set by name (answers never used for tuning)."""
    sets = {}
    for name in HELDOUT:
        version, lang = name.split("_")
        sets[name] = pd.read_csv(DATA / f"heldout_{version}_{lang}.csv")
    return sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--curve", type=int, default=3, help="draws per learning-curve point (0 = skip)"
    )
    parser.add_argument(
        "--session", action="store_true", help="only the simulated coding session curve"
    )
    args = parser.parse_args()
    sets = heldout_sets()
    train = training_data()
    if args.session:
        session_curve(sets, train)
        return
    start = time.perf_counter()
    learned = train_model(train["text"].tolist(), train)
    print(f"learned layer trained on {len(train)} answers in {time.perf_counter() - start:.1f} s")
    coders = {
        "dictionary v2": DictionaryCoder(V2),
        "dictionary v3": DictionaryCoder(V3),
        "dictionary v4": DictionaryCoder(V4),
        "dictionary v5": DictionaryCoder(V5),
        "dictionary v6": DictionaryCoder(V6),
        "dictionary v7": DictionaryCoder(),
        "learned v7": learned,
    }
    for name, frame in sets.items():
        print(f"\n## {name} ({len(frame)} answers)")
        rows = {}
        for label, coder in coders.items():
            t = coder_agreement(coder, frame)
            rows[label] = t
            print(f"{label:14s} macro-F1 {macro_f1(t):.3f}")
        out = pd.DataFrame(
            {"theme": rows["learned v7"]["theme"], "n": rows["learned v7"]["positives"]}
        )
        for label, t in rows.items():
            out[f"{label} P/R"] = [
                f"{p:.2f}/{r:.2f}"
                for p, r in zip(t["precision"].fillna(-1), t["recall"], strict=True)
            ]
        print(out.to_string(index=False).replace("-1.00", "  –  "))
    if args.curve:
        print("\n## Learning curve: macro-F1 on the held-out sets by training answers seen")
        rng = np.random.default_rng(1)
        names = list(HELDOUT)
        for n in (100, 200, 400, 800, 1600, len(train)):
            scores: dict[str, list[float]] = {name: [] for name in names}
            for _ in range(args.curve if n < len(train) else 1):
                idx = rng.choice(len(train), size=n, replace=False)
                sub = train.iloc[idx].reset_index(drop=True)
                model = train_model(sub["text"].tolist(), sub)
                for name in names:
                    scores[name].append(macro_f1(coder_agreement(model, sets[name])))
            print(
                f"{n:4d} answers: "
                + "  ".join(f"{name} {np.mean(v):.3f}" for name, v in scores.items())
            )


def session_curve(
    sets: dict[str, pd.DataFrame], train: pd.DataFrame, steps=(0, 20, 40, 80)
) -> None:
    """Macro-F1 on unseen answers of a survey as coders code k of its other answers."""
    print("## Simulated coding session: macro-F1 on the other half by coded answers of this half")
    weight = 3.0  # webapp.domain.coding_model.CODER_WEIGHT
    rng = np.random.default_rng(1)
    for name in HELDOUT:
        frame = sets[name]
        order = rng.permutation(len(frame))
        halves = (order[: len(frame) // 2], order[len(frame) // 2 :])
        line = []
        for k in steps:
            f1s = []
            for a, b in (halves, halves[::-1]):
                coded = frame.iloc[a[:k]]
                data = pd.concat([train, coded], ignore_index=True)
                model = train_model(
                    data["text"].tolist(), data, weights=[1.0] * len(train) + [weight] * len(coded)
                )
                f1s.append(macro_f1(coder_agreement(model, frame.iloc[b].reset_index(drop=True))))
            line.append(f"k={k}: {np.mean(f1s):.3f}")
        print(f"{name}: " + "  ".join(line))


if __name__ == "__main__":
    main()
