"""Labels and formats: every stored key has a label in each language; numbers and times by Babel."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from questionnaires.model import ROLES
from webapp import labels
from webapp.formats import local_date, local_datetime, number, percent
from webapp.infra import jobs
from webapp.models import (
    INVITATION_STATUSES,
    JOB_STATUSES,
    RESPONSE_STATUSES,
    USER_ROLES,
    WAVE_STATUSES,
)


@pytest.mark.parametrize(
    "group, keys",
    [
        ("invitation_status", INVITATION_STATUSES),
        ("job_status", JOB_STATUSES),
        ("response_status", RESPONSE_STATUSES),
        ("user_role", USER_ROLES),
        ("wave_status", WAVE_STATUSES),
        ("role", ROLES),
    ],
)
def test_every_stored_key_has_a_label(group, keys):
    assert set(keys) <= set(labels.GROUPS[group])


def test_every_job_kind_has_a_label(app):
    real = {
        k for k in jobs.registered_kinds() if not k.startswith("test.")
    }  # tests register their own
    assert real <= set(labels.JOB_KIND)


def test_labels_follow_the_language(app):
    with app.test_request_context():
        with force_locale("nb"):
            assert labels.label("pending", "invitation_status") == "ikke sendt"
            assert labels.label("queued", "job_status") == "i kø"
            assert labels.label("researcher", "user_role") == "forsker"
        with force_locale("nn"):
            assert labels.label("invitations.send", "job_kind") == "Sende invitasjonar"
            assert labels.label("skoleeier", "role") == "skuleeigar"
        with force_locale("en"):
            assert labels.label("done", "job_status") == "done"
        assert labels.label("something-new", "job_status") == "something-new"


def test_numbers_dates_and_times_in_norwegian(app):
    when = datetime(2026, 11, 29, 11, 29, tzinfo=UTC)
    summer = datetime(2026, 6, 1, 22, 30, tzinfo=UTC)
    with app.test_request_context(), force_locale("nb"):
        assert percent(0.393) == "39,3\u00a0%"
        assert number(1234.5) == "1\u00a0234,5" and number(0.5, 2) == "0,50"
        assert local_datetime(when) == "29.11.2026 kl. 12:29"  # winter: UTC+1
        assert local_datetime(summer) == "02.06.2026 kl. 00:30"  # summer: UTC+2, next day
        assert (
            local_datetime(when.replace(tzinfo=None)) == "29.11.2026 kl. 12:29"
        )  # SQLite: naive UTC
        assert local_date(date(2026, 3, 1)) == "01.03.2026"
        assert number(None) == "–" and percent(float("nan")) == "–"
    with app.test_request_context(), force_locale("en"):
        assert percent(0.393) == "39.3\u00a0%" and local_datetime(when) == "29 Nov 2026, 12:29"


def test_job_results_read_as_words(app):
    with app.test_request_context(), force_locale("nb"):
        assert labels.result_value("language", "nn") == "nynorsk"
        assert labels.result_value("seconds", 12.5) == "12,5"
        assert labels.result_value("files", ["a.csv", "b.csv"]) == "a.csv, b.csv"
        assert labels.label("answered", "result_key").startswith("hadde allerede svart")
