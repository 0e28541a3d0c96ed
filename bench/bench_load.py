"""Respondents under load: this app against the minimal app, side by side, on gunicorn + PostgreSQL.

    .venv/bin/python bench/bench_load.py [--users 20,200] [--seconds 20] [--rounds 3]
                                         [--pg postgresql://postgres@127.0.0.1:5432] [--port 5120]

Creates its own PostgreSQL database (dropped at the end), migrates it, imports a questionnaire of
six pages with a 15-row Likert matrix each, and opens a wave with enough invitations. Then, for
each round, each number of users and each app (this app on ``--port``, bench/minimal_app.py on
``--port``+1), it starts gunicorn with 3 sync workers and lets N simulated respondents (threads
with keep-alive connections) GET a page, POST it with answers and follow the 303 to the next
page, for a bounded time; a respondent who reaches the end submits and takes a new invitation.

Server CPU per page save is the CPU time of the gunicorn workers plus the PostgreSQL backends
serving them (from /proc, so the shared machine's other load is not counted) divided by the
saves acknowledged with a 303. Latency percentiles are over every GET and POST. At the end the
answers in the database are compared with the saves acknowledged: any lost, changed or
duplicated answer is reported and makes the script exit with status 1.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = 6
ROWS = 15
SECRET = "bench-load-secret-" + "x" * 32
TICKS = os.sysconf("SC_CLK_TCK")


def questionnaire_yaml(pages: int = PAGES, rows: int = ROWS) -> str:
    """A questionnaire of ``pages`` pages, each a matrix of ``rows`` Likert statements."""
    out = [
        "format: 1",
        "code: bench_load",
        "role: skoleleder",
        "title: {nb: Lasttest}",
        "response_scales:",
        "  enig5:",
        "    points: [{nb: Helt uenig}, {nb: Nokså uenig}, {nb: Verken eller}, {nb: Nokså enig},"
        " {nb: Helt enig}]",
        "    dont_know: {nb: Vet ikke}",
        "pages:",
    ]
    for p in range(1, pages + 1):
        out += [
            f"  - id: side{p}",
            f"    title: {{nb: Side {p}}}",
            "    items:",
            f"      - code: m{p}",
            "        type: matrix",
            "        scale: enig5",
            "        required: true",
            '        text: {nb: "Hvor enig er du?"}',
            "        rows:",
        ]
        out += [
            f"          - {{code: p{p}_{i:02d}, text: {{nb: Påstand nummer {i} på side {p}}}}}"
            for i in range(1, rows + 1)
        ]
    return "\n".join(out) + "\n"


# -- the database -------------------------------------------------------------------------------


def create_database(pg: str, name: str) -> None:
    """CREATE DATABASE ``name`` on the server ``pg``."""
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(pg: str, name: str) -> None:
    """DROP DATABASE ``name`` (closing any connection left)."""
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(url: str, invitations: int) -> tuple[list[str], str]:
    """Migrate, import the questionnaire, open a wave with ``invitations``; returns the tokens."""
    import logging

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from bench.minimal_app import SCHEMA
    from webapp import create_app
    from webapp.domain.questionnaires import import_file
    from webapp.extensions import db
    from webapp.infra.tokens import hash_token, token_for_salt
    from webapp.models import Invitation, Person, Wave, WaveQuestionnaire, new_panel_id, utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade(directory=str(ROOT / "migrations"))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench_load.yaml"
            path.write_text(questionnaire_yaml(), encoding="utf-8")
            version, _ = import_file(path)
        wave = Wave(name="Lasttest", year=2025, status="open")
        wave.questionnaires.append(WaveQuestionnaire(role=version.role, version=version))
        db.session.add(wave)
        db.session.flush()
        first = version.questionnaire.pages[0].id
        people = [{"role": "skoleleder", "panel_id": new_panel_id()} for _ in range(invitations)]
        ids = db.session.execute(sa.insert(Person).returning(Person.id), people).scalars().all()
        tokens, rows = [], []
        for pid in ids:
            salt = os.urandom(16).hex()
            token = token_for_salt(salt)
            tokens.append(token)
            rows.append(
                {
                    "wave_id": wave.id,
                    "person_id": pid,
                    "status": "sent",
                    "token_salt": salt,
                    "sent_at": utcnow(),
                    "token_hash": hash_token(token),
                }
            )
        db.session.execute(sa.insert(Invitation), rows)
        db.session.execute(sa.text(SCHEMA))
        db.session.commit()
        db.engine.dispose()
    return tokens, first


# -- servers and their CPU ----------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def children(pid: int) -> list[int]:
    """Direct children of ``pid``."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except OSError:
                continue
    return out


