"""Diagnoses: a wrong answer that matches a known wrong value, computed by the reference under a
changed assumption, is told which mistake it made and why; any other answer is told nothing more."""
import sys
from dataclasses import replace
from html import unescape

import numpy as np
import pytest

from grader.checks import Evidence
from grader.checks.base import build_check
from grader.core.result import AnswerResult, Detail, Diagnosis, QuestionResult, Status, Student, StudentResult
from grader.core.text import Text
from grader.kernel.probe import Reply
from grader.references import References
from grader.outputs.reports import html_for_student
from grader.outputs.reports.stats import mistake_counts, summary_view
from grader.rubric import RubricError
from grader.checks import load_rubric
from grader.rubric.schema import Answer, Question
from tests.support.paths import ROOT

PACKAGE = "diagnosis_ref"
CODE = '''
def count(bias=True, filters=8):
    """A convolution's parameters: 3x3 over 4 channels."""
    return 3 * 3 * 4 * filters + (filters if bias else 0)


def parts(bias=True):
    return {"conv": count(bias), "dense": 10 * 5 + (5 if bias else 0)}


def shapes(bias=True, padding="valid"):
    side = 30 if padding == "valid" else 32
    rows = [[1, [side, side, 8], count(bias)], [2, [side // 2, side // 2, 8], 0]]
    return {"columns": ["layer", "output", "params"], "rows": rows, "key": "layer",
            "ask": [[0, "output"], [0, "params"], [1, "output"]]}
'''
BIAS = {"mistake": {"fa": "بایاس فراموش شده است", "en": "Bias forgotten"},
        "explain": {"fa": "هر فیلتر یک بایاس دارد.", "en": "Each filter has one bias."}}
SAME = {"mistake": {"fa": "پدینگ same به جای valid", "en": "'same' instead of 'valid' padding"},
        "explain": {"fa": "با valid خروجی n − k + 1 است.", "en": "With 'valid' the output is n − k + 1."}}
BIAS_FOUND, SAME_FOUND = Diagnosis.from_json(BIAS), Diagnosis.from_json(SAME)  # as an outcome carries them


@pytest.fixture(scope="module")
def refs(tmp_path_factory):
    root = tmp_path_factory.mktemp("refs")
    (root / PACKAGE).mkdir()
    (root / PACKAGE / "__init__.py").write_text("")
    (root / PACKAGE / "nets.py").write_text(CODE)
    sys.path.insert(0, str(root))
    yield References(PACKAGE)
    sys.path.remove(str(root))


def check(refs, check_kind, reference, *diagnoses, secret=False):
    answer = Answer(name="ans", check=check_kind, points=1, prompt={"fa": "پ", "en": "p"}, reference=reference,
                    tolerance={"rtol": 0, "atol": 0}, secret=secret,
                    diagnoses=[{"reference": reference, "params": params, **text} for params, text in diagnoses])
    question = Question(id="q1", title={"fa": "پ", "en": "q"}, points=1, answers=[answer])
    built = build_check(question, answer, refs)
    built.prepare(np.random.default_rng(0))
    return built


def grade(built, value):
    return built.grade(Evidence(replies={"ans": Reply(status="ok", value=value)}))


def test_a_numeric_answer_is_diagnosed_only_when_it_matches_the_mistake(refs):
    built = check(refs, "numeric", "nets.count", ({"bias": False}, BIAS))
    assert grade(built, 288).diagnosis == BIAS_FOUND           # 3·3·4·8 without the 8 biases
    assert grade(built, 289).diagnosis is None           # wrong, but no known mistake
    right = grade(built, 296)
    assert right.status == "passed" and right.diagnosis is None


