"""Researcher exports in the web app: choose options, run a background job, download the zip."""

from flask import Blueprint

from ..navigation import add_nav

bp = Blueprint("exports", __name__, url_prefix="/exports")

add_nav("Eksport", "exports.index", ("admin", "researcher"), order=60)

from . import jobs, routes  # noqa: E402,F401
