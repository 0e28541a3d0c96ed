"""The dictionary coder: themes, evidence spans, confidence and review on realistic answers."""

from __future__ import annotations

import os
import textwrap

import pandas as pd
import pytest

from evaluation.coding import DictionaryCoder, code_answers, review_queue, suggest
from questionnaires import load_codebook
from questionnaires.codebook import expand_alternatives, parse_codebook


@pytest.fixture(scope="module")
def coder():
    return DictionaryCoder()


def _themes(coder, text):
    return sorted(coder.code(text).themes)


def test_codebook_has_the_ten_themes_of_chapter_4_2(coder):
    assert coder.themes == [
        "alle_med",
        "laerernes_behov",
        "ekstern_kompetanse",
        "praksisnaer",
        "ledelse",
        "ressurspersoner",
        "tid",
        "erfaringsdeling",
        "forskning",
        "sammenheng",
    ]
    for theme in coder.codebook.themes:
        assert theme.label["nb"] and theme.label["en"]
        assert theme.definition["nb"] and theme.include["nb"] and theme.exclude["nb"]
        assert len(theme.signals) >= 10


def test_evidence_spans_point_at_the_words_that_triggered_each_theme(coder):
    text = "Rektor satte av tid i fellestiden, og alle lærerne deltok."
    by_theme = {s.theme: s for s in coder.code(text).suggestions}
    assert set(by_theme) == {"ledelse", "tid", "alle_med"}
    for s in by_theme.values():
        for e in s.evidence:
            assert text[e.start : e.end] == e.word
    assert [e.word for e in by_theme["tid"].evidence] == ["satte av", "tid", "fellestiden"]
    assert [e.word for e in by_theme["alle_med"].evidence] == ["alle lærerne"]
    assert by_theme["tid"].confidence > by_theme["ledelse"].confidence  # two pieces of evidence


def test_phrases_allow_stop_words_between_their_words(coder):
    assert "alle_med" in _themes(coder, "Alle skal være med, det er poenget.")
    assert "alle_med" not in _themes(coder, "Alle skolene i kommunen var med.")


def test_negative_phrases_cancel_the_signal_they_overlap(coder):
    # "hele tiden" is "all the time", not time set aside; "over tid" is continuity.
    assert _themes(coder, "Ledelsen var med hele tiden.") == ["ledelse"]
    assert _themes(coder, "Vi har jobbet med dette over tid.") == ["sammenheng"]
    # "distribuert ledelse" is resource persons, not the school leadership.
    assert _themes(coder, "Distribuert ledelse med lærere som driver arbeidet.") == [
        "ressurspersoner"
    ]


def test_inflections_and_nynorsk_spellings_are_recognised(coder):
    assert _themes(coder, "Leiinga prioriterte arbeidet") == ["ledelse"]
    assert _themes(coder, "Ressurslærarane har vore pådrivarar") == ["ressurspersoner"]
    assert _themes(coder, "Heile personalet var med") == ["alle_med"]
    assert _themes(coder, "Vi delte erfaringar med skulane i nabokommunen") == ["erfaringsdeling"]
    assert _themes(coder, "Forskingsbasert innhald") == ["forskning"]


def test_english_answers_are_coded(coder):
    assert _themes(
        coder, "Everyone took part, and the university staff gave research-based input."
    ) == ["alle_med", "ekstern_kompetanse", "forskning"]


@pytest.mark.parametrize("text", ["", "   ", None, "😊", "Vet ikke", "Ingen kommentar.", "-"])
def test_empty_and_dont_know_answers_get_no_theme_and_no_review(coder, text):
    answer = coder.code(text)
    assert answer.themes == [] and not answer.needs_review and answer.confidence == 1.0


def test_emoji_do_not_disturb_coding_or_offsets(coder):
    text = "😊😊 Praksisnært 👍 og nyttig i klasserommet!"
    (s,) = coder.code(text).suggestions
    assert s.theme == "praksisnaer" and [text[e.start : e.end] for e in s.evidence] == [
        "Praksisnært",
        "klasserommet",
    ]


