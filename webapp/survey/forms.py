"""WTForms page forms built from questionnaire data: one field per answerable item on a page.

Field names are item codes. Choice fields keep the raw posted strings; anything no rendered
form could have sent (an unknown field, an option outside the list, two values for one text) is
caught by ``tampering`` before validation. Whatever a person can type into a text or number
field, however long (up to the page's post limit), is left to validation: a field error on the
same page, with every other answer kept.
"""

from __future__ import annotations

import math
import re
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import StopValidation, ValidationError

from questionnaires import DONT_KNOW, NOT_APPLICABLE, Item, Page, Questionnaire, tr
from questionnaires.answers import InvalidAnswer, check_value, leaf_items

#: form fields that are not items
#: item codes are [a-z][a-z0-9_]*, so names starting with "_" can never clash with one
CONTROL_FIELDS = {"csrf_token", "_revision", "_ref", "_action", "_lang"}
ACTIONS = {"next", "back", "submit", "save"}


class ItemField(Field):
    """A field for one item; ``item`` and the question ``parent`` (matrix) are attached."""

    item: Item
    parent: Item | None
    multiple = False

    def __init__(self, *args, name: str = "", **kwargs):
        # the form attribute is "q_<code>" (never clashing with Form's own attributes such as
        # 'data' or 'errors'); the posted name is the item code itself
        super().__init__(*args, name=self.item.code, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:  # WTForms API
        if self.multiple:
            self.data = list(valuelist)
        else:
            self.data = valuelist[0] if valuelist else None

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)

    @property
    def is_empty(self) -> bool:
        """True when nothing was given."""
        if self.multiple:
            return not self.data
        return self.data is None or str(self.data).strip() == ""


class ShownRequired:
    """Skip fields hidden by show_if; demand an answer for required ones when the form checks it."""

    def __call__(self, form: PageForm, field: ItemField) -> None:
        if field.name in form.hidden:
            field.errors[:] = []
            raise StopValidation()
        if field.is_empty:
            if field.item.required and form.check_required:
                raise StopValidation(_("Svar på «%(q)s».", q=field.label.text))
            raise StopValidation()


def check_answer(form: PageForm, field: ItemField) -> None:
    """The item's rule (questionnaires.answers.check_value) as a field error in the user's language.

    A value no form could have produced (which ``tampering`` did not already refuse, such as the
    same checkbox twice) is collected in ``form.refused`` for the refusal page.
    """
    item = field.item
    if item.type == "number" and parse_number(field.data) is None:
        raise ValidationError(_("Skriv et tall, for eksempel 12."))
    try:
        check_value(form.questionnaire, item, typed_value(field))
    except InvalidAnswer as exc:
        if not exc.is_mistake:
            form.refused.append(exc.message)
            raise StopValidation() from None
        raise ValidationError(_mistake(exc)) from None


def _mistake(exc: InvalidAnswer) -> str:
    """The field error for a rule a person broke by typing or ticking."""
    p = exc.params
    if exc.reason == "not_whole":
        return _("Skriv et helt tall, uten desimaler.")
    if exc.reason == "out_of_range":
        return _(
            "Skriv et tall fra %(low)s til %(high)s.", low=_fmt(p["low"]), high=_fmt(p["high"])
        )
    if exc.reason == "too_long":
        return _(
            "Teksten er %(n)s tegn for lang. Den kan ha høyst %(limit)s tegn.",
            n=p["over"],
            limit=p["limit"],
        )
    if exc.reason == "too_few_choices":
        return _("Velg minst %(n)s.", n=p["n"])
    return _("Velg høyst %(n)s.", n=p["n"])


def parse_number(raw: Any) -> float | int | None:
    """A number written the Norwegian or English way ("1 200", "3,5", "3.5"), or None."""
    if raw is None:
        return None
    text = re.sub(r"[\s\u00a0\u202f]", "", str(raw)).replace(",", ".")
    if not re.fullmatch(r"[-+]?\d+(\.\d+)?", text):
        return None
    value = float(text)
    if not math.isfinite(value):  # hundreds of digits overflow to inf
        return None
    return int(value) if value.is_integer() else value


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


class PageForm(FlaskForm):
    """Base class of the generated page forms."""

    #: item codes hidden by show_if for this request (never validated, never stored)
    hidden: set[str] = set()
    #: False for "back" and language switches: save what is there without demanding answers
    check_required = True
    questionnaire: Questionnaire

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: what no form could have sent, found while validating (for the refusal page)
        self.refused: list[str] = []

    def field(self, code: str) -> ItemField:
        """The field of the item with ``code``."""
        return self._fields["q_" + code]

    def item_fields(self) -> list[ItemField]:
        """The item fields in form order."""
        return [f for f in self if isinstance(f, ItemField)]

    def answers(self) -> dict[str, Any]:
        """The typed answers of the shown fields (None clears an answer)."""
        out: dict[str, Any] = {}
        for field in self.item_fields():
            out[field.name] = None if field.name in self.hidden else typed_value(field)
        return out

    def set_answers(self, answers: dict[str, Any]) -> None:
        """Fill the fields from stored answers."""
        for field in self.item_fields():
            field.data = form_value(field.item, answers.get(field.name))