def backends(pg: str, name: str) -> list[int]:
    """PIDs of the PostgreSQL backends connected to database ``name`` (but this query's own)."""
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return [r[0] for r in rows]


@dataclass
class Server:
    """A gunicorn serving one of the two apps on ``port``."""

    kind: str
    port: int
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Start gunicorn (3 sync workers) and wait until it answers."""
        app = "webapp:create_app()" if self.kind == "ours" else "bench.minimal_app:create()"
        conf = self.log.with_suffix(".conf.py")
        conf.write_text("")  # not the project's gunicorn.conf.py: the same settings for both apps
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.proc = subprocess.Popen(
            [
                str(gunicorn),
                "-c",
                str(conf),
                "-w",
                "3",
                "-k",
                "sync",
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--error-logfile",
                str(self.log),
                app,
            ],
            cwd=ROOT,
            env={**os.environ, **self.env, "PYTHONPATH": str(ROOT)},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/m/x/done" if self.kind == "minimal" else "/s/x")
                conn.getresponse().read()
                conn.close()
                if len(children(self.proc.pid)) >= 3:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn for {self.kind} did not start; see {self.log}")

    def workers(self) -> list[int]:
        """The worker PIDs."""
        return children(self.proc.pid) if self.proc else []

    def stop(self) -> None:
        """Stop gunicorn and wait for it."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


# -- simulated respondents ----------------------------------------------------------------------

HIDDEN = re.compile(r'type="hidden" name="(csrf_token|_revision|_ref)" value="([^"]*)"')
RADIO = re.compile(r'type="radio" id="[^"]*" name="([^"]+)"')
ACTION = re.compile(r'name="_action" value="(\w+)"')


@dataclass
class Tally:
    """What the respondents of one phase saw."""

    get_ms: list[float] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)
    saves: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    acked: dict[str, dict[str, int]] = field(default_factory=dict)  # token -> answers acknowledged
    submits: int = 0
    savers: set[int] = field(default_factory=set)  # threads that have saved at least once
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, what: str) -> None:
        """Count an error of kind ``what``."""
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


class Respondent:
    """One simulated person: a keep-alive connection and a cookie jar of one cookie."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, str]:
        """(status, Location, body text) of one request; reconnects once on a dropped connection."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                text = r.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        cookie = r.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return r.status, r.getheader("Location") or "", text


def respond(
    port: int,
    first_path,
    tokens,
    stop: threading.Event,
    tally: Tally,
    rng: random.Random,
    state: dict,
) -> None:
    """Fill pages until ``stop`` is set: GET, POST, follow the 303; a new invitation at the end.

    ``state`` keeps the respondent's invitation and page across calls, so a measured window
    continues where the warm-up left off (instead of every respondent starting afresh).
    """
    while not stop.is_set():
        if not state.get("path"):
            try:
                state["token"] = next(tokens)
            except StopIteration:
                tally.error("out of invitations")
                return
            state["person"] = Respondent(port)
            state["path"] = first_path(state["token"])
        token, person = state["token"], state["person"]
        path = state["path"]
        t0 = time.perf_counter()
        try:
            status, _, html = person.request("GET", path)
        except OSError:
            tally.error("GET failed")
            state["path"] = None
            continue
        t1 = time.perf_counter()
        if status != 200:
            tally.error(f"GET {status}")
            state["path"] = None
            continue
        form = dict(HIDDEN.findall(html))
        names = list(dict.fromkeys(RADIO.findall(html)))
        action = ACTION.search(html)
        answers = {n: rng.randint(1, 5) for n in names}
        body = urlencode({**form, **answers, "_action": action.group(1) if action else "next"})
        t2 = time.perf_counter()
        try:
            status, location, _ = person.request("POST", path, body)
        except OSError:
            tally.error("POST failed")
            state["path"] = None
            continue
        t3 = time.perf_counter()
        with tally.lock:
            tally.get_ms.append((t1 - t0) * 1000)
            tally.post_ms.append((t3 - t2) * 1000)
        if status != 303:
            tally.error(f"POST {status}")
            state["path"] = None
            continue
        with tally.lock:
            tally.saves += 1
            tally.acked.setdefault(token, {}).update(answers)
            tally.savers.add(threading.get_ident())
        path = location.split("://", 1)[-1].split("/", 1)[-1] if "://" in location else location
        path = "/" + path.lstrip("/")
        if path.rstrip("/").endswith(("/done", token)):  # the end: thanks page
            with tally.lock:
                tally.submits += 1
            path = None
        state["path"] = path


