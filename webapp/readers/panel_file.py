"""Panel import: read a CSV/XLSX panel file, report every bad row, plan the changes, apply them.

The flow is read -> plan -> (evaluator confirms) -> apply. Reading and planning never write.
Persons are matched by external id, then by e-mail; a changed e-mail with the same external id
updates the person's contact. Applying the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from questionnaires import ROLES

from ..models import FYLKER

PANEL_ROLES = ROLES
#: accepted header names (lower-case, without spaces/punctuation) -> field
HEADER_ALIASES = {
    "name": "name",
    "navn": "name",
    "fulltnavn": "name",
    "email": "email",
    "epost": "email",
    "epostadresse": "email",
    "mail": "email",
    "role": "role",
    "rolle": "role",
    "organisation": "organisation",
    "organization": "organisation",
    "organisasjon": "organisation",
    "orgnumber": "org_number",
    "organisationnumber": "org_number",
    "orgnr": "org_number",
    "organisasjonsnummer": "org_number",
    "orgnummer": "org_number",
    "organisationkind": "org_kind",
    "organisasjonstype": "org_kind",
    "orgtype": "org_kind",
    "fylke": "fylke",
    "county": "fylke",
    "kompetansenettverk": "network",
    "network": "network",
    "nettverk": "network",
    "externalid": "external_id",
    "ekstern_id": "external_id",
    "eksternid": "external_id",
    "id": "external_id",
}
REQUIRED_COLUMNS = ("name", "email", "role", "fylke")
#: the header the evaluator is told to use for each field
COLUMN_TITLES = {
    "name": "navn",
    "email": "e-post",
    "role": "rolle",
    "fylke": "fylke",
    "organisation": "organisasjon",
    "org_number": "organisasjonsnummer",
    "org_kind": "organisasjonstype",
    "network": "kompetansenettverk",
    "external_id": "ekstern_id",
}
ROLE_ALIASES = {
    "skoleleiar": "skoleleder",
    "rektor": "skoleleder",
    "uh-institusjon": "uh",
    "uh-sektor": "uh",
    "school owner": "skoleeier",
    "school leader": "skoleleder",
    "union representative": "tillitsvalgt",
}
ORG_KINDS_FOR_PERSONS = ("kommune", "fylkeskommune", "privat_skoleeier", "skole", "uh")


class PanelFileError(ValueError):
    """The file as a whole cannot be read (wrong type, no header, missing columns)."""


@dataclass
class PanelRow:
    """One valid row, normalised."""

    line: int
    name: str
    email: str
    role: str
    fylke: str
    organisation: str | None = None
    org_number: str | None = None
    org_kind: str | None = None
    network: str | None = None
    external_id: str | None = None


@dataclass
class RowProblem:
    """A rejected row: its line number, why (a bokmål msgid with %(name)s params) and the value."""

    line: int
    reason: str
    value: str = ""
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The reason with its parameters filled in (untranslated, for the command line)."""
        return self.reason % self.params if self.params else self.reason


