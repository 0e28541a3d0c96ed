#!/usr/bin/env python3
"""Set up and run dekom-eval with nothing but Python 3.11.

    python3 manage.py demo   # venv, install, build the SQLite database, load demo data, serve
                             # with gunicorn and a job worker (PORT, default 5000)
    python3 manage.py test   # venv, install, run the whole test suite (SQLite, then PostgreSQL
                             # too when TEST_DATABASE_URL is set)

Standard library only, so it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("DEKOM_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".dekom-installed"


def say(msg: str) -> None:
    """Print a step to stderr, flushed."""
    print(f"==> {msg}", file=sys.stderr, flush=True)


def run(*cmd: str | Path, env: dict | None = None, check: bool = True) -> int:
    """Run a command from the repository root; exit with its code if it fails and check is set."""
    code = subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)
    if check and code != 0:
        sys.exit(code)
    return code


def ensure_env(extras: str) -> None:
    """Create the virtualenv and install the project (skipped when pyproject.toml is unchanged)."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script must run on old Pythons to say so
        sys.exit(f"dekom-eval needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PY.exists():
        say(f"creating virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = STAMP.read_text().split() if STAMP.exists() else []
    # the stamp holds the pyproject digest and the extras installed with it
    if stamp and stamp[0] == digest and (not extras or extras in stamp[1:]):
        return
    say("installing dekom-eval and its dependencies (first run takes a few minutes)")
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]" if extras else ".")
    STAMP.write_text(
        " ".join(
            [
                digest,
                *([extras] if extras else []),
                *(stamp[1:] if stamp and stamp[0] == digest else []),
            ]
        )
    )


def flask(*args: str, env: dict | None = None, check: bool = True) -> int:
    """Run ``flask --app webapp ...`` inside the virtualenv."""
    return run(BIN / "flask", "--app", "webapp", *args, env=env, check=check)


def cmd_demo(argv: list[str]) -> None:
    """Build the database, load the demo, serve it with gunicorn and run the job worker."""
    ensure_env("")
    port = os.environ.get("PORT", "5000")
    # `flask serve --demo`: db upgrade, questionnaires import, demo load (if empty), then gunicorn
    # and the job worker with PUBLIC_BASE_URL from PORT; Ctrl+C stops both
    say(f"setting up and serving on http://127.0.0.1:{port} (set PORT to change it)")
    server = subprocess.Popen(
        [str(BIN / "flask"), "--app", "webapp", "serve", "--demo", "--port", port, *argv], cwd=ROOT
    )
    # `kill`, systemd or a container stopping this script: stop the server the same way
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    while True:
        try:
            code = server.wait()
            break
        except KeyboardInterrupt:
            # the Ctrl+C reached `flask serve` too; it stops gunicorn and the worker, then exits
            continue
    sys.exit(code)


def cmd_test(argv: list[str]) -> None:
    """Run the whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set."""
    ensure_env("test")
    base = dict(os.environ)
    pg = base.pop("TEST_DATABASE_URL", None)
    # both cores: pytest-xdist runs the tests in parallel workers, each with its own database
    workers = os.environ.get("DEKOM_TEST_WORKERS", "2")
    args = [
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        *(["-n", workers] if workers != "0" else []),
        *argv,
    ]
    code = 0
    if not argv:  # the whole suite: the static checks first
        say(
            "static checks: ruff check, ruff format --check, mypy (strict on questionnaires/ and evaluation/)"
        )
        for check in (
            ("ruff", "check", "."),
            ("ruff", "format", "--check", "--quiet", "."),
            ("mypy",),
        ):
            if run(BIN / check[0], *check[1:], check=False) != 0:
                say(f"{' '.join(check)} failed")
                code = 1
    say("test suite on SQLite")
    code = run(PY, *args, env=base, check=False) or code
    if code == 5:
        say("pytest collected no tests")
    if pg:
        say(f"test suite on PostgreSQL ({pg.split('@')[-1]}), fresh database per run")
        pg_code = run(PY, *args, env=dict(base, TEST_DATABASE_URL=pg), check=False)
        code = code or pg_code
    sys.exit(code)


COMMANDS = {"demo": cmd_demo, "test": cmd_test}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    COMMANDS[sys.argv[1]](sys.argv[2:])
