"""When a submission was handed in, for a rubric's deadline: from a list the course keeps, a file the
course's collection writes into the student's folder, or the pull request's push (`grader ci`).

Who writes the time decides whether it can be trusted. A student controls their own folder, so the
folder's `.submitted_at` is only as trustworthy as the collection that writes it after the student can
no longer change the folder (an LMS export, a copy out of the students' reach); the list
(`grader run --submitted-at-from FILE`, a CSV of `id,submitted_at`) is the course's own and, when
given, is the only source. A time that cannot be read is never guessed: the submission's time is
unknown, no penalty is applied, and the result says so for a teaching assistant to decide.

Times are ISO 8601 with a timezone (`2026-12-01T23:59:00+03:30`, `…Z`); one without is refused, since
the same wall-clock time is hours apart in Tehran and in UTC."""
import csv
import datetime as dt
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from grader.core.errors import ConfigError
from grader.intake.discover import Submission, same_student, student_id

TIME_FILE = ".submitted_at"
MAX_BYTES = 200  # one timestamp and a newline; more is not a timestamp
CLOCK_SKEW = dt.timedelta(minutes=5)  # a time this far past "now" is a clock's error, beyond it a forgery
# Digits, separators, a timezone: only ASCII (Python's int() would read Persian or full-width digits).
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})", re.ASCII)


class SubmissionTimeError(ConfigError, ValueError):
    """The course's list of submission times cannot be used: a configuration error, before grading."""


@dataclass(frozen=True)
class SubmittedAt:
    """A submission's time and where it came from; `when` None is unknown, and `problem` says why."""

    when: dt.datetime | None
    source: str  # "list", "folder", "pull request"
    problem: str | None = None

    @property
    def iso(self) -> str | None:
        return None if self.when is None else self.when.isoformat()


def parse_time(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """An ISO 8601 time with a timezone, not later than `now` (plus a clock's skew); ValueError otherwise."""
    text = text.strip().lstrip("\ufeff")
    if not _ISO.fullmatch(text):
        raise ValueError(f"{text[:40]!r} is not an ISO 8601 time with a timezone (2026-12-01T23:59:00+03:30)")
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when > (now or dt.datetime.now(dt.UTC)) + CLOCK_SKEW:
        raise ValueError(f"{text!r} is in the future")
    return when


def from_folder(sub: Submission, now: dt.datetime | None = None) -> SubmittedAt:
    """The time in the folder's `.submitted_at`: a plain file (never a link, a pipe or a device), read
    no further than a timestamp's length."""
    path = sub.path / TIME_FILE
    try:
        info = path.lstat()
    except OSError:
        return SubmittedAt(None, "folder", f"no {TIME_FILE} in the hand-in's folder")
    if not stat.S_ISREG(info.st_mode):
        return SubmittedAt(None, "folder", f"{TIME_FILE} is not a plain file")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise ValueError(f"{TIME_FILE} is longer than a timestamp")
        return SubmittedAt(parse_time(raw.decode("utf-8"), now), "folder")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return SubmittedAt(None, "folder", str(exc))


def read_list(path: Path, now: dt.datetime | None = None) -> dict[str, dt.datetime]:
    """The course's CSV (`id,submitted_at`) by `same_student` key; any unreadable row stops the run."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames or not {"id", "submitted_at"} <= set(reader.fieldnames):
                raise SubmissionTimeError(f"{path}: the first row must name the columns id, submitted_at")
            times: dict[str, dt.datetime] = {}
            for row in reader:
                sid = student_id((row.get("id") or "").strip())
                if not sid:
                    continue
                try:
                    times[same_student(sid)] = parse_time(row.get("submitted_at") or "", now)
                except ValueError as exc:
                    raise SubmissionTimeError(f"{path}:{reader.line_num}: {exc}") from None
            return times
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SubmissionTimeError(f"{path}: cannot read: {exc}") from None


def from_github_event(path: Path | None) -> SubmittedAt:
    """The time GitHub recorded the pull request's last update (`pull_request.updated_at` of the event
    that started the run: the push of `synchronize`, the opening, the reopening). GitHub writes it; the
    commits' author and committer dates are the student's to set, so they are never read. A rerun of the
    job reads the same event, so grading again after the deadline does not make a hand-in late."""
    if path is None:
        return SubmittedAt(None, "pull request", "no GitHub event (GITHUB_EVENT_PATH is not set)")
    try:
        event = json.loads(path.read_text(encoding="utf-8"))
        pull = event.get("pull_request") if isinstance(event, dict) else None
        stamp = pull.get("updated_at") if isinstance(pull, dict) else None
        if not isinstance(stamp, str):
            return SubmittedAt(None, "pull request", "the GitHub event is not a pull request's")
        return SubmittedAt(parse_time(stamp), "pull request")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return SubmittedAt(None, "pull request", f"the GitHub event cannot be read: {exc}")


@dataclass(frozen=True)
class SubmissionTimes:
    """Where a run takes each submission's time from: one time for all (a pull request's), the course's
    list, else each folder's `.submitted_at`."""

    every: SubmittedAt | None = None
    listed: dict[str, dt.datetime] | None = None

    @classmethod
    def from_list(cls, path: Path) -> "SubmissionTimes":
        return cls(listed=read_list(path))

    def of(self, sub: Submission) -> SubmittedAt:
        if self.every is not None:
            return self.every
        if self.listed is not None:
            when = self.listed.get(same_student(sub.student_id))
            return SubmittedAt(when, "list", None if when else "not in the course's list of submission times")
        return from_folder(sub)
