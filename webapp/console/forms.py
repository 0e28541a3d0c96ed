"""Console forms (WTForms; CSRF through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from ..labels import USER_ROLE
from ..models import USER_ROLES

try:  # wtforms >= 3.3 deprecates (value, label) tuples
    from wtforms import SelectChoice
except ImportError:  # pragma: no cover - older wtforms

    def SelectChoice(value, label):  # stands in for the class
        """(value, label) for wtforms before 3.3."""
        return (value, label)


MAIL_LANGUAGE_CHOICES = [
    SelectChoice("nb", "Bokmål"),
    SelectChoice("nn", "Nynorsk"),
    SelectChoice("en", "English"),
]


class ActionForm(FlaskForm):
    """A bare form for POST buttons (carries the CSRF token)."""


class PanelUploadForm(FlaskForm):
    """The panel file and whether it is the whole panel."""

    file = FileField(
        _l("Panelfil (CSV eller XLSX)"),
        validators=[
            FileRequired(_l("Velg en fil.")),
            FileAllowed(["csv", "xlsx", "txt"], _l("Bare .csv og .xlsx kan leses.")),
        ],
    )
    mark_leavers = BooleanField(
        _l("Filen er hele panelet: marker personer som mangler i filen som sluttet")
    )


class WaveForm(FlaskForm):
    """Name, year, schedule and one questionnaire version per role."""

    name = StringField(_l("Navn"), validators=[DataRequired(), Length(max=120)])
    year = IntegerField(_l("År"), validators=[DataRequired(), NumberRange(2000, 2100)])
    opens_at = DateTimeLocalField(
        _l("Åpner (planlagt)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    closes_at = DateTimeLocalField(
        _l("Stenger (planlagt)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    version_skoleeier = SelectField(_l("Skjema for skoleeiere"), coerce=int, validate_choice=True)
    version_skoleleder = SelectField(_l("Skjema for skoleledere"), coerce=int, validate_choice=True)
    version_tillitsvalgt = SelectField(
        _l("Skjema for tillitsvalgte"), coerce=int, validate_choice=True
    )
    version_uh = SelectField(_l("Skjema for UH"), coerce=int, validate_choice=True)
    remind_every_days = IntegerField(
        _l("Automatisk påminnelse etter antall dager"), validators=[Optional(), NumberRange(1, 365)]
    )
    remind_max = IntegerField(
        _l("Høyst antall automatiske påminnelser per person"),
        default=3,
        validators=[Optional(), NumberRange(0, 20)],
    )
    remind_language = SelectField(
        _l("Språk i påminnelsene"), choices=MAIL_LANGUAGE_CHOICES, default="nb"
    )

    def reminders(self) -> tuple[int | None, int, str]:
        """(every_days or None, max per person, language) as the domain takes them."""
        max_count = self.remind_max.data if self.remind_max.data is not None else 3
        return self.remind_every_days.data, max_count, self.remind_language.data

    def validate_closes_at(self, field):
        """Closing must come after opening."""
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("Stengetidspunktet må være etter åpningstidspunktet."))


class CloneForm(FlaskForm):
    """A new wave cloned from an old one."""

    name = StringField(_l("Navn på ny bølge"), validators=[DataRequired(), Length(max=120)])
    year = IntegerField(_l("År"), validators=[DataRequired(), NumberRange(2000, 2100)])


class SendForm(FlaskForm):
    """Send invitations in a language."""

    language = SelectField(_l("Språk i e-posten"), choices=MAIL_LANGUAGE_CHOICES)


class ReminderForm(FlaskForm):
    """Remind non-responders: at most N reminders, at least D days apart."""

    language = SelectField(_l("Språk i e-posten"), choices=MAIL_LANGUAGE_CHOICES)
    max_reminders = IntegerField(
        _l("Høyst antall påminnelser per person"),
        default=3,
        validators=[DataRequired(), NumberRange(1, 10)],
    )
    min_days = IntegerField(
        _l("Minst antall dager mellom utsendelser"),
        default=7,
        validators=[DataRequired(), NumberRange(1, 60)],
    )


class UserCreateForm(FlaskForm):
    """A new console user."""

    email = StringField(_l("E-post"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Navn"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Rolle"), choices=[SelectChoice(r, USER_ROLE[r]) for r in USER_ROLES])
    password = PasswordField(
        _l("Passord (minst 10 tegn)"), validators=[DataRequired(), Length(min=10, max=256)]
    )


class UserRoleForm(FlaskForm):
    """Change a user's role."""

    role = SelectField(_l("Rolle"), choices=[SelectChoice(r, USER_ROLE[r]) for r in USER_ROLES])


class QuestionnaireUploadForm(FlaskForm):
    """A questionnaire file (YAML or XLSForm) and, for an XLSForm without one, the role."""

    file = FileField(
        _l("Skjemafil (YAML eller XLSForm)"),
        validators=[
            FileRequired(_l("Velg en fil.")),
            FileAllowed(
                ["yaml", "yml", "xlsx", "xls"], _l("Bare .yaml, .yml, .xlsx og .xls kan leses.")
            ),
        ],
    )
    role = SelectField(
        _l("Rolle (hvis XLSForm-filen ikke oppgir den)"),
        choices=[
            SelectChoice("", _l("– fra filen –")),
            SelectChoice("skoleeier", "skoleeier"),
            SelectChoice("skoleleder", "skoleleder"),
            SelectChoice("tillitsvalgt", "tillitsvalgt"),
            SelectChoice("uh", "uh"),
        ],
        default="",
    )


class WaveOpenForm(FlaskForm):
    """Opening a wave; the note is needed when a questionnaire breaks comparability."""

    note = TextAreaField(
        _l("Merknad om sammenlignbarhet"), validators=[Optional(), Length(max=4000)]
    )
