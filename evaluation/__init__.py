"""dekom-eval analysis library: long answers table in, DataFrames out (pingouin style).

Never imports Flask: usable from Python, Jupyter and the command line
(``python -m evaluation run --answers FILE --scales FILE --out DIR``). The public names below
are loaded on first use, so ``import evaluation.coding`` or ``evaluation.export`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "adjust_p": "multiplicity",
    "change_table": "change",
    "describe_waves": "change",
    "lmm_change": "change",
    "paired_change": "change",
    "panel_anova": "change",
    "wave_pairs": "change",
    "welch_change": "change",
    "CleaningRules": "cleaning",
    "clean": "cleaning",
    "AnswerTableError": "load",
    "read_answers": "load",
    "read_database": "load",
    "validate_answers": "load",
    "MixedFit": "mixedlm",
    "fit_mixed": "mixedlm",
    "fit_random_intercept": "mixedlm",
    "RunResult": "pipeline",
    "run": "pipeline",
    "scale_reliability": "reliability",
    "check_scales": "scoring",
    "load_scales": "scoring",
    "score_scales": "scoring",
    "generate_panel": "synthetic",
    "PanelSpec": "synthetic",
    "render_report": "report",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'evaluation' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
