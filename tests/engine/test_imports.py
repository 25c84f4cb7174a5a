"""What the warm-kernel factory preloads: the heavy modules the notebooks import, read from the
students' hostile text before any kernel starts."""
import json
import os
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.engine.imports import notebook_imports, preload_for, source_imports
from grader.engine.plan import GradingPlan
from grader.intake import discover
from tests.support.paths import ROOT


def _notebook(*sources: str) -> bytes:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    return nbformat.writes(nb).encode()


def test_every_form_of_import_is_seen():
    assert source_imports("import numpy as np, torch.nn\nfrom tensorflow import keras\n"
                          "m = __import__('pandas')\nimport importlib\nimportlib.import_module('scipy.linalg')\n"
                          "from . import local\nif True:\n    import sklearn\n") == {
        "numpy", "torch", "tensorflow", "pandas", "importlib", "scipy", "sklearn"}


def test_a_cell_that_does_not_parse_is_read_line_by_line():
    """Magics, shell lines and syntax errors stop `ast` on the whole cell, not on its import lines."""
    cell = "%pip install torch\n!ls /\nimport torch\nfrom tensorflow import keras\ndef broken(:\n    import numpy\n"
    assert source_imports(cell) == {"torch", "tensorflow", "numpy"}
    assert source_imports("%%bash\nimport torch") == {"torch"}  # a shell cell naming it still counts: a wasted preload at worst
    assert source_imports("x = 1\0\nimport torch") == {"torch"}  # a NUL byte
    assert source_imports("import (torch\nimport numpy") == {"numpy"}
    assert source_imports("%time\nimport " + "a." * 600 + "b") == set()  # a line too long is not parsed


def test_hostile_notebooks_cost_little_and_break_nothing():
    deep = "(" * 100_000 + ")" * 100_000
    huge = "x = 1\n" * 200_000 + "import torch\n"  # over the cell parsed whole: read line by line
    start = time.monotonic()
    assert notebook_imports(_notebook(deep, huge, "import numpy")) == {"torch", "numpy"}
    assert time.monotonic() - start < 5
    for raw in (b"", b"not json", os.urandom(2048), b"[1, 2]", b'{"cells": 7}', b'{"cells": [7, "x", null]}',
                json.dumps({"cells": [{"cell_type": "code", "source": ["import ", 7, "torch"]}]}).encode(),
                json.dumps({"cells": [{"cell_type": "markdown", "source": "import torch"}]}).encode(),
                b"[" * 100_000):
        assert notebook_imports(raw) <= {"torch"}
    assert notebook_imports(json.dumps({"cells": [{"cell_type": "markdown", "source": "import torch"}]}).encode()) == set()
    assert notebook_imports(_notebook("import keras")) == {"keras", "tensorflow"}  # Keras 3 imports its backend


def _class(root: Path, notebooks: dict[str, bytes]) -> list:
    for name, raw in notebooks.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".zip"):
            with zipfile.ZipFile(path, "w") as z:
                z.writestr("inner/hw.ipynb", raw)
        else:
            path.write_bytes(raw)
    return discover(root)


def test_only_the_candidates_some_submission_imports_are_preloaded(tmp_path):
    subs = _class(tmp_path / "class", {"s1/hw.ipynb": _notebook("import numpy as np"),
                                       "s2.ipynb": _notebook("import os"),
                                       "s3.zip": _notebook("%pip install x\nimport torch")})
    assert preload_for(["numpy", "torch", "tensorflow.keras"], subs) == ("numpy", "torch")
    assert preload_for(["tensorflow.keras", "numpy"], subs[:1]) == ("numpy",)
    assert preload_for(["numpy"], []) == ()


def test_unreadable_hand_ins_are_left_out(tmp_path):
    root = tmp_path / "class"
    subs_dir = root / "s1"
    subs_dir.mkdir(parents=True)
    (tmp_path / "outside.ipynb").write_bytes(_notebook("import torch"))
    (subs_dir / "linked.ipynb").symlink_to(tmp_path / "outside.ipynb")  # never followed
    os.mkfifo(subs_dir / "fifo.ipynb")  # never opened: it would wait for a writer
    (root / "s2.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (root / "s3").mkdir()
    (root / "s3" / ".ipynb_checkpoints").mkdir()
    (root / "s3" / ".ipynb_checkpoints" / "hw-checkpoint.ipynb").write_bytes(_notebook("import torch"))
    assert preload_for(["torch"], discover(root)) == ()


def test_a_plan_fits_its_kernels_to_the_notebooks(tmp_path):
    """hw4's rubric lists numpy and TensorFlow: a numpy class preloads numpy; torch, though not
    listed, is one of the heavy modules preloaded for a class that imports it."""
    plan = GradingPlan.load(ROOT / "rubrics" / "hw4.yaml")
    assert plan.kernel == plan.rubric.kernel
    subs = _class(tmp_path / "class", {"s1/cmp.ipynb": _notebook("import numpy as np")})
    plan.fit_kernels(subs)
    assert (plan.kernel.preload, plan.kernel.warm) == (["numpy"], True)
    plan.fit_kernels(subs, warm=False)
    assert (plan.kernel.preload, plan.kernel.warm) == (["numpy"], False)
    assert plan.rubric.kernel.preload == ["numpy", "tensorflow"]  # the rubric itself is unchanged
    subs = _class(tmp_path / "other", {"s1/cmp.ipynb": _notebook("from torch import nn")})
    plan.fit_kernels(subs)
    assert plan.kernel.preload == ["torch"]


@pytest.mark.parametrize("magic", ["%matplotlib inline", "!pip install torch", "%%time"])
def test_a_magic_first_line_hides_no_import(magic):
    assert "numpy" in source_imports(f"{magic}\nimport numpy as np")
