"""Benchmark the whole evaluation run: wall time and peak memory per panel size.

Usage::

    .venv/bin/python bench/bench_evaluation.py                 # 2 500 and 100 000 per wave
    .venv/bin/python bench/bench_evaluation.py --sizes 2500    # one size

For each size a first subprocess generates the synthetic panel (3 waves × 40 items) into a
Parquet file; a second, fresh subprocess runs ``python -m evaluation run`` on it, exactly as a
researcher would. Wall time is measured around that second process (interpreter start and
imports included) and its peak resident memory is ``ru_maxrss`` from ``os.wait4``. The step
timings come from the run's ``run.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GENERATE = """
import sys
from evaluation.synthetic import PanelSpec, default_scales, generate_panel, write_scales_yaml
n, folder = int(sys.argv[1]), sys.argv[2]
answers, _ = generate_panel(PanelSpec(n_per_wave=n, seed=2021))
answers.to_parquet(f"{folder}/answers.parquet")
write_scales_yaml(default_scales(), f"{folder}/scales.yaml")
print(len(answers))
"""

FAST_FIT = """
import sys, time
import numpy as np, pandas as pd
from evaluation import clean, score_scales, validate_answers
from evaluation.mixedlm import fit_random_intercept
from evaluation.synthetic import default_scales
import warnings; warnings.simplefilter("ignore")
answers = pd.read_parquet(sys.argv[1])
scales = default_scales()
cleaned, _ = clean(validate_answers(answers), scales)
scores = score_scales(cleaned, scales)
cell = scores.loc[(scores.scale == "samarbeid") & (scores.role == "skoleleder")].dropna(
    subset=["score"])
w = cell["wave"].to_numpy()
X = np.column_stack([np.ones(len(w))] + [(w == v).astype(float) for v in sorted(set(w))[1:]])
t = time.perf_counter()
fit = fit_random_intercept(cell["score"].to_numpy(), X, cell["respondent_id"].cat.codes.to_numpy())
print(len(cell), fit.n_groups, round(time.perf_counter() - t, 3))
"""


def _machine() -> dict[str, str]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "cpus": str(os.cpu_count()),
        "cpu": model,
        "memory": f"{mem_kb / 1024**2:.1f} GiB",
        "python": platform.python_version(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _run_measured(cmd: list[str]) -> tuple[float, float, float, int]:
    """Run a command; return wall seconds, peak RSS in MiB, CPU seconds and the exit code.

    CPU time (user + system, the figure workers included) is what the run costs whatever else
    the machine does; wall time depends on the load from other jobs, printed with it.
    """
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.stderr.write(proc.stderr.read().decode() if proc.stderr else "")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, proc.returncode


def bench(n: int, figures: bool = True) -> dict:
    """Generate a panel of ``n`` respondents per wave and time the CLI run on it."""
    with tempfile.TemporaryDirectory(prefix=f"bench-eval-{n}-") as tmp:
        folder = Path(tmp)
        gen = subprocess.run(
            [sys.executable, "-c", GENERATE, str(n), str(folder)],
            cwd=ROOT,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            capture_output=True,
            text=True,
            check=True,
        )
        rows = int(gen.stdout.strip())
        cmd = [
            sys.executable,
            "-m",
            "evaluation",
            "run",
            "--answers",
            str(folder / "answers.parquet"),
            "--scales",
            str(folder / "scales.yaml"),
            "--out",
            str(folder / "out"),
            "--quiet",
        ] + ([] if figures else ["--no-figures"])
        load_before = os.getloadavg()[0]
        wall, rss, cpu, code = _run_measured(cmd)
        if code:
            raise SystemExit(f"run failed for n={n}")
        steps = json.loads((folder / "out" / "run.json").read_text())["timings"]
        fit = subprocess.run(
            [sys.executable, "-c", FAST_FIT, str(folder / "answers.parquet")],
            cwd=ROOT,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    return {
        "n_per_wave": n,
        "answers": rows,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "load_before": round(load_before, 2),
        "peak_rss_mib": round(rss),
        "steps": steps,
        "lmm_cell_rows": int(fit[0]),
        "lmm_cell_respondents": int(fit[1]),
        "lmm_cell_fit_s": float(fit[2]),
    }


def main() -> None:
    """Run the benchmark and print one line per size plus the machine."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2500, 100_000])
    parser.add_argument("--no-figures", action="store_true")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args()
    machine = _machine()
    results = [bench(n, figures=not args.no_figures) for n in args.sizes]
    if args.json:
        print(json.dumps({"machine": machine, "results": results}, indent=2))
        return
    print(
        f"machine: {machine['cpus']} CPUs, {machine['cpu']}, {machine['memory']}, "
        f"Python {machine['python']}, load average at end {machine['load']}"
    )
    for r in results:
        steps = ", ".join(f"{k} {v:.1f}" for k, v in r["steps"].items() if k != "total")
        print(
            f"{r['n_per_wave']:>7} per wave, {r['answers']:>10,} answers: "
            f"{r['wall_s']:6.1f} s wall (load {r['load_before']:.1f} before), "
            f"{r['cpu_s']:6.1f} s CPU, {r['peak_rss_mib']:5d} MiB peak RSS "
            f"(steps: {steps}); one LMM cell of {r['lmm_cell_rows']:,} rows / "
            f"{r['lmm_cell_respondents']:,} respondents fits in {r['lmm_cell_fit_s']:.2f} s"
        )


if __name__ == "__main__":
    main()
