"""The learned layer in the app: train it on the coders' decisions, store model files, retrain as a job.

A model belongs to one codebook version and lives as a file under ``CODING_MODEL_DIR``
(default ``instance/coding_models``): ``v<version_no>-<hash>/model-<n>.pkl`` with a
``model-<n>.json`` beside it that records its number, time, training size and how many of the
training answers came from the coders. The newest file is the version's model; the suggestions
shown on the coding screen come from it (:func:`webapp.domain.coding.coder_for`).

Training data: the coders' confirmed codes (a resolution, or the codes every hand-coder of the
answer agrees on; that is, the suggestions they accepted and rejected and the themes they
added), weighted ``CODER_WEIGHT``, plus the shipped hand-coded training answers
(``evaluation/data/coding_training.csv``, or the file of setting ``CODING_TRAINING_FILE``) when
the version has exactly the shipped themes.
Bulk-accepted answers are left out: learning from them would only teach the model its own guesses.
The texts are redacted as on the coding screen (``[fjernet]`` for contact data), and the model
keeps only features seen in at least two answers, so a model file holds no respondent's name.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from flask import current_app

from evaluation.coding.model import (
    TRAINING_FILE,
    LearnedCoder,
    ModelFileError,
    load_model,
    save_model,
    train_model,
    training_data,
)

from ..extensions import db
from ..infra import jobs
from ..models import Answer, Job
from ..models.coding import CodebookVersion, CodingDecision, CodingResolution
from ..queries.research_view import redact
from .audit import record

KIND = "coding.retrain"
CODER_WEIGHT = (
    3.0  # a coder's decision on this survey's own answers counts as three shipped examples
)
DEFAULT_RETRAIN_AFTER = 25
_LOADED: dict[str, tuple[float, LearnedCoder]] = {}
_LOCK = threading.Lock()


def model_dir(version: CodebookVersion) -> Path:
    """The folder holding the model files of ``version``."""
    root = Path(
        current_app.config.get("CODING_MODEL_DIR")
        or Path(current_app.instance_path) / "coding_models"
    )
    return root / f"v{version.version_no}-{version.content_hash[:12]}"


def retrain_after() -> int:
    """How many newly coded answers make a new model worth training (setting ``CODING_RETRAIN_AFTER``)."""
    return max(1, int(current_app.config.get("CODING_RETRAIN_AFTER") or DEFAULT_RETRAIN_AFTER))


def models(version: CodebookVersion) -> list[dict[str, Any]]:
    """Metadata of every stored model of ``version``, newest first (each with its ``path``)."""
    folder = model_dir(version)
    out = []
    for meta_file in sorted(folder.glob("model-*.json"), reverse=True):
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        path = meta_file.with_suffix(".pkl")
        if path.is_file():
            out.append({**meta, "path": str(path)})
    return out


def latest_meta(version: CodebookVersion) -> dict[str, Any] | None:
    """Metadata of the newest model of ``version``, or None."""
    found = models(version)
    return found[0] if found else None


def current_model(version: CodebookVersion) -> LearnedCoder | None:
    """The newest learned model of ``version`` (loaded once per file), or None when none is stored."""
    meta = latest_meta(version)
    if meta is None:
        return None
    path = meta["path"]
    stamp = Path(path).stat().st_mtime
    with _LOCK:
        cached = _LOADED.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    try:
        model = load_model(path)
    except ModelFileError as exc:
        current_app.logger.error("learned coder model unusable, using the dictionary: %s", exc)
        return None
    with _LOCK:
        if len(_LOADED) > 8:
            _LOADED.clear()
        _LOADED[path] = (stamp, model)
    return model


def coder_codes(version: CodebookVersion) -> pd.DataFrame:
    """The coders' confirmed codes: index answer_id, ``text`` (redacted) and one 0/1 column per theme.

    Per answer: a resolution where one exists, else the codes all hand-coders agree on;
    answers with an unresolved disagreement and bulk-accepted answers are left out.
    """
    themes = version.theme_codes
    per: dict[int, dict[int, dict[str, int]]] = {}
    for answer, coder, theme, on in db.session.execute(
        sa.select(
            CodingDecision.answer_id,
            CodingDecision.coder_id,
            CodingDecision.theme_code,
            CodingDecision.applied,
        ).where(CodingDecision.codebook_version_id == version.id, CodingDecision.source != "bulk")
    ):
        per.setdefault(answer, {}).setdefault(coder, {})[theme] = int(bool(on))
    resolved: dict[int, dict[str, int]] = {}
    for answer, theme, on in db.session.execute(
        sa.select(
            CodingResolution.answer_id, CodingResolution.theme_code, CodingResolution.applied
        ).where(CodingResolution.codebook_version_id == version.id)
    ):
        resolved.setdefault(answer, {})[theme] = int(bool(on))
    rows: dict[int, dict[str, int]] = {}
    for answer in set(per) | set(resolved):
        if answer in resolved:
            rows[answer] = {t: resolved[answer].get(t, 0) for t in themes}
            continue
        votes = [{t: c.get(t, 0) for t in themes} for c in per[answer].values()]
        if all(v == votes[0] for v in votes[1:]):
            rows[answer] = votes[0]
    texts = (
        dict(
            db.session.execute(
                sa.select(Answer.id, Answer.value_text).where(Answer.id.in_(sorted(rows)))
            ).all()
        )
        if rows
        else {}
    )
    ids = [a for a in sorted(rows) if (texts.get(a) or "").strip()]
    frame = pd.DataFrame(
        [rows[a] for a in ids], index=pd.Index(ids, name="answer_id"), columns=themes, dtype="int64"
    )
    frame.insert(
        0, "text", [redact(texts[a]) for a in ids]
    )  # as researchers see it: no contact data
    return frame


def shipped_training() -> pd.DataFrame:
    """The hand-coded example answers every model starts from (setting ``CODING_TRAINING_FILE``)."""
    return training_data(current_app.config.get("CODING_TRAINING_FILE") or TRAINING_FILE)


def new_decisions(version: CodebookVersion) -> int:
    """How many confirmed coded answers the newest model has not been trained on."""
    meta = latest_meta(version)
    seen = int(meta.get("coder_answers", 0)) if meta else 0
    return max(0, len(coder_codes(version)) - seen)


def train_and_store(version: CodebookVersion) -> dict[str, Any]:
    """Train a new model for ``version`` from the coders' codes (plus the shipped examples) and store it.

    Returns its metadata. Raises ValueError when there is nothing to learn from.
    """
    coded = coder_codes(version)
    themes = version.theme_codes
    frames, weights = [], []
    shipped = shipped_training()
    use_shipped = set(themes) <= set(shipped.columns) and len(themes) == len(
        [c for c in shipped.columns if c in themes]
    )
    if use_shipped:
        frames.append(shipped[["text", *themes]])
        weights += [1.0] * len(shipped)
    if len(coded):
        frames.append(coded.reset_index(drop=True)[["text", *themes]])
        weights += [CODER_WEIGHT] * len(coded)
    if not frames:
        raise ValueError("no coded answers to learn from yet")
    data = pd.concat(frames, ignore_index=True)
    previous = latest_meta(version)
    number = int(previous["model_no"]) + 1 if previous else 1
    meta = {
        "model_no": number,
        "codebook_version_no": version.version_no,
        "codebook_hash": version.content_hash,
        "coder_answers": len(coded),
        "shipped_answers": len(shipped) if use_shipped else 0,
    }
    model = train_model(data["text"].tolist(), data, version.codebook, weights=weights, meta=meta)
    folder = model_dir(version)
    path = save_model(model, folder / f"model-{number:04d}.pkl")
    info = {k: v for k, v in model.meta.items() if k != "format"}
    (folder / f"model-{number:04d}.json").write_text(
        json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return {**info, "path": str(path)}


def pending_retrain(version: CodebookVersion) -> Job | None:
    """A queued or running retrain job for ``version``, if any."""
    for job in db.session.scalars(
        sa.select(Job).where(Job.kind == KIND, Job.status.in_(("queued", "running")))
    ):
        if (job.params or {}).get("codebook_version_id") == version.id:
            return job
    return None


def request_retrain(version: CodebookVersion, user: Any = None) -> Job:
    """Queue a retrain job for ``version`` (or return the one already waiting). COMMITS."""
    job = pending_retrain(version)
    if job is None:
        job = jobs.enqueue(KIND, {"codebook_version_id": version.id}, user=user)
    return job


def maybe_retrain(version: CodebookVersion, user: Any = None) -> Job | None:
    """Queue a retrain when at least ``CODING_RETRAIN_AFTER`` newly coded answers exist. COMMITS if so."""
    if pending_retrain(version) is not None or new_decisions(version) < retrain_after():
        return None
    return request_retrain(version, user)


@jobs.register(KIND)
def retrain_job(job: Job, progress) -> dict:
    """Job: train and store a new model for a codebook version, then recompute its suggestions."""
    from .coding import refresh_suggestions

    version = db.session.get(
        CodebookVersion, int((job.params or {}).get("codebook_version_id") or 0)
    )
    if version is None:
        raise ValueError("the codebook version to train for no longer exists")
    progress(0, 2)
    meta = train_and_store(version)
    progress(1, 2)
    n = refresh_suggestions(version)
    record(
        "coding.retrain",
        target=version,
        after={k: meta[k] for k in ("model_no", "trained_on", "coder_answers")},
    )
    progress(2, 2)
    return {
        "model_no": meta["model_no"],
        "trained_on": meta["trained_on"],
        "coder_answers": meta["coder_answers"],
        "suggestions": n,
    }
