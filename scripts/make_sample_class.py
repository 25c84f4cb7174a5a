"""Build the bundled sample class `submissions/hw3/` from the released template.

Each student is the template with answer cells filled in (scripts/sample_hw3/); re-run this
after the rubric changes so the sample stays in step with `grader release hw3`.
"""
import csv
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).parent))
from sample_hw3.variants import BROKEN, STUDENTS  # noqa: E402

from grader.release import template  # noqa: E402
from grader.rubric import find_rubric, load_rubric  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "submissions" / "hw3"


def fill(answers: dict[str, str], essays: dict[str, str]) -> nbformat.NotebookNode:
    nb = template(load_rubric(find_rubric("hw3")))
    for cell in nb.cells:
        tag = cell.metadata.get("grader", {})
        if tag.get("answer") in answers:
            cell.source = answers[tag["answer"]]
        elif tag.get("manual_answer") and tag.get("question") in essays:
            cell.source = essays[tag["question"]]
    return nb


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    roster = []
    for sid, (fa, en, answers, essays) in STUDENTS.items():
        (OUT / sid).mkdir(exist_ok=True)
        nbformat.write(fill(answers, essays), OUT / sid / "hw3.ipynb")
        roster.append((sid, fa, en))
    for sid, (fa, en) in BROKEN.items():
        (OUT / sid).mkdir(exist_ok=True)
        text = nbformat.writes(fill(STUDENTS["s01"][2], {}))
        (OUT / sid / "hw3.ipynb").write_text(text[: len(text) // 2], encoding="utf-8")
        roster.append((sid, fa, en))
    with (OUT / "students.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name_fa", "name_en", "email"])
        for sid, fa, en in sorted(roster):
            w.writerow([sid, fa, en, f"{sid}@example.edu"])
    print(f"wrote {len(roster)} students to {OUT}")


if __name__ == "__main__":
    main()
