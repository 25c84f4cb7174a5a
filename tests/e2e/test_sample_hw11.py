"""End to end: `grader run submissions/hw11` grades the hw11 sample class.

Pins every sample student's points question by question. s-hw11-a carries the numbers of the real
answer document: its right cells score and its three wrong ones show the Keras value as expected.
"""
from pathlib import Path

import pytest

from tests.support.sample_run import grade_sample, gradebook, load_result

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.e2e]

MANUAL = ["q2a", "q2c"]  # essays only
ESSAY_QUESTIONS = ["q2a", "q2b", "q2c", "q2d", "q3"]  # 49 points that wait for a person
CELLS = 28  # output and params of 14 layers
EXPECTED = {  # automatic points per question
    # the real document: its table only (no code for the pairs, the runs, the model or Grad-CAM)
    "s-hw11-a": {"q1": 40 * 25 / CELLS, "q2b": 0, "q2d": 0, "q3": 0},
    "s-hw11-b": {"q1": 40, "q2b": 3, "q2d": 2, "q3": 2 + 4},
    "s-hw11-c": {"q1": 0, "q2b": 0, "q2d": 0, "q3": 0},
    # pairs deduplicated and sorted fail every trial; one of two plots (5 runs + 0 of 1 figure
    # check = 5 of 6 parts); no saved model; Grad-CAM of the softmax probability fails every trial
    "s-hw11-d": {"q1": 40 * 27 / CELLS, "q2b": 0, "q2d": 2 * 5 / 6, "q3": 0},
}
STATUS = {"s-hw11-a": "partial", "s-hw11-b": "passed", "s-hw11-c": "missing", "s-hw11-d": "partial"}
WRONG = {  # label: (expected, found) of every cell the grader marks wrong
    "s-hw11-a": {"layer 1 · output": ("[24, 24, 64]", "[24, 24, 60]"),
                 "layer 9 · output": ("[100, 256]", "[256]"),
                 "layer 9 · params": ("256000", "513256")},
    "s-hw11-d": {"layer 10 · params": ("49280", "32896")},
}
ESSAYS = {"s-hw11-a": set(ESSAY_QUESTIONS), "s-hw11-b": set(ESSAY_QUESTIONS), "s-hw11-c": set(), "s-hw11-d": {"q2c"}}
# essay points waiting for a person: an unanswered essay scores 0 at once (d wrote only q2c's, 7 points)
PENDING = {"s-hw11-a": 49, "s-hw11-b": 49, "s-hw11-c": 0, "s-hw11-d": 7}


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return grade_sample("hw11", tmp_path_factory)


def questions(out: Path, sid: str) -> dict[str, dict]:
    r = load_result(out, sid)
    assert r["max_total"] == 100
    return {q["id"]: q for q in r["questions"]}


def test_every_report_is_written(out):
    for sid in EXPECTED:
        assert (out / f"{sid}.pdf").read_bytes()[:5] == b"%PDF-"
    rows = gradebook(out)
    assert set(rows) == set(EXPECTED) and rows["s-hw11-b"]["name"] == "Omid Sharifi"
    assert {sid: float(r["manual_pending"]) for sid, r in rows.items()} == PENDING


@pytest.mark.parametrize("sid", sorted(EXPECTED))
def test_scores_question_by_question(out, sid):
    qs = questions(out, sid)
    for qid, want in {**EXPECTED[sid], **{q: 0 for q in MANUAL}}.items():
        assert qs[qid]["points"] == pytest.approx(want, abs=1e-3), (sid, qid)
    assert qs["q1"]["status"] == STATUS[sid]


@pytest.mark.parametrize("sid", sorted(WRONG))
def test_wrong_cells_show_the_right_value(out, sid):
    details = questions(out, sid)["q1"]["answers"][0]["details"]
    assert {d["label"]: (d["expected"], d["found"]) for d in details} == WRONG[sid]


@pytest.mark.parametrize("sid", sorted(ESSAYS))
def test_essays_are_recorded_for_a_person(out, sid):
    qs = questions(out, sid)
    assert {q for q in ESSAY_QUESTIONS if qs[q].get("answer_text")} == ESSAYS[sid]
    assert all(qs[q]["status"] == ("manual" if q in ESSAYS[sid] else "missing") for q in MANUAL)


def test_experiment_answers_are_checked(out):
    b, d = questions(out, "s-hw11-b"), questions(out, "s-hw11-d")
    assert [a["status"] for a in b["q3"]["answers"][:2]] == ["passed", "passed"]
    assert b["q2d"]["answers"][0]["status"] == "passed" and b["q2b"]["answers"][0]["status"] == "passed"
    figures = {det["label"]: (det["expected"], det["found"]) for det in d["q2d"]["answers"][0]["details"]}
    assert figures["figures"] == (">= 2", "1")
    assert d["q2b"]["answers"][0]["status"] == "failed" and d["q3"]["answers"][1]["status"] == "failed"
    assert d["q3"]["answers"][0]["status"] == "missing"


def test_known_mistakes_are_told(out):
    """The Embedding's output without its sequence axis and a SimpleRNN without its recurrent
    weights are diagnosed; the typo of layer 1 and the real Embedding count fit no known mistake."""
    told = {sid: {d["label"]: (d.get("diagnosis") or {}).get("mistake", {}).get("en")
                  for d in questions(out, sid)["q1"]["answers"][0]["details"]} for sid in WRONG}
    assert told == {"s-hw11-a": {"layer 1 · output": None, "layer 9 · params": None,
                                 "layer 9 · output": "Sequence axis left out of the Embedding's output"},
                    "s-hw11-d": {"layer 10 · params": "The SimpleRNN's recurrent weights left out"}}
