"""End to end: `grader run submissions/hw4` grades the hw4 sample class, pinned question by question.

s-hw4-a is the real answer document: its right answers pass and each wrong one fails with the
computed value shown as expected.
"""
from pathlib import Path

import pytest

from tests.support.sample_run import grade_sample, gradebook, load_result

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.e2e]

# automatic points; the 57 manual points wait for a person
FULL = {"q1c": 2, "q5a": 20, "q6a": 4, "q6b": 10, "q6e": 5, "q7": 2}
EXPECTED = {
    # the table: 9 of 19 cells (layer 1, and every params cell but layer 2's and the total);
    # q6e: only the Dense layer's 220 of five counts; no saved model, runs or grad_cam in the document
    "s-hw4-a": {"q1c": 0, "q5a": 20 * 9 / 19, "q6a": 4, "q6b": 0, "q6e": 1, "q7": 0},
    "s-hw4-b": FULL,
    "s-hw4-c": {"q1c": 0, "q5a": 0, "q6a": 4, "q6b": 0, "q6e": 0, "q7": 0},
    # eps outside the square root fails every trial; moving statistics counted as trainable: 3 of 5;
    # the ablation's two one-epoch runs fail (2 of 4 parts); the map normalised fails every trial
    "s-hw4-d": {**FULL, "q1c": 1 + 0.5, "q6b": 0, "q6e": 3, "q7": 0},
}
STATUS = {("s-hw4-a", "q6b"): "missing", ("s-hw4-a", "q5a"): "partial", ("s-hw4-c", "q6e"): "missing",
          ("s-hw4-c", "q5a"): "failed", ("s-hw4-d", "q6b"): "failed", ("s-hw4-d", "q5a"): "passed",
          ("s-hw4-a", "q1c"): "missing", ("s-hw4-b", "q1c"): "passed", ("s-hw4-d", "q1c"): "passed",
          ("s-hw4-b", "q7"): "passed", ("s-hw4-d", "q7"): "failed"}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return grade_sample("hw4", tmp_path_factory)


def questions(out: Path, sid: str) -> dict[str, dict]:
    result = load_result(out, sid)
    assert result["max_total"] == 100
    return {q["id"]: q for q in result["questions"]}


def test_every_report_and_the_gradebook_are_written(out):
    for sid in EXPECTED:
        assert (out / f"{sid}.pdf").read_bytes()[:5] == b"%PDF-"
    rows = gradebook(out)
    assert set(rows) == set(EXPECTED)
    assert float(rows["s-hw4-b"]["total"]) == sum(FULL.values())


@pytest.mark.parametrize("sid", sorted(EXPECTED))
def test_scores_question_by_question(out, sid):
    qs = questions(out, sid)
    for qid, want in EXPECTED[sid].items():
        assert qs[qid]["points"] == pytest.approx(want, abs=1e-3), (sid, qid)
    assert all(q["points"] == 0 for qid, q in qs.items() if qid not in FULL)
    for (who, qid), status in STATUS.items():
        if who == sid:
            assert qs[qid]["answers"][0]["status"] == status, (sid, qid)


def test_real_answers_fail_where_wrong_with_the_computed_value_shown(out):
    qs = questions(out, "s-hw4-a")
    table = {d["label"]: d for d in qs["q5a"]["answers"][0]["details"]}
    assert table["layer 2 · params"]["expected"] == "51232" and table["layer 2 · params"]["found"] == "51264"
    assert table["layer 2 · output"]["expected"] == "[124, 124, 32]"
    assert table["layer 5 · output"]["expected"] == "[23, 23, 64]"
    assert table["layer 8 · output"]["expected"] == "[2, 2, 128]"
    assert table["layer total · params"]["expected"] == "1261920"
    assert not any(label.startswith("layer 1 ") for label in table)        # layer 1 is right
    assert not any(label.endswith("params") for label in table if label[6] in "3456789")
    assert qs["q6a"]["answers"][0]["status"] == "passed"
    params = {d["label"]: d for d in qs["q6e"]["answers"][0]["details"]}
    assert params["dense"]["ok"] and not params["batchnorm"]["ok"] and params["batchnorm"]["expected"] == "80"
    assert params["total"]["expected"] == "300" and params["total"]["found"] == "222"
    essay = qs["q6a"]["answers"][1]
    assert essay["status"] == "manual" and "درست نیست" in qs["q6a"]["answer_text"]


def test_tuned_model_and_grad_cam_are_graded_from_the_notebook(out):
    b, d = questions(out, "s-hw4-b"), questions(out, "s-hw4-d")
    model = b["q1c"]["answers"][0]
    assert model["name"] == "q1c_model" and model["points"] == 1
    assert any(det["label"].startswith("accuracy (mnist test") and det["ok"] for det in model["details"])
    ablation = {det["label"]: det["ok"] for det in d["q1c"]["answers"][1]["details"]}
    assert ablation == {"run tuned": True, "run no_dropout": False, "run no_pooling": False, "figures": True}
    cam = d["q7"]["answers"][0]
    assert cam["name"] == "grad_cam" and cam["status"] == "failed" and "0 of 3" in cam["feedback"]["en"]


def test_real_answers_are_told_their_mistakes(out):
    """The wrong cells of the real answers are the known mistakes the rubric diagnoses; points as pinned."""
    qs = questions(out, "s-hw4-a")
    mistakes = {d["label"]: (d.get("diagnosis") or {}).get("mistake", {}).get("en")  # null: not diagnosed
                for d in qs["q5a"]["answers"][0]["details"]}
    assert mistakes == {**{f"layer {i} · output": "Dilation ignored" for i in range(2, 10)},
                        "layer 2 · params": "Bias counted twice", "layer total · params": None}
    params = {d["label"]: d.get("diagnosis") for d in qs["q6e"]["answers"][0]["details"] if not d["ok"]}
    assert params["batchnorm"]["explain"]["en"].startswith("BatchNormalization keeps four numbers per feature")
    assert params["batchnorm"] == params["total"] and params["trainable"] is None
    d = {det["label"]: det.get("diagnosis") for det in questions(out, "s-hw4-d")["q6e"]["answers"][0]["details"]}
    assert d["trainable"]["mistake"]["en"] == "Moving statistics counted as trainable" and d["dense"] is None
