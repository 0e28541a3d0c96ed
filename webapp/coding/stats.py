"""Agreement figures from stored decisions: coder pairs, kappa/alpha, disagreements, auto vs. human."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from itertools import combinations

import pandas as pd
import sqlalchemy as sa

from evaluation.coding import agreement_table, alpha_for_codes, cohen_kappa, disagreements, macro_f1

from ..domain.coding import answers_select, dictionary_for
from ..extensions import db
from ..models import Answer, User
from ..models.coding import CodebookVersion, CodingDecision, CodingResolution, CodingSuggestion

_LEARN_CACHE: dict[str, pd.DataFrame] = {}


def manual_codes(version: CodebookVersion) -> dict[int, dict[int, dict[str, int]]]:
    """Hand-made codes: coder id -> answer id -> theme -> 0/1 (bulk acceptance left out)."""
    scope = sa.select(answers_select(version).subquery().c.answer_id)
    out: dict[int, dict[int, dict[str, int]]] = {}
    rows = db.session.execute(
        sa.select(
            CodingDecision.coder_id,
            CodingDecision.answer_id,
            CodingDecision.theme_code,
            CodingDecision.applied,
        ).where(
            CodingDecision.codebook_version_id == version.id,
            CodingDecision.source != "bulk",
            CodingDecision.answer_id.in_(scope),
        )
    )
    for coder, answer, theme, on in rows:
        out.setdefault(coder, {}).setdefault(answer, {})[theme] = int(bool(on))
    return out


def frame(
    codes: dict[int, dict[str, int]], answer_ids: list[int], themes: list[str]
) -> pd.DataFrame:
    """0/1 codes as a DataFrame indexed by answer id (a theme the coder did not record is 0)."""
    return pd.DataFrame(
        [[codes[a].get(t, 0) for t in themes] for a in answer_ids],
        index=pd.Index(answer_ids, name="answer_id"),
        columns=themes,
        dtype="int64",
    )


def coder_pairs(codes: dict[int, dict[int, dict[str, int]]]) -> list[tuple[int, int, int]]:
    """Every pair of coders with how many answers both coded, most overlap first."""
    pairs = [(a, b, len(set(codes[a]) & set(codes[b]))) for a, b in combinations(sorted(codes), 2)]
    return sorted(pairs, key=lambda p: (-p[2], p[0], p[1]))


@dataclass
class PairAgreement:
    """Agreement of two coders on the answers both coded."""

    coder_a: User
    coder_b: User
    answer_ids: list[int]
    per_theme: pd.DataFrame
    alpha: float
    a: pd.DataFrame
    b: pd.DataFrame
    disagreements: pd.DataFrame
    resolved: dict[int, dict[str, bool]] = field(default_factory=dict)


def pair_agreement(version: CodebookVersion, codes, a_id: int, b_id: int) -> PairAgreement:
    """Cohen's kappa per theme, Krippendorff's alpha over all decisions, and the disagreements."""
    themes = version.theme_codes
    both = sorted(set(codes.get(a_id, {})) & set(codes.get(b_id, {})))
    fa, fb = frame(codes.get(a_id, {}), both, themes), frame(codes.get(b_id, {}), both, themes)
    rows = []
    for t in themes:
        rows.append(
            {
                "theme": t,
                "n": len(both),
                "a_yes": int(fa[t].sum()),
                "b_yes": int(fb[t].sum()),
                "agree": float((fa[t] == fb[t]).mean()) if both else float("nan"),
                "kappa": cohen_kappa(fa[t].tolist(), fb[t].tolist()) if both else float("nan"),
            }
        )
    try:
        alpha = alpha_for_codes([fa, fb], themes) if both else float("nan")
    except ValueError:  # every decision the same value: alpha is undefined
        alpha = float("nan")
    diff = disagreements(
        fa.reset_index(drop=True), fb.reset_index(drop=True), themes, names=("a", "b")
    )
    diff["answer_id"] = [both[i] for i in diff["row"]] if len(diff) else []
    resolved: dict[int, dict[str, bool]] = {}
    if len(diff):
        for answer, theme, on in db.session.execute(
            sa.select(
                CodingResolution.answer_id, CodingResolution.theme_code, CodingResolution.applied
            ).where(
                CodingResolution.codebook_version_id == version.id,
                CodingResolution.answer_id.in_(sorted(set(diff["answer_id"]))),
            )
        ):
            resolved.setdefault(answer, {})[theme] = bool(on)
    return PairAgreement(
        db.session.get(User, a_id),
        db.session.get(User, b_id),
        both,
        pd.DataFrame(rows),
        alpha,
        fa,
        fb,
        diff,
        resolved,
    )


def human_reference(version: CodebookVersion, codes=None) -> pd.DataFrame:
    """Confirmed human codes per answer: a resolution, else the codes every hand-coder agrees on.

    Answers with an unresolved disagreement are left out. Index answer_id, one 0/1 column per theme.
    """
    themes = version.theme_codes
    codes = codes if codes is not None else manual_codes(version)
    per_answer: dict[int, list[dict[str, int]]] = {}
    for by_answer in codes.values():
        for answer, theme_codes in by_answer.items():
            per_answer.setdefault(answer, []).append({t: theme_codes.get(t, 0) for t in themes})
    resolved: dict[int, dict[str, int]] = {}
    for answer, theme, on in db.session.execute(
        sa.select(
            CodingResolution.answer_id, CodingResolution.theme_code, CodingResolution.applied
        ).where(CodingResolution.codebook_version_id == version.id)
    ):
        resolved.setdefault(answer, {})[theme] = int(bool(on))
    rows, index = [], []
    for answer in sorted(set(per_answer) | set(resolved)):
        if answer in resolved:
            row = {t: resolved[answer].get(t, 0) for t in themes}
        else:
            versions = per_answer[answer]
            if any(v != versions[0] for v in versions[1:]):
                continue
            row = versions[0]
        rows.append(row)
        index.append(answer)
    return pd.DataFrame(
        rows, index=pd.Index(index, name="answer_id"), columns=themes, dtype="int64"
    )


def auto_codes(version: CodebookVersion, answer_ids: list[int]) -> pd.DataFrame:
    """The auto-coder's 0/1 codes for ``answer_ids`` (from the stored suggestions)."""
    themes = version.theme_codes
    stored = dict(
        db.session.execute(
            sa.select(CodingSuggestion.answer_id, CodingSuggestion.themes).where(
                CodingSuggestion.codebook_version_id == version.id,
                CodingSuggestion.answer_id.in_(answer_ids),
            )
        ).all()
    )
    return pd.DataFrame(
        [[int(t in (stored.get(a) or ())) for t in themes] for a in answer_ids],
        index=pd.Index(answer_ids, name="answer_id"),
        columns=themes,
        dtype="int64",
    )