@dataclass
class Phase:
    """The figures of one app at one number of users."""

    kind: str
    users: int
    seconds: float
    saves: int
    cpu_workers: float
    cpu_db: float
    get_ms: list[float]
    post_ms: list[float]
    errors: dict[str, int]

    @property
    def cpu_ms_per_save(self) -> float:
        """Server CPU (workers + database) per acknowledged page save, in ms."""
        return 1000 * (self.cpu_workers + self.cpu_db) / max(self.saves, 1)

    def pct(self, q: float) -> float:
        """The q-th percentile of all request latencies (ms)."""
        values = sorted(self.get_ms + self.post_ms)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, max(0, round(q / 100 * len(values)) - 1))]


def run_phase(
    server: Server,
    users: int,
    seconds: float,
    warmup: float,
    tokens,
    first_path,
    pg: str,
    dbname: str,
    acked: dict[str, dict[str, int]],
) -> Phase:
    """Load ``server`` with ``users`` respondents; measure ``seconds`` once all are under way.

    The warm-up lasts until every respondent has saved a page (at most ``warmup`` seconds): opening
    a link creates the response once per respondent, and a window that begins with 200 people
    opening their links at the same moment would measure that, not page saves. In the measured
    window respondents who finish start new invitations, so opening links is counted in its
    natural proportion (one in six saves).
    """
    server.start()
    try:
        rng = random.Random(users)
        tally, warm = Tally(), Tally()
        warming, stopping = threading.Event(), threading.Event()
        threads = []
        for i in range(users):
            t = threading.Thread(
                target=_two_windows,
                args=(
                    server.port,
                    first_path,
                    tokens,
                    warming,
                    stopping,
                    warm,
                    tally,
                    random.Random(rng.random() + i),
                ),
                daemon=True,
            )
            t.start()
            threads.append(t)
        started = time.monotonic()
        while len(warm.savers) < users and time.monotonic() - started < warmup:
            time.sleep(0.2)
        warming.set()
        procs0 = {p: cpu_seconds(p) for p in server.workers()}
        db0 = {p: cpu_seconds(p) for p in backends(pg, dbname)}
        t0 = time.monotonic()
        time.sleep(seconds)
        procs1 = {p: cpu_seconds(p) for p in server.workers()}
        db1 = {p: cpu_seconds(p) for p in backends(pg, dbname)}
        elapsed = time.monotonic() - t0
        stopping.set()
        for t in threads:
            t.join(60)
        for tal in (warm, tally):
            for token, answers in tal.acked.items():
                acked.setdefault(token, {}).update(answers)
        return Phase(
            server.kind,
            users,
            elapsed,
            tally.saves,
            sum(procs1[p] - procs0.get(p, 0.0) for p in procs1),
            sum(db1[p] - db0.get(p, 0.0) for p in db1),
            tally.get_ms,
            tally.post_ms,
            {**warm.errors, **tally.errors},
        )
    finally:
        server.stop()


def _two_windows(port, first_path, tokens, warming, stopping, warm, tally, rng) -> None:
    state: dict = {}
    respond(port, first_path, tokens, warming, warm, rng, state)
    respond(port, first_path, tokens, stopping, tally, rng, state)


# -- checking what was stored ---------------------------------------------------------------------


def check_stored(pg: str, dbname: str, ours: dict, minimal: dict) -> list[str]:
    """Compare the answers in the database with the saves acknowledged; returns the problems."""
    import psycopg

    problems = []
    with psycopg.connect(f"{pg}/{dbname}") as conn:
        rows = conn.execute(
            "SELECT i.token_hash, a.item_code, a.value_num FROM answer a "
            "JOIN response r ON r.id = a.response_id JOIN invitation i ON i.id = r.invitation_id"
        ).fetchall()
        dup = conn.execute(
            "SELECT count(*) FROM (SELECT response_id, item_code FROM answer "
            "GROUP BY 1, 2 HAVING count(*) > 1) d"
        ).fetchone()[0]
        mrows = conn.execute("SELECT token, item_code, value FROM min_answer").fetchall()
    for label, stored_rows, acked, key in (
        ("this app", rows, ours, lambda t: hashlib.sha256(t.encode()).hexdigest()),
        ("minimal app", mrows, minimal, lambda t: t),
    ):
        stored: dict[str, dict[str, float]] = {}
        for who, code, value in stored_rows:
            stored.setdefault(who, {})[code] = value
        lost = changed = 0
        for token, answers in acked.items():
            have = stored.get(key(token), {})
            for code, value in answers.items():
                if code not in have:
                    lost += 1
                elif have[code] != value:
                    changed += 1
        expected = sum(len(a) for a in acked.values())
        extra = len(stored_rows) - (expected - lost)
        print(
            f"{label}: {expected} answers acknowledged, {len(stored_rows)} stored; "
            f"lost {lost}, changed {changed}, stored without acknowledgement {extra}"
        )
        if lost or changed:
            problems.append(f"{label}: {lost} lost, {changed} changed")
    if dup:
        problems.append(f"this app: {dup} duplicated answers")
    print(f"duplicated (response, item) rows: {dup}")
    return problems


