"""Outputs of vanished submissions: only what grader wrote for them goes."""
from grader.core.result import Student, StudentResult
from grader.engine.class_book import remove_vanished
from grader.outputs.results import result_path, write_result


def test_only_the_vanished_students_result_and_report_go(tmp_path):
    for sid, assignment in [("gone", "hw4"), ("here", "hw4"), ("other", "hw5")]:
        write_result(tmp_path, StudentResult(Student(sid), assignment, 10))
        (tmp_path / f"{sid}.pdf").write_bytes(b"%PDF-")
    misnamed = tmp_path / "results" / "renamed.json"  # a result, but not under its own id's name
    misnamed.write_text(result_path(tmp_path, "gone").read_text(encoding="utf-8"), encoding="utf-8")
    own = [tmp_path / "results" / "notes.json", tmp_path / "notes.pdf", tmp_path / "summary.pdf",
           tmp_path / "grades.csv", tmp_path / "manual" / "scores.json"]
    for path in own:
        path.parent.mkdir(exist_ok=True)
        path.write_text('{"kept": true}')

    assert remove_vanished(tmp_path, "hw4", {"here"}) == ["gone"]
    assert not (tmp_path / "gone.pdf").exists() and not result_path(tmp_path, "gone").exists()
    assert (tmp_path / "here.pdf").is_file() and result_path(tmp_path, "here").is_file()
    assert (tmp_path / "other.pdf").is_file() and result_path(tmp_path, "other").is_file()  # another assignment's
    assert misnamed.is_file() and all(p.read_text() == '{"kept": true}' for p in own)
    assert remove_vanished(tmp_path / "never-run", "hw4", set()) == []
