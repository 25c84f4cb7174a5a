"""The latency of one notebook: `grader run` of a one-student class against `nbgrader autograde` of
the same notebook, side by side, whole process each, median of `--runs`.

A pull request grades one notebook, and so does a late student's regrade: there the fixed cost of a
run (interpreter and imports, the kernel, the PDF, the class files) is all there is. The notebooks
are bench/compare's (`generate.py`: the same assignment, the same checks in both tools): a correct
numpy one and a correct TensorFlow one. Grader runs sandboxed, writes the student's PDF and the
class files, into a fresh output folder each time (`--force`); nbgrader autogrades in a fresh copy
of its course. Runs alternate tool by tool so that load from other work falls on both alike; the
load average is printed with each figure, and the CPU time (user + system, all processes of the
command) beside the wall time. Targets (issue 17): numpy ≤ half of nbgrader's time; TensorFlow no
slower than nbgrader's.

Usage: python3 bench/one_notebook.py [--runs 5] [--work /tmp/grader-one]   (after bash bench/compare/install.sh)
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "compare"))

from generate import generate  # noqa: E402 - bench/compare's modules, on the path just above
from toolenv import VENV, venv_env  # noqa: E402
from tools import NB_NAME, grader_env  # noqa: E402


@dataclass
class Timed:
    wall_s: float
    cpu_s: float
    load: float  # the 1-minute load average as the command started


def timed(argv: list[str], env: dict[str, str], cwd: Path | None = None) -> Timed:
    """Run `argv` to its end; its wall time and the CPU time of it and every process it waited for."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timed(wall, cpu, load)


def grader_once(work: Path, sid: str, run: Path) -> Timed:
    """`grader run --force` of a class holding only `sid`, sandboxed, into a fresh folder."""
    subs = run / "class"
    shutil.copytree(work / "class" / sid, subs / sid)
    argv = [sys.executable, "-m", "grader.apps.cli", "run", str(subs), "--assignment", "cmp",
            "--out", str(run / "out"), "--force"]
    took = timed(argv, grader_env())
    result = json.loads((run / "out" / "results" / f"{sid}.json").read_text())
    if not (run / "out" / f"{sid}.pdf").is_file() or result["total"] != result["max_total"]:
        raise RuntimeError(f"grader's run of {sid} did not give a report with full points: {result['total']}")
    return took


def nbgrader_once(work: Path, sid: str, run: Path) -> Timed:
    """`nbgrader autograde` of the same notebook in a fresh copy of the generated course."""
    course = run / "nbgrader"
    shutil.copytree(work / "nbgrader", course)
    (course / "submitted" / sid / "cmp").mkdir(parents=True)
    shutil.copy(work / "class" / sid / NB_NAME, course / "submitted" / sid / "cmp" / NB_NAME)
    return timed([str(VENV / "bin" / "nbgrader"), "autograde", "cmp", "--force"], venv_env(), cwd=course)


def compare(work: Path, sid: str, kind: str, runs: int) -> dict[str, list[Timed]]:
    got: dict[str, list[Timed]] = {"grader": [], "nbgrader": []}
    for i in range(runs):
        order = [("grader", grader_once), ("nbgrader", nbgrader_once)]
        for name, once in order if i % 2 == 0 else order[::-1]:
            run = work / "runs" / f"{kind}-{name}-{i}"
            got[name].append(once(work, sid, run))
            shutil.rmtree(run, ignore_errors=True)
            t = got[name][-1]
            print(f"  {kind:10} {name:8} run {i + 1}: {t.wall_s:5.2f} s wall, {t.cpu_s:5.2f} s CPU, "
                  f"load {t.load:.2f}", flush=True)
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/grader-one"))
    parser.add_argument("--kinds", default="numpy,tensorflow", help="which notebooks: numpy, torch, tensorflow")
    args = parser.parse_args()
    if not (VENV / "bin" / "nbgrader").exists():
        raise SystemExit(f"{VENV / 'bin' / 'nbgrader'} is missing: run bash bench/compare/install.sh first")
    students = generate(8, args.work)
    print(f"cores {os.cpu_count()}, load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    targets = {"numpy": 0.5, "tensorflow": 1.0}
    for kind in args.kinds.split(","):
        sid = next(s.sid for s in students if s.kind == kind and s.outcome == "correct")
        got = compare(args.work, sid, kind, args.runs)
        med = {name: (statistics.median(t.wall_s for t in ts), statistics.median(t.cpu_s for t in ts),
                      statistics.median(t.load for t in ts)) for name, ts in got.items()}
        ratio = med["grader"][0] / med["nbgrader"][0]
        target = targets.get(kind)
        verdict = "" if target is None else f"  (target ≤ {target:g}: {'met' if ratio <= target else 'NOT met'})"
        print(f"{kind}: median of {args.runs}: grader {med['grader'][0]:.2f} s wall / {med['grader'][1]:.2f} s CPU, "
              f"nbgrader {med['nbgrader'][0]:.2f} s wall / {med['nbgrader'][1]:.2f} s CPU, "
              f"median load {med['grader'][2]:.2f} / {med['nbgrader'][2]:.2f}; grader/nbgrader wall {ratio:.2f}"
              f"{verdict}", flush=True)
    print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    shutil.rmtree(args.work / "runs", ignore_errors=True)


if __name__ == "__main__":
    main()
