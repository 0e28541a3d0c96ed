"""The evaluator's comparability note travels through a whole export: codebook (JSON, HTML) and DDI."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import questionnaires as qn
from evaluation.export import ExportOptions, build_export
from evaluation.export.synthetic import synthetic_source

NOTE = "Ordlyden i samarbeidsmatrisen er rettet i 2023; effekten er vurdert som liten."


def test_note_for_the_exported_wave_is_in_codebook_and_ddi_and_others_are_not(tmp_path):
    src = synthetic_source(qn.load_instrument(), 20, waves=(2021, 2023))
    item = next(code for s in qn.load_scales(qn.INSTRUMENT_DIR / "scales.yaml") for code in s.items)
    base = {
        "role": "skoleleder",
        "version": "dekom_skoleleder v2 (abcdef12)",
        "compared_with": "dekom_skoleleder v1",
        "broken_scales": ["samarbeid"],
        "items": [item],
        "changes": [f"{item}: reworded (nb)"],
    }
    src.comparability_notes = [
        {**base, "wave": 2023, "wave_name": "Dekom 2023", "note": NOTE},
        {**base, "wave": 2025, "wave_name": "Dekom 2025", "note": "not exported"},
    ]
    build_export(
        src,
        ExportOptions(formats=("csv",), layouts=("waves",), themes=False),
        tmp_path,
        pseudonym_key="k",
        workers=1,
    )
    about = json.loads((tmp_path / "codebook.json").read_text(encoding="utf-8"))["about"]
    assert [n["note"] for n in about["comparability_notes"]] == [NOTE]
    html = (tmp_path / "codebook.html").read_text(encoding="utf-8")
    assert "Brudd i sammenlignbarhet" in html and NOTE in html and "not exported" not in html
    xml = (tmp_path / "ddi-codebook.xml").read_text(encoding="utf-8")
    root = ET.fromstring(xml.encode("utf-8"))
    ns = {"d": root.tag.split("}")[0][1:]}
    study = root.find("d:stdyDscr/d:stdyInfo/d:notes", ns)
    assert study is not None and study.get("type") == "comparability" and NOTE in study.text
    var = next(v for v in root.iterfind("d:dataDscr/d:var", ns) if v.get("name") == item)
    assert NOTE in var.find("d:notes", ns).text
