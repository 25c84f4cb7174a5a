"""The hostile corpus, graded in one class run: each attack has exactly the outcome it should.

The run must finish, no secret may appear in any output file, and the honest student's
score must stay full. These tests need a working sandbox and are skipped without one, so
that a machine with a broken sandbox never runs a fork bomb unconfined.
"""
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from grader.kernel.sandbox import UID_BASE, unavailable_reason
from tests.support.hostile import corpus
from tests.support.paths import ROOT
from tests.support.runs import grader_env

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.slow,
    pytest.mark.e2e,
    pytest.mark.skipif(unavailable_reason() is not None, reason=f"no sandbox: {unavailable_reason()}"),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    paths = corpus.build(root, listener.getsockname()[1])
    proc = subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", str(paths["subs"]), "--out", str(paths["out"]),
                           "--jobs", "2"], cwd=ROOT, env=grader_env(paths), capture_output=True, text=True,
                          timeout=1200)
    try:
        listener.accept()
        connected = True
    except BlockingIOError:
        connected = False
    listener.close()
    return proc, paths, connected


def result(paths, sid: str) -> dict:
    return json.loads((paths["out"] / "results" / f"{sid}.json").read_text(encoding="utf-8"))


def points(paths, sid: str) -> dict[str, float]:
    return {q["id"]: q["points"] for q in result(paths, sid)["questions"]}


def error_kinds(paths, sid: str) -> list[str]:
    return [e["kind"] for e in result(paths, sid)["errors"]]


def test_run_finishes_with_a_result_for_everyone(graded):
    proc, paths, _ = graded
    assert proc.returncode == 0, proc.stderr[-3000:]
    expected = {p.name if p.is_dir() else p.stem for p in paths["subs"].iterdir() if p.name != "secret.txt"}
    expected = {n.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for n in expected}
    assert {p.stem for p in (paths["out"] / "results").glob("*.json")} == expected
    assert (paths["out"] / "summary.pdf").is_file() and (paths["out"] / "grades.csv").is_file()


def test_no_secret_in_any_output(graded):
    _, paths, _ = graded
    for path in paths["out"].rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".pdf":
            data = subprocess.run(["pdftotext", str(path), "-"], capture_output=True).stdout
        for secret in (corpus.SECRET, corpus.TOKEN):
            assert secret.encode() not in data, (path, secret)


def test_honest_student_keeps_full_marks(graded):
    _, paths, _ = graded
    assert result(paths, "honest")["total"] == 4 and error_kinds(paths, "honest") == []


@pytest.mark.parametrize("sid", ["memory_hog", "disk_filler",
                                 "kills_parent", "warnings", "flood", "sleeper"])
def test_contained_attacks_cost_nothing_else(graded, sid):
    """The kernel survives: the answers after the attack are read and score in full."""
    _, paths, _ = graded
    assert result(paths, sid)["total"] == 4, result(paths, sid)["errors"]


def found(paths, sid: str) -> str:
    return next(q for q in result(paths, sid)["questions"] if q["id"] == "q1")["answers"][0]["found"]


def test_secrets_are_out_of_reach(graded):
    """The attacker's findings are its answer, so they would be in the report if readable."""
    _, paths, _ = graded
    assert points(paths, "read_secrets") == {"q1": 0, "q2": 2}
    seen = found(paths, "read_secrets")
    assert "FileNotFoundError" in seen and "GRADER_CI_TOKEN" not in seen and "HOME" in seen


def test_network_is_closed(graded):
    _, paths, connected = graded
    assert not connected
    assert points(paths, "network") == {"q1": 0, "q2": 2}
    assert "connected" not in found(paths, "network") and "Error" in found(paths, "network")


def test_fork_bomb_is_stopped_and_costs_only_its_author(graded):
    _, paths, _ = graded
    # RLIMIT_NPROC stops it; a warm kernel (numpy already loaded) still answers, a cold one cannot start
    # numpy's threads for the probe
    assert error_kinds(paths, "fork_bomb") in ([], ["answers_unreadable"])