def test_array_parts_and_table_cells_are_diagnosed_one_by_one(refs):
    built = check(refs, "array", "nets.parts", ({"bias": False}, BIAS))
    outcome = grade(built, {"conv": 288, "dense": 55})
    by_label = {d.label: d for d in outcome.details}
    assert by_label["conv"].diagnosis == BIAS_FOUND and by_label["dense"].diagnosis is None
    assert outcome.diagnosis is None

    table = check(refs, "table", "nets.shapes", ({"bias": False}, BIAS), ({"padding": "same"}, SAME))
    outcome = grade(table, [[1, (32, 32, 8), 288], [2, (16, 16, 8), None]])
    cells = {d.label: d for d in outcome.details}
    assert cells["layer 1 · output"].diagnosis == SAME_FOUND
    assert cells["layer 1 · params"].diagnosis == BIAS_FOUND
    assert cells["layer 2 · output"].diagnosis == SAME_FOUND
    outcome = grade(table, [[1, (31, 31, 8), 296], [2, (15, 15, 8), None]])
    assert outcome.fraction == pytest.approx(2 / 3)
    assert [d.diagnosis for d in outcome.details] == [None]


def test_a_diagnosis_that_fails_costs_nothing(refs, capsys):
    table = check(refs, "table", "nets.shapes", ({"bias": False}, BIAS))
    table.variants = [(table.answer.diagnoses[0], {"rows": []})]  # a broken wrong value: no columns
    outcome = grade(table, [[1, (32, 32, 8), 288], [2, (16, 16, 8), None]])
    assert outcome.status == "failed" and all(d.diagnosis is None for d in outcome.details)
    assert "internal error diagnosing ans" in capsys.readouterr().err


def test_a_secret_answer_takes_no_diagnoses(refs):
    with pytest.raises(ValueError, match="secret answer takes no diagnoses"):
        check(refs, "numeric", "nets.count", ({"bias": False}, BIAS), secret=True)
    built = check(refs, "numeric", "nets.count", secret=True)
    assert grade(built, 288).diagnosis is None


RUBRIC = """\
assignment: hwx
title: {fa: ت, en: t}
course: {fa: د, en: c}
reference: %s
questions:
  - id: q1
    title: {fa: پ, en: q}
    points: 1
    answers:
      - name: ans
        check: %s
        points: 1
        prompt: {fa: پ, en: p}
        reference: nets.count
        diagnoses:
          - reference: %s
            params: %s
            mistake: {fa: ب, en: b}
            explain: {fa: ب, en: b}
"""


@pytest.mark.parametrize("kind, reference, params, line, words", [
    ("numeric", "nets.count", "{bias: false}", 0, None),
    ("numeric", "nets.nothing", "{}", 16, "has no function 'nothing'"),
    ("numeric", "nets.np", "{}", 16, "has no function"),
    ("numeric", "os.system", "{}", 16, "no reference module"),
    ("numeric", "nets/count", "{}", 16, "is not a reference name"),
    ("numeric", "nets.count", "{bias: false, stride: 2}", 17, "cannot take these params"),
    ("manual", "nets.count", "{}", 15, "takes no diagnoses"),
])
def test_rubric_check_names_a_bad_diagnosis_by_file_and_line(refs, tmp_path, kind, reference, params, line, words):
    path = tmp_path / "hwx.yaml"
    path.write_text(RUBRIC % (PACKAGE, kind, reference, params), encoding="utf-8")
    if words is None:
        assert load_rubric(path).questions[0].answers[0].diagnoses[0].params == {"bias": False}
        return
    with pytest.raises(RubricError) as err:
        load_rubric(path)
    assert f"{path}:{line}: " in str(err.value) and words in str(err.value), str(err.value)


def result_with(*answers):
    return StudentResult(Student("s1"), "hwx", 2, [QuestionResult("q1", Text("پ", "q"), 2, list(answers))])


