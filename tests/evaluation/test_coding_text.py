"""Tokenising and normalising Norwegian answers, offline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.coding.text import Normaliser, content_words, load_stopwords, tokenize


def test_tokens_carry_offsets_into_the_original_text():
    text = "Ledelsen 👍 i UH-samarbeidet, og «alle» var med!"
    for tok in tokenize(text):
        assert text[tok.start : tok.end] == tok.text
    assert [t.lower for t in tokenize(text)] == [
        "ledelsen",
        "i",
        "uh",
        "samarbeidet",
        "og",
        "alle",
        "var",
        "med",
    ]


@pytest.mark.parametrize("empty", [None, "", "   ", "😊👍", float("nan")])
def test_empty_or_emoji_only_answers_give_no_words(empty):
    assert tokenize(empty) == []


def test_lemmatiser_handles_bokmal_and_nynorsk():
    lemma = Normaliser("lemma")
    assert lemma("ledelsen") == "ledelse"
    assert lemma("lærerne") == "lærer"
    assert lemma("lærarane") == "lærar"  # nynorsk
    assert lemma("samlingane") == "samling"
    assert lemma("fellestida") == "fellestid"


def test_snowball_stemmer_over_stems_leadership_the_lemmatiser_does_not():
    # The reason the lemmatiser is the default: the stemmer conflates "ledelsen" and "leder".
    stem, lemma = Normaliser("stem"), Normaliser("lemma")
    assert stem("ledelsen") == stem("leder") == "led"
    assert lemma("ledelsen") != lemma("lederne")


def test_unknown_normaliser_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown normaliser 'porter'"):
        Normaliser("porter")


def test_shipped_stop_words_cover_both_written_standards():
    stops = load_stopwords()
    assert {"ikke", "ikkje", "jeg", "eg", "hva", "kva", "fra", "frå"} <= stops
    assert "ledelse" not in stops and "tid" not in stops
    words = [t.lower for t in content_words(tokenize("Det var ikkje berre tid, men òg leiing"))]
    assert words == ["tid", "leiing"]


def test_coding_never_needs_nltk_download(tmp_path):
    # A fresh interpreter where nltk.download raises and nltk finds no data directory at all.
    code = (
        "import nltk\n"
        "def refuse(*a, **k): raise RuntimeError('nltk.download called')\n"
        "nltk.download = refuse\n"
        f"nltk.data.path[:] = [{str(tmp_path)!r}]\n"
        "from evaluation.coding import suggest\n"
        "print(sorted(s.theme for s in suggest('Alle lærerne fikk tid og god ledelse', None) if s.assigned))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"NLTK_DATA": str(tmp_path), "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "['alle_med', 'ledelse', 'tid']"


def test_lemmatiser_gives_english_words_their_english_lemma_and_keeps_norwegian_ones():
    norm = Normaliser("lemma")
    assert [norm(w) for w in ("teachers", "decided", "wishes")] == ["teacher", "decide", "wish"]
    assert [norm(w) for w in ("ledelsen", "lærarane", "tida")] == ["ledelse", "lærar", "tid"]
