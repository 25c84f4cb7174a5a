"""The class files are written again only when what they show changed."""
import json
from dataclasses import replace
from pathlib import Path

import pytest

from grader.checks import load_rubric
from grader.core.result import StudentResult
from grader.engine import class_files
from grader.engine.class_run import publish_class
from tests.support.paths import ROOT

pytestmark = pytest.mark.slow  # each publish renders the summary PDF

GOLDEN = ROOT / "tests" / "core" / "golden" / "hw3"


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(ROOT / "rubrics" / "hw3.yaml", references=False)


def _results() -> list[StudentResult]:
    return [StudentResult.from_json(json.loads(p.read_text(encoding="utf-8"))) for p in sorted(GOLDEN.glob("*.json"))]


def _stamps(out: Path) -> dict[str, int]:
    return {name: (out / name).stat().st_mtime_ns for name in class_files.CLASS_FILES}


def test_the_class_files_are_written_again_only_when_their_inputs_change(tmp_path, rubric):
    results = _results()
    publish_class(tmp_path, rubric, results)
    first = _stamps(tmp_path)

    regraded = [replace(r, graded_at="2030-01-01T00:00:00+00:00", runtime_s=99.0) for r in results]
    publish_class(tmp_path, rubric, regraded)  # graded again to the same result: no class file shows when
    assert _stamps(tmp_path) == first

    (tmp_path / "summary.pdf").unlink()
    publish_class(tmp_path, rubric, regraded)  # one missing: all written
    second = _stamps(tmp_path)
    assert all(second[name] > first[name] for name in class_files.CLASS_FILES)

    changed = [replace(results[0], questions=results[0].questions[1:]), *results[1:]]
    publish_class(tmp_path, rubric, changed)
    assert all(stamp > second[name] for name, stamp in _stamps(tmp_path).items())


def test_a_run_stopped_while_writing_them_leaves_no_claim(tmp_path, rubric, monkeypatch):
    results = _results()
    publish_class(tmp_path, rubric, results)
    import grader.outputs.reports as reports

    def broken(*_a, **_k):
        raise RuntimeError("the renderer failed halfway")

    monkeypatch.setattr(reports, "render_summary", broken)
    with pytest.raises(RuntimeError):
        publish_class(tmp_path, rubric, results[:1])
    assert not (tmp_path / class_files.DIGEST_FILE).exists()
    monkeypatch.undo()
    before = _stamps(tmp_path)
    publish_class(tmp_path, rubric, results[:1])  # written again, though the summary of all was whole
    assert all(stamp > before[name] for name, stamp in _stamps(tmp_path).items())
