"""Plan and apply a panel import: new, updated, unchanged and leaving persons, and conflicts."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Contact, Organisation, Person, utcnow
from ..readers.panel_file import PanelRow, ParsedPanel, RowProblem
from .audit import record


@dataclass
class PlannedChange:
    """What applying one row would do to one person."""

    action: str  # new | updated | unchanged | rejoined
    row: PanelRow
    person_id: int | None = None
    changes: dict[str, tuple] = field(default_factory=dict)


@dataclass
class PanelPlan:
    """The whole import: changes per row, rows refused against the database, and leavers."""

    changes: list[PlannedChange] = field(default_factory=list)
    conflicts: list[RowProblem] = field(default_factory=list)
    leavers: list[Person] = field(default_factory=list)

    def count(self, action: str) -> int:
        """Number of rows with ``action``."""
        return sum(1 for c in self.changes if c.action == action)

    @property
    def summary(self) -> dict[str, int]:
        """Counts per kind of change."""
        return {
            "new": self.count("new"),
            "updated": self.count("updated") + self.count("rejoined"),
            "unchanged": self.count("unchanged"),
            "leavers": len(self.leavers),
            "conflicts": len(self.conflicts),
        }


class _Index:
    """Persons, contacts and organisations loaded once, so planning 20 000 rows is quick."""

    def __init__(self) -> None:
        self.persons = {p.id: p for p in db.session.scalars(sa.select(Person))}
        self.by_external = {p.external_id: p for p in self.persons.values() if p.external_id}
        self.contacts = {c.person_id: c for c in db.session.scalars(sa.select(Contact))}
        self.by_email = {c.email: pid for pid, c in self.contacts.items()}
        orgs = list(db.session.scalars(sa.select(Organisation)))
        self.org_by_number = {o.org_number: o for o in orgs if o.org_number}
        self.org_by_name = {(o.kind, o.name): o for o in orgs}
        self.org_by_id = {o.id: o for o in orgs}


def _org_label(org: Organisation | None) -> str | None:
    return org.name if org is not None else None


def plan_import(parsed: ParsedPanel, mark_leavers: bool = False) -> PanelPlan:
    """Compare the file with the stored panel; writes nothing."""
    idx = _Index()
    plan = PanelPlan()
    matched: set[int] = set()
    for row in parsed.rows:
        person, problem = _match(row, idx)
        if problem:
            plan.conflicts.append(problem)
            continue
        if person is None:
            plan.changes.append(PlannedChange("new", row))
            continue
        matched.add(person.id)
        changes = _differences(person, row, idx)
        action = (
            "rejoined" if person.left_at is not None else ("updated" if changes else "unchanged")
        )
        plan.changes.append(PlannedChange(action, row, person.id, changes))
    if mark_leavers:
        plan.leavers = sorted(
            (p for p in idx.persons.values() if p.left_at is None and p.id not in matched),
            key=lambda p: p.panel_id,
        )
    return plan


def _match(row: PanelRow, idx: _Index) -> tuple[Person | None, RowProblem | None]:
    by_ext = idx.by_external.get(row.external_id) if row.external_id else None
    email_owner = idx.by_email.get(row.email)
    if by_ext is not None:
        if email_owner is not None and email_owner != by_ext.id:
            other = idx.persons[email_owner]
            return None, RowProblem(
                row.line,
                "i konflikt med en annen person: e-postadressen tilhører %(panel_id)s "
                "(ekstern id %(external_id)s)",
                row.email,
                {"panel_id": other.panel_id, "external_id": other.external_id or "–"},
            )
        return by_ext, None
    if email_owner is not None:
        person = idx.persons[email_owner]
        if row.external_id and person.external_id and person.external_id != row.external_id:
            return None, RowProblem(
                row.line,
                "i konflikt med en annen person: e-postadressen tilhører %(panel_id)s "
                "(ekstern id %(external_id)s)",
                row.email,
                {"panel_id": person.panel_id, "external_id": person.external_id},
            )
        return person, None
    return None, None


def _differences(person: Person, row: PanelRow, idx: _Index) -> dict[str, tuple]:
    contact = idx.contacts.get(person.id)
    before = {
        "name": contact.name if contact else None,
        "email": contact.email if contact else None,
        "role": person.role,
        "fylke": person.fylke,
        "external_id": person.external_id,
        "organisation": _org_label(idx.org_by_id.get(person.organisation_id)),
        "network": _org_label(idx.org_by_id.get(person.network_id)),
    }
    after = {
        "name": row.name,
        "email": row.email,
        "role": row.role,
        "fylke": row.fylke,
        "external_id": row.external_id or person.external_id,
        "organisation": row.organisation,
        "network": row.network,
    }
    return {k: (before[k], after[k]) for k in before if before[k] != after[k]}


def apply_plan(
    parsed: ParsedPanel, mark_leavers: bool = False, filename: str | None = None
) -> dict:
    """Re-plan against the current database and write it (the caller commits); returns counts."""
    plan = plan_import(parsed, mark_leavers)
    cache: dict[tuple, Organisation] = {}
    changed_ids: list[str] = []
    now = utcnow()
    for change in plan.changes:
        row = change.row
        if change.action == "unchanged":
            continue
        org = _organisation(row.org_kind, row.organisation, row.org_number, row.fylke, cache)
        network = _organisation("kompetansenettverk", row.network, None, row.fylke, cache)
        if change.action == "new":
            person = Person(
                role=row.role,
                fylke=row.fylke,
                external_id=row.external_id,
                organisation=org,
                network=network,
            )
            person.contact = Contact(name=row.name, email=row.email)
            db.session.add(person)
        else:
            person = db.session.get(Person, change.person_id)
            person.role, person.fylke = row.role, row.fylke
            person.organisation, person.network = org, network
            person.external_id = row.external_id or person.external_id
            person.left_at = None
            if person.contact is None:
                person.contact = Contact(name=row.name, email=row.email)
            else:
                person.contact.name, person.contact.email = row.name, row.email
        db.session.flush()
        changed_ids.append(person.panel_id)
        if change.action != "new":
            before, after = _audit_values(change, person.panel_id)
            record("panel.person_update", target=person, before=before, after=after)
    for person in plan.leavers:
        person.left_at = now
        record(
            "panel.person_left",
            target=person,
            before={"panel_id": person.panel_id, "left_at": None},
            after={"panel_id": person.panel_id, "left_at": now.isoformat()},
        )
    summary = plan.summary
    record(
        "panel.import",
        target=None,
        before={"leavers": [p.panel_id for p in plan.leavers]},
        after={"file": filename or parsed.filename, **summary, "changed": changed_ids[:500]},
    )
    return summary


#: contact values: the audit trail keeps a keyed fingerprint, never the value (it cannot be erased)
_FINGERPRINTED = ("name", "email", "external_id")


def _audit_values(change: PlannedChange, panel_id: str) -> tuple[dict, dict]:
    """Before and after values of a changed person for the audit trail."""
    from .people import fingerprint

    before: dict = {"panel_id": panel_id}
    after: dict = {"panel_id": panel_id}
    for key, (old, new) in change.changes.items():
        if key in _FINGERPRINTED:
            old, new = fingerprint(old), fingerprint(new)
        before[key], after[key] = old, new
    if change.action == "rejoined":
        before["left"], after["left"] = True, False
    return before, after


def _organisation(
    kind: str | None,
    name: str | None,
    number: str | None,
    fylke: str,
    cache: dict[tuple, Organisation],
) -> Organisation | None:
    if not name:
        return None
    key = (kind, name, number)
    if key in cache:
        return cache[key]
    org = None
    if number:
        org = db.session.scalar(sa.select(Organisation).where(Organisation.org_number == number))
    if org is None:
        org = db.session.scalar(
            sa.select(Organisation).where(Organisation.kind == kind, Organisation.name == name)
        )
        if org is not None and number and not org.org_number:
            org.org_number = number
    if org is None:
        org = Organisation(kind=kind, name=name, org_number=number, fylke=fylke)
        db.session.add(org)
        db.session.flush()
    cache[key] = org
    return org


# --- the parsed file between preview and confirm, kept on the server ---------------------------


def import_dir() -> Path:
    """PANEL_IMPORT_DIR (instance/panel_imports), readable by the app's own user only (mode 0700)."""
    path = Path(
        current_app.config.get("PANEL_IMPORT_DIR")
        or Path(current_app.instance_path) / "panel_imports"
    )
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


