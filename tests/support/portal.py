"""The download portal's test fixtures: a tiny OUT folder, the `grader tokens` command in-process,
the codes it prints, and the staff page's form token."""
from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING

from grader.apps.cli import dispatch
from grader.core.result import AnswerResult, QuestionResult, RunError, Status, Student, StudentResult
from grader.core.text import Text
from grader.apps.portal import add_commands
from grader.outputs.results import write_result

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

STUDENTS = {"s101": ("سارا کاظمی", "Sara Kazemi"), "s202": ("امید فرهادی", "Omid Farhadi")}


def make_out(root: Path) -> Path:
    """A tiny OUT folder: two results, their PDFs, the class files, and a secret next door."""
    out = root / "out"
    (out / "results").mkdir(parents=True)
    for i, (sid, (fa, en)) in enumerate(STUDENTS.items()):
        points = 40.5 + i
        question = QuestionResult("q1", Text("همه", "All"), 100,
                                  [AnswerResult("a", "numeric", 100, Status.of_fraction(points / 100), points)])
        write_result(out, StudentResult(Student(sid, fa, en), "hw9", 100, [question],
                                        assignment_title=Text("سری نهم", "Homework 9"),
                                        course=Text("یادگیری ژرف", "Deep Learning"),
                                        errors=[RunError("error", Text(en="boom"))] * i))
        (out / f"{sid}.pdf").write_bytes(f"%PDF-1.4 report of {sid}\n".encode())
    (out / "summary.pdf").write_bytes(b"%PDF-1.4 class summary\n")
    (out / "grades.csv").write_text("id,name,total\ns101,Sara Kazemi,40.5\n", encoding="utf-8")
    (root / "secret.pdf").write_bytes(b"%PDF-1.4 SECRET\n")
    return out


def cli(*argv: str) -> int:
    """`grader <argv>` with only the portal's commands, in this process; its exit status."""
    parser = argparse.ArgumentParser(prog="grader")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return dispatch(args)


def read_codes(text: str) -> dict[str, str]:
    """Access codes by student id, from what `grader tokens` printed or wrote."""
    rows = [line.split(",") for line in text.strip().splitlines()[1:]]
    return {row[0]: row[-1] for row in rows}


def csrf(client: TestClient) -> str:
    """The session's form token, as the staff page carries it."""
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/staff").text).group(1)
