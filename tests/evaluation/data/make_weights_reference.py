"""Write the small frame and scores that weights_reference.R reads (run once; output kept).

PYTHONPATH=. .venv/bin/python tests/evaluation/data/make_weights_reference.py
"""

from __future__ import annotations

import warnings
from pathlib import Path

from evaluation.cleaning import CleaningRules, clean
from evaluation.scoring import score_scales
from evaluation.synthetic import default_scales, generate_panel
from evaluation.weighted_change import attach_weights
from evaluation.weights import collapse_cells, nonresponse_weights

HERE = Path(__file__).parent
warnings.simplefilter("ignore")
scales = default_scales()[:1]
answers, truth = generate_panel(
    n_per_wave=400,
    seed=1401,
    waves=(2021, 2023),
    response_rates=((0.8, 0.4), (0.45, 0.85)),
    fylke_effect=0.6,
    kommuner_per_fylke=3,
    sd_kommune=0.2,
    scales=scales,
    effects={"samarbeid": {"skoleleder": 0.3}},
)
frame = truth["frame"]
parts = [
    collapse_cells(part.reset_index(drop=True), min_cell=10)[0] for _, part in frame.groupby("wave")
]
import pandas as pd  # noqa: E402

pd.concat(parts).to_csv(HERE / "weights_frame.csv", index=False)
cleaned, _ = clean(answers, scales, CleaningRules())
scores = score_scales(cleaned, scales)
weights = nonresponse_weights(frame, min_cell=10, trim=1.2).weights
data, _ = attach_weights(scores, weights, "kommune")
data.loc[
    data["score"].notna(), ["respondent_id", "wave", "role", "kommune", "score", "weight"]
].to_csv(HERE / "weights_scores.csv", index=False, float_format="%.12g")
