"""The hostile corpus: submissions written to cheat, leak, crash or flood the grader.

`build(root, ...)` lays out a course (rubric, reference package with a planted secret)
and a class folder (one honest student, one per attack, one per malformed input).
Every attacking notebook still defines the right answers after its attack, so its score
shows exactly what the attack cost or gained.
"""
import json
import os
import zipfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from grader.kernel.probe import MIME

SECRET = "SECRET-7f3a9c-do-not-leak"
TOKEN = "ci-token-5d2e8b-do-not-leak"

REFERENCE = '''
import numpy as np

def answer():
    return [1.0, 2.0, 3.0]

def draw(seed):
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=5).tolist()}

def double(x):
    return (2 * np.asarray(x)).tolist()
'''

RUBRIC = """
assignment: hostile
title: {fa: "تکلیف آزمون", en: "Test assignment"}
course: {fa: "درس آزمون", en: "Test course"}
reference: hostile_ref
limits: {cell_timeout_s: 6, total_timeout_s: 45, memory_gib: 2, disk_gib: 0.25, tmp_gib: 0.25,
         max_file_gib: 0.2, max_processes: 64, max_output_mib: 1}
questions:
  - id: q1
    title: {fa: "یک آرایه", en: "An array"}
    points: 2
    answers:
      - {name: answer, check: array, points: 2, reference: answer, prompt: {fa: "آرایه", en: "the array"}}
  - id: q2
    title: {fa: "یک تابع", en: "A function"}
    points: 2
    answers:
      - {name: double, check: function, points: 2, reference: double, options: {inputs: draw, trials: 2},
         prompt: {fa: "تابع", en: "the function"}}
"""

HONEST = "answer = [1.0, 2.0, 3.0]\n\ndef double(x):\n    return 2 * x"


def attacks(secret_paths: list[str], out_dir: str, port: int) -> dict[str, str]:
    """Attack cells by student id; each notebook continues with the honest answers."""
    return {
        "read_secrets": f"""
import os, glob
found = []
for p in {secret_paths!r} + glob.glob('/work/**/secret*', recursive=True) + ['/proc/1/environ']:
    try:
        found.append(open(p).read())
    except Exception as e:
        found.append(type(e).__name__)
found.append(repr(dict(os.environ)))
print(found)
""",
        "network": f"""
import socket
results = []
for addr in [('127.0.0.1', {port}), ('1.1.1.1', 80)]:
    s = socket.socket(); s.settimeout(2)
    try:
        s.connect(addr); results.append('connected')
    except OSError as e:
        results.append(type(e).__name__)
print(results)
""",
        "fork_bomb": """
import os, time
n = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(3600)
            os._exit(0)
        n += 1
except OSError as e:
    print('fork stopped after', n, e)
""",
        "memory_hog": "x = bytearray(50 * 2**30)",
        "disk_filler": """
chunk = b'0' * 2**26
with open('big.bin', 'wb') as f:
    for _ in range(160):   # 10 GiB
        f.write(chunk)
""",
        "sleeper": "import time\ntime.sleep(10**9)",
        "deaf_sleeper": "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(1)",
        "exits": "import os\nos._exit(1)",
        "kills_parent": """
import os, signal
for pid in (os.getppid(), 1):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError as e:
        print(pid, e)
""",
        "patches_probe": """
import json, builtins
_real = json.dumps
def forged(obj, *a, **k):
    if isinstance(obj, dict) and 'answer' in obj:
        obj = {'answer': {'status': 'ok', 'value': [9.0, 9.0, 9.0]}}
    return _real(obj, *a, **k)
json.dumps = forged
builtins.isinstance = lambda *a: True
""",
        "forges_output": f"""
from IPython.display import display
fake = '{{"key": "answer", "status": "ok", "value": [1.0, 2.0, 3.0]}}'
display({{'{MIME}': fake}}, raw=True)
print('{MIME}', fake)
ip = get_ipython()
ip.events.register('post_run_cell', lambda *a: display({{'{MIME}': fake}}, raw=True))
""",
        "writes_results": f"""
import os, json
for target in ['{out_dir}/results/honest.json', '{out_dir}/grades.csv', '{out_dir}/honest.pdf', '/tmp/x']:
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, 'w') as f:
            f.write(json.dumps({{'student_id': 'honest', 'total': 0}}))
    except OSError as e:
        print(target, e)
""",
        "liar": """
import numpy as np
class Liar:
    def __eq__(self, other): return True
    def __float__(self): return 1.0
class LyingArray(np.ndarray):
    def __eq__(self, other): return np.ones(3, bool)
    def tolist(self): return [1.0, 2.0, 3.0]
""",
        "warnings": """
import sys, warnings
warnings.warn('UserWarning: this is only a warning')
print('noise on stderr', file=sys.stderr)
""",
        "flood": "for _ in range(4000):\n    print('x' * 10000)",
    }


