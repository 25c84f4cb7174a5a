"""Late submissions: the policy's arithmetic, where a time comes from, and what a student could do to
the time in their own folder or their pull request (forge it, garble it, point it elsewhere)."""
import datetime as dt
import json
import os
from pathlib import Path

import pytest

from grader.core.result import Lateness, StudentResult
from grader.intake import Submission
from grader.intake.submitted_at import (TIME_FILE, SubmissionTimeError, SubmissionTimes, SubmittedAt,
                                        from_folder, from_github_event, parse_time, read_list)
from grader.rubric.schema import LatePolicy
from grader.scoring import lateness
from tests.support.paths import HW3
from grader.checks import load_rubric

TEHRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))
DEADLINE = dt.datetime(2026, 11, 30, 23, 59, tzinfo=TEHRAN)
POLICY = LatePolicy(grace_minutes=15, per_day_percent=10, max_days=5)


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(HW3).model_copy(update={"deadline": DEADLINE, "late": POLICY})


def at(rubric, when: dt.datetime | None) -> Lateness:
    late = lateness(rubric, SubmittedAt(when, "list"))
    assert late is not None
    return late


@pytest.mark.parametrize("after, days, percent", [
    (dt.timedelta(hours=-3), 0, 0.0),
    (dt.timedelta(minutes=15), 0, 0.0),  # within the grace minutes
    (dt.timedelta(minutes=16), 1, 10.0),  # past them: the first day, counted from the deadline
    (dt.timedelta(days=1), 1, 10.0),
    (dt.timedelta(days=1, seconds=1), 2, 20.0),
    (dt.timedelta(days=5), 5, 50.0),
    (dt.timedelta(days=5, minutes=1), 6, 100.0),  # after max_days: nothing left
])
def test_the_policy_counts_days_from_the_deadline(rubric, after, days, percent):
    late = at(rubric, DEADLINE + after)
    assert (late.days_late, late.penalty_percent) == (days, percent)


def test_the_timezone_is_the_times_own_not_the_clocks(rubric):
    """23:59 in UTC is 03:29 the next morning in Tehran: a day late, though the wall clock reads earlier
    than a Tehran deadline's 23:59 on the same date."""
    utc = dt.datetime(2026, 11, 30, 23, 59, tzinfo=dt.UTC)
    assert at(rubric, utc).days_late == 1
    assert at(rubric, utc.astimezone(dt.timezone(dt.timedelta(hours=-12)))).days_late == 1  # the same instant


def test_no_deadline_no_lateness_and_unknown_time_no_penalty(rubric):
    assert lateness(load_rubric(HW3), SubmittedAt(DEADLINE + dt.timedelta(days=9), "list")) is None
    late = at(rubric, None)
    assert late.submitted_at is None and late.penalty_percent == 0


def test_the_penalty_comes_off_the_total_and_survives_json(rubric):
    result = StudentResult.from_json(json.loads((Path(__file__).parents[1] / "core/golden/hw3/s01.json")
                                                .read_text(encoding="utf-8")))
    before = result.total
    result.late = at(rubric, DEADLINE + dt.timedelta(days=2))
    assert result.points_before_penalty == before and result.total == round(before * 0.8, 4)
    back = StudentResult.from_json(json.loads(json.dumps(result.to_json())))
    assert back.late == result.late and back.total == result.total
    forged = result.to_json() | {"late": {"deadline": "x", "penalty_percent": 1e9}}  # a hand-edited result file
    assert StudentResult.from_json(forged).total == 0.0  # clamped to 100 %, never a negative total


@pytest.mark.parametrize("text", [
    "2026-11-30T23:59:00",  # no timezone: hours apart between Tehran and UTC
    "yesterday", "", "2026-13-40T99:99:00Z",
    "۲۰۲۶-۱۱-۳۰T۲۳:۵۹:۰۰+۰۳:۳۰",  # Persian digits (Python's int() would read them)
    "２０２６-11-30T23:59:00Z",  # full-width digits
    "2026-11-30T23:59:00+25:00",  # no such offset
    "2026-11-30T23:59:00Z\n2020-01-01T00:00:00Z",  # two times: which one?
    "9999-12-31T23:59:59+14:00",  # the far future
])
def test_garbage_and_forgeries_are_refused(text):
    with pytest.raises(ValueError):
        parse_time(text)


