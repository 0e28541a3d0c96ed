"""The codebook: every exported variable with labels, values, missing codes, scales, waves,
versions and counts; written as HTML, CSV and JSON."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .layouts import ExportTable
from .missing import ALL_KINDS, MISSING_KINDS, VALID, kinds, missing_codes, status_names
from .writers.common import neutralise

__all__ = [
    "codebook_entries",
    "write_codebook_csv",
    "write_codebook_json",
    "write_codebook_html",
    "CSV_FIELDS",
]

CSV_FIELDS = (
    "name",
    "label_nb",
    "label_en",
    "type",
    "measure",
    "source",
    "item_code",
    "item_type",
    "question_nb",
    "values",
    "missing_codes",
    "stata_missing",
    "scales",
    "reverse_keyed_in",
    "waves",
    "roles",
    "questionnaire_versions",
    "changes",
    "wide_names",
    "n_valid",
    "n_missing",
)


def _counts(tables: list[ExportTable], name: str) -> tuple[int, dict[str, int]]:
    valid, by_kind = 0, dict[str, int]()
    names = status_names(True)  # only statuses that occur are counted
    for t in tables:
        if name not in t.frame:
            continue
        status = t.status.get(name)
        if status is not None:
            counts = np.bincount(status.astype(np.int64), minlength=len(names))
            valid += int(counts[VALID])
            for s, n in enumerate(counts):
                if s != VALID and n:
                    by_kind[names[s]] = by_kind.get(names[s], 0) + int(n)
        else:
            s = t.frame[name]
            ok = int(s.notna().sum())
            valid += ok
            if len(s) - ok:
                by_kind["blank"] = by_kind.get("blank", 0) + len(s) - ok
    return valid, by_kind


def codebook_entries(
    per_wave: list[ExportTable],
    wide: ExportTable | None = None,
    stata_renames: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One entry per variable of the per-wave files (in file order), with counts over all waves."""
    seen: dict[str, dict[str, Any]] = {}
    wide_names: dict[str, list[str]] = {}
    if wide is not None:
        for c in wide.columns:
            base = c.name if c.wave is None else c.name[: -len(f"_{c.wave}")]
            wide_names.setdefault(base, []).append(c.name)
    for t in per_wave:
        for col in t.columns:
            if col.name in seen:
                continue
            v = col.variable
            entry: dict[str, Any] = {
                "name": col.name,
                "label_nb": col.label.get("nb", ""),
                "label_en": col.label.get("en", ""),
                "type": "string" if col.kind == "string" else "numeric",
                "measure": col.measure,
                "source": col.source,
                "item_code": v.item_code if v else None,
                "item_type": v.item_type if v else None,
                "question_nb": (v.question or {}).get("nb") if v else None,
                "question_en": (v.question or {}).get("en") if v else None,
                "values": [
                    {"value": k, "label_nb": lab.get("nb", ""), "label_en": lab.get("en", "")}
                    for k, lab in (col.value_labels or {}).items()
                ],
                "missing": (
                    [
                        {
                            "name": k.name,
                            "code": missing_codes(col.base, col.not_applicable)[k.status],
                            "stata": "." + k.stata,
                            "label_nb": k.label_nb,
                            "label_en": k.label_en,
                        }
                        for k in kinds(col.not_applicable)
                    ]
                    if col.base is not None
                    else []
                ),
                "scales": list(v.scales) if v else [],
                "reverse_keyed_in": list(v.reverse_in) if v else [],
                "waves": sorted(v.waves) if v else [],
                "roles": list(v.roles) if v else [],
                "questionnaire_versions": list(v.versions) if v else [],
                "changes": list(v.changes) if v else [],
                "wide_names": wide_names.get(col.name, []),
                "stata_name": (stata_renames or {}).get(col.name, col.name),
            }
            if col.kind == "category":
                cats = sorted(
                    {
                        str(x)
                        for tt in per_wave
                        if col.name in tt.frame
                        for x in tt.frame[col.name].dropna().unique()
                    }
                )
                entry["values"] = [
                    {"value": i + 1, "label_nb": c, "label_en": c} for i, c in enumerate(cats)
                ]
            seen[col.name] = entry
    for name, entry in seen.items():
        valid, by_kind = _counts(per_wave, name)
        entry["waves"] = entry["waves"] or sorted(
            int(t.frame["wave"].iloc[0]) for t in per_wave if name in t.frame and len(t.frame)
        )
        entry["n_valid"] = valid
        entry["n_missing"] = sum(by_kind.values())
        entry["n_missing_by_kind"] = by_kind
    return list(seen.values())


def _flat(entry: dict[str, Any]) -> dict[str, str]:
    def join(xs: Iterable[Any]) -> str:
        return "; ".join(str(x) for x in xs)

    return {
        **{k: str(entry[k]) if entry.get(k) is not None else "" for k in CSV_FIELDS},
        "values": join(f"{v['value']}={v['label_nb']}" for v in entry["values"]),
        "missing_codes": join(f"{m['code']}={m['label_nb']}" for m in entry["missing"]),
        "stata_missing": join(f"{m['stata']}={m['label_nb']}" for m in entry["missing"]),
        "scales": join(entry["scales"]),
        "reverse_keyed_in": join(entry["reverse_keyed_in"]),
        "waves": join(entry["waves"]),
        "roles": join(entry["roles"]),
        "questionnaire_versions": join(entry["questionnaire_versions"]),
        "changes": join(
            f"{c['version']}: {c['field']} «{c['before']}» → «{c['after']}»"
            for c in entry["changes"]
        ),
        "wide_names": join(entry["wide_names"]),
    }


