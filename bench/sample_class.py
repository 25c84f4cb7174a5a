"""Time a forced `grader run` of the bundled sample class, per notebook and per PDF report.

Usage: python bench/sample_class.py [--jobs N]. Prints the wall time of the whole run, each
notebook's grading time (kernel start to checks done), and the median PDF render time.
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path

from grader.engine.local import run
from grader.outputs.reports import render_student_report

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        start = time.perf_counter()
        summary = run(ROOT / "submissions" / "hw3", ROOT / "rubrics" / "hw3.yaml", out, jobs=args.jobs, force=True)
        wall = time.perf_counter() - start
        print(f"sample class: {len(summary.results)} submissions in {wall:.1f} s wall")
        for r in summary.results:
            print(f"  {r['student_id']}: {r['runtime_s']:.2f} s  {r['total']:g}/{r['max_total']:g}"
                  f"  {' '.join(e['kind'] for e in r['errors'])}")
        times = sorted(r["runtime_s"] for r in summary.results)
        print(f"per notebook: median {statistics.median(times):.2f} s, max {times[-1]:.2f} s")
        renders = []
        for r in summary.results * 3:
            t = time.perf_counter()
            render_student_report(r, out / "bench.pdf")
            renders.append(time.perf_counter() - t)
        print(f"PDF report: median {statistics.median(renders):.3f} s over {len(renders)} renders")


if __name__ == "__main__":
    main()
