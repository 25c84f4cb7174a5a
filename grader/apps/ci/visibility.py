"""What a pull request may show. Its job summary and artifacts are readable by everyone who can read
the repository, other students included, so by default they carry each answer's points, status and
messages but no reference value: the expected values, and the per-part notes worked out from them
(a "largest difference", a reference model's score). A course that wants them shown says so in
grader.yaml on the base branch:

    ci:
      show_expected: true
"""
import copy
from typing import Any

from grader.apps.ci.changes import CIConfigError
from grader.core.result import StudentResult
from grader.core.text import Text

WITHHELD = Text("مقدارهای مرجع در درخواست ادغام نشان داده نمی‌شوند، چون هر کسی که مخزن را می‌بیند آن را می‌بیند؛ "
                "امتیازها و پیام‌ها همان‌اند. کارنامهٔ کامل را از درگاه درس بگیرید.",
                "Reference values are not shown in a pull request, which everyone who can read the repository "
                "sees; the points and messages are the same. The full report comes from the course portal.")


def show_expected(config: dict[str, Any], where: str) -> bool:
    """grader.yaml's `ci: {show_expected: …}`; false where it is not set."""
    ci = config.get("ci") or {}
    if not isinstance(ci, dict) or not set(ci) <= {"show_expected"}:
        raise CIConfigError(f"{where}: ci takes one setting, show_expected: true or false")
    value = ci.get("show_expected", False)
    if not isinstance(value, bool):
        raise CIConfigError(f"{where}: ci.show_expected is {value!r}; it takes true or false")
    return value


def without_reference(result: StudentResult) -> StudentResult:
    """A copy of a result with every expected value and every note derived from one taken out, as
    for a secret answer, and a notice saying so. Points, statuses, messages, diagnoses, the
    student's own values and errors stay."""
    public = copy.deepcopy(result)
    for answer in public.answers:
        answer.expected = None
        answer.details = [d.withheld() for d in answer.details]
    public.notices.append(WITHHELD)
    return public
