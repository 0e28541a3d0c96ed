"""Instrument version 2 (waves from 2025) next to version 1, which must never change."""

from __future__ import annotations

import shutil
from functools import cache

import sqlalchemy as sa

import questionnaires as Q
from webapp.extensions import db
from webapp.models import QuestionnaireVersion

ROLES = {"skoleeier", "skoleleder", "tillitsvalgt", "uh"}
#: The content hashes of version 1 that the 2021 and 2023 waves point at. Never update these.
V1_HASHES = {
    "skoleeier": "94876915bc060a3836991069aac19dd1a981fb513cf03d0899e65823cfa9039e",
    "skoleleder": "8ad79763db005eb0c7351ac42bd0c67f02e8ae45518520743401573e5dc54ea4",
    "tillitsvalgt": "30ae448c1753d157ef9f6f790d963311bb04d23eac2c82fb606b5c6993a8e1ad",
    "uh": "c2dce20bfb2006b3ab4affbfaa97a91ca13091662856d178eb3299b2b32b126d",
}
V2 = Q.INSTRUMENT_DIR / "v2"


@cache
def _v1():
    return Q.load_instrument(Q.INSTRUMENT_DIR)


@cache
def _v2():
    return Q.load_instrument(V2)


def test_version_1_content_hashes_are_unchanged():
    assert {role: q.content_hash() for role, q in _v1().items()} == V1_HASHES
    assert all(q.version is None and q.instrument_version == 1 for q in _v1().values())


def test_version_folders_list_both_versions_and_v2_validates_without_warnings():
    assert Q.version_folders() == {1: Q.INSTRUMENT_DIR, 2: V2}
    assert set(Q.scale_files()) == {1, 2}
    assert [str(p) for p in Q.validate_path(V2)] == []
    v2 = _v2()
    assert set(v2) == ROLES
    assert all(q.version == 2 for q in v2.values())


