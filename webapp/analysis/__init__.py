"""Researchers start analysis runs and read the report in the browser."""

from flask import Blueprint

from ..navigation import add_nav

bp = Blueprint("analysis", __name__, url_prefix="/analysis")
add_nav("Analyse", "analysis.index", ("admin", "researcher"), order=30)

from . import routes  # noqa: E402,F401
