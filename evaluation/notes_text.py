"""The analysis notes («Merknader») and method descriptions in bokmål or English.

The library writes its notes in English (``RunResult.problems``, the files and the CLI keep
them so); the report and the web pages show them through :func:`note_in` / :func:`notes_in`,
as the cleaning log is shown through :mod:`evaluation.cleaning_text`.
"""

from __future__ import annotations

import re

__all__ = ["note_in", "notes_in", "joined_notes_in", "METHODS_NB", "method_text"]

#: (pattern over the English note, bokmål); groups are filled in with {0}, {1} ...
NOTES_NB: list[tuple[str, str]] = [
    (
        r"weights are made for the (\d+) responses with scores: (\d+) marked responded in the frame "
        r"have no score after cleaning, (\d+) with scores are marked not responded",
        "vektene er laget for de {0} besvarelsene med skåre: {1} som er merket som svart i rammen, har "
        "ingen skåre etter rensingen, {2} med skåre er merket som ikke svart",
    ),
    (
        r"the frame has wave\(s\) (.+) without scores; they are left out",
        "rammen har bølge(r) {0} uten skårer; de er utelatt",
    ),
    (
        r"the frame has none of the answers' waves; no weights",
        "rammen har ingen av svarenes bølger; ingen vekter",
    ),
    (
        r"wave (\d+) has responses but no scale scores; it is left out",
        "bølge {0} har besvarelser, men ingen skalaskårer; den er utelatt",
    ),
    (
        r"only one wave \((\d+)\) has scores: no change to estimate",
        "bare én bølge ({0}) har skårer: ingen endring å beregne",
    ),
    (r"figure '(.+)' failed: (.+)", "figuren «{0}» kunne ikke lages: {1}"),
    (
        r"scale '(.+)': none of its items has answers \((.*)\); its scores are NA",
        "skala «{0}»: ingen av spørsmålene har svar ({1}); skårene mangler",
    ),
    (
        r"scale '(.+)': item\(s\) (.+) have no answers; the score uses the other items",
        "skala «{0}»: spørsmål {1} har ingen svar; skåren bruker de andre spørsmålene",
    ),
    (
        r"scale '(.+)': has one item; alpha is NA",
        "skala «{0}»: har ett spørsmål; alfa kan ikke beregnes",
    ),
    (
        r"wave (\d+) is not in the frame: its (\d+) response\(s\) have no weights",
        "bølge {0} er ikke i rammen: dens {1} besvarelse(r) har ingen vekt",
    ),
    (
        r"(\d+) response\(s\) have no weight: the person is not in the frame for that wave or not marked "
        r"responded \(e\.g\. (.+) in (.+)\); left out of the weighted estimates",
        "{0} besvarelse(r) har ingen vekt: personen er ikke i rammen for den bølgen eller ikke merket som "
        "svart (f.eks. {1} i {2}); utelatt fra de vektede estimatene",
    ),
    (r"wave (\d+): nobody responded; no weights", "bølge {0}: ingen svarte; ingen vekter"),
    (
        r"(.+): no respondents; its (\d+) invited are not weighted",
        "{0}: ingen svarte; de {1} inviterte vektes ikke",
    ),
    (
        r"(.+): every fylke had fewer than (\d+) respondents; one cell",
        "{0}: alle fylker hadde færre enn {1} som svarte; én celle",
    ),
    (
        r"(.+): (\d+) fylke cell\(s\) with fewer than (\d+) respondents merged into '(.+)'",
        "{0}: {1} fylkescelle(r) med færre enn {2} som svarte er slått sammen med «{3}»",
    ),
    (
        r"network: (\d+) network\(s\) with fewer than (\d+) respondents merged into '(.+)'",
        "nettverk: {0} nettverk med færre enn {1} som svarte er slått sammen med «{2}»",
    ),
    (
        r"network: one category left after collapsing; margin dropped",
        "nettverk: bare én kategori igjen etter sammenslåing; marginen er tatt ut",
    ),
]

#: What each change method is, in one line, in bokmål (English: :data:`evaluation.change.METHODS`).
METHODS_NB = {
    "lmm": "lineær blandet modell med tilfeldig konstantledd per respondent (og per kommune eller skole "
    "når dataene har det) (REML), alle svar; Wald z",
    "welch": "tverrsnitt: alle som svarte i hver bølge; Welchs t-test; Hedges g",
    "paired": "panel: personer som svarte i begge bølgene; parret t-test; Hedges g (parret)",
    "weighted": "vektede gjennomsnitt (frafallsvekter kalibrert mot rammen); linearisert standardfeil med "
    "de samme personene i begge bølgene og klynger (kommune der den er oppgitt); Wald z",
    "weighted_panel": "panelmedlemmer som svarte i begge bølgene, vektet for frafall (første bølges vekt "
    "delt på sannsynligheten for å svare igjen); gjennomsnittlig endring per person; "
    "linearisert standardfeil over klynger; Wald z",
}


def _number(text: str) -> str:
    return re.sub(r"(?<=\d)\.(?=\d)", ",", text)


def note_in(note: str, lang: str = "nb") -> str:
    """One analysis note in ``lang`` (nb or en; nn reads bokmål); an unknown note is returned as written."""
    if lang == "en":
        return note
    for pattern, nb in NOTES_NB:
        match = re.fullmatch(pattern, note)
        if match:
            return nb.format(*(_number(g) for g in match.groups()))
    return note


def _known(note: str) -> bool:
    return any(re.fullmatch(pattern, note) for pattern, _ in NOTES_NB)


def joined_notes_in(text: str, lang: str = "nb") -> str:
    """Notes joined with «; » (a note may hold «; » itself) in ``lang``, each known note translated."""
    parts = text.split("; ")
    out: list[str] = []
    i = 0
    while i < len(parts):
        j = next((j for j in range(i + 1, len(parts) + 1) if _known("; ".join(parts[i:j]))), i + 1)
        out.append(note_in("; ".join(parts[i:j]), lang))
        i = j
    return "; ".join(out)


def notes_in(notes: list[str], lang: str = "nb") -> list[str]:
    """The notes in ``lang`` (see :func:`note_in`)."""
    return [note_in(n, lang) for n in notes]


def method_text(method: str, lang: str = "nb") -> str:
    """The one-line description of a change method in ``lang``."""
    from .change import METHODS

    return (
        METHODS.get(method, method)
        if lang == "en"
        else METHODS_NB.get(method, METHODS.get(method, method))
    )
