"""In CI a skipped `sandbox` test fails the session (tests/conftest.py, SandboxSkips): checked on
inner pytest sessions whose tests only pretend to need the sandbox."""
import pytest

from tests.conftest import SandboxSkips

pytest_plugins = ["pytester"]

TESTS = '''
import pytest

@pytest.mark.sandbox
def test_runs_in_the_sandbox():
    pass

@pytest.mark.sandbox
@pytest.mark.skipif(True, reason={reason!r})
def test_skipped_in_the_sandbox():
    pass

@pytest.mark.skipif(True, reason="no sandbox")
def test_skipped_elsewhere():
    pass
'''


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    pytester.makeini("[pytest]\naddopts = --strict-markers\nmarkers =\n    sandbox: real kernels\n")

    def run(source: str, ci: bool) -> pytest.RunResult:
        pytester.makepyfile(test_inner=source)
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # the inner sessions need none of them
        if ci:
            monkeypatch.setenv("CI", "true")
        else:
            monkeypatch.delenv("CI", raising=False)
        return pytester.runpytest("-q", "-rs", "-p", "no:cacheprovider", plugins=[SandboxSkips()])

    return run


def test_a_skipped_sandbox_test_fails_a_ci_run(inner):
    result = inner(TESTS.format(reason="no sandbox: bwrap missing"), ci=True)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["*sandbox tests skipped in CI*", "*1 test(s) marked `sandbox` were skipped*",
                                 "*test_inner.py::test_skipped_in_the_sandbox: no sandbox: bwrap missing"])
    assert "test_skipped_elsewhere:" not in result.stdout.str()


def test_outside_ci_a_skipped_sandbox_test_is_only_a_skip(inner):
    result = inner(TESTS.format(reason="no sandbox: bwrap missing"), ci=False)
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, skipped=2)
    assert "sandbox tests skipped in CI" not in result.stdout.str()


def test_sandbox_tests_skipped_for_want_of_a_gpu_pass_in_ci(inner):
    result = inner(TESTS.format(reason="no NVIDIA GPU on this machine") + '''
@pytest.mark.sandbox
def test_needs_cuda():
    pytest.skip("needs a CUDA GPU (checked on the GPU machine)")
''', ci=True)
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, skipped=3)


def test_a_skip_in_a_fixture_of_a_sandbox_module_is_listed_and_a_failed_run_stays_failed(inner):
    result = inner('''
import pytest

pytestmark = pytest.mark.sandbox

@pytest.fixture(scope="module")
def cluster():
    pytest.skip("Ray cannot start a cluster on this machine")

def test_one(cluster):
    pass

def test_two(cluster):
    pass

@pytest.mark.xfail(reason="known", run=False)
def test_expected_to_fail():
    pass

def test_broken():
    assert False
''', ci=True)
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # as the failed test made it: not overwritten
    result.assert_outcomes(failed=1, skipped=2, xfailed=1)
    result.stdout.fnmatch_lines(["*2 test(s) marked `sandbox` were skipped*"])
