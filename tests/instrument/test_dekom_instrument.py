"""The real dekom instrument: four role questionnaires, a shared core, scales and codebook."""

from __future__ import annotations

import shutil

import questionnaires as Q

ROLES = {"skoleeier", "skoleleder", "tillitsvalgt", "uh"}


def test_instrument_folder_has_no_problems_not_even_warnings():
    assert [str(p) for p in Q.validate_path(Q.INSTRUMENT_DIR)] == []


def test_one_questionnaire_per_role_sharing_a_common_core():
    instrument = Q.load_instrument()
    assert set(instrument) == ROLES
    codes = {role: set(q.item_codes()) for role, q in instrument.items()}
    core = set.intersection(*codes.values())
    for required in (
        "samarb_behov",
        "samarb_prior",
        "samarb_plan",
        "samarb_gjenn",
        "samarb_eval",
        "suksess_tekst",
        "bg_fylke",
        "deltatt_tiltak",
    ):
        assert required in core
    assert len(core) >= 40
    assert all(codes[r] - core for r in ROLES), "each role also has role-specific items"


def test_every_visible_string_in_three_languages():
    for q in Q.load_instrument().values():
        for page in q.pages:
            assert set(page.title) == {"nb", "nn", "en"}
            for _, item, _ in q.leaf_items():
                assert set(item.text) == {"nb", "nn", "en"}, item.code
                for opt in item.options:
                    assert set(opt.label) == {"nb", "nn", "en"}, (item.code, opt.value)


def test_scales_cover_the_evaluation_note():
    scales = {s.code: s for s in Q.load_scales(Q.INSTRUMENT_DIR / "scales.yaml")}
    assert {
        "samarbeid",
        "likeverd",
        "lokal_involvering",
        "behovstilpasning",
        "opplevd_effekt",
    } <= set(scales)
    assert any(s.reverse for s in scales.values())


def test_scale_items_offer_dont_know_with_a_label():
    scale_items = {i for s in Q.load_scales(Q.INSTRUMENT_DIR / "scales.yaml") for i in s.items}
    for q in Q.load_instrument().values():
        for _, item, _ in q.leaf_items():
            if item.code in scale_items:
                assert item.dont_know and q.response_scales[item.scale].dont_know, item.code


def test_shared_code_with_different_wording_is_reported(tmp_path):
    folder = tmp_path / "instr"
    shutil.copytree(Q.INSTRUMENT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    core = (folder / "core" / "tiltak.yaml").read_text(encoding="utf-8")
    assert "code: suksess_tekst" in core
    # skoleeier gets its own copy of the core page with the free-text question reworded
    (folder / "core" / "tiltak_se.yaml").write_text(
        core.replace("suksesskriterier", "SUKSESSKRITERIER"), encoding="utf-8"
    )
    se = folder / "skoleeier.yaml"
    se.write_text(
        se.read_text(encoding="utf-8").replace(
            "include: core/tiltak.yaml", "include: core/tiltak_se.yaml"
        ),
        encoding="utf-8",
    )
    msgs = [str(p) for p in Q.errors(Q.validate_path(folder))]
    assert any("item 'suksess_tekst': differs (text)" in m for m in msgs), msgs
