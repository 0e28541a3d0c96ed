"""The learned auto-coder in the app: it retrains from the coding screen's decisions, as a job.

Through the real routes: coders save codes on the coding screen; after ``CODING_RETRAIN_AFTER``
newly coded answers a retrain job is queued, the worker trains and stores a model file, and the
suggestions, their evidence and the review queue then come from the model. The model file the
learning page exports codes the same answers the same way in ``python -m evaluation code``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from evaluation.coding.cli import main as cli_main
from evaluation.coding.model import (
    CLASSIFIER_ALONE,
    load_model,
    train_model,
    training_data,
)
from webapp.domain import coding as service
from webapp.domain import coding_model
from webapp.extensions import db
from webapp.infra.jobs import run_pending
from webapp.models import Answer, Job
from webapp.models.coding import CodingSuggestion

from .conftest import add_answer

# A made-up word no codebook signal knows: the coders code it as time set aside.
PLANTED = [
    "Fjellgrepet gjorde susen for oss.",
    "Vi hadde fjellgrep hver fredag.",
    "Uten fjellgrepet hadde vi stått fast.",
]
PROBE = "Fjellgrepet var det viktigste."


def _shipped(app):
    with app.app_context():
        return coding_model.shipped_training()


@pytest.mark.app_config(CODING_TRAINING_FILE=None)
def test_models_start_from_the_shipped_answers_or_the_file_of_the_setting(app, tmp_path):
    with app.app_context():  # the suite sets a small file; without the setting, the shipped one
        assert len(coding_model.shipped_training()) == len(training_data()) > 3000
        bad = tmp_path / "mine.csv"
        bad.write_text("svar,tid\nFellestid,1\n", encoding="utf-8")
        app.config["CODING_TRAINING_FILE"] = str(bad)
        with pytest.raises(ValueError, match="mine.csv: the training answers need a 'text' column"):
            coding_model.shipped_training()
        app.config["CODING_TRAINING_FILE"] = str(tmp_path / "missing.csv")
        with pytest.raises(ValueError, match="missing.csv: cannot read"):
            coding_model.shipped_training()


def _retrain_jobs():
    return db.session.scalars(sa.select(Job).where(Job.kind == coding_model.KIND)).all()


@pytest.mark.app_config(CODING_RETRAIN_AFTER=3)
def test_coding_screen_decisions_retrain_the_model_and_it_learns_from_them(
    app, client, auth, users, instrument, coding_data
):
    with app.app_context():
        planted = [add_answer(t, "skoleleder", 2023, "Oslo", instrument) for t in PLANTED]
        probe = add_answer(PROBE, "skoleleder", 2023, "Oslo", instrument)
        db.session.commit()
    auth.login(users["researcher"])
    page = client.get(f"/coding/answer/{probe}").get_data(as_text=True)
    assert (
        'id="theme-tid" checked' not in page and "modellen vektla" not in page
    )  # dictionary alone
    for i, answer_id in enumerate(planted):
        response = client.post(
            f"/coding/answer/{answer_id}",
            data={"theme": ["tid"], "action": "stay"},
            follow_redirects=True,
        )
        queued = "lærer av dem i bakgrunnen" in response.get_data(as_text=True)
        assert queued == (i == 2), i  # queued at the third newly coded answer, not before
    with app.app_context():
        assert [j.status for j in _retrain_jobs()] == ["queued"]
        assert coding_model.new_decisions(service.current_version()) == 3
        run_pending(progress_bar=False)  # what `flask jobs run` or the RQ worker does
        job = _retrain_jobs()[0]
        assert job.status == "done", job.error
        version = service.current_version()
        meta = coding_model.latest_meta(version)
        shipped = len(coding_model.shipped_training())
        assert (
            meta["model_no"] == 1
            and meta["coder_answers"] == 3
            and meta["trained_on"] == shipped + 3
        )
        assert (
            json.loads((coding_model.model_dir(version) / "model-0001.json").read_text())[
                "trained_on"
            ]
            == shipped + 3
        )
        assert job.result["suggestions"] == len(coding_data) + 4
        assert coding_model.new_decisions(version) == 0
        # The stored suggestion for the probe now comes from the model: time, with its evidence.
        row = db.session.scalar(
            sa.select(CodingSuggestion).where(CodingSuggestion.answer_id == probe)
        )
        assert "tid" in row.themes
        tid = next(s for s in row.suggestions if s["theme"] == "tid")
        # no codebook word: the classifier is nearly sure, and its probability is the confidence
        assert CLASSIFIER_ALONE <= tid["confidence"] <= 1 and tid["evidence"] == []
        assert any("fjellgrep" in g for g in tid["ngrams"]), tid
        # Without the coders' three decisions the same features give the probe no time at all.
        examples = coding_model.shipped_training()
        shipped_only = train_model(examples["text"].tolist(), examples, version.codebook)
        assert shipped_only.probabilities([PROBE]).loc[0, "tid"] < 0.2
    page = client.get(f"/coding/answer/{probe}").get_data(as_text=True)
    assert 'id="theme-tid" checked' in page and "modellen vektla:" in page and "fjellgrep" in page


def test_suggestions_are_calibrated_probabilities_with_evidence_and_the_queue_is_least_confident_first(
    app, client, auth, users, coding_data
):
    auth.login(users["researcher"])
    client.post("/coding/model/retrain")
    with app.app_context():
        run_pending(progress_bar=False)
        version = service.current_version()
        assert coding_model.latest_meta(version)["coder_answers"] == 0  # the shipped examples only
        rows = db.session.scalars(
            sa.select(CodingSuggestion).where(CodingSuggestion.codebook_version_id == version.id)
        ).all()
        assert len(rows) == len(coding_data)
        for row in rows:
            assert 0 <= row.confidence <= 1
            for s in row.suggestions:
                assert 0 <= s["confidence"] <= 1
                assert s["assigned"] == (s["confidence"] >= 0.5)
                if s["assigned"]:
                    assert s["evidence"] or s["ngrams"], s  # every suggestion says why
        from webapp.coding.queue import Filters, queue_ids

        with app.test_request_context():
            order = queue_ids(version, Filters())
        by_id = {r.answer_id: r for r in rows}
        keys = [(not by_id[a].needs_review, by_id[a].confidence) for a in order]
        assert keys == sorted(keys)  # flagged first, least confident first
        assert any(by_id[a].needs_review for a in order)


def test_retrain_button_queues_one_job_and_the_learning_page_reports_the_model(
    app, client, auth, users, coding_data
):
    auth.login(users["researcher"])
    overview = client.get("/coding/").get_data(as_text=True)
    assert "Ingen lært modell ennå" in overview and 'id="index-retrain"' in overview
    page = client.get("/coding/agreement/learning").get_data(as_text=True)
    assert 'id="model-none"' in page and 'id="retrain-button"' in page
    assert "Ingen lært modell er lagret" in client.get(
        "/coding/model/export", follow_redirects=True
    ).get_data(as_text=True)
    back = client.post("/coding/model/retrain", data={"next": "/coding/?wave=1"})
    assert back.headers["Location"].endswith("/coding/?wave=1")
    assert (
        client.post("/coding/model/retrain", data={"next": "https://evil.example/"})
        .headers["Location"]
        .endswith("/coding/agreement/learning")
    )
    with app.app_context():
        db.session.execute(sa.delete(Job))
        db.session.commit()
    first = client.post("/coding/model/retrain", follow_redirects=True).get_data(as_text=True)
    assert "læres opp på nytt i bakgrunnen" in first
    second = client.post("/coding/model/retrain", follow_redirects=True).get_data(as_text=True)
    assert "venter allerede" in second and 'id="model-pending"' in second
    with app.app_context():
        assert len(_retrain_jobs()) == 1
        run_pending(progress_bar=False)
    overview = client.get("/coding/").get_data(as_text=True)
    shipped = len(_shipped(app))
    assert f"Lært modell 1, trent på {shipped} svar (0 kodet her)." in overview
    page = client.get("/coding/agreement/learning").get_data(as_text=True)
    assert (
        '<dd id="model-no">1</dd>' in page and f'<dd id="model-trained-on">{shipped}</dd>' in page
    )
    assert 'id="model-weights"' in page and 'id="model-export"' in page
    assert (
        "kodebokens signalord" in page
        and "dictionary" not in page.split('id="model-weights"')[1].split("</table>")[0]
    )


def test_evaluator_cannot_retrain_or_download_the_model(client, auth, users, coding_data):
    auth.login(users["evaluator"])
    assert client.post("/coding/model/retrain").status_code == 403
    assert client.get("/coding/model/export").status_code == 403


def test_exported_model_codes_like_the_app_in_the_cli(
    app, client, auth, users, coding_data, tmp_path
):
    auth.login(users["researcher"])
    client.post("/coding/model/retrain")
    with app.app_context():
        run_pending(progress_bar=False)
    response = client.get("/coding/model/export")
    assert response.status_code == 200 and "modell1.pkl" in response.headers["Content-Disposition"]
    model_file = tmp_path / "modell.pkl"
    model_file.write_bytes(response.data)
    assert load_model(model_file).meta["model_no"] == 1
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                Answer.id, Answer.value_text, CodingSuggestion.themes, CodingSuggestion.confidence
            )
            .join(CodingSuggestion, CodingSuggestion.answer_id == Answer.id)
            .where(Answer.id.in_(coding_data))
            .order_by(Answer.id)
        ).all()
    src = tmp_path / "svar.csv"
    pd.DataFrame({"id": [r[0] for r in rows], "svar": [r[1] for r in rows]}).to_csv(
        src, index=False
    )
    out = tmp_path / "kodet.csv"
    assert (
        cli_main(
            [
                "code",
                "--model",
                str(model_file),
                "--input",
                str(src),
                "--text-column",
                "svar",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    coded = pd.read_csv(out)
    themes = load_model(model_file).themes
    for (answer_id, _text, app_themes, app_conf), cli_row in zip(
        rows, coded.itertuples(), strict=True
    ):
        assert cli_row.id == answer_id
        assert [t for t in themes if getattr(cli_row, t) == 1] == [
            t for t in themes if t in app_themes
        ]
        assert cli_row.confidence == pytest.approx(app_conf, abs=1e-4)


def test_a_database_on_the_shipped_v2_codebook_gets_v3_beside_it_with_the_codes_carried_over(
    app, users, coding_data
):
    from pathlib import Path

    from questionnaires import load_codebook
    from webapp.models import User

    v2_file = (
        Path(__file__).resolve().parents[2] / "questionnaires" / "codebooks" / "codebook_v2.yaml"
    )
    with app.app_context():
        old, _ = service.store_codebook(
            service.definition_of(load_codebook(v2_file)), source="codebook.yaml"
        )
        researcher = db.session.scalar(sa.select(User).where(User.email == users["researcher"]))
        answer = db.session.get(Answer, coding_data[0])
        service.save_decisions(old, answer, researcher, ["tid", "ledelse"])
        db.session.commit()
        current = service.current_version()
        db.session.commit()
        # the new shipped file keeps the number it declares, as the CLI reports it
        assert (old.version_no, current.version_no) == (
            1,
            load_codebook(service.DEFAULT_CODEBOOK).version,
        )
        assert current.content_hash == service.content_hash(service.shipped_definition())
        assert len(current.definition["themes"][0]["signals"]) > len(
            old.definition["themes"][0]["signals"]
        )
        kept = service.decisions_of(current, researcher.id, answer.id)
        assert {t for t, d in kept.items() if d.applied} == {"tid", "ledelse"}
        assert service.current_version().id == current.id  # once only
        # A codebook the researchers edited is theirs: the shipped file does not replace it.
        edited = dict(current.definition, themes=current.definition["themes"][:-1])
        mine, _ = service.store_codebook(edited, source="web")
        db.session.commit()
        assert service.current_version().id == mine.id


def test_cli_retrains_and_exports_the_model(app, runner, coding_data, tmp_path):
    out = tmp_path / "m.pkl"
    result = runner.invoke(args=["coding", "export-model", "--out", str(out)])
    assert result.exit_code == 1 and "no learned model yet" in result.output
    result = runner.invoke(args=["coding", "retrain"])
    assert (
        result.exit_code == 0
        and f"model 1 trained on {len(_shipped(app))} answers" in result.output
    )
    assert f"{len(coding_data)} suggestions recomputed" in result.output
    result = runner.invoke(args=["coding", "export-model", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert load_model(out).meta["model_no"] == 1
    result = runner.invoke(args=["coding", "retrain", "--queue"])
    assert result.exit_code == 0 and "Queued job" in result.output
    with app.app_context():
        assert [j.status for j in _retrain_jobs()] == ["queued"]


@pytest.mark.app_config(CODING_RETRAIN_AFTER=1)
def test_the_model_file_holds_no_contact_data_or_word_only_one_respondent_wrote(
    app, client, auth, users, instrument, coding_data
):
    with app.app_context():
        answer_id = add_answer(
            "Kontakt meg på ola.hemmelig@example.no eller ring 98765432; Zyxwvutq var best.",
            "skoleleder",
            2023,
            "Oslo",
            instrument,
        )
        db.session.commit()
    auth.login(users["researcher"])
    client.post(f"/coding/answer/{answer_id}", data={"theme": ["tid"]})
    with app.app_context():
        run_pending(progress_bar=False)
        meta = coding_model.latest_meta(service.current_version())
        assert meta["coder_answers"] == 1
        raw = Path(meta["path"]).read_bytes()
    for secret in (b"hemmelig", b"98765432", b"zyxwvutq"):
        assert secret not in raw, secret
