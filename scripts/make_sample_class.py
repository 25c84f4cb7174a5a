"""Build a bundled sample class `submissions/<id>/` from the released template.

Usage: python scripts/make_sample_class.py hw3. Each student is the template with answer
cells filled in by `scripts/sample_<id>/variants.py` (STUDENTS, and optionally BROKEN);
re-run it after the rubric changes so the sample stays in step with `grader release <id>`.
"""
import csv
import importlib
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).parent))

from grader.release import template  # noqa: E402
from grader.rubric import find_rubric  # noqa: E402
from grader.checks import load_rubric

ROOT = Path(__file__).resolve().parents[1]


def fill(assignment: str, answers: dict[str, str], essays: dict[str, str]) -> nbformat.NotebookNode:
    nb = template(load_rubric(find_rubric(assignment)))
    for cell in nb.cells:
        tag = cell.metadata.get("grader", {})
        if tag.get("answer") in answers:
            cell.source = answers[tag["answer"]]
        elif tag.get("manual_answer") and tag.get("question") in essays:
            cell.source = essays[tag["question"]]
    return nb


def main(assignment: str) -> None:
    variants = importlib.import_module(f"sample_{assignment}.variants")
    out = ROOT / "submissions" / assignment
    out.mkdir(parents=True, exist_ok=True)
    roster = []
    for sid, (fa, en, answers, essays) in variants.STUDENTS.items():
        (out / sid).mkdir(exist_ok=True)
        nbformat.write(fill(assignment, answers, essays), out / sid / f"{assignment}.ipynb")
        roster.append((sid, fa, en))
    for sid, (fa, en) in getattr(variants, "BROKEN", {}).items():  # a notebook cut off mid-file
        (out / sid).mkdir(exist_ok=True)
        text = nbformat.writes(fill(assignment, {}, {}))
        (out / sid / f"{assignment}.ipynb").write_text(text[: len(text) // 2], encoding="utf-8")
        roster.append((sid, fa, en))
    with (out / "students.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name_fa", "name_en", "email"])
        for sid, fa, en in sorted(roster):
            w.writerow([sid, fa, en, f"{sid}@example.edu"])
    print(f"wrote {len(roster)} students to {out}")


if __name__ == "__main__":
    main(sys.argv[1])
