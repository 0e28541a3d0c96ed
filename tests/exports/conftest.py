"""Export test data: two waves, a questionnaire that gains an item in 2023, contacts with
distinctive names and e-mails that must never reach an export file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import factories  # tests/factories.py
import numpy as np
import pytest

from questionnaires import Item, Questionnaire
from webapp.extensions import db

ADDED_ITEM = "ny_digital"
RELABELLED_ITEM = "samarb_behov"
NEW_LABEL = "Kartlegging av kompetansebehov i skolene (ny ordlyd 2023)"
FORMULA_TEXTS = ('=HYPERLINK("http://x")', "+47 kr", "-minus først", "@SUM(A1)", "\tTab først")


@dataclass
class ExportData:
    """What the factory stored, for assertions."""

    names: list[str]
    emails: list[str]
    external_ids: list[str]
    panel_ids: list[str]
    versions: dict[str, int]
    skoleleder_v2: int
    dont_know: list[tuple[str, int, str]]  # (panel_id, wave, item)
    not_asked: list[tuple[str, int]]  # (panel_id, wave) where deltatt_tiltak == 2


def _version_with_added_item(version_id: int):
    """Skoleleder v2: one new likert item and a changed label, stored as a new version."""
    from webapp.domain.questionnaires import store_version
    from webapp.models import QuestionnaireVersion

    v1 = db.session.get(QuestionnaireVersion, version_id)
    q = Questionnaire.from_dict(v1.definition)
    for page in q.pages:
        for item in page.items:
            rows = item.rows if item.type == "matrix" else [item]
            for i, row in enumerate(rows):
                if row.code == RELABELLED_ITEM:
                    row.text = {"nb": NEW_LABEL, "nn": NEW_LABEL, "en": "Needs assessment (2023)"}
                    new = Item(
                        code=ADDED_ITEM,
                        type="likert",
                        text={
                            "nb": "Vi bruker digitale verktøy i samarbeidet.",
                            "nn": "Vi bruker digitale verktøy i samarbeidet.",
                            "en": "We use digital tools in the partnership.",
                        },
                    )
                    rows.insert(i + 1, new)
                    version, _ = store_version(q, source="test v2")
                    return version
    raise AssertionError(f"{RELABELLED_ITEM} not found in the questionnaire")


def seed_export_data(instrument: dict[str, int], n_per_role: int = 8, seed: int = 3) -> ExportData:
    """Persons with contacts, two waves, invitations, complete responses and answers."""
    from webapp.models import QuestionnaireVersion, utcnow

    rng = np.random.default_rng(seed)
    v2 = _version_with_added_item(instrument["skoleleder"])
    net = factories.network("Nettverk Testvik", "Vestland")
    waves = {}
    for year in (2021, 2023):
        versions = {
            role: v2.id if (year == 2023 and role == "skoleleder") else vid
            for role, vid in instrument.items()
        }
        waves[year] = factories.add_wave(f"Dekom {year}", year, "closed", versions)
    data = ExportData([], [], [], [], dict(instrument), v2.id, [], [])
    i = 0
    for role in sorted(instrument):
        for _ in range(n_per_role):
            i += 1
            name = f"Xylofonia Hemmeligsen{i}"
            email = f"xylo.hemmelig{i}@skjult-epost.no"
            person = factories.add_person(
                role,
                "Vestland",
                name=name,
                email=email,
                network=net,
                external_id=f"EXTSECRET{i:04d}",
            )
            db.session.flush()
            data.names.append(name)
            data.emails.append(email)
            data.external_ids.append(person.external_id)
            data.panel_ids.append(person.panel_id)
            for year, wave in waves.items():
                if year == 2023 and i % 7 == 0:
                    continue  # attrition: not every person answers every wave
                version = db.session.get(QuestionnaireVersion, wave.version_for(role).id)
                inv, _token = factories.add_invitation(wave.id, person)
                started = utcnow() - timedelta(days=30, minutes=int(rng.integers(0, 500)))
                resp = factories.add_response(
                    inv,
                    version.id,
                    started_at=started,
                    submitted_at=started + timedelta(minutes=12),
                )
                _answer(resp, version.questionnaire, rng, data, person.panel_id, year, i)
    db.session.commit()
    return data


def _answer(resp, q, rng, data: ExportData, panel_id: str, year: int, i: int) -> None:
    took_part = 1 if i % 4 else 2
    if took_part == 2:
        data.not_asked.append((panel_id, year))
    for page, item, parent in q.leaf_items():
        cond = item.show_if or page.show_if or (parent.show_if if parent else None)
        if cond and cond.get("item") == "deltatt_tiltak" and took_part != 1:
            continue
        value: Any
        if item.code == "deltatt_tiltak":
            value = float(took_part)
        elif item.type == "likert":
            if rng.random() < 0.08:
                value = "dont_know"
                data.dont_know.append((panel_id, year, item.code))
            else:
                value = float(rng.integers(1, 6))
        elif item.type == "single":
            value = float(item.options[int(rng.integers(0, len(item.options)))].value)
        elif item.type == "number":
            value = float(rng.integers(0, 40))
        elif item.type == "multi":
            value = [o.value for o in item.options if rng.random() < 0.4] or [item.options[0].value]
        elif item.code == "suksess_tekst":
            contact = data.names[-1]
            value = (
                f"Alle lærerne var med. Kontakt {contact} på {data.emails[-1]} "
                f"eller 912 34 567. {FORMULA_TEXTS[i % len(FORMULA_TEXTS)]}"
            )
        elif item.type in ("text", "longtext"):
            value = FORMULA_TEXTS[(i + year) % len(FORMULA_TEXTS)]
        else:
            continue
        factories.add_answer(resp.id, item.code, value)


@pytest.fixture
def export_data(app, instrument) -> ExportData:
    """The seeded export data (see :func:`seed_export_data`)."""
    with app.app_context():
        return seed_export_data(instrument)
