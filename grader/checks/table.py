"""A table with credit per asked cell (e.g. the output shapes and parameter counts of a network).

The reference gives {"columns", "rows", "key", "ask"}: `ask` lists the (row, column) cells
the assignment leaves for the student. Rows are matched by the `key` column when the
student's table has it, else by position.
"""
import re
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from grader.checks import messages as msg
from grader.checks.base import Outcome, ValueCheck
from grader.checks.values import Unreadable, as_number, as_rows, as_shape, fmt

DEFAULT_ALIASES = {
    "conv": ["convolution", "convolutionlayer", "conv2d", "convolution2d", "convlayer"],
    "maxpool": ["maxpooling", "maxpool2d", "maxpooling2d", "pool", "pooling", "maxpoolinglayer"],
    "avgpool": ["averagepooling", "avgpool2d", "averagepooling2d"],
    "linear": ["dense", "fc", "fullyconnected", "linearlayer"],
    "input": ["inputlayer"],
    "flatten": [],
}


DASHES = {"-", "–", "—", "−"}


TRUTH = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False,
         "درست": True, "نادرست": False, "صحیح": True, "غلط": False, "بله": True, "خیر": False}


def _norm(text: Any) -> str:
    """Letters and digits only, lower case; Persian letters are kept."""
    return re.sub(r"[\W_]", "", str(text).lower())


class TableOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    aliases: dict[str, list[str]] = Field(default_factory=dict, description="extra accepted spellings")


class TableCheck(ValueCheck):
    kind = "table"
    Options = TableOptions

    def _cell_ok(self, expected: Any, found: Any) -> bool:
        if found is None:
            return False
        if isinstance(expected, bool):
            return TRUTH.get(_norm(found)) is expected
        if isinstance(expected, list):
            return as_shape(found) == tuple(expected)
        if isinstance(expected, (int, float)):
            if isinstance(found, str) and found.strip() in DASHES:  # "-" is how tables write "none"
                found = 0
            tol = self.answer.tolerance
            return bool(np.isclose(as_number(found), expected, rtol=tol.rtol, atol=tol.atol))
        names = {**DEFAULT_ALIASES, **self.options.aliases}.get(_norm(expected), [])
        return _norm(found) in {_norm(expected), *map(_norm, names)}

    def _student_rows(self, found: Any) -> dict[int, dict[str, Any]]:
        columns, key = self.expected["columns"], self.expected.get("key")
        by_name = {_norm(c): c for c in columns}
        rows = [{by_name.get(_norm(k), k): v for k, v in row.items()} for row in as_rows(found, columns, key)]
        if key and rows and all(key in r for r in rows):
            at = columns.index(key)
            index = {_norm(row[at]): i for i, row in enumerate(self.expected["rows"])}
            return {index[_norm(r[key])]: r for r in rows if _norm(r[key]) in index}
        return dict(enumerate(rows))

    def compare(self, found: Any) -> Outcome:
        columns = self.expected["columns"]
        student = self._student_rows(found)
        details, right = [], 0
        for row_i, column in self.expected["ask"]:
            want = self.expected["rows"][row_i][columns.index(column)]
            got = student.get(row_i, {}).get(column)
            try:
                ok = self._cell_ok(want, got)
            except Unreadable:
                ok = False
            right += ok
            if not ok:
                label = f"{self.expected.get('key') or 'row'} {self.expected['rows'][row_i][0]} · {column}"
                details.append({"label": label, "expected": fmt(want), "found": fmt(got), "ok": False})
        total = len(self.expected["ask"])
        return Outcome.scored(right / total, feedback=msg.cells_right(right, total), details=details,
                              expected=None, found=None)

    def shown_expected(self) -> str | None:
        return None
