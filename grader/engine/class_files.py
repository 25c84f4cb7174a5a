"""Whether a run's class files (grades.csv, grades.xlsx, moodle.csv, similarity, summary.pdf)
already say what its results say, so that a run that changed none of them writes none.

Their inputs are hashed: every result less when it was graded and how long it took (no class file
shows either), the rubric, the class record of the roster, whether the notebooks were given (the
similarity report), and the code and templates that lay the files out. The hash is kept beside
them; the files are written again when it differs or one of them is missing. A re-run that graded
nothing anew, or regraded a notebook to the same result, then costs no summary render.
"""
import hashlib
import json
from functools import cache
from pathlib import Path

from grader.core import atomic
from grader.core.result import StudentResult
from grader.rubric import Rubric

DIGEST_FILE = ".class-files.sha256"
CLASS_FILES = ("grades.csv", "grades.xlsx", "moodle.csv", "summary.pdf")
UNSHOWN = ("graded_at", "runtime_s")  # of a result, in no class file


@cache
def _layout_digest() -> str:
    """The code and templates that write the class files: a changed grader lays them out anew."""
    outputs = Path(__file__).resolve().parents[1] / "outputs"
    h = hashlib.sha256()
    for path in sorted(p for p in outputs.rglob("*") if p.is_file() and p.suffix in (".py", ".j2", ".css")):
        h.update(path.relative_to(outputs).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def inputs_digest(rubric: Rubric, results: list[StudentResult], with_notebooks: bool, record: object) -> str:
    """The hash of everything the class files are made from; `record` is the class record (the
    roster) they join the results with, as its JSON."""
    shown = [{k: v for k, v in r.to_json().items() if k not in UNSHOWN} for r in results]
    inputs = {"rubric": rubric.model_dump(mode="json"), "results": shown, "record": record,
              "notebooks": with_notebooks, "layout": _layout_digest()}
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


def unchanged(out_dir: Path, digest: str) -> bool:
    """The class files in `out_dir` are there and were made from inputs hashing to `digest`."""
    try:
        kept = (out_dir / DIGEST_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return False
    return kept == digest and all((out_dir / name).is_file() for name in CLASS_FILES)


def record(out_dir: Path, digest: str) -> None:
    """Say that the class files now in `out_dir` were made from inputs hashing to `digest`."""
    atomic.write_bytes(out_dir / DIGEST_FILE, digest.encode() + b"\n")


def forget(out_dir: Path) -> None:
    """Before the class files are written: a run stopped halfway leaves no hash claiming them."""
    (out_dir / DIGEST_FILE).unlink(missing_ok=True)
