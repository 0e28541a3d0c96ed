"""The respondent's side: personal links, paged questionnaires, save, resume and submit."""

from flask import Blueprint

bp = Blueprint("survey", __name__)

from .render import options_html  # noqa: E402

# a template global (not a context variable) so the imported macros see it too
bp.add_app_template_global(options_html, "survey_options")


from . import routes  # noqa: E402,F401
