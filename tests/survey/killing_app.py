"""The real app for gunicorn, whose worker SIGKILLs itself once, right after a page save committed.

Used by test_worker_killed.py: when the file named by KILL_AFTER_SAVE exists, the next POST runs
through the whole app (the save is committed) and then the worker process kills itself with
SIGKILL before a byte of the answer is sent, as a crash or an OOM kill would.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from webapp import create_app


def create():
    """The app (settings from the environment, as in production) with the one-shot kill."""
    app = create_app()
    inner = app.wsgi_app
    marker = Path(os.environ["KILL_AFTER_SAVE"])

    def wsgi(environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and marker.exists():
            marker.unlink()
            inner(environ, lambda *args, **kwargs: None)  # the save runs and commits
            os.kill(os.getpid(), signal.SIGKILL)
        return inner(environ, start_response)

    app.wsgi_app = wsgi
    return app
