"""Coding free-text answers (suksesskriterier og gode grep) into codebook themes.

The dictionary coder (:class:`DictionaryCoder`) matches the codebook's signal words, stems and
phrases and gives each suggested theme a confidence and the evidence behind it; answers it is
unsure of go to human coders first. Learned classifiers, agreement statistics, frequency
tables, a figure and REFI-QDA exchange build on it.
"""

from __future__ import annotations

from .agreement import (
    agreement_table,
    alpha_for_codes,
    coder_agreement,
    cohen_kappa,
    disagreements,
    krippendorff_alpha,
    macro_f1,
)
from .batch import code_answers, format_evidence, get_coder, review_queue, suggest
from .codebook import DEFAULT_CODEBOOK, resolve_codebook, theme_codes, theme_label
from .dictionary import CodedAnswer, DictionaryCoder, Evidence, Suggestion
from .tables import cooccurrence, theme_frequencies, theme_frequencies_wide

__all__ = [
    "DEFAULT_CODEBOOK",
    "CodedAnswer",
    "DictionaryCoder",
    "Evidence",
    "Suggestion",
    "agreement_table",
    "alpha_for_codes",
    "code_answers",
    "coder_agreement",
    "cohen_kappa",
    "cooccurrence",
    "disagreements",
    "format_evidence",
    "get_coder",
    "krippendorff_alpha",
    "macro_f1",
    "resolve_codebook",
    "review_queue",
    "suggest",
    "theme_codes",
    "theme_frequencies",
    "theme_frequencies_wide",
    "theme_label",
]
