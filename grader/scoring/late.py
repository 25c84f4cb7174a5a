"""The late penalty: a hand-in's time against the rubric's deadline and late policy.

Days are counted from the deadline, a part of a day as a whole one (an hour late is one day late);
the grace minutes forgive a hand-in that close to the deadline and shift nothing else. More than
`max_days` days late loses everything. A time that is unknown costs nothing: the result records why,
for a teaching assistant to decide (`grader.intake.submitted_at`)."""
import math

from grader.core.result import Lateness
from grader.intake.submitted_at import SubmittedAt
from grader.rubric import Rubric
from grader.rubric.schema import LatePolicy

DAY_S = 86400.0


def penalty_percent(days_late: int, policy: LatePolicy | None) -> float:
    if policy is None or days_late <= 0:
        return 0.0
    if days_late > policy.max_days:
        return 100.0
    return min(100.0, days_late * policy.per_day_percent)


def lateness(rubric: Rubric, submitted: SubmittedAt | None) -> Lateness | None:
    """The hand-in's lateness, or None when the rubric has no deadline."""
    if rubric.deadline is None:
        return None
    deadline = rubric.deadline.isoformat()
    if submitted is None or submitted.when is None:
        return Lateness(deadline, None, submitted.source if submitted else "",
                        problem=submitted.problem if submitted else "no submission time")
    late_s = (submitted.when - rubric.deadline).total_seconds()
    grace_s = rubric.late.grace_minutes * 60 if rubric.late else 0.0
    days = 0 if late_s <= grace_s else math.ceil(late_s / DAY_S)
    return Lateness(deadline, submitted.iso, submitted.source, days, penalty_percent(days, rubric.late))
