"""Generate the benchmark class and each tool's grading set-up under one work folder.

    WORK/nbgrader/       an nbgrader course: source/cmp/cmp.ipynb (solutions, hidden autograder
                         tests), release/cmp/cmp.ipynb and gradebook.db from `nbgrader generate_assignment`
    WORK/otter/          tests/q*.py (OK format) and autograder.zip from `otter generate`
    WORK/class/<sid>/cmp.ipynb   the students' notebooks: the nbgrader release copy with each
                         student's answer cells filled in; all three tools grade these same files
    WORK/class.json      each student's framework, outcome and intended per-question score

Usage: python bench/compare/generate.py --n 120 --work /tmp/grader-compare
"""
import argparse
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import nbformat

from assignment import PROMPTS, QUESTIONS, Student, make_class, nbgrader_test, otter_test
from cmp_reference.answers import SETUP
from toolenv import run_in_venv

NB_NAME = "cmp.ipynb"


def _meta(grade_id: str, *, solution: bool = False, grade: bool = False, points: int = 0) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def source_notebook() -> nbformat.NotebookNode:
    """nbgrader's source version: given data, then per question an answer cell and a test cell."""
    cells = [nbformat.v4.new_markdown_cell("# Benchmark assignment / تمرین سنجش کارایی"),
             nbformat.v4.new_code_cell(SETUP, metadata=_meta("setup"))]
    for qid, (_, points, _) in QUESTIONS.items():
        solution = Student("source", "numpy", "correct", ()).code(qid)
        cells += [nbformat.v4.new_markdown_cell(PROMPTS[qid]),
                  nbformat.v4.new_code_cell(f"### BEGIN SOLUTION\n{solution}\n### END SOLUTION",
                                            metadata=_meta(f"{qid}_answer", solution=True)),
                  nbformat.v4.new_code_cell(nbgrader_test(qid),
                                            metadata=_meta(f"{qid}_test", grade=True, points=points))]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def make_nbgrader_course(course: Path) -> nbformat.NotebookNode:
    """Write the course, run `nbgrader generate_assignment`, return the release notebook."""
    (course / "source" / "cmp").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "cmp"\n')
    nbformat.write(source_notebook(), course / "source" / "cmp" / NB_NAME)
    run_in_venv(["nbgrader", "generate_assignment", "cmp", "--force"], cwd=course)
    return nbformat.read(course / "release" / "cmp" / NB_NAME, as_version=4)


def make_otter(folder: Path) -> None:
    tests = folder / "tests"
    tests.mkdir(parents=True)
    for qid in QUESTIONS:
        (tests / f"{qid}.py").write_text(otter_test(qid))
    run_in_venv(["otter", "generate", "-t", "tests", "-o", "autograder.zip", "--no-config", "--no-requirements",
                 "--no-environment"], cwd=folder)


def student_notebook(release: nbformat.NotebookNode, student: Student) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("_answer"):
            cell.source = student.code(grade_id.removesuffix("_answer"))
    return nb


def generate(n: int, work: Path, seed: int = 6) -> list[Student]:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    release = make_nbgrader_course(work / "nbgrader")
    make_otter(work / "otter")
    students = make_class(n, seed)
    for s in students:
        (work / "class" / s.sid).mkdir(parents=True)
        nbformat.write(student_notebook(release, s), work / "class" / s.sid / NB_NAME)
    (work / "class.json").write_text(json.dumps(
        [{**asdict(s), "expected": s.expected_scores} for s in students], indent=1))
    return students


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=120)
    parser.add_argument("--work", type=Path, default=Path("/tmp/grader-compare"))
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    students = generate(args.n, args.work, args.seed)
    counts = {}
    for s in students:
        counts[(s.kind, s.outcome)] = counts.get((s.kind, s.outcome), 0) + 1
    print(f"{len(students)} notebooks in {args.work / 'class'}: "
          + ", ".join(f"{k}/{o} {c}" for (k, o), c in sorted(counts.items())))


if __name__ == "__main__":
    main()
