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
from .cleaning_text import ACTIONS, PARTIAL_MODES
from .notes_text import method_text, notes_in
from .report_svg import scale_figures
from .report_text import COLUMNS, PRINT_CSS, labelled_table, number, role_name, text

#: columns holding a year: shown as 2025, never with a thousands space
YEAR_COLUMNS = ("wave", "wave_from", "wave_to", "bølge", "year")

if TYPE_CHECKING:
    from .pipeline import RunResult

__all__ = ["render_report", "write_report", "summarise_change", "summary_section"]

_CSS = (
    """
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
    + PRINT_CSS
)

_ROLE_NB = {
    "skoleeier": "skoleeiere",
    "skoleleder": "skoleledere",
    "tillitsvalgt": "tillitsvalgte",
    "uh": "UH",
}


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


def summarise_change(
    change: pd.DataFrame,
    scales: list[Any] | None = None,
    alpha: float = 0.05,
    method: str = "lmm",
    lang: str = "nb",
) -> dict[str, list[str]]:
    """Plain-language sentences per scale from the headline method's rows.

    Returns ``{scale code: [sentence per group and wave pair]}`` in bokmål (or English).
    """
    if lang == "en":
        return _summarise_change_en(change, alpha, method)
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
                lines.append(
                    f"{html.escape(who)}, {span}: kan ikke anslås ({html.escape(str(r['note']))})."
                )
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
            tail = (
                f", p {_p(r['p'], alpha)}, justert p {_p(r['p_adj'], alpha)}: intervallet "
                "utelukker 0 alene, men endringen er ikke sikker etter korreksjon for mange "
                "tester"
                if only_unadjusted
                else f", justert p {_p(r['p_adj'], alpha)}"
            )
            lines.append(
                f'<span class="{cls}">{html.escape(who)}, {span}: {word}</span> '
                f"fra {_num(r['mean_from'])} til {_num(r['mean_to'])} "
                f"(endring {_num(r['diff'])}, ukorrigert 95 % KI {_num(r['ci_low'])} til "
                f"{_num(r['ci_high'])}{tail})."
            )
        out[str(scale)] = lines
    return out


def _summarise_change_en(change: pd.DataFrame, alpha: float, method: str) -> dict[str, list[str]]:
    """The English sentences of :func:`summarise_change`."""
    out: dict[str, list[str]] = {}
    if change.empty:
        return out
    rows = change.loc[change["method"] == method]
    group_cols = [c for c in ("role", "fylke") if c in rows.columns]
    for scale, g in rows.groupby("scale", sort=False, observed=True):
        lines = []
        for _, r in g.iterrows():
            who = " in ".join(
                role_name(r[c], "en") if c == "role" else str(r[c]) for c in group_cols
            )
            who = who[:1].upper() + who[1:]
            span = f"{r['wave_from']}–{r['wave_to']}"
            if not np.isfinite(r["diff"]):
                lines.append(
                    f"{html.escape(who)}, {span}: cannot be estimated ({html.escape(str(r['note']))})."
                )
                continue
            sure = np.isfinite(r["p_adj"]) and r["p_adj"] < alpha
            word, cls = (
                (("rose", "up") if r["diff"] > 0 else ("fell", "down"))
                if sure
                else ("no certain change", "flat")
            )
            lines.append(
                f'<span class="{cls}">{html.escape(who)}, {span}: {word}</span> '
                f"from {number(r['mean_from'], 2, 'en')} to {number(r['mean_to'], 2, 'en')} "
                f"(change {number(r['diff'], 2, 'en')}, unadjusted 95% CI {number(r['ci_low'], 2, 'en')} to "
                f"{number(r['ci_high'], 2, 'en')}, adjusted p {number(r['p_adj'], 3, 'en')})."
            )
        out[str(scale)] = lines
    return out


def _table(
    df: pd.DataFrame,
    digits: int = 3,
    max_rows: int = 400,
    lang: str = "nb",
    labels: dict[str, str] | None = None,
    item_texts: dict[str, str] | None = None,
) -> str:
    """A result table with labelled columns, roles and methods in words and the language's numbers."""
    if df is None or df.empty:
        return f"<p>{text('no_rows', lang)}</p>"
    total = len(df)
    years = {
        COLUMNS.get(c, (c, c))[1 if lang == "en" else 0] for c in YEAR_COLUMNS if c in df.columns
    }
    df = labelled_table(df.head(max_rows), lang, labels, item_texts)
    shown = df
    head = "".join(
        f'<th class="t">{html.escape(str(c))}</th>'
        if shown[c].dtype == object
        or isinstance(shown[c].dtype, (pd.CategoricalDtype, pd.StringDtype))
        else f"<th>{html.escape(str(c))}</th>"
        for c in shown.columns
    )
    body = []
    for _, r in shown.iterrows():
        cells = []
        for c in shown.columns:
            v = r[c]
            if isinstance(v, (bool, np.bool_)):
                cells.append(
                    f'<td class="t">{"ja" if v and lang == "nb" else ("yes" if v else "")}</td>'
                )
            elif isinstance(v, (float, np.floating)):
                cells.append(
                    f"<td>{'' if not np.isfinite(v) else number(float(v), digits, lang)}</td>"
                )
            elif isinstance(v, (int, np.integer)):
                cells.append(f"<td>{int(v) if c in years else number(int(v), 0, lang)}</td>")
            else:
                cells.append(f'<td class="t">{html.escape("" if v is None else str(v))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f"<p>{text('more_rows', lang, shown=max_rows, total=total)}</p>" if total > max_rows else ""
    )
    return (
        f'<div class="tbl"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{more}"
    )


def _figure(result: RunResult, name: str, caption: str) -> str:
    png = result.out_dir / "figures" / f"{name}.png"
    if png not in set(result.files) or not png.exists():  # only figures drawn by this run
        return ""
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">'
        f"<figcaption>{html.escape(caption)} (SVG: figures/{name}.svg)</figcaption></figure>"
    )


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
    return (
        "<h2>Suksesskriterier og gode grep (fritekst)</h2>"
        "<p>Andel (%) av dem som skrev noe, som nevner hvert tema. Koder fra forskernes "
        "koding der den finnes, ellers fra autokoderen. Antall som skrev noe: "
        f"{html.escape(counts)}.</p>"
        + _figure(result, "themes", "Tema i fritekstsvarene per rolle og bølge")
        + _table(wide, digits=0)
    )


