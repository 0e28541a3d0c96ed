"""A version's page compares it with what the wave before its first use asked: old -> new, never backwards."""

from __future__ import annotations

import copy
import re

import questionnaires as Q
from questionnaires.model import Questionnaire
from webapp.domain import waves
from webapp.domain.questionnaires import store_version
from webapp.extensions import db

from .conftest import login


def _reworded(text: str) -> Questionnaire:
    """Skoleleder v1 with its first item reworded in bokmål."""
    q = Q.load_questionnaire(Q.INSTRUMENT_DIR / "skoleleder.yaml")
    q = Questionnaire.from_dict(copy.deepcopy(q.to_dict()))
    item = q.leaf_items()[0][1]
    item.text["nb"] = text
    return q


def _launch(name: str, year: int, instrument: dict[str, int], skoleleder: int) -> None:
    wave = waves.create_wave(name, year, {**instrument, "skoleleder": skoleleder})
    waves.open_wave(wave, comparability_note="ordlyd endret")
    db.session.commit()


def test_old_version_is_compared_with_the_wave_before_it_and_new_with_the_last(
    app, client, users, instrument
):
    with app.app_context():
        v1 = instrument["skoleleder"]
        v2 = store_version(_reworded("Ordlyd i andre versjon"))[0].id
        v3 = store_version(_reworded("Ordlyd i tredje versjon"))[0].id
        db.session.commit()
        _launch("Dekom 2023", 2023, instrument, v1)
        _launch("Dekom 2024", 2024, instrument, v2)
        _launch("Dekom 2025", 2025, instrument, v2)
    login(client, "evaluator")

    def section(version_id: int) -> str:
        page = client.get(f"/console/questionnaires/versions/{version_id}").get_data(as_text=True)
        return page[page.index("Endringer mot forrige bølge") :]

    oldest = section(v1)
    assert "Ingen tidligere bølge" in oldest and "Dekom 202" not in oldest
    middle = section(v2)
    assert re.search(
        r"Sammenlignet med dekom_skoleleder v1 \(\w+\), som ble brukt i Dekom 2023", middle
    )
    assert middle.index("Ordlyd i andre versjon") > 0 and "Ordlyd i tredje versjon" not in middle
    unused = section(v3)
    assert re.search(
        r"Sammenlignet med dekom_skoleleder v2 \(\w+\), som ble brukt i Dekom 2025", unused
    )
    # old -> new: the earlier wording comes before the new one in the change row
    assert unused.index("Ordlyd i andre versjon") < unused.index("Ordlyd i tredje versjon")
