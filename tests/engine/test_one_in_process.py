"""A run of one notebook grades it in the grader's own process and lays its report out in a forked
child while the class files are written: the fork comes after the warm-up thread has ended, and a
child that fails costs that report its layout only (the plain report is written), never the result
or the class files."""
import json
import shutil
import threading

import pytest

from grader.engine import local
from grader.outputs.reports import render
from tests.support.hostile import corpus

pytestmark = pytest.mark.slow


@pytest.fixture
def one_honest(tmp_path, monkeypatch):
    paths = corpus.build(tmp_path, 9)
    for entry in list(paths["subs"].iterdir()):
        if entry.name != "honest":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    monkeypatch.syspath_prepend(str(paths["refpkg"]))
    return paths


def _run(paths):
    return local.run(paths["subs"], paths["rubrics"] / "hostile.yaml", paths["out"], unsafe_no_sandbox=True,
                     force=True)


def test_the_report_is_forked_with_no_other_thread_and_the_class_files_are_written(one_honest, monkeypatch):
    threads_at_fork = []
    real = render.PendingReport.__init__

    def spy(self, *args, **kwargs):
        threads_at_fork.append(sorted(t.name for t in threading.enumerate()))
        real(self, *args, **kwargs)

    monkeypatch.setattr(render.PendingReport, "__init__", spy)
    summary = _run(one_honest)
    out = one_honest["out"]
    assert [r.student_id for r in summary.results] == ["honest"]
    assert len(threads_at_fork) == 1 and "warm-up-publish" not in threads_at_fork[0]
    assert (out / "honest.pdf").read_bytes().startswith(b"%PDF")
    for name in ("summary.pdf", "grades.csv", "grades.xlsx", "moodle.csv"):
        assert (out / name).stat().st_size > 0, name
    assert not list(out.glob(".*.part*"))  # no half-written PDF left


def test_a_failing_layout_child_costs_only_the_layout(one_honest, monkeypatch, capsys):
    def dies_quietly(html, part, write_end, timeout_s):
        import os
        os._exit(0)  # says nothing: the parent must not take that for success

    monkeypatch.setattr(render, "_child", dies_quietly)
    summary = _run(one_honest)
    out = one_honest["out"]
    result = json.loads((out / "results" / "honest.json").read_text(encoding="utf-8"))
    assert result["total"] == result["max_total"] == summary.results[0].total
    assert (out / "honest.pdf").read_bytes().startswith(b"%PDF")  # the plain report with the scores
    assert (out / "summary.pdf").is_file() and (out / "grades.csv").is_file()
    assert "was not rendered (the renderer stopped without a word)" in capsys.readouterr().err
