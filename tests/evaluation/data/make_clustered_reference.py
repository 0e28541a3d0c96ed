"""Write clustered_scores.csv for clustered_reference.R (run once; the output is kept).

PYTHONPATH=. .venv/bin/python tests/evaluation/data/make_clustered_reference.py
"""

from __future__ import annotations

import warnings
from pathlib import Path

from evaluation.cleaning import CleaningRules, clean
from evaluation.scoring import score_scales
from evaluation.synthetic import default_scales, generate_panel

HERE = Path(__file__).parent
warnings.simplefilter("ignore")
scales = default_scales()[:1]
answers, truth = generate_panel(
    n_per_wave=500,
    seed=1402,
    scales=scales,
    response_rates=((0.8, 0.8), (0.8, 0.8), (0.8, 0.8)),
    kommuner_per_fylke=4,
    sd_kommune=0.4,
)
cleaned, _ = clean(answers, scales, CleaningRules())
scores = score_scales(cleaned, scales)
kommune = truth["frame"].set_index(["respondent_id", "wave"])["kommune"]
scores = scores.loc[(scores["role"] == "skoleleder") & scores["score"].notna()].copy()
scores["respondent_id"] = scores["respondent_id"].astype(str)
scores["kommune"] = [
    kommune[(r, w)] for r, w in zip(scores["respondent_id"], scores["wave"], strict=True)
]
scores[["respondent_id", "kommune", "wave", "score"]].to_csv(
    HERE / "clustered_scores.csv", index=False, float_format="%.12g"
)