@dataclass
class ParsedPanel:
    """The rows of a panel file that passed the checks, and the ones that did not."""

    filename: str
    rows: list[PanelRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready form (stored server-side between preview and confirm)."""
        return {
            "filename": self.filename,
            "rows": [asdict(r) for r in self.rows],
            "problems": [asdict(p) for p in self.problems],
        }

    @classmethod
    def from_dict(cls, data: dict) -> ParsedPanel:
        """Inverse of :meth:`to_dict`."""
        return cls(
            data["filename"],
            [PanelRow(**r) for r in data["rows"]],
            [RowProblem(**p) for p in data["problems"]],
        )


def _key(header: str) -> str:
    text = unicodedata.normalize("NFKC", header or "").strip().lower().replace("-", "")
    return re.sub(r"[\s.\-/()]+", "", text)


_FYLKE_BY_KEY = {_key(f): f for f in FYLKER}


def read_table(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV (UTF-8 or Windows-1252, ';' or ',') or XLSX file as (line, fields)."""
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        lines = _xlsx_lines(filename, data)
    elif suffix in (".csv", ".txt", ""):
        lines = _csv_lines(filename, data)
    else:
        raise PanelFileError(f"{filename}: filtypen {suffix!r} støttes ikke; bruk .csv eller .xlsx")
    if not lines:
        raise PanelFileError(f"{filename}: filen er tom")
    header_line, header = lines[0]
    columns = [HEADER_ALIASES.get(_key(h)) for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise PanelFileError(
            f"{filename}, linje {header_line}: mangler kolonne(r) {', '.join(COLUMN_TITLES[c] for c in missing)} "
            f"(fant: {', '.join(h for h in header if h) or 'ingen'})"
        )
    rows = []
    for line, values in lines[1:]:
        if not any((v or "").strip() for v in values):
            continue
        fields = {}
        for col, value in zip(columns, values, strict=False):
            if col and col not in fields:
                fields[col] = (value or "").strip()
        rows.append((line, fields))
    return rows


def decode_csv(filename: str, data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), else Windows-1252 as Norwegian Excel
    saves it ("CSV (semikolondelt)"), else what charset-normalizer finds."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None and not any(c in text for c in "\x81\x8d\x8f\x90\x9d"):
        return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise PanelFileError(
            f"{filename}: ukjent tegnkoding (ikke UTF-8 eller Windows-1252, byte "
            f"{utf8_error.start}); lagre CSV-filen som UTF-8"
        )
    return str(best)


def _csv_lines(filename: str, data: bytes) -> list[tuple[int, list[str]]]:
    text = decode_csv(filename, data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    if "\t" in first and delimiter not in first:
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines = []
    start = 1
    for values in reader:
        lines.append((start, values))
        start = reader.line_num + 1
    return lines


def _xlsx_lines(filename: str, data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
        raise PanelFileError(f"{filename}: ikke en lesbar XLSX-arbeidsbok ({exc})") from exc
    sheet = wb.worksheets[0]
    lines = []
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        lines.append((number, ["" if v is None else _cell_text(v) for v in row]))
    wb.close()
    return lines


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_panel(filename: str, data: bytes) -> ParsedPanel:
    """Read and check a panel file; every bad row becomes a RowProblem with its line number."""
    parsed = ParsedPanel(filename)
    seen_email: dict[str, int] = {}
    seen_external: dict[str, int] = {}
    for line, fields in read_table(filename, data):
        row, problem = _check_row(line, fields)
        if problem:
            parsed.problems.append(problem)
            continue
        if row.email in seen_email:
            parsed.problems.append(
                RowProblem(
                    line,
                    "dobbel i filen: e-postadressen står også på linje %(other)s",
                    row.email,
                    {"other": seen_email[row.email]},
                )
            )
            continue
        if row.external_id and row.external_id in seen_external:
            parsed.problems.append(
                RowProblem(
                    line,
                    "dobbel i filen: ekstern id står også på linje %(other)s",
                    row.external_id,
                    {"other": seen_external[row.external_id]},
                )
            )
            continue
        seen_email[row.email] = line
        if row.external_id:
            seen_external[row.external_id] = line
        parsed.rows.append(row)
    return parsed


#: longest name, organisation and network the database holds
MAX_NAME = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def _one_line(value: str | None) -> str:
    """A cell as one line: line breaks and control characters become a space (names go into
    e-mail headers, where a line break would start a new header)."""
    return " ".join(_CONTROL.sub(" ", value or "").split())


def _check_row(line: int, f: dict[str, str]) -> tuple[PanelRow | None, RowProblem | None]:
    name = _one_line(f.get("name"))
    if not name:
        return None, RowProblem(line, "navn mangler")
    if len(name) > MAX_NAME:
        return None, RowProblem(
            line,
            "navnet er lengre enn %(max)s tegn (%(n)s)",
            name[:60] + "…",
            {"max": MAX_NAME, "n": len(name)},
        )
    raw_email = f.get("email", "")
    try:
        email = validate_email(raw_email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None, RowProblem(line, "ugyldig e-postadresse", raw_email)
    raw_role = f.get("role", "")
    role = ROLE_ALIASES.get(raw_role.lower(), raw_role.lower())
    if role not in PANEL_ROLES:
        return None, RowProblem(
            line, "ukjent rolle (gyldige: %(valid)s)", raw_role, {"valid": ", ".join(PANEL_ROLES)}
        )
    raw_fylke = f.get("fylke", "")
    fylke = _FYLKE_BY_KEY.get(_key(raw_fylke))
    if fylke is None:
        return None, RowProblem(line, "ukjent fylke (bruk et av de 15 fylkene)", raw_fylke)
    org_number = re.sub(r"\s", "", f.get("org_number", "")) or None
    if org_number and not re.fullmatch(r"\d{9}", org_number):
        return None, RowProblem(line, "organisasjonsnummeret må ha 9 sifre", org_number)
    org_kind = f.get("org_kind", "").lower() or None
    if org_kind and org_kind not in ORG_KINDS_FOR_PERSONS:
        return None, RowProblem(
            line,
            "ukjent organisasjonstype (gyldige: %(valid)s)",
            org_kind,
            {"valid": ", ".join(ORG_KINDS_FOR_PERSONS)},
        )
    organisation = _one_line(f.get("organisation")) or None
    if org_number and not organisation:
        return None, RowProblem(line, "organisasjonsnummer uten organisasjonsnavn", org_number)
    if organisation and len(organisation) > MAX_NAME:
        return None, RowProblem(
            line,
            "organisasjonsnavnet er lengre enn %(max)s tegn (%(n)s)",
            organisation[:60] + "…",
            {"max": MAX_NAME, "n": len(organisation)},
        )
    network = _one_line(f.get("network")) or None
    if network and len(network) > MAX_NAME:
        return None, RowProblem(
            line,
            "navnet på kompetansenettverket er lengre enn %(max)s tegn (%(n)s)",
            network[:60] + "…",
            {"max": MAX_NAME, "n": len(network)},
        )
    external_id = f.get("external_id") or None
    if external_id and len(external_id) > 64:
        return None, RowProblem(line, "ekstern id er lengre enn 64 tegn", external_id[:64])
    return PanelRow(
        line,
        name,
        email,
        role,
        fylke,
        organisation,
        org_number,
        org_kind or (guess_org_kind(organisation, role) if organisation else None),
        network,
        external_id,
    ), None


def guess_org_kind(name: str, role: str) -> str:
    """The organisation kind when the file does not say: from the role and the name."""
    lowered = name.lower()
    if role == "uh":
        return "uh"
    if "fylkeskommune" in lowered:
        return "fylkeskommune"
    if lowered.endswith("kommune") or lowered.endswith("kommune ") or " kommune" in lowered:
        return "kommune"
    if role == "skoleeier":
        return "privat_skoleeier"
    return "skole"