def auto_vs_human(version: CodebookVersion, reference: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Per-theme precision, recall, F1 and kappa of the auto-coder against confirmed human codes."""
    themes = version.theme_codes
    if reference.empty:
        return pd.DataFrame(
            columns=["theme", "n", "positives", "precision", "recall", "f1", "kappa"]
        ), float("nan")
    table = agreement_table(reference, auto_codes(version, list(reference.index)), themes)
    return table, macro_f1(table)


def learning_comparison(
    version: CodebookVersion, reference: pd.DataFrame, k: int = 5
) -> pd.DataFrame:
    """Cross-validated dictionary vs. learned classifiers on the confirmed human codes (cached)."""
    from evaluation.coding.learn import cross_validate

    texts = dict(
        db.session.execute(
            sa.select(Answer.id, Answer.value_text).where(Answer.id.in_(list(reference.index)))
        ).all()
    )
    ordered = [texts[a] for a in reference.index]
    key = hashlib.sha256(
        (version.content_hash + reference.to_csv() + repr(ordered)).encode()
    ).hexdigest()
    if key not in _LEARN_CACHE:
        if len(_LEARN_CACHE) > 8:
            _LEARN_CACHE.clear()
        _LEARN_CACHE[key] = cross_validate(
            ordered, reference.reset_index(drop=True), dictionary_for(version), k=k
        )
    return _LEARN_CACHE[key]
