"""The issue's "done when": import a panel, launch a wave, send invitations that arrive at the
test SMTP server, see a respondent's submission change the dashboard, and send reminders."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import sqlalchemy as sa

from questionnaires.answers import missing_required
from webapp.domain import responses
from webapp.extensions import db
from webapp.infra import jobs
from webapp.infra.tokens import find_invitation
from webapp.models import Invitation, Wave, utcnow

from .conftest import login

PANEL = (
    "navn;e-post;rolle;organisasjon;fylke;kompetansenettverk;ekstern_id\n"
    "Kari Nordmann;kari@bergen.kommune.no;skoleeier;Bergen kommune;Vestland;Nettverk Vest;E1\n"
    "Ola Rektor;ola@nordnes.skole.no;skoleleder;Nordnes skole;Vestland;Nettverk Vest;E2\n"
    "Siri Leder;siri@bodo.skole.no;skoleleder;Bodø skole;Nordland;Salten;E3\n"
    "Tone Tillit;tone@udf.no;tillitsvalgt;Bergen kommune;Vestland;Nettverk Vest;E4\n"
)


def _value_for(q, item):
    """A valid answer for ``item`` (the first option, the lowest point, ...)."""
    if item.type == "likert":
        return 4
    if item.type == "single":
        return item.options[-1].value
    if item.type == "multi":
        return [item.options[0].value]
    if item.type == "number":
        return int(item.min) if item.min is not None else 1
    return "Felles tid til å jobbe sammen."


def _answer_everything_required(response) -> None:
    q = response.version.questionnaire
    for _ in range(20):
        missing = missing_required(q, responses.load_answers(response))
        if not missing:
            return
        responses.save_answers(response, {item.code: _value_for(q, item) for _, item in missing})
    raise AssertionError("required items keep appearing")


def _rate_cells(page: str) -> list[str]:
    return re.findall(r'<td class="num">([0-9,]+\u00a0%)</td>', page)


def test_evaluator_journey(smtp_app, client, users, instrument):
    app, server = smtp_app
    login(client, "evaluator")
    # 1. import the panel (preview, then confirm)
    preview = client.post(
        "/console/panel/import",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(PANEL.encode()), "panel.csv")},
    ).headers["Location"]
    assert "4 gyldige rader" in client.get(preview).get_data(as_text=True)
    client.post(preview + "/confirm")
    # 2. create the wave, invite the panel, open it
    form = {
        "name": "Dekom 2025",
        "year": "2025",
        **{f"version_{r}": str(v) for r, v in instrument.items()},
    }
    wave_url = client.post("/console/waves/new", data=form).headers["Location"]
    wave_id = int(wave_url.rstrip("/").rsplit("/", 1)[1])
    client.post(f"{wave_url}/invite")
    client.post(f"{wave_url}/open")
    # 3. send: queued by the page, run by the job runner, received by the SMTP server
    client.post(f"{wave_url}/send", data={"language": "nb"})
    assert server.messages == []
    with app.app_context():
        jobs.run_pending(progress_bar=False)
    assert sorted(server.to()) == sorted(
        ["kari@bergen.kommune.no", "ola@nordnes.skole.no", "siri@bodo.skole.no", "tone@udf.no"]
    )
    dashboard = f"/console/dashboard?wave={wave_id}&by=fylke"
    assert _rate_cells(client.get(dashboard).get_data(as_text=True))[-1] == "0,0\u00a0%"
    # 4. Ola follows the link in his e-mail and submits
    ola_mail = next(m for m in server.messages if "ola@" in m["To"])
    body = ola_mail.get_body(("plain",)).get_content()
    token = re.search(r"/s/([A-Za-z0-9_-]+)", body).group(1)
    assert client.get(f"/s/{token}").status_code in (200, 302)
    with app.app_context():
        invitation = find_invitation(token)
        assert invitation.opened_at is not None
        response = responses.start_response(invitation)
        _answer_everything_required(response)
        assert responses.submit(response, revision=None) == []
        db.session.commit()
    page = client.get(dashboard).get_data(as_text=True)
    assert _rate_cells(page)[-1] == "25,0\u00a0%"  # total: 1 of 4
    assert "33,3\u00a0%" in page  # Vestland: 1 of 3
    non_responders = client.get(f"/console/dashboard/{wave_id}/non-responders").get_data(
        as_text=True
    )
    assert "ola@nordnes.skole.no" not in non_responders and "siri@bodo.skole.no" in non_responders
    # 5. a week later: reminders to the three who have not submitted
    with app.app_context():
        db.session.execute(sa.update(Invitation).values(sent_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    server.messages.clear()
    client.post(
        f"{wave_url}/remind", data={"language": "nb", "max_reminders": "2", "min_days": "7"}
    )
    with app.app_context():
        jobs.run_pending(progress_bar=False)
        assert db.session.get(Wave, wave_id).status == "open"
    assert sorted(server.to()) == sorted(
        ["kari@bergen.kommune.no", "siri@bodo.skole.no", "tone@udf.no"]
    )
    assert all(m["Subject"].startswith("Påminnelse") for m in server.messages)