def _family_nb(settings: dict[str, Any]) -> str:
    if settings.get("family_steps", "consecutive") == "all":
        return "alle bølgepar i én familie"
    return (
        "bølgeskritt (påfølgende bølger; første til siste bølge er en egen familie, "
        "siden den følger av skrittene)"
    )


#: Scales whose items are the phases of the work (TN7 2.2); the report shows them phase by phase.
PHASE_SCALES = (
    "samarbeid",
    "egen_involvering",
    "involvering_skoleledere",
    "involvering_tillitsvalgte",
    "involvering_larere",
)


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
    return (
        "<h2>Per fase: samarbeid og involvering</h2>"
        "<p>Gjennomsnitt per fase (ledd) for hver rolle og bølge: behovskartlegging (behov), "
        "prioritering (prior), planlegging (plan), gjennomføring (gjenn) og evaluering (eval). "
        "TN7 2.2 beskriver endringen fase for fase, så skalaskåren alene er ikke nok.</p>"
        + _table(wide.reset_index(), digits=2, item_texts=result.settings.get("item_texts"))
    )


#: cleaning settings in words (bokmål, English)
RULE_NAMES = {
    "duplicates": ("Dubletter", "Duplicates"),
    "partial": ("Påbegynte besvarelser", "Partial responses"),
    "partial_min_share": ("Minste andel besvart (påbegynte)", "Least share answered (partial)"),
    "speeders": ("For raske svar", "Speeders"),
    "speeder_fraction": ("Grense for raske svar (× median)", "Speeder limit (× median)"),
    "speeder_seconds": ("Grense for raske svar (sekunder)", "Speeder limit (seconds)"),
    "straightlining": ("Like svar i en matrise", "Straight-lining"),
    "straightline_min_items": (
        "Minst antall besvarte i matrisen",
        "Least items answered in the matrix",
    ),
    "out_of_range": ("Utenfor skalaen", "Outside the scale"),
    "matrices": ("Matriser", "Matrices"),
}


def _rules_list(clean: dict[str, Any], lang: str) -> str:
    """The cleaning settings as a list in words, numbers in the language's format."""
    i = 1 if lang == "en" else 0
    items = []
    for key, value in clean.items():
        shown = (
            number(value, 2, lang)
            if isinstance(value, float)
            else ("–" if value is None else str(value))
        )
        if isinstance(value, str):
            shown = ACTIONS[lang].get(value) or PARTIAL_MODES[lang].get(value) or shown
        items.append(
            f"<li>{html.escape(RULE_NAMES.get(key, (key, key))[i])}: {html.escape(shown)}</li>"
        )
    return "".join(items)


def _method_notes(settings: dict[str, Any]) -> str:
    clean = settings.get("cleaning", {})
    items = "".join(f"<li><b>{m}</b>: {html.escape(method_text(m, 'nb'))}</li>" for m in METHODS)
    rules = _rules_list(clean, "nb")
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

    return [representativeness_section(result), weighted_section(result), weights_section(result)]


def _assumptions(result: RunResult) -> str:
    from .report_frame import assumptions_section

    return assumptions_section(result)


