""" "Invitert" says what it counts: invitations made on the start page, invitations sent on the dashboard."""

from __future__ import annotations

import pytest

from .conftest import login
from .test_dashboard import _mini_wave

WORDS = {
    "nb": ("Invitasjoner opprettet", "Invitert (sendt)"),
    "nn": ("Invitasjonar oppretta", "Invitert (sendt)"),
    "en": ("Invitations created", "Invited (sent)"),
}


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_start_page_counts_created_and_dashboard_counts_sent(app, client, users, lang):
    with app.app_context():
        wave_id = _mini_wave().id
    login(client, "evaluator")
    client.post(f"/auth/language/{lang}", data={"next": "/"})
    created, sent = WORDS[lang]
    home = client.get("/console/").get_data(as_text=True)
    dash = client.get(f"/console/dashboard?wave={wave_id}").get_data(as_text=True)
    assert f">{created}</th>" in home and f">{sent}</th>" not in home
    assert f">{sent}</th>" in dash and f">{created}</th>" not in dash
    assert ">Invitert</th>" not in home + dash and ">Invited</th>" not in home + dash