def test_reports_show_each_diagnosis_once_and_the_summary_counts_students():
    table = AnswerResult("t", "table", 1, Status.FAILED, 0,
                         details=[Detail("layer 1 · output", "[30, 30, 8]", "[32, 32, 8]", False, diagnosis=SAME_FOUND),
                                  Detail("layer 2 · output", "[15, 15, 8]", "[16, 16, 8]", False, diagnosis=SAME_FOUND)])
    number = AnswerResult("n", "numeric", 1, Status.FAILED, 0, expected="296", found="288", diagnosis=BIAS_FOUND)
    html = unescape(html_for_student(result_with(table, number)))
    assert html.count(SAME["explain"]["en"]) == 1 and html.count("خروجی") == 1  # Latin runs in Persian are isolated
    assert html.count(BIAS["explain"]["en"]) == 1 and html.count(BIAS["explain"]["fa"]) == 1
    assert html.count("Known mistake") == 2 and html.count(SAME["mistake"]["en"]) == 4  # two cells, one box, page 1

    plain = replace(number, diagnosis=None, found="289")
    meta = {"assignment": "hwx", "questions": [{"id": "q1", "max_points": 2}]}
    results = [result_with(table, number), result_with(table, plain), result_with(plain)]
    counts = {(r["answer"], r["mistake"].en): r["students"] for r in mistake_counts(results, meta)}
    assert counts == {("t", SAME["mistake"]["en"]): 2, ("n", BIAS["mistake"]["en"]): 1}
    assert summary_view(results, meta)["mistakes"][0]["students"] == 2


def rubric_check(assignment, name):
    """The prepared check of one answer of a course rubric (its reference and diagnoses computed)."""
    rubric = load_rubric(ROOT / "rubrics" / f"{assignment}.yaml")
    question, answer = next((q, a) for q in rubric.questions for a in q.answers if a.name == name)
    built = build_check(question, answer, References(rubric.reference))
    built.prepare(np.random.default_rng(0))
    return built


def diagnosed(outcome):
    """Each wrong detail's label and the English name of its mistake (None: not diagnosed)."""
    return {d.label: d.diagnosis.mistake.en if d.diagnosis else None for d in outcome.details if not d.ok}


def grade_as(built, value):
    return built.grade(Evidence(replies={built.answer.name: Reply(status="ok", value=value)}))


def test_hw4_real_answers_are_diagnosed():
    table = grade_as(rubric_check("hw4", "q5_table"), [
        [1, "conv", (256, 256, 64), 1792], [2, "dilated", (126, 126, 32), 51264], [3, "pool", (63, 63, 32), 0],
        [4, "conv", (63, 63, 128), 36992], [5, "dilated", (30, 30, 64), 204864], [6, "pool", (15, 15, 64), 0],
        [7, "conv", (15, 15, 256), 147712], [8, "dilated", (6, 6, 128), 819328], [9, "pool", (3, 3, 128), 0],
        ["total", "", None, 1261952]])
    cells = diagnosed(table)
    assert cells == {**{f"layer {i} · output": "Dilation ignored" for i in range(2, 10)},
                     "layer 2 · params": "Bias counted twice", "layer total · params": None}
    params = grade_as(rubric_check("hw4", "q6_params"), {"dense": 220, "batchnorm": 2, "total": 222})
    once = "BatchNormalization counted as one γ and one β, moving statistics left out"
    assert diagnosed(params) == {"batchnorm": once, "trainable": None, "non_trainable": None, "total": once}
    assert rubric_check("hw4", "q6_params").answer.diagnoses[0].explain.en in str(params.details)
    counted = grade_as(rubric_check("hw4", "q6_params"),
                       {"dense": 220, "batchnorm": 80, "trainable": 300, "non_trainable": 0, "total": 300})
    assert diagnosed(counted) == dict.fromkeys(["trainable", "non_trainable"], "Moving statistics counted as trainable")


def mistake(outcome):
    return outcome.diagnosis.mistake.en if outcome.diagnosis else None


