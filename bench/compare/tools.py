"""Grading one batch of the generated class with each tool: set-up (untimed), the timed grading
command(s), and the per-question scores read back (untimed).

Every function returns a `Batch`: the wall time of the timed part, the scores per student and
question id, and per-student times where the tool reports them.
"""
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from toolenv import VENV, run_in_venv, venv_env

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
NB_NAME = "cmp.ipynb"


@dataclass
class Batch:
    wall_s: float
    scores: dict[str, dict[str, float]]  # student id -> question id -> points
    per_student_s: dict[str, float] = field(default_factory=dict)


def grader_env() -> dict[str, str]:
    """The benchmark's rubric folder and reference package for grader; the repository itself on the
    path too, so the benchmark does not depend on where the editable install points."""
    path = os.pathsep.join([str(REPO), str(HERE), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return {**os.environ, "GRADER_RUBRICS": str(HERE / "rubrics"), "PYTHONPATH": path}


def nbgrader(work: Path, sids: list[str], run_dir: Path) -> Batch:
    """`nbgrader autograde` (serial: it has no parallel mode) in a copy of the course holding this batch."""
    course = run_dir / "nbgrader"
    shutil.copytree(work / "nbgrader", course)
    for sid in sids:
        (course / "submitted" / sid / "cmp").mkdir(parents=True)
        shutil.copy(work / "class" / sid / NB_NAME, course / "submitted" / sid / "cmp" / NB_NAME)
    start = time.perf_counter()
    run_in_venv(["nbgrader", "autograde", "cmp", "--force"], cwd=course)
    wall = time.perf_counter() - start
    out = run_in_venv(["python", str(HERE / "nbgrader_scores.py")], cwd=course)
    return Batch(wall, json.loads(out.stdout))


def _otter_one(work: Path, sid: str, out: Path) -> float:
    out.mkdir(parents=True)
    start = time.perf_counter()
    proc = subprocess.run([str(VENV / "bin" / "otter"), "run", "-a", str(work / "otter" / "autograder.zip"),
                           "-o", str(out), "--no-logo", str(work / "class" / sid / NB_NAME)],
                          env=venv_env(), cwd=out, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"otter run failed for {sid}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return took


def otter(work: Path, sids: list[str], run_dir: Path, parallel: int = 1) -> Batch:
    """`otter run` once per notebook (`otter grade` needs Docker), `parallel` processes at a time."""
    outs = {sid: run_dir / f"otter-x{parallel}" / sid for sid in sids}
    start = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        times = dict(zip(sids, pool.map(lambda s: _otter_one(work, s, outs[s]), sids)))
    wall = time.perf_counter() - start
    scores = {}
    for sid, out in outs.items():
        tests = json.loads((out / "results.json").read_text())["tests"]
        scores[sid] = {t["name"]: float(t["score"]) for t in tests if t["name"].startswith("q")}
    return Batch(wall, scores, times)


def grader(work: Path, sids: list[str], run_dir: Path, jobs: int | None = None) -> Batch:
    """`grader run --force`, sandboxed, `--jobs` left to its default unless given."""
    subs, out = run_dir / "grader-class", run_dir / "grader-out"
    for sid in sids:
        shutil.copytree(work / "class" / sid, subs / sid)
    argv = [sys.executable, "-m", "grader.apps.cli", "run", str(subs), "--assignment", "cmp", "--out", str(out), "--force"]
    argv += ["--jobs", str(jobs)] if jobs else []
    start = time.perf_counter()
    proc = subprocess.run(argv, env=grader_env(), capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"grader run failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    results = [json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))]
    return Batch(wall, {r["student_id"]: {q["id"]: float(q["points"]) for q in r["questions"]} for r in results},
                 {r["student_id"]: float(r["runtime_s"]) for r in results})
