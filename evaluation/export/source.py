"""What an export is built from: responses, answers and the questionnaire versions they used.

:func:`read_source` reads them from the app's database with plain SQL (SQLAlchemy Core). It never
reads the contact table, invitation tokens or any other personal data: the person is known only
by the panel id, which :mod:`evaluation.export.pseudonym` replaces with a keyed hash.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from questionnaires import Questionnaire

__all__ = ["ExportSource", "SourceError", "read_source", "RESPONSE_COLUMNS", "ANSWER_COLUMNS"]

RESPONSE_COLUMNS = (
    "response_id",
    "person_key",
    "wave",
    "wave_name",
    "role",
    "fylke",
    "kompetansenettverk",
    "version_id",
    "status",
    "language",
    "started_at",
    "submitted_at",
)
ANSWER_COLUMNS = ("response_id", "item", "value_num", "value_text", "value_list", "missing_code")


class SourceError(ValueError):
    """The export input is unusable; the message names what is wrong and where."""


@dataclass
class ExportSource:
    """Responses (one row each), answers (one row per response × item) and versions by id."""

    responses: pd.DataFrame
    answers: pd.DataFrame
    versions: dict[int, tuple[str, Questionnaire]]
    #: human-confirmed theme codes: response_id, item, theme (1 = present); None = use auto-coder
    coded_themes: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    #: the evaluator's notes confirming a launch that broke comparability with an earlier wave:
    #: one dict per wave and role (wave, wave_name, role, version, note, broken_scales, items, changes)
    comparability_notes: list[dict[str, Any]] = field(default_factory=list)

    def validate(self) -> None:
        """Check columns and references; raise SourceError naming the first problem."""
        for name, frame, cols in (
            ("responses", self.responses, RESPONSE_COLUMNS),
            ("answers", self.answers, ANSWER_COLUMNS),
        ):
            missing = [c for c in cols if c not in frame.columns]
            if missing:
                raise SourceError(f"export source: {name} lacks column(s) {', '.join(missing)}")
        unknown = set(pd.unique(self.responses["version_id"])) - set(self.versions)
        if unknown:
            raise SourceError(
                f"export source: responses refer to questionnaire version id(s) "
                f"{sorted(unknown)} that were not loaded"
            )
        if self.responses["response_id"].duplicated().any():
            raise SourceError("export source: response_id is not unique in responses")


_RESPONSES_SQL = """
SELECT r.id AS response_id, p.panel_id AS person_key, w.year AS wave, w.name AS wave_name,
       p.role AS role, p.fylke AS fylke, o.name AS kompetansenettverk,
       r.questionnaire_version_id AS version_id, r.status AS status, r.language AS language,
       r.started_at AS started_at, r.submitted_at AS submitted_at
FROM response r
JOIN person p ON p.id = r.person_id
JOIN wave w ON w.id = r.wave_id
LEFT JOIN organisation o ON o.id = p.network_id AND o.kind = 'kompetansenettverk'
WHERE 1 = 1 {where}
ORDER BY r.id
"""

_ANSWERS_SQL = """
SELECT a.response_id AS response_id, a.item_code AS item, a.value_num AS value_num,
       a.value_text AS value_text, a.value_list AS value_list, a.missing_code AS missing_code
FROM answer a
JOIN response r ON r.id = a.response_id
JOIN wave w ON w.id = r.wave_id
JOIN person p ON p.id = r.person_id
WHERE 1 = 1 {where}
ORDER BY a.response_id, a.item_code
"""

_COMPARABILITY_SQL = """
SELECT w.year AS wave, w.name AS wave_name, wq.role AS role, wq.comparability_note AS note,
       wq.comparability AS detail, v.code AS code, v.version_no AS version_no, v.content_hash AS content_hash
