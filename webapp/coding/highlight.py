"""Split an answer into plain and highlighted segments from the auto-coder's evidence spans."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    """A run of the answer text; ``themes`` is empty for text that is not evidence."""

    text: str
    themes: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    weak: bool = False


def segments(text: str, suggestions: list[dict], theme_order: list[str]) -> list[Segment]:
    """Cut ``text`` at every evidence boundary; each piece knows which themes' evidence covers it.

    Overlapping evidence of several themes gives a piece with several themes; a piece is weak
    only when all evidence covering it is weak.
    """
    spans = []
    for s in suggestions:
        for start, end, _word, signal, weak in s.get("evidence", []):
            start, end = max(0, int(start)), min(len(text), int(end))
            if end > start:
                spans.append((start, end, s["theme"], signal, bool(weak)))
    if not spans:
        return [Segment(text)] if text else []
    cuts = sorted({0, len(text), *(s for s, *_ in spans), *(e for _, e, *_ in spans)})
    order = {t: i for i, t in enumerate(theme_order)}
    out: list[Segment] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a == b:
            continue
        cover = [sp for sp in spans if sp[0] <= a and b <= sp[1]]
        themes = tuple(sorted({sp[2] for sp in cover}, key=lambda t: order.get(t, 99)))
        signals = tuple(dict.fromkeys(sp[3] for sp in cover))
        weak = bool(cover) and all(sp[4] for sp in cover)
        piece = Segment(text[a:b], themes, signals, weak)
        if out and out[-1].themes == piece.themes and out[-1].weak == piece.weak and not themes:
            out[-1] = Segment(out[-1].text + piece.text)
        else:
            out.append(piece)
    return out
