"""A synthetic dekom panel with known, planted changes: for tests, benchmarks and demos.

Each person has a stable trait per scale (the panel correlation), each response an occasion
effect, each answer item noise; the latent value is cut at 1.5, 2.5, 3.5 and 4.5 into a 1–5
answer. The expected score of a cell is therefore known exactly (normal CDFs), and so is every
planted change. On top come attrition and refreshment, item non-response ("vet ikke"),
partial responses, speeders, straight-liners, duplicates and out-of-range codes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from questionnaires import Scale
from questionnaires.model import FYLKER, ROLES

__all__ = [
    "PanelSpec",
    "default_scales",
    "generate_panel",
    "true_alpha",
    "write_scales_yaml",
    "ROLES",
    "FYLKER",
]

_CUTS = np.array([1.5, 2.5, 3.5, 4.5])


def default_scales() -> list[Scale]:
    """Seven scales with 40 items in all, three of them with reverse-keyed items."""
    spec = [
        ("samarbeid", "Samarbeid med UH", 8, 1),
        ("likeverd", "Likeverdighet", 6, 2),
        ("felles", "Felles forståelse", 5, 0),
        ("lokal", "Lokal involvering", 6, 1),
        ("behov", "Behovstilpasning", 5, 0),
        ("utbytte", "Utbytte", 6, 0),
        ("kultur", "Delingskultur", 4, 0),
    ]
    out = []
    for code, label, k, n_rev in spec:
        items = tuple(f"{code}_{j + 1}" for j in range(k))
        out.append(
            Scale(
                code=code,
                label={"nb": label, "nn": label, "en": label},
                items=items,
                reverse=items[k - n_rev :],
                min_items=max(2, k // 2),
                range=(1, 5),
            )
        )
    return out


def _default_effects() -> dict[str, dict[str, float]]:
    # Latent change per wave step, as the evaluation note reports for 2021 → 2023.
    return {
        "samarbeid": {r: 0.25 for r in ROLES},
        "likeverd": {r: -0.20 for r in ROLES},
        "lokal": {"skoleleder": -0.30, "tillitsvalgt": -0.30, "skoleeier": 0.0, "uh": 0.0},
        "behov": {r: 0.20 for r in ROLES},
    }


@dataclass
class PanelSpec:
    """Settings of :func:`generate_panel`."""

    n_per_wave: int = 2500
    waves: tuple[int, ...] = (2021, 2023, 2025)
    roles: tuple[str, ...] = ROLES
    role_shares: tuple[float, ...] = (0.15, 0.45, 0.25, 0.15)
    scales: list[Scale] = field(default_factory=default_scales)
    effects: Mapping[str, Mapping[str, float]] = field(default_factory=_default_effects)
    base_mean: float = 3.2
    role_offsets: Mapping[str, float] = field(
        default_factory=lambda: {
            "skoleeier": 0.2,
            "skoleleder": 0.0,
            "tillitsvalgt": -0.2,
            "uh": 0.1,
        }
    )
    sd_person: float = 0.6
    sd_occasion: float = 0.3
    sd_item: float = 0.8
    attrition: float = 0.35
    item_nonresponse: float = 0.05
    partial_share: float = 0.03
    speeder_share: float = 0.02
    straightliner_share: float = 0.02
    duplicate_share: float = 0.01
    out_of_range_share: float = 0.001
    seed: int = 20210101
    #: Invitation mode (off while None): per wave, the response rate in the first and the last
    #: fylke (interpolated between), e.g. ``((0.9, 0.5), (0.5, 0.9))``. Everyone drawn is then
    #: invited, only those who respond have answers, and ``truth`` gains the frame and the
    #: change of the whole invited population.
    response_rates: tuple[tuple[float, float], ...] | None = None
    #: latent offset from the first to the last fylke (−effect … +effect)
    fylke_effect: float = 0.0
    kommuner_per_fylke: int = 8
    sd_kommune: float = 0.0

    def item_offsets(self, scale: Scale) -> np.ndarray:
        """Fixed difficulty of each item (spread around zero)."""
        return np.linspace(-0.3, 0.3, len(scale.items))

    def fylke_offsets(self) -> np.ndarray:
        """Latent offset of each fylke, from −fylke_effect (first) to +fylke_effect (last)."""
        return np.linspace(-self.fylke_effect, self.fylke_effect, len(FYLKER))

    def latent_mean(self, scale: str, role: str, t: int) -> float:
        """Latent mean of a scale for a role in the t-th wave (0-based)."""
        step = self.effects.get(scale, {}).get(role, 0.0)
        return self.base_mean + self.role_offsets.get(role, 0.0) + step * t


def _expected_answer(m: np.ndarray, sd: float) -> np.ndarray:
    return 1 + stats.norm.cdf((np.asarray(m)[..., None] - _CUTS) / sd).sum(axis=-1)


def truth(spec: PanelSpec) -> dict[str, pd.DataFrame]:
    """Expected scores per scale × role × wave and the planted changes for every wave pair."""
    sd = np.sqrt(spec.sd_person**2 + spec.sd_occasion**2 + spec.sd_item**2)
    rows = []
    for s in spec.scales:
        for r in spec.roles:
            for t, w in enumerate(spec.waves):
                m = spec.latent_mean(s.code, r, t) + spec.item_offsets(s)
                rows.append(
                    dict(
                        scale=s.code,
                        role=r,
                        wave=w,
                        true_mean=float(_expected_answer(m, sd).mean()),
                    )
                )
    means = pd.DataFrame(rows)
    ws = sorted(spec.waves)
    pairs = list(zip(ws[:-1], ws[1:], strict=True)) + ([(ws[0], ws[-1])] if len(ws) > 2 else [])
    idx = means.set_index(["scale", "role", "wave"])["true_mean"]
    change = pd.DataFrame(
        [
            dict(
                scale=s.code,
                role=r,
                wave_from=a,
                wave_to=b,
                true_diff=idx[(s.code, r, b)] - idx[(s.code, r, a)],
            )
            for s in spec.scales
            for r in spec.roles
            for a, b in pairs
        ]
    )
    return {"means": means, "change": change}


def true_alpha(spec: PanelSpec, n: int = 100_000, seed: int = 1) -> pd.DataFrame:
    """Population alpha per scale × role × wave, by simulating ``n`` clean answers per cell."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in spec.scales:
        k = len(s.items)
        for r in spec.roles:
            for t, w in enumerate(spec.waves):
                common = rng.normal(0, np.hypot(spec.sd_person, spec.sd_occasion), (n, 1))
                lat = (
                    spec.latent_mean(s.code, r, t)
                    + spec.item_offsets(s)
                    + common
                    + rng.normal(0, spec.sd_item, (n, k))
                )
                y = 1 + (lat[..., None] > _CUTS).sum(axis=-1)
                c = np.cov(y, rowvar=False)
                rows.append(
                    dict(
                        scale=s.code,
                        role=r,
                        wave=w,
                        true_alpha=k / (k - 1) * (1 - np.trace(c) / c.sum()),
                    )
                )
    return pd.DataFrame(rows)


