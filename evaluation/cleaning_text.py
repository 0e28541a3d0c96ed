"""The cleaning log in words a reader understands, in bokmål or English.

:func:`evaluation.cleaning.clean` logs each rule with short English codes and settings; the
report and the export's ``cleaning_log.csv`` show the log through :func:`cleaning_log_in`.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["cleaning_log_in", "LOG_HEADERS"]

LOG_HEADERS = {
    "nb": {
        "rule": "Regel",
        "setting": "Innstilling",
        "action": "Handling",
        "answers": "Svar",
        "responses": "Besvarelser",
        "respondents": "Respondenter",
    },
    "en": {
        "rule": "Rule",
        "setting": "Setting",
        "action": "Action",
        "answers": "Answers",
        "responses": "Responses",
        "respondents": "Respondents",
    },
}
RULES = {
    "nb": {
        "input": "Innlest",
        "duplicates": "Dubletter",
        "out_of_range": "Utenfor skalaen",
        "partial": "Påbegynte besvarelser",
        "speeders": "For raske svar",
        "straightlining": "Like svar i en matrise",
        "kept": "Beholdt",
    },
    "en": {
        "input": "Read",
        "duplicates": "Duplicates",
        "out_of_range": "Outside the scale",
        "partial": "Partial responses",
        "speeders": "Speeders",
        "straightlining": "Straight-lining",
        "kept": "Kept",
    },
}
ACTIONS = {
    "nb": {
        "drop": "fjernet",
        "set missing": "satt til manglende",
        "flag": "merket",
        "drop_if_reversed": "fjernet der matrisen har omvendte spørsmål, ellers merket",
        "": "",
    },
    "en": {
        "drop": "removed",
        "set missing": "set to missing",
        "flag": "flagged",
        "drop_if_reversed": "removed where the matrix has reverse-keyed items, else flagged",
        "": "",
    },
}
PARTIAL_MODES = {
    "nb": {"keep": "beholdes", "drop": "fjernes", "min_share": "beholdes med nok svar"},
    "en": {"keep": "kept", "drop": "removed", "min_share": "kept with enough answers"},
}
_NUMBER = r"([0-9.]+)"
#: (pattern over the English setting, bokmål, English); groups are numbers or modes
SETTINGS: list[tuple[str, str, str]] = [
    (r"answers read", "svar lest inn", "answers read"),
    (r"answers left for analysis", "svar igjen til analysen", "answers left for the analysis"),
    (
        r"one response per person and wave",
        "én besvarelse per person og bølge",
        "one response per person and wave",
    ),
    (
        r"one answer per person, wave and item",
        "ett svar per person, bølge og spørsmål",
        "one answer per person, wave and item",
    ),
    (
        r"scale items outside the scale's range",
        "skalaspørsmål med verdi utenfor skalaen",
        "scale items with a value outside the scale",
    ),
    (
        r"status partial/in_progress \((\w+), min share " + _NUMBER + r"\)",
        "påbegynte besvarelser ({0}, minst andel {1})",
        "partial responses ({0}, share at least {1})",
    ),
    (
        r"status partial/in_progress \((\w+)\)",
        "påbegynte besvarelser ({0})",
        "partial responses ({0})",
    ),
    (r"partial responses left out", "påbegynte besvarelser utelatt", "partial responses left out"),
    (
        r"no duration_s column: not checked",
        "ingen svartid i dataene: ikke sjekket",
        "no response time in the data: not checked",
    ),
    (
        r"duration under " + _NUMBER + r" s",
        "svartid under {0} sekunder",
        "response time under {0} seconds",
    ),
    (
        r"duration under " + _NUMBER + r" × median of wave and role",
        "svartid under {0} × medianen for bølge og rolle",
        "response time under {0} × the median of wave and role",
    ),
    (
        r"identical answers in a matrix of ≥ (\d+) answered items",
        "like svar på alle spørsmål i en matrise med minst {0} besvarte",
        "identical answers in a matrix of at least {0} answered items",
    ),
]


def _number(text: str, lang: str) -> str:
    return text.replace(".", ",") if lang == "nb" else text


def _setting(text: str, lang: str) -> str:
    for pattern, nb, en in SETTINGS:
        match = re.fullmatch(pattern, text)
        if match:
            groups = [PARTIAL_MODES[lang].get(g, _number(g, lang)) for g in match.groups()]
            return (nb if lang == "nb" else en).format(*groups)
    return text


def cleaning_log_in(log: pd.DataFrame, lang: str = "nb") -> pd.DataFrame:
    """The cleaning log with its rules, settings, actions and headers in ``lang`` (nb or en)."""
    lang = "en" if lang == "en" else "nb"
    out = log.copy()
    if "rule" in out:
        out["rule"] = out["rule"].map(lambda r: RULES[lang].get(r, r))
    if "setting" in out:
        out["setting"] = out["setting"].map(lambda s: _setting(str(s), lang))
    if "action" in out:
        out["action"] = out["action"].map(lambda a: ACTIONS[lang].get(a, a))
    return out.rename(columns=LOG_HEADERS[lang])
