"""Every status, kind and role a person reads, in their language: the one source for labels.

The database and the code keep short English keys (``pending``, ``invitations.send``); screens,
downloads and e-mails show these labels instead. A key without a label is shown as it is, so a
new status is visible rather than hidden; tests/test_labels.py checks that every known key has
a label.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from .formats import current_language, number

INVITATION_STATUS = {
    "pending": _l("ikke sendt"),
    "sent": _l("sendt"),
    "failed": _l("feilet"),
    "revoked": _l("trukket tilbake"),
}
JOB_STATUS = {
    "queued": _l("i kø"),
    "running": _l("kjører"),
    "done": _l("ferdig"),
    "failed": _l("feilet"),
}
JOB_KIND = {
    "invitations.send": _l("Sende invitasjoner"),
    "invitations.remind": _l("Sende påminnelser"),
    "exports.build": _l("Eksport"),
    "analysis.run": _l("Analyse"),
    "coding.retrain": _l("Opplæring av autokoderen"),
}
#: keys of a job's result summary
RESULT_KEY = {
    "sent": _l("sendt"),
    "failed": _l("feilet"),
    "skipped": _l("hoppet over"),
    "answered": _l("hadde allerede svart (ikke sendt)"),
    "invitation": _l("invitasjoner"),
    "reminder": _l("påminnelser"),
    "reminder_partial": _l("påminnelser til dem som har begynt"),
    "revoked": _l("trukket tilbake"),
    "wave_id": _l("bølge"),
    "language": _l("språk"),
    "max_reminders": _l("høyst antall påminnelser"),
    "min_days": _l("minst dager mellom"),
    "zip": _l("zip-fil"),
    "files": _l("filer"),
    "rows": _l("rader per fil"),
    "responses": _l("svar"),
    "seconds": _l("sekunder"),
    "dir": _l("mappe"),
    "out_dir": _l("mappe"),
    "problems": _l("problemer"),
    "model_no": _l("modell nr."),
    "trained_on": _l("treningssvar"),
    "coder_answers": _l("av dem kodet her"),
    "suggestions": _l("forslag oppdatert"),
}
WAVE_STATUS = {"draft": _l("utkast"), "open": _l("åpen"), "closed": _l("stengt")}
RESPONSE_STATUS = {
    "in_progress": _l("påbegynt"),
    "partial": _l("påbegynt"),
    "complete": _l("fullført"),
}
USER_ROLE = {
    "admin": _l("administrator"),
    "evaluator": _l("evaluator"),
    "researcher": _l("forsker"),
}
PANEL_ROLE = {
    "skoleeier": _l("skoleeier"),
    "skoleleder": _l("skoleleder"),
    "tillitsvalgt": _l("tillitsvalgt"),
    "uh": _l("UH"),
}
LANGUAGE = {"nb": _l("bokmål"), "nn": _l("nynorsk"), "en": _l("engelsk")}
YES_NO = {True: _l("ja"), False: _l("nei")}

GROUPS: dict[str, dict[Any, Any]] = {
    "invitation_status": INVITATION_STATUS,
    "job_status": JOB_STATUS,
    "job_kind": JOB_KIND,
    "result_key": RESULT_KEY,
    "wave_status": WAVE_STATUS,
    "response_status": RESPONSE_STATUS,
    "user_role": USER_ROLE,
    "role": PANEL_ROLE,
    "language": LANGUAGE,
    "yes_no": YES_NO,
}


def label(key: Any, group: str) -> str:
    """The label of ``key`` in ``group`` for the current language (the key itself when unknown)."""
    found = GROUPS[group].get(key)
    return str(found) if found is not None else ("" if key is None else str(key))


def result_value(key: str, value: Any) -> str:
    """One value of a job's result summary as a person reads it."""
    if key == "language":
        return label(value, "language")
    if isinstance(value, bool):
        return label(value, "yes_no")
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {result_value('', v)}" for k, v in value.items()) or "–"
    if isinstance(value, list | tuple):
        return ", ".join(result_value("", v) for v in value) or "–"
    return "–" if value is None else str(value)


def analysis_notes(notes: list[str] | None) -> list[str]:
    """The analysis library's notes in the current language (bokmål for nb and nn, else English)."""
    from evaluation.notes_text import notes_in

    return notes_in(list(notes or []), "en" if current_language() == "en" else "nb")


def init_labels(app: Flask) -> None:
    """Register the ``label``, ``result_value`` and ``analysis_notes`` filters and ``MISSING_ANSWERS``."""
    from questionnaires import MISSING_ANSWERS

    app.add_template_filter(label, "label")
    app.add_template_filter(result_value, "result_value")
    app.add_template_filter(analysis_notes, "analysis_notes")
    app.add_template_global(MISSING_ANSWERS, "MISSING_ANSWERS")
