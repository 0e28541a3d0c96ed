"""Benchmark: researcher export of 100 000 respondents × 3 waves × ~60 items, all formats.

Builds the input DataFrames directly (no database inserts) with the real questionnaires and
calls the same ``build_export`` the web job and the CLI use. The build runs in a child process
so its peak memory (ru_maxrss) is measured on its own.

    .venv/bin/python bench/bench_exports.py                 # 100 000 persons, every layout
    .venv/bin/python bench/bench_exports.py --persons 10000 --layouts wide,waves
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(args: argparse.Namespace) -> None:
    """Generate the input, build the export, print one JSON line of figures."""
    sys.path.insert(0, str(ROOT))
    import questionnaires
    from evaluation.export import ExportOptions, build_export
    from evaluation.export.synthetic import synthetic_source

    t0 = time.perf_counter()
    source = synthetic_source(
        questionnaires.load_instrument(), args.persons, waves=(2021, 2023, 2025), text_share=0.3
    )
    t_input = time.perf_counter() - t0
    input_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    options = ExportOptions(
        layouts=tuple(args.layouts.split(",")),
        formats=tuple(args.formats.split(",")),
        cleaned=args.cleaned,
        free_text=args.free_text,
        themes=not args.no_themes,
    )
    with tempfile.TemporaryDirectory() as out:
        t1 = time.perf_counter()
        result = build_export(
            source,
            options,
            out,
            pseudonym_key="bench-key",
            zip_name=None if args.no_zip else "export.zip",
        )
        t_build = time.perf_counter() - t1
        size = sum(p.stat().st_size for p in Path(out).iterdir())
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "persons": args.persons,
                "responses": int(len(source.responses)),
                "answers": int(len(source.answers)),
                "items_per_response": round(len(source.answers) / len(source.responses), 1),
                "input_s": round(t_input, 1),
                "build_s": round(t_build, 1),
                "input_rss_gib": round(input_rss, 2),
                "peak_rss_gib": round(rss_kib / 1024**2, 2),
                "output_mib": round(size / 2**20),
                "files": {f["file"]: f["rows"] for f in result.manifest["files"]},
                "skipped": [s["file"] for s in result.manifest["skipped"]],
                "steps": result.timings,
            }
        )
    )


def _tree_pss_gib(pid: int) -> float:
    """Proportional set size of a process and its descendants (shared pages counted once)."""
    pids, total = [pid], 0
    while pids:
        p = pids.pop()
        try:
            for line in open(f"/proc/{p}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
            children = open(f"/proc/{p}/task/{p}/children").read().split()
            pids.extend(int(c) for c in children)
        except OSError:
            continue
    return total / 1024**2


def _watch_memory(proc: subprocess.Popen) -> float:
    """Sample the process tree's PSS every 0.2 s until it ends; return the peak (GiB)."""
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _tree_pss_gib(proc.pid))
        time.sleep(0.2)
    return peak


def main() -> None:
    """Parse options, run the child, print the figures."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--persons", type=int, default=100_000)
    p.add_argument("--layouts", default="wide,waves")
    p.add_argument("--formats", default="csv,parquet,sav,dta,xlsx")
    p.add_argument("--cleaned", action="store_true")
    p.add_argument("--free-text", action="store_true")
    p.add_argument("--no-themes", action="store_true")
    p.add_argument("--no-zip", action="store_true")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return
    cmd = [sys.executable, __file__, "--child", *sys.argv[1:]]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_pss = _watch_memory(proc)
    stdout, stderr = proc.communicate()
    res = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        print(res.stderr, file=sys.stderr)
        sys.exit(res.returncode)
    figures = json.loads(res.stdout.strip().splitlines()[-1])
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss / 1024**2
    cpu = usage.ru_utime + usage.ru_stime
    print(
        f"persons {figures['persons']:,}  responses {figures['responses']:,}  answers "
        f"{figures['answers']:,} ({figures['items_per_response']} per response)"
    )
    print(f"layouts {args.layouts}  formats {args.formats}  cleaned={args.cleaned}")
    print(
        f"input generation {figures['input_s']} s, {figures['input_rss_gib']} GiB RSS once "
        "generated (not part of the export)"
    )
    print(f"export build     {figures['build_s']} s   (limit 60 s)")
    print(f"peak RSS         {peak:.2f} GiB of the largest process (limit 4 GiB; input included)")
    print(f"peak PSS, all    {peak_pss:.2f} GiB summed over the export and its writer processes")
    print(f"output           {figures['output_mib']} MiB; skipped: {figures['skipped'] or 'none'}")
    print(
        f"child wall time  {wall:.1f} s; CPU time of all processes {cpu:.1f} s "
        f"(load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    print("steps (cumulative s):", json.dumps(figures["steps"]))


if __name__ == "__main__":
    main()