_store_dir = import_dir


def save_parsed(parsed: ParsedPanel, user_id: int | None, mark_leavers: bool = False) -> str:
    """Store the parsed file under instance/panel_imports (mode 0600); returns its random key.

    The file holds names and e-mail addresses: it is deleted when the import is applied or
    cancelled, and ``flask retention purge`` removes any left after RETAIN_IMPORT_HOURS.
    """
    key = secrets.token_urlsafe(16)
    data = {"user_id": user_id, "mark_leavers": mark_leavers, "parsed": parsed.to_dict()}
    path = import_dir() / f"{key}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    return key


def load_parsed(key: str, user_id: int | None) -> tuple[ParsedPanel, bool] | None:
    """The parsed file stored under ``key`` by the same user and its leaver flag, or None."""
    if not key or not all(c.isalnum() or c in "-_" for c in key):
        return None
    path = _store_dir() / f"{key}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("user_id") != user_id:
        return None
    return ParsedPanel.from_dict(data["parsed"]), bool(data.get("mark_leavers"))


def discard_parsed(key: str) -> None:
    """Delete a stored parsed file (after it was applied or cancelled)."""
    if key and all(c.isalnum() or c in "-_" for c in key):
        (_store_dir() / f"{key}.json").unlink(missing_ok=True)
