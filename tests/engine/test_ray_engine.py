"""`grader run --engine ray` on a two-node Ray cluster started on this machine: the same results
and files as the local engine, and a Ray worker killed mid-task costs a retry, not a grade."""
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.engine.ray_engine import RayEngineError, _check_fits, _gpus_per_task, task_options
from tests.support.paths import ROOT
from tests.support.ray_cluster import RayStartFailed, two_node_cluster
from tests.support.runs import comparable

REFERENCE = '''
import numpy as np

def answer():
    return [1.0, 2.0, 3.0]

def draw(seed):
    return {"x": np.random.default_rng(seed).normal(size=5).tolist()}

def double(x):
    return (2 * np.asarray(x)).tolist()
'''

RUBRIC = """
assignment: tiny
title: {fa: "تکلیف کوچک", en: "Tiny assignment"}
course: {fa: "درس آزمون", en: "Test course"}
reference: tiny_ref
limits: {cell_timeout_s: 10, total_timeout_s: 120, memory_gib: 1, disk_gib: 0.25, tmp_gib: 0.25,
         max_file_gib: 0.2, max_processes: 64, max_output_mib: 1}
questions:
  - id: q1
    title: {fa: "یک آرایه", en: "An array"}
    points: 2
    answers:
      - {name: answer, check: array, points: 2, reference: answer, prompt: {fa: "آرایه", en: "the array"}}
  - id: q2
    title: {fa: "یک تابع", en: "A function"}
    points: 2
    answers:
      - {name: double, check: function, points: 2, reference: double, options: {inputs: draw, trials: 2},
         prompt: {fa: "تابع", en: "the function"}}
"""

HONEST = "answer = [1.0, 2.0, 3.0]\n\ndef double(x):\n    return 2 * x"
STUDENTS = {
    "honest": [HONEST],
    "honest2": [HONEST],
    "wrong": ["answer = [0.0, 0.0, 0.0]\n\ndef double(x):\n    return 3 * x"],
    "raises": ["raise ValueError('a bug of the student')", "answer = [1.0, 2.0, 3.0]"],
    "sleeper": ["import time\ntime.sleep(10**6)", HONEST],  # interrupted at the cell time limit
}
SLOW = ["import time\ntime.sleep(4)", "time.sleep(4)", HONEST]  # long enough to be killed mid-task


def _write_class(folder: Path, students: dict[str, list[str]]) -> None:
    for sid, cells in students.items():
        (folder / sid).mkdir(parents=True)
        nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells], metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}),
            folder / sid / "hw.ipynb")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("ray_course")
    (root / "refpkg" / "tiny_ref").mkdir(parents=True)
    (root / "refpkg" / "tiny_ref" / "__init__.py").write_text(REFERENCE)
    (root / "rubrics").mkdir()
    (root / "rubrics" / "tiny.yaml").write_text(RUBRIC)
    _write_class(root / "tiny", STUDENTS)
    (root / "tiny" / "broken.ipynb").write_text('{"cells": [{"cell_type": "code", "sour')
    _write_class(root / "slow" / "tiny", {"slow": SLOW})
    env = {**os.environ, "PYTHONPATH": str(root / "refpkg"), "GRADER_RUBRICS": str(root / "rubrics")}
    env.pop("RAY_ADDRESS", None)
    return {"root": root, "env": env}


@pytest.fixture(scope="module")
def cluster(course):
    """Head and second node, one CPU each; the workers import the course's reference package.
    The course's environment gets the cluster's token, for the runs that connect to it."""
    try:
        with two_node_cluster(env=course["env"]) as (address, env):
            course["env"] = env
            yield address
    except RayStartFailed as exc:
        pytest.skip(f"Ray cannot start a cluster on this machine: {exc}")