def folder_with(tmp_path: Path, content: bytes | None) -> Submission:
    folder = tmp_path / "s01"
    folder.mkdir()
    if content is not None:
        (folder / TIME_FILE).write_bytes(content)
    return Submission("s01", folder)


def test_the_collections_file_is_read(tmp_path):
    found = from_folder(folder_with(tmp_path, b"\xef\xbb\xbf2026-12-01T10:00:00+03:30\n"))
    assert found.when == dt.datetime(2026, 12, 1, 10, tzinfo=TEHRAN) and found.source == "folder"


@pytest.mark.parametrize("content, why", [
    (None, "no .submitted_at"),
    (b"2026-11-30T23:59:00", "not an ISO 8601 time with a timezone"),
    (b"\xff\xfe garbage", "codec"),
    (b"2026-11-30T23:59:00Z" + b" " * 500, "longer than a timestamp"),
])
def test_a_bad_folder_file_is_unknown_not_guessed(tmp_path, content, why):
    found = from_folder(folder_with(tmp_path, content))
    assert found.when is None and why in (found.problem or "")


def test_a_link_or_a_pipe_is_not_followed(tmp_path):
    (tmp_path / "elsewhere").write_text("2020-01-01T00:00:00Z")
    sub = folder_with(tmp_path, None)
    (sub.path / TIME_FILE).symlink_to(tmp_path / "elsewhere")
    assert from_folder(sub).when is None and "not a plain file" in from_folder(sub).problem
    (sub.path / TIME_FILE).unlink()
    os.mkfifo(sub.path / TIME_FILE)  # reading it would block the run forever
    assert from_folder(sub).when is None


def test_the_courses_list_wins_over_a_forged_folder_file(tmp_path):
    """A student who writes an early time into their own folder gains nothing once the course keeps a list."""
    sub = folder_with(tmp_path, b"2026-11-01T00:00:00Z")
    listed = tmp_path / "times.csv"
    listed.write_text("id,submitted_at\nS01,2026-12-01T10:00:00+03:30\n", encoding="utf-8")
    found = SubmissionTimes.from_list(listed).of(sub)  # ids match as the roster's do: case aside
    assert found.when == dt.datetime(2026, 12, 1, 10, tzinfo=TEHRAN) and found.source == "list"
    missing = SubmissionTimes.from_list(listed).of(Submission("s02", tmp_path))
    assert missing.when is None and "not in the course's list" in missing.problem


@pytest.mark.parametrize("text, words", [
    ("student,when\ns01,2026-12-01T10:00:00Z\n", "columns id, submitted_at"),
    ("id,submitted_at\ns01,2026-12-01 10:00\n", ":2: "),
    ("id,submitted_at\ns01,2099-01-01T00:00:00Z\n", "in the future"),
])
def test_a_bad_course_list_stops_the_run(tmp_path, text, words):
    path = tmp_path / "times.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SubmissionTimeError, match=words):
        read_list(path)


def event(tmp_path: Path, payload: object) -> Path:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def test_a_pull_request_is_timed_by_githubs_record_not_its_commits(tmp_path):
    """The commit dates (author and committer) are the student's to set; the event's `updated_at` is GitHub's."""
    payload = {"pull_request": {"updated_at": "2026-12-02T08:00:00Z",
                                "head": {"sha": "abc"}}, "commits": [{"timestamp": "2026-11-01T00:00:00Z"}],
               "head_commit": {"timestamp": "2026-11-01T00:00:00Z"}}
    found = from_github_event(event(tmp_path, payload))
    assert found.when == dt.datetime(2026, 12, 2, 8, tzinfo=dt.UTC) and found.source == "pull request"


@pytest.mark.parametrize("payload", [{"action": "workflow_dispatch"}, {"pull_request": {"updated_at": 5}}, [1, 2]])
def test_an_event_without_a_pull_requests_time_is_unknown(tmp_path, payload):
    assert from_github_event(event(tmp_path, payload)).when is None
    assert from_github_event(None).when is None
