"""The model check end to end: four saved-model formats graded on tiny datasets in their real file
formats, pickled code refused, a wrong architecture named, a missing dataset stopping the run.
Attacks on the held-out data are in tests/kernel/test_model_isolation.py."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grader.checks.model import curve
from grader.models import datasets, evaluate, metrics
from tests.support.models import kit

ROOT = Path(__file__).resolve().parents[2]
JOBS = {"mnist": ("mnist", "state_dict", "arch.mnist_cnn", {"layout": "nchw", "scale": 255}),
        "cifar": ("cifar10", "state_dict", "arch.cifar_net", {"layout": "nchw", "scale": 255}),
        "iris_torch": ("iris", "state_dict", "arch.iris_mlp", {"layout": "table", "standardize": True}),
        "iris_keras": ("iris", "keras", "arch.iris_keras", {"layout": "table", "standardize": True})}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("modelcourse")
    paths = kit.write_assignment(root)
    sys.path.insert(0, str(paths["pkgs"]))

    def metrics_of(name: str, model_file: Path) -> dict:
        dataset, fmt, arch, spec = JOBS[name]
        job = {"format": fmt, "dataset": dataset, "split": "test", "input": spec, "model_path": str(model_file),
               "architecture": f"modeltest_ref.{arch}", "data_root": str(paths["data"])}
        return evaluate.evaluate(job)["metrics"]

    kit.write_records(paths["package"], metrics_of)
    subs = root / "submissions" / "modeltest"
    kit.notebook(subs / "good" / "answers.ipynb", kit.student_cells())
    kit.notebook(subs / "untrained" / "answers.ipynb", kit.student_cells(trained=False))
    kit.notebook(subs / "pickler" / "answers.ipynb", kit.student_cells(iris_pickled=True, keras_lambda=True,
                                                                        wrong_mnist=True, report=0.99))
    kit.notebook(subs / "nothing" / "answers.ipynb", ["x = 1"])
    yield {**paths, "submissions": subs, "root": root}
    sys.path.remove(str(paths["pkgs"]))


def _run(course, *extra: str, data: Path | None = None) -> subprocess.CompletedProcess:
    env = {**__import__("os").environ, "GRADER_RUBRICS": str(course["rubrics"]),
           "PYTHONPATH": f"{course['pkgs']}:{ROOT}", "GRADER_DATA": str(data or course["data"])}
    return subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", str(course["submissions"]),
                           "--out", str(course["root"] / "out"), *extra], cwd=course["root"], env=env,
                          capture_output=True, text=True, timeout=1500)


@pytest.fixture(scope="module")
def graded(course):
    proc = _run(course)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = course["root"] / "out" / "results"
    return {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}


def _answer(result: dict, qid: str) -> dict:
    question = next(q for q in result["questions"] if q["id"] == qid)
    return question["answers"][0] | {"points": question["points"]}


@pytest.mark.slow
def test_reference_records_reach_the_easy_tasks(course):
    for name in JOBS:
        record = json.loads((course["package"] / "records" / f"{name}.json").read_text())
        assert record["metrics"]["accuracy"] >= 0.9, (name, record)
        assert record["parameters"] > 0 and record["seconds"] >= 0


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_trained_models_in_every_format_get_full_marks(graded):
    good = graded["good"]
    assert good["total"] == 40, [(q["id"], q["points"], q["answers"][0].get("error")) for q in good["questions"]]
    mnist = _answer(good, "q1")
    assert {d["label"] for d in mnist["details"]} >= {"parameters", "loss"}
    assert any(d["label"].startswith("reported accuracy") and d["ok"] for d in mnist["details"])


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_untrained_models_get_the_architecture_share_only(graded):
    for qid in ("q1", "q2", "q3", "q4"):
        answer = _answer(graded["untrained"], qid)
        measured = float(answer["found"].split("=")[1])
        assert measured < 0.7, (qid, answer["found"])
        expected = 2 + 8 * curve(measured, float(answer["expected"].split(">=")[1]), 0.34 if qid in ("q3", "q4") else 0.1)
        assert answer["points"] == pytest.approx(expected, abs=0.01), (qid, answer)


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_pickled_code_and_lambdas_are_refused_and_a_wrong_architecture_is_named(graded):
    result = graded["pickler"]
    iris = _answer(result, "q4")
    assert iris["points"] == 0 and iris["status"] == "failed" and "pickled" in iris["feedback"]["en"]
    keras_lambda = _answer(result, "q3")
    assert keras_lambda["points"] == 0 and "safe mode" in keras_lambda["error"]
    mnist = _answer(result, "q1")
    assert mnist["points"] == 0 and "architecture" in mnist["feedback"]["en"]
    assert "0.weight: [6, 1, 3, 3] instead of [4, 1, 3, 3]" in mnist["error"]
    assert _answer(result, "q2")["points"] == 10  # its TorchScript model was fine


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_a_missing_model_file_is_reported_as_not_saved(graded):
    answer = _answer(graded["nothing"], "q1")
    assert answer["status"] == "missing" and "did not save the model file mnist.safetensors" in answer["feedback"]["en"]


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_a_reported_metric_far_from_the_evaluation_is_flagged_not_scored(course, tmp_path):
    kit.notebook(tmp_path / "modeltest" / "liar" / "answers.ipynb", kit.student_cells(report=0.2)[:2])
    env_course = {**course, "submissions": tmp_path / "modeltest", "root": tmp_path}
    proc = _run(env_course)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads((tmp_path / "out" / "results" / "liar.json").read_text())
    answer = _answer(result, "q1")
    assert answer["points"] == 10 and "may not be the one reported" in answer["feedback"]["en"]


@pytest.mark.slow
def test_a_missing_dataset_stops_the_run_before_grading(course, tmp_path):
    proc = _run(course, data=tmp_path / "empty")
    assert proc.returncode == 2
    assert "t10k-images-idx3-ubyte" in proc.stderr and "GRADER_DATA" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_metrics_agree_with_scikit_learn():
    from sklearn.metrics import confusion_matrix, log_loss, precision_recall_fscore_support

    rng = np.random.default_rng(0)
    logits, labels = rng.normal(size=(200, 4)), rng.integers(0, 4, 200)
    m = metrics.classification(logits, labels, 4)
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    p, r, f, _ = precision_recall_fscore_support(labels, logits.argmax(1), zero_division=0)
    assert np.allclose(m["precision"], p) and np.allclose(m["recall"], r) and np.allclose(m["f1"], f)
    assert m["confusion"] == confusion_matrix(labels, logits.argmax(1)).tolist()
    assert m["loss"] == pytest.approx(log_loss(labels, probs))
    one_unit = metrics.classification(np.array([2.0, -1.0, 0.5, -3.0]), np.array([1, 0, 0, 0]), 2)
    assert one_unit["accuracy"] == 0.75 and one_unit["confusion"] == [[2, 1], [0, 1]]


def test_dataset_files_round_trip_and_a_crafted_cifar_pickle_is_refused(tmp_path):
    x = np.random.default_rng(0).integers(0, 255, (12, 32, 32, 3), dtype=np.uint8)
    datasets.write_cifar10(tmp_path, "train", x, np.arange(12) % 10)
    split = datasets.load("cifar10", "train", tmp_path)
    assert (split.x == x).all() and split.y.tolist() == (np.arange(12) % 10).tolist()
    images = np.zeros((3, 28, 28), np.uint8)
    datasets.write_mnist(tmp_path, "test", images, [7, 1, 2])
    assert datasets.load("mnist", "test", tmp_path).y.tolist() == [7, 1, 2]
    import pickle

    class Boom:
        def __reduce__(self):
            return (print, ("pwned",))
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(pickle.dumps({b"data": Boom()}))
    with pytest.raises(pickle.UnpicklingError, match="refused builtins.print"):
        datasets.load("cifar10", "test", tmp_path)


def test_the_score_curve():
    assert curve(0.9, 0.8, 0.1) == 1.0
    assert curve(0.45, 0.8, 0.1) == pytest.approx(0.5)
    assert curve(0.05, 0.8, 0.1) == 0.0


@pytest.mark.sandbox
@pytest.mark.skipif(__import__("grader.kernel.sandbox", fromlist=["x"]).unavailable_reason() is not None,
                    reason="needs the sandbox")
def test_kernels_see_the_training_files_read_only_and_no_held_out_file(tmp_path):
    import nbformat

    from grader.kernel.execute import execute
    from grader.kernel.probe import Request
    from grader.rubric.schema import Limits

    x, y = kit._bars(20, (28, 28), seed=3)
    datasets.write_mnist(tmp_path / "data", "train", x, y)
    datasets.write_mnist(tmp_path / "data", "test", x[:5], y[:5])
    binds, env = datasets.kernel_view(tmp_path / "data", datasets.expected_files("mnist", "test"), sandboxed=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import os\nd = os.path.join(os.environ['GRADER_DATA'], 'mnist')\n"
        "sizes = {f: os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)}\n"
        "try:\n    open(os.path.join(d, 'new'), 'w'); writable = True\nexcept OSError:\n    writable = False")]
    (tmp_path / "work").mkdir()
    run = execute(nb, tmp_path / "work", [Request("sizes", "sizes"), Request("writable", "writable")],
                  limits=Limits(cell_timeout_s=60), use_sandbox=True, env=env, ro_binds=binds)
    # the held-out split (t10k-*) does not exist for the kernel
    assert run.replies["sizes"].value == {"train-images-idx3-ubyte": 16 + 20 * 28 * 28,
                                          "train-labels-idx1-ubyte": 8 + 20}
    assert run.replies["writable"].value is False


def test_the_data_folder_comes_from_grader_data_or_grader_yaml(tmp_path, monkeypatch):
    monkeypatch.delenv("GRADER_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    assert datasets.data_root() is None
    (tmp_path / "grader.yaml").write_text("data_dir: sets\n")
    assert datasets.data_root() == tmp_path / "sets"
    monkeypatch.setenv("GRADER_DATA", str(tmp_path / "elsewhere"))
    assert datasets.data_root() == tmp_path / "elsewhere"


@pytest.mark.slow
def test_a_corrupt_model_file_is_that_students_error_not_a_crash():
    from grader.models.runner import Runtime, evaluate_model
    from grader.rubric.schema import Limits

    job = {"format": "state_dict", "dataset": "iris", "split": "test", "input": {"layout": "table"},
           "architecture": "reference.hw3.ex7_iris.model"}
    result = evaluate_model(job, b"\x00garbage" * 100, ".safetensors", Runtime(Limits(), use_sandbox=False), None)
    assert result["status"] == "error" and "SafetensorError" in result["error"]