def _grade(course: dict, folder: Path, out: Path, *engine: str, status: int = 0) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", str(folder), "--out", str(out), *engine],
                          cwd=ROOT, env=course["env"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == status, proc.stderr[-3000:]
    return proc


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_ray_engine_gives_the_local_engines_results_and_files(course, cluster, tmp_path):
    _grade(course, course["root"] / "tiny", tmp_path / "local", "--jobs", "2")
    ray = _grade(course, course["root"] / "tiny", tmp_path / "ray", "--engine", "ray", "--ray-address", cluster)

    local_files, ray_files = comparable(tmp_path / "local"), comparable(tmp_path / "ray")
    assert ray_files == local_files
    assert {"honest.pdf", "broken.pdf", "grades.csv", "summary.pdf", "results/raises.json"} <= set(ray_files["files"])
    totals = {name: total for name, (total, _, _) in ray_files["results"].items()}
    assert totals == {"honest.json": 4, "honest2.json": 4, "wrong.json": 0, "raises.json": 2, "broken.json": 0,
                      "sleeper.json": 4}
    assert ray_files["results"]["sleeper.json"][2] == ["cell_timeout"]  # the kernel took the interrupt
    progress = [line for line in ray.stderr.splitlines() if re.match(r"\[\d/6\] \w+: ", line)]
    assert len(progress) == 6, ray.stderr[-2000:]  # one line per finished submission, as the local engine


def _busy_worker() -> int | None:
    """A Ray worker running a grading task whose sandboxed kernel has started below it."""
    parents, workers = {}, set()
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            if Path(f"/proc/{entry}/cmdline").read_bytes().startswith(b"ray::grade_on_worker"):
                workers.add(int(entry))
        except OSError:
            continue
    return next((w for w in workers if w in parents.values()), None)


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_a_worker_killed_mid_task_is_retried(course, cluster, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "grader.apps.cli", "run", str(course["root"] / "slow" / "tiny"),
                             "--out", str(out), "--engine", "ray", "--ray-address", cluster],
                            cwd=ROOT, env=course["env"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while (worker := _busy_worker()) is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert worker is not None, ("no Ray worker was seen grading the slow submission; the run: "
                                    f"{'still running' if proc.poll() is None else proc.stderr.read()[-3000:]}")
        time.sleep(1)  # the kernel is in the student's 8 s of sleeping now
        os.kill(worker, signal.SIGKILL)
        killed_at = dt.datetime.now(dt.timezone.utc)
        _, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == 0, err[-3000:]
    result = json.loads((out / "results" / "slow.json").read_text(encoding="utf-8"))
    assert result["errors"] == [] and result["total"] == result["max_total"] == 4
    assert dt.datetime.fromisoformat(result["graded_at"]) > killed_at  # graded by the retry
    assert (out / "slow.pdf").is_file()
    assert not Path(f"/proc/{worker}").exists()  # the retry ran elsewhere


def test_a_kernel_no_node_can_hold_is_refused_before_anything_runs():
    options = task_options(memory_gib=64, num_gpus=0)
    nodes = [{"Alive": True, "Resources": {"CPU": 1.0, "memory": 24 * 2**30}},
             {"Alive": False, "Resources": {"CPU": 8.0, "memory": 128 * 2**30}}]
    with pytest.raises(RayEngineError, match="64.0 GiB memory"):
        _check_fits(options, nodes)
    _check_fits(task_options(memory_gib=8, num_gpus=0), nodes)


def test_gpus_on_ray_are_asked_of_ray_not_named():
    assert _gpus_per_task("auto", cluster_gpus=2, share=1) == 1
    assert _gpus_per_task("auto", cluster_gpus=2, share=4) == 0.25  # the rubric's gpu_share
    assert _gpus_per_task("auto", cluster_gpus=0, share=1) == 0
    assert _gpus_per_task("none", cluster_gpus=2, share=1) == 0
    with pytest.raises(RayEngineError, match="auto or none"):
        _gpus_per_task("0,1", cluster_gpus=2, share=1)


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_without_an_address_a_ray_is_started_here_and_a_grader_crash_is_a_result(course, cluster, tmp_path):
    """`cluster` only to skip where Ray cannot start; this run starts a Ray of its own beside it."""
    out = tmp_path / "out"
    (out / "honest.pdf").mkdir(parents=True)  # the report cannot be written: a grader-side failure
    proc = _grade(course, course["root"] / "tiny", out, "--engine", "ray", "--jobs", "2", status=3)
    assert "internal error on honest" in proc.stderr and proc.stderr.rstrip().endswith(": honest")
    crashed = json.loads((out / "results" / "honest.json").read_text(encoding="utf-8"))
    assert [e["kind"] for e in crashed["errors"]] == ["internal_error"] and crashed["total"] == 0
    assert crashed["errors"][0]["detail"].startswith("IsADirectoryError:")  # the task's own exception
    other = json.loads((out / "results" / "honest2.json").read_text(encoding="utf-8"))
    assert other["total"] == 4 and (out / "summary.pdf").is_file()


@pytest.mark.slow
def test_an_address_where_no_cluster_answers_is_a_configuration_error(course, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nothing listens here once the socket is closed
    proc = subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", str(course["root"] / "tiny"), "--out",
                           str(tmp_path), "--engine", "ray", "--ray-address", f"127.0.0.1:{closed}"],
                          cwd=ROOT, env=course["env"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and f"no Ray cluster answers at 127.0.0.1:{closed}" in proc.stderr
