"""Report sections that need the frame: representativeness, weights, weighted beside unweighted
change, and the assumptions behind the numbers (interval scale, missing at random)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .pipeline import RunResult

__all__ = [
    "representativeness_section",
    "weights_section",
    "weighted_comparison",
    "weighted_section",
    "assumptions_section",
]

_VAR_NB = {"role": "rolle", "fylke": "fylke", "network": "nettverk"}
_SUMMARY_NB = {
    "wave": "bølge",
    "invited": "inviterte",
    "responded": "svarte",
    "represented": "representert",
    "margins": "marginer",
    "cells": "celler",
    "trim_bound": "trimmegrense",
    "trimmed": "trimmet",
    "deff_kish_raked": "deff før trimming",
    "deff_kish": "deff (Kish)",
    "weight_min": "minste vekt",
    "weight_max": "største vekt",
    "max_margin_gap_after_trim": "største avvik i margin etter trimming",
    "notes": "sammenslåtte celler",
}


def _num(x: Any, digits: int = 2) -> str:
    from .report import _num as num

    return num(x, digits)


def representativeness_section(result: RunResult) -> str:
    """R-indicator per wave with its interval, partial indicators, and the groups that pull
    representativeness down."""
    from .report import _table

    rep = result.tables.get("representativeness")
    if rep is None or rep.empty:
        return ""
    overall = rep.loc[rep["variable"] == ""].pivot_table(
        index="wave", columns="indicator", values=["value", "ci_low", "ci_high"]
    )
    lines = []
    for wave in overall.index:
        r = overall.loc[wave]
        lines.append(
            f"<li>{wave}: R = {_num(r[('value', 'R')])} (95 % KI {_num(r[('ci_low', 'R')])} til "
            f"{_num(r[('ci_high', 'R')])}), svarprosent {_num(100 * r[('value', 'rate')], 0)} %, "
            f"CV = {_num(r[('value', 'CV')])}</li>"
        )
    per_var = rep.loc[(rep["variable"] != "") & (rep["category"] == "")]
    wide = per_var.pivot_table(
        index=["variable", "indicator"], columns="wave", values="value"
    ).reset_index()
    wide["variable"] = wide["variable"].map(lambda v: _VAR_NB.get(v, v))
    wide = wide.rename(columns={"variable": "variabel", "indicator": "indikator"})
    wide.columns = [str(c) for c in wide.columns]
    last = rep["wave"].max()
    low = rep.loc[(rep["wave"] == last) & (rep["indicator"] == "P_u") & (rep["category"] != "")]
    low = low.sort_values("value").head(8)
    low_rows = "".join(
        f"<li>{html.escape(_VAR_NB.get(r.variable, r.variable))} {html.escape(r.category)}: "
        f"svarprosent {_num(100 * r.rate, 0)} % ({r.responded} av {r.invited}), "
        f"P<sub>u</sub> = {_num(r.value, 3)}</li>"
        for r in low.itertuples()
        if r.value < 0
    )
    return (
        "<h2>Representativitet (R-indikator)</h2>"
        "<p>R-indikatoren (Schouten, Cobben og Bethlehem 2009) er 1 − 2 × standardavviket til "
        "de estimerte svarsannsynlighetene (logistisk modell med rolle, fylke og nettverk). "
        "R = 1 betyr at alle grupper svarer like mye; jo lavere, jo mer skjev svargruppe. "
        "Konfidensintervallene er bootstrap (personer trukket på nytt, modellen tilpasset "
        "på nytt). CV er standardavviket delt på svarprosenten og begrenser den relative "
        "skjevheten i et gjennomsnitt.</p>"
        f"<ul>{''.join(lines)}</ul>"
        "<p>Partielle indikatorer per variabel: P<sub>u</sub> (ubetinget) er hvor mye "
        "svarsannsynligheten varierer mellom kategoriene; P<sub>c</sub> (betinget) er det "
        "variabelen tilfører utover de andre.</p>"
        + _table(wide, digits=3)
        + (
            f"<p>Gruppene som trekker representativiteten mest ned i {last} (negativ "
            f"P<sub>u</sub>: svarer mindre enn resten; her hjelper purringer mest):</p>"
            f"<ul>{low_rows}</ul>"
            if low_rows
            else ""
        )
        + "<p>Alle indikatorer per kategori står i representativeness.csv.</p>"
    )


def weights_section(result: RunResult) -> str:
    """How the weights were made: margins, collapsed cells, trimming and Kish's deff."""
    from .report import _table

    summary = result.tables.get("weights_summary")
    if summary is None or summary.empty:
        return ""
    frame = result.settings.get("frame", {})
    if "notes" in summary:
        from .report_text import _note_nb

        summary = summary.assign(notes=summary["notes"].map(_note_nb))
    return (
        "<h2>Vekter for frafall</h2>"
        "<p>Per bølge starter hver som svarte med vekten inviterte/svarte og rakes til "
        "rammens fordeling på rolle × fylke og nettverk. Celler med færre enn "
        f"{frame.get('weight_min_cell', 10)} svar slås sammen (tynne fylker i en rolle til "
        "«øvrige fylker», tynne nettverk til «øvrige nettverk»; en sammenslått celle som "
        "fortsatt er tynn, går inn i rollens største celle). Vekter over "
        f"{_num(frame.get('weight_trim', 5.0), 1)} × gjennomsnittet trimmes, og overskuddet "
        "fordeles likt på de andre. Kish' designeffekt (deff) sier hvor mye vektene øker "
        "variansen; effektivt antall svar er antall/deff.</p>"
        + _table(summary.rename(columns=_SUMMARY_NB), digits=3)
    )


