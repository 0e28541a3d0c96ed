"""The respondent's side: personal links, paged questionnaires, save, resume and submit."""

from flask import Blueprint

bp = Blueprint("survey", __name__)

from . import routes  # noqa: E402,F401