def test_sleeper_is_stopped_at_the_cell_limit(graded):
    _, paths, _ = graded
    assert error_kinds(paths, "sleeper") == ["cell_timeout"]


def test_memory_and_disk_limits_raise_inside_the_notebook(graded):
    _, paths, _ = graded
    assert not any(e["kind"] == "kernel_died" for e in result(paths, "memory_hog")["errors"])
    assert (paths["out"] / "results" / "disk_filler.json").stat().st_size < 2**20


def test_a_kernel_that_ignores_interrupts_or_exits_costs_only_its_cell(graded):
    """The cell that ended the kernel is left out of a rerun in a fresh kernel: the answers after it
    still count."""
    _, paths, _ = graded
    assert points(paths, "deaf_sleeper") == {"q1": 2, "q2": 2}
    assert error_kinds(paths, "deaf_sleeper") == ["cell_timeout", "kernel_stuck"]
    assert points(paths, "exits") == {"q1": 2, "q2": 2} and error_kinds(paths, "exits") == ["kernel_died"]


def test_tampering_gains_nothing(graded):
    _, paths, _ = graded
    assert points(paths, "patches_probe") == {"q1": 0, "q2": 0}  # forged [9, 9, 9]; wrong function
    forged = [q["answers"][0] for q in result(paths, "forges_output")["questions"]]
    assert [a["points"] for a in forged] == [0, 0]  # every probe cell showed two replies: both refused
    assert all("in the grader's name" in a["feedback"]["en"] for a in forged)
    assert points(paths, "liar") == {"q1": 0, "q2": 0}


def test_results_folder_is_out_of_reach(graded):
    _, paths, _ = graded
    assert result(paths, "honest")["total"] == 4
    assert not (paths["out"] / "x").exists()


def test_flood_is_capped(graded):
    _, paths, _ = graded
    assert (paths["out"] / "flood.pdf").stat().st_size < 2 * 2**20


def test_no_student_process_outlives_the_run(graded):
    leftovers = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            uid = int(next(l for l in status.read_text().splitlines() if l.startswith("Uid:")).split()[1])
        except (OSError, StopIteration, ValueError):
            continue
        if UID_BASE <= uid < UID_BASE + 4000:
            leftovers.append(status.parent.name)
    assert leftovers == []


@pytest.mark.parametrize("sid,kind", [
    ("broken_json", "invalid_notebook"), ("garbage", "invalid_notebook"), ("future_format", "notebook_version"),
    ("zip_slip", "unsafe_zip"), ("zip_bomb", "too_large"), ("symlink_out", "unsafe_symlink"),
    ("two_notebooks", "two_notebooks"), ("many_cells", "too_many_cells"), ("empty", "no_notebook"),
])
def test_malformed_input_gets_a_clear_bilingual_message(graded, sid, kind):
    _, paths, _ = graded
    r = result(paths, sid)
    assert error_kinds(paths, sid) == [kind] and r["total"] == 0
    message = r["errors"][0]["message"]
    assert message["fa"] and message["en"]


def test_valid_odd_inputs_are_graded(graded):
    _, paths, _ = graded
    assert result(paths, "old_format")["total"] == 4      # nbformat 3, converted
    assert result(paths, "zipped_ok")["total"] == 4
    assert result(paths, "name_\ufffd\ufffd")["total"] == 4
    assert not any(p.name == "escaped.txt" for p in paths["subs"].parent.rglob("escaped.txt"))


def test_wrong_roster_stops_before_grading(tmp_path):
    paths = corpus.build(tmp_path, 9)
    (paths["subs"] / "students.csv").write_text("student,name\nhonest,X\n")
    proc = subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", str(paths["subs"]), "--out", str(paths["out"])],
                          cwd=ROOT, env=grader_env(paths), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "students.csv" in proc.stderr and "id" in proc.stderr
    assert not paths["out"].exists()
