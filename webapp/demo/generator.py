"""A realistic synthetic dekom panel for the demo: four roles, five fylker, waves 2021-2025.

Planted trends follow the evaluation note (2021 to 2023): samarbeid up, likeverd down, lokal
involvering down for skoleledere and tillitsvalgte, behovstilpasning up. Persons carry a stable
trait per scale, so panel members' answers correlate across waves; 2023 keeps about 70 % of the
2021 panel and adds new persons (attrition and refreshment); 2025 is open with some invitations
unsent, some sent, some answered.

2021 and 2023 run on instrument version 1; 2025 runs on version 2 (questionnaires/v2), answered
plausibly: the actor × phase matrix follows the note (TN7 2.2, 4.1.4): skoleledere, tillitsvalgte
and teachers are less involved than the partnership itself, least in behovskartlegging,
prioritering and evaluering, and they see their own involvement as lower than skoleeiere and UH
see it; partners' listening goes with satisfaction, also where involvement is low.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from questionnaires import (
    INSTRUMENT_DIR,
    NOT_APPLICABLE,
    Questionnaire,
    Scale,
    evaluate_condition,
    instrument_versions,
    load_scales,
    scale_files,
)
from questionnaires.model import FYLKER

from ..domain.questionnaires import import_file
from ..extensions import db
from ..infra.tokens import assign_token
from ..models import (
    Answer,
    Contact,
    Invitation,
    Organisation,
    Person,
    QuestionnaireVersion,
    Response,
    User,
    Wave,
    WaveQuestionnaire,
)
from ..models.response import answer_columns
from .text import free_text

DEMO_FYLKER = ("Trøndelag", "Vestland", "Nordland", "Agder", "Innlandet")
ROLE_SHARE = {"skoleeier": 0.22, "skoleleder": 0.38, "tillitsvalgt": 0.25, "uh": 0.15}
ROLE_LEVEL = {"skoleeier": 0.35, "skoleleder": 0.1, "tillitsvalgt": -0.35, "uh": 0.25}
UH = (
    "NTNU",
    "Universitetet i Bergen",
    "Nord universitet",
    "Universitetet i Agder",
    "Høgskolen i Innlandet",
    "Høgskulen på Vestlandet",
    "OsloMet",
)
FIRST = (
    "Kari",
    "Ola",
    "Ingrid",
    "Lars",
    "Sigrid",
    "Nils",
    "Ane",
    "Per",
    "Hilde",
    "Jon",
    "Marit",
    "Ole",
    "Silje",
    "Eirik",
    "Tone",
    "Knut",
    "Liv",
    "Arne",
    "Randi",
    "Tor",
    "Camilla",
    "Amir",
    "Fatima",
    "Sander",
)
LAST = (
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Berg",
    "Haugen",
    "Hagen",
    "Bakken",
    "Solberg",
    "Moen",
    "Lie",
    "Strand",
    "Dahl",
)
WAVES = ((2021, "closed"), (2023, "closed"), (2025, "open"))
#: the instrument version each wave runs on
WAVE_VERSION = {2021: 1, 2023: 1, 2025: 2}
#: actor × phase (v2): mean shift by phase, by actor, and for rating one's own group (TN7 2.2, 4.1.4)
ACTOR_PHASE = {"behov": -0.55, "prior": -0.75, "plan": -0.2, "gjenn": 0.35, "eval": -0.6}
ACTOR_LEVEL = {"sl": -0.1, "tv": -0.65, "lar": -0.45}
ACTOR_SELF = {("sl", "skoleleder"), ("tv", "tillitsvalgt")}
#: (item prefix, role) -> chance of "ikke relevant" where the item may not apply to the role
NOT_APPLICABLE_CHANCE = {
    ("sam_", "tillitsvalgt"): 0.3,
    ("medbest", "uh"): 0.6,
    ("res_laering", "uh"): 0.35,
    ("res_miljo", "uh"): 0.35,
}
#: scale -> wave -> shift of the mean (role-specific overrides below)
TREND = {
    "samarbeid": {2021: 0.0, 2023: 0.35, 2025: 0.45},
    "likeverd": {2021: 0.0, 2023: -0.30, 2025: -0.25},
    "behovstilpasning": {2021: 0.0, 2023: 0.30, 2025: 0.35},
    "opplevd_effekt": {2021: 0.0, 2023: 0.15, 2025: 0.20},
    "lokal_involvering": {2021: 0.0, 2023: 0.05, 2025: 0.05},
}
ROLE_TREND = {
    ("lokal_involvering", "skoleleder"): {2021: 0.0, 2023: -0.40, 2025: -0.35},
    ("lokal_involvering", "tillitsvalgt"): {2021: 0.0, 2023: -0.45, 2025: -0.40},
}


@dataclass
class DemoResult:
    """What the demo loader made, for printing."""

    users: dict[str, str] = field(default_factory=dict)
    password: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    respondent_link_invitation_id: int | None = None


def _shift(scale: str | None, role: str, year: int) -> float:
    if scale is None:
        return 0.0
    table = ROLE_TREND.get((scale, role)) or TREND.get(scale) or {}
    return table.get(year, 0.0)


def _organisations(rng: random.Random) -> dict[str, list[Organisation]]:
    orgs: dict[str, list[Organisation]] = {"network": [], "kommune": [], "skole": [], "uh": []}
    for i, fylke in enumerate(DEMO_FYLKER):
        for n in range(2):
            orgs["network"].append(
                Organisation(
                    kind="kompetansenettverk",
                    name=f"{fylke} {['nord', 'sør'][n]} kompetansenettverk",
                    fylke=fylke,
                )
            )
        for k in range(4):
            kommune = Organisation(
                kind="kommune",
                name=f"{fylke} kommune {k + 1}",
                fylke=fylke,
                org_number=str(964_000_000 + i * 1000 + k * 10),
            )
            orgs["kommune"].append(kommune)
            for s in range(3):
                orgs["skole"].append(
                    Organisation(
                        kind="skole",
                        name=f"{kommune.name}, skole {s + 1}",
                        fylke=fylke,
                        org_number=str(974_000_000 + i * 1000 + k * 10 + s),
                    )
                )
        orgs["uh"].append(Organisation(kind="uh", name=UH[i], fylke=fylke))
    for group in orgs.values():
        db.session.add_all(group)
    db.session.flush()
    return orgs


def _new_person(
    rng: random.Random, role: str, orgs: dict, serial: int, used_emails: set[str]
) -> Person:
    fylke_i = rng.randrange(len(DEMO_FYLKER))
    fylke = DEMO_FYLKER[fylke_i]
    org_kind = {"skoleeier": "kommune", "skoleleder": "skole", "tillitsvalgt": "skole", "uh": "uh"}[
        role
    ]
    candidates = [o for o in orgs[org_kind] if o.fylke == fylke]
    networks = [o for o in orgs["network"] if o.fylke == fylke]
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = f"{first}.{last}.{serial}@example.no".lower()
    used_emails.add(email)
    person = Person(
        role=role,
        fylke=fylke,
        organisation=rng.choice(candidates),
        network=rng.choice(networks),
        external_id=f"DEMO-{serial:05d}",
    )
    person.contact = Contact(name=f"{first} {last}", email=email)
    return person


def _answers(
    q: Questionnaire,
    rng: random.Random,
    traits: dict[str, float],
    role: str,
    year: int,
    item_scale: dict[str, str],
    fylke_value: int,
    reverse: set[str],
    straight: bool,
) -> dict:
    """Answer the whole questionnaire as this person would, respecting show_if."""
    answers: dict = {}
    for page in q.pages:
        if not evaluate_condition(page.show_if, answers):
            continue
        for item in page.items:
            if not evaluate_condition(item.show_if, answers):
                continue
            rows = item.rows or [item]
            straight_value = rng.randint(3, 5)
            for leaf in rows:
                value = _answer_one(
                    leaf, item, q, rng, traits, role, year, item_scale, fylke_value, reverse
                )
                if (
                    straight
                    and item.type == "matrix"
                    and value not in ("dont_know", NOT_APPLICABLE)
                ):
                    value = straight_value
                if value is not None:
                    answers[leaf.code] = value
    return answers


def _answer_one(leaf, item, q, rng, traits, role, year, item_scale, fylke_value, reverse):
    if leaf.code == "bg_fylke":
        return fylke_value
    if leaf.code == "deltatt_tiltak":
        return 1 if rng.random() < 0.8 else rng.choice([2, 3]) if len(leaf.options) > 2 else 2
    if not leaf.required and rng.random() < 0.04:
        return None  # item non-response
    kind = leaf.type
    if kind == "likert":
        if leaf.not_applicable:
            chance = next(
                (
                    c
                    for (prefix, r), c in NOT_APPLICABLE_CHANCE.items()
                    if r == role and leaf.code.startswith(prefix)
                ),
                0.02,
            )
            if rng.random() < chance:
                return NOT_APPLICABLE
        if leaf.dont_know and rng.random() < 0.05:
            return "dont_know"
        scale = item_scale.get(leaf.code)
        n_points = q.response_scales[leaf.scale].max
        mu = 3.1 + ROLE_LEVEL[role] + _shift(scale, role, year) + traits.get(scale or "_", 0.0)
        if leaf.code.startswith("akt_"):  # actor × phase: local actors less involved
            _, actor, phase = leaf.code.split("_")
            mu = (
                2.9
                + ACTOR_LEVEL[actor]
                + ACTOR_PHASE[phase]
                + traits.get(scale or "_", 0.0)
                + (
                    -0.4
                    if (actor, role) in ACTOR_SELF
                    else 0.25
                    if role in ("skoleeier", "uh")
                    else 0.0
                )
            )
        elif leaf.code.startswith("fornoyd"):  # satisfied when heard, whatever the involvement
            mu = (
                3.7 + 0.6 * traits.get("lydhorhet", 0.0) + 0.3 * traits.get("behovstilpasning", 0.0)
            )
        if leaf.code in reverse:
            mu = n_points + 1 - mu
        return int(min(n_points, max(1, round(rng.gauss(mu, 0.75)))))
    if kind == "single":
        return rng.choice(leaf.options).value
    if leaf.code == "behov_kartlagt":  # where needs were found (TN7 4.1.4, table 1)
        return [9] if rng.random() < 0.12 else sorted(rng.sample([1, 2, 3], rng.randint(1, 2)))
    if leaf.code == "tiltak_start":
        return rng.randint(2019, year)
    if kind == "multi":
        k = rng.randint(1, min(3, len(leaf.options)))
        return sorted(o.value for o in rng.sample(leaf.options, k))
    if kind == "number":
        lo = int(leaf.min if leaf.min is not None else 0)
        hi = int(leaf.max if leaf.max is not None else lo + 100)
        return int(min(hi, max(lo, round(rng.lognormvariate(2.5, 0.8)))))
    if kind == "text":
        return (
            None
            if rng.random() < 0.6
            else rng.choice(["Nettverk nord", "Regionalt nettverk", "Vet ikke"])
        )
    if kind == "longtext":
        if leaf.code == "suksess_tekst":
            return free_text(rng) if rng.random() < 0.55 else None
        return None if rng.random() < 0.85 else free_text(rng)
    return None


def _answer_rows(response_id: int, answers: dict) -> list[dict]:
    return [
        {"response_id": response_id, "item_code": code, **answer_columns(value)}
        for code, value in answers.items()
    ]


def load_demo(seed: int = 2023, size: int = 400, password: str = "dekom-demo-2025") -> DemoResult:
    """Create users, the panel, waves 2021/2023 (closed, answered) and 2025 (open); caller commits."""
    rng = random.Random(seed)
    result = DemoResult(password=password, users=_users(password))
    instrument = _Instrument.load()
    # version-2 traits come from their own stream, so the 2021 and 2023 data stay as before
    panel_maker = _PanelMaker(rng, random.Random(seed + 1), _organisations(rng), instrument)
    panel = panel_maker.recruit(size)
    counts = {"persons": 0, "invitations": 0, "responses": 0, "answers": 0}
    for year, status in WAVES:
        if year > 2021:
            panel = _stayers(panel, year, rng) + panel_maker.recruit(int(size * 0.3))
        versions = instrument.by_version.get(WAVE_VERSION[year], instrument.by_version[1])
        wave = _wave(year, status, versions)
        answer_rows: list[dict] = []
        for p in panel:
            inv, complete = _invite(wave, p, rng)
            counts["invitations"] += 1
            if complete is None:
                continue
            answer_rows += _respond(
                inv, wave, p, complete, versions[p.role], instrument, panel_maker.traits[p.id], rng
            )
            counts["responses"] += 1
        if answer_rows:
            db.session.execute(sa.insert(Answer), answer_rows)
        counts["answers"] += len(answer_rows)
        if status == "open":
            result.respondent_link_invitation_id = db.session.scalar(
                sa.select(Invitation.id)
                .where(Invitation.wave_id == wave.id, Invitation.status == "pending")
                .limit(1)
            )
    counts["persons"] = panel_maker.serial
    result.counts = counts
    return result


def _users(password: str) -> dict[str, str]:
    """The admin, evaluator and researcher accounts (made when missing): role -> e-mail."""
    users = {}
    for role, email in (
        ("admin", "admin@dekom.local"),
        ("evaluator", "evaluator@dekom.local"),
        ("researcher", "forsker@dekom.local"),
    ):
        if db.session.scalar(sa.select(User).where(User.email == email)) is None:
            user = User(
                email=email,
                name={
                    "admin": "Admin",
                    "evaluator": "Eva Evaluator",
                    "researcher": "Forsker Fjeld",
                }[role],
                role=role,
            )
            user.set_password(password)
            db.session.add(user)
        users[role] = email
    return users


@dataclass
class _Instrument:
    """The imported questionnaire versions and what the answers need from the scales."""

    by_version: dict[int, dict[str, QuestionnaireVersion]]  # version number -> role -> version
    scales: list[Scale]  # version 1's scales
    new_codes: list[str]  # scales that version 1 does not have
    item_scale: dict[str, str]  # item code -> scale code
    reverse: set[str]  # reverse-keyed items

    @classmethod
    def load(cls) -> _Instrument:
        """Import every version of the shipped instrument (version 1 first) and read its scales."""
        by_version: dict[int, dict[str, QuestionnaireVersion]] = {}
        for number, files in instrument_versions(INSTRUMENT_DIR).items():
            by_version[number] = {}
            for path in files.values():
                version, _ = import_file(path)
                by_version[number][version.role] = version
        scale_sets = {v: load_scales(path) for v, path in scale_files(INSTRUMENT_DIR).items()}
        scales = scale_sets[1]
        later = [s for v, ss in sorted(scale_sets.items()) if v > 1 for s in ss]
        return cls(
            by_version=by_version,
            scales=scales,
            new_codes=sorted({s.code for s in later} - {s.code for s in scales}),
            item_scale={i: s.code for s in [*later, *scales] for i in s.items},
            reverse={i for ss in scale_sets.values() for s in ss for i in s.reverse},
        )


class _PanelMaker:
    """Recruits new panel members, each with a stable trait per scale."""

    def __init__(
        self,
        rng: random.Random,
        rng_v2: random.Random,
        orgs: dict[str, list[Organisation]],
        instrument: _Instrument,
    ) -> None:
        self.rng, self.rng_v2, self.orgs, self.instrument = rng, rng_v2, orgs, instrument
        self.traits: dict[int, dict[str, float]] = {}
        self.serial = 0  # persons made so far
        self.used: set[str] = set()

    def recruit(self, n: int) -> list[Person]:
        """``n`` new persons, roles drawn by :data:`ROLE_SHARE` (flushed, so they have ids)."""
        rng = self.rng
        made = []
        for _ in range(n):
            self.serial += 1
            role = rng.choices(list(ROLE_SHARE), weights=list(ROLE_SHARE.values()))[0]
            made.append(_new_person(rng, role, self.orgs, self.serial, self.used))
        db.session.add_all(made)
        db.session.flush()
        for p in made:
            self.traits[p.id] = {s.code: rng.gauss(0, 0.55) for s in self.instrument.scales} | {
                "_": rng.gauss(0, 0.4)
            }
            self.traits[p.id] |= {
                code: self.rng_v2.gauss(0, 0.55) for code in self.instrument.new_codes
            }
        return made


def _stayers(panel: list[Person], year: int, rng: random.Random) -> list[Person]:
    """The panel members who stay for ``year``; about a quarter leave the summer before."""
    leavers = [p for p in panel if rng.random() < 0.25]
    for p in leavers:
        p.left_at = datetime(year - 1, 8, 1, tzinfo=UTC)
    return [p for p in panel if p not in leavers]


def _wave(year: int, status: str, versions: dict[str, QuestionnaireVersion]) -> Wave:
    """The wave of ``year``: six weeks from 1 February, each role on its questionnaire version."""
    opens = datetime(year, 2, 1, 8, tzinfo=UTC)
    closes = opens + timedelta(days=42)
    if status == "open" and closes <= datetime.now(UTC):
        # the worker's schedule would close it at once: keep the open wave open six more weeks
        closes = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(
            days=42
        )
    wave = Wave(name=f"Dekom {year}", year=year, status=status, opens_at=opens, closes_at=closes)
    for role, version in versions.items():
        wave.questionnaires.append(WaveQuestionnaire(role=role, version=version))
    db.session.add(wave)
    db.session.flush()
    return wave


def _invite(wave: Wave, person: Person, rng: random.Random) -> tuple[Invitation, bool | None]:
    """Invite ``person``: left pending (open wave), sent and perhaps reminded, or opened.

    Returns the invitation and, when it was opened, whether the response is complete (else None).
    """
    inv = Invitation(wave_id=wave.id, person_id=person.id)
    assign_token(inv)
    db.session.add(inv)
    if wave.status == "open" and rng.random() < 0.35:
        return inv, None  # not sent yet
    inv.status = "sent"
    inv.sent_at = wave.opens_at + timedelta(hours=rng.uniform(0, 6))
    behaviour = rng.random()
    respond = 0.62 if wave.status == "closed" else 0.4
    if behaviour > respond + 0.12:
        if rng.random() < 0.4:
            inv.reminder_count, inv.last_reminded_at = 1, inv.sent_at + timedelta(days=7)
        return inv, None
    inv.opened_at = inv.sent_at + timedelta(hours=rng.expovariate(1 / 40))
    return inv, behaviour <= respond


def _respond(
    inv: Invitation,
    wave: Wave,
    person: Person,
    complete: bool,
    version: QuestionnaireVersion,
    instrument: _Instrument,
    traits: dict[str, float],
    rng: random.Random,
) -> list[dict]:
    """The person's response to an opened invitation (complete, or partial / in progress); the
    rows of its answers, to insert."""
    q = version.questionnaire
    year = wave.year
    fylke_value = DEMO_FYLKER_CODES[person.fylke]
    answers = _answers(
        q,
        rng,
        traits,
        person.role,
        year,
        instrument.item_scale,
        fylke_value,
        instrument.reverse,
        straight=rng.random() < 0.03,
    )
    if not complete:
        keep = rng.randint(3, max(4, len(answers) // 2))
        answers = dict(list(answers.items())[:keep])
    duration = timedelta(seconds=rng.choice([rng.uniform(60, 140)] + [rng.uniform(420, 1500)] * 30))
    resp = Response(
        invitation_id=0,
        wave_id=wave.id,
        person_id=person.id,
        questionnaire_version_id=version.id,
        status="complete" if complete else ("in_progress" if wave.status == "open" else "partial"),
        current_page=q.pages[-1].id if complete else q.pages[1].id,
        language=rng.choice(["nb"] * 8 + ["nn", "en"]),
        started_at=inv.opened_at,
        submitted_at=inv.opened_at + duration if complete else None,
    )
    resp.updated_at = resp.submitted_at or inv.opened_at + duration / 2
    if complete:
        inv.submitted_at = resp.submitted_at
    db.session.flush()
    resp.invitation_id = inv.id
    db.session.add(resp)
    db.session.flush()
    return _answer_rows(resp.id, answers)


DEMO_FYLKER_CODES = {name: i + 1 for i, name in enumerate(FYLKER)}


def demo_loaded() -> bool:
    """True when the database already holds waves (the demo or real data)."""
    return db.session.scalar(sa.select(sa.func.count(Wave.id))) > 0
