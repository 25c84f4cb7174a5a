"""One error hierarchy: every error grader raises on purpose is a `GraderError`, a configuration problem
of the course's (exit 2) a `ConfigError`, and each crosses a process pool or Ray as it was made."""
import pickle

import pytest

from grader.checks.base import NotReady
from grader.checks.values import Unreadable
from grader.apps.ci.changes import CIConfigError
from grader.apps.ci.workflow import WorkflowError
from grader.core.errors import ConfigError, GraderError
from grader.engine.local import WorkerDied
from grader.engine.ray_engine import RayEngineError
from grader.intake.discover import RosterError
from grader.intake.files import Refused as SubmissionRefused
from grader.kernel.zygote import ZygoteUnavailable
from grader.manual.store import Refusal
from grader.models.datasets import DatasetMissing
from grader.models.loading import ArchitectureMismatch
from grader.models.loading import Refused as ModelRefused
from grader.models.runner import BadReply
from grader.models.serve import BadFrame
from grader.apps.portal.app import FormError
from grader.apps.portal.guard import Refused as Throttled
from grader.apps.portal.tokens import TokenError
from grader.references import ReferenceError_
from grader.rubric import RubricError

# (the error, the attributes it carries, what callers may still catch it as)
CONFIG = [
    (RubricError(["rubrics/hw3.yaml:4: q1: unknown check 'tabel'", "rubrics/hw3.yaml:9: q2: no points"]),
     {"problems": ["rubrics/hw3.yaml:4: q1: unknown check 'tabel'", "rubrics/hw3.yaml:9: q2: no points"]}, ()),
    (RosterError("students.csv: row 3 has no id"), {"problems": ["students.csv: row 3 has no id"]}, (ValueError,)),
    (CIConfigError("the checkout is shallow"), {"problems": ["the checkout is shallow"]}, ()),
    (WorkflowError("--install 'grader': give a pinned git URL"), {}, (ValueError,)),
    (DatasetMissing("dataset mnist (test): expected /data/mnist/t10k-images-idx3-ubyte"), {},
     (FileNotFoundError, OSError)),
    (NotReady("q1c (q1c_model): dataset mnist (test): expected /data/mnist/t10k-images-idx3-ubyte"), {},
     (RuntimeError,)),
    (ReferenceError_("no function 'tabel' in reference.hw3.ex12_alexnet"), {}, (LookupError,)),
    (RayEngineError("no Ray cluster at ray://10.0.0.9:10001"), {}, (RuntimeError,)),
]
OTHER = [
    (Unreadable("متن «x» عدد نیست", "the text 'x' is not a number"),
     {"fa": "متن «x» عدد نیست", "en": "the text 'x' is not a number"}, (ValueError,)),
    (Refusal("resubmitted since export", "پس از خروجی دوباره تحویل شده", {"score": 2.0}),
     {"en": "resubmitted since export", "fa": "پس از خروجی دوباره تحویل شده", "current": {"score": 2.0}},
     (ValueError,)),
    (SubmissionRefused("unsafe_symlink", "پیوند", "A symbolic link points outside", detail="a -> /etc"),
     {"kind": "unsafe_symlink", "fa": "پیوند", "en": "A symbolic link points outside", "detail": "a -> /etc"}, ()),
    (ModelRefused("the file holds pickled code", ops=["aten::system"]), {"ops": ["aten::system"]}, ()),
    (ArchitectureMismatch(["conv1: 3 channels, expected 1", "fc: 10 outputs, expected 2"]),
     {"problems": ["conv1: 3 channels, expected 1", "fc: 10 outputs, expected 2"]}, ()),
    (BadReply("the model process closed its pipe"), {}, ()),
    (BadFrame("unknown frame b'Z'"), {}, ()),
    (WorkerDied("the grading process died while grading s1"), {}, (RuntimeError,)),
    (ZygoteUnavailable("the zygote did not start"), {}, (RuntimeError,)),
    (TokenError("portal/tokens.json exists; use --rotate"), {}, ()),
    (Throttled(12.5), {"wait": 12.5}, ()),
    (FormError(415, "form_type"), {"status": 415, "message": "form_type"}, ()),
]


@pytest.mark.parametrize("exc, attrs, also", CONFIG + OTHER, ids=lambda v: type(v).__name__ if isinstance(v, Exception) else "")
def test_each_error_is_a_grader_error_that_pickles_as_made(exc, attrs, also):
    assert isinstance(exc, GraderError)
    assert all(isinstance(exc, cls) for cls in also)  # what callers caught before still catches it
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is type(exc) and str(again) == str(exc) and again.args == exc.args
    for name, value in attrs.items():
        assert getattr(exc, name) == value and getattr(again, name) == value
    if isinstance(exc, ConfigError):
        assert again.problems == exc.problems


@pytest.mark.parametrize("exc", [e for e, _, _ in CONFIG], ids=lambda e: type(e).__name__)
def test_a_configuration_error_exits_2_with_one_line_per_problem(exc, capsys):
    from grader.apps.cli import fail

    assert isinstance(exc, ConfigError) and exc.exit_code == 2
    assert fail(exc) == 2
    lines = capsys.readouterr().err.splitlines()
    if isinstance(exc, RubricError):  # as `grader rubric check` always said it
        assert lines == ["grader: rubric error", *exc.problems]
    else:
        assert lines == [f"grader: {exc.problems[0]}"]


def test_other_errors_keep_their_exit_codes():
    assert GraderError.exit_code == 1 and Unreadable("", "").exit_code == 1 and WorkerDied("x").exit_code == 1
    assert TokenError("x").exit_code == 2  # `grader tokens` / `grader serve` refused: as before


def test_the_cli_ends_a_command_on_a_grader_error_and_lets_a_bug_through(capsys):
    import argparse

    from grader.apps.cli import dispatch

    def refused(_):
        raise RosterError("students.csv: row 3 has no id")

    heard = []
    args = argparse.Namespace(fn=refused, prog_name="grader ci", on_error=heard.append)
    assert dispatch(args) == 2
    assert capsys.readouterr().err == "grader ci: students.csv: row 3 has no id\n"
    assert [str(e) for e in heard] == ["students.csv: row 3 has no id"]

    def bug(_):
        raise KeyError("ours")

    with pytest.raises(KeyError):
        dispatch(argparse.Namespace(fn=bug))