def _made_line(settings: dict[str, Any], lang: str) -> str:

    now = datetime.now(ZoneInfo("Europe/Oslo"))
    when = now.strftime("%d.%m.%Y kl. %H:%M") if lang != "en" else now.strftime("%d %b %Y, %H:%M")
    source = html.escape(
        str(settings.get("source") or ("svartabell" if lang != "en" else "answers table"))
    )
    return (
        f'<p>{text("made", lang, when=when, source=source)} <span class="screen-only">{text("print", lang)} '
        f"{text('other_lang', lang)}</span></p>"
    )


def summary_section(result: RunResult, lang: str = "nb", alpha: float = 0.05) -> str:
    """The short summary: how many answered, and which scales rose or fell with certainty."""
    t = result.tables
    labels = _scale_labels(result.settings, lang)
    parts = [f'<section class="summary"><h2>{text("summary", lang)}</h2>']
    log = t["cleaning_log"]
    kept = log.loc[log["rule"] == "kept"]
    if len(kept):
        k = kept.iloc[0]
        parts.append(
            "<p>"
            + text(
                "kept",
                lang,
                answers=number(int(k["answers"]), 0, lang),
                responses=number(int(k["responses"]), 0, lang),
                respondents=number(int(k["respondents"]), 0, lang),
            )
            + "</p>"
        )
    change = t["change"]
    if not change.empty:
        head = change.loc[
            (change["method"] == "lmm")
            & np.isfinite(change["p_adj"].astype(float))
            & (change["p_adj"].astype(float) < alpha)
        ]
        for key, sign in (("summary_up", 1), ("summary_down", -1)):
            rows = head.loc[np.sign(head["diff"].astype(float)) == sign]
            if rows.empty:
                continue
            items = "".join(
                f"<li>{html.escape(labels.get(str(r.scale), str(r.scale)))}, {html.escape(role_name(r.role, lang))} "
                f"{r.wave_from}–{r.wave_to}: {number(r.mean_from, 2, lang)} → {number(r.mean_to, 2, lang)}</li>"
                for r in rows.itertuples(index=False)
            )
            parts.append(f"<p><b>{text(key, lang)}</b></p><ul>{items}</ul>")
        parts.append(f"<p>{text('summary_none', lang)}</p>")
    parts.append("</section>")
    return "".join(parts)


def _scale_labels(settings: dict[str, Any], lang: str) -> dict[str, str]:
    if lang == "en":
        return {**settings.get("scale_labels", {}), **settings.get("scale_labels_en", {})}
    return dict(settings.get("scale_labels", {}))


def _method_notes_en(settings: dict[str, Any]) -> str:
    clean = settings.get("cleaning", {})
    rules = _rules_list(clean, "en")
    versions = ", ".join(f"{k} {v}" for k, v in settings.get("versions", {}).items())
    return f"""
<p>A scale score is the mean of the answered items after reversing negatively worded items, when
at least the scale's minimum number of items is answered. "Don't know" is missing, not a number.</p>
<p>The main estimate is a linear mixed model: it uses every answer, also from those who answered in
one wave only, and allows for answers from the same person being related. The cross-section
comparison (Welch) treats the waves as independent samples; the panel comparison (paired) uses
only persons who answered in both waves. Correction for many tests: {html.escape(str(settings.get("correction", "")))}.
Intervals are unadjusted 95% intervals; the verdict ("rose", "fell") follows the adjusted p-value.
Reliability: Cronbach's alpha with a 95% confidence interval (Feldt).</p>
<p>Cleaning:</p><ul>{rules}</ul>
<p>Software: {html.escape(versions)}.</p>"""