def test_a_single_weak_signal_is_suggested_but_sent_to_review(coder):
    answer = coder.code("Vi har hatt gode samlinger gjennom året.")
    (s,) = answer.suggestions
    assert s.theme == "erfaringsdeling" and not s.assigned and s.evidence[0].weak
    assert answer.needs_review and "weak evidence" in answer.reason


def test_a_substantive_answer_without_any_theme_goes_to_review(coder):
    answer = coder.code(
        "Motiverte elever, engasjerte foreldre og et godt læringsmiljø har preget arbeidet"
    )
    assert answer.themes == [] and answer.needs_review
    assert answer.reason == "no theme found in a substantive answer"


def test_very_long_answers_are_coded_in_full(coder):
    filler = "Vi har jobbet godt med mange ting i løpet av året. " * 2000
    text = filler + "Til slutt: rektor var tydelig."
    answer = coder.code(text)
    assert answer.themes == ["ledelse"]
    assert answer.suggestions[0].evidence[0].start == len(filler) + len("Til slutt: ")


def test_suggest_returns_themes_most_confident_first():
    out = suggest("Ressurslærerne og ressursgruppa var pådrivere; samlingene var fine.")
    assert out[0].theme == "ressurspersoner" and out[0].confidence > 0.95
    assert [s.theme for s in out] == ["ressurspersoner", "erfaringsdeling"]


def test_code_answers_keeps_columns_and_adds_codes_evidence_and_confidence():
    df = pd.DataFrame(
        {
            "id": ["007", "008"],
            "role": ["uh", "skoleleder"],
            "svar": ["Forskningsbasert og praksisnært", None],
        }
    )
    out = code_answers(df, "svar")
    assert list(out.columns[:3]) == ["id", "role", "svar"] and out["id"].tolist() == ["007", "008"]
    assert out.loc[0, ["forskning", "praksisnaer", "ledelse"]].tolist() == [1, 1, 0]
    assert out.loc[0, "evidence"] == "praksisnaer: praksisnært | forskning: Forskningsbasert"
    assert out.loc[1, "evidence"] == "" and out.loc[1, "confidence"] == 1.0
    assert set(out[["alle_med", "tid"]].to_numpy().ravel()) <= {0, 1}


def test_code_answers_refuses_to_overwrite_columns_and_names_missing_ones():
    df = pd.DataFrame({"svar": ["tid"], "tid": [1]})
    with pytest.raises(ValueError, match="already has columns tid"):
        code_answers(df, "svar")
    assert "auto_tid" in code_answers(df, "svar", prefix="auto_").columns
    with pytest.raises(KeyError, match="no column 'tekst'"):
        code_answers(df, "tekst")


