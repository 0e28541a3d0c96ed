"""REFI-QDA export and import: well-formed XML with the structure of the REFI-QDA schemas."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
import pytest
import yaml

from evaluation.coding import resolve_codebook
from evaluation.coding.refi import (
    CODEBOOK_NS,
    PROJECT_NS,
    read_qdc,
    read_qdpx_codes,
    theme_guid,
    themes_to_codebook_dict,
    write_qdc,
    write_qdpx,
)
from questionnaires import load_codebook

DATA = Path(__file__).parent / "data" / "coded_answers.csv"
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
RGB = re.compile(r"^#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$")

# Element -> (children in schema order, required attributes, optional attributes), transcribed
# from the REFI-QDA Codebook.xsd and Project.xsd (QDA-XML 1.0) for the elements we write.
_CODE = (["Description", "NoteRef", "Code"], {"guid", "name", "isCodable"}, {"color"})
CODEBOOK_SCHEMA = {
    "CodeBook": (["Codes", "Sets"], set(), {"origin"}),
    "Codes": (["Code"], set(), set()),
    "Code": _CODE,
    "Description": ([], set(), set()),
    "Sets": (["Set"], set(), set()),
    "Set": (["Description", "MemberCode"], {"guid", "name"}, set()),
    "MemberCode": ([], {"guid"}, set()),
}
_STAMPS = {"creatingUser", "creationDateTime", "modifyingUser", "modifiedDateTime"}
PROJECT_SCHEMA = {
    "Project": (
        [
            "Users",
            "CodeBook",
            "Variables",
            "Cases",
            "Sources",
            "Notes",
            "Links",
            "Sets",
            "Graphs",
            "Description",
            "NoteRef",
        ],
        {"name"},
        {
            "origin",
            "creatingUserGUID",
            "creationDateTime",
            "modifyingUserGUID",
            "modifiedDateTime",
            "basePath",
        },
    ),
    "Users": (["User"], set(), set()),
    "User": ([], {"guid"}, {"name", "id"}),
    "CodeBook": (["Codes"], set(), set()),
    "Codes": (["Code"], set(), set()),
    "Code": _CODE,
    "Description": ([], set(), set()),
    "Variables": (["Variable"], set(), set()),
    "Variable": (["Description"], {"guid", "name", "typeOfVariable"}, set()),
    "Sources": (["TextSource"], set(), set()),
    "TextSource": (
        [
            "Description",
            "PlainTextContent",
            "PlainTextSelection",
            "Coding",
            "NoteRef",
            "VariableValue",
        ],
        {"guid"},
        {"name", "richTextPath", "plainTextPath"} | _STAMPS,
    ),
    "PlainTextSelection": (
        ["Description", "Coding", "NoteRef"],
        {"guid", "startPosition", "endPosition"},
        {"name"} | _STAMPS,
    ),
    "Coding": (["CodeRef", "NoteRef"], {"guid"}, {"creatingUser", "creationDateTime"}),
    "CodeRef": ([], {"targetGUID"}, set()),
    "VariableValue": (
        ["VariableRef", "TextValue", "BooleanValue", "IntegerValue", "FloatValue"],
        set(),
        set(),
    ),
    "VariableRef": ([], {"targetGUID"}, set()),
    "TextValue": ([], set(), set()),
}
GUID_ATTRS = {"guid", "targetGUID", "creatingUser", "creatingUserGUID"}


def check_structure(el: ET.Element, ns: str, schema: dict) -> None:
    """Assert ``el`` and its descendants follow the schema: names, order, attributes, GUIDs."""
    tag = el.tag.removeprefix(f"{{{ns}}}")
    assert el.tag == f"{{{ns}}}{tag}", f"{el.tag} is not in namespace {ns}"
    assert tag in schema, f"<{tag}> is not allowed here"
    children, required, optional = schema[tag]
    assert required <= set(el.attrib), f"<{tag}> lacks {required - set(el.attrib)}"
    assert set(el.attrib) <= required | optional, (
        f"<{tag}> has unknown {set(el.attrib) - required - optional}"
    )
    for name in GUID_ATTRS & set(el.attrib):
        assert GUID.match(el.attrib[name]), f"<{tag} {name}={el.attrib[name]!r}> is not a GUID"
    if "color" in el.attrib:
        assert RGB.match(el.attrib["color"])
    if "isCodable" in el.attrib:
        assert el.attrib["isCodable"] in ("true", "false")
    last = -1
    for child in el:
        ctag = child.tag.removeprefix(f"{{{ns}}}")
        assert ctag in children, f"<{ctag}> may not appear inside <{tag}>"
        assert children.index(ctag) >= last, f"<{ctag}> out of schema order inside <{tag}>"
        last = children.index(ctag)
        check_structure(child, ns, schema)


@pytest.fixture(scope="module")
def book():
    return resolve_codebook()


def test_qdc_is_well_formed_codebook_xml_with_stable_guids(book, tmp_path):
    path = write_qdc(book, tmp_path / "kodebok.qdc")
    root = ET.parse(path).getroot()  # raises on malformed XML
    assert root.tag == f"{{{CODEBOOK_NS}}}CodeBook"
    check_structure(root, CODEBOOK_NS, CODEBOOK_SCHEMA)
    codes = root.findall(f"{{{CODEBOOK_NS}}}Codes/{{{CODEBOOK_NS}}}Code")
    assert [c.get("name") for c in codes][:2] == ["Alle er med", "Lærernes og skolens egne behov"]
    assert [c.get("guid") for c in codes] == [theme_guid(t.code) for t in book.themes]
    again = write_qdc(book, tmp_path / "again.qdc").read_bytes()
    assert again == path.read_bytes()  # same codebook, byte-identical file


def test_qdc_round_trip_gives_the_same_themes(book, tmp_path):
    themes = read_qdc(write_qdc(book, tmp_path / "kodebok.qdc"))
    assert [t.code for t in themes] == [t.code for t in book.themes]
    for imported, original in zip(themes, book.themes, strict=True):
        assert imported.guid == theme_guid(original.code)
        assert imported.label == original.label
        assert imported.definition == original.definition
        assert imported.include == original.include and imported.exclude == original.exclude
        assert imported.signals == tuple(original.signals)
        assert imported.negative == tuple(original.negative)
    # ... and back to a codebook.yaml the loader accepts.
    out = tmp_path / "codebook.yaml"
    out.write_text(
        yaml.safe_dump(themes_to_codebook_dict(themes, version=3), allow_unicode=True),
        encoding="utf-8",
    )
    reloaded = load_codebook(out)
    assert reloaded.version == 3 and [t.code for t in reloaded.themes] == [
        t.code for t in book.themes
    ]
    assert reloaded.themes[4].signals == book.themes[4].signals


def test_qdc_from_another_tool_is_imported_with_codes_from_names(tmp_path):
    # The shape ATLAS.ti writes: nested codes, a description, a set.
    path = tmp_path / "atlas.qdc"
    path.write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="ATLAS.ti">
  <Codes>
    <Code guid="1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="Ledelse" isCodable="true" color="#46AA00">
      <Description>Rektor og ledergruppe</Description>
      <Code guid="2FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="Tid til møter" isCodable="true"/>
    </Code>
  </Codes>
</CodeBook>""",
        encoding="utf-8",
    )
    themes = read_qdc(path)
    assert [(t.code, t.label, t.definition) for t in themes] == [
        ("ledelse", {"nb": "Ledelse"}, {"nb": "Rektor og ledergruppe"}),
        ("tid_til_moter", {"nb": "Tid til møter"}, {}),
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        ("<CodeBook", "not well-formed XML"),
        ('<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>', "expected CodeBook"),
    ],
)
def test_bad_qdc_files_are_refused_with_the_file_name(tmp_path, content, message):
    path = tmp_path / "bad.qdc"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as info:
        read_qdc(path)
    assert "bad.qdc" in str(info.value)


