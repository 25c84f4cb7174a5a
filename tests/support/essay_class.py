"""A generated class with one essay question, as `grader run` leaves its OUT folder: answers
that are identical up to spacing, digits and case, answers that are merely similar, unique ones,
an empty one and hostile ones; named staff codes for two teaching assistants."""
from __future__ import annotations

from pathlib import Path

from grader.core.result import AnswerResult, QuestionResult, Status, Student, StudentResult
from grader.core.text import Text
from grader.manual import apply_saved
from grader.apps.portal import tokens
from grader.outputs.results import write_result

CHEAP = {"n": 2**4, "r": 8, "p": 1}
HOSTILE = '</blockquote><script>alert(1)</script><img src=x onerror="alert(2)">'
TEMPLATES = [
    "Dropout randomly zeroes 50% of activations during training, which reduces overfitting.",
    "  dropout RANDOMLY zeroes ۵۰% of activations during   training, which reduces overfitting.",
    "Dropout randomly zeroes 50% of the activations while training, which reduces overfitting.",
    "Batch normalisation keeps the activations of each layer centred and scaled.",
    "دراپ‌اوت با صفر کردن تصادفی نورون‌ها از بیش‌برازش جلوگیری می‌کند.",
    "I don't know.",
]


def answer(i: int) -> str | None:
    if i == 7:
        return None
    if i == 11:
        return HOSTILE
    if i % 9 == 5:
        return f"Student {i} wrote a long answer of their own about weight decay number {i}."
    return TEMPLATES[i % len(TEMPLATES)]


def result(sid: str, name: str, text: str | None) -> StudentResult:
    essay = AnswerResult("", "manual", 4, Status.PENDING, by_person=True, found=text)
    auto = AnswerResult("x", "numeric", 6, Status.PASSED, 6.0, expected="1", found="1", feedback=Text("درست", "Right"))
    return StudentResult(
        Student(sid, f"دانشجو {sid}", name), "essay9", 10,
        [QuestionResult("q1", Text("عدد", "A number"), 6, [auto]),
         QuestionResult("q2", Text("دراپ‌اوت", "Dropout"), 4, [essay], answer_text=text)],
        assignment_title=Text("سری نه", "Homework 9"), course=Text("یادگیری ژرف", "Deep Learning"),
        graded_at="2026-01-01T00:00:00+00:00")


def make_class(root: Path, students: int = 12) -> tuple[Path, dict[str, str]]:
    """OUT with `students` results and PDFs placeholders; returns it and the codes (students by id,
    'ta-one' and 'ta-two' for the named staff, '(staff)' for the shared code)."""
    out = root / "out"
    for i in range(students):
        sid = f"s{i:03d}"
        r = result(sid, f"Student {i}", answer(i))
        apply_saved(r, {})
        write_result(out, r)
        (out / f"{sid}.pdf").write_bytes(b"%PDF-1.4 placeholder\n")
    return out, issue_codes(out, [f"s{i:03d}" for i in range(students)])


def issue_codes(out: Path, students: list[str]) -> dict[str, str]:
    """Cheap codes for `students` (by id), named staff codes for 'ta-one' and 'ta-two', and the
    shared staff code under '(staff)'."""
    codes, staff = tokens.create_tokens(out, students, params=CHEAP)
    codes["(staff)"] = staff
    for name in ("ta-one", "ta-two"):
        codes[name] = tokens.add_staff(out, name)
    return codes
