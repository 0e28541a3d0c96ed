"""Codebook editing makes new versions; REFI-QDA .qdc and .qdpx through the web and the CLI."""

from __future__ import annotations

import io
import re
import zipfile

import sqlalchemy as sa

from evaluation.coding.refi import read_qdpx_codes
from questionnaires import load_codebook
from webapp.domain.coding import DEFAULT_CODEBOOK, final_codes
from webapp.extensions import db
from webapp.models.coding import CodebookVersion, CodingDecision

#: the shipped codebook's own number: the app stores it under that number (as the CLI reports it)
V = load_codebook(DEFAULT_CODEBOOK).version


def _versions(app):
    with app.app_context():
        return {
            v.version_no: (v.content_hash, v.definition)
            for v in db.session.scalars(sa.select(CodebookVersion))
        }


def _form(page):
    """The theme form's current values, as a browser would submit them."""
    values = dict(re.findall(r'<input type="text" id="(\w+)" name="\w+" value="([^"]*)"', page))
    for name, text in re.findall(
        r'<textarea id="(\w+)" name="\w+" rows="\d+"[^>]*>(.*?)</textarea>', page, re.S
    ):
        values[name] = text
    import html

    return {k: html.unescape(v) for k, v in values.items()}


def test_editing_a_theme_makes_a_new_version_and_leaves_the_old_as_it_was(
    app, client, auth, users, coding_data
):
    auth.login(users["researcher"])
    client.post(f"/coding/answer/{coding_data[0]}", data={"theme": ["tid", "ledelse"]})
    before = _versions(app)
    assert list(before) == [V]
    form = _form(client.get("/coding/codebook/theme/tid").get_data(as_text=True))
    assert form["label_nb"] == "Tid og rom satt av"
    form.update(
        label_nb="Tid avsatt", signals=form["signals"] + "\nfellestid*", note="Kortere navn"
    )
    response = client.post("/coding/codebook/theme/tid", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"versjon {V + 1}" in page and "Kortere navn" in page
    after = _versions(app)
    assert after[V] == before[V]  # the shipped version unchanged
    tid = next(t for t in after[V + 1][1]["themes"] if t["code"] == "tid")
    assert tid["label"]["nb"] == "Tid avsatt" and "fellestid*" in tid["signals"]
    assert tid["label"]["en"] == "Time and room set aside"
    with app.app_context():
        v2 = db.session.scalar(
            sa.select(CodebookVersion).where(CodebookVersion.version_no == V + 1)
        )
        carried = db.session.scalars(
            sa.select(CodingDecision).where(CodingDecision.codebook_version_id == v2.id)
        ).all()
        assert {d.theme_code for d in carried if d.applied} == {"tid", "ledelse"} and len(
            carried
        ) == 10
    assert "1 av 8 kodet" in client.get("/coding/").get_data(as_text=True)
    # the same content again makes no new version
    client.post("/coding/codebook/theme/tid", data=form)
    assert list(_versions(app)) == [V, V + 1]


def test_adding_a_theme_and_errors_named_per_field(app, client, auth, users, coding_data):
    auth.login(users["researcher"])
    bad = client.post(
        "/coding/codebook/theme/new", data={"code": "Foreldre", "label_nb": "", "signals": "***"}
    )
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert 'href="#code"' in page and 'href="#label_nb"' in page and "«***»" in page
    brackets = client.post(
        "/coding/codebook/theme/new",
        data={"code": "foreldre", "label_nb": "Foreldre", "signals": "(foreldre|hjemmet deltok"},
    )
    assert brackets.status_code == 400 and "«(foreldre|hjemmet deltok» har parenteser som" in (
        brackets.get_data(as_text=True)
    )
    dup = client.post("/coding/codebook/theme/new", data={"code": "tid", "label_nb": "Tid"})
    assert dup.status_code == 400 and "finnes allerede" in dup.get_data(as_text=True)
    assert list(_versions(app)) == [V]
    ok = client.post(
        "/coding/codebook/theme/new",
        data={
            "code": "foreldre",
            "label_nb": "Foreldre med",
            "definition_nb": "Foreldre er involvert.",
            "signals": "foreldre*\nhjem-skole-samarbeid",
        },
    )
    assert ok.status_code == 302
    v2 = _versions(app)[V + 1][1]
    assert v2["themes"][-1]["code"] == "foreldre" and len(v2["themes"]) == 11
    page = client.get(f"/coding/answer/{coding_data[0]}").get_data(as_text=True)
    assert 'value="foreldre"' in page and f"Kodebok v{V + 1}" in page
    history = client.get("/coding/codebook").get_data(as_text=True)
    assert "+ foreldre" in history


def test_qdc_export_and_import_round_trip_through_the_web(app, client, auth, users, coding_data):
    auth.login(users["researcher"])
    exported = client.get("/coding/codebook/export.qdc")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    xml = exported.get_data(as_text=True)
    assert "urn:QDA-XML:codebook:1.0" in xml and "Tid og rom satt av" in xml
    same = client.post(
        "/coding/codebook/import",
        data={"file": (io.BytesIO(exported.data), "kodebok.qdc")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "ingen ny versjon" in same.get_data(as_text=True)
    assert list(_versions(app)) == [V]
    changed = xml.replace("Tid og rom satt av", "Tid til utviklingsarbeid")
    done = client.post(
        "/coding/codebook/import",
        data={"file": (io.BytesIO(changed.encode()), "fra-nvivo.qdc"), "note": "fra NVivo"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert f"versjon {V + 1}" in done.get_data(as_text=True)
    versions = _versions(app)
    old = {t["code"]: t for t in versions[V][1]["themes"]}
    new = {t["code"]: t for t in versions[V + 1][1]["themes"]}
    assert new["tid"]["label"]["nb"] == "Tid til utviklingsarbeid"
    assert {c: t for c, t in new.items() if c != "tid"} == {
        c: t for c, t in old.items() if c != "tid"
    }
    assert new["tid"]["signals"] == old["tid"]["signals"]


def test_import_errors_name_the_file_and_line(app, client, auth, users, coding_data):
    auth.login(users["researcher"])
    yaml_text = "format: 1\nversion: 1\nitems: [suksess_tekst]\nthemes:\n  - code: Tid\n    label: {nb: Tid}\n"
    page = client.post(
        "/coding/codebook/import",
        data={"file": (io.BytesIO(yaml_text.encode()), "min.yaml")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "min.yaml:5" in page and "[a-z][a-z0-9_]*" in page
    page = client.post(
        "/coding/codebook/import",
        data={"file": (io.BytesIO(b"<CodeBook"), "x.qdc")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "x.qdc: not well-formed XML" in page
    page = client.post(
        "/coding/codebook/import",
        data={"file": (io.BytesIO(b"a,b"), "x.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "x.csv: unknown file type .csv" in page
    assert list(_versions(app)) == [V]


def test_qdpx_holds_the_final_codes(app, client, auth, users, coding_data, tmp_path):
    auth.login(users["researcher"])
    client.post(f"/coding/answer/{coding_data[0]}", data={"theme": ["forskning"]})
    response = client.get("/coding/export.qdpx")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    path = tmp_path / "p.qdpx"
    path.write_bytes(response.data)
    with zipfile.ZipFile(path) as zf:
        assert "project.qde" in zf.namelist()
    themes, sources = read_qdpx_codes(path)
    assert [t.code for t in themes][:2] == ["alle_med", "laerernes_behov"] and len(sources) == 8
    with app.app_context():
        codes = final_codes()
    for row in codes.itertuples():
        source = sources[sources["source"].str.endswith(f"svar {row.answer_id}")].iloc[0]
        for t in (t.code for t in themes):
            assert source[t] == getattr(row, f"theme_{t}"), (row.answer_id, t)
    first = sources[sources["source"].str.endswith(f"svar {coding_data[0]}")].iloc[0]
    assert (
        first["forskning"] == 1
        and first["ledelse"] == 0
        and first["text"].startswith("Rektor satte")
    )


def test_cli_suggest_import_and_exports(app, runner, coding_data, tmp_path):
    result = runner.invoke(args=["coding", "suggest", "--wave", "2023"])
    assert result.exit_code == 0, result.output
    assert (
        f"Codebook v{V}: 5 free-text answers; 5 coded by the auto-coder now, 0 already"
        in result.output
    )
    again = runner.invoke(args=["coding", "suggest"]).output
    assert (
        "8 free-text answers; 3 coded by the auto-coder now, 5 already had its suggestions" in again
    )
    result = runner.invoke(args=["coding", "suggest", "--wave", "1999"])
    assert result.exit_code == 2 and "no wave in 1999" in result.output
    qdc = tmp_path / "k.qdc"
    assert runner.invoke(args=["coding", "export-qdc", "--out", str(qdc)]).exit_code == 0
    qdc.write_text(
        qdc.read_text(encoding="utf-8").replace("Praksisnært", "Nær praksis"), encoding="utf-8"
    )
    result = runner.invoke(args=["coding", "import-codebook", str(qdc), "--note", "cli"])
    assert result.exit_code == 0 and f"as codebook v{V + 1}" in result.output, result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("themes: 3\n", encoding="utf-8")
    result = runner.invoke(args=["coding", "import-codebook", str(bad)])
    assert result.exit_code == 1 and str(bad) in result.output
    out = tmp_path / "p.qdpx"
    assert runner.invoke(args=["coding", "export-qdpx", "--out", str(out)]).exit_code == 0
    assert len(read_qdpx_codes(out)[1]) == 8
    csv = tmp_path / "codes.csv"
    result = runner.invoke(args=["coding", "final-codes", "--out", str(csv), "--wave", "2021"])
    assert result.exit_code == 0 and "Wrote 3 answers (0 coded by researchers)" in result.output
    assert "theme_praksisnaer" in csv.read_text(encoding="utf-8").splitlines()[0]


def test_removing_a_theme_makes_a_version_without_it(app, client, auth, users, coding_data):
    auth.login(users["researcher"])
    client.post(f"/coding/answer/{coding_data[0]}", data={"theme": ["tid", "ledelse"]})
    page = client.post(
        "/coding/codebook/theme/tid/remove", data={}, follow_redirects=True
    ).get_data(as_text=True)
    assert f"er fjernet i versjon {V + 1}" in page and "− tid" in page
    versions = _versions(app)
    assert "tid" in [t["code"] for t in versions[V][1]["themes"]]
    assert "tid" not in [t["code"] for t in versions[V + 1][1]["themes"]]
    with app.app_context():
        codes = final_codes()
    assert "theme_tid" not in codes.columns and "theme_ledelse" in codes.columns
    assert codes.set_index("answer_id").loc[coding_data[0], "theme_ledelse"] == 1
    assert client.post("/coding/codebook/theme/tid/remove").status_code == 404


def test_yaml_codebook_import_through_the_web(app, client, auth, users, coding_data):
    from evaluation.coding import DEFAULT_CODEBOOK

    auth.login(users["researcher"])
    text = DEFAULT_CODEBOOK.read_text(encoding="utf-8").replace(
        "nb: Forskningsbasert", "nb: Bygger på forskning"
    )
    assert "Bygger på forskning" in text
    page = client.post(
        "/coding/codebook/import",
        data={"file": (io.BytesIO(text.encode()), "codebook.yaml")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert f"codebook.yaml er importert som versjon {V + 1} med 10 temaer" in page
    forskning = next(t for t in _versions(app)[V + 1][1]["themes"] if t["code"] == "forskning")
    assert forskning["label"]["nb"] == "Bygger på forskning"
