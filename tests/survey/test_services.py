"""questionnaires.answers (values, visibility) and webapp.domain.responses (save, submit)."""

from __future__ import annotations

import pytest

from questionnaires import answers as rules
from questionnaires import load_questionnaire
from webapp.domain import responses as svc
from webapp.extensions import db
from webapp.infra.tokens import find_invitation

from .factories import MINI, SKOLELEDER, make_link, make_wave, stored

Q = load_questionnaire(MINI)


@pytest.mark.parametrize(
    "code, value, expected",
    [
        ("samarb_a", 3, 3),
        ("samarb_a", "dont_know", "dont_know"),
        ("deltatt", 2, 2),
        ("tiltak_type", [3, 1], [1, 3]),
        ("ant_larere", 12.0, 12),
        ("kommentar", "  hei ", "hei"),
        ("kommentar", "", None),
    ],
)
def test_check_value_normalises(code, value, expected):
    assert rules.check_value(Q, Q.find_item(code), value) == expected


@pytest.mark.parametrize(
    "code, value",
    [
        ("samarb_a", 6),
        ("samarb_a", True),
        ("samarb_a", "3"),
        ("deltatt", 3),
        ("tiltak_type", [1, 1]),
        ("tiltak_type", [9]),
        ("ant_larere", 401),
        ("ant_larere", 1.5),
        ("ant_larere", float("nan")),
        ("kommentar", "x" * 51),
        ("kommentar", 5),
        ("tiltak_type", [1, 2, 3]),
    ],
)
def test_check_value_refuses(code, value):
    with pytest.raises(rules.InvalidAnswer) as err:
        rules.check_value(Q, Q.find_item(code), value)
    assert err.value.code == code


@pytest.mark.parametrize("value, reason", [([], None), ([1, 2, 3], "too_many_choices")])
def test_check_value_counts_the_choices(value, reason):
    """min_choices/max_choices are part of the one rule, so the save enforces them as well."""
    item = Q.find_item("tiltak_type")
    if reason is None:
        assert rules.check_value(Q, item, value) is None  # no answer: required is separate
        return
    with pytest.raises(rules.InvalidAnswer) as err:
        rules.check_value(Q, item, value)
    assert err.value.reason == reason and err.value.is_mistake and err.value.params == {"n": 2}


def test_check_value_needs_the_minimum_of_choices():
    from dataclasses import replace

    item = replace(Q.find_item("tiltak_type"), min_choices=2)
    with pytest.raises(rules.InvalidAnswer) as err:
        rules.check_value(Q, item, [1])
    assert err.value.reason == "too_few_choices" and err.value.params == {"n": 2}
    assert rules.check_value(Q, item, [2, 1]) == [1, 2]


def test_save_refuses_too_many_choices(app_ctx):
    link = make_link(make_wave())
    response = svc.start_response(find_invitation(link.token))
    db.session.commit()
    svc.save_page(response, "start", {"deltatt": 1}, revision=0)
    db.session.commit()
    with pytest.raises(rules.InvalidAnswer):
        svc.save_page(response, "tiltak", {"tiltak_type": [1, 2, 3]}, revision=1)
    db.session.rollback()
    assert "tiltak_type" not in stored(link)


def test_visibility_and_pruning():
    assert [p.id for p in rules.visible_pages(Q, {})] == ["start", "samarbeid", "slutt"]
    assert [p.id for p in rules.visible_pages(Q, {"deltatt": 1})] == [
        "start",
        "samarbeid",
        "tiltak",
        "slutt",
    ]
    answers = {"deltatt": 2, "tiltak_type": [1], "oppfolging": 3, "annet": 2, "annet_hva": "x"}
    assert rules.prune_hidden(Q, answers) == {"deltatt": 2, "annet": 2}


def test_missing_required_follows_conditions():
    missing = [i.code for _, i in rules.missing_required(Q, {"deltatt": 1})]
    assert missing == ["samarb_a", "samarb_b", "tiltak_type"]
    assert [
        i.code for _, i in rules.missing_required(Q, {"deltatt": 2, "samarb_a": 1, "samarb_b": 2})
    ] == []


def test_save_answers_for_loaders_and_submit(app_ctx):
    link = make_link(make_wave(SKOLELEDER))
    response = svc.start_response(find_invitation(link.token))
    db.session.commit()
    assert response.version.code == "dekom_skoleleder"
    svc.save_answers(response, {"deltatt_tiltak": 3, "tiltak_type": [1], "samarb_behov": 4})
    db.session.commit()
    assert stored(link) == {"deltatt_tiltak": 3, "samarb_behov": 4}  # tiltaket page is hidden
    with pytest.raises(svc.InvalidAnswer):
        svc.save_answers(response, {"samarb": 3})  # a matrix stem takes no answer
    db.session.rollback()
    missing = svc.submit(response, revision=response.revision)
    assert missing and response.status == "in_progress"
    db.session.rollback()


def test_stale_revision_is_refused(app_ctx):
    link = make_link(make_wave())
    response = svc.start_response(find_invitation(link.token))
    db.session.commit()
    svc.save_page(response, "start", {"deltatt": 1}, revision=0)
    db.session.commit()
    with pytest.raises(svc.StaleRevision):
        svc.save_page(response, "start", {"deltatt": 2}, revision=0)
    db.session.rollback()
    assert stored(link) == {"deltatt": 1}


def test_submit_is_final(app_ctx):
    link = make_link(make_wave())
    response = svc.start_response(find_invitation(link.token))
    svc.save_answers(response, {"deltatt": 2, "samarb_a": 1, "samarb_b": 1})
    assert svc.submit(response, revision=response.revision) == []
    db.session.commit()
    with pytest.raises(svc.AlreadySubmitted):
        svc.submit(response, revision=response.revision)
    with pytest.raises(svc.AlreadySubmitted):
        svc.save_answers(response, {"deltatt": 1})
