"""Check types compare meaning, not type: right answers in other shapes score as right."""
import numpy as np
import pytest

from grader.checks import Evidence
from grader.engine.plan import GradingPlan
from grader.kernel.probe import Reply
from grader.kernel.wire import Frame
from tests.support.hw3_checks import REFS, RUBRIC, check_for
from tests.support.paths import HW3



def grade(check, value, status="ok"):
    reply = Reply(status=status, value=value)
    return check.grade(Evidence(replies={r.key: reply for r in check.requests()}))


def test_array_accepts_lists_and_singleton_axes_and_rejects_wrong_values():
    check = check_for("q1_sgd")
    expected = np.asarray(check.expected)
    assert grade(check, expected.tolist()).status == "passed"
    assert grade(check, expected.reshape(1, 8).astype(np.float32)).status == "passed"
    wrong = grade(check, (expected + 0.01).tolist())
    assert wrong.status == "failed" and wrong.fraction == 0 and wrong.expected
    shape = grade(check, expected[:4])
    assert shape.status == "failed" and "shape" in shape.feedback.en


def test_dict_of_arrays_gives_credit_per_key():
    check = check_for("q3_max")
    right = dict(check.expected)
    assert grade(check, right).status == "passed"
    half = {**right, "loss": right["loss"] + 1, "grad_weight": np.zeros((1, 2, 2))}
    outcome = grade(check, half)
    assert outcome.status == "partial" and outcome.fraction == pytest.approx(5 / 7)
    assert {d.label for d in outcome.details if not d.ok} == {"loss", "grad_weight"}


def test_table_credit_per_cell_from_any_table_shape():
    check = check_for("q12_table")
    exp = check.expected
    rows = [list(r) for r in exp["rows"]]
    assert grade(check, rows).status == "passed"
    frame = Frame([c.upper() for c in exp["columns"]], list(range(len(rows))),
                  [[("x".join(map(str, c)) if isinstance(c, list) else c) for c in r] for r in rows])
    assert grade(check, frame).status == "passed"
    columns = {c: [r[i] for r in rows] for i, c in enumerate(exp["columns"])}
    assert grade(check, columns).status == "passed"
    rows[4][8] = "-"  # a pooling layer's "no parameters", written as tables do
    assert grade(check, rows).status == "passed"
    rows[7][8] += 1  # one wrong cell out of the asked ones
    outcome = grade(check, rows)
    assert outcome.status == "partial"
    assert outcome.fraction == pytest.approx(1 - 1 / len(exp["ask"]))
    assert outcome.details[0].label.startswith("layer 8")


def test_numeric_check_reads_one_element_arrays_and_text():
    from grader.checks.numeric import NumericCheck
    from grader.rubric.schema import Answer

    q = RUBRIC.question("q1a")
    answer = Answer(name="x", check="numeric", points=1, prompt={"fa": "ع", "en": "n"},
                    reference="ex1_backprop.forward_values")
    check = NumericCheck(q, answer, REFS)
    check.expected = 0.396038
    assert grade(check, np.array([[0.396038]], dtype=np.float32)).status == "passed"
    assert grade(check, "0.396038").status == "passed"
    assert grade(check, 0.5).status == "failed"
    assert grade(check, True).status == "failed"


def test_missing_and_failed_cells_are_told_apart():
    check = check_for("q1_sgd")
    missing = check.grade(Evidence(replies={}))
    assert missing.status == "missing" and "q1_sgd" in missing.feedback.en
    failed = check.grade(Evidence(replies={}, cell_errors={"q1a": "ValueError: boom"}))
    assert failed.status == "error" and failed.error == "ValueError: boom"
    timed = check.grade(Evidence(replies={}, cell_errors={"q1a": "x"}, timed_out={"q1a"}))
    assert "time limit" in timed.feedback.en


