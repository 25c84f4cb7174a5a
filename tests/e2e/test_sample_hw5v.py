"""End to end: `grader run submissions/hw5v` grades the hw5v sample class.

Scores are pinned question by question. Student A is the real answer document: the right
cells (receptive fields of the input and layers 1-3, the conv model's counts, the first
layer of the local model) pass, and every wrong one shows the computed value as expected.
"""
import json
from pathlib import Path

import pytest

from tests.support.sample_run import grade_sample

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.e2e]

MANUAL = ["q1a", "q1b", "q3c", "q4a", "q4b", "q4c", "q4d"]
EXPERIMENTS = {"q3a": 2, "q3b": 2, "q3d": 2, "q5": 2}  # logged histories, ResNet50 counts, U-Net skip shapes
EXPECTED = {  # automatic points per question (34 of 100); essays wait for a person
    # the document shows no histories, counts or shapes for these
    "s-hw5v-a": {"q2a": 14 * 4 / 13, "q2b": 10 * 4 / 8, **dict.fromkeys(EXPERIMENTS, 0)},
    "s-hw5v-b": {"q2a": 16, "q2b": 10, **EXPERIMENTS},
    # five epochs of ten (only the figure part of five), no augmented run, the backbone left
    # trainable (only the total right), one of five skip shapes wrong
    "s-hw5v-c": {"q2a": 14, "q2b": 0, "q3a": 2 * 1 / 5, "q3b": 0, "q3d": 2 * 1 / 3, "q5": 2 * 4 / 5},
}
# essay points waiting for a person: an unanswered essay scores 0 at once (B wrote only q2b's)
PENDING = {"s-hw5v-a": 66, "s-hw5v-b": 4, "s-hw5v-c": 0}
# Student A's wrong cells: (label, the reference's value, what they wrote)
REAL_WRONG = {
    "q2a_table": {
        ("layer 1 · params_per_block", "128", "3072"), ("layer 1 · params", "384", "9216"),
        ("layer 2 · params_per_block", "9248", "294912"), ("layer 2 · params", "18496", "589824"),
        ("layer 3 · params_per_block", "9248", "294912"), ("layer 3 · params", "9248", "294912"),
        ("layer 4 · params_per_block", "24832", "6291456"), ("layer 4 · params", "24832", "6291456"),
        ("layer 4 · rf", "[5, 5]", "[4, 4]"),
    },
    "q2b_table": {
        ("model conv · rf", "[5, 5]", "'3x3'"), ("model local · rf", "[5, 5]", "'3x3'"),
        ("model local · params_2", "3637760", "14656"), ("model local · params", "3638208", "15104"),
    },
}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return grade_sample("hw5v", tmp_path_factory)


def result(out: Path, sid: str) -> dict:
    return json.loads((out / "results" / f"{sid}.json").read_text(encoding="utf-8"))


def answer(r: dict, name: str) -> dict:
    return next(a for q in r["questions"] for a in q["answers"] if a.get("name") == name)


@pytest.mark.parametrize("sid", sorted(EXPECTED))
def test_scores_question_by_question(out, sid):
    r = result(out, sid)
    points = {q["id"]: q["points"] for q in r["questions"]}
    for qid, want in EXPECTED[sid].items():
        assert points[qid] == pytest.approx(want, abs=1e-3), (sid, qid)
    assert all(points[q] == 0 for q in MANUAL)
    assert r["total"] == pytest.approx(sum(EXPECTED[sid].values()), abs=1e-3)
    assert r["max_total"] == 100 and r["manual_pending"] == pytest.approx(PENDING[sid])
    assert (out / f"{sid}.pdf").read_bytes()[:5] == b"%PDF-"


def test_real_answers_wrong_cells_show_the_reference(out):
    r = result(out, "s-hw5v-a")
    for name, wrong in REAL_WRONG.items():
        details = answer(r, name)["details"]
        assert {(d["label"], d["expected"], d["found"]) for d in details} == wrong
    total = answer(r, "q2a_total")
    assert total["status"] == "failed" and total["expected"] == "52960"


def test_missing_answers_and_essays(out):
    c = result(out, "s-hw5v-c")
    assert answer(c, "q2a_total")["status"] == "missing"
    assert answer(c, "q2b_table")["status"] == "failed"  # the template's stub left unfilled
    essays = {q["id"]: q for q in result(out, "s-hw5v-a")["questions"] if q["id"] in MANUAL}
    assert essays.keys() == set(MANUAL)
    assert all(q["status"] == "manual" and q["answer_text"] for q in essays.values())
    assert "recall" in essays["q4b"]["answer_text"]


def test_experiment_answers_show_what_is_wrong(out):
    c = result(out, "s-hw5v-c")
    params = {d["label"]: (d["expected"], d["found"]) for d in answer(c, "q3d_params")["details"] if not d["ok"]}
    assert params == {"trainable": ("20490", "23555082"), "non_trainable": ("23587712", "53120")}
    skips = {d["label"]: (d["expected"], d["found"]) for d in answer(c, "q5_skips")["details"]}
    assert skips == {"layer block_16_project · output": ("[4, 4, 320]", "[4, 4, 1280]")}
    history = {d["label"]: d["ok"] for d in answer(c, "q3a_history")["details"]}
    assert history == {"run accuracy": False, "run val_accuracy": False, "run loss": False, "run val_loss": False,
                       "figures": True}
    assert answer(c, "q3b_history")["status"] == "missing"


def test_real_answers_are_told_their_mistakes(out):
    """Student A's counts multiply the filters twice and leave out the bias; both receptive fields of
    q2b are the last layer's alone; layer 4's field, the local counts and the total fit no known mistake."""
    r = result(out, "s-hw5v-a")
    told = {(name, d["label"]): (d.get("diagnosis") or {}).get("mistake", {}).get("en")
            for name in REAL_WRONG for d in answer(r, name)["details"]}
    twice, alone = "Filters multiplied twice, bias left out", "Receptive field of the last layer alone"
    assert told == {**{("q2a_table", label): twice for label, _, _ in REAL_WRONG["q2a_table"]},
                    ("q2a_table", "layer 4 · rf"): None,
                    ("q2b_table", "model conv · rf"): alone, ("q2b_table", "model local · rf"): alone,
                    ("q2b_table", "model local · params_2"): None, ("q2b_table", "model local · params"): None}
    assert answer(r, "q2a_total")["diagnosis"] is None
    assert all(d.get("diagnosis") is None for d in answer(result(out, "s-hw5v-c"), "q2b_table")["details"])
