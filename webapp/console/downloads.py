"""Downloads for evaluators: the panel, a wave's invitations and its non-responders as CSV or XLSX.

Each file holds names and e-mail addresses, so each download is recorded in the audit log
(who, which list, which filter, how many rows). Headings, statuses and roles are in the
user's language and times are Norwegian wall-clock time, as on the screen.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, request
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from ..access import roles_required
from ..domain.audit import record
from ..extensions import db
from ..formats import OSLO, local_datetime
from ..labels import label
from ..models import Contact, Invitation, Person, Wave
from ..queries.dashboard import non_responders as non_responder_rows
from ..queries.panel import panel_query
from . import bp

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_ROWS = 200_000


def table_bytes(headers: list[str], rows: list[list[Any]], fmt: str) -> bytes:
    """The table as CSV (UTF-8 with BOM, semicolons, as Excel in Norway expects) or XLSX."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow(
                [
                    local_datetime(v) if isinstance(v, datetime) else ("" if v is None else v)
                    for v in row
                ]
            )
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    bold = Font(bold=True)
    head = []
    for h in headers:
        cell = WriteOnlyCell(sheet, value=h)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, datetime):
                cell = WriteOnlyCell(sheet, value=v.astimezone(OSLO).replace(tzinfo=None))
                cell.number_format = "dd.mm.yyyy hh:mm"
            else:
                cell = WriteOnlyCell(sheet, value=v)
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _send(
    name: str,
    headers: list[str],
    rows: list[list[Any]],
    fmt: str,
    what: str,
    target: Any,
    filters: dict[str, Any],
) -> Response:
    """Audit the download, then send the file."""
    record(f"download.{what}", target=target, after={"format": fmt, "rows": len(rows), **filters})
    db.session.commit()
    body = table_bytes(headers, rows, fmt)
    return Response(
        body,
        mimetype=FORMATS[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        abort(404)
    return fmt


@bp.route("/panel.<fmt>")
@roles_required("admin", "evaluator")
def panel_download(fmt: str):
    """The panel with the list's filters (role, fylke, status, search text) as CSV or XLSX."""
    fmt = _format(fmt)
    role = request.args.get("role") or None
    fylke = request.args.get("fylke") or None
    status = request.args.get("status", "active")
    q = (request.args.get("q") or "").strip()
    query = panel_query(role, fylke, status, q)
    rows = db.session.execute(query.order_by(Person.role, Contact.name).limit(MAX_ROWS)).all()
    headers = [
        _("Panel-id"),
        _("Navn"),
        _("E-post"),
        _("Rolle"),
        _("Fylke"),
        _("Organisasjon"),
        _("Ekstern id"),
        _("Sluttet"),
    ]
    table = [
        [
            p.panel_id,
            c.name if c else None,
            c.email if c else None,
            label(p.role, "role"),
            p.fylke,
            o.name if o else None,
            p.external_id,
            p.left_at,
        ]
        for p, c, o in rows
    ]
    return _send(
        "panel",
        headers,
        table,
        fmt,
        "panel",
        None,
        {"role": role, "fylke": fylke, "status": status, "q": q},
    )


@bp.route("/waves/<int:wave_id>/invitations.<fmt>")
@roles_required("admin", "evaluator")
def invitations_download(wave_id: int, fmt: str):
    """A wave's invitations (optionally one delivery status) as CSV or XLSX."""
    fmt = _format(fmt)
    wave = db.session.get(Wave, wave_id) or abort(404)
    status = request.args.get("status") or None
    query = (
        sa.select(Invitation, Person, Contact)
        .join(Person, Person.id == Invitation.person_id)
        .outerjoin(Contact, Contact.person_id == Person.id)
        .where(Invitation.wave_id == wave.id)
    )
    if status in ("pending", "sent", "failed", "revoked"):
        query = query.where(Invitation.status == status)
    rows = db.session.execute(query.order_by(Invitation.id).limit(MAX_ROWS)).all()
    headers = [
        _("Navn"),
        _("E-post"),
        _("Rolle"),
        _("Fylke"),
        _("Status"),
        _("Sendt"),
        _("Påminnelser"),
        _("Åpnet"),
        _("Sendt inn"),
        _("Feil"),
    ]
    table = [
        [
            c.name if c else None,
            c.email if c else None,
            label(p.role, "role"),
            p.fylke,
            label(i.status, "invitation_status"),
            i.sent_at,
            i.reminder_count,
            i.opened_at,
            i.submitted_at,
            i.last_error,
        ]
        for i, p, c in rows
    ]
    return _send(
        f"invitasjoner-{wave.year}", headers, table, fmt, "invitations", wave, {"status": status}
    )


@bp.route("/dashboard/<int:wave_id>/non-responders.<fmt>")
@roles_required("admin", "evaluator")
def non_responders_download(wave_id: int, fmt: str):
    """Who has not submitted in a wave, as CSV or XLSX (for a reminder by phone, say)."""
    fmt = _format(fmt)
    wave = db.session.get(Wave, wave_id) or abort(404)
    rows = non_responder_rows(wave.id, limit=MAX_ROWS)
    headers = [
        _("Navn"),
        _("E-post"),
        _("Rolle"),
        _("Fylke"),
        _("Organisasjon"),
        _("Påminnelser"),
        _("Status"),
    ]
    table = []
    for inv, person, contact, org, rstatus in rows:
        state = _("påbegynt") if rstatus else (_("åpnet") if inv.opened_at else _("ikke åpnet"))
        table.append(
            [
                contact.name if contact else None,
                contact.email if contact else None,
                label(person.role, "role"),
                person.fylke,
                org.name if org else None,
                inv.reminder_count,
                state,
            ]
        )
    return _send(f"ikke-svart-{wave.year}", headers, table, fmt, "non_responders", wave, {})
