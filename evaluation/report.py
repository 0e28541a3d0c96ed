"""A self-contained HTML report (tables, embedded figures, plain-language summary, methods)."""

from __future__ import annotations

import base64
import html
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .change import METHODS

if TYPE_CHECKING:
    from .pipeline import RunResult

__all__ = ["render_report", "write_report", "summarise_change"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:72rem;margin:2rem auto;
padding:0 1rem;color:#1e1e1e;line-height:1.5}
h1,h2,h3{line-height:1.2}h2{margin-top:2.5rem;border-bottom:2px solid #1e1e1e;padding-bottom:.2rem}
.tbl{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0 1rem}
th,td{border:1px solid #c8c8c8;padding:.2rem .45rem;text-align:right}
th{background:#f1f1f1}td.t,th.t{text-align:left}
img{max-width:100%;height:auto;border:1px solid #e0e0e0}
.up{color:#0b6b2f}.down{color:#a4161a}.flat{color:#555}
details{margin:.5rem 0}summary{cursor:pointer;font-weight:600}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5rem .75rem}
"""

_ROLE_NB = {"skoleeier": "skoleeiere", "skoleleder": "skoleledere",
            "tillitsvalgt": "tillitsvalgte", "uh": "UH"}


def _num(x: Any, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "–"
    return f"{x:.{digits}f}".replace(".", ",").replace("-", "−")


def _count(n: Any) -> str:
    """A whole number with a no-break space between thousands (40 311), as Norwegian writes it."""
    return f"{int(n):,}".replace(",", "\u00a0")


def _p(x: float, alpha: float = 0.05) -> str:
    """A p-value with three decimals, or more when three would round it across ``alpha``
    (0.04998 is "0,04998", never "0,050" beside a verdict that it is below 0.05)."""
    if not np.isfinite(x):
        return "–"
    if x < 0.001:
        return "&lt; 0,001"
    digits = 3
    while digits < 8 and (round(x, digits) < alpha) != (x < alpha):
        digits += 1
    return _num(x, digits)


def summarise_change(change: pd.DataFrame, scales: list[Any] | None = None,
                     alpha: float = 0.05, method: str = "lmm") -> dict[str, list[str]]:
    """Plain-language sentences per scale from the headline method's rows.

    Returns ``{scale code: [sentence per group and wave pair]}`` in Norwegian bokmål.
    """
    out: dict[str, list[str]] = {}
    if change.empty:
        return out
    rows = change.loc[change["method"] == method]
    group_cols = [c for c in ("role", "fylke") if c in rows.columns]
    for scale, g in rows.groupby("scale", sort=False, observed=True):
        lines = []
        for _, r in g.iterrows():
            who = " i ".join(_ROLE_NB.get(str(r[c]), str(r[c])) for c in group_cols)
            who = who[:1].upper() + who[1:]
            span = f"{r['wave_from']}–{r['wave_to']}"
            if not np.isfinite(r["diff"]):
                lines.append(f"{html.escape(who)}, {span}: kan ikke anslås "
                             f"({html.escape(str(r['note']))}).")
                continue
            sure = np.isfinite(r["p_adj"]) and r["p_adj"] < alpha
            # The interval is unadjusted: when it excludes 0 but the adjusted p does not
            # reach alpha, the sentence says both, so verdict and interval never disagree.
            only_unadjusted = not sure and (r["ci_low"] > 0 or r["ci_high"] < 0)
            if sure:
                word = "økte" if r["diff"] > 0 else "sank"
                cls = "up" if r["diff"] > 0 else "down"
            else:
                word, cls = "ingen sikker endring", "flat"
            tail = (f", p {_p(r['p'], alpha)}, justert p {_p(r['p_adj'], alpha)}: intervallet "
                    "utelukker 0 alene, men endringen er ikke sikker etter korreksjon for mange "
                    "tester" if only_unadjusted else f", justert p {_p(r['p_adj'], alpha)}")
            lines.append(
                f'<span class="{cls}">{html.escape(who)}, {span}: {word}</span> '
                f"fra {_num(r['mean_from'])} til {_num(r['mean_to'])} "
                f"(endring {_num(r['diff'])}, ukorrigert 95 % KI {_num(r['ci_low'])} til "
                f"{_num(r['ci_high'])}{tail}).")
        out[str(scale)] = lines
    return out


def _table(df: pd.DataFrame, digits: int = 3, max_rows: int = 400) -> str:
    if df is None or df.empty:
        return "<p>Ingen rader.</p>"
    shown = df.head(max_rows)
    head = "".join(f'<th class="t">{html.escape(str(c))}</th>' if shown[c].dtype == object
                   or isinstance(shown[c].dtype, (pd.CategoricalDtype, pd.StringDtype))
                   else f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    body = []
    for _, r in shown.iterrows():
        cells = []
        for c in shown.columns:
            v = r[c]
            if isinstance(v, (float, np.floating)):
                cells.append(f"<td>{'' if not np.isfinite(v) else _num(v, digits)}</td>")
            elif isinstance(v, (int, np.integer)):
                cells.append(f"<td>{v}</td>")
            else:
                cells.append(f'<td class="t">{html.escape("" if v is None else str(v))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p>Viser {max_rows} av {len(df)} rader; alle står i CSV-filen.</p>" \
        if len(df) > max_rows else ""
    return (f'<div class="tbl"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>{more}")


def _figure(result: RunResult, name: str, caption: str) -> str:
    png = result.out_dir / "figures" / f"{name}.png"
    if png not in set(result.files) or not png.exists():  # only figures drawn by this run
        return ""
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)} (SVG: figures/{name}.svg)</figcaption></figure>")


def _themes_section(result: RunResult) -> str:
    """Suksesskriterier: share of those who wrote anything naming each theme, per role × wave."""
    freq = result.tables.get("themes")
    if freq is None or freq.empty:
        return ""
    wide = freq.pivot_table(index="theme", columns=["role", "wave"], values="share", sort=False)
    wide.columns = [f"{r} {w}" for r, w in wide.columns]
    wide = (wide * 100).round(0).reset_index()
    n = freq.drop_duplicates(["role", "wave"])[["role", "wave", "n_answered"]]
    counts = ", ".join(f"{r} {w}: {k}" for r, w, k in n.itertuples(index=False))
    return ("<h2>Suksesskriterier og gode grep (fritekst)</h2>"
            "<p>Andel (%) av dem som skrev noe, som nevner hvert tema. Koder fra forskernes "
            "koding der den finnes, ellers fra autokoderen. Antall som skrev noe: "
            f"{html.escape(counts)}.</p>"
            + _figure(result, "themes", "Tema i fritekstsvarene per rolle og bølge")
            + _table(wide, digits=0))


def _family_nb(settings: dict[str, Any]) -> str:
    if settings.get("family_steps", "consecutive") == "all":
        return "alle bølgepar i én familie"
    return ("bølgeskritt (påfølgende bølger; første til siste bølge er en egen familie, "
            "siden den følger av skrittene)")


#: Scales whose items are the phases of the work (TN7 2.2); the report shows them phase by phase.
PHASE_SCALES = ("samarbeid", "egen_involvering", "involvering_skoleledere",
                "involvering_tillitsvalgte", "involvering_larere")


def _phase_section(result: RunResult) -> str:
    """Mean per phase (item) by role and wave for the phase scales, from reliability_items."""
    items = result.tables.get("items")
    if items is None or items.empty:
        return ""
    sub = items.loc[items["scale"].astype(str).isin(PHASE_SCALES)]
    if sub.empty:
        return ""
    keys = ["scale", "definition", "item"] if "definition" in sub.columns else ["scale", "item"]
    wide = sub.pivot_table(index=keys, columns=["role", "wave"], values="mean", sort=False)
    wide.columns = [f"{r} {w}" for r, w in wide.columns]
    return ("<h2>Per fase: samarbeid og involvering</h2>"
            "<p>Gjennomsnitt per fase (ledd) for hver rolle og bølge: behovskartlegging (behov), "
            "prioritering (prior), planlegging (plan), gjennomføring (gjenn) og evaluering (eval). "
            "TN7 2.2 beskriver endringen fase for fase, så skalaskåren alene er ikke nok.</p>"
            + _table(wide.reset_index(), digits=2))


def _method_notes(settings: dict[str, Any]) -> str:
    clean = settings.get("cleaning", {})
    items = "".join(f"<li><b>{m}</b>: {html.escape(t)}</li>" for m, t in METHODS.items())
    rules = "".join(f"<li>{html.escape(k)}: {html.escape(str(v))}</li>" for k, v in clean.items())
    versions = ", ".join(f"{k} {v}" for k, v in settings.get("versions", {}).items())
    return f"""
<p>Skåren på en skala er gjennomsnittet av besvarte ledd etter snuing av negativt formulerte
ledd, når minst skalaens minste antall ledd er besvart. «Vet ikke» er manglende, ikke et tall.</p>
<ul>{items}</ul>
<p>Hovedestimatet er den lineære blandede modellen (lmm): den bruker alle svar, også fra dem
som bare svarte i én bølge (frafall og nye deltakere), og tar hensyn til at svar fra samme person
henger sammen. Tverrsnittssammenligningen (welch) behandler bølgene som uavhengige utvalg selv om
mange har svart flere ganger; den er derfor konservativ. Panelsammenligningen (paired) bruker bare
personer som svarte i begge bølgene. Mixed ANOVA (rolle × bølge, pingouin) står i
panel_anova.csv. Korreksjon for mange tester: {html.escape(settings.get("correction", ""))},
innen hver metode over skalaer, grupper og {_family_nb(settings)}. Intervallene er ukorrigerte
95 % intervaller; konklusjonen («økte», «sank») følger den justerte p-verdien, og der de to
spriker, sier teksten det. Reliabilitet: Cronbachs alfa med 95 %
konfidensintervall (Feldt), parvise kovarianser, på svar med skåre.</p>
<p>Rensing:</p><ul>{rules}</ul>
<p>Programvare: {html.escape(versions)}.</p>"""


def _frame_sections(result: RunResult) -> list[str]:
    """Representativeness, weights and weighted change (empty without a frame)."""
    from .report_frame import representativeness_section, weighted_section, weights_section

    return [representativeness_section(result), weighted_section(result),
            weights_section(result)]


def _assumptions(result: RunResult) -> str:
    from .report_frame import assumptions_section

    return assumptions_section(result)


def render_report(result: RunResult, title: str = "Evaluering av dekom") -> str:
    """Render the report of a run as one self-contained HTML page (figures embedded)."""
    t = result.tables
    settings = result.settings
    scales_order = settings.get("scales", [])
    summary = summarise_change(t["change"])
    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p>Laget {datetime.now(ZoneInfo('Europe/Oslo')):%d.%m.%Y kl. %H:%M} fra "
             f"{html.escape(str(settings.get('source') or 'svartabell'))}.</p>"]
    log = t["cleaning_log"]
    kept = log.loc[log["rule"] == "kept"]
    if len(kept):
        k = kept.iloc[0]
        parts.append(f"<p>Etter rensing: {_count(k['answers'])} svar fra {_count(k['responses'])} besvarelser "
                     f"og {_count(k['respondents'])} personer.</p>")
    if result.problems:
        parts.append('<div class="note"><b>Merknader</b><ul>' + "".join(
            f"<li>{html.escape(p)}</li>" for p in result.problems) + "</ul></div>")
    parts.append("<h2>Sammendrag per skala</h2>")
    labels = settings.get("scale_labels", {})
    comp = t.get("comparability")
    status: dict[str, list[str]] = {}
    if comp is not None and not comp.empty:
        for r in comp.itertuples(index=False):
            status.setdefault(str(r.scale), []).append(
                f"{r.definition} ({html.escape(r.items)}): {html.escape(r.status_nb)}")
    for code in scales_order:
        if code in summary or code in status:
            name = labels.get(code) or code
            parts.append(f"<h3>{html.escape(name)} <small>({html.escape(code)})</small></h3>")
            if code in status:
                parts.append('<p class="comparability"><b>Sammenlignbarhet:</b></p><ul>'
                             + "".join(f"<li>{s}</li>" for s in status[code]) + "</ul>")
            if code in summary:
                parts.append("<p>Estimert gjennomsnitt (blandet modell) per bølge:</p><ul>"
                             + "".join(f"<li>{s}</li>" for s in summary[code]) + "</ul>")
    parts.append("<h2>Figurer</h2>")
    for name, caption in [("trend", "Gjennomsnitt per bølge med 95 % KI, én linje per rolle"),
                          ("likert", "Svarfordeling per ledd og bølge"),
                          ("reliability", "Cronbachs alfa med 95 % KI"),
                          ("responses", "Svar per fylke, rolle og bølge")]:
        parts.append(_figure(result, name, caption))
    parts.append(_themes_section(result))
    parts.append(_phase_section(result))
    parts += _frame_sections(result)
    if comp is not None and not comp.empty:
        parts.append("<h2>Sammenlignbarhet mellom bølger</h2>"
                     "<p>En skala sammenlignes bare mellom bølger der den er skåret med samme "
                     "definisjon (samme spørsmål med samme ordlyd, samme snuing og samme minste "
                     "antall besvarte). Når en definisjon bare har tatt ut spørsmål, er den "
                     "beregnet på nytt i de tidligere bølgene, og tidsserien fortsetter; når den "
                     "har nye eller omformulerte spørsmål, starter tidsserien på nytt.</p>"
                     + _table(comp.drop(columns=["status"])))
    change = t["change"]
    if not change.empty:
        head = change.loc[change["method"] == "lmm"]
        parts.append("<h2>Endring (hovedestimat: blandet modell)</h2>" + _table(head))
        parts.append("<details><summary>Alle metoder (change.csv)</summary>"
                     + _table(change) + "</details>")
    parts.append("<h2>Panel: mixed ANOVA rolle × bølge</h2>" + _table(t["panel_anova"]))
    parts.append("<h2>Gjennomsnitt per bølge</h2>" + _table(t["waves"]))
    parts.append("<h2>Reliabilitet</h2>" + _table(t["reliability"]))
    parts.append("<details><summary>Ledd: item-rest-korrelasjoner</summary>"
                 + _table(t["items"], max_rows=2000) + "</details>")
    parts.append("<h2>Rensing</h2>" + _table(log, digits=0))
    parts.append("<h2>Metode</h2>" + _method_notes(settings) + _assumptions(result))
    body = "\n".join(p for p in parts if p)
    return (f'<!doctype html><html lang="nb"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
            f"<body><main>{body}</main></body></html>")


def write_report(result: RunResult, title: str = "Evaluering av dekom") -> Path:
    """Write ``report.html`` into the run's folder and return its path."""
    path = result.out_dir / "report.html"
    path.write_text(render_report(result, title), encoding="utf-8")
    return path

