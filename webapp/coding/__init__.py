"""The researchers' coding screen: code free-text answers into themes, agreement, codebook, tables."""

from flask import Blueprint

from ..navigation import add_nav

bp = Blueprint("coding", __name__, url_prefix="/coding")

add_nav("Koding", "coding.index", ("admin", "researcher"), order=40)

from . import agreement, codebook, model, screen, tables  # noqa: E402,F401
