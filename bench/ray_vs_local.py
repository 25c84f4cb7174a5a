"""Throughput per core of the Ray engine against the local engine, on the same class.

Usage: python bench/ray_vs_local.py [--assignment hw3] [--copies 2] [--rounds 2]

Grades `submissions/<assignment>` (each student `--copies` times, under new ids) with the local
engine (2 jobs) and with the Ray engine on a two-node Ray cluster started on this machine (1 CPU
per node), A/B-interleaved for `--rounds` rounds, every run forced. Both use 2 cores, so
throughput per core is submissions / wall seconds / 2. The cluster's start-up is not timed (a
cluster outlives a run); connecting to it is. Prints each run, the medians, the Ray/local ratio
(target: at least 0.8) and the machine's load average.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' two-node cluster helper

from grader.engine import local, ray_engine  # noqa: E402
from tests.support.ray_cluster import two_node_cluster  # noqa: E402
CORES = 2
SEED = 0  # the same function-check inputs for both engines


def build_class(assignment: str, copies: int, into: Path) -> int:
    """Copy each student's folder `copies` times; return the number of submissions."""
    folder = into / assignment
    for student in sorted(p for p in (ROOT / "submissions" / assignment).iterdir() if p.is_dir()):
        for i in range(copies):
            shutil.copytree(student, folder / f"{student.name}c{i}")
    return len(list(folder.iterdir()))


def timed(engine: str, subs: Path, rubric: Path, out: Path, address: str) -> tuple[float, dict[str, tuple]]:
    """Wall seconds of one forced run, and each student's total and error kinds."""
    start = time.perf_counter()
    if engine == "local":
        summary = local.run(subs, rubric, out, jobs=CORES, force=True, seed=SEED)
    else:
        summary = ray_engine.run(subs, rubric, out, address=address, force=True, seed=SEED)
    return time.perf_counter() - start, {r["student_id"]: (r["total"], *sorted(e["kind"] for e in r["errors"]))
                                         for r in summary.results}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assignment", default="hw3")
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rubric = ROOT / "rubrics" / f"{args.assignment}.yaml"
    with tempfile.TemporaryDirectory() as tmp, two_node_cluster(cpus_per_node=1) as (address, env):
        os.environ.update(env)  # the cluster's token, for this process's connections
        n = build_class(args.assignment, args.copies, Path(tmp))
        subs = Path(tmp) / args.assignment
        walls: dict[str, list[float]] = {"local": [], "ray": []}
        totals: dict[str, dict[str, float]] = {}
        for round_ in range(args.rounds):
            for engine in ("local", "ray") if round_ % 2 == 0 else ("ray", "local"):
                wall, totals[engine] = timed(engine, subs, rubric, Path(tmp) / f"out-{engine}", address)
                walls[engine].append(wall)
                print(f"round {round_ + 1} {engine:5}: {n} submissions in {wall:6.1f} s  "
                      f"{n / wall / CORES:.3f} submissions/s per core  (load {os.getloadavg()[0]:.2f})")
        differ = {s: (totals["local"][s], totals["ray"][s]) for s in totals["local"]
                  if totals["local"][s] != totals["ray"][s]}
        print(f"students whose (total, errors) differ, local vs ray, last round: {differ or 'none'}")
        median = {e: statistics.median(w) for e, w in walls.items()}
        per_core = {e: n / median[e] / CORES for e in median}
        print(f"median per core: local {per_core['local']:.3f}/s, ray {per_core['ray']:.3f}/s, "
              f"ray/local {per_core['ray'] / per_core['local']:.2f} (target >= 0.80)")
        print("uptime:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
