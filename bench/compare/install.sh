#!/usr/bin/env bash
# Make bench/.venv-compare holding nbgrader and Otter-Grader, pinned, apart from grader's own packages.
# The venv sees the system's packages (--system-site-packages) so student kernels there can import
# the same numpy, torch and TensorFlow as grader's kernels; whatever the tools install goes into the
# venv and shadows, never replaces, grader's environment.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/../.venv-compare"
python3 -m venv --system-site-packages "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet nbgrader==0.9.6 otter-grader==7.0.0
"$venv/bin/python" -m ipykernel install --prefix "$venv" --name python3 >/dev/null
"$venv/bin/python" -c "import nbgrader, otter; print('nbgrader', nbgrader.__version__, '| otter-grader', otter.__version__)"
