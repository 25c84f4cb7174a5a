"""`grader check` against the full grader on the five sample classes: every format problem the grader
reports, the check finds, and it finds none the grader does not report.

A format problem is one of the answers `grader check` looks at (`selfcheck.checked`: value and
function answers) that loses its points for its form, not its value. From the grader's result:
- missing: status `missing` (never defined, or None);
- raised: status `error` (its cell raised or ran out of time; reading or calling it failed);
- form: the grader could not read the value as the reference's form (a wrong type, shape or keys): the
  answer's feedback is not a verdict on values (`messages.for_status`, `cells_right`, `trials_right`;
  `wrong_keys` is not one), or, for a dict of arrays, a part's note is not a difference of values; for
  a function, no call's result could be read (none right, and the first wrong one kept no expected
  value, as a refused value has none; a secret function answer keeps none either way, and none of the
  sample rubrics has one). A table's cells are values: a wrong or empty cell is a wrong answer.
The check's own kinds map onto these: missing; raised and unreadable; type, shape and keys.

The classes are graded once per session (`tests.support.sample_run.grade_sample`, shared with the
sample-class tests); each notebook is checked here as `grader ci` checks it, in the sandbox."""
import re
from pathlib import Path

import pytest

from grader.apps.selfcheck import Finding, check_notebook, checked
from grader.checks import messages as msg
from grader.checks.function import FunctionCheck
from grader.core.result import AnswerResult, Status
from grader.core.settings import Course
from grader.engine.plan import GradingPlan
from grader.intake import discover, open_submission, read_notebook
from grader.outputs.results import read_result, result_path
from grader.rubric import find_rubric
from tests.support.paths import ROOT
from tests.support.sample_run import grade_sample

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.e2e]

CHECK_KINDS = {"missing": "missing", "raised": "raised", "unreadable": "raised", "type": "form", "shape": "form",
               "keys": "form"}
VALUES_DIFFER = re.compile(r"\d+ of \d+ values differ")


def _verdict(feedback, n: int) -> bool:
    """Whether `feedback` judges values (for up to `n` cells or calls), rather than refusing the form."""
    verdicts = [msg.for_status(s) for s in (Status.PASSED, Status.PARTIAL, Status.FAILED)]
    verdicts += [f(k, m) for f in (msg.cells_right, msg.trials_right) for m in range(1, n + 1) for k in range(m + 1)]
    return feedback in verdicts


def graders_problem(answer: AnswerResult, check) -> str | None:
    """The format problem the grader's result reports for `answer`, by the definition above."""
    if answer.status is Status.MISSING:
        return "missing"
    if answer.status is Status.ERROR:
        return "raised"
    if answer.status not in (Status.FAILED, Status.PARTIAL):
        return None
    if isinstance(check, FunctionCheck):
        refused = answer.feedback == msg.trials_right(0, len(check.trials)) and answer.expected is None
        return "form" if refused and answer.found is not None else None
    if not _verdict(answer.feedback, 64):
        return "form"  # the reader's refusal, or missing keys (`wrong_keys`)
    if check.kind == "array" and any(not d.ok and d.found is not None and d.note and not VALUES_DIFFER.match(d.note)
                                     for d in answer.details):
        return "form"  # a part of a dict of arrays refused (a missing part is `wrong_keys`, above)
    return None


def checks_problems(found: list[Finding]) -> dict[tuple[str, str], str]:
    return {(f.question, f.name): CHECK_KINDS[f.problem] for f in found}


@pytest.mark.parametrize("assignment", ["hw3", "hw4", "hw5", "hw5v", "hw11"])
def test_grader_check_finds_the_format_problems_grading_reports(assignment, tmp_path_factory, tmp_path):
    out = grade_sample(assignment, tmp_path_factory)
    course = Course.load(ROOT)
    plan = GradingPlan.build(find_rubric(assignment, course), course=course)
    looked_at = checked(plan.checks)
    compared, differences, problems = 0, [], 0
    for sub in discover(ROOT / "submissions" / assignment):
        result = read_result(result_path(out, sub.student_id))
        assert result is not None
        nb_path, problem = open_submission(sub, tmp_path / sub.student_id)
        nb = read_notebook(nb_path)[0] if nb_path else None
        if nb is None:  # no notebook to run: grading says why, and the check has nothing to say
            assert result.errors and all(a.points == 0 for a in result.answers)
            continue
        found = checks_problems(check_notebook(nb, nb_path.parent, plan, use_sandbox=True)[0])
        answers = {(q.id, a.name): a for q in result.questions for a in q.answers}
        for check in looked_at:
            key = (check.question.id, check.answer.name)
            graded = graders_problem(answers[key], check)
            problems += graded is not None
            compared += 1
            if graded != found.get(key):
                differences.append(f"{sub.student_id} {key}: grading {graded} ({answers[key].status.value}: "
                                   f"{answers[key].feedback.en}), check {found.get(key)}")
    assert compared and problems, (compared, problems)  # the classes do hold format problems to find
    assert differences == [], "\n".join(differences)
