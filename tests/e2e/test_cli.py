"""The command line: `grader reference`, `release` and `rubric list` (fast, quiet), `--version`, and how a
run ends on Ctrl-C or an empty folder."""
import importlib.metadata
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from reference.hw3 import ex12_alexnet
from tests.support.paths import ROOT

pytestmark = pytest.mark.slow  # each test starts `grader` in a new interpreter


def grader(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.apps.cli", *args], cwd=ROOT, capture_output=True, text=True)


def test_version():
    out = grader("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"grader {importlib.metadata.version('grader')}"


def test_reference_prints_the_table_computed_by_reference():
    out = grader("reference", "hw3", "q12", "--json")
    assert out.returncode == 0, out.stderr
    table = json.loads(out.stdout)["q12"]["q12_table"]
    assert table == json.loads(json.dumps(ex12_alexnet.table()))
    row7 = next(r for r in table["rows"] if r[0] == 7)
    assert row7[-1] == 1327488 and row7[3] == 384


def test_unknown_question_and_assignment_are_configuration_errors():
    assert grader("reference", "hw3", "q99", "--json").returncode == 2
    out = grader("run", "submissions/hw3", "--assignment", "hw99")
    assert out.returncode == 2 and "no rubric for assignment 'hw99'" in out.stderr


def test_release_writes_a_template_with_one_answer_cell_per_automatic_answer(tmp_path):
    out = grader("release", "hw3", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    nb = nbformat.read(tmp_path / "hw3.ipynb", as_version=4)
    nbformat.validate(nb)
    answers = [c.metadata["grader"]["answer"] for c in nb.cells if "answer" in c.metadata.get("grader", {})]
    assert answers == ["q1_forward", "q1_gradients", "q1_sgd", "q1_adam", "q3_avg", "q3_max", "q4_flatten",
                       "q4_params", "q4_runs", "iris_model", "iris_backward", "q9_nodes", "q9_grad_norms", "q10_flatten",
                       "zero_model", "q11_filtered", "q11_matches", "q11_laplacian_2d", "q12_table", "separable_conv",
                       "rank1_conv", "conv_backward", "conv1d_grads"]
    manual = {c.metadata["grader"]["question"] for c in nb.cells if c.metadata.get("grader", {}).get("manual_answer")}
    assert {"q1b", "q2", "q5", "q15"} <= manual
    text = "\n".join(c.source for c in nb.cells)
    assert "تمارین یادگیری ژرف" in text and "Assumptions" in text and "w1, w2, w3" in text


def test_given_setup_cells_match_the_reference_defaults():
    """The numbers the template hands students are the ones the reference computes with."""
    import numpy as np

    from grader.checks import load_rubric
    from reference.hw3 import ex3_conv_pool, ex11_filters

    rubric = load_rubric(ROOT / "rubrics" / "hw3.yaml")
    ns: dict = {}
    exec(rubric.question("q3").setup, ns)
    assert np.allclose(ns["init_weight"], ex3_conv_pool.WEIGHT) and np.allclose(ns["init_bias"], ex3_conv_pool.BIAS)
    assert np.allclose(ns["data1"], ex3_conv_pool.DATA1) and np.allclose(ns["data2"], ex3_conv_pool.DATA2)
    exec(rubric.question("q11a").setup, ns)
    assert np.array_equal(ns["pic1"], ex11_filters.pic1()) and np.array_equal(ns["pic2"], ex11_filters.pic2())


HEAVY = ("tensorflow", "torch", "keras", "jax")


def heavy_imports(*argv: str) -> list[str]:
    """The deep-learning frameworks `grader ARGV` imported, run in a fresh interpreter."""
    code = ("import sys, contextlib, io\nfrom grader.apps.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    rc = main(sys.argv[1:])\n"
            f"print(rc, *[m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    rc, *loaded = out.stdout.split()
    assert rc == "0", out.stderr
    return loaded


def test_auxiliary_commands_import_no_deep_learning_framework(tmp_path):
    """`rubric list` and `release` read rubrics only; `reference` imports what its question's code needs."""
    assert heavy_imports("rubric", "list") == []
    assert heavy_imports("release", "hw3", "--out", str(tmp_path)) == []
    assert heavy_imports("reference", "hw3", "q1a", "--json") == []  # numpy arithmetic only
    assert "torch" in heavy_imports("reference", "hw3", "q4a", "--json")  # its answer is computed by a torch model


def test_one_questions_reference_answers_are_those_of_a_whole_run():
    """Function checks draw their inputs from one seeded generator in rubric order: one question alone
    draws what a whole run gives it (hw3 q14c comes after the function checks of q7b and q14a)."""
    from grader.engine.plan import GradingPlan

    rubric = ROOT / "rubrics" / "hw3.yaml"
    whole = GradingPlan.build(rubric, seed=11)
    alone = GradingPlan.load(rubric, seed=11)
    alone.prepare("q14c")
    assert not alone.prepared  # not a plan to grade with

    def trials(plan: GradingPlan) -> str:  # each call's inputs and expected value
        chosen = [c.trials for q, checks in plan.checks if q.id == "q14c" for c in checks]
        return json.dumps(chosen, default=lambda v: v.tolist(), sort_keys=True)

    assert all(len(calls) >= 2 for calls in json.loads(trials(whole)))  # inputs were drawn, several per check
    assert trials(alone) == trials(whole)
    assert all(not hasattr(c, "trials") for q, checks in alone.checks if q.id in ("q7b", "q14a") for c in checks)


def test_no_framework_start_up_lines_on_the_terminal():
    """hw4 q6a's reference builds Keras layers: TensorFlow is imported and run, and says nothing."""
    out = grader("reference", "hw4", "q6a", "--json")
    assert out.returncode == 0 and out.stderr == "", out.stderr
    assert "q6a" in json.loads(out.stdout)


def _processes_with(tmp: Path) -> list[str]:
    """Processes (any session) whose environment names this TMPDIR: what a run started and left."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and f"TMPDIR={tmp}\0".encode() in (proc / "environ").read_bytes():
                found.append(f"{proc.name}: {(proc / 'cmdline').read_bytes()[:120]!r}")
        except OSError:
            continue
    return found


@pytest.mark.e2e
@pytest.mark.parametrize(("whom", "when"), [("terminal", "grading"), ("grader alone", "grading"),
                                           ("terminal", "starting")])
def test_ctrl_c_leaves_one_line_and_nothing_behind(tmp_path, whom, when):
    """A terminal's Ctrl-C reaches the whole process group; `kill -INT` the grader alone; while a
    worker holds a student's files, or while the helpers start (the forkserver importing). Each way:
    exit 130, one line, no traceback, no student's files under TMPDIR, no process left."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "GRADER_UNSAFE_NO_SANDBOX": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "grader.apps.cli", "run", "submissions/hw3", "--out",
                             str(tmp_path / "out"), "--jobs", "2"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while when == "grading" and not any(p.name.startswith("grader-s") for p in tmp.iterdir()):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.2)  # until a worker has copied a student's files
        time.sleep(1 if when == "grading" else 3)
        if whom == "terminal":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert err.splitlines()[-1] == "grader: interrupted; run stopped (results written before stay)", err
    assert "Traceback" not in err and "Warning" not in err, err
    assert [p.name for p in tmp.iterdir() if p.name.startswith(("grader-", "pymp-"))] == []
    deadline = time.monotonic() + 10
    while _processes_with(tmp) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _processes_with(tmp) == []


@pytest.mark.e2e
def test_an_empty_submissions_folder_is_one_line_and_changes_nothing(tmp_path):
    (tmp_path / "hw3").mkdir()
    (tmp_path / "out" / "results").mkdir(parents=True)
    kept = tmp_path / "out" / "results" / "s01.json"
    kept.write_text("{}")
    out = grader("run", str(tmp_path / "hw3"), "--out", str(tmp_path / "out"), "--unsafe-no-sandbox")
    assert out.returncode == 2
    assert out.stderr == (f"grader: {tmp_path / 'hw3'} holds no submissions (a folder, .ipynb or .zip per student); "
                          "nothing was graded and nothing in the output folder changed\n")
    assert kept.read_text() == "{}" and sorted(p.name for p in (tmp_path / "out").rglob("*")) == ["results", "s01.json"]
