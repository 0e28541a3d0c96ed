"""questionnaires.diff: what changed between two versions of the real dekom questionnaires."""

from __future__ import annotations

import copy

import questionnaires as Q
from questionnaires.diff import comparability_report, diff_questionnaires
from questionnaires.model import Option, Questionnaire

SKOLEEIER = Q.load_questionnaire(Q.INSTRUMENT_DIR / "skoleeier.yaml")
SCALES = Q.load_scales(Q.INSTRUMENT_DIR / "scales.yaml")
MEMBER = {code: s.code for s in SCALES for code in s.items}


def clone() -> Questionnaire:
    return Questionnaire.from_dict(copy.deepcopy(SKOLEEIER.to_dict()))


def scale_item(q: Questionnaire):
    """The first matrix row that belongs to an analysis scale."""
    return next(
        item for _, item, parent in q.leaf_items() if item.code in MEMBER and parent is not None
    )


def kinds(diff):
    return [(c.code, c.kind, c.language) for c in diff.changes]


def test_same_version_has_no_changes():
    diff = diff_questionnaires(SKOLEEIER, clone(), scales=SCALES)
    assert diff.is_empty and diff.breaking == [] and comparability_report(diff) == []


def test_reworded_per_language_and_breaking_for_a_scale_item():
    new = clone()
    item = scale_item(new)
    item.text["nn"] = item.text["nn"] + " (ny ordlyd)"
    diff = diff_questionnaires(SKOLEEIER, new, scales=SCALES)
    assert kinds(diff) == [(item.code, "reworded", "nn")]
    (change,) = diff.changes
    assert change.breaking and change.scales == (MEMBER[item.code],)
    assert diff.broken_scales() == [MEMBER[item.code]]
    assert "BREAKS COMPARABILITY" in change.describe()
    report = comparability_report(diff)
    assert report[0]["scale"] == MEMBER[item.code] and report[0]["items"] == [item.code]


def test_change_to_an_item_not_measured_before_is_not_breaking():
    new = clone()
    item = scale_item(new)
    item.text["en"] = "Changed"
    diff = diff_questionnaires(SKOLEEIER, new, scales=SCALES, measured=set())
    assert [c.kind for c in diff.changes] == ["reworded"] and not diff.breaking


def test_item_outside_any_scale_is_never_breaking():
    new = clone()
    item = next(i for _, i, _ in new.leaf_items() if i.code not in MEMBER and i.type == "single")
    item.options.append(Option(value=99, label={"nb": "Annet"}))
    item.show_if = {"item": new.leaf_items()[0][1].code, "answered": True}
    diff = diff_questionnaires(SKOLEEIER, new, scales=SCALES)
    assert {c.kind for c in diff.changes} >= {"options_changed", "condition_changed"}
    assert not diff.breaking


def test_added_removed_moved_and_scale_points():
    new = clone()
    page = new.pages[-1]
    removed = page.items.pop()
    page.items.append(Q.Item(code="ny_sporsmal", type="text", text={"nb": "Ny"}, max_length=200))
    scale_name = next(iter(new.response_scales))
    new.response_scales[scale_name].points[0] = {"nb": "Endret", "nn": "Endra", "en": "Changed"}
    other = SCALES[1]
    moved = SCALES[0].items[0]
    shifted = [
        Q.Scale(
            s.code,
            s.label,
            tuple(i for i in s.items if i != moved) + ((moved,) if s is other else ()),
        )
        for s in SCALES
    ]
    diff = diff_questionnaires(SKOLEEIER, new, scales=shifted, old_scales=SCALES)
    found = kinds(diff)
    assert ("ny_sporsmal", "added", None) in found
    assert (removed.code, "removed", None) in found
    assert (moved, "moved_scale", None) in found
    moved_change = next(c for c in diff.changes if c.kind == "moved_scale")
    assert (
        moved_change.old == [SCALES[0].code]
        and moved_change.new == [other.code]
        and moved_change.breaking
    )
    points = [c for c in diff.changes if c.kind == "options_changed"]
    assert points and all(c.breaking for c in points if c.scales)


def test_response_scale_change_and_condition_change_on_matrix():
    new = clone()
    matrix = next(
        i for p in new.pages for i in p.items if i.type == "matrix" and i.rows[0].code in MEMBER
    )
    other_scale = next(n for n in new.response_scales if n != matrix.scale)
    for row in matrix.rows:
        row.scale = other_scale
    matrix.scale = other_scale
    first = new.leaf_items()[0][1].code
    matrix.show_if = {"item": first, "answered": True}
    diff = diff_questionnaires(SKOLEEIER, new, scales=SCALES)
    row_kinds = {(c.code, c.kind) for c in diff.changes}
    for row in matrix.rows:
        assert (row.code, "response_scale_changed") in row_kinds
        assert (row.code, "condition_changed") in row_kinds
    assert set(diff.broken_scales()) >= {MEMBER[matrix.rows[0].code]}
    assert diff.to_dict()["broken_scales"] == diff.broken_scales()


def test_cli_diff_between_files_and_stored_versions(runner, app, tmp_path):
    """flask questionnaires diff OLD NEW on files, then on stored versions named CODE:vN."""
    from webapp.domain.questionnaires import store_version
    from webapp.extensions import db

    new = clone()
    item = scale_item(new)
    item.text["nb"] = "Ny ordlyd"
    from questionnaires.writer import dump_yaml

    path = tmp_path / "ny.yaml"
    path.write_text(dump_yaml(new), encoding="utf-8")
    result = runner.invoke(
        args=["questionnaires", "diff", str(Q.INSTRUMENT_DIR / "skoleeier.yaml"), str(path)]
    )
    assert result.exit_code == 0, result.output
    assert f"{item.code}: reworded (nb)" in result.output
    assert f"comparability broken for scale(s): {MEMBER[item.code]}" in result.output
    with app.app_context():
        v1, _ = store_version(SKOLEEIER)
        v2, _ = store_version(new)
        db.session.commit()
        labels = f"{v1.code}:v{v1.version_no}", f"{v2.code}:v{v2.version_no}"
    result = runner.invoke(args=["questionnaires", "diff", *labels])
    assert result.exit_code == 0 and "1 change(s)" in result.output
    result = runner.invoke(args=["questionnaires", "diff", labels[0], "nosuch:v9"])
    assert result.exit_code == 1 and "neither a file nor a stored version" in result.output


def test_cli_diff_reports_items_moved_between_scales(runner, tmp_path):
    """--old-scales: an item that left one scale for another is 'moved scale' and breaking."""
    text = (Q.INSTRUMENT_DIR / "scales.yaml").read_text(encoding="utf-8")
    moved = SCALES[0].items[0]
    first_items = ", ".join(SCALES[0].items)
    rest = ", ".join(SCALES[0].items[1:])
    assert first_items in text
    changed = text.replace(first_items, rest, 1)
    second_items = ", ".join(SCALES[1].items)
    changed = changed.replace(second_items, second_items + ", " + moved, 1)
    new_scales = tmp_path / "scales.yaml"
    new_scales.write_text(changed, encoding="utf-8")
    src = str(Q.INSTRUMENT_DIR / "skoleeier.yaml")
    result = runner.invoke(
        args=[
            "questionnaires",
            "diff",
            src,
            src,
            "--scales",
            str(new_scales),
            "--old-scales",
            str(Q.INSTRUMENT_DIR / "scales.yaml"),
        ]
    )
    assert result.exit_code == 0, result.output
    assert f"{moved}: moved scale" in result.output and "BREAKS COMPARABILITY" in result.output
