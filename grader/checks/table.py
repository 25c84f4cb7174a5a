"""A table with credit per asked cell (e.g. the output shapes and parameter counts of a network).

The reference gives {"columns", "rows", "key", "ask"}: `ask` lists the (row, column) cells
the assignment leaves for the student. Rows are matched by the `key` column when the
student's table has it (layer 8 is "8", 8.0 or "۸"), else by position. Each asked cell is read
and judged on its own, so a cell that cannot be read costs that cell alone, with a note saying why.
"""
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from grader.checks import messages as msg
from grader.checks.base import Outcome, ValueCheck
from grader.core.result import Detail
from grader.checks.values import Unreadable, as_number, as_rows, as_shape, describe, fmt, fold, plain
from grader.kernel.wire import Opaque

DEFAULT_ALIASES = {
    "conv": ["convolution", "convolutionlayer", "conv2d", "convolution2d", "convlayer"],
    "maxpool": ["maxpooling", "maxpool2d", "maxpooling2d", "pool", "pooling", "maxpoolinglayer"],
    "avgpool": ["averagepooling", "avgpool2d", "averagepooling2d"],
    "linear": ["dense", "fc", "fullyconnected", "linearlayer"],
    "input": ["inputlayer"],
    "flatten": [],
}


DASHES = {"-", "–", "—", "−"}


TRUTH = {"true": True, "false": False, "yes": True, "no": False,
         "درست": True, "نادرست": False, "صحیح": True, "غلط": False, "بله": True, "خیر": False}


def _truth(found: Any) -> bool | None:
    """A truth value from True/False, a truth word in English or Persian, or 1/0 in any digits."""
    if isinstance(found, bool):
        return found
    if isinstance(found, str) and fold(found) in TRUTH:
        return TRUTH[fold(found)]
    try:
        return {1.0: True, 0.0: False}.get(as_number(found))
    except Unreadable:
        return None


def _key(value: Any) -> str | None:
    """How a row key is matched: numbers by value in any digits ('۸', 8, 8.0), text by its letters."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        x = as_number(value)
    except Unreadable:
        return fold(value) if isinstance(value, str) else None
    return str(int(x)) if x.is_integer() else repr(x)


class TableOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    aliases: dict[str, list[str]] = Field(default_factory=dict, description="extra accepted spellings")


class TableCheck(ValueCheck):
    kind = "table"
    Options = TableOptions

    def _wrong(self, expected: Any, found: Any) -> str | None:
        """Why `found` is not the cell's value, in English; None when it is."""
        if found is None:
            return "no value in this cell"
        if isinstance(found, Opaque):
            return f"an object of type {found.type[:60]}, not a value"
        if isinstance(expected, bool):
            truth = _truth(found)
            if truth is None:
                return f"{fmt(found, 60)} is not True or False (nor درست or نادرست)"
            return None if truth is expected else f"reads as {truth}, which is not the right answer"
        try:
            if isinstance(expected, list):
                shape = as_shape(found)
                return None if shape == tuple(expected) else f"reads as {shape}, which is not the expected shape"
            if isinstance(expected, (int, float)):
                if isinstance(found, str) and plain(found) in DASHES:  # "-" is how tables write "none"
                    found = 0
                value = as_number(found)
                if isinstance(expected, int) and not value.is_integer():
                    return f"{value:g} is not a whole number; this cell is a count"
                tol = self.answer.tolerance
                if np.isclose(value, expected, rtol=tol.rtol, atol=tol.atol):
                    return None
                return f"reads as {value:g}, which is not the expected number"
        except Unreadable as exc:
            return exc.en
        if not isinstance(found, (str, int, float)):
            return f"expected a name, found {describe(found)}"
        names = {**DEFAULT_ALIASES, **self.options.aliases}.get(fold(expected), [])
        if fold(found) in {fold(expected), *map(fold, names)}:
            return None
        return "not the expected name (letters and digits are compared, case aside)"

    def _student_rows(self, found: Any, expected: dict) -> dict[int, dict[str, Any]]:
        columns, key = expected["columns"], expected.get("key")
        by_name = {fold(c): c for c in columns}
        rows = [{by_name.get(fold(k), k): v for k, v in row.items()} for row in as_rows(found, columns, key)]
        if key and all(key in r for r in rows):
            at = columns.index(key)
            index = {_key(row[at]): i for i, row in enumerate(expected["rows"])}
            return {index[k]: r for r in rows if (k := _key(r[key])) is not None and k in index}
        return dict(enumerate(rows))

    def compare_with(self, found: Any, expected: Any) -> Outcome:
        columns, key = expected["columns"], expected.get("key")
        student = self._student_rows(found, expected)
        details, right = [], 0
        for row_i, column in expected["ask"]:
            want = expected["rows"][row_i][columns.index(column)]
            got = student.get(row_i, {}).get(column)
            row_name = f"{key or 'row'} {expected['rows'][row_i][0]}"
            why = f"the table has no row for {row_name}" if row_i not in student else self._wrong(want, got)
            right += why is None
            if why is not None:
                details.append(Detail(label=f"{row_name} · {column}", expected=fmt(want), found=fmt(got),
                                 ok=False, note=why))
        total = len(expected["ask"])
        return Outcome.scored(right / total, feedback=msg.cells_right(right, total), details=details,
                              expected=None, found=None)

    def shown_expected(self) -> str | None:
        return None
