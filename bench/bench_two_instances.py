"""Two gunicorn instances on different ports sharing one PostgreSQL and one Redis.

    .venv/bin/python bench/bench_two_instances.py [--users 20] [--seconds 20]
        [--pg postgresql://postgres@127.0.0.1:5432] [--redis redis://127.0.0.1:6379/1] [--port 5114]

Uses bench/bench_load.py's database, questionnaire, servers and simulated respondents: it makes
its own database (dropped at the end), starts this app twice (``--port`` and ``--port``+1, 3
sync workers each, both with the same DATABASE_URL and REDIS_URL) and lets half the respondents
fill pages on each instance for a bounded time. Then it compares the answers stored with the
saves acknowledged (zero lost, zero duplicated) and checks that the login rate limit is shared:
ten failed logins, alternating between the instances, and the eleventh is refused with 429 on
both. Exit status 1 if anything is lost or the limit is not shared.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_load import (  # noqa: E402 - after the path is set
    PAGES,
    SECRET,
    Server,
    Tally,
    check_stored,
    create_database,
    drop_database,
    prepare,
    respond,
)

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def failed_login(base: str, opener) -> int:
    """GET the login page, POST a wrong password with its CSRF token; the status."""
    page = opener.open(base + "/auth/login", timeout=10).read().decode()
    token = CSRF.search(page).group(1)
    data = urllib.parse.urlencode(
        {"csrf_token": token, "email": "nobody@example.no", "password": "wrong"}
    ).encode()
    try:
        return opener.open(
            urllib.request.Request(base + "/auth/login", data=data), timeout=10
        ).status
    except urllib.error.HTTPError as exc:
        return exc.code


def shared_limit(ports: list[int]) -> bool:
    """Ten failed logins alternating between the instances; the 11th is 429 on both."""
    openers = [
        urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        for _ in ports
    ]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    first = [failed_login(bases[i % 2], openers[i % 2]) for i in range(10)]
    then = [failed_login(bases[i], openers[i]) for i in range(2)]
    print(f"login limit: 10 failed logins alternating -> {first}; 11th on each instance -> {then}")
    return all(s == 401 for s in first) and then == [429, 429]


def main() -> int:
    """Run both instances under load, check the answers and the shared login limit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="simulated respondents in all")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--port", type=int, default=5114, help="instance A; B on +1")
    parser.add_argument("--invitations", type=int, default=3000)
    args = parser.parse_args()

    dbname = f"bench_two_{os.getpid()}"
    create_database(args.pg, dbname)
    servers: list[Server] = []
    try:
        url = f"postgresql+psycopg://{args.pg.split('://', 1)[1]}/{dbname}"
        tokens, first = prepare(url, args.invitations)
        lock, it = threading.Lock(), iter(tokens)

        class Tokens:
            def __next__(self):
                with lock:
                    return next(it)

        # every simulated respondent comes from 127.0.0.1, and the servers' start-up probes ask
        # for a wrong link (/s/x): lift the per-address wrong-link limit, keep the login limit
        env = {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "REDIS_URL": args.redis,
            "RATELIMIT_KEY_PREFIX": f"bench-two-{os.getpid()}",
            "LINK_LOOKUP_LIMIT": "100000 per minute",
        }
        ports = [args.port, args.port + 1]
        with tempfile.TemporaryDirectory() as tmp:
            for port in ports:
                server = Server("ours", port, dict(env), Path(tmp) / f"ours-{port}.log")
                servers.append(server)  # stopped in `finally` even if it never answers
                server.start()
            tally, rng = Tally(), random.Random(7)
            deadline = time.monotonic() + args.seconds
            threads = [
                threading.Thread(
                    target=respond,
                    args=(
                        ports[i % 2],
                        lambda t: f"/s/{t}/side/{first}",
                        Tokens(),
                        deadline,
                        tally,
                        random.Random(rng.random()),
                    ),
                )
                for i in range(args.users)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            print(
                f"{args.users} respondents on two instances ({PAGES} pages each): {tally.saves} saves "
                f"in {args.seconds:.0f} s, {tally.submits} submitted, errors {tally.errors or 'none'}"
            )
            limit_ok = shared_limit(ports)
        problems = check_stored(args.pg, dbname, tally.acked, {})
        if not limit_ok:
            problems.append("the login limit is not shared between the instances")
        for p in problems:
            print("PROBLEM:", p)
        return 1 if problems else 0
    finally:
        for server in servers:
            server.stop()
        drop_database(args.pg, dbname)


if __name__ == "__main__":
    sys.exit(main())
