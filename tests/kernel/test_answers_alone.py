"""Every answer judged on its own: one answer that hangs, exits, kills its kernel, floods, lies
about its value or holds a hostile number costs that answer (or that table cell) alone.

One class is graded in one run; every notebook is the honest one with one answer replaced, so
its points show exactly what that answer cost. The rubric's answer time limit is 2 s.
"""
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.checks import Evidence, judge
from grader.engine.plan import GradingPlan
from grader.kernel.probe import MIME, Reply
from tests.support.answers_alone import HONEST, REFERENCE, RUBRIC
from tests.support.paths import ROOT

FULL = {"q1": 2, "q2": 2, "q3": 1, "q4": 5, "q5": 1}

# student -> (the code that replaces one answer, the points of every question)
VARIANTS = {
    "honest": ("", FULL),
    "sleeps": ("def double(x):\n    import time\n    time.sleep(60)", {**FULL, "q2": 0}),
    "honest_but_slow": ("def double(x):\n    import time\n    time.sleep(3)\n    return 2 * x", {**FULL, "q2": 0}),
    "sys_exit": ("def double(x):\n    import sys\n    sys.exit(0)", {**FULL, "q2": 0}),
    "os_exit": ("def double(x):\n    import os\n    os._exit(1)", {**FULL, "q2": 0}),
    "deaf": ("def double(x):\n    import signal\n    signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
             "    while True:\n        pass", {**FULL, "q2": 0}),
    "raises_base": ("class Boom(BaseException):\n    pass\n\ndef double(x):\n    raise Boom('no')", {**FULL, "q2": 0}),
    "floods": ("def double(x):\n    print('x' * 10_000_000)\n    return 2 * x", FULL),
    "giant_message": ("from IPython.display import display\ndisplay({'text/plain': 'z' * 100_000_000}, raw=True)",
                      FULL),  # dropped at the socket: a message may be no larger than the largest answer
    "endless_repr": ("class R:\n    def __repr__(self):\n        while True:\n            pass\n\nb5 = R()",
                     {**FULL, "q5": 0}),
    "huge_int": ("count = 10 ** 5000", {**FULL, "q3": 0}),
    "lying_int": ("class L(int):\n    def __int__(self):\n        return 1568\n    __index__ = __int__\n"
                  "    def __float__(self):\n        return 1568.0\n\ncount = L(7)", {**FULL, "q3": 0}),
    "deep_list": ("a1 = []\ncur = a1\nfor _ in range(100_000):\n    cur.append([])\n    cur = cur[0]", {**FULL, "q1": 0}),
    "too_large": ("b5 = np.zeros(5 * 2**20)", {**FULL, "q5": 0}),
    "inf_shape": ("shapes[1]['shape'] = (96, float('inf'), 27)", {**FULL, "q4": 4}),
    "nan_shape": ("shapes[0]['shape'] = (96, float('nan'), 55)", {**FULL, "q4": 4}),
    "half_shape": ("shapes[1]['shape'] = (96, 27.5, 27.5)", {**FULL, "q4": 4}),
    "overflow_count": ("shapes[0]['params'] = 10 ** 400", {**FULL, "q4": 4}),
    "opaque_cell": ("class maxpool:\n    def __repr__(self):\n        return ''\n\nshapes[1]['kind'] = maxpool()",
                    {**FULL, "q4": 4}),
    # a notebook that breaks the probe costs itself only: every answer unread, nothing else
    "replaces_exec": ("import builtins\nbuiltins.exec = lambda *a, **k: None", {q: 0 for q in FULL}),
    "deep_forgery": ("import IPython.display as d\n_real = d.display\n"
                     "def fake(*a, **k):\n    deep = '[' * 100_000 + ']' * 100_000\n"
                     f"    _real({{'{MIME}': '{{\"key\": \"a1\", \"status\": \"ok\", \"value\": ' + deep + '}}'}}, raw=True)\n"
                     "d.display = fake", {q: 0 for q in FULL}),
    "persian": ("count = '۱٬۵۶۸'\nshapes = [{'layer': '۱', 'kind': 'conv', 'shape': '(۹۶، ۵۵، ۵۵)', 'params': '۳۴٬۹۴۴'},\n"
                "          {'layer': '۲', 'kind': 'maxpool', 'shape': '۹۶×۲۷×۲۷', 'params': '۰'}]", FULL),
}


