"""Test session set-up: where this machine cannot build the sandbox, the end-to-end tests still
grade the sample classes, explicitly unsandboxed (the hostile corpus is skipped there) — except
in CI (`CI=true`), where a missing sandbox fails the run: a green CI must mean the sandbox ran.

In CI a run also fails when any test marked `sandbox` was skipped, whatever skipped it (a
`skipif`, a `pytest.skip` in a fixture, a missing cgroup), except a test that needs a GPU the
machine lacks. A sandbox test module must therefore skip per test (`pytestmark = skipif(...)`),
never at collection (`pytest.skip(allow_module_level=True)`), which no test report shows.
"""
from __future__ import annotations

import os
import re
import warnings

import pytest

from grader.kernel.sandbox import unavailable_reason

if unavailable_reason() is not None:
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI needs the sandbox, which cannot be set up here: {unavailable_reason()}")
    warnings.warn(f"no sandbox here ({unavailable_reason()}): sample classes are graded unsandboxed")
    os.environ["GRADER_UNSAFE_NO_SANDBOX"] = "1"

GPU_SKIP = re.compile(r"\b(cuda|gpus?)\b", re.IGNORECASE)


class SandboxSkips:
    """In CI, ends the session with a failure when a test marked `sandbox` was skipped (not for want of a GPU)."""

    def __init__(self) -> None:
        self.skipped: list[tuple[str, str]] = []

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not report.skipped or hasattr(report, "wasxfail") or "sandbox" not in report.keywords:
            return
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        if os.environ.get("CI") == "true" and not GPU_SKIP.search(reason):
            self.skipped.append((report.nodeid, reason))

    @pytest.hookimpl
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.skipped and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter) -> None:  # type: ignore[no-untyped-def]
        if not self.skipped:
            return
        terminalreporter.section("sandbox tests skipped in CI", red=True, bold=True)
        terminalreporter.line(f"CI=true and {len(self.skipped)} test(s) marked `sandbox` were skipped: a green CI "
                              "must mean they ran. The run fails.", red=True)
        for nodeid, reason in self.skipped:
            terminalreporter.line(f"  {nodeid}: {reason}")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(SandboxSkips(), "sandbox-skips")
