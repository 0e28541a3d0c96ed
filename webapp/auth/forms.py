"""Login form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """E-mail and password."""

    # No address-format check here: logging in must never be blocked for an account that exists
    # (e.g. the demo users on the special-use domain .local).
    email = StringField(_l("E-post"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Passord"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Husk meg"))
    submit = SubmitField(_l("Logg inn"))