def test_qdpx_holds_the_project_xml_and_the_answers_and_codes_round_trip(book, tmp_path):
    coded = pd.read_csv(DATA)
    path = write_qdpx(book, coded, "text", tmp_path / "prosjekt.qdpx", id_column="id")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        root = ET.fromstring(zf.read("project.qde"))
        check_structure(root, PROJECT_NS, PROJECT_SCHEMA)
        sources = root.findall(f".//{{{PROJECT_NS}}}TextSource")
        for src in sources:
            guid = src.get("plainTextPath").removeprefix("internal://")
            text = zf.read(f"sources/{guid}").decode("utf-8")
            for sel in src.findall(f"{{{PROJECT_NS}}}PlainTextSelection"):
                assert int(sel.get("endPosition")) == len(text)
    answered = coded[coded["text"].str.contains(r"[^\W_]", regex=True)]
    assert len(sources) == len(answered) == len(coded) - 1  # all but the thumbs-up
    assert len(names) == 1 + len(sources)
    themes, back = read_qdpx_codes(path)
    codes = [t.code for t in book.themes]
    assert [t.code for t in themes] == codes
    assert back["source"].tolist() == answered["id"].tolist()
    assert back["text"].tolist() == answered["text"].tolist()
    assert back[codes].to_numpy().tolist() == answered[codes].to_numpy().tolist()


def test_qdpx_carries_role_and_wave_as_variables(book, tmp_path):
    df = pd.DataFrame(
        {
            "id": ["a"],
            "role": ["uh"],
            "wave": [2025],
            "svar": ["Tid"],
            **{t.code: [int(t.code == "tid")] for t in book.themes},
        }
    )
    path = write_qdpx(book, df, "svar", tmp_path / "p.qdpx", id_column="id")
    root = ET.fromstring(zipfile.ZipFile(path).read("project.qde"))
    q = f"{{{PROJECT_NS}}}"
    assert [v.get("name") for v in root.iter(f"{q}Variable")] == ["role", "wave"]
    assert [v.text for v in root.iter(f"{q}TextValue")] == ["uh", "2025"]
    (ref,) = root.iter(f"{q}CodeRef")
    assert ref.get("targetGUID") == theme_guid("tid")


def test_qdpx_import_refuses_a_file_that_is_not_a_project(tmp_path):
    path = tmp_path / "x.qdpx"
    path.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a REFI-QDA project"):
        read_qdpx_codes(path)


def test_qdc_with_entity_expansion_is_refused(tmp_path):
    """A 'billion laughs' codebook upload is refused with a clear message, not expanded."""
    from evaluation.coding.refi import read_qdc

    bomb = tmp_path / "bomb.qdc"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="&lol2;" isCodable="true"/></Codes></CodeBook>',
        encoding="utf-8",
    )
    import pytest

    with pytest.raises(ValueError, match="refused"):
        read_qdc(bomb)