def weighted_comparison(
    change: pd.DataFrame, alpha: float = 0.05, headline: str = "lmm"
) -> pd.DataFrame:
    """The headline and the weighted change side by side, with ``disagree`` when their
    verdicts differ or the weighted estimate falls outside the headline's interval."""
    if change.empty or "weighted" not in set(change["method"]):
        return pd.DataFrame()
    keys = [c for c in change.columns if c in ("scale", "role", "fylke", "wave_from", "wave_to")]
    cols = ["diff", "ci_low", "ci_high", "p_adj"]
    own = change.loc[change["method"] == headline, keys + cols]
    wt = change.loc[change["method"] == "weighted", keys + cols]
    both = own.merge(wt, on=keys, suffixes=("_own", "_weighted"))

    def verdict(d: pd.Series, p: pd.Series) -> np.ndarray:
        return np.where(~(p < alpha), 0, np.sign(d))

    v_own = verdict(both["diff_own"], both["p_adj_own"])
    v_wt = verdict(both["diff_weighted"], both["p_adj_weighted"])
    outside = (both["diff_weighted"] < both["ci_low_own"]) | (
        both["diff_weighted"] > both["ci_high_own"]
    )
    both["disagree"] = (v_own != v_wt) | outside
    return both


def weighted_section(result: RunResult) -> str:
    """Weighted change beside the respondents' own (the mixed model), saying where they differ."""
    from .report import _table

    both = weighted_comparison(result.tables.get("change", pd.DataFrame()))
    if both.empty:
        return ""
    n_dis = int(both["disagree"].sum())
    lines = []
    for r in both.loc[both["disagree"]].head(30).itertuples():
        who = " ".join(str(getattr(r, c)) for c in ("role", "fylke") if hasattr(r, c))
        lines.append(
            f"<li>{html.escape(str(r.scale))}, {html.escape(who)}, {r.wave_from}–{r.wave_to}: "
            f"svarernes egen endring {_num(r.diff_own)} ({_num(r.ci_low_own)} til "
            f"{_num(r.ci_high_own)}), vektet {_num(r.diff_weighted)} ({_num(r.ci_low_weighted)} "
            f"til {_num(r.ci_high_weighted)})</li>"
        )
    text = (
        f'<p class="note">Vektet og uvektet endring er uenige i {n_dis} av {len(both)} '
        "sammenligninger (ulik konklusjon etter korreksjon, eller det vektede estimatet "
        "ligger utenfor den uvektede modellens intervall). Der er resultatet følsomt for "
        "hvem som svarte; se metodeavsnittet.</p><ul>" + "".join(lines) + "</ul>"
        if n_dis
        else "<p>Vektet og uvektet endring gir samme konklusjon overalt, og hvert "
        "vektet estimat ligger innenfor den uvektede modellens intervall.</p>"
    )
    return (
        "<h2>Endring for alle inviterte (vektet) ved siden av svarernes egen</h2>"
        "<p>Den vektede endringen anslår endringen for alle inviterte, ikke bare for dem "
        "som svarte: hver bølges svar vektes til rammens fordeling. Standardfeilene tar "
        "hensyn til at de samme personene svarer i flere bølger og til klynger "
        f"({html.escape(str(result.settings.get('frame', {}).get('clusters', 'person')))})."
        "</p>"
        + text
        + "<details><summary>Alle sammenligninger</summary>"
        + _table(both)
        + "</details>"
    )


def assumptions_section(result: RunResult) -> str:
    """The methods' assumptions: interval scale; missing at random given the frame; and a
    sensitivity note when the weighted and the unweighted change disagree."""
    both = weighted_comparison(result.tables.get("change", pd.DataFrame()))
    has_frame = "frame" in result.settings
    mar = (
        "<p><b>Manglende svar.</b> Den vektede endringen forutsetter at svarene mangler "
        "tilfeldig gitt rammens variabler (MAR gitt rolle, fylke og nettverk): innen en "
        "slik gruppe svarer de som svarte som de som ikke svarte ville gjort. Den blandede "
        "modellen forutsetter det samme gitt personens egne tidligere svar."
        if has_frame
        else "<p><b>Manglende svar.</b> Uten ramme (--frame) beskriver tallene dem som svarte; "
        "de gjelder for alle inviterte bare om svarene mangler helt tilfeldig."
    )
    sens = ""
    if not both.empty and both["disagree"].any():
        sens = (
            f" <b>Følsomhet:</b> vektet og uvektet endring er uenige i "
            f"{int(both['disagree'].sum())} sammenligninger, så der avhenger konklusjonen av "
            "hvem som svarte; les dem med forsiktighet."
        )
    return (
        "<p><b>Intervallskala.</b> Likert-svarene (1–5) behandles som tall med like "
        "avstander mellom svaralternativene; skårer og endringer er gjennomsnitt på den "
        "skalaen.</p>" + mar + sens + "</p>"
    )
