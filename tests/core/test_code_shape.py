"""The shape of the code, checked on every run of the suite (and so in CI): the layers point one
way (import-linter contracts in pyproject.toml), ruff is clean on the package and mypy (strict) on
the core."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("command", [
    ("lint-imports",),
    (sys.executable, "-m", "ruff", "check", "grader"),
    (sys.executable, "-m", "mypy"),
], ids=["import-contracts", "ruff", "mypy-core"])
def test_clean(command):
    done = _run(*command)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_the_contracts_can_fail(tmp_path):
    """A module of the core that imports the engine breaks the first contract: the check is live."""
    probe = ROOT / "grader" / "core" / "_contract_probe.py"
    probe.write_text("import grader.engine  # noqa: F401\n")
    try:
        done = _run("lint-imports")
    finally:
        probe.unlink()
    assert done.returncode != 0 and "The core depends on nothing else of grader BROKEN" in done.stdout
