"""Real processes for the service tests: gunicorn, the serve command, and a small HTTP client."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def service_env(app, **extra: str) -> dict[str, str]:
    """The environment of a process serving ``app``'s database (no Redis unless given)."""
    env = dict(os.environ)
    for name in ("REDIS_URL", "SMTP_HOST", "PUBLIC_BASE_URL", "PORT", "FLASK_APP"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=app.config["SECRET_KEY"],
        OUTBOX_DIR=app.config["OUTBOX_DIR"],
        EXPORT_DIR=app.config["EXPORT_DIR"],
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        PYTHONUNBUFFERED="1",
        GUNICORN_ACCESS_LOG="-",
    )
    env.update(extra)
    return env


def start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """gunicorn with the project's settings on ``port`` (one worker), output to ``log``."""
    env = dict(env, PORT=str(port), WEB_CONCURRENCY=env.get("WEB_CONCURRENCY", "1"))
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:webapp.server.gunicorn_conf"],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def wait_until_served(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    """Wait until ``url`` answers; fail with the process output if it died or never answered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} not served within {timeout} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen, timeout: float = 30) -> int:
    """SIGTERM, wait, then SIGKILL if needed; the exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


class Browser:
    """A cookie-keeping HTTP client that posts forms with their CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str]:
        """GET; (status, body)."""
        return self._open(urllib.request.Request(self.base + path))

    def post_form(self, page: str, action: str, data: dict[str, str]) -> tuple[int, str]:
        """GET ``page``, take its CSRF token, POST ``data`` to ``action``; (status, body)."""
        status, body = self.get(page)
        assert status == 200, (page, status, body[:500])
        token = CSRF.search(body)
        assert token, f"no csrf_token on {page}"
        payload = urllib.parse.urlencode({"csrf_token": token.group(1), **data}).encode()
        return self._open(urllib.request.Request(self.base + action, data=payload, method="POST"))

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
