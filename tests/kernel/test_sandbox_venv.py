"""A virtual environment's interpreter in the sandbox: the kernel is started by the environment's path
(a link to the installation's interpreter), so the box binds both folders, and hides grader inside either."""
import subprocess
import sys
from pathlib import Path

from grader.kernel import sandbox


def test_a_virtual_environments_interpreter_binds_the_environment_and_its_installation(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    installation = Path(sys.executable).resolve().parents[1]
    assert sandbox.python_prefixes(python) == [installation, venv]
    binds = [tuple(sandbox._python_binds(python)[i:i + 3]) for i in range(len(sandbox._python_binds(python)))]
    assert ("--ro-bind", str(venv), str(venv)) in binds
    assert ("--ro-bind", str(installation), str(installation)) in binds or str(installation).startswith("/usr/")
    assert sandbox.python_prefixes(str(installation / "bin" / "python3")) == [installation]  # no environment
