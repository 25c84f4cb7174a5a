"""The late submission as the report shows it: deadline, submitted at, days late and the penalty, in
Persian and English, under the total it was taken from."""
import datetime

from grader.core.result import Lateness, StudentResult
from grader.core.text import Text

from .persian import fmt_points, jalali_date, persian_digits


def _when(iso: str, zone: datetime.tzinfo | None) -> datetime.datetime | None:
    try:
        when = datetime.datetime.fromisoformat(iso)
    except ValueError:
        return None
    return when.astimezone(zone) if zone and when.tzinfo else when


def _moment(fa_label: str, en_label: str, iso: str, zone: datetime.tzinfo | None, with_zone: bool) -> Text:
    """A time in the deadline's timezone, so that the two lines compare at a glance: the Jalali date on
    the Persian line, ISO's on the English one; the UTC offset where `with_zone`."""
    when = _when(iso, zone)
    if when is None:
        return Text(f"{fa_label}: \u2066{iso[:40]}\u2069", f"{en_label}: {iso[:40]}")
    offset = when.strftime("%z")
    tz = f"UTC{offset[:3]}:{offset[3:5]}" if with_zone and offset else ""
    return Text(f"{fa_label}: {jalali_date(when.date())}، ساعت {persian_digits(f'{when:%H:%M}')}"
                + (f" \u2066({tz})\u2069" if tz else ""),
                f"{en_label}: {when:%Y-%m-%d %H:%M}" + (f" ({tz})" if tz else ""))


def late_lines(result: StudentResult) -> list[Text]:
    """The lines of the report's late block; none when the rubric has no deadline."""
    late: Lateness | None = result.late
    if late is None:
        return []
    deadline = _when(late.deadline, None)
    zone = deadline.tzinfo if deadline else None
    lines = [_moment("مهلت تحویل", "Deadline", late.deadline, zone, with_zone=True)]
    if late.submitted_at is None:
        return lines + [Text("زمان تحویل معلوم نیست؛ جریمهٔ دیرکرد اعمال نشد و دستیار آموزشی تصمیم می‌گیرد.",
                             "Submission time unknown: no late penalty was applied; a teaching assistant decides.")]
    lines.append(_moment("زمان تحویل", "Submitted at", late.submitted_at, zone, with_zone=False))
    if late.days_late <= 0:
        return lines + [Text("به‌موقع تحویل شد.", "On time.")]
    before, pct = fmt_points(result.points_before_penalty), fmt_points(late.penalty_percent)
    return lines + [Text(f"{persian_digits(str(late.days_late))} روز دیرکرد · جریمهٔ {persian_digits(pct)}٪ "
                         f"(پیش از جریمه {persian_digits(before)})",
                         f"{late.days_late} day{'s' if late.days_late != 1 else ''} late · penalty {pct}% "
                         f"(before the penalty: {before})")]