def _panel_waves(spec: PanelSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    """Who answers which wave: attrition of the previous wave's respondents, then refreshment."""
    persons, waves = [], []
    current = np.arange(spec.n_per_wave)
    next_id = spec.n_per_wave
    for t in range(len(spec.waves)):
        if t > 0:
            stay = current[rng.random(len(current)) >= spec.attrition]
            fresh = np.arange(next_id, next_id + spec.n_per_wave - len(stay))
            next_id += len(fresh)
            current = np.concatenate([stay, fresh])
        persons.append(current)
        waves.append(np.full(len(current), t))
    return np.concatenate(persons), np.concatenate(waves), next_id


def generate_panel(
    spec: PanelSpec | None = None, **overrides: Any
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Generate a long answers table for a synthetic panel with planted changes.

    Parameters
    ----------
    spec : PanelSpec, optional
        The design; keyword arguments override its fields (``n_per_wave=100_000``).

    Returns
    -------
    answers : pandas.DataFrame
        ``respondent_id, wave, role, fylke, kompetansenettverk, item, value, missing_code,
        status, duration_s, response_id``.
    truth : dict of pandas.DataFrame
        ``means`` (``scale, role, wave, true_mean``) and ``change`` (``scale, role,
        wave_from, wave_to, true_diff``) of the clean population, and ``responses``
        (``response_id, respondent_id, wave, duplicate, partial, speeder``): what was planted.

    Examples
    --------
    >>> answers, truth = generate_panel(n_per_wave=500, seed=3)
    >>> sorted(answers["wave"].unique().tolist())
    [2021, 2023, 2025]
    """
    spec = spec or PanelSpec()
    for key, value in overrides.items():
        if not hasattr(spec, key):
            raise TypeError(f"generate_panel: unknown setting {key!r}")
        setattr(spec, key, value)
    rng = np.random.default_rng(spec.seed)
    person, t_idx, n_persons = _panel_waves(spec, rng)
    R = len(person)
    role_of = rng.choice(
        len(spec.roles), n_persons, p=np.asarray(spec.role_shares) / np.sum(spec.role_shares)
    )
    fylke_of = rng.integers(0, len(FYLKER), n_persons)
    net_of = fylke_of * 2 + rng.integers(0, 2, n_persons)
    role = role_of[person]
    shift = spec.fylke_offsets()[fylke_of][person]
    invite = None
    if spec.response_rates is not None:
        invite = _invitation_draws(spec, person, t_idx, fylke_of, n_persons)
        shift = shift + invite["kommune_effect"][invite["kommune_of"]][person]
    items = [i for s in spec.scales for i in s.items]
    K = len(items)
    values = np.empty((R, K))
    col = 0
    for s in spec.scales:
        k = len(s.items)
        mu = np.array(
            [[spec.latent_mean(s.code, r, t) for t in range(len(spec.waves))] for r in spec.roles]
        )[role, t_idx]
        trait = rng.normal(0, spec.sd_person, n_persons)[person]
        occasion = rng.normal(0, spec.sd_occasion, R)
        lat = (
            (mu + shift + trait + occasion)[:, None]
            + spec.item_offsets(s)
            + rng.normal(0, spec.sd_item, (R, k))
        )
        y = 1.0 + (lat[..., None] > _CUTS).sum(axis=-1)
        for j, code in enumerate(s.items):
            if code in s.reverse:
                y[:, j] = s.range[0] + s.range[1] - y[:, j]
        straight = rng.random(R) < spec.straightliner_share
        y[straight] = rng.integers(1, 6, straight.sum())[:, None]
        values[:, col : col + k] = y
        col += k
    speeder = rng.random(R) < spec.speeder_share
    values[speeder] = rng.integers(1, 6, (speeder.sum(), K))
    duration = np.exp(rng.normal(np.log(600), 0.4, R))
    duration[speeder] = rng.uniform(30, 90, speeder.sum())
    dont_know = rng.random((R, K)) < spec.item_nonresponse
    values[dont_know] = np.nan
    odd = (rng.random((R, K)) < spec.out_of_range_share) & ~dont_know
    values[odd] = 9.0
    partial = rng.random(R) < spec.partial_share
    present = np.ones((R, K), dtype=bool)
    present[partial, K // 2 :] = False
    # Duplicates: an earlier, abandoned attempt by the same person in the same wave.
    dup = np.flatnonzero(rng.random(R) < spec.duplicate_share)
    # They come first in the file, as they would in the database.
    resp_person = np.concatenate([person[dup], person])
    resp_t = np.concatenate([t_idx[dup], t_idx])
    status = np.concatenate([np.full(len(dup), 1), np.where(partial, 1, 0)])
    values = np.concatenate([rng.integers(1, 6, (len(dup), K)).astype(float), values])
    present = np.concatenate([np.ones((len(dup), K), dtype=bool), present])
    duration = np.concatenate([np.exp(rng.normal(np.log(300), 0.4, len(dup))), duration])
    missing = np.concatenate([np.zeros((len(dup), K), dtype=bool), dont_know])
    if invite is not None:  # only those who responded have answers
        present &= np.concatenate([invite["responded"][dup], invite["responded"]])[:, None]
    rows_r, rows_k = np.nonzero(present)
    p = resp_person[rows_r]
    answers = pd.DataFrame(
        {
            "respondent_id": pd.Categorical.from_codes(p, [f"P{i:06d}" for i in range(n_persons)]),
            "wave": np.asarray(spec.waves, dtype=np.int32)[resp_t[rows_r]],
            "role": pd.Categorical.from_codes(role_of[p], list(spec.roles)),
            "fylke": pd.Categorical.from_codes(fylke_of[p], list(FYLKER)),
            "kompetansenettverk": pd.Categorical.from_codes(
                net_of[p], [f"{f} nettverk {j + 1}" for f in FYLKER for j in range(2)]
            ),
            "item": pd.Categorical.from_codes(rows_k, items),
            "value": values[rows_r, rows_k],
            "missing_code": pd.Categorical.from_codes(
                np.where(missing[rows_r, rows_k], 0, -1), ["dont_know"]
            ),
            "status": pd.Categorical.from_codes(status[rows_r], ["complete", "partial"]),
            "duration_s": duration[rows_r],
            "response_id": (rows_r + 1).astype(np.int32),
        }
    )
    planted = pd.DataFrame(
        {
            "response_id": np.arange(1, len(resp_person) + 1, dtype=np.int32),
            "respondent_id": [f"P{i:06d}" for i in resp_person],
            "wave": np.asarray(spec.waves, dtype=np.int32)[resp_t],
            "duplicate": np.arange(len(resp_person)) < len(dup),
            "partial": np.concatenate([np.zeros(len(dup), dtype=bool), partial]),
            "speeder": np.concatenate([np.zeros(len(dup), dtype=bool), speeder]),
        }
    )
    result = truth(spec)
    if invite is not None:
        planted = planted.loc[
            np.concatenate([invite["responded"][dup], invite["responded"]])
        ].reset_index(drop=True)
        result.update(_population_truth(spec, person, t_idx, role_of, fylke_of, net_of, invite))
    result["responses"] = planted
    return answers, result


def _invitation_draws(
    spec: PanelSpec, person: np.ndarray, t_idx: np.ndarray, fylke_of: np.ndarray, n_persons: int
) -> dict[str, np.ndarray]:
    """Kommune, kommune effect and who responds: drawn from a stream of their own, so the
    answers of a panel without invitations stay exactly as before."""
    rng = np.random.default_rng([spec.seed, 14])
    k = spec.kommuner_per_fylke
    kommune_of = fylke_of * k + rng.integers(0, k, n_persons)
    effect = (
        rng.normal(0, spec.sd_kommune, len(FYLKER) * k)
        if spec.sd_kommune > 0
        else np.zeros(len(FYLKER) * k)
    )
    lo_hi = np.asarray(spec.response_rates, dtype=float)
    if lo_hi.shape != (len(spec.waves), 2):
        raise ValueError(
            f"response_rates needs one (first fylke, last fylke) pair per wave "
            f"({len(spec.waves)}), got {lo_hi.tolist()}"
        )
    frac = fylke_of[person] / (len(FYLKER) - 1)
    rate = lo_hi[t_idx, 0] + (lo_hi[t_idx, 1] - lo_hi[t_idx, 0]) * frac
    return {
        "kommune_of": kommune_of,
        "kommune_effect": effect,
        "responded": rng.random(len(person)) < rate,
    }


def _population_truth(
    spec: PanelSpec,
    person: np.ndarray,
    t_idx: np.ndarray,
    role_of: np.ndarray,
    fylke_of: np.ndarray,
    net_of: np.ndarray,
    invite: dict[str, np.ndarray],
) -> dict[str, pd.DataFrame]:
    """The frame and the expected scores and changes of everyone invited (not only those who
    answered): the mean of each invited person's expected score given role, fylke, kommune."""
    sd = np.sqrt(spec.sd_person**2 + spec.sd_occasion**2 + spec.sd_item**2)
    kommune = invite["kommune_of"][person]
    frame = pd.DataFrame(
        {
            "respondent_id": [f"P{i:06d}" for i in person],
            "wave": np.asarray(spec.waves, dtype=int)[t_idx],
            "role": np.asarray(spec.roles)[role_of[person]],
            "fylke": np.asarray(FYLKER)[fylke_of[person]],
            "network": [f"{FYLKER[n // 2]} nettverk {n % 2 + 1}" for n in net_of[person]],
            "kommune": [f"K{k:04d}" for k in kommune],
            "responded": invite["responded"].astype(int),
        }
    )
    shift = spec.fylke_offsets()[fylke_of[person]] + invite["kommune_effect"][kommune]
    role = role_of[person]
    rows = []
    for s in spec.scales:
        mu = (
            np.array(
                [
                    [spec.latent_mean(s.code, r, t) for t in range(len(spec.waves))]
                    for r in spec.roles
                ]
            )[role, t_idx]
            + shift
        )
        expected = _expected_answer(mu[:, None] + spec.item_offsets(s), sd).mean(axis=1)
        cell = pd.DataFrame({"role": frame["role"], "wave": frame["wave"], "e": expected})
        for (r, w), m in cell.groupby(["role", "wave"])["e"].mean().items():
            rows.append(dict(scale=s.code, role=r, wave=int(w), population_mean=float(m)))
    means = pd.DataFrame(rows)
    idx = means.set_index(["scale", "role", "wave"])["population_mean"]
    w = sorted(spec.waves)
    pairs = list(zip(w[:-1], w[1:], strict=True)) + ([(w[0], w[-1])] if len(w) > 2 else [])
    change = pd.DataFrame(
        [
            dict(
                scale=s,
                role=r,
                wave_from=a,
                wave_to=b,
                population_diff=idx[(s, r, b)] - idx[(s, r, a)],
            )
            for s, r in idx.index.droplevel("wave").unique()
            for a, b in pairs
        ]
    )
    return {"frame": frame, "population_means": means, "population_change": change}


def write_scales_yaml(scales: Sequence[Scale], path: str | Path) -> Path:
    """Write scales in the ``scales.yaml`` format (for the CLI and the benchmark)."""
    import yaml

    data = {
        "format": 1,
        "scales": [
            {
                "code": s.code,
                "label": dict(s.label),
                "items": list(s.items),
                "reverse": list(s.reverse),
                "min_items": s.min_items,
                "range": list(s.range),
            }
            for s in scales
        ],
    }
    path = Path(path)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
