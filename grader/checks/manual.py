"""Essay answers: the student's text is recorded for a teaching assistant to score later."""
from pydantic import BaseModel, ConfigDict, Field

from grader.checks import messages as msg
from grader.checks.base import Check, Evidence, Outcome
from grader.core.result import Status
from grader.rubric.schema import Text


class ManualOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    covers: list[Text] = Field(default_factory=list, description="points a full answer makes")


class ManualCheck(Check):
    kind = "manual"
    needs_name = False
    needs_reference = False
    by_person = True
    Options = ManualOptions

    def grade(self, evidence: Evidence) -> Outcome:
        text = evidence.manual_text.get(self.question.id, "").strip()
        return Outcome(0.0, Status.PENDING, msg.MANUAL if text else msg.MANUAL_EMPTY, found=text or None)

    def expected_json(self) -> list[dict[str, str]]:
        return [c.to_json() for c in self.options.covers]
