"""Saved models never reach the held-out data, and kernels see only the training files.

The payloads (tests/models/attacks.py) are TorchScript models that read the MNIST test labels and
return them one-hot: each scores perfectly where the label file exists (shown here, on the
grader's side). Graded, those whose graphs read or write a file are refused by the operator
allow-list with the operator named in the report, and the one that reads in `__setstate__` (run by
torch.jit.load before any graph can be looked at) finds no file: the model process has no data
folder. Kernels get the rubric's datasets' training files, bound one by one, and nothing else.
"""
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader.kernel import sandbox
from grader.models import datasets, loading, serve
from tests.support.models import attacks, kit

ROOT = Path(__file__).resolve().parents[2]
LABELS = "mnist/t10k-labels-idx1-ubyte"
TEST_N = 200
needs_sandbox = pytest.mark.skipif(sandbox.unavailable_reason() is not None, reason="needs the sandbox")

RUBRIC = """
assignment: isolation
title: {fa: جداسازی مدل‌ها, en: Model isolation}
course: {fa: شبکه عصبی, en: Neural networks}
reference: isolation_ref
limits: {cell_timeout_s: 120, total_timeout_s: 300}
questions:
  - id: q1
    title: {fa: ارقام با TorchScript, en: Digits as TorchScript}
    points: 10
    answers:
      - name: digits
        check: model
        points: 10
        prompt: {fa: مدل را با TorchScript ذخیره کنید., en: Save the model with TorchScript.}
        options: {file: digits.pt, format: torchscript, dataset: mnist, metric: f1_macro, record: records/digits.json,
                  input: {layout: nchw, scale: 255}, margin: 0.05, floor: 0.1}
  - id: q2
    title: {fa: CIFAR, en: CIFAR}
    points: 10
    answers:
      - name: cifar
        check: model
        points: 10
        prompt: {fa: مدل را ذخیره کنید., en: Save the model.}
        options: {file: cifar.pt, format: torchscript, dataset: cifar10, record: records/cifar.json,
                  input: {layout: nchw, scale: 255}}
"""

NO_DATA_RUBRIC = """
assignment: nodata
title: {fa: بی‌داده, en: No data}
course: {fa: شبکه عصبی, en: Neural networks}
reference: isolation_ref
questions:
  - id: q1
    title: {fa: عدد, en: A number}
    points: 1
    answers:
      - name: answer
        check: numeric
        points: 1
        prompt: {fa: پ, en: p}
        reference: value
"""

HONEST = """
import os, numpy as np, torch
from torch import nn

def read_idx(path):
    data = open(path, "rb").read()
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * data[3]).reshape(shape)

root = os.path.join(os.environ["GRADER_DATA"], "mnist")
x = torch.tensor(read_idx(os.path.join(root, "train-images-idx3-ubyte")) / 255.0, dtype=torch.float32)[:, None]
y = torch.tensor(read_idx(os.path.join(root, "train-labels-idx1-ubyte")), dtype=torch.long)
torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(), nn.Linear(4 * 7 * 7, 10))
opt = torch.optim.Adam(model.parameters(), lr=0.05)
for _ in range(150):
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
torch.jit.script(model.eval()).save("digits.pt")
"""

LISTING = """
import hashlib, os
grader_data = os.environ.get("GRADER_DATA")
files = sorted(os.path.relpath(os.path.join(d, f), "/data") for d, _, fs in os.walk("/data") for f in fs)
data_exists = os.path.exists("/data")
host_exists = os.path.exists(HOST)
digest = hashlib.sha256(open("/data/mnist/train-labels-idx1-ubyte", "rb").read()).hexdigest() if files else None
try:
    open("/data/mnist/new", "w")
    writable = True
except OSError:
    writable = False
"""