def test_researchers_can_add_a_theme_to_the_codebook(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(
        textwrap.dedent("""\
        format: 1
        version: 7
        items: [suksess_tekst]
        themes:
          - code: elevmedvirkning
            label: {nb: Elevmedvirkning, nn: Elevmedverknad, en: Pupil participation}
            signals: [elevmedvirkning, elevrådet, "elevene* med", "~elevstemme*"]
            negative: [elevene med på tur]
        """),
        encoding="utf-8",
    )
    book = load_codebook(path)
    coder = DictionaryCoder(book)
    assert coder.themes == ["elevmedvirkning"]
    assert coder.code("Elevrådet og elevene var med i planleggingen").themes == ["elevmedvirkning"]
    assert coder.code("Vi tok elevene med på tur").themes == []
    out = code_answers(pd.DataFrame({"t": ["Elevmedvirkning var viktig"]}), "t", book)
    assert out["elevmedvirkning"].tolist() == [1] and "tid" not in out.columns


def test_review_queue_puts_the_least_certain_answers_first():
    answers = [
        "Rektor satte av tid",
        "Gode samlinger og nye rutiner",
        "Vet ikke",
        "Motiverte elever, engasjerte foreldre og et godt læringsmiljø preget året",
        "Gode samlinger, og vi delte mye",
    ]
    coded = code_answers(pd.DataFrame({"svar": answers}), "svar")
    queue = review_queue(coded)
    assert set(queue.index) == {1, 3, 4}
    assert queue["confidence"].is_monotonic_increasing
    with pytest.raises(KeyError, match="pass the output of code_answers"):
        review_queue(pd.DataFrame({"svar": answers}))


def test_an_edited_codebook_file_is_read_again(tmp_path):
    path = tmp_path / "codebook.yaml"
    head = "format: 1\nversion: {v}\nitems: [suksess_tekst]\nthemes:\n  - code: tid\n    label: {{nb: Tid}}\n"
    path.write_text(head.format(v=1) + "    signals: [tid]\n", encoding="utf-8")
    assert code_answers(pd.DataFrame({"t": ["frikjøp"]}), "t", path)["tid"].tolist() == [0]
    path.write_text(head.format(v=2) + "    signals: [tid, frikjøp]\n", encoding="utf-8")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert code_answers(pd.DataFrame({"t": ["frikjøp"]}), "t", str(path))["tid"].tolist() == [1]


def test_a_phrase_never_spans_a_clause_boundary():
    coder = DictionaryCoder()
    assert "alle_med" in coder.code("Det var et løft for hele skolen.").themes
    assert coder.code("Vet ikke helt, det er skolene som kan svare.").themes == []
    assert (
        "alle_med" not in coder.code("Vi var ikke helt enige; skolen valgte likevel tema.").themes
    )


def test_english_answers_are_matched_in_their_base_forms():
    coder = DictionaryCoder()
    # "decided" / "teachers" are lemmatised to "decide" / "teacher" and meet the signals' forms
    assert (
        "laerernes_behov" in coder.code("The teachers themselves decided what to focus on.").themes
    )
    assert "tid" in coder.code("The principal gave us time for it every week.").themes
    # "need" as a verb is only a weak signal: needing something is not the teachers' own needs
    assert "laerernes_behov" not in coder.code("We needed more books in the library.").themes
    assert "laerernes_behov" in coder.code("It started from our needs.").themes


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("Et kurs i klasseledelse for alle.", "ledelse"),
        ("We worked on classroom management.", "ledelse"),
        ("Regionen har et nettverk for skoleledere.", "ledelse"),
        ("Opplegget var tilpasset elevenes behov.", "laerernes_behov"),
        ("Innhaldet var forankra i forsking.", "laerernes_behov"),
        ("Kommunen har dårlig økonomi for tiden.", "tid"),
        ("At the time we were busy with other things.", "tid"),
    ],
)
def test_a_word_that_means_something_else_here_does_not_code_the_theme(text, theme):
    assert theme not in DictionaryCoder().code(text).themes


def test_alternatives_in_brackets_stand_for_every_phrase_they_spell(tmp_path):
    assert expand_alternatives("(rektor|leiinga) (deltok|heldt  fast)") == [
        "rektor deltok",
        "rektor heldt fast",
        "leiinga deltok",
        "leiinga heldt fast",
    ]
    path = tmp_path / "codebook.yaml"
    head = (
        "format: 1\nversion: 1\nitems: [s]\nthemes:\n  - code: ledelse\n    label: {nb: Ledelse}\n"
    )
    path.write_text(
        head + '    signals: ["(rektor*|leiinga) (deltok|heldt fast)", "~(rektor|principal)"]\n'
        "    negative: [(rektor|leiinga) (deltok|heldt fast) i nettverket]\n",
        encoding="utf-8",
    )
    coder = DictionaryCoder(load_codebook(path))
    assert coder.code("Leiinga heldt fast på planen.").themes == ["ledelse"]
    assert coder.code("Rektorane deltok på alle samlingane.").themes == ["ledelse"]
    assert coder.code("Rektor deltok i nettverket.").themes == []  # the negative, expanded too
    weak = coder.code("Rektor var der.").suggestions[0]
    assert weak.confidence == pytest.approx(0.35) and not weak.assigned
    # brackets that do not pair up are named with the file and line, not silently dropped
    path.write_text(head + "    signals: [tid, (rektor|leiinga deltok]\n", encoding="utf-8")
    book, problems = parse_codebook(path)
    errors = [p for p in problems if p.severity == "error"]
    assert [p.line for p in errors] == [7]  # the line of the signals list
    assert "signal '(rektor|leiinga deltok' in 'signals': brackets must come in pairs" in (
        errors[0].message
    )
