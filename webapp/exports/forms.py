"""The export form: waves, roles, layouts, formats, raw or cleaned, free text, k."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from evaluation.export import FORMATS, LAYOUTS

from ..console.forms import SelectChoice


def select_choices(pairs) -> list:
    """(value, label) pairs as WTForms choices (tuples are deprecated from WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    """Several choices shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


ROLE_CHOICES = [
    ("skoleeier", _l("Skoleeiere")),
    ("skoleleder", _l("Skoleledere")),
    ("tillitsvalgt", _l("Tillitsvalgte")),
    ("uh", _l("UH")),
]
LAYOUT_LABELS = {
    "wide": _l("Bred panelfil (én rad per person, variabel_bølge)"),
    "waves": _l("Én fil per bølge (én rad per respondent)"),
    "long": _l("Lang fil (én rad per respondent × bølge × variabel)"),
}
FORMAT_LABELS = {
    "csv": "CSV (UTF-8)",
    "parquet": "Parquet",
    "sav": "SPSS (.sav)",
    "dta": "Stata (.dta)",
    "xlsx": "Excel (.xlsx)",
}


#: the job page names each chosen option in words, in the order of the form
OPTION_LABELS = {
    "waves": _l("Bølger"),
    "roles": _l("Respondentgrupper"),
    "layouts": _l("Filoppsett"),
    "formats": _l("Formater"),
    "cleaned": _l("Data"),
    "statuses": _l("Besvarelser"),
    "scale_scores": _l("Skalaskårer"),
    "themes": _l("Kodede temaer"),
    "free_text": _l("Fritekstsvar"),
    "k": _l("Minste celle i frekvenstabeller (k)"),
    "lang": _l("Språk på etiketter"),
}
STATUS_LABELS = {"complete": _l("fullførte"), "partial": _l("ufullstendige")}


def option_rows(params: dict, wave_names: dict[int, str]) -> list[tuple[str, str]]:
    """(label, value) for each option of an export job, in words, as the form offered them."""
    from ..formats import number
    from ..labels import label

    roles = dict(ROLE_CHOICES)
    words = {
        "waves": lambda v: ", ".join(wave_names.get(w, str(w)) for w in v),
        "roles": lambda v: ", ".join(str(roles.get(r, r)) for r in v),
        "layouts": lambda v: ", ".join(str(LAYOUT_LABELS.get(x, x)) for x in v),
        "formats": lambda v: ", ".join(FORMAT_LABELS.get(x, x) for x in v),
        "cleaned": lambda v: str(_l("Rensede data") if v else _l("Rådata")),
        "statuses": lambda v: ", ".join(str(STATUS_LABELS.get(x, x)) for x in v),
        "k": lambda v: number(v),
        "lang": lambda v: label(v, "language"),
    }
    rows = []
    for key, title in OPTION_LABELS.items():
        if key not in params:
            continue
        value = params[key]
        text = words[key](value) if key in words else label(bool(value), "yes_no")
        rows.append((str(title), text))
    return rows


class ExportForm(FlaskForm):
    """Everything a researcher chooses before starting an export job."""

    waves = CheckboxesField(
        _l("Bølger"), coerce=int, validators=[DataRequired(_l("Velg minst én bølge."))]
    )
    roles = CheckboxesField(
        _l("Respondentgrupper"),
        choices=select_choices(ROLE_CHOICES),
        validators=[DataRequired(_l("Velg minst én respondentgruppe."))],
    )
    layouts = CheckboxesField(
        _l("Filoppsett"),
        choices=select_choices((k, LAYOUT_LABELS[k]) for k in LAYOUTS),
        validators=[DataRequired(_l("Velg minst ett filoppsett."))],
    )
    formats = CheckboxesField(
        _l("Formater"),
        choices=select_choices((k, FORMAT_LABELS[k]) for k in FORMATS),
        validators=[DataRequired(_l("Velg minst ett format."))],
    )
    data = RadioField(
        _l("Data"),
        choices=select_choices(
            [("raw", _l("Rådata")), ("cleaned", _l("Rensede data (evalueringens rensingsregler)"))]
        ),
        default="raw",
    )
    include_partial = BooleanField(
        _l("Ta med ufullstendige besvarelser (påbegynt, ikke sendt inn)"), default=True
    )
    scale_scores = BooleanField(_l("Skalaskårer"), default=True)
    themes = BooleanField(_l("Kodede temaer i fritekst som 0/1-variabler"), default=True)
    free_text = BooleanField(_l("Ta med fritekstsvar (kan inneholde personopplysninger)"))
    k = IntegerField(
        _l("Minste celle i frekvenstabeller (k)"),
        default=5,
        validators=[NumberRange(1, 100, _l("k må være mellom 1 og 100."))],
    )
    lang = SelectField(
        _l("Språk på etiketter"),
        choices=select_choices([("nb", "Bokmål"), ("en", "English")]),
        default="nb",
    )

    def params(self) -> dict:
        """The choices as ExportOptions fields (the job's params)."""
        return {
            "waves": sorted(self.waves.data),
            "roles": sorted(self.roles.data),
            "layouts": list(self.layouts.data),
            "formats": list(self.formats.data),
            "statuses": ["complete", "partial"] if self.include_partial.data else ["complete"],
            "cleaned": self.data.data == "cleaned",
            "scale_scores": bool(self.scale_scores.data),
            "themes": bool(self.themes.data),
            "free_text": bool(self.free_text.data),
            "k": int(self.k.data),
            "lang": self.lang.data,
        }
