"""Benchmark the theme coder: speed on 10 000 answers, and quality against the human-coded set.

Run: ``.venv/bin/python bench/bench_coding.py`` (``--n 10000 --seed 1``). Prints

* the time to code N realistic answers (built by recombining the sentences of the human-coded
  answers, with typos so that most words and answers are new), cold (including loading the
  codebook and the lemmatiser) and per answer;
* per-theme precision, recall, F1 and Cohen's kappa on the dev and held-out answers;
* lemmatiser vs Snowball stemmer vs no normalisation;
* the dictionary vs nltk Naive Bayes classifiers trained on the human codes (5-fold CV).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluation.coding import DictionaryCoder, agreement_table, code_answers, macro_f1  # noqa: E402
from evaluation.coding.learn import cross_validate  # noqa: E402

DATA = ROOT / "tests" / "evaluation" / "data" / "coded_answers.csv"


def synthetic_answers(texts: list[str], n: int, seed: int) -> list[str]:
    """N answers of 1-5 sentences drawn from ``texts``, with random typos and a few empty ones."""
    rng = random.Random(seed)
    sentences = [s.strip() for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if s.strip()]
    out = []
    for _ in range(n):
        k = rng.choice([0, 1, 1, 2, 2, 3, 4, 5])
        words = " ".join(rng.choice(sentences) for _ in range(k)).split()
        for i, w in enumerate(words):
            if len(w) > 4 and rng.random() < 0.08:  # a typo: drop one letter
                j = rng.randrange(1, len(w) - 1)
                words[i] = w[:j] + w[j + 1 :]
        out.append(" ".join(words))
    return out


def bench_speed(texts: list[str], n: int, seed: int) -> None:
    answers = synthetic_answers(texts, n, seed)
    words = sum(len(a.split()) for a in answers)
    start = time.perf_counter()
    coder = DictionaryCoder()
    loaded = time.perf_counter()
    coded = code_answers(pd.DataFrame({"svar": answers}), "svar", coder)
    done = time.perf_counter()
    print(f"## Speed: {n} answers, {words} words, {len(set(answers))} distinct answers")
    print(f"load codebook + lemmatiser: {loaded - start:.2f} s")
    print(
        f"code {n} answers:          {done - loaded:.2f} s  ({(done - loaded) / n * 1e6:.0f} µs per answer)"
    )
    print(f"total:                      {done - start:.2f} s")
    print(
        f"needs review: {int(coded['needs_review'].sum())} of {n}; "
        f"themes per answer: {coded[coder.themes].sum(axis=1).mean():.2f}\n"
    )


def scores(coder: DictionaryCoder, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    auto = code_answers(frame, "text", coder, prefix="auto_")
    pred = auto[["auto_" + t for t in coder.themes]].set_axis(coder.themes, axis=1)
    return agreement_table(frame, pred, coder.themes)


def bench_quality(human: pd.DataFrame) -> None:
    coder = DictionaryCoder()
    print(f"## Quality against human codes (codebook v{coder.codebook.version})")
    for split in ("dev", "heldout", "heldout2", "all"):
        frame = human if split == "all" else human[human["split"] == split]
        table = scores(coder, frame)
        print(
            f"\n### {split} ({len(frame)} answers): macro-F1 {macro_f1(table):.3f}, "
            f"mean kappa {table['kappa'].mean():.3f}"
        )
        print(
            table[["theme", "positives", "tp", "fp", "fn", "precision", "recall", "f1", "kappa"]]
            .round(2)
            .to_string(index=False)
        )
    print("\n## Word normalisation (macro-F1 / mean kappa)")
    for norm in ("lemma", "stem", "none"):
        c = DictionaryCoder(normaliser=norm)
        parts = []
        for split in ("dev", "heldout", "heldout2"):
            t = scores(c, human[human["split"] == split])
            parts.append(f"{split} {macro_f1(t):.3f} / {t['kappa'].mean():.3f}")
        print(f"{norm:6s} " + "   ".join(parts))
    print("\n## Dictionary vs classifiers learned from human codes (5-fold CV, all answers)")
    start = time.perf_counter()
    cv = cross_validate(human["text"].tolist(), human, coder, k=5, seed=1)
    print(cv.round(3).to_string(index=False))
    print(f"({time.perf_counter() - start:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    human = pd.read_csv(DATA)
    bench_speed(human["text"].tolist(), args.n, args.seed)
    bench_quality(human)


if __name__ == "__main__":
    main()
