"""The evidence registry: each kind of evidence is one named collector; a check declares what it reads,
the engine collects only that, and no code outside the checks knows a check type by name."""
import re

import nbformat
import pytest

from grader.checks import KINDS, REGISTRY, Evidence, Run, collect, judge
from grader.checks.evidence import CELL_ERRORS, FIGURES, FILES, REPLIES, TIMED_OUT
from grader.engine.plan import GradingPlan
from grader.kernel.execute import CellFailure, Execution
from grader.kernel.probe import Reply, Request
from tests.support.paths import ROOT

GRADER = ROOT / "grader"


def test_every_check_declares_registered_evidence():
    for kind, cls in REGISTRY.items():
        assert cls.needs <= set(KINDS), (kind, cls.needs - set(KINDS))
    assert REGISTRY["manual"].needs == {"essays"} and "figures" in REGISTRY["experiment"].needs


def _run() -> Run:
    nb = nbformat.v4.new_notebook()
    png = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})
    nb.cells = [nbformat.v4.new_code_cell("plot()", metadata={"grader": {"question": "q1"}}, outputs=[png]),
                nbformat.v4.new_markdown_cell("my essay", metadata={"grader": {"question": "q2", "manual_answer": True}})]
    execution = Execution(replies={"a": Reply("ok", value=1), "m#file": Reply("ok", value=b"x")},
                          failures=[CellFailure(0, "q1", "timeout", "KeyboardInterrupt")])
    return Run(execution, nb, [Request("a", "a"), Request("m#file", "model.pt", kind="file", max_bytes=10)], 5.0)


def test_collect_builds_only_what_is_needed_through_the_registry():
    evidence = collect(_run(), {"replies", "files", "cell_errors", "timed_out", "figures", "essays"})
    assert set(evidence[REPLIES]) == {"a"} and evidence[FILES]["model.pt"].value == b"x"
    assert evidence[CELL_ERRORS] == {"q1": "[cell 1 stopped after 5 s]\nKeyboardInterrupt"}
    assert evidence[TIMED_OUT] == {"q1"} and evidence[FIGURES] == {"q1": 1}
    assert evidence[KINDS["essays"]] == {"q2": "my essay"}
    only = collect(_run(), {"replies"})
    assert REPLIES in only and FIGURES not in only
    with pytest.raises(LookupError, match="needs"):
        only[FIGURES]  # a check reading what it did not declare is a fault of ours, found at once
    with pytest.raises(KeyError):
        collect(_run(), {"no_such_kind"})
    with pytest.raises(TypeError):
        Evidence(replis={})


def test_an_undeclared_read_is_an_internal_error_of_that_answer_alone():
    class Sneaky(REGISTRY["numeric"]):  # reads figures without saying so
        def grade(self, evidence):
            return evidence[FIGURES]

    check = Sneaky.__new__(Sneaky)
    check.question = type("Q", (), {"id": "q1"})()
    check.answer = type("A", (), {"name": "x"})()
    assert judge(check, collect(_run(), Sneaky.needs)).status == "internal_error"


def test_the_plan_needs_what_its_checks_need():
    plan = GradingPlan.load(ROOT / "rubrics" / "hw4.yaml")
    assert plan.needs() == {n for _, cs in plan.checks for c in cs for n in c.needs}
    assert {"replies", "files", "runtime", "figures", "essays"} <= plan.needs()


def test_no_check_type_is_named_outside_the_checks():
    """The engine, the probe and the template know no check kind; `"manual"` is the essay check's word
    (and the core's, for result files of earlier versions), besides folder and command names."""
    kinds = "|".join(map(re.escape, REGISTRY))
    for path in [GRADER / "engine", GRADER / "kernel", GRADER / "release.py"]:
        for file in ([path] if path.is_file() else sorted(path.rglob("*.py"))):
            assert not re.search(rf"""["']({kinds})["']""", file.read_text()), file
    for file in sorted(GRADER.rglob("*")):
        if file.suffix not in (".py", ".j2") or file.is_relative_to(GRADER / "core") or file.name == "manual.py":
            continue
        for line in file.read_text().splitlines():
            if re.search(r"""== *["']manual["']|["']manual["'] *==|check *== *["']""", line):
                pytest.fail(f"{file}: {line.strip()}")
