"""Question texts for item codes, so figures and tables show «Kartlegging av kompetansebehov»
rather than ``samarb_behov``: read from the questionnaires beside the scales file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["item_texts"]


def item_texts(scales: Any, lang: str = "nb") -> dict[str, str]:
    """Item code -> question text from the questionnaires in the folder of ``scales`` (a path).

    A matrix row's text is its statement. Returns {} when ``scales`` is not a path or the
    folder holds no readable questionnaires: the codes are shown then.
    """
    if not isinstance(scales, (str, Path)):
        return {}
    folder = Path(scales) if Path(scales).is_dir() else Path(scales).parent
    try:
        from questionnaires import instrument_files, load_questionnaire

        texts: dict[str, str] = {}
        for path in instrument_files(folder).values():
            q = load_questionnaire(path)
            for _page, item, _parent in q.leaf_items():
                text = item.text or {}
                texts.setdefault(item.code, str(text.get(lang) or text.get("nb") or ""))
        return {k: v for k, v in texts.items() if v}
    except Exception:  # noqa: BLE001 - texts are a nicety; a run never fails for them
        return {}
