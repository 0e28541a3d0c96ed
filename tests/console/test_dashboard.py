"""Dashboard: rates per role x fylke x network, a submission moves the numbers, non-responders."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from webapp.domain import responses
from webapp.domain.invitations import send_invitations
from webapp.domain.questionnaires import import_file
from webapp.extensions import db
from webapp.models import Invitation, Wave, WaveQuestionnaire
from webapp.queries import dashboard

from .conftest import add_person, login

MINI = Path(__file__).resolve().parents[1] / "survey" / "data" / "mini.yaml"


def _mini_wave() -> Wave:
    """An open wave whose skoleleder questionnaire is the small test questionnaire."""
    version, _ = import_file(MINI)
    wave = Wave(name="Dekom 2025", year=2025, status="open")
    wave.questionnaires.append(WaveQuestionnaire(role="skoleleder", version=version))
    db.session.add(wave)
    for i, (fylke, net) in enumerate(
        [
            ("Vestland", "Nettverk Vest"),
            ("Vestland", "Nettverk Vest"),
            ("Nordland", "Nettverk Nord"),
            ("Nordland", "Nettverk Nord"),
        ]
    ):
        add_person(i, fylke=fylke, network=net)
    db.session.commit()
    from webapp.domain.waves import invite_panel

    invite_panel(wave)
    db.session.commit()
    send_invitations(wave.id)
    return wave


def _submit(invitation: Invitation) -> None:
    """What the survey does when a respondent answers and submits."""
    response = responses.start_response(invitation)
    responses.save_answers(response, {"deltatt": 2, "samarb_a": 4, "samarb_b": 5})
    assert responses.submit(response, revision=None) == []
    db.session.commit()


def test_counts_per_group_in_one_query(app_ctx):
    wave = _mini_wave()
    invs = list(db.session.scalars(sa.select(Invitation).order_by(Invitation.id)))
    responses.start_response(invs[1])
    _submit(invs[2])
    rows, total = dashboard.rate_table(dashboard.grouped_counts(wave.id), "fylke")
    by_fylke = {r.key: r for r in rows}
    assert (total.invited, total.opened, total.partial, total.complete) == (4, 2, 1, 1)
    assert (by_fylke[("Nordland",)].complete, by_fylke[("Nordland",)].rate) == (1, 0.5)
    assert by_fylke[("Vestland",)].partial == 1
    rows, _ = dashboard.rate_table(dashboard.grouped_counts(wave.id), "all")
    assert {r.key for r in rows} == {
        ("skoleleder", "Vestland", "Nettverk Vest"),
        ("skoleleder", "Nordland", "Nettverk Nord"),
    }
    series = dashboard.timeline(wave)
    assert series[-1][1:] == (2, 1)


def test_a_submission_changes_the_dashboard(app, client, users):
    with app.app_context():
        wave = _mini_wave()
        wave_id = wave.id
        first = db.session.scalar(sa.select(Invitation).order_by(Invitation.id))
    login(client, "evaluator")
    before = client.get(f"/console/dashboard?wave={wave_id}&by=network").get_data(as_text=True)
    assert "0,0\u00a0%" in before and "Nettverk Vest" in before and "<svg" in before
    with app.app_context():
        _submit(db.session.get(Invitation, first.id))
    after = client.get(f"/console/dashboard?wave={wave_id}&by=network").get_data(as_text=True)
    assert "25,0\u00a0%" in after and "50,0\u00a0%" in after  # total 1/4, Nettverk Vest 1/2
    assert "<polyline" in after


def test_non_responders_for_evaluators_not_researchers(app, client, users):
    with app.app_context():
        wave = _mini_wave()
        wave_id = wave.id
        _submit(db.session.scalar(sa.select(Invitation).order_by(Invitation.id)))
    login(client, "evaluator")
    page = client.get(f"/console/dashboard/{wave_id}/non-responders").get_data(as_text=True)
    assert "person1@example.no" in page and "person3@example.no" in page
    assert "person0@example.no" not in page  # submitted
    client.post("/auth/logout")
    login(client, "researcher")
    assert client.get(f"/console/dashboard/{wave_id}/non-responders").status_code == 403
    page = client.get(f"/console/dashboard?wave={wave_id}").get_data(as_text=True)
    assert "25,0\u00a0%" in page
    assert "@example.no" not in page.replace("researcher@example.no", "")
    assert "Se hvem som ikke har svart" not in page


def test_dashboard_shows_the_r_indicator_and_the_groups_that_lag(app, client, users):
    """8 invited in Vestland (6 answer) and 8 in Nordland (1 answers): ρ = 0.75 and 0.125,
    S² = 16 × 0.3125² / 15, R = 1 − 2S = 0.354 (by hand); Nordland pulls it down."""
    with app.app_context():
        version, _ = import_file(MINI)
        wave = Wave(name="Dekom 2025", year=2025, status="open")
        wave.questionnaires.append(WaveQuestionnaire(role="skoleleder", version=version))
        db.session.add(wave)
        for i in range(16):
            add_person(
                i,
                fylke="Vestland" if i < 8 else "Nordland",
                network="Nettverk Vest" if i < 8 else "Nettverk Nord",
            )
        db.session.commit()
        from webapp.domain.waves import invite_panel

        invite_panel(wave)
        db.session.commit()
        send_invitations(wave.id)
        wave_id = wave.id
        invs = list(db.session.scalars(sa.select(Invitation).order_by(Invitation.id)))
        before = dashboard.representativeness(dashboard.grouped_counts(wave_id))
        for inv in invs[:6] + invs[8:9]:
            _submit(inv)
        rep = dashboard.representativeness(dashboard.grouped_counts(wave_id))
    assert before is None  # nobody has answered yet
    assert rep.r == pytest.approx(1 - 2 * (16 * 0.3125**2 / 15) ** 0.5)
    assert rep.ci_low < rep.r < rep.ci_high
    assert rep.lagging[0][:2] in {("fylke", "Nordland"), ("network", "Nettverk Nord")}
    assert {v for v, *_ in rep.variables} == {"fylke", "network"}  # role has one category
    login(client, "evaluator")
    page = client.get(f"/console/dashboard?wave={wave_id}").get_data(as_text=True)
    assert "Representativitet" in page and "0,35</span> R-indikator" in page
    assert "oppdateres mens bølgen er åpen" in page
    assert "Her hjelper purringer mest" in page and "Nordland" in page
    page = client.get(f"/console/dashboard?wave={wave_id}&lang=en").get_data(as_text=True)
    assert "0.35</span> R-indicator" in page and "Reminders help most here" in page
