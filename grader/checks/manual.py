"""Essay answers: the student's text is recorded for a teaching assistant to score later.

The released template gives each essay answer a marked text cell (`manual_answer`), starting with
`PLACEHOLDER` until the student writes; the text of those cells is this check's evidence (`ESSAYS`).
"""
import nbformat
from nbformat.v4 import new_markdown_cell
from pydantic import BaseModel, ConfigDict, Field

from grader.checks import messages as msg
from grader.checks.base import Check, Outcome, prompt_text
from grader.checks.evidence import Evidence, Run, register
from grader.core.result import Status
from grader.rubric.schema import Answer, Question, Text

PLACEHOLDER = "✍"  # the template's manual answer cells start with it until the student writes
MANUAL_PROMPT = f"{PLACEHOLDER} پاسخ خود را اینجا بنویسید. / Write your answer here."
TAG = "manual_answer"  # metadata.grader of an essay answer cell


def essay_texts(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The text of each tagged essay cell, keyed by question id (a question's cells joined)."""
    texts: dict[str, str] = {}
    for cell in nb.cells:
        tag = cell.get("metadata", {}).get("grader", {})
        if tag.get(TAG) and tag.get("question"):
            text = cell.source.strip()
            if text and not text.startswith(PLACEHOLDER):
                texts[tag["question"]] = (texts.get(tag["question"], "") + "\n\n" + text).strip()
    return texts


def _essays(run: Run) -> dict[str, str]:
    return essay_texts(run.notebook)


ESSAYS = register("essays", _essays, dict)


class ManualOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    covers: list[Text] = Field(default_factory=list, description="points a full answer makes")


class ManualCheck(Check):
    kind = "manual"
    needs_name = False
    needs_reference = False
    by_person = True
    needs = frozenset({ESSAYS.name})
    Options = ManualOptions

    def grade(self, evidence: Evidence) -> Outcome:
        text = evidence[ESSAYS].get(self.question.id, "").strip()
        return Outcome(0.0, Status.PENDING, msg.MANUAL if text else msg.MANUAL_EMPTY, found=text or None)

    def expected_json(self) -> list[dict[str, str]]:
        return [c.to_json() for c in self.options.covers]

    @classmethod
    def template_cells(cls, question: Question, answer: Answer) -> list[nbformat.NotebookNode]:
        """The prompt, and a text cell for the essay, marked with the placeholder."""
        return [new_markdown_cell(prompt_text(answer), metadata={"grader": {"question": question.id}}),
                new_markdown_cell(MANUAL_PROMPT, metadata={"grader": {"question": question.id, TAG: True}})]