FROM wave_questionnaire wq
JOIN wave w ON w.id = wq.wave_id
JOIN questionnaire_version v ON v.id = wq.questionnaire_version_id
WHERE wq.comparability_note IS NOT NULL
ORDER BY w.year, w.id, wq.role
"""

_VERSIONS_SQL = """
SELECT id, code, version_no, content_hash, definition FROM questionnaire_version
"""


def _filters(
    waves: Sequence[int] | None, roles: Sequence[str] | None, statuses: Sequence[str] | None
) -> tuple[str, dict[str, Any], list[str]]:

    parts: list[str] = []
    params: dict[str, Any] = {}
    expanding: list[str] = []
    if waves:
        parts.append("AND w.year IN :waves")
        params["waves"] = [int(w) for w in waves]
        expanding.append("waves")
    if roles:
        parts.append("AND p.role IN :roles")
        params["roles"] = list(roles)
        expanding.append("roles")
    if statuses:
        parts.append("AND r.status IN :statuses")
        params["statuses"] = list(statuses)
        expanding.append("statuses")
    return " ".join(parts), params, expanding


def _query(
    conn: Any, sql: str, where: str, params: dict[str, Any], expanding: list[str]
) -> pd.DataFrame:
    import sqlalchemy as sa

    stmt = sa.text(sql.format(where=where))
    if expanding:
        stmt = stmt.bindparams(*[sa.bindparam(n, expanding=True) for n in expanding])
    result = conn.execute(stmt, params)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _as_list(value: Any) -> list[Any] | None:
    """A multi answer as a list (JSON text from SQLite, a list from PostgreSQL)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        value = json.loads(value)
    return list(value) if isinstance(value, (list, tuple)) else None


def _definition(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else value


def read_source(
    url_or_engine: Any,
    *,
    waves: Sequence[int] | None = None,
    roles: Sequence[str] | None = None,
    statuses: Sequence[str] | None = ("complete", "partial"),
) -> ExportSource:
    """Read responses, answers and questionnaire versions from the app's database.

    Parameters
    ----------
    url_or_engine : str or sqlalchemy.engine.Engine
        Database URL or engine.
    waves : sequence of int, optional
        Only these waves (years).
    roles : sequence of str, optional
        Only these respondent roles.
    statuses : sequence of str, optional
        Response statuses to include; default complete and partial (not in-progress drafts).

    Returns
    -------
    ExportSource

    Raises
    ------
    SourceError
        When no response matches the filters.
    """
    import sqlalchemy as sa

    engine = sa.create_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    where, params, expanding = _filters(waves, roles, statuses)
    with engine.connect() as conn:
        responses = _query(conn, _RESPONSES_SQL, where, params, expanding)
        if responses.empty:
            raise SourceError(
                f"no responses match waves={list(waves or []) or 'all'}, "
                f"roles={list(roles or []) or 'all'}, statuses={list(statuses or [])}"
            )
        answers = _query(conn, _ANSWERS_SQL, where, params, expanding)
        versions_df = _query(conn, _VERSIONS_SQL, "", {}, [])
    used = set(responses["version_id"].astype(int))
    versions = {}
    for row in versions_df.itertuples(index=False):
        if int(row.id) in used:
            label = f"{row.code} v{row.version_no} ({row.content_hash[:8]})"
            versions[int(row.id)] = (label, Questionnaire.from_dict(_definition(row.definition)))
    responses["wave"] = responses["wave"].astype("int32")
    for col in ("started_at", "submitted_at"):
        responses[col] = pd.to_datetime(responses[col], errors="coerce", utc=True)
    answers["value_num"] = pd.to_numeric(answers["value_num"], errors="coerce").astype("float64")
    answers["value_list"] = answers["value_list"].map(_as_list).astype(object)
    source = ExportSource(
        responses=responses,
        answers=answers,
        versions=versions,
        comparability_notes=_comparability(engine, waves, roles),
    )
    source.validate()
    return source


def _comparability(
    engine: Any, waves: Sequence[int] | None, roles: Sequence[str] | None
) -> list[dict[str, Any]]:
    """The comparability notes of the chosen waves and roles (empty on a database without them)."""
    import sqlalchemy as sa

    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(_COMPARABILITY_SQL)).mappings().all()
    except sa.exc.DBAPIError:
        return []
    out = []
    for row in rows:
        if (waves and int(row["wave"]) not in set(map(int, waves))) or (
            roles and row["role"] not in roles
        ):
            continue
        detail = _definition(row["detail"]) or {}
        out.append(
            {
                "wave": int(row["wave"]),
                "wave_name": row["wave_name"],
                "role": row["role"],
                "version": f"{row['code']} v{row['version_no']} ({row['content_hash'][:8]})",
                "compared_with": detail.get("version"),
                "note": row["note"],
                "broken_scales": list(detail.get("broken_scales", [])),
                "items": list(detail.get("items", [])),
                "changes": list(detail.get("changes", [])),
            }
        )
    return out
