"""Login form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = StringField(_l("E-post"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Passord"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Husk meg"))
    submit = SubmitField(_l("Logg inn"))