# -- main -------------------------------------------------------------------------------------------


def main() -> int:
    """Run the benchmark and print the figures; exit status 1 if an answer was lost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="20,200", help="comma-separated user counts")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per phase")
    parser.add_argument(
        "--warmup",
        type=float,
        default=90.0,
        help="at most this many unmeasured seconds, until every respondent has saved",
    )
    parser.add_argument("--rounds", type=int, default=3, help="repetitions (medians reported)")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432", help="server URL")
    parser.add_argument("--port", type=int, default=5120, help="this app's port; minimal on +1")
    parser.add_argument("--invitations", type=int, default=20000)
    parser.add_argument("--only", choices=("ours", "minimal"), help="run one app only")
    args = parser.parse_args()
    users = [int(u) for u in args.users.split(",")]

    dbname = f"bench_load_{os.getpid()}"
    create_database(args.pg, dbname)
    try:
        url = f"postgresql+psycopg://{args.pg.split('://', 1)[1]}/{dbname}"
        tokens, first = prepare(url, args.invitations)
        lock = threading.Lock()
        it = iter(tokens)

        class Tokens:
            def __next__(self):
                with lock:
                    return next(it)

        with tempfile.TemporaryDirectory() as tmp:
            servers = {
                "ours": Server(
                    "ours",
                    args.port,
                    {"DATABASE_URL": url, "SECRET_KEY": SECRET},
                    Path(tmp) / "ours.log",
                ),
                "minimal": Server(
                    "minimal",
                    args.port + 1,
                    {"MINIMAL_DSN": f"{args.pg}/{dbname}", "MINIMAL_PAGES": str(PAGES)},
                    Path(tmp) / "minimal.log",
                ),
            }
            paths = {"ours": lambda t: f"/s/{t}/side/{first}", "minimal": lambda t: f"/m/{t}/1"}
            acked: dict[str, dict[str, dict[str, int]]] = {"ours": {}, "minimal": {}}
            phases: list[Phase] = []
            kinds = [args.only] if args.only else ["ours", "minimal"]
            for r in range(args.rounds):
                for n in users:
                    for kind in kinds if r % 2 == 0 else kinds[::-1]:
                        ph = run_phase(
                            servers[kind],
                            n,
                            args.seconds,
                            args.warmup,
                            Tokens(),
                            paths[kind],
                            args.pg,
                            dbname,
                            acked[kind],
                        )
                        phases.append(ph)
                        print(
                            f"round {r + 1} {kind:7} {n:4} users: {ph.saves / ph.seconds:6.1f} saves/s, "
                            f"CPU {ph.cpu_ms_per_save:5.1f} ms/save "
                            f"(workers {1000 * ph.cpu_workers / max(ph.saves, 1):.1f}, "
                            f"db {1000 * ph.cpu_db / max(ph.saves, 1):.1f}), "
                            f"p50 {ph.pct(50):.0f} ms, p95 {ph.pct(95):.0f} ms"
                            + (f", errors {ph.errors}" if ph.errors else ""),
                            flush=True,
                        )
        print()
        print("median over rounds        | saves/s | CPU ms/save | p50 ms | p95 ms")
        summary = {}
        for n in users:
            for kind in kinds:
                sel = [p for p in phases if p.kind == kind and p.users == n]
                row = (
                    statistics.median(p.saves / p.seconds for p in sel),
                    statistics.median(p.cpu_ms_per_save for p in sel),
                    statistics.median(p.pct(50) for p in sel),
                    statistics.median(p.pct(95) for p in sel),
                )
                summary[(kind, n)] = row
                print(
                    f"{kind:7} {n:4} users          | {row[0]:7.1f} | {row[1]:11.1f} | {row[2]:6.0f} | {row[3]:6.0f}"
                )
            if len(kinds) == 2:
                ratios = [
                    p.cpu_ms_per_save / m.cpu_ms_per_save
                    for p, m in zip(
                        [p for p in phases if p.kind == "ours" and p.users == n],
                        [p for p in phases if p.kind == "minimal" and p.users == n],
                        strict=True,
                    )
                ]
                print(
                    f"ratio ours/minimal, {n} users: CPU per save {statistics.median(ratios):.2f}x "
                    f"(per round: {', '.join(f'{x:.2f}' for x in ratios)})"
                )
        problems = check_stored(args.pg, dbname, acked["ours"], acked["minimal"])
        for p in problems:
            print("PROBLEM:", p)
        return 1 if problems else 0
    finally:
        drop_database(args.pg, dbname)


if __name__ == "__main__":
    sys.exit(main())