def write_codebook_csv(entries: list[dict[str, Any]], path: Path) -> None:
    """One row per variable; list fields joined with "; " (formula-safe, UTF-8)."""
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=list(CSV_FIELDS), lineterminator="\n", extrasaction="ignore"
    )
    writer.writeheader()
    for e in entries:
        writer.writerow({k: neutralise(str(v)) for k, v in _flat(e).items()})
    Path(path).write_text(buf.getvalue(), encoding="utf-8")


def write_codebook_json(entries: list[dict[str, Any]], path: Path, about: dict[str, Any]) -> None:
    """The full codebook as JSON: ``{"about": ..., "variables": [...]}``."""
    Path(path).write_text(
        json.dumps(
            {"about": about, "variables": entries}, ensure_ascii=False, indent=1, default=str
        ),
        encoding="utf-8",
    )


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#1a1a1a}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;"
    "padding:.25rem .5rem;text-align:left;vertical-align:top}h2{margin-top:2.5rem}"
    ".muted{color:#555}code{font-size:.95em}"
)


def write_codebook_html(
    entries: list[dict[str, Any]], path: Path, about: dict[str, Any], lang: str = "nb"
) -> None:
    """A readable, self-contained codebook page (no scripts, no external files)."""
    esc = html.escape
    out = [
        f'<!doctype html><html lang="{esc(lang)}"><head><meta charset="utf-8">'
        f"<title>Kodebok – {esc(str(about.get('title', 'dekom')))}</title>"
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Kodebok: {esc(str(about.get('title', '')))}</h1>",
        f'<p class="muted">Programvare {esc(str(about.get("software", "")))}; '
        f"bølger {esc(', '.join(map(str, about.get('waves', []))))}; "
        f"{'rensede' if about.get('cleaned') else 'rå'} data.</p>",
        "<h2>Manglende verdier</h2><table><tr><th>Navn</th><th>SPSS/CSV (skala 1–5)</th>"
        "<th>Stata</th><th>Betydning</th></tr>",
    ]
    with_na = any(m["name"] == "not_applicable" for e in entries for m in e.get("missing", []))
    codes = missing_codes(99, with_na)
    for k in ALL_KINDS if with_na else MISSING_KINDS:
        out.append(
            f"<tr><td><code>{k.name}</code></td><td>{codes[k.status]}</td>"
            f"<td>.{k.stata}</td><td>{esc(k.label_nb)} / {esc(k.label_en)}</td></tr>"
        )
    notes = about.get("comparability_notes") or []
    if notes:
        out.append(
            "</table><h2>Brudd i sammenlignbarhet</h2><table><tr><th>Bølge</th><th>Rolle</th>"
            "<th>Skjemaversjon</th><th>Skalaer</th><th>Endringer</th><th>Evaluators merknad</th></tr>"
        )
        for n in notes:
            out.append(
                f"<tr><td>{esc(str(n['wave_name']))}</td><td>{esc(n['role'])}</td>"
                f'<td>{esc(n["version"])}<br><span class="muted">mot {esc(str(n.get("compared_with") or ""))}</span></td>'
                f"<td>{esc(', '.join(n['broken_scales']))}</td>"
                f"<td>{'<br>'.join(esc(c) for c in n['changes'])}</td><td>{esc(n['note'])}</td></tr>"
            )
    out.append(
        "</table><h2>Variabler</h2><table><tr><th>Variabel</th><th>Etikett</th>"
        "<th>Type</th><th>Verdier</th><th>Skalaer</th><th>Bølger</th><th>Gyldige</th>"
        "<th>Manglende</th></tr>"
    )
    for e in entries:
        values = "<br>".join(
            f"{esc(str(v['value']))} = {esc(v['label_nb'])}" for v in e["values"][:30]
        )
        if len(e["values"]) > 30:
            values += f"<br>… ({len(e['values'])} i alt)"
        label = esc(e["label_nb"])
        if e.get("label_en"):
            label += f'<br><span class="muted" lang="en">{esc(e["label_en"])}</span>'
        if e.get("changes"):
            label += (
                "<br><em>Endret: "
                + "; ".join(esc(f"{c['version']}: {c['field']}") for c in e["changes"])
                + "</em>"
            )
        out.append(
            f'<tr id="{esc(e["name"])}"><td><code>{esc(e["name"])}</code></td>'
            f"<td>{label}</td><td>{esc(e['type'])} ({esc(e['measure'])})</td>"
            f"<td>{values}</td><td>{esc(', '.join(e['scales']))}</td>"
            f"<td>{esc(', '.join(map(str, e['waves'])))}</td><td>{e['n_valid']}</td>"
            f"<td>{e['n_missing']}</td></tr>"
        )
    out.append("</table></body></html>")
    Path(path).write_text("\n".join(out), encoding="utf-8")
