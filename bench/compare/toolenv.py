"""Running nbgrader and Otter from bench/.venv-compare as if it were activated (nbgrader calls
`alembic` from PATH), apart from grader's own environment."""
import os
import subprocess
from pathlib import Path

VENV = Path(__file__).resolve().parent.parent / ".venv-compare"


def venv_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return {**env, "VIRTUAL_ENV": str(VENV), "PATH": f"{VENV / 'bin'}:{env.get('PATH', '')}"}


def run_in_venv(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run a command of the venv; on failure raise with its output, which says why."""
    if not (VENV / "bin" / argv[0]).exists():
        raise SystemExit(f"{VENV / 'bin' / argv[0]} is missing: run bash bench/compare/install.sh first")
    proc = subprocess.run(argv, cwd=cwd, env=venv_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed in {cwd}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc
