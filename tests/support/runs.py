"""`grader run` of a hostile-corpus class in a subprocess, and what to compare and watch of a run."""
import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.hostile import corpus
from tests.support.paths import ROOT


def grader_env(paths: dict[str, Path]) -> dict[str, str]:
    """The environment of a `grader run` of the corpus' course (`corpus.build`'s paths)."""
    return {**os.environ, "PYTHONPATH": str(paths["refpkg"]), "GRADER_RUBRICS": str(paths["rubrics"]),
            "GRADER_CI_TOKEN": corpus.TOKEN}


def crash_class(root: Path) -> dict[str, Path]:
    """The corpus cut to nine notebooks that grade quickly: honest ones, a sleeper, a liar, broken JSON."""
    paths = corpus.build(root, 9)
    keep = {"honest", "sleeper", "liar", "broken_json.ipynb", "warnings"}
    for entry in list(paths["subs"].iterdir()):
        if entry.name not in keep:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for i in range(4):
        shutil.copytree(paths["subs"] / "honest", paths["subs"] / f"honest{i}")
    return paths


def start_grading(paths: dict[str, Path], out: Path, **popen) -> subprocess.Popen:
    """`grader run --jobs 2` of the class in `paths` into `out`, started, not waited for."""
    return subprocess.Popen([sys.executable, "-m", "grader.apps.cli", "run", str(paths["subs"]), "--out", str(out),
                             "--jobs", "2"], cwd=ROOT, env=grader_env(paths), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def descendants(pid: int) -> list[int]:
    """Every process below `pid`: the forkserver, the workers forked from it, zygotes, kernels."""
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = [], {pid}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier}
        found += sorted(frontier)
    return found


def comparable(out: Path) -> dict:
    """What two runs of one class must agree on: every result's points and error kinds, grades.csv, the files."""
    results = {}
    for path in sorted((out / "results").iterdir()):
        r = json.loads(path.read_text(encoding="utf-8"))
        results[path.name] = (r["total"], [(q["id"], q["points"], q["status"]) for q in r["questions"]],
                              [e["kind"] for e in r["errors"]])
    with (out / "grades.csv").open(encoding="utf-8") as f:
        grades = list(csv.reader(f))
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    return {"results": results, "grades": grades, "files": files}
