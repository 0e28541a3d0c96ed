"""The whole analysis in one call: clean, score, reliability, change, figures, report."""

from __future__ import annotations

import json
import multiprocessing
import platform
import sys
import threading
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import plots
from .change import change_table, describe_waves, panel_anova
from .cleaning import CleaningRules, clean
from .hashing import sha256_file
from .item_texts import item_texts
from .load import AnswerTableError, read_answers, validate_answers
from .reliability import scale_reliability
from .responses import ResponseIndex, index_responses
from .scoring import check_scales, load_scales, score_scales
from .versions import VersionedScales, comparability_table, instrument_version_of, load_versioned

__all__ = ["RunResult", "run"]

STEPS = [
    "read",
    "clean",
    "score",
    "reliability",
    "weights",
    "change",
    "panel ANOVA",
    "figures",
    "report",
]


@dataclass
class RunResult:
    """Everything a run produced: the tables, the files written and the settings used."""

    out_dir: Path
    tables: dict[str, pd.DataFrame]
    files: list[Path]
    settings: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def report_path(self) -> Path:
        """The self-contained HTML report."""
        return self.out_dir / "report.html"


def _figure_job(kind: str, data: dict[str, Any], stem: str) -> list[str]:
    """Build and save one figure (runs in a worker process)."""
    warnings.simplefilter("ignore")
    scales = data.get("scales")
    if kind == "trend":
        plot = plots.trend_plot(data["summary"], scales)
    elif kind == "likert":
        plot = plots.likert_plot(data["shares"], data["scales"], item_texts=data.get("item_texts"))
    elif kind == "responses":
        plot = plots.response_plot(data["responses"], data.get("population"))
    else:
        plot = plots.reliability_plot(data["reliability"], scales)
    return [str(p) for p in plots.save_figure(plot, stem)]


def _warm_up() -> None:
    """Import plotnine and draw a tiny figure, so the fonts are loaded before real work."""
    import plotnine as p9

    p9.ggplot(pd.DataFrame({"x": [0, 1]}), p9.aes("x", "x")).draw()


