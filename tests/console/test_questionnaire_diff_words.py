"""The questionnaire diff shows changed answer options in words ("2 = label", in the page's
language, only the options that differ), never the raw JSON of the option list."""

from __future__ import annotations

import copy
import re

import questionnaires as Q
from questionnaires.model import Questionnaire

from .conftest import login
from .test_questionnaire_design import upload, xlsx_bytes


def test_changed_options_read_as_value_equals_label(app, client, users, instrument):
    q = Q.load_questionnaire(Q.INSTRUMENT_DIR / "skoleleder.yaml")
    q = Questionnaire.from_dict(copy.deepcopy(q.to_dict()))
    item = next(i for _, i, _p in q.leaf_items() if len(i.options) >= 3)
    second = item.options[1]
    old_nb, old_en = second.label["nb"], second.label["en"]
    second.label["nb"], second.label["en"] = "Helt ny tekst", "Brand new text"
    login(client, "evaluator")
    draft_url = upload(client, "skoleleder.xlsx", xlsx_bytes(q)).headers["Location"]
    draft_id = int(draft_url.rstrip("/").rsplit("/", 1)[1])
    url = f"/console/questionnaires/diff?old={instrument['skoleleder']}&draft={draft_id}"
    html = client.get(url).get_data(as_text=True)
    row = re.search(r'<tr[^>]*data-kind="options_changed"[^>]*>.*?</tr>', html, re.S).group(0)
    assert item.code in row
    assert f"{second.value} = {old_nb}" in row and f"{second.value} = Helt ny tekst" in row
    assert f"{item.options[0].value} = " not in row  # unchanged options are left out
    assert '"nb":' not in html and "[[" not in html
    english = client.get(url + "&lang=en").get_data(as_text=True)
    assert f"{second.value} = Brand new text" in english and f"{second.value} = {old_en}" in english
