"""gunicorn settings for dekom-eval (``gunicorn -c python:webapp.server.gunicorn_conf``).

Every value comes from the environment, so one ``.env`` or systemd unit configures the web
server and the job worker alike:

``PORT`` (5000) and ``BIND_HOST`` (127.0.0.1; a reverse proxy in front), or ``GUNICORN_BIND``
for a full bind address; ``WEB_CONCURRENCY`` workers (default 2 × cores + 1, at most 8);
``GUNICORN_THREADS`` (1); ``GUNICORN_TIMEOUT`` (60 s, a request taking longer is killed);
``GUNICORN_ACCESS_LOG`` ('-' = stderr, '' = off).

The access log never shows a respondent's personal link token: ``/s/<token>/...`` is written
as ``/s/[token]/...`` in the request line, the path and the Referer.
"""

from __future__ import annotations

import os
import re

from gunicorn.glogging import Logger

TOKEN_IN_URL = re.compile(r"(/s/)[^/?#\s\"]+")


def redact(text: str) -> str:
    """``text`` with every survey link token replaced by ``[token]``."""
    return TOKEN_IN_URL.sub(r"\1[token]", text)


def default_workers(cores: int | None = None) -> int:
    """2 × cores + 1 (gunicorn's advice for sync workers), at most 8."""
    cores = cores or os.cpu_count() or 1
    return min(2 * cores + 1, 8)


class RedactingLogger(Logger):
    """gunicorn's logger with the survey tokens taken out of every access-log field."""

    def atoms(self, resp, req, environ, request_time):  # gunicorn API
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) and "/s/" in value else value
            for key, value in atoms.items()
        }


bind = os.environ.get("GUNICORN_BIND") or (
    f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
)
workers = int(os.environ.get("WEB_CONCURRENCY") or default_workers())
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# recycle workers now and then so slow leaks never build up
max_requests = 2000
max_requests_jitter = 200
logger_class = RedactingLogger
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "webapp:create_app()"
control_socket_disable = True