def test_hw3_counts_and_flatten_sizes_are_diagnosed():
    params = rubric_check("hw3", "q4_params")
    assert mistake(grade_as(params, 5_852_234 - 2 * (64 + 128 + 256))) == "Batch-norm parameters left out"
    assert mistake(grade_as(params, 5_849_824)) == "Biases left out"
    assert mistake(grade_as(params, 5_852_000)) is None and mistake(grade_as(params, 5_852_234)) is None
    assert mistake(grade_as(rubric_check("hw3", "q4_flatten"), 256 * 8 * 8)) == "Flatten size without the last pooling"
    flatten = rubric_check("hw3", "q10_flatten")
    assert mistake(grade_as(flatten, 32 * 5 * 5)) == "'valid' instead of 'same' padding"
    assert mistake(grade_as(flatten, 32 * 14 * 14)) == "Flatten size without the last pooling"
    table = rubric_check("hw3", "q12_table")
    rows = [list(r) for r in table.expected["rows"]]
    rows[1][-1] = 11 * 11 * 3 * 96  # the first convolution without its 96 biases
    rows[3][-1] = 1                 # wrong for no known reason
    assert diagnosed(grade_as(table, rows)) == {"layer 2 · params": "Biases left out", "layer 4 · params": None}


def test_hw3_optimizer_steps_are_diagnosed_as_whole_arrays():
    from reference.hw3 import ex1_backprop

    sgd = rubric_check("hw3", "q1_sgd")
    assert mistake(grade_as(sgd, ex1_backprop.sgd_step(ascent=True))) == "Sign of the step flipped"
    assert mistake(grade_as(sgd, ex1_backprop.sgd_step(lr=0.2))) is None
    adam = rubric_check("hw3", "q1_adam")
    uncorrected = grade_as(adam, ex1_backprop.adam_step(bias_correction=False))
    assert mistake(uncorrected) == "Moments not bias-corrected" and uncorrected.details == []
    assert grade_as(adam, ex1_backprop.adam_step()).diagnosis is None


def test_hw5v_real_answers_are_diagnosed():
    blocks = grade_as(rubric_check("hw5v", "q2a_table"), [
        ["input", None, None, None, None, (1, 1)], [1, 3, (1, 1), 96 * 32, 3072 * 3, (1, 1)],
        [2, 2, (3, 3), 9216 * 32, 2 * 294912, (3, 3)], [3, 1, (3, 3), 9216 * 32, 294912, (5, 5)],
        [4, 1, (1, 1), 24576 * 256, 6291456, (4, 4)]])
    twice = "Filters multiplied twice, bias left out"
    assert diagnosed(blocks) == {**{f"layer {i} · {c}": twice for i in range(1, 5) for c in ("params_per_block", "params")},
                                 "layer 4 · rf": None}
    total = rubric_check("hw5v", "q2a_total")
    assert mistake(grade_as(total, 7_185_408)) == twice and mistake(grade_as(total, 7_274_288)) is None
    local = grade_as(rubric_check("hw5v", "q2b_table"),
                     [["conv", 448, 4640, 5088, "3x3"], ["local", 448, 14656, 15104, "3x3"]])
    alone = "Receptive field of the last layer alone"
    assert diagnosed(local) == {"model conv · rf": alone, "model local · rf": alone,
                                "model local · params_2": None, "model local · params": None}


def test_hw11_embedding_with_a_bias_is_diagnosed():
    table = rubric_check("hw11", "q1_table")
    rows = [list(r) for r in table.expected["rows"]]
    rows[8][-1] = (1000 + 1) * 256
    assert diagnosed(grade_as(table, rows)) == {"layer 9 · params": "Bias counted in the Embedding"}
    rows[8][-1] = (1000 + 1) * 256 + (256 + 1) * 1000  # the real answer adds a Dense layer's count too
    rows[8][2] = (256,)
    rows[9][-1] = 256 * 128 + 128
    assert diagnosed(grade_as(table, rows)) == {"layer 9 · params": None,
                                                "layer 9 · output": "Sequence axis left out of the Embedding's output",
                                                "layer 10 · params": "The SimpleRNN's recurrent weights left out"}
