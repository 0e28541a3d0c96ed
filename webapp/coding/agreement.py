"""Agreement pages: kappa per theme and alpha overall, disagreements to resolve, auto-coder vs. humans."""

from __future__ import annotations

import math
from datetime import datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..domain import coding as service
from ..domain import coding_model
from ..extensions import db
from ..i18n import select_locale
from ..models import Answer
from ..models.coding import CodingMemo
from . import bp
from .screen import CODERS, answer_meta, theme_views
from .stats import (
    auto_vs_human,
    coder_pairs,
    human_reference,
    learning_comparison,
    manual_codes,
    pair_agreement,
)

MIN_FOR_LEARNING = 20


def _pair(codes) -> tuple[int, int] | None:
    pairs = coder_pairs(codes)
    a, b = request.args.get("a", type=int), request.args.get("b", type=int)
    if a in codes and b in codes and a != b:
        return a, b
    return (pairs[0][0], pairs[0][1]) if pairs else None


def _mean(values) -> float:
    finite = [v for v in values if isinstance(v, float) and not math.isnan(v)]
    return sum(finite) / len(finite) if finite else float("nan")


@bp.route("/agreement")
@roles_required(*CODERS)
def agreement():
    """Cohen's kappa per theme and Krippendorff's alpha for a pair of coders; auto-coder vs. humans."""
    version = service.current_version()
    codes = manual_codes(version)
    pair = _pair(codes)
    result = pair_agreement(version, codes, *pair) if pair else None
    reference = human_reference(version, codes)
    service.ensure_suggestions(version)
    auto_table, auto_f1 = auto_vs_human(version, reference)
    db.session.commit()
    themes = theme_views(version, select_locale())
    unresolved = 0
    if result is not None and len(result.disagreements):
        unresolved = len({a for a in result.disagreements["answer_id"] if a not in result.resolved})
    return render_template(
        "coding/agreement.html",
        version=version,
        themes=themes,
        labels={t["code"]: t["label"] for t in themes},
        result=result,
        pairs=coder_pairs(codes),
        coders=_coder_names(codes),
        pair=pair,
        mean_kappa=_mean(result.per_theme["kappa"].tolist())
        if result is not None
        else float("nan"),
        unresolved=unresolved,
        auto_table=auto_table,
        auto_f1=auto_f1,
        n_reference=len(reference),
        min_learning=MIN_FOR_LEARNING,
    )


def _readable_features(features: list[tuple[str, float]]) -> list[str]:
    """Positive features for people: the dictionary's columns become one «codebook words»."""
    out: list[str] = []
    for name, weight in features:
        if weight <= 0:
            continue
        label = _("kodebokens signalord") if name.startswith("dictionary") else name
        if label not in out:
            out.append(label)
    return out[:6]


def _coder_names(codes) -> dict[int, str]:
    from ..models import User

    return {c: db.session.get(User, c).name for c in codes}


@bp.route("/agreement/disagreements")
@roles_required(*CODERS)
def disagreements():
    """Every answer two coders coded differently, their codes side by side, with a resolve form."""
    version = service.current_version()
    codes = manual_codes(version)
    pair = _pair(codes)
    if pair is None:
        flash(_("Ingen svar er kodet av to kodere ennå."), "warning")
        return redirect(url_for("coding.agreement"))
    result = pair_agreement(version, codes, *pair)
    themes = theme_views(version, select_locale())
    items = []
    for answer_id in dict.fromkeys(result.disagreements["answer_id"].tolist()):
        differing = set(
            result.disagreements.loc[result.disagreements["answer_id"] == answer_id, "theme"]
        )
        a_row, b_row = result.a.loc[answer_id], result.b.loc[answer_id]
        final = result.resolved.get(answer_id)
        rows = [
            {
                "theme": t,
                "a": int(a_row[t["code"]]),
                "b": int(b_row[t["code"]]),
                "differs": t["code"] in differing,
                "final": final.get(t["code"], False)
                if final is not None
                else bool(a_row[t["code"]] and b_row[t["code"]]),
            }
            for t in themes
        ]
        items.append({"answer_id": answer_id, "rows": rows, "resolved": final is not None})
    show = request.args.get("show", "open")
    if show == "open":
        items = [i for i in items if not i["resolved"]]
    ids = [i["answer_id"] for i in items]
    memos: dict[int, list[tuple[str, str]]] = {}
    names = {result.coder_a.id: result.coder_a.name, result.coder_b.id: result.coder_b.name}
    for answer_id, coder_id, text in db.session.execute(
        sa.select(CodingMemo.answer_id, CodingMemo.coder_id, CodingMemo.text)
        .where(CodingMemo.answer_id.in_(ids), CodingMemo.coder_id.in_(list(names)))
        .order_by(CodingMemo.coder_id)
    ):
        memos.setdefault(answer_id, []).append((names[coder_id], text))
    return render_template(
        "coding/disagreements.html",
        version=version,
        result=result,
        items=items,
        meta=answer_meta(ids),
        memos=memos,
        pair=pair,
        show=show,
    )


@bp.route("/agreement/resolve/<int:answer_id>", methods=["POST"])
@roles_required(*CODERS)
def resolve(answer_id: int):
    """Store the final codes a resolver chose for a disagreement."""
    version = service.current_version()
    answer = db.session.get(Answer, answer_id)
    if answer is None:
        abort(404)
    try:
        service.resolve(version, answer, current_user, request.form.getlist("theme"))
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Endelige koder for svar %(n)s er lagret.", n=answer_id), "success")
    args = {k: v for k, v in (("a", request.form.get("a")), ("b", request.form.get("b"))) if v}
    return redirect(url_for("coding.disagreements", **args))


@bp.route("/agreement/learning")
@roles_required(*CODERS)
def learning():
    """Does a classifier learned from the confirmed human codes beat the dictionary? (k-fold CV)"""
    version = service.current_version()
    reference = human_reference(version)
    table = None
    if len(reference) >= MIN_FOR_LEARNING:
        table = learning_comparison(version, reference)
    db.session.commit()
    verdict = None
    if table is not None:
        dictionary = float(table.loc[table["method"] == "dictionary", "macro_f1"].iloc[0])
        learned = (
            table[table["method"] != "dictionary"].sort_values("macro_f1", ascending=False).iloc[0]
        )
        verdict = {
            "dictionary": dictionary,
            "best": learned["method"],
            "best_f1": float(learned["macro_f1"]),
            "beats": float(learned["macro_f1"]) > dictionary,
        }
    model = coding_model.current_model(version)
    meta = coding_model.latest_meta(version)
    themes = theme_views(version, select_locale())
    weights = (
        {t["code"]: _readable_features(model.top_features(t["code"], 8)) for t in themes}
        if model
        else {}
    )
    return render_template(
        "coding/learning.html",
        version=version,
        table=table,
        n=len(reference),
        minimum=MIN_FOR_LEARNING,
        verdict=verdict,
        meta=meta,
        created=datetime.fromisoformat(meta["created"]) if meta else None,
        new=coding_model.new_decisions(version),
        threshold=coding_model.retrain_after(),
        pending=coding_model.pending_retrain(version),
        themes=themes,
        weights=weights,
    )