def test_root_validation_checks_the_version_folders_too(tmp_path):
    folder = tmp_path / "instr"
    shutil.copytree(Q.INSTRUMENT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    uh = folder / "v2" / "uh.yaml"
    uh.write_text(uh.read_text(encoding="utf-8").replace("version: 2\n", ""), encoding="utf-8")
    messages = [str(p) for p in Q.validate_path(folder)]
    assert any(
        "uh.yaml" in m and "declares version 1" in m and "version 2" in m for m in messages
    ), messages


def test_every_v2_string_in_three_languages_and_nynorsk_is_not_bokmal():
    for q in _v2().values():
        for page in q.pages:
            assert set(page.title) == {"nb", "nn", "en"}, page.id
        for _, item, parent in q.leaf_items():
            assert set(item.text) == {"nb", "nn", "en"}, item.code
            for opt in item.options:
                assert set(opt.label) == {"nb", "nn", "en"}, (item.code, opt.value)
            texts = [item.text["nn"]] + ([parent.text["nn"]] if parent else [])
            for word in (
                " ikke ",
                " hvordan ",
                " hvilke ",
                " lærerne",
                " skolene",
                " jeg ",
                " kollegaene",
            ):
                assert all(word not in f" {t} " for t in texts), (item.code, word)


def test_kept_codes_keep_their_words_so_trends_survive():
    v1, v2 = _v1(), _v2()
    for role in ROLES:
        old = {i.code: i for _, i, _ in v1[role].leaf_items()}
        new = {i.code: i for _, i, _ in v2[role].leaf_items()}
        kept = set(old) & set(new)
        assert len(kept) >= 30, role
        for code in kept:
            assert old[code].text == new[code].text, (role, code)
            if old[code].type == "likert":
                assert (
                    v1[role].response_scales[old[code].scale].points
                    == v2[role].response_scales[new[code].scale].points
                ), code


def test_double_barrelled_and_leading_items_are_gone_and_replaced():
    codes = {c for q in _v2().values() for c in q.item_codes()}
    for gone in (
        "likev_innflytelse",
        "likev_kompetanse",
        "forpl_ressurser",
        "forpl_langsiktig",
        "lokinv_ledere",
        "lokinv_larere",
        "behov_praksis",
        "behov_pakke",
        "grep_ledelse",
        "forst_dialog",
        "tv_avsatt_tid",
        "lokinv_ovenfra",
        "likev_kunde",
        "se_ledelse_kap",
    ):
        assert gone not in codes, gone
    for new in (
        "likev_innfl_valg",
        "likev_innfl_utforming",
        "likev_anerkjenner",
        "likev_bruker",
        "forpl_tid",
        "forpl_midler",
        "forpl_lang",
        "forpl_plan",
        "behov_praksisnaert",
        "behov_klasserom",
        "kj_ledelse_prioriterer",
        "kj_ledelse_leder",
        "forst_uenig_opp",
        "forst_uenig_dialog",
        "tv_tid_avsatt",
        "tv_tid_tillegg",
        "lokinv_bestemt",
        "likev_bestiller",
    ):
        assert new in codes, new
    assert "bestiller" in _v2()["uh"].find_item("likev_bestiller").text["nb"]
    assert "«" not in _v2()["uh"].find_item("lokinv_bestemt").text["nb"]


def test_new_blocks_from_the_note_are_asked_of_every_role():
    for role, q in _v2().items():
        codes = set(q.item_codes())
        actor_phase = {
            f"akt_{a}_{p}"
            for a in ("sl", "tv", "lar")
            for p in ("behov", "prior", "plan", "gjenn", "eval")
        }
        assert actor_phase <= codes, role
        assert {
            "lytt_synspunkt",
            "lytt_behov",
            "hort_selv",
            "fornoyd_ordning",
            "fornoyd_tiltak",
        } <= codes
        assert {
            "behov_kartlagt",
            "tuh_behov",
            "tuh_plan",
            "tuh_gjenn",
            "tuh_eval",
            "behov_dialog_uh",
        } <= codes
        assert {"led_tid", "led_kompetanse", "led_drift", "led_forutsetning", "led_bygges"} <= codes
        assert {
            "tiltak_varighet",
            "tiltak_start",
            "tiltak_evaluert",
            "tiltak_eval_hvordan",
        } <= codes
        kartlagt = {o.value: o.label["nb"] for o in q.find_item("behov_kartlagt").options}
        assert "skolen" in kartlagt[1] and "kommunen" in kartlagt[2] and "nettverket" in kartlagt[3]
        types = {o.value: o.label["nb"] for o in q.find_item("tiltak_type").options}
        assert "kompetansepakke" in types[7] and "fellestiltak" in types[8]
        old_types = {o.value: o.label for o in _v1()[role].find_item("tiltak_type").options}
        assert all(types[v] == old_types[v]["nb"] for v in old_types), (
            "options 1-6 keep their meaning"
        )


def test_school_roles_are_asked_about_their_own_school():
    v2 = _v2()
    for role in ("skoleleder", "tillitsvalgt"):
        assert "skolen din" in v2[role].find_item("tiltak_deltakere_skole").text["nb"]
        assert v2[role].find_item("tiltak_deltakere") is None
    for role in ("skoleeier", "uh"):
        assert v2[role].find_item("tiltak_deltakere_skole") is None
    label = v2["uh"].find_item("uh_stilling").options[0].label["nb"]
    assert "universitets- eller høgskolelektor" in label


def test_dont_know_and_not_applicable_are_separate_where_an_item_may_not_apply():
    v2 = _v2()
    for q in v2.values():
        scale = q.response_scales["grad5"]
        assert scale.dont_know["nb"] == "Vet ikke" and "Ikke relevant" in scale.not_applicable["nb"]
        for code in ("sam_behov", "medbest", "res_laering", "res_miljo"):
            assert q.find_item(code).not_applicable, code
        assert not q.find_item("likev_partnere").not_applicable


def test_a_not_applicable_item_needs_a_label_on_its_scale(tmp_path):
    folder = tmp_path / "instr"
    shutil.copytree(Q.INSTRUMENT_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    scales = folder / "v2" / "core" / "svarskalaer.yaml"
    text = scales.read_text(encoding="utf-8")
    scales.write_text(
        text.replace(
            "    not_applicable: {nb: Ikke relevant for meg, nn: Ikkje relevant for meg, en: Not applicable to me}\n",
            "",
            1,
        ),
        encoding="utf-8",
    )
    messages = [str(p) for p in Q.validate_path(folder / "v2")]
    assert any(
        "involvering.yaml" in m and "'medbest'" in m and "no 'not_applicable' label" in m
        for m in messages
    ), messages


def test_import_stores_both_versions_immutably_and_is_idempotent(app, runner):
    first = runner.invoke(args=["questionnaires", "import"])
    assert first.exit_code == 0, first.output
    assert first.output.count("new:") == 8
    again = runner.invoke(args=["questionnaires", "import"])
    assert again.output.count("unchanged:") == 8 and "new:" not in again.output
    with app.app_context():
        rows = db.session.scalars(sa.select(QuestionnaireVersion)).all()
        by = {(v.role, v.version_no): v for v in rows}
        assert {k[1] for k in by} == {1, 2}
        for role in ROLES:
            assert by[(role, 1)].content_hash == V1_HASHES[role]
            assert by[(role, 2)].questionnaire.version == 2
            assert by[(role, 1)].questionnaire.version is None


def test_not_applicable_is_a_missing_code_only_where_offered_and_the_form_offers_it_last():
    import pytest

    from webapp.domain.responses import InvalidAnswer, check_value
    from webapp.survey.forms import choices

    q = _v2()["tillitsvalgt"]
    assert check_value(q, q.find_item("sam_behov"), Q.NOT_APPLICABLE) == Q.NOT_APPLICABLE
    assert check_value(q, q.find_item("sam_behov"), Q.DONT_KNOW) == Q.DONT_KNOW
    with pytest.raises(InvalidAnswer, match="ikke relevant"):
        check_value(q, q.find_item("likev_partnere"), Q.NOT_APPLICABLE)
    offered = choices(q, q.find_item("sam_behov"), "nn")
    assert offered[-2:] == [
        (Q.DONT_KNOW, "Veit ikkje"),
        (Q.NOT_APPLICABLE, "Ikkje relevant for meg"),
    ]
    assert [v for v, _ in choices(q, q.find_item("likev_partnere"), "nb")][-1] == Q.DONT_KNOW


def test_v1_to_v2_diff_lists_what_breaks_and_missing_options_alone_break_nothing():
    from questionnaires.diff import comparability_report, diff_questionnaires

    files = Q.scale_files()
    v1_scales, v2_scales = Q.load_scales(files[1]), Q.load_scales(files[2])
    for role in ROLES:
        diff = diff_questionnaires(_v1()[role], _v2()[role], scales=v2_scales, old_scales=v1_scales)
        assert set(diff.broken_scales()) == {
            "samarbeid",
            "likeverd",
            "felles_forstaelse",
            "forpliktelse",
            "lokal_involvering",
            "behovstilpasning",
            "opplevd_effekt",
        }, role
        missing = diff.by_kind("missing_options_changed")
        assert {c.code for c in missing} >= {"invol_behov", "medbest", "forst_maal"}
        assert not any(c.breaking for c in missing), (
            "vet ikke / ikke relevant apart keeps scores comparable"
        )
        rows = {r["scale"]: r for r in comparability_report(diff)}
        assert "forst_dialog" in rows["felles_forstaelse"]["items"]
        assert "egen_involvering" not in rows and "medbestemmelse" not in rows


def test_a_changed_point_label_still_breaks():
    from questionnaires.diff import diff_questionnaires

    new = Q.Questionnaire.from_dict(_v2()["uh"].to_dict())
    new.response_scales["grad5"].points[0] = {
        "nb": "Ikke i det hele tatt",
        "nn": "Ikkje i det heile",
        "en": "Not at all",
    }
    diff = diff_questionnaires(_v2()["uh"], new, scales=Q.load_scales(Q.scale_files()[2]))
    assert "egen_involvering" in diff.broken_scales()


def test_codebook_nynorsk_has_no_bokmal_forms():
    book = Q.load_codebook(Q.INSTRUMENT_DIR / "codebook.yaml")
    for theme in book.themes:
        for text in (theme.label, theme.definition, theme.include, theme.exclude):
            assert "kollegaene" not in (text or {}).get("nn", ""), theme.code


def test_the_app_compares_the_2025_questionnaire_with_2023_by_each_versions_scales(app, runner):
    assert runner.invoke(args=["demo", "load", "--size", "20"]).exit_code == 0
    from webapp.domain.questionnaires import comparability
    from webapp.models import Wave

    with app.app_context():
        wave = db.session.scalar(sa.select(Wave).where(Wave.year == 2025))
        q = wave.version_for("tillitsvalgt").questionnaire
        last_wave, last_version, diff = comparability(q, "tillitsvalgt", exclude=wave)
        assert last_wave.year == 2023 and last_version.questionnaire.instrument_version == 1
        assert (
            "samarbeid" in diff.broken_scales() and "egen_involvering" not in diff.broken_scales()
        )
        assert "medbestemmelse" not in diff.broken_scales(), (
            "ikke relevant on medbest is not a break"
        )
        assert diff.recomputable == ["behovstilpasning", "felles_forstaelse"], (
            "their trends continue"
        )
        old_id, new_id = last_version.id, wave.version_for("tillitsvalgt").id
    client = app.test_client()
    login = client.post(
        "/auth/login", data={"email": "evaluator@dekom.local", "password": "dekom-demo-2025"}
    )
    assert login.status_code == 302
    page = client.get(f"/console/questionnaires/diff?old={old_id}&new={new_id}").get_data(
        as_text=True
    )
    assert "Bryter sammenlignbarheten" in page and "samarbeid" in page
    assert "Tidsserien fortsetter likevel for behovstilpasning, felles_forstaelse" in page
    assert "bare «vet ikke» / «ikke relevant» endret" in page
