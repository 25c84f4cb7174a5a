"""A run killed with SIGKILL and started again ends with the same files as an uninterrupted run."""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.kernel.sandbox import unavailable_reason
from tests.hostile import corpus
from tests.test_hostile import ROOT, grader_env

pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason="no sandbox")


def _class(root: Path) -> dict[str, Path]:
    paths = corpus.build(root, 9)
    keep = {"honest", "sleeper", "liar", "broken_json.ipynb", "warnings"}
    for entry in list(paths["subs"].iterdir()):
        if entry.name not in keep:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for i in range(4):
        shutil.copytree(paths["subs"] / "honest", paths["subs"] / f"honest{i}")
    return paths


def _grade(paths, out: Path, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "grader.cli", "run", str(paths["subs"]), "--out", str(out),
                             "--jobs", "2"], cwd=ROOT, env=grader_env(paths), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def _descendants(pid: int) -> list[int]:
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


def _comparable(out: Path) -> dict:
    results = {}
    for path in sorted((out / "results").iterdir()):
        r = json.loads(path.read_text(encoding="utf-8"))
        results[path.name] = (r["total"], [(q["id"], q["points"], q["status"]) for q in r["questions"]],
                              [e["kind"] for e in r["errors"]])
    with (out / "grades.csv").open(encoding="utf-8") as f:
        grades = list(csv.reader(f))
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    return {"results": results, "grades": grades, "files": files}


def test_kill_9_then_rerun_matches_an_uninterrupted_run(tmp_path):
    paths = _class(tmp_path)
    straight = tmp_path / "straight"
    assert _grade(paths, straight).wait(timeout=600) == 0

    resumed = tmp_path / "resumed"
    proc = _grade(paths, resumed)
    deadline = time.monotonic() + 300
    while len(list((resumed / "results").glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    workers = _descendants(proc.pid)
    assert len(workers) >= 4  # the forkserver, two workers, the zygote and more
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 30  # they die with the grader, taking their kernels and zygotes along
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    done_before = len(list((resumed / "results").glob("*.json")))
    assert 2 <= done_before < 9

    rerun = _grade(paths, resumed)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err[-2000:]
    assert "unchanged" in out
    assert _comparable(resumed) == _comparable(straight)