def _course(root: Path) -> dict[str, Path]:
    ref = root / "refpkg" / "alone_ref"
    ref.mkdir(parents=True)
    (ref / "__init__.py").write_text(REFERENCE)
    rubrics = root / "rubrics"
    rubrics.mkdir()
    (rubrics / "alone.yaml").write_text(RUBRIC)
    subs = root / "alone"
    for sid, (code, _) in VARIANTS.items():
        (subs / sid).mkdir(parents=True)
        nb = new_notebook(cells=[new_code_cell(HONEST), new_code_cell(code)])
        nbformat.write(nb, subs / sid / "alone.ipynb")
    return {"refpkg": root / "refpkg", "rubrics": rubrics, "subs": subs, "out": root / "out"}


def _env(paths: dict[str, Path]) -> dict[str, str]:
    import os
    return {**os.environ, "PYTHONPATH": str(paths["refpkg"]), "GRADER_RUBRICS": str(paths["rubrics"])}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    paths = _course(tmp_path_factory.mktemp("alone"))
    proc = subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", str(paths["subs"]), "--out", str(paths["out"])],
                          cwd=ROOT, env=_env(paths), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return paths


def _result(paths, sid: str) -> dict:
    return json.loads((paths["out"] / "results" / f"{sid}.json").read_text(encoding="utf-8"))


def _answer(result: dict, qid: str) -> dict:
    return next(q for q in result["questions"] if q["id"] == qid)["answers"][0]


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
@pytest.mark.parametrize("sid", sorted(VARIANTS))
def test_one_answer_costs_itself_alone(graded, sid):
    result = _result(graded, sid)
    assert {q["id"]: q["points"] for q in result["questions"]} == VARIANTS[sid][1]
    assert (graded["out"] / f"{sid}.pdf").stat().st_size > 10_000
    assert all(a["status"] != "internal_error" for q in result["questions"] for a in q["answers"])


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
@pytest.mark.parametrize("sid, words", [
    ("sleeps", "ran past its time limit"), ("honest_but_slow", "ran past its time limit"),
    ("deaf", "ran past its time limit"), ("sys_exit", "called sys.exit()"),
    ("os_exit", "kernel died while double was collected"), ("raises_base", "raised an error")])
def test_the_broken_function_answer_says_what_happened(graded, sid, words):
    answer = _answer(_result(graded, sid), "q2")
    assert answer["status"] == "error" and words in answer["feedback"]["en"] and answer["feedback"]["fa"]


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_a_kernel_ended_by_an_answer_is_named_and_replaced(graded):
    for sid in ("os_exit", "deaf"):
        errors = {e["kind"]: e for e in _result(graded, sid)["errors"]}
        assert "Collecting double ended the Python kernel" in errors["answer_ended_kernel"]["message"]["en"]
    assert _result(graded, "honest")["errors"] == []


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_hostile_values_are_wrong_for_a_reason(graded):
    assert _answer(_result(graded, "endless_repr"), "q5")["found"] == "<an object of type R>"
    assert "too large" in _answer(_result(graded, "huge_int"), "q3")["feedback"]["en"].lower()
    deep = _answer(_result(graded, "deep_list"), "q1")
    assert deep["status"] == "error" and "nested deeper" in deep["feedback"]["en"]
    assert "larger" in _answer(_result(graded, "too_large"), "q5")["feedback"]["en"]
    assert _answer(_result(graded, "lying_int"), "q3")["found"] == "7"


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
@pytest.mark.parametrize("sid", ["inf_shape", "nan_shape", "half_shape", "overflow_count", "opaque_cell"])
def test_a_bad_table_cell_costs_that_cell_and_says_why(graded, sid):
    answer = _answer(_result(graded, sid), "q4")
    assert answer["status"] == "partial" and "4 of 5 cells" in answer["feedback"]["en"]
    (wrong,) = answer["details"]
    assert wrong["note"], wrong


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_output_printed_while_an_answer_is_collected_is_capped(graded):
    assert (graded["out"] / "results" / "floods.json").stat().st_size < 200_000


def test_a_grader_fault_costs_one_answer_and_is_logged(tmp_path, capsys):
    paths = _course(tmp_path)
    sys.path.insert(0, str(paths["refpkg"]))
    try:
        plan = GradingPlan.build(paths["rubrics"] / "alone.yaml", seed=1)
    finally:
        sys.path.remove(str(paths["refpkg"]))
    checks = {c.answer.name: c for _, cs in plan.checks for c in cs}

    def broken(found):
        raise KeyError("a bug of ours")

    checks["count"].compare = broken
    evidence = Evidence(replies={"count": Reply("ok", value=1568), "a1": Reply("ok", value=[1.0, 2.0, 3.0])})
    bad, good = judge(checks["count"], evidence), judge(checks["a1"], evidence)
    assert bad.status == "internal_error" and bad.fraction == 0 and "fault of the grader" in bad.feedback.en
    assert good.status == "passed" and good.fraction == 1
    log = capsys.readouterr().err
    assert "internal error checking count (q3)" in log and "KeyError: 'a bug of ours'" in log