class _FigureDrawer:
    """Draws figures in worker processes while the analysis goes on (serially without them).

    The workers are forked at the start, before the answers are read, so they stay small.
    """

    def __init__(self, enabled: bool, workers: int) -> None:
        self.enabled = enabled
        self.pool: ProcessPoolExecutor | None = None
        self.jobs: list[tuple[str, Any]] = []
        # Forking is safe only while this process has one thread (no lock can be held by
        # another); elsewhere (a threaded web server) the figures are drawn in this process.
        if (
            enabled
            and workers > 0
            and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1
        ):
            ctx = multiprocessing.get_context("fork")
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
            for _ in range(workers):
                self.pool.submit(_warm_up)

    def submit(self, kind: str, data: dict[str, Any], stem: Path) -> None:
        """Queue one figure."""
        if not self.enabled:
            return
        if self.pool is not None:
            self.jobs.append((kind, self.pool.submit(_figure_job, kind, data, str(stem))))
        else:
            self.jobs.append((kind, (data, str(stem))))

    def finish(self) -> tuple[list[Path], list[str]]:
        """Wait for every figure; a failed figure is a problem, never a lost run."""
        files: list[Path] = []
        problems: list[str] = []
        for kind, job in self.jobs:
            try:
                paths = job.result() if isinstance(job, Future) else _figure_job(kind, *job)
                files += [Path(p) for p in paths]
            except Exception as err:  # noqa: BLE001 - a failed figure is reported, the run goes on
                problems.append(f"figure '{kind}' failed: {err}")
        self.close()
        return files, problems

    def close(self) -> None:
        """Stop the workers (cancelling figures not drawn when the run failed)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def run(
    answers: pd.DataFrame | str | Path,
    scales: Sequence[Any] | str | Path | VersionedScales,
    out_dir: str | Path,
    *,
    rules: CleaningRules | None = None,
    correction: str = "holm",
    by: Sequence[str] = ("role",),
    methods: Sequence[str] = ("lmm", "welch", "paired"),
    figures: bool = True,
    progress: bool = True,
    population: pd.DataFrame | None = None,
    title: str = "Evaluering av dekom: spørreundersøkelsen",
    workers: int = 2,
    source: str | None = None,
    themes: pd.DataFrame | None = None,
    codebook: Any = None,
    frame: pd.DataFrame | str | Path | None = None,
    family_steps: str = "consecutive",
    weight_min_cell: int = 10,
    weight_trim: float = 5.0,
    n_boot: int = 200,
) -> RunResult:
    """Run the whole analysis and write tables, figures and ``report.html`` into ``out_dir``.

    Parameters
    ----------
    answers : pandas.DataFrame or path
        The tidy long answers table, or a CSV/Parquet file with it.
    scales : sequence of Scale, VersionedScales or path
        The scales, or the ``scales.yaml`` file; or the instrument folder (``questionnaires/``)
        or a :class:`evaluation.versions.VersionedScales` for waves on several instrument
        versions (the answers then need ``instrument_version``). Each response is scored with
        its version's definitions, change is estimated only between waves scored with the same
        definition, and ``comparability.csv`` says which trends continue and which restart.
    out_dir : path
        Created when missing; files in it with the same names are replaced.
    rules : CleaningRules, optional
        Cleaning settings (defaults documented on :class:`evaluation.CleaningRules`).
    correction : {"holm", "fdr_bh", "none"}
        Multiplicity correction within each method.
    by : sequence of str
        Groups for change: ``("role",)`` or ``("role", "fylke")``.
    methods : sequence of str
        Change methods (``lmm`` is the headline).
    figures : bool
        Draw the figures (PNG and SVG).
    progress : bool
        Show a progress bar on stderr.
    population : pandas.DataFrame, optional
        ``wave, role, fylke, invited`` to plot response rates instead of counts.
    title : str
        Report title.
    workers : int
        Processes for drawing figures.
    source : str, optional
        Where the answers came from, for the report (the file name by default).
    themes : pandas.DataFrame, optional
        Coded free-text answers (``role``, ``wave``, one 0/1 ``theme_<code>`` column per
        theme); adds ``themes.csv``, a figure and a report section on suksesskriterier.
    codebook : Codebook, optional
        Theme labels for that figure.
    frame : pandas.DataFrame or path, optional
        The invited persons (:mod:`evaluation.frame`): adds ``representativeness.csv``,
        ``weights.csv``, ``weights_summary.csv``, ``attrition_weights.csv``,
        ``method = "weighted"`` and ``"weighted_panel"`` rows in ``change.csv``, a random
        intercept for kommune/school in the mixed model, and their report sections.
    family_steps : {"consecutive", "all"}
        The multiplicity family (:func:`evaluation.multiplicity.adjust_p`).
    weight_min_cell, weight_trim : int, float
        Collapse cells with fewer respondents; trim weights above this × the mean
        (:func:`evaluation.weights.nonresponse_weights`).
    n_boot : int
        Bootstrap replicates for the representativeness intervals.

    Returns
    -------
    RunResult
        Tables ``change, reliability, items, cleaning_log, waves, panel_anova, scores`` and
        the files written: ``change.csv, reliability.csv, reliability_items.csv,
        cleaning_log.csv, waves.csv, panel_anova.csv, run.json, report.html`` and
        ``figures/*.png|svg``.

    Examples
    --------
    >>> import evaluation
    >>> result = evaluation.run("answers.parquet", "questionnaires/scales.yaml", "out")  # doctest: +SKIP
    >>> result.tables["change"].query("method == 'lmm'")  # doctest: +SKIP
    """
    steps = _Steps()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    drawer = _FigureDrawer(figures, workers)  # before the progress bar, which may start a thread
    steps.show(progress)
    fig_dir = out / "figures"
    if figures:
        fig_dir.mkdir(exist_ok=True)
    try:
        data, source, input_hash = _read_input(answers, source)
        frame_df = _read_frame(frame)
        versioned, scale_list, plot_scales = _resolve_scales(scales, data)
        texts = item_texts(scales)
        problems = _check_input(data, scale_list, by)
        steps.done("read")
        rules = rules or CleaningRules()
        cleaned, log = _clean(data, scale_list, rules)
        del data
        steps.done("clean")
        index = index_responses(cleaned)
        if figures:
            _submit_answer_figures(drawer, cleaned, index, plot_scales, population, fig_dir, texts)
        scores = _score(cleaned, versioned, scale_list, index, problems)
        steps.done("score")
        rel, items = _reliability(cleaned, versioned, scale_list, index)
        drawer.submit(
            "reliability", {"reliability": rel, "scales": plot_scales}, fig_dir / "reliability"
        )
        steps.done("reliability")
        weighting = (
            _frame_tables(frame_df, scores, weight_min_cell, weight_trim, n_boot, problems)
            if frame_df is not None
            else _Weighting()
        )
        steps.done("weights")
        cluster = _cluster_columns(scores, frame_df)
        scores = _with_clusters(scores, frame_df, cluster)
        waves = describe_waves(scores, by)
        summary_role = waves if list(by) == ["role"] else describe_waves(scores, ("role",))
        drawer.submit("trend", {"summary": summary_role, "scales": plot_scales}, fig_dir / "trend")
        change, n_waves = _change(
            scores, by, methods, correction, family_steps, weighting, cluster, problems
        )
        steps.done("change")
        anova = panel_anova(scores) if n_waves >= 2 and "role" in scores.columns else pd.DataFrame()
        steps.done("panel ANOVA")
        files, fig_problems = drawer.finish()
        problems += fig_problems
        steps.done("figures")
        tables = {
            "change": change,
            "reliability": rel,
            "items": items,
            "cleaning_log": log,
            "waves": waves,
            "panel_anova": anova,
            "scores": scores,
        }
        names = _extra_tables(tables, weighting.tables, versioned, scores)
        if themes is not None and len(themes):
            names.update(_theme_tables(tables, themes))
            if figures:
                files += _theme_figure(tables["themes"], fig_dir, codebook, problems)
        files += _write_tables(out, tables, names)
        settings = _settings(
            source, input_hash, correction, by, methods, rules, plot_scales, family_steps, cluster
        )
        settings["item_texts"] = texts
        if frame_df is not None:
            settings["frame"] = {
                "persons": int(len(frame_df)),
                "clusters": weighting.cluster_label,
                "weight_min_cell": weight_min_cell,
                "weight_trim": weight_trim,
                "bootstrap": n_boot,
            }
        result = RunResult(
            out_dir=out,
            tables=tables,
            files=files,
            settings=settings,
            problems=problems,
            timings=steps.timings,
        )
        from .report import write_report

        files.append(write_report(result, title=title))
        steps.done("report")
        steps.finish()
        files.append(_write_run_json(result))
        return result

    finally:
        steps.close()
        drawer.close()


class _Steps:
    """The progress bar over :data:`STEPS` and the seconds each step took."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.started = self.last = time.perf_counter()
        self.bar: Any = None

    def show(self, progress: bool) -> None:
        """Start the progress bar on stderr (a hidden one when ``progress`` is false)."""
        from tqdm.auto import tqdm

        self.bar = tqdm(
            total=len(STEPS),
            desc="evaluation",
            unit="step",
            file=sys.stderr,
            disable=not progress,
            leave=False,
        )

    def done(self, name: str) -> None:
        """Record that step ``name`` has finished."""
        now = time.perf_counter()
        self.timings[name] = round(now - self.last, 3)
        self.last = now
        self.bar.set_postfix_str(name)
        self.bar.update(1)

    def finish(self) -> None:
        """Record the whole run's time as ``total``."""
        self.timings["total"] = round(time.perf_counter() - self.started, 3)

    def close(self) -> None:
        """Remove the progress bar."""
        if self.bar is not None:
            self.bar.close()


@dataclass
class _Weighting:
    """What the frame adds: its tables, the weighted scores, the cluster label, attrition weights."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    weighted: pd.DataFrame | None = None
    cluster_label: str = "person"
    attrition: pd.DataFrame | None = None


def _read_input(
    answers: pd.DataFrame | str | Path,
    source: str | None,
) -> tuple[pd.DataFrame, str | None, str | None]:
    """The checked answers, where they came from and the file's SHA-256 (None for a table)."""
    if isinstance(answers, (str, Path)):
        return read_answers(answers), source or str(answers), sha256_file(Path(answers))
    return validate_answers(answers, source=source or "answers"), source, None


def _read_frame(frame: pd.DataFrame | str | Path | None) -> pd.DataFrame | None:
    """The checked frame of invited persons, read from its file when given as a path."""
    if isinstance(frame, (str, Path)):
        from .frame import read_frame

        return read_frame(frame)
    if frame is not None:
        from .frame import validate_frame

        return validate_frame(frame, source="frame")
    return None


def _resolve_scales(
    scales: Sequence[Any] | str | Path | VersionedScales,
    answers: pd.DataFrame,
) -> tuple[VersionedScales | None, list[Any], list[Any]]:
    """The versioned scales (or None), every scale definition, and one scale per code for figures."""
    given: Any = scales
    if isinstance(given, (str, Path)):
        given = load_versioned(given) if Path(given).is_dir() else load_scales(given)
    if isinstance(given, VersionedScales):
        instrument_version_of(answers, given)  # a clear error before any work
        # every definition (ranges and matrices for cleaning); one per code for figures and labels
        return given, given.all_scales(), given.merged()
    scale_list = list(given)
    return None, scale_list, scale_list


def _check_input(answers: pd.DataFrame, scale_list: list[Any], by: Sequence[str]) -> list[str]:
    """Stop on answers the run cannot use; the problems worth reporting otherwise."""
    unknown_by = [c for c in by if c not in answers.columns]
    if unknown_by:
        raise AnswerTableError(
            f"cannot group by {', '.join(map(repr, unknown_by))}: not a "
            f"column of the answers ({', '.join(map(str, answers.columns))})"
        )
    if not scale_list:
        raise AnswerTableError("the scales file defines no scales")
    return check_scales(answers, scale_list)


def _clean(
    answers: pd.DataFrame,
    scale_list: list[Any],
    rules: CleaningRules,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cleaned answers and the cleaning log; an error when nothing is left."""
    cleaned, log = clean(answers, scale_list, rules)
    if cleaned.empty:
        raise AnswerTableError(
            "no answers are left after cleaning; see the cleaning log:\n"
            + log.to_string(index=False)
        )
    return cleaned, log


def _submit_answer_figures(
    drawer: _FigureDrawer,
    cleaned: pd.DataFrame,
    index: ResponseIndex,
    plot_scales: list[Any],
    population: pd.DataFrame | None,
    fig_dir: Path,
    texts: dict[str, str] | None = None,
) -> None:
    """Queue the figures drawn from the answers themselves: item shares and responses."""
    drawer.submit(
        "likert",
        {
            "shares": plots.likert_shares(cleaned, plot_scales),
            "scales": plot_scales,
            "item_texts": texts,
        },
        fig_dir / "likert",
    )
    drawer.submit(
        "responses",
        {
            "responses": index.responses[
                [c for c in ("wave", "role", "fylke") if c in index.responses]
            ],
            "population": population,
        },
        fig_dir / "responses",
    )


def _score(
    cleaned: pd.DataFrame,
    versioned: VersionedScales | None,
    scale_list: list[Any],
    index: ResponseIndex,
    problems: list[str],
) -> pd.DataFrame:
    """Scale scores per response; an error when there are none, a problem per wave without."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = (
            score_scales(cleaned, versioned)
            if versioned is not None
            else score_scales(cleaned, scale_list, index=index)
        )
    if scores.empty or scores["score"].notna().sum() == 0:
        raise AnswerTableError(
            "no scale scores: every answer to the scale items is missing or was removed by "
            "cleaning (check the item codes in the scales file and the cleaning log)"
        )
    scored_waves = set(scores.loc[scores["score"].notna(), "wave"])
    for wave in sorted(set(index.responses["wave"]) - scored_waves):
        problems.append(f"wave {wave} has responses but no scale scores; it is left out")
    return scores


def _reliability(
    cleaned: pd.DataFrame,
    versioned: VersionedScales | None,
    scale_list: list[Any],
    index: ResponseIndex,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cronbach's alpha per scale, role and wave, and the item statistics."""
    if versioned is not None:
        return scale_reliability(cleaned, versioned)
    return scale_reliability(cleaned, scale_list, index=index)


def _with_clusters(
    scores: pd.DataFrame, frame: pd.DataFrame | None, cluster: list[str]
) -> pd.DataFrame:
    """Scores with every cluster column, those the answers lack taken from the frame."""
    for col in cluster:
        if col not in scores.columns:
            assert frame is not None  # _cluster_columns found the column in the answers or frame
            scores = _with_cluster(scores, frame, col)
    return scores


def _change(
    scores: pd.DataFrame,
    by: Sequence[str],
    methods: Sequence[str],
    correction: str,
    family_steps: str,
    weighting: _Weighting,
    cluster: list[str],
    problems: list[str],
) -> tuple[pd.DataFrame, int]:
    """The change table (empty with one wave) and the number of waves with scores."""
    n_waves = int(scores.loc[scores["score"].notna(), "wave"].nunique())
    if n_waves < 2:
        problems.append(
            f"only one wave ({scores['wave'].iloc[0]}) has scores: no change to estimate"
        )
        return pd.DataFrame(), n_waves
    change = change_table(
        scores,
        by=by,
        methods=methods,
        correction=correction,
        family_steps=family_steps,
        weighted=weighting.weighted,
        cluster_label=weighting.cluster_label,
        cluster=cluster,
        attrition=weighting.attrition,
    )
    return change, n_waves


def _extra_tables(
    tables: dict[str, pd.DataFrame],
    frame_tables: dict[str, pd.DataFrame],
    versioned: VersionedScales | None,
    scores: pd.DataFrame,
) -> dict[str, str]:
    """Add the frame's and the comparability tables to ``tables``; the file name of each table
    to write (``scores`` is returned but not written)."""
    names = {
        "change": "change.csv",
        "reliability": "reliability.csv",
        "items": "reliability_items.csv",
        "cleaning_log": "cleaning_log.csv",
        "waves": "waves.csv",
        "panel_anova": "panel_anova.csv",
    }
    tables.update(frame_tables)
    names.update({k: f"{k}.csv" for k in frame_tables})
    if versioned is not None:
        by_wave = scores.groupby("wave")["instrument_version"].agg(lambda v: int(v.mode().iloc[0]))
        tables["comparability"] = comparability_table(versioned, by_wave.to_dict())
        names["comparability"] = "comparability.csv"
    return names


def _theme_tables(tables: dict[str, pd.DataFrame], themes: pd.DataFrame) -> dict[str, str]:
    """Add the theme shares and the coded answers to ``tables``; their file names."""
    from .themes import theme_table

    tables["themes"] = theme_table(themes)
    # one row per coded answer, one 0/1 column per theme (pseudonymous ids only)
    keep = [c for c in ("respondent_id", "wave", "role", "item", "coded_by") if c in themes.columns]
    tables["themes_coded"] = themes[keep + [c for c in themes.columns if c.startswith("theme_")]]
    return {"themes": "themes.csv", "themes_coded": "themes_coded.csv"}


def _theme_figure(
    theme_shares: pd.DataFrame, fig_dir: Path, codebook: Any, problems: list[str]
) -> list[Path]:
    """Draw the themes figure; a failure is a problem, the tables are kept."""
    from .themes import draw_theme_figure

    try:
        return draw_theme_figure(theme_shares, fig_dir / "themes", codebook)
    except Exception as err:  # noqa: BLE001 - a failed figure must not lose the tables
        problems.append(f"figure 'themes' failed: {err}")
        return []


def _write_tables(out: Path, tables: dict[str, pd.DataFrame], names: dict[str, str]) -> list[Path]:
    """Write each named table as CSV into ``out``; the files written."""
    files = []
    for key, name in names.items():
        tables[key].to_csv(out / name, index=False, float_format="%.10g")
        files.append(out / name)
    return files


def _settings(
    source: str | None,
    input_hash: str | None,
    correction: str,
    by: Sequence[str],
    methods: Sequence[str],
    rules: CleaningRules,
    plot_scales: list[Any],
    family_steps: str,
    cluster: list[str],
) -> dict[str, Any]:
    """What the run used, for ``run.json`` and the report."""
    return {
        "source": source,
        "input_sha256": input_hash,
        "correction": correction,
        "by": list(by),
        "methods": list(methods),
        "cleaning": rules.describe(),
        "scales": [s.code for s in plot_scales],
        "versions": _versions(),
        "scale_labels": {s.code: (s.label or {}).get("nb", s.code) for s in plot_scales},
        "scale_labels_en": {
            s.code: (s.label or {}).get("en") or (s.label or {}).get("nb", s.code)
            for s in plot_scales
        },
        "family_steps": family_steps,
        "lmm_cluster": "/".join(cluster) or None,
    }


def _write_run_json(result: RunResult) -> Path:
    """Write ``run.json``: settings, problems, timings and the files written; its path."""
    out = result.out_dir
    path = out / "run.json"
    path.write_text(
        json.dumps(
            {
                "settings": result.settings,
                "problems": result.problems,
                "timings": result.timings,
                "files": [str(f.relative_to(out)) for f in result.files],
            },
            indent=2,
            ensure_ascii=False,
            default=str,
        ),
        encoding="utf-8",
    )
    return path


def _cluster_columns(scores: pd.DataFrame, frame: pd.DataFrame | None) -> list[str]:
    """The columns for the mixed model's second random intercept, kommune before school, that
    the answers or the frame give (with at least one known value)."""
    out = []
    for col in ("kommune", "school"):
        for source in (scores, frame):
            if source is not None and col in source.columns:
                known = source[col].astype("string")
                if (known.notna() & (known != "(ukjent)")).any():
                    out.append(col)
                    break
    return out


def _with_cluster(scores: pd.DataFrame, frame: pd.DataFrame, cluster: str) -> pd.DataFrame:
    """Scores with the frame's ``cluster`` column, matched on person and wave."""
    keys = frame[["respondent_id", "wave", cluster]].copy()
    keys["respondent_id"] = keys["respondent_id"].astype(str)
    out = scores.copy()
    rid = out["respondent_id"].astype(str)
    lookup = keys.set_index(["respondent_id", "wave"])[cluster]
    idx = pd.MultiIndex.from_arrays([rid, out["wave"].astype(int)])
    out[cluster] = lookup.reindex(idx).to_numpy()
    return out


def _frame_tables(
    frame: pd.DataFrame,
    scores: pd.DataFrame,
    min_cell: int,
    trim: float,
    n_boot: int,
    problems: list[str],
) -> _Weighting:
    """Representativeness, weights, attrition weights and the weighted scores (with clusters)
    from the frame.

    Representativeness describes the response as the frame records it. The weights are made
    for the responses the analysis uses: a person counts as responding when they have a
    score after cleaning (so a speeder removed by cleaning does not carry weight, and a
    partial response that was kept does).
    """
    from .change import wave_pairs
    from .representativeness import representativeness
    from .weighted_change import attach_weights
    from .weights import attrition_weights, nonresponse_weights

    scored_waves = set(scores["wave"].astype(int))
    unknown = sorted(set(frame["wave"]) - scored_waves)
    if unknown:
        problems.append(f"the frame has wave(s) {unknown} without scores; they are left out")
    frame = frame.loc[frame["wave"].isin(scored_waves)]
    if frame.empty:
        problems.append("the frame has none of the answers' waves; no weights")
        return _Weighting()
    rep = representativeness(frame, n_boot=n_boot)
    scored = (
        scores.loc[scores["score"].notna(), ["respondent_id", "wave"]]
        .astype({"respondent_id": str})
        .drop_duplicates()
    )
    analysed = pd.MultiIndex.from_frame(scored.astype({"wave": int}))
    in_analysis = pd.MultiIndex.from_arrays(
        [frame["respondent_id"].astype(str), frame["wave"].astype(int)]
    ).isin(analysed)
    dropped = int(((frame["responded"] == 1) & ~in_analysis).sum())
    added = int(((frame["responded"] == 0) & in_analysis).sum())
    if dropped or added:
        problems.append(
            f"weights are made for the {int(in_analysis.sum())} responses with scores: "
            f"{dropped} marked responded in the frame have no score after cleaning, "
            f"{added} with scores are marked not responded"
        )
    weight_frame = frame.assign(responded=in_analysis.astype(int))
    result = nonresponse_weights(weight_frame, min_cell=min_cell, trim=trim)
    summary = result.summary.copy()
    summary["notes"] = [
        "; ".join(n.split(": ", 1)[1] for n in result.notes if n.startswith(f"wave {w}:"))
        for w in summary["wave"]
    ]
    clusters = [c for c in ("kommune", "school") if c in frame.columns]
    weighted, notes = attach_weights(scores, result.weights, clusters)
    problems += notes
    attrition = attrition_weights(weight_frame, result.weights, wave_pairs(sorted(scored_waves)))
    tables = {
        "representativeness": rep,
        "weights": result.weights,
        "weights_summary": summary,
        "attrition_weights": attrition,
    }
    return _Weighting(tables, weighted, "/".join(clusters + ["person"]), attrition)


def _versions() -> dict[str, str]:
    import numpy
    import pingouin
    import plotnine
    import scipy
    import statsmodels

    return {
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "pingouin": pingouin.__version__,
        "statsmodels": statsmodels.__version__,
        "plotnine": plotnine.__version__,
    }
