"""gunicorn reads this file when started from the repository root; the settings live in
webapp/server/gunicorn_conf.py (also usable as ``gunicorn -c python:webapp.server.gunicorn_conf``)."""

from webapp.server.gunicorn_conf import *  # noqa: F403
