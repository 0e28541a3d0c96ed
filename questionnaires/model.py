"""The normalised questionnaire: pages, items, options and answer scales as plain dataclasses."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

LANGUAGES = ("nb", "nn", "en")
#: the four respondent roles of the dekom panel; the one list every layer uses
ROLES = ("skoleeier", "skoleleder", "tillitsvalgt", "uh")
#: the fylker from 2024 (the panel's and the demo's fylke values)
FYLKER = (
    "Agder",
    "Akershus",
    "Buskerud",
    "Finnmark",
    "Innlandet",
    "Møre og Romsdal",
    "Nordland",
    "Oslo",
    "Rogaland",
    "Telemark",
    "Troms",
    "Trøndelag",
    "Vestfold",
    "Vestland",
    "Østfold",
)
ITEM_TYPES = ("likert", "matrix", "single", "multi", "number", "text", "longtext")
DONT_KNOW = "dont_know"
#: "ikke relevant", kept apart from "vet ikke" where an item may not apply to a role (v2 on)
NOT_APPLICABLE = "not_applicable"
#: the named missing codes a likert answer may hold instead of a number
MISSING_ANSWERS = (DONT_KNOW, NOT_APPLICABLE)

Text = dict[str, str]


def tr(text: Text | None, lang: str) -> str:
    """Return ``text`` in ``lang``, falling back to bokmål (nb)."""
    if not text:
        return ""
    return text.get(lang) or text.get("nb") or ""


@dataclass
class Option:
    """One answer option of a single or multi choice item."""

    value: int
    label: Text


@dataclass
class ResponseScale:
    """Labelled points 1..n of a likert scale, and the 'vet ikke' label."""

    name: str
    points: list[Text]
    dont_know: Text | None = None
    #: label of the separate "ikke relevant" option (None: the scale has none)
    not_applicable: Text | None = None

    @property
    def max(self) -> int:
        """The highest value on the scale."""
        return len(self.points)


@dataclass
class Item:
    """One question; a matrix holds its sub-items in ``rows``."""

    code: str
    type: str
    text: Text
    help: Text | None = None
    required: bool = False
    show_if: dict[str, Any] | None = None
    scale: str | None = None
    dont_know: bool = True
    #: offer "ikke relevant" apart from "vet ikke" (None, not False, so v1 hashes stay the same)
    not_applicable: bool | None = None
    options: list[Option] = field(default_factory=list)
    min_choices: int | None = None
    max_choices: int | None = None
    min: float | None = None
    max: float | None = None
    integer: bool = False
    unit: Text | None = None
    max_length: int | None = None
    rows: list[Item] = field(default_factory=list)

    @property
    def is_answerable(self) -> bool:
        """True when the item itself stores an answer (a matrix stores its rows' answers)."""
        return self.type != "matrix"


@dataclass
class Page:
    """A page of the form: a title and the items shown together."""

    id: str
    title: Text
    items: list[Item]
    intro: Text | None = None
    show_if: dict[str, Any] | None = None


@dataclass
class Questionnaire:
    """A whole questionnaire for one role, with includes resolved."""

    code: str
    role: str
    title: Text
    pages: list[Page]
    response_scales: dict[str, ResponseScale]
    intro: Text | None = None
    format: int = 1
    #: instrument version declared in the file (``version: 2``); None means version 1
    version: int | None = None
    #: how long answering takes, [fewest, most] minutes; shown on the start page and in e-mails
    minutes: list[int] | None = None

    @property
    def instrument_version(self) -> int:
        """The instrument version this questionnaire belongs to (1 when the file names none)."""
        return self.version or 1

    def to_dict(self) -> dict[str, Any]:
        """Return the definition as plain JSON-able data (what a version stores)."""
        return _prune(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Questionnaire:
        """Rebuild a questionnaire from ``to_dict`` output (e.g. a stored version)."""
        scales = {
            name: ResponseScale(**s) for name, s in (data.get("response_scales") or {}).items()
        }
        pages = [
            Page(
                id=p["id"],
                title=p["title"],
                items=[_item_from_dict(i) for i in p.get("items", [])],
                intro=p.get("intro"),
                show_if=p.get("show_if"),
            )
            for p in data.get("pages", [])  # to_dict drops an empty list
        ]
        return cls(
            code=data["code"],
            role=data["role"],
            title=data["title"],
            pages=pages,
            response_scales=scales,
            intro=data.get("intro"),
            format=data.get("format", 1),
            version=data.get("version"),
            minutes=data.get("minutes"),
        )

    def minutes_text(self) -> str:
        """How long it takes as «10–15» (empty when the questionnaire does not say)."""
        if not self.minutes:
            return ""
        low, high = self.minutes[0], self.minutes[-1]
        return str(low) if low == high else f"{low}\u2013{high}"

    def content_hash(self) -> str:
        """SHA-256 over the canonical JSON of the definition."""
        return content_hash(self.to_dict())

    def leaf_items(self) -> list[tuple[Page, Item, Item | None]]:
        """Every answerable item as (page, item, parent matrix or None), in form order."""
        out: list[tuple[Page, Item, Item | None]] = []
        for page in self.pages:
            for item in page.items:
                if item.type == "matrix":
                    out.extend((page, row, item) for row in item.rows)
                else:
                    out.append((page, item, None))
        return out

    def item_codes(self) -> list[str]:
        """Codes of every answerable item, in form order."""
        return [item.code for _, item, _ in self.leaf_items()]

    def find_item(self, code: str) -> Item | None:
        """Return the answerable item (or matrix) with ``code``."""
        for page in self.pages:
            for item in page.items:
                if item.code == code:
                    return item
                for row in item.rows:
                    if row.code == code:
                        return row
        return None

    def page_index(self, page_id: str) -> int | None:
        """Return the position of the page with ``page_id``."""
        for i, page in enumerate(self.pages):
            if page.id == page_id:
                return i
        return None


def _item_from_dict(data: dict[str, Any]) -> Item:
    data = dict(data)
    data["options"] = [Option(**o) for o in data.get("options", [])]
    data["rows"] = [_item_from_dict(r) for r in data.get("rows", [])]
    return Item(**data)


def _prune(value: Any) -> Any:
    """Drop None values and empty lists so the canonical form does not depend on defaults."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def canonical_json(data: Any) -> str:
    """Serialise ``data`` with sorted keys and no whitespace, for hashing."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(data: Any) -> str:
    """SHA-256 hex digest of the canonical JSON of ``data``."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()
