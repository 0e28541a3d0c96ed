"""The demo loader builds a realistic panel that every screen can show."""

from __future__ import annotations

import sqlalchemy as sa

from questionnaires import evaluate_condition
from webapp.extensions import db
from webapp.models import Answer, Invitation, Person, Response, User, Wave


def test_demo_load_builds_three_waves_with_attrition_and_refreshment(app, runner):
    result = runner.invoke(args=["demo", "load", "--size", "60", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "admin@dekom.local" in result.output and "/s/" in result.output
    with app.app_context():
        waves = {w.year: w for w in db.session.scalars(sa.select(Wave))}
        assert {y: w.status for y, w in waves.items()} == {
            2021: "closed",
            2023: "closed",
            2025: "open",
        }
        assert {u.role for u in db.session.scalars(sa.select(User))} == {
            "admin",
            "evaluator",
            "researcher",
        }
        invited = {
            y: set(
                db.session.scalars(
                    sa.select(Invitation.person_id).where(Invitation.wave_id == w.id)
                )
            )
            for y, w in waves.items()
        }
        assert invited[2021] & invited[2023], "panel members answer again"
        assert invited[2021] - invited[2023], "some leave (attrition)"
        assert invited[2023] - invited[2021], "new persons join (refreshment)"
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Person.id)).where(Person.left_at.is_not(None))
            )
            > 0
        )
        statuses = set(
            db.session.scalars(
                sa.select(Invitation.status).where(Invitation.wave_id == waves[2025].id)
            )
        )
        assert {"pending", "sent"} <= statuses
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Answer.id)).where(Answer.value_text.is_not(None))
            )
            > 0
        )


def test_demo_answers_respect_the_questionnaire(app, runner):
    loaded = runner.invoke(args=["demo", "load", "--size", "40"])
    assert loaded.exit_code == 0, loaded.output
    with app.app_context():
        complete = db.session.scalars(
            sa.select(Response).where(Response.status == "complete")
        ).all()
        assert len(complete) >= 25
        on_v2 = [r for r in complete if r.version.questionnaire.version == 2]
        assert on_v2, "the 2025 wave has answers on version 2"
        for resp in complete[:20] + on_v2[:10]:
            q = resp.version.questionnaire
            answers = {a.item_code: a.value for a in resp.answers}
            assert set(answers) <= set(q.item_codes())
            for page in q.pages:
                if not evaluate_condition(page.show_if, answers):
                    on_page = {item.code for pg, item, _parent in q.leaf_items() if pg is page}
                    assert on_page and not on_page & set(answers)
            for code, value in answers.items():
                item = q.find_item(code)
                if value == "not_applicable":
                    assert item.not_applicable, code
                elif item.type == "likert" and value != "dont_know":
                    assert 1 <= value <= q.response_scales[item.scale].max


def test_demo_refuses_to_load_twice_but_if_empty_is_quiet(runner):
    assert runner.invoke(args=["demo", "load", "--size", "20"]).exit_code == 0
    again = runner.invoke(args=["demo", "load", "--size", "20"])
    assert again.exit_code != 0 and "already has waves" in again.output
    quiet = runner.invoke(args=["demo", "load", "--if-empty"])
    assert quiet.exit_code == 0 and "not loaded again" in quiet.output


def test_demo_users_can_log_in_with_the_printed_password(app, runner, client):
    runner.invoke(args=["demo", "load", "--size", "20"])
    for email in ("admin@dekom.local", "evaluator@dekom.local", "forsker@dekom.local"):
        res = client.post("/auth/login", data={"email": email, "password": "dekom-demo-2025"})
        assert res.status_code == 302, (email, res.status_code)
        client.post("/auth/logout")
    bad = client.post("/auth/login", data={"email": "admin@dekom.local", "password": "wrong"})
    assert bad.status_code == 401


def test_demo_2025_runs_on_version_2_with_the_notes_actor_by_phase_pattern(app, runner):
    loaded = runner.invoke(args=["demo", "load", "--size", "300", "--seed", "11"])
    assert loaded.exit_code == 0, loaded.output
    with app.app_context():
        waves = {w.year: w for w in db.session.scalars(sa.select(Wave))}
        for year, version in ((2021, 1), (2023, 1), (2025, 2)):
            assert {
                wq.version.questionnaire.instrument_version for wq in waves[year].questionnaires
            } == {version}
        rows = db.session.execute(
            sa.select(Answer.item_code, Answer.value_num, Answer.missing_code, Person.role)
            .join(Response, Response.id == Answer.response_id)
            .join(Person, Person.id == Response.person_id)
            .where(Response.wave_id == waves[2025].id)
        ).all()
    import pandas as pd

    df = pd.DataFrame(rows, columns=["item", "value", "missing", "role"])
    assert not df["item"].isin(["samarb_behov", "likev_kunde", "eff_laering"]).any(), (
        "v1-only items"
    )
    mean = df.groupby("item")["value"].mean()
    for actor in ("sl", "tv", "lar"):
        # local actors are less involved than the partnership and least in needs and priorities
        assert mean[f"akt_{actor}_behov"] < mean[f"akt_{actor}_gjenn"], actor
        assert mean[f"akt_{actor}_prior"] < mean[f"akt_{actor}_plan"], actor
        assert mean[f"akt_{actor}_eval"] < mean["sam_eval"], actor
    own = df.loc[df["item"].str.startswith("akt_tv_")].groupby("role")["value"].mean()
    assert own["tillitsvalgt"] < own["skoleeier"], (
        "tillitsvalgte see their own involvement as lower"
    )
    na = df.loc[df["missing"] == "not_applicable"]
    assert len(na) and set(na["item"]) <= {
        "sam_behov",
        "sam_prior",
        "sam_plan",
        "sam_gjenn",
        "sam_eval",
        "medbest",
        "res_laering",
        "res_miljo",
        "res_praksis",
        "res_kollektiv",
        "res_profesjon",
        "res_kvalitet",
    }
    assert (na["role"] == "uh").any() and (
        na.loc[na["item"].str.startswith("sam_"), "role"] == "tillitsvalgt"
    ).any()
    assert {"fornoyd_tiltak", "lytt_behov", "led_tid", "tiltak_start", "tiltak_varighet"} <= set(
        df["item"]
    )
