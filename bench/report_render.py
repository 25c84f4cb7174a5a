"""PDF rendering time of the student reports of an already-graded class.

The first render in a process (stylesheet parse, font configuration, template compile) is
timed apart from the warm renders a grading run pays per student. Make the results first,
e.g. ``GRADER_UNSAFE_NO_SANDBOX=1 grader run submissions/hw3``.

Usage: python bench/report_render.py [RESULTS_GLOB] [--n 5] [--lang both] [--out DIR] [--profile FILE]
"""
from __future__ import annotations

import argparse
import cProfile
import glob
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

_T0 = time.perf_counter()
from pypdf import PdfReader  # noqa: E402

from grader.core.result import StudentResult  # noqa: E402
from grader.outputs.reports import html_for_student, render_student_report, warm_up  # noqa: E402
from grader.outputs.reports.render import _pdf  # noqa: E402

IMPORT_S = time.perf_counter() - _T0


def _p90(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.9 * (len(xs) - 1)))]


def _cpu() -> float:
    """CPU seconds of this process and of its waited-for children: the PDF is laid out in a forked child."""
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + child.ru_utime + child.ru_stime


def _render(result: StudentResult, out: Path, lang: str) -> tuple[float, float]:
    """Wall and CPU seconds of one render (CPU time is steadier on a shared machine)."""
    wall, cpu = time.perf_counter(), _cpu()
    render_student_report(result, out, lang=lang)
    return time.perf_counter() - wall, _cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", default="reports/hw3/results/*.json")
    parser.add_argument("--n", type=int, default=5, help="warm renders per report")
    parser.add_argument("--lang", default="both", choices=("both", "fa", "en"))
    parser.add_argument("--out", type=Path, help="keep the PDFs here (default: a temporary folder)")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the warm renders here")
    args = parser.parse_args()

    paths = sorted(glob.glob(args.results))
    if not paths:
        parser.error(f"no results match {args.results}; grade the class first")
    results = {Path(p).stem: StudentResult.from_json(json.loads(Path(p).read_text(encoding="utf-8"))) for p in paths}

    with tempfile.TemporaryDirectory() as tmp:
        out_dir = args.out or Path(tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        first_name = next(iter(results))
        cold, _ = _render(results[first_name], out_dir / f"{first_name}.pdf", args.lang)
        warm_up()  # as a grading worker does before its first student (grader/engine/worker_preload.py)

        times: dict[str, list[tuple[float, float]]] = {name: [] for name in results}
        for _ in range(args.n):  # round-robin, so that a slow spell hits every report alike
            for name, result in results.items():
                times[name].append(_render(result, out_dir / f"{name}.pdf", args.lang))
        if args.profile:  # in this process: the forked child's time is out of a profiler's sight
            profiler = cProfile.Profile()
            profiler.enable()
            for result in results.values():
                _pdf(html_for_student(result, args.lang))
            profiler.disable()
            profiler.dump_stats(args.profile)

        print(f"import {IMPORT_S:.2f} s; cold first render ({first_name}) {cold:.3f} s; "
              f"warm renders: {args.n} per report, lang={args.lang}")
        print(f"{'report':<10}{'pages':>6}{'KiB':>8}{'median s':>10}{'p90 s':>8}{'cpu s':>8}")
        for name, ts in [*times.items(), ("all", [t for ts in times.values() for t in ts])]:
            wall, cpu = [t[0] for t in ts], [t[1] for t in ts]
            pdf = out_dir / f"{name}.pdf"
            pages, kib = (len(PdfReader(pdf).pages), f"{pdf.stat().st_size / 1024:.0f}") \
                if pdf.exists() else ("", "")
            print(f"{name:<10}{pages:>6}{kib:>8}{statistics.median(wall):>10.3f}"
                  f"{_p90(wall):>8.3f}{statistics.median(cpu):>8.3f}")


if __name__ == "__main__":
    main()