def typed_value(field: ItemField) -> Any:
    """The field's data as an answer value."""
    item = field.item
    if field.is_empty:
        return None
    if item.type == "likert":
        return field.data if field.data in (DONT_KNOW, NOT_APPLICABLE) else int(field.data)
    if item.type == "single":
        return int(field.data)
    if item.type == "multi":
        return [int(v) for v in field.data]
    if item.type == "number":
        return parse_number(field.data)
    return str(field.data).strip()


def form_value(item: Item, value: Any) -> Any:
    """A stored answer as the form shows it."""
    if value is None:
        return [] if item.type == "multi" else None
    if item.type == "multi":
        return [str(v) for v in value]
    if item.type == "number":
        return _fmt(value)
    return str(value)


def choices(q: Questionnaire, item: Item, lang: str) -> list[tuple[str, str]]:
    """(value, label) pairs a choice item offers, 'vet ikke' and then 'ikke relevant' last."""
    if item.type == "likert":
        scale = q.response_scales[item.scale]
        out = [(str(i), tr(t, lang)) for i, t in enumerate(scale.points, start=1)]
        if item.dont_know:
            out.append((DONT_KNOW, tr(scale.dont_know, lang) or _("Vet ikke")))
        if item.not_applicable:
            out.append((NOT_APPLICABLE, tr(scale.not_applicable, lang) or _("Ikke relevant")))
        return out
    return [(str(o.value), tr(o.label, lang)) for o in item.options]


_CLASSES: dict[tuple[str, str, str], type[PageForm]] = {}


def _form_class(key: str, q: Questionnaire, page: Page, lang: str) -> type[PageForm]:
    cls = _CLASSES.get((key, page.id, lang))
    if cls is None:
        cls = _CLASSES[(key, page.id, lang)] = _make_form_class(q, page, lang)
    return cls


def _make_form_class(q: Questionnaire, page: Page, lang: str) -> type[PageForm]:
    attrs: dict[str, Any] = {}
    for item, parent in leaf_items(page):
        if item.code == "csrf_token":
            raise ValueError("item code 'csrf_token' is reserved for the form's CSRF token")
        validators: list[Any] = [ShownRequired(), check_answer]
        field_cls = type(
            "MultiField" if item.type == "multi" else "OneField",
            (ItemField,),
            {"item": item, "parent": parent, "multiple": item.type == "multi"},
        )
        attrs["q_" + item.code] = field_cls(
            tr(item.text, lang), validators=validators, id=f"f-{item.code}"
        )
    attrs["questionnaire"] = q
    return type(f"Form_{page.id}", (PageForm,), attrs)


def build_form(key: str, q: Questionnaire, page: Page, lang: str, formdata: Any = None) -> PageForm:
    """The page's form in ``lang`` (classes cached per version ``key``); bound to ``formdata``."""
    return _form_class(key, q, page, lang)(formdata=formdata)


def tampering(q: Questionnaire, page: Page, rendered: set[str], formdata: Any) -> list[str]:
    """What in a posted page no rendered form could have sent (empty when it is plausible)."""
    problems: list[str] = []
    items = {item.code: item for item, _ in leaf_items(page)}
    for key in formdata.keys():
        if key in CONTROL_FIELDS:
            continue
        if key not in items or key not in rendered:
            problems.append(_("ukjent spørsmål «%(code)s»", code=key[:40]))
            continue
        item, values = items[key], formdata.getlist(key)
        if item.type in ("likert", "single", "multi"):
            allowed = {v for v, _label in choices(q, item, "nb")}
            if item.type != "multi" and len(values) > 1:
                problems.append(_("flere svar på «%(code)s»", code=key))
            elif any(v not in allowed for v in values):
                problems.append(_("svar utenfor svaralternativene på «%(code)s»", code=key))
        elif len(values) > 1:
            problems.append(_("flere svar på «%(code)s»", code=key))
        elif "\x00" in values[0]:  # no keyboard types a NUL character
            problems.append(_("ugyldige tegn i «%(code)s»", code=key))
    action = formdata.get("_action", "next")
    if action not in ACTIONS:
        problems.append(_("ukjent handling «%(a)s»", a=action[:20]))
    return problems
