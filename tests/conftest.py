"""Test session set-up: where this machine cannot build the sandbox, the end-to-end tests still
grade the sample classes, explicitly unsandboxed (the hostile corpus is skipped there) — except
in CI (`CI=true`), where a missing sandbox fails the run: a green CI must mean the sandbox ran."""
import os
import warnings

import pytest

from grader.kernel.sandbox import unavailable_reason

if unavailable_reason() is not None:
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI needs the sandbox, which cannot be set up here: {unavailable_reason()}")
    warnings.warn(f"no sandbox here ({unavailable_reason()}): sample classes are graded unsandboxed")
    os.environ["GRADER_UNSAFE_NO_SANDBOX"] = "1"
