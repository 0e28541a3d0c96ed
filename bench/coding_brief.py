"""Print the brief a writer of test answers gets: the themes as a coder sees them, no signal lists.

Run: ``.venv/bin/python bench/coding_brief.py [--codebook FILE] > brief.md``

Every held-out set in ``tests/evaluation/data/heldout_v*`` was written and hand-coded from this
brief (plus ch. 4.1/4.2 of the evaluation note): the themes' labels, definitions, include and
exclude notes and the coding rule, never the signals, the negatives, the coder or another answer.
So a held-out set measures how the coder meets a writer who knows what the themes mean but not
which words the codebook lists.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluation.coding.codebook import DEFAULT_CODEBOOK as CODEBOOK_FILE  # noqa: E402
from questionnaires.codebook import load_codebook  # noqa: E402

RULE = (
    "An answer is coded with a theme when it talks about that criterion, also when it says it "
    'was missing ("for lite tid" is `tid`, "tiltaket kom ovenfra" is `laerernes_behov`). The unit '
    "is the whole answer; an answer can have any number of themes, or none (e.g. *vet ikke*)."
)


def brief(codebook: str | Path = CODEBOOK_FILE) -> str:
    """The writer's brief for ``codebook`` as Markdown."""
    book = load_codebook(codebook)
    lines = [
        f"# Coding brief: the themes of codebook version {book.version}",
        "",
        "Question: *«Beskriv suksesskriterier og gode grep i tiltaket»* (describe the success "
        "criteria and good moves in the measure), asked of skoleeiere, skoleledere, tillitsvalgte "
        "and UH staff in the dekom evaluation.",
        "",
        f"**Coding rule.** {RULE}",
        "",
    ]
    for theme in book.themes:
        lines += [f"## `{theme.code}`: {theme.label['en']} ({theme.label['nb']})", ""]
        for part in ("definition", "include", "exclude"):
            texts = getattr(theme, part) or {}
            lines.append(f"- **{part}**")
            lines += [
                f"  - {lang}: {texts[lang]}" for lang in ("nb", "nn", "en") if texts.get(lang)
            ]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    """Print the brief."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codebook", default=str(CODEBOOK_FILE), help="codebook file")
    print(brief(parser.parse_args().codebook))


if __name__ == "__main__":
    main()