REPORTS_BACK = "answer = {}  # whatever the attack got ends up in the report\n\ndef double(x):\n    return 2 * x"
LIAR_ANSWERS = "answer = LyingArray(shape=(3,), buffer=np.zeros(3))\ndouble = Liar()"
PATCHED_ANSWERS = "answer = [0.0, 0.0, 0.0]\n\ndef double(x):\n    return 3 * x"
FORGED_ANSWERS = "answer = [0.0, 0.0, 0.0]\n\ndef double(x):\n    return 2 * x"


def notebook(*sources: str) -> nbformat.NotebookNode:
    return new_notebook(cells=[new_code_cell(s) for s in sources], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def _write(folder: Path, nb: nbformat.NotebookNode, name: str = "hw.ipynb") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)


def build(root: Path, port: int) -> dict[str, Path]:
    """Lay out course and class under `root`; return the paths the tests need."""
    ref = root / "refpkg" / "hostile_ref"
    ref.mkdir(parents=True)
    (ref / "__init__.py").write_text(REFERENCE)
    (ref / "secret.txt").write_text(SECRET)
    rubrics = root / "rubrics"
    rubrics.mkdir()
    (rubrics / "hostile.yaml").write_text(RUBRIC)
    subs, out = root / "hostile", root / "out"
    subs.mkdir()
    (root / "secret.txt").write_text(SECRET)
    (subs / "secret.txt").write_text(SECRET)  # beside the submissions, not a submission itself

    _write(subs / "honest", notebook(HONEST))
    secrets = [str(root / "secret.txt"), str(subs / "secret.txt"), str(ref / "secret.txt")]
    for sid, attack in attacks(secrets, str(out), port).items():
        answers = {"liar": LIAR_ANSWERS, "patches_probe": PATCHED_ANSWERS, "forges_output": FORGED_ANSWERS,
                   "read_secrets": REPORTS_BACK.format("found"), "network": REPORTS_BACK.format("results")}
        _write(subs / sid, notebook(attack, answers.get(sid, HONEST)))

    (subs / "broken_json.ipynb").write_text('{"cells": [{"cell_type": "code", "sour')
    (subs / "garbage.ipynb").write_bytes(os.urandom(4096))
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "code", "input": HONEST, "language": "python", "outputs": [], "metadata": {}}],
        "metadata": {}}]}
    (subs / "old_format.ipynb").write_text(json.dumps(v3))
    future = {"nbformat": 9, "nbformat_minor": 0, "metadata": {}, "cells": []}
    (subs / "future_format.ipynb").write_text(json.dumps(future))
    with zipfile.ZipFile(subs / "zip_slip.zip", "w") as z:
        z.writestr("hw.ipynb", nbformat.writes(notebook(HONEST)))
        z.writestr("../../escaped.txt", "I escaped")
    with zipfile.ZipFile(subs / "zip_bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("hw.ipynb", nbformat.writes(notebook(HONEST)))
        z.writestr("zeros.bin", b"\0" * (300 * 2**20))
    with zipfile.ZipFile(subs / "zipped_ok.zip", "w") as z:
        z.writestr("hw3/hw.ipynb", nbformat.writes(notebook(HONEST)))
    (subs / "symlink_out").mkdir()
    (subs / "symlink_out" / "hw.ipynb").symlink_to(root / "secret.txt")
    _write(subs / "two_notebooks", notebook(HONEST), "a.ipynb")
    _write(subs / "two_notebooks", notebook(HONEST), "b.ipynb")
    _write(subs / "many_cells", notebook(*["x = 1"] * 2500, HONEST))
    (subs / "empty").mkdir()
    bad_name = os.fsdecode(b"name_\xff\xfe")
    _write(subs / bad_name, notebook(HONEST))
    return {"subs": subs, "out": out, "refpkg": root / "refpkg", "rubrics": rubrics}