def test_function_check_draws_inputs_per_run_and_scores_per_trial():
    from reference.hw3.ex7_iris import manual_gradients

    a, b = GradingPlan.build(HW3, seed=1), GradingPlan.build(HW3, seed=2)
    ca = next(c for q, cs in a.checks for c in cs if c.kind == "function")
    cb = next(c for q, cs in b.checks for c in cs if c.kind == "function")
    assert not np.array_equal(ca.trials[0][0]["X"], cb.trials[0][0]["X"])
    replies = {r.key: Reply("ok", manual_gradients(**r.args)) for r in ca.requests()}
    assert ca.grade(Evidence(replies=replies)).status == "passed"
    first = ca.requests()[0].key
    replies[first] = Reply("ok", {k: np.zeros_like(np.asarray(v)) for k, v in replies[first].value.items()})
    outcome = ca.grade(Evidence(replies=replies))
    assert outcome.status == "partial" and outcome.fraction == pytest.approx(2 / 3)


def test_shapes_read_from_text_and_keras_style():
    from grader.checks.values import as_shape

    assert as_shape("(96, 55, 55)") == as_shape("96x55x55") == as_shape([96, 55, 55]) == (96, 55, 55)
    assert as_shape("(None, 24, 24, 64)") == as_shape([None, 24, 24, 64]) == (24, 24, 64)


def test_table_cells_with_truth_values_and_persian_words():
    from grader.checks.table import TableCheck
    from grader.rubric.schema import Answer

    answer = Answer(name="t", check="table", points=1, prompt={"fa": "ج", "en": "t"}, reference="ex12_alexnet.table")
    check = TableCheck(RUBRIC.question("q12"), answer, REFS)
    check.expected = {"columns": ["statement", "answer", "word"], "key": "statement",
                      "rows": [["s1", False, "تانژانت"], ["s2", True, "سیگموید"]],
                      "ask": [[0, "answer"], [1, "answer"], [0, "word"], [1, "word"]]}
    right = [["s1", "نادرست", "تانژانت"], ["s2", "True", "سیگموید"]]
    assert grade(check, right).status == "passed"
    assert grade(check, [["s1", False, "سیگموید"], ["s2", 1, "سیگموید"]]).fraction == 0.75
    assert grade(check, {"s1": False, "s2": True}).status == "partial"  # a dict of single values reads too
    assert grade(check, {"s1": object}).status == "failed"


def test_function_inputs_can_cover_every_case_by_trial():
    """hw4's batch-norm draws alternate training and inference mode by trial index."""
    plan = GradingPlan.build(HW3.parent / "hw4.yaml", seed=3)
    check = next(c for _, cs in plan.checks for c in cs if c.answer.name == "forward_batchnorm")
    assert [bool(args["training"]) for args, _ in check.trials] == [i % 2 == 0 for i in range(len(check.trials))]


def test_experiment_record_needs_every_run_as_numbers_and_the_plots():
    check = check_for("q9_grad_norms")
    runs = {depth: list(np.linspace(1, 0.1, depth + 1)) for depth in (3, 9, 13, 17, 19)}
    reply = {"q9_grad_norms": Reply(status="ok", value=runs)}
    assert check.grade(Evidence(replies=reply, figures={"q9": 2})).fraction == 1
    assert check.grade(Evidence(replies=reply)).fraction == pytest.approx(5 / 6)  # no plot shown
    broken = {**runs, 9: [1.0, float("nan"), 0.5, 0.2], 13: [0.3]}  # a NaN, and too short a run
    del broken[19]
    outcome = check.grade(Evidence(replies={"q9_grad_norms": Reply(status="ok", value=broken)}, figures={"q9": 1}))
    assert outcome.fraction == pytest.approx(3 / 6) and "19" in outcome.feedback.en
    assert [d.ok for d in outcome.details] == [True, False, False, True, False, True]


def test_figures_are_counted_per_question_from_the_executed_cells():
    import nbformat

    from grader.checks.evidence import figures

    nb = nbformat.v4.new_notebook()
    png = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})
    text = nbformat.v4.new_output("display_data", data={"text/plain": "not a figure"})
    nb.cells = [nbformat.v4.new_code_cell("plot()", metadata={"grader": {"question": "q9"}}, outputs=[png, text]),
                nbformat.v4.new_code_cell("plot()", outputs=[png]),  # still q9's
                nbformat.v4.new_code_cell("x", metadata={"grader": {"question": "q10a"}}, outputs=[text])]
    assert figures(nb) == {"q9": 2, "q10a": 0}