def _data(folder: Path) -> None:
    """MNIST and CIFAR-10 in their real layouts, plus what a data folder also holds: copies of the
    test labels under other names, CIFAR-10's readme, a file of the course's own."""
    datasets.write_mnist(folder, "train", *kit._bars(300, (28, 28), seed=11))
    datasets.write_mnist(folder, "test", *kit._bars(TEST_N, (28, 28), seed=1))
    datasets.write_cifar10(folder, "train", *kit._bars(50, (32, 32, 3), seed=12))
    datasets.write_cifar10(folder, "test", *kit._bars(20, (32, 32, 3), seed=2))
    cifar = folder / "cifar-10-batches-py"
    (cifar / "batches.meta").write_bytes(pickle.dumps({b"label_names": [b"a"] * 10}, protocol=2))
    (cifar / "readme.html").write_text("<p>CIFAR-10</p>")
    labels = (folder / LABELS).read_bytes()
    (folder / "MNIST" / "raw").mkdir(parents=True)
    (folder / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").write_bytes(labels)
    (folder / "notes").mkdir()
    (folder / "notes" / "answers.csv").write_text("label\n" + "\n".join(str(b) for b in labels[8:]))
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("isolation")
    _data(root / "data")
    pkg = root / "pkgs" / "isolation_ref"
    (pkg / "records").mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""References of the isolation tests."""\n\ndef value():\n    return 1\n')
    record = {"metrics": {"accuracy": 0.9, "f1_macro": 0.9}, "parameters": 0}
    for name in ("digits", "cifar"):
        (pkg / "records" / f"{name}.json").write_text(json.dumps(record))
    (root / "rubrics").mkdir()
    (root / "rubrics" / "isolation.yaml").write_text(RUBRIC)
    (root / "rubrics" / "nodata.yaml").write_text(NO_DATA_RUBRIC)
    host_labels = str(root / "data" / LABELS)
    subs = root / "submissions" / "isolation"
    kit.notebook(subs / "honest" / "answers.ipynb", [HONEST])
    payloads = {"lookup": attacks.LabelLookup(host_labels, TEST_N),
                "submodule": attacks.HiddenInSubmodule(host_labels, TEST_N),
                "saver": attacks.SavesInputs(),
                "on_load_host": attacks.ReadsOnLoad(host_labels, TEST_N),
                "on_load_data": attacks.ReadsOnLoad(f"/data/{LABELS}", TEST_N)}
    for name, model in payloads.items():
        kit.notebook(subs / name / "answers.ipynb", ["x = 1"])  # a blank notebook beside the saved model
        attacks.save(model, subs / name / "digits.pt")
    sys.path.insert(0, str(root / "pkgs"))
    yield {"root": root, "data": root / "data", "rubrics": root / "rubrics", "pkgs": root / "pkgs",
           "submissions": subs, "host_labels": host_labels}
    sys.path.remove(str(root / "pkgs"))


@pytest.fixture(scope="module")
def graded(course):
    env = {**os.environ, "GRADER_RUBRICS": str(course["rubrics"]), "PYTHONPATH": f"{course['pkgs']}:{ROOT}",
           "GRADER_DATA": str(course["data"])}
    proc = subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", str(course["submissions"]),
                           "--out", str(course["root"] / "out")], cwd=course["root"], env=env,
                          capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = course["root"] / "out" / "results"
    return {p.stem: json.loads(p.read_text()) for p in results.glob("*.json")}


def _q1(result: dict) -> dict:
    question = next(q for q in result["questions"] if q["id"] == "q1")
    return question["answers"][0] | {"points": question["points"]}


def test_the_payloads_score_perfectly_where_the_labels_file_exists(course):
    import torch

    labels = datasets.load("mnist", "test", course["data"]).y
    for name in ("lookup", "submodule", "on_load_host"):
        model = torch.jit.load(str(course["submissions"] / name / "digits.pt"))
        out = torch.cat([model(torch.zeros(n, 1, 28, 28)) for n in (128, TEST_N - 128)])
        assert (out.argmax(1).numpy() == labels).all(), name


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_torchscript_that_reads_or_writes_files_is_refused_naming_the_operator(graded):
    for name, op in (("lookup", "aten::from_file"), ("submodule", "aten::from_file"), ("saver", "aten::save")):
        answer = _q1(graded[name])
        assert answer["points"] == 0 and answer["status"] == "failed", (name, answer)
        assert op in answer["feedback"]["en"] and op in answer["feedback"]["fa"] and op in answer["error"], answer
        assert "operators" in answer["feedback"]["en"]


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_code_that_runs_when_the_model_loads_finds_no_data(graded, course):
    for name, path in (("on_load_host", course["host_labels"]), ("on_load_data", f"/data/{LABELS}")):
        answer = _q1(graded[name])
        assert answer["points"] == 0 and answer["status"] == "failed", (name, answer)
        assert f"unable to open file <{path}> in read-only mode: No such file or directory" in answer["error"], answer


@pytest.mark.e2e
@pytest.mark.sandbox
@pytest.mark.slow
def test_an_honest_torchscript_model_trained_on_the_kernels_training_files_gets_full_marks(graded):
    answer = _q1(graded["honest"])
    assert answer["points"] == 10, answer
    assert answer["found"] == "f1_macro = 1.0000"


def _in_model_process(probe: str, args: list[str], data_root: Path) -> str:
    """What `probe` (Python) prints when run as the model process, beside a model file model.pt."""
    from grader.models.runner import Runtime, model_process_command
    from grader.rubric.schema import Limits

    with tempfile.TemporaryDirectory(dir="/tmp") as box, tempfile.TemporaryDirectory(dir="/tmp") as io:
        (Path(box) / "model.pt").write_bytes(b"weights")
        argv, env, uid = model_process_command([sys.executable, "-c", probe, *args], Path(box), Path(io),
                                               Runtime(Limits()), {"grader"}, data_root)
        try:
            out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        finally:
            sandbox.kill_all(uid)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.sandbox
@needs_sandbox
def test_the_model_process_has_no_data_folder(course):
    paths = [course["host_labels"], str(course["data"]), "/data", f"{sandbox.WORK}/model.pt"]
    probe = "import json, os, sys; print(json.dumps([os.path.exists(p) for p in sys.argv[1:]]))"
    assert json.loads(_in_model_process(probe, paths, course["data"])) == [False, False, False, True]


@pytest.mark.sandbox
@needs_sandbox
def test_a_data_folder_inside_the_system_folders_is_covered_in_the_model_process():
    assert os.listdir("/usr/share")
    probe = "import os; print(os.listdir('/usr/share'))"
    assert _in_model_process(probe, [], Path("/usr/share")).strip() == "[]"


@pytest.mark.sandbox
@needs_sandbox
def test_outputs_past_the_classes_are_refused_before_the_grader_reads_them(course):
    import io

    import torch

    from grader.models.runner import Runtime, evaluate_model
    from grader.rubric.schema import Limits

    buffer = io.BytesIO()
    torch.jit.save(torch.jit.script(torch.nn.Sequential(torch.nn.Flatten())), buffer)  # 784 values per image
    job = {"format": "torchscript", "dataset": "mnist", "split": "test", "input": {"layout": "nchw", "scale": 255}}
    result = evaluate_model(job, buffer.getvalue(), ".pt", Runtime(Limits()), course["data"])
    assert result["status"] == "crashed"
    sent = f"the model process sent an array of {TEST_N * 784} values (at most {TEST_N * 10})"
    assert result["error"].startswith(sent)


def _kernel_sees(course, monkeypatch, rubric: str) -> tuple[tuple, dict]:
    from grader.engine.plan import GradingPlan
    from grader.engine.worker import kernel_setup
    from grader.kernel.execute import execute
    from grader.kernel.probe import Request
    from grader.rubric.schema import Limits

    monkeypatch.setenv("GRADER_DATA", str(course["data"]))
    setup = kernel_setup(GradingPlan.load(course["rubrics"] / rubric), {}, use_sandbox=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(LISTING.replace("HOST", repr(course["host_labels"])))]
    names = ("grader_data", "files", "data_exists", "host_exists", "digest", "writable")
    with tempfile.TemporaryDirectory() as work:
        run = execute(nb, Path(work), [Request(n, n) for n in names], limits=Limits(cell_timeout_s=60),
                      use_sandbox=True, env=setup.env, ro_binds=setup.ro_binds)
    return setup.ro_binds, {n: run.replies[n].value for n in names}


@pytest.mark.sandbox
@needs_sandbox
def test_kernels_see_only_the_training_files_of_the_rubrics_datasets(course, monkeypatch):
    binds, seen = _kernel_sees(course, monkeypatch, "isolation.yaml")
    cifar = [f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)] + ["cifar-10-batches-py/batches.meta"]
    assert seen["files"] == sorted(cifar + ["mnist/train-images-idx3-ubyte", "mnist/train-labels-idx1-ubyte"])
    assert all(outside != str(course["data"]) and Path(outside).is_file() for outside, _ in binds)
    train_labels = (course["data"] / "mnist" / "train-labels-idx1-ubyte").read_bytes()
    assert seen["digest"] == hashlib.sha256(train_labels).hexdigest()
    assert seen["grader_data"] == "/data" and seen["writable"] is False and seen["host_exists"] is False


@pytest.mark.sandbox
@needs_sandbox
def test_a_rubric_without_datasets_shows_no_data_at_all(course, monkeypatch):
    binds, seen = _kernel_sees(course, monkeypatch, "nodata.yaml")
    assert binds == ()
    assert seen["grader_data"] is None and seen["data_exists"] is False and seen["files"] == []
    assert seen["host_exists"] is False


def test_kernel_files_follow_the_evaluated_split(course):
    data = course["data"]
    assert datasets.kernel_files(data, []) == []
    assert datasets.kernel_files(data, datasets.expected_files("iris", "test")) == []
    evaluated_on_train = datasets.kernel_files(data, datasets.expected_files("mnist", "train"))
    assert evaluated_on_train == []  # the split a model is measured on is never shown, whichever it is


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")  # tracing warns that shapes become constants
def test_the_allow_list_passes_torch_nn_layers_scripted_and_traced():
    import io

    import torch
    from torch import nn

    models = [
        (nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.LeakyReLU(0.1), nn.MaxPool2d(2),
                       nn.Conv2d(8, 8, 3, padding="same", groups=2), nn.GroupNorm(2, 8), nn.GELU(), nn.Dropout2d(0.1),
                       nn.ConvTranspose2d(8, 4, 2, stride=2), nn.SiLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                       nn.LayerNorm(16), nn.Dropout(0.5), nn.Linear(16, 10), nn.LogSoftmax(dim=1)), (2, 3, 32, 32)),
        (nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.BatchNorm1d(8), nn.Sigmoid(), nn.PReLU(), nn.ELU(), nn.SELU(),
                       nn.Hardswish(), nn.Mish(), nn.Softplus(), nn.ReLU6(), nn.Identity(), nn.Linear(8, 3),
                       nn.Softmax(dim=-1)), (5, 4)),
        (nn.Sequential(nn.Conv1d(4, 8, 3), nn.ReLU(inplace=True), nn.AvgPool1d(2), nn.AdaptiveMaxPool1d(1),
                       nn.Flatten(), nn.Linear(8, 2)), (2, 4, 20)),
        (nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(1, 2, 3), nn.ZeroPad2d(1), nn.Flatten(),
                       nn.Linear(2 * 56 * 56, 10)), (2, 1, 28, 28)),
        (nn.LSTM(6, 8, num_layers=2, batch_first=True, bidirectional=True), (2, 5, 6)),
        (nn.GRU(6, 8, batch_first=True), (2, 5, 6)),
        (nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 1), (2, 5, 8)),
    ]
    for model, shape in models:
        model.eval()
        for compiled in (torch.jit.script(model), torch.jit.trace(model, torch.randn(shape), check_trace=False)):
            buffer = io.BytesIO()
            torch.jit.save(compiled, buffer)
            buffer.seek(0)
            loaded = torch.jit.load(buffer)
            assert loading.refused_ops(loading.torchscript_ops(loaded)) == [], model


def test_the_allow_list_refuses_file_ops_other_namespaces_and_calls_left_uninlined():
    kinds = {"aten::relu", "aten::relu_", "aten::add_", "prim::If", "aten::from_file", "aten::save", "aten::set_",
             "quantized::linear", "profiler::_record_function_enter", "prim::CallFunction", "prim::CallMethod"}
    assert loading.refused_ops(kinds) == ["aten::from_file", "aten::save", "aten::set_", "prim::CallFunction",
                                          "prim::CallMethod", "profiler::_record_function_enter", "quantized::linear"]


def _reader(data: bytes):
    buffer = bytearray(data)

    def read(n: int) -> bytes:
        chunk = bytes(buffer[:n])
        del buffer[:n]
        return chunk
    return read


def test_frames_are_plain_arrays_bounded_before_they_are_read():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    read = _reader(serve.array_frame(x) + serve.json_frame({"status": "done"}) + serve.END)
    kind, got = serve.read_frame(read, max_values=12)
    assert kind == "A" and got.dtype == np.float32 and (got == x).all()
    assert serve.read_frame(read, max_values=0) == ("J", {"status": "done"})
    assert serve.read_frame(read, max_values=0) == ("E", None)
    huge = b"A" + bytes([2]) + (10**6).to_bytes(8, "little") * 2  # a header promising 10^12 values
    with pytest.raises(serve.BadFrame, match="1000000000000 values"):
        serve.read_frame(_reader(huge), max_values=100)
    with pytest.raises(serve.BadFrame, match="unknown frame"):
        serve.read_frame(_reader(b"\x80\x04pickle"), max_values=100)