def render_report(result: RunResult, title: str | None = None, lang: str = "nb") -> str:
    """Render the report of a run as one self-contained HTML page (figures embedded), in nb or en."""
    lang = "en" if lang == "en" else "nb"
    title = title or ("Evaluering av dekom" if lang == "nb" else "Evaluation of dekom")
    t = result.tables
    settings = result.settings
    scales_order = settings.get("scales", [])
    labels = _scale_labels(settings, lang)
    summary = summarise_change(t["change"], lang=lang)
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        _made_line(settings, lang),
        summary_section(result, lang),
    ]
    log = t["cleaning_log"]
    if result.problems:
        parts.append(
            f'<div class="note"><b>{text("notes", lang)}</b><ul>'
            + "".join(f"<li>{html.escape(p)}</li>" for p in notes_in(result.problems, lang))
            + "</ul></div>"
        )
    parts.append(f'<h2 class="chapter">{text("scale_figures", lang)}</h2>')
    parts.append(scale_figures(t.get("waves"), scales_order, labels, lang))
    parts.append(f'<h2 class="chapter">{text("per_scale", lang)}</h2>')
    comp = t.get("comparability")
    status: dict[str, list[str]] = {}
    if comp is not None and not comp.empty and lang == "nb":
        for r in comp.itertuples(index=False):
            status.setdefault(str(r.scale), []).append(
                f"{r.definition} ({html.escape(r.items)}): {html.escape(r.status_nb)}"
            )
    for code in scales_order:
        if code in summary or code in status:
            name = labels.get(code) or code
            parts.append(f"<h3>{html.escape(name)}</h3>")
            if code in status:
                parts.append(
                    '<p class="comparability"><b>Sammenlignbarhet:</b></p><ul>'
                    + "".join(f"<li>{s}</li>" for s in status[code])
                    + "</ul>"
                )
            if code in summary:
                lead = (
                    "Estimert gjennomsnitt (blandet modell) per bølge:"
                    if lang == "nb"
                    else "Estimated mean (mixed model) per wave:"
                )
                parts.append(
                    f"<p>{lead}</p><ul>" + "".join(f"<li>{s}</li>" for s in summary[code]) + "</ul>"
                )
    parts.append(f'<h2 class="chapter">{text("figures", lang)}</h2>')
    captions = {
        "nb": [
            ("trend", "Gjennomsnitt per bølge med 95 % KI, én linje per rolle"),
            ("likert", "Svarfordeling per ledd og bølge"),
            ("reliability", "Cronbachs alfa med 95 % KI"),
            ("responses", "Svar per fylke, rolle og bølge"),
        ],
        "en": [
            ("trend", "Mean per wave with 95% CI, one line per role"),
            ("likert", "Answers per item and wave"),
            ("reliability", "Cronbach's alpha with 95% CI"),
            ("responses", "Answers per county, role and wave"),
        ],
    }
    for name, caption in captions[lang]:
        parts.append(_figure(result, name, caption))
    if lang == "nb":
        parts.append(_themes_section(result))
        parts.append(_phase_section(result))
        parts += _frame_sections(result)
        if comp is not None and not comp.empty:
            parts.append(
                "<h2>Sammenlignbarhet mellom bølger</h2>"
                "<p>En skala sammenlignes bare mellom bølger der den er skåret med samme "
                "definisjon (samme spørsmål med samme ordlyd, samme snuing og samme minste "
                "antall besvarte). Når en definisjon bare har tatt ut spørsmål, er den "
                "beregnet på nytt i de tidligere bølgene, og tidsserien fortsetter; når den "
                "har nye eller omformulerte spørsmål, starter tidsserien på nytt.</p>"
                + _table(comp.drop(columns=["status"]), lang=lang, labels=labels)
            )
    change = t["change"]
    if not change.empty:
        head = change.loc[change["method"] == "lmm"]
        parts.append(
            f'<h2 class="chapter">{text("change", lang)}</h2>'
            + _table(head, lang=lang, labels=labels)
        )
        parts.append(
            f"<details><summary>{text('all_methods', lang)}</summary>"
            + _table(change, lang=lang, labels=labels)
            + "</details>"
        )
    parts.append(
        f"<h2>{text('anova', lang)}</h2>" + _table(t["panel_anova"], lang=lang, labels=labels)
    )
    parts.append(f"<h2>{text('waves', lang)}</h2>" + _table(t["waves"], lang=lang, labels=labels))
    parts.append(
        f"<h2>{text('reliability', lang)}</h2>" + _table(t["reliability"], lang=lang, labels=labels)
    )
    parts.append(
        f"<details><summary>{text('items', lang)}</summary>"
        + _table(
            t["items"],
            max_rows=2000,
            lang=lang,
            labels=labels,
            item_texts=settings.get("item_texts"),
        )
        + "</details>"
    )
    from .cleaning_text import cleaning_log_in

    parts.append(
        f"<h2>{text('cleaning', lang)}</h2>"
        + _table(cleaning_log_in(log, lang), digits=0, lang=lang)
    )
    methods = (
        _method_notes(settings) + _assumptions(result)
        if lang == "nb"
        else _method_notes_en(settings)
    )
    parts.append(f'<h2 class="chapter">{text("methods", lang)}</h2>' + methods)
    body = "\n".join(p for p in parts if p)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def write_report(result: RunResult, title: str | None = None) -> Path:
    """Write ``report.html`` (bokmål) and ``report_en.html`` (English); return the bokmål path."""
    path = result.out_dir / "report.html"
    path.write_text(render_report(result, title), encoding="utf-8")
    english = result.out_dir / "report_en.html"
    en_title = None if title is None or title.startswith("Evaluering av dekom") else title
    english.write_text(render_report(result, en_title, "en"), encoding="utf-8")
    if english not in result.files:
        result.files.append(english)
    return path
