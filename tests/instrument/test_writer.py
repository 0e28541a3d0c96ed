"""questionnaires.writer: every real dekom questionnaire written back as YAML reads to the same content."""

from __future__ import annotations

import pytest

import questionnaires as Q
from questionnaires.writer import dump_yaml


@pytest.mark.parametrize("role", Q.ROLES)
def test_written_yaml_reads_back_identical(tmp_path, role):
    q = Q.load_questionnaire(Q.INSTRUMENT_DIR / f"{role}.yaml")
    path = tmp_path / f"{role}.yaml"
    path.write_text(dump_yaml(q), encoding="utf-8")
    again, problems = Q.parse_questionnaire(path)
    assert Q.errors(problems) == []
    assert again.to_dict() == q.to_dict() and again.content_hash() == q.content_hash()
