"""End to end: `grader run submissions/hw5` grades the homework-5 sample class.

s-hw5-a is the source document's own answers (every computable one is right), s-hw5-b computes
everything with code, s-hw5-c leaves the answers out, s-hw5-d makes classic slips. Points are
pinned question by question; manual questions wait for a person.
"""
import csv
import json
from pathlib import Path

import pytest

from tests.support.sample_run import grade_sample

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.e2e]

MANUAL = ["q1a", "q1b", "q1c", "q1d", "q2a", "q2b", "q2c", "q2d"]
# automatic points: q3a's fc1 size and logged runs (11 manual), q3b's model (10 manual), q4's table,
# frozen count and logged runs (4 manual)
FULL = {"q1e": 12, "q2e": 15, "q3a": 2, "q3b": 2, "q4": 6}
EXPECTED = {
    # the document's fc1 size is right, its CIFAR runs are not logged per epoch and no MNIST model is
    # saved; its transfer-learning logs give both runs
    "s-hw5-a": {**FULL, "q3a": 1, "q3b": 0},
    "s-hw5-b": FULL,
    "s-hw5-c": dict.fromkeys(FULL, 0),
    # flipped kernel; no biases in 3 of 16 cells; n - k in 2 of 14 cells and 17920 frozen;
    # fc1 from two poolings; the MNIST model saved as a state_dict where TorchScript is asked for
    "s-hw5-d": {"q1e": 0, "q2e": 15 * 13 / 16, "q3a": 0, "q3b": 0, "q4": 4 * 12 / 14},
}

# essay points waiting for a person: an unanswered essay scores 0 at once
PENDING = {"s-hw5-a": 63, "s-hw5-b": 11, "s-hw5-c": 3, "s-hw5-d": 0}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return grade_sample("hw5", tmp_path_factory)


def result(out: Path, sid: str) -> dict:
    return json.loads((out / "results" / f"{sid}.json").read_text(encoding="utf-8"))


def answer(out: Path, sid: str, name: str) -> dict:
    return next(a for q in result(out, sid)["questions"] for a in q["answers"] if a["name"] == name)


def test_every_report_and_the_gradebook_are_written(out):
    for sid in EXPECTED:
        assert (out / f"{sid}.pdf").read_bytes()[:5] == b"%PDF-"
    with (out / "grades.csv").open(encoding="utf-8") as f:
        assert {r["id"] for r in csv.DictReader(f)} == set(EXPECTED)


@pytest.mark.parametrize("sid", sorted(EXPECTED))
def test_scores_question_by_question(out, sid):
    r = result(out, sid)
    points = {q["id"]: q["points"] for q in r["questions"]}
    for qid, want in {**EXPECTED[sid], **{q: 0 for q in MANUAL}}.items():
        assert points[qid] == pytest.approx(want, abs=1e-3), (sid, qid)
    assert r["total"] == pytest.approx(sum(EXPECTED[sid].values()), abs=1e-3)
    assert r["max_total"] == 100 and r["manual_pending"] == PENDING[sid]
    assert not r["errors"]


def test_real_answers_are_right_and_their_essays_recorded(out):
    for name in ("q1e_output", "q2e_table", "q4_table", "q4_frozen", "q3a_fc1_in", "q4_runs"):
        assert answer(out, "s-hw5-a", name)["status"] == "passed", name
    assert answer(out, "s-hw5-a", "q3b_model")["status"] == "missing"
    essays = {q["id"]: q for q in result(out, "s-hw5-a")["questions"] if q["id"] in MANUAL}
    assert all(q["status"] == "manual" and q["answer_text"] for q in essays.values())
    assert "Data Augmentation" in essays["q2d"]["answer_text"]


def test_slips_show_the_right_values(out):
    conv = answer(out, "s-hw5-d", "q1e_output")
    assert conv["status"] == "failed" and conv["expected"].split() == "[[ 2. -1. -6.] [ 4. -3. -5.] [ 1. -2. -4.]]".split()
    wrong = {d["label"]: (d["expected"], d["found"]) for d in answer(out, "s-hw5-d", "q2e_table")["details"]}
    assert wrong == {"layer 2 · params": ("260", "250"), "layer 4 · params": ("2510", "2500"),
                     "layer 6 · params": ("6410", "6400")}
    wrong = {d["label"]: d["expected"] for d in answer(out, "s-hw5-d", "q4_table")["details"]}
    assert wrong == {"layer 1 · output": "[29, 29, 32]", "layer 3 · output": "[11, 11, 32]"}
    frozen = answer(out, "s-hw5-d", "q4_frozen")
    assert (frozen["expected"], frozen["found"]) == ("17984", "17920")
    fc1 = answer(out, "s-hw5-d", "q3a_fc1_in")
    assert (fc1["expected"], fc1["found"]) == ("1024", "4096")
    model = answer(out, "s-hw5-d", "q3b_model")
    assert model["status"] == "failed" and "TorchScript" in model["error"]


def test_slips_are_told_their_mistakes(out):
    """Every classic slip of s-hw5-d is a diagnosed mistake: the whole answer's, or each wrong cell's."""
    def mistake(part):
        return (part.get("diagnosis") or {}).get("mistake", {}).get("en")

    assert mistake(answer(out, "s-hw5-d", "q1e_output")) == "Kernel flipped"
    assert mistake(answer(out, "s-hw5-d", "q3a_fc1_in")) == "Flatten size without the last pooling"
    assert mistake(answer(out, "s-hw5-d", "q4_frozen")) == "Biases left out"
    cells = {d["label"]: mistake(d) for d in answer(out, "s-hw5-d", "q2e_table")["details"]}
    assert set(cells.values()) == {"Biases left out"} and len(cells) == 3
    cells = {d["label"]: mistake(d) for d in answer(out, "s-hw5-d", "q4_table")["details"]}
    assert cells == dict.fromkeys(["layer 1 · output", "layer 3 · output"], "Convolution output one short (n − k)")
    assert all(mistake(a) is None for q in result(out, "s-hw5-a")["questions"] for a in q["answers"])


def test_the_mnist_model_is_measured_on_held_out_data(out):
    model = answer(out, "s-hw5-b", "q3b_model")
    assert model["status"] == "passed"
    details = {d["label"].split(" (")[0]: d for d in model["details"]}
    assert details["accuracy"]["ok"] and details["reported accuracy"]["ok"]
    runs = answer(out, "s-hw5-b", "q3a_runs")
    assert runs["status"] == "passed" and {d["label"] for d in runs["details"]} == {"run no_dropout", "run dropout",
                                                                                  "figures"}


def test_missing_answers_are_reported_as_missing(out):
    assert answer(out, "s-hw5-c", "q1e_output")["status"] == "missing"
    assert answer(out, "s-hw5-c", "q4_frozen")["status"] == "missing"
    assert answer(out, "s-hw5-c", "q2e_table")["points"] == 0
