"""The benchmark assignment once, for all three tools: the students' answer code per variant and
the one check per question that nbgrader's test cells and Otter's tests both run.

Grader's rubric (`rubrics/cmp.yaml`) makes the same check: all or nothing per answer, the same
shape, `np.isclose(found, expected, rtol=1e-4, atol=1e-6)`, expected values from `cmp_reference`.
"""
import json
import random
from dataclasses import dataclass

import numpy as np

from cmp_reference import answers

RTOL, ATOL = 1e-4, 1e-6
KINDS = ("numpy", "torch", "numpy", "tensorflow")  # the class cycles through these
QUESTIONS: dict[str, tuple[str, int, object]] = {  # id -> (answer name, points, reference function)
    "q1": ("q1_mean", 1, answers.mean_square),
    "q2": ("q2_standardized", 2, answers.standardized),
    "q3": ("q3_softmax", 2, answers.softmax),
    "q4": ("q4_product", 1, answers.product),
}
PROMPTS = {
    "q1": "**q1** (1): `q1_mean`, the mean of the squares of `x`.",
    "q2": "**q2** (2): `q2_standardized`, `x` minus its mean over its population standard deviation.",
    "q3": "**q3** (2): `q3_softmax`, the softmax of `logits` (numpy, PyTorch or TensorFlow).",
    "q4": "**q4** (1): `q4_product`, the matrix product of `A` and `B`.",
}

CORRECT = {
    "numpy": {
        "q1": "q1_mean = float(np.mean(x ** 2))",
        "q2": "q2_standardized = (x - x.mean()) / x.std()",
        "q3": "e = np.exp(logits - logits.max())\nq3_softmax = e / e.sum()",
        "q4": "q4_product = A @ B",
    },
    "torch": {
        "q3": "import torch\nq3_softmax = torch.softmax(torch.tensor(logits), dim=0).numpy()",
        "q4": "q4_product = (torch.tensor(A) @ torch.tensor(B)).numpy()",
    },
    "tensorflow": {
        "q3": "import tensorflow as tf\nq3_softmax = tf.nn.softmax(tf.constant(logits)).numpy()",
        "q4": "q4_product = tf.matmul(tf.constant(A), tf.constant(B)).numpy()",
    },
}
WRONG = {
    "numpy": {
        "q1": "q1_mean = float(np.mean(x) ** 2)",
        "q2": "q2_standardized = (x - x.mean()) / x.std(ddof=1)",
        "q3": "q3_softmax = np.exp(logits) / np.exp(logits).max()",
        "q4": "q4_product = A[:, :2] @ B[:2]",
    },
    "torch": {
        "q3": "import torch\nq3_softmax = torch.sigmoid(torch.tensor(logits)).numpy()",
        "q4": "q4_product = (torch.tensor(A[:, :2]) @ torch.tensor(B[:2])).numpy()",
    },
    "tensorflow": {
        "q3": "import tensorflow as tf\nq3_softmax = tf.nn.sigmoid(tf.constant(logits)).numpy()",
        "q4": "q4_product = tf.matmul(tf.constant(A[:, :2]), tf.constant(B[:2])).numpy()",
    },
}
RAISING = {  # each raises before it assigns the answer
    "numpy": {
        "q2": "q2_standardized = (x - x.mean()) / x.std(axis=1)",
        "q3": "e = np.exp(logits - logits.max())\nq3_softmax = e / e.sum(axis=1)",
        "q4": "q4_product = A @ A",
    },
    "torch": {
        "q3": "import torch\nq3_softmax = torch.softmax(torch.tensor(logits), dim=1).numpy()",
        "q4": "q4_product = (torch.tensor(A) @ torch.tensor(A)).numpy()",
    },
    "tensorflow": {
        "q3": "import tensorflow as tf\nq3_softmax = tf.nn.softmax(tf.constant(logits), axis=3).numpy()",
        "q4": "q4_product = tf.matmul(tf.constant(A), tf.constant(A)).numpy()",
    },
}


def expected(qid: str) -> np.ndarray:
    return np.asarray(QUESTIONS[qid][2](), dtype=float)


def check_lines(qid: str) -> list[str]:
    """The check of one question as statements ending in a boolean expression."""
    name, e = QUESTIONS[qid][0], expected(qid)
    return ["import numpy as np",
            f"_found = np.asarray({name}, dtype=float)",
            f"_expected = np.array({json.dumps(e.tolist())})",
            f"_found.shape == _expected.shape and np.allclose(_found, _expected, rtol={RTOL}, atol={ATOL})"]


def nbgrader_test(qid: str) -> str:
    """An nbgrader autograder test cell: the check as an assert, hidden from the students' copy."""
    *setup, cond = check_lines(qid)
    return "\n".join(["### BEGIN HIDDEN TESTS", *setup, f"assert {cond}", "### END HIDDEN TESTS"])


def otter_test(qid: str) -> str:
    """An Otter test file (OK format): the same check as a doctest that must print True."""
    *setup, cond = check_lines(qid)
    code = "\n".join([f">>> {line}" for line in setup] + [f">>> bool({cond})", "True"])
    case = {"code": code, "hidden": False, "locked": False}
    suite = {"cases": [case], "scored": True, "setup": "", "teardown": "", "type": "doctest"}
    return "OK_FORMAT = True\n\ntest = " + repr({"name": qid, "points": QUESTIONS[qid][1], "suites": [suite]}) + "\n"


@dataclass(frozen=True)
class Student:
    """One generated submission: which framework it leans on and how it goes wrong, if at all."""

    sid: str
    kind: str  # numpy | torch | tensorflow
    outcome: str  # correct | wrong | raising
    bad: tuple[str, ...]  # the questions answered wrongly or that raise

    def code(self, qid: str) -> str:
        table = {"wrong": WRONG, "raising": RAISING}.get(self.outcome) if qid in self.bad else None
        chosen = CORRECT if table is None else table
        return chosen[self.kind].get(qid) or chosen["numpy"][qid]

    @property
    def expected_scores(self) -> dict[str, float]:
        return {q: 0.0 if q in self.bad else float(p) for q, (_, p, _) in QUESTIONS.items()}


def make_class(n: int, seed: int = 6) -> list[Student]:
    """`n` students: kinds in turn (half numpy, a quarter each torch and TensorFlow), 70% correct,
    15% wrong in one or two answers, 15% with a cell that raises, in a seeded random order."""
    rng = random.Random(seed)
    outcomes = ["wrong"] * round(0.15 * n) + ["raising"] * round(0.15 * n)
    outcomes += ["correct"] * (n - len(outcomes))
    rng.shuffle(outcomes)
    students = []
    for i, outcome in enumerate(outcomes):
        kind = KINDS[i % len(KINDS)]
        if outcome == "wrong":
            bad = tuple(sorted(rng.sample(list(QUESTIONS), rng.choice([1, 2]))))
        elif outcome == "raising":
            bad = (rng.choice(sorted(RAISING[kind] if kind == "numpy" else ["q3", "q4"])),)
        else:
            bad = ()
        students.append(Student(f"s{i + 1:03d}", kind, outcome, bad))
    return students
