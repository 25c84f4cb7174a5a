"""Every answer judged on its own, and judged fairly: the value readers and the checks built on them.

A student controls every value; whatever crosses the wire must come out as a reading or as
`Unreadable` with a reason, and a table's bad cell costs that cell alone.
"""
import math

import numpy as np
import pytest

from grader.checks import Evidence
from grader.checks.numeric import NumericCheck
from grader.checks.table import TableCheck
from grader.checks.values import Unreadable, as_array, as_mapping, as_number, as_rows, as_shape, describe, fmt
from grader.kernel import wire
from grader.kernel.probe import Reply
from grader.references import References
from grader.checks import load_rubric
from grader.rubric.schema import Answer
from tests.support.paths import HW3

RUBRIC = load_rubric(HW3)
REFS = References(RUBRIC.reference)
NAN, INF = float("nan"), float("inf")


class maxpool:  # a student's own class, named like a table cell, that prints as nothing
    def __repr__(self):
        return ""


def crossed(value):
    """`value` as the grader receives it from the student's kernel."""
    return wire.loads(wire.dumps(value))


OPAQUE = crossed(maxpool())
BIG = crossed(10**400)


def refusal(read, value):
    with pytest.raises(Unreadable) as info:
        read(value)
    return info.value.en


# --- numbers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, number", [
    ("۱٬۵۶۸", 1568), ("۲٫۵", 2.5), ("1,568", 1568), ("1,234,567", 1234567), ("1,234.5", 1234.5),
    ("٠٫٥", 0.5), ("۱۳", 13), ("\u200f−۳\u200e", -3), ("\u202b۴۲\u202c", 42), ("\u2067۷\u2069", 7),
    ("\u061c۱\u200c۲", 12), (" +1e-4 ", 1e-4), ("۱e۳", 1000), ("-2.5E2", -250), (".5", 0.5),
])
def test_numbers_written_in_persian_or_arabic_digits_and_separators_are_read(text, number):
    assert as_number(text) == number


def test_numbers_from_values_of_any_form():
    assert as_number(3) == 3.0 and as_number(np.float32(0.5)) == 0.5 and as_number(np.int64(7)) == 7.0
    assert as_number([[2]]) == 2.0 and as_number(np.array([[0.25]], dtype=np.float32)) == 0.25
    assert math.copysign(1, as_number(-0.0)) == -1 and as_number(-0.0) == 0
    assert as_number(10**300) == 1e300


@pytest.mark.parametrize("value, reason", [
    ("2,5", "'2,5' is ambiguous: a comma only separates thousands (as in 1,568); write a decimal point as 2.5 or ۲٫۵"),
    ("۲٬۵", "'۲٬۵' is ambiguous: a comma only separates thousands (as in 1,568); write a decimal point as 2.5 or ۲٫۵"),
    ("1,5678", "'1,5678' is ambiguous: a comma only separates thousands (as in 1,568); write a decimal point as 2.5 "
               "or ۲٫۵"),
    ("abc", "the text 'abc' is not a number"),
    ("nan", "the text 'nan' is not a number"),
    ("1 568", "the text '1 568' is not a number"),
    ("1_000", "the text '1_000' is not a number"),
    ("", "the text '' is not a number"),
    ("1e400", "the number '1e400' is too large to use"),
    (10**400, "the number is too large to use (a 401-digit number)"),
    (-10**400, "the number is too large to use (a 401-digit number)"),
    (wire.BigInt(False, 400), "the number is too large to use (a 400-digit number)"),
    (BIG, "the number is too large to use (a 401-digit number)"),
    ([BIG], "the number is too large to use (a 401-digit number)"),
    (True, "a truth value (True) where a number was expected"),
    (np.bool_(False), "a truth value (False) where a number was expected"),
    ([True], "an array of truth values (True/False) where numbers were expected"),
    (np.array([False]), "an array of truth values (True/False) where numbers were expected"),
    (NAN, "nan (not a number) where a number was expected"),
    ([NAN], "nan (not a number) where a number was expected"),
    (INF, "an infinite value (inf) where a number was expected"),
    (-INF, "an infinite value (-inf) where a number was expected"),
    ([], "expected one number, found an array of shape (0,)"),
    ([1, 2], "expected one number, found an array of shape (2,)"),
    ([[1, 2], [3]], "the list is not a regular (rectangular) array of numbers"),
    (None, "expected a number, found None"),
    (b"1", "expected a number, found bytes"),
    ({"a": 1}, "expected a number, found a dict"),
    (OPAQUE, "an object of type maxpool, not a value"),
    (1 + 2j, "a complex number where a real number was expected"),
    (np.array(["1"]), "the array's dtype <U1 is not numeric"),
    (wire.Frame(["a"], [0], [[1]]), "expected a number, found a DataFrame"),
])
def test_what_is_not_one_usable_number_is_refused_with_the_reason(value, reason):
    assert refusal(as_number, value) == reason


def test_refusals_speak_persian_too():
    with pytest.raises(Unreadable) as info:
        as_number(10**400)
    assert info.value.fa == "عدد بسیار بزرگی (۴۰۱ رقمی) آمده است که به کار نمی‌آید"
    with pytest.raises(Unreadable) as info:
        as_number("2,5")
    assert info.value.fa == ("«2,5» دو خوانش دارد: ویرگول فقط هزارگان را جدا می‌کند (۱,۵۶۸)؛ "
                             "ممیز را با نقطه یا «٫» بنویسید (2.5 یا ۲٫۵)")
    with pytest.raises(Unreadable) as info:
        as_shape([256, 13.5])
    assert info.value.fa == "۱۳٫۵ عدد صحیح نیست؛ اندازه‌های شکل عدد صحیح‌اند"
    with pytest.raises(Unreadable) as info:
        as_number(OPAQUE)
    assert info.value.fa == "شیئی از نوع maxpool آمده است، نه یک مقدار"


# --- arrays ----------------------------------------------------------------------------------

def test_arrays_keep_nan_for_the_comparison_but_refuse_truth_values_and_text():
    assert as_array([[1, 2.5], [3, 4]]).tolist() == [[1.0, 2.5], [3.0, 4.0]]
    assert as_array((np.array([1, 2], dtype=np.int8), [3, 4])).shape == (2, 2)
    assert np.isnan(as_array([1.0, NAN])).tolist() == [False, True]
    assert as_array([]).shape == (0,) and as_array([[], []]).shape == (2, 0)
    assert refusal(as_array, np.array([[True, False]])) == \
        "an array of truth values (True/False) where numbers were expected"
    assert refusal(as_array, [1, False]) == "an array of truth values (True/False) where numbers were expected"
    assert refusal(as_array, [1, "2"]) == "expected an array of numbers, found the text '2'"
    assert refusal(as_array, [1, None]) == "expected an array of numbers, found None"
    assert refusal(as_array, [1, OPAQUE]) == "an object of type maxpool, not a value"
    assert refusal(as_array, [[1], 2]) == "the list is not a regular (rectangular) array of numbers"
    deep = [1.0]
    for _ in range(40):
        deep = [deep]
    assert refusal(as_array, deep) == "the list is nested too deeply to be an array"


# --- shapes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, shape", [
    ("(۲۵۶، ۱۳، ۱۳)", (256, 13, 13)), ("۹۶×۵۵×۵۵", (96, 55, 55)), ("(96, 55, 55)", (96, 55, 55)),
    ("[256 x 13 x 13]", (256, 13, 13)), ("(None, 24, 24, 64)", (24, 24, 64)), ("\u200f(۴٬۰۹۶)\u200e", (4096,)),
    ([256, 13.0, "۱۳"], (256, 13, 13)), ([None, 24, 24, 64], (24, 24, 64)), (13.0, (13,)), ("13", (13,)),
    (np.array([96.0, 55.0, 55.0]), (96, 55, 55)), ([[256, 13, 13]], (256, 13, 13)), (4096, (4096,)),
])
def test_shapes_are_read_from_lists_arrays_and_text_in_any_digits(value, shape):
    assert as_shape(value) == shape


@pytest.mark.parametrize("value, reason", [
    ((256, 13.5, 13.5), "13.5 is not a whole number; a shape's sizes are whole numbers"),
    ("(256, ۱۳٫۵, 13)", "13.5 is not a whole number; a shape's sizes are whole numbers"),
    (np.array([256, 13.5]), "13.5 is not a whole number; a shape's sizes are whole numbers"),
    (13.5, "13.5 is not a whole number; a shape's sizes are whole numbers"),
    ([256, NAN, 13], "nan (not a number) where a number was expected"),
    ([[256, NAN]], "nan (not a number) where a number was expected"),
    ([256, INF], "an infinite value (inf) where a number was expected"),
    ("(256, abc)", "the text 'abc' is not a number"),
    ("(2,5.5)", "5.5 is not a whole number; a shape's sizes are whole numbers"),
    (np.array([True, False]), "an array of truth values (True/False) where numbers were expected"),
    ([True, 3], "a truth value (True) where a number was expected"),
    ([256, BIG], "the number is too large to use (a 401-digit number)"),
    ({"a": 1}, "expected a shape (a list of sizes), found a dict"),
    (OPAQUE, "an object of type maxpool, not a value"),
    (None, "expected a shape (a list of sizes), found None"),
])
def test_shapes_need_whole_finite_sizes(value, reason):
    assert refusal(as_shape, value) == reason


# --- tables and mappings ---------------------------------------------------------------------

COLUMNS = ["layer", "type", "output", "params"]


def test_odd_tables_read_row_by_row_or_are_refused_with_a_reason():
    assert as_rows([[1, "conv"], "junk", {"layer": 3}], COLUMNS, "layer") == \
        [{"layer": 1, "type": "conv"}, {}, {"layer": 3}]
    assert as_rows([COLUMNS, [1, "conv", [1], 5]], COLUMNS, "layer") == \
        [{"layer": 1, "type": "conv", "output": [1], "params": 5}]
    assert as_rows({"layer": [1, 2], "type": "conv", "output": [[1]], "params": [5, 6]}, COLUMNS, "layer") == \
        [{"layer": 1, "type": None, "output": [1], "params": 5},
         {"layer": 2, "type": None, "output": None, "params": 6}]
    assert as_rows({"۸": ["conv", [1], 5], "9": "pool"}, COLUMNS, "layer") == \
        [{"layer": "۸", "type": "conv", "output": [1], "params": 5}, {"layer": "9", "type": "pool"}]
    assert refusal(lambda v: as_rows(v, COLUMNS, "layer"), {}) == "the table is empty"
    assert refusal(lambda v: as_rows(v, COLUMNS, "layer"), []) == "the table is empty"
    assert refusal(lambda v: as_rows(v, COLUMNS, None), {"a": 1}) == \
        "could not read a table (DataFrame, list of rows or dict of columns) from a dict"
    assert refusal(lambda v: as_rows(v, COLUMNS, "layer"), ["conv", "pool"]) == \
        "could not read a table (DataFrame, list of rows or dict of columns) from a list"
    assert refusal(lambda v: as_rows(v, COLUMNS, "layer"), wire.Frame(["a"], [], 5)) == \
        "could not read a table (DataFrame, list of rows or dict of columns) from a DataFrame"
    assert refusal(lambda v: as_rows(v, COLUMNS, "layer"), OPAQUE) == "an object of type maxpool, not a value"
    assert refusal(lambda v: as_mapping(v, ["a", "b"]), 5) == "expected a dict with keys a, b, found an int"
    assert refusal(lambda v: as_mapping(v, ["a"]), OPAQUE) == "an object of type maxpool, not a value"


def table_check(expected):
    answer = Answer(name="t", check="table", points=1, prompt={"fa": "ج", "en": "t"}, reference="ex12_alexnet.table")
    check = TableCheck(RUBRIC.question("q12"), answer, REFS)
    check.expected = expected
    return check


def grade(check, value):
    return check.grade(Evidence(replies={r.key: Reply(status="ok", value=value) for r in check.requests()}))


NET = {"columns": COLUMNS, "key": "layer",
       "rows": [[1, "conv", [96, 55, 55], 34944], [2, "maxpool", [256, 13, 13], 0]],
       "ask": [[0, "output"], [0, "params"], [1, "type"], [1, "output"]]}
RIGHT = [[1, "conv", [96, 55, 55], 34944], [2, "maxpool", [256, 13, 13], 0]]


def wrong_cells(check, value):
    outcome = check.compare(value)
    return outcome.fraction, [(d.label, d.found, d.note) for d in outcome.details]


def test_a_bad_cell_costs_that_cell_alone_and_says_why():
    check = table_check(NET)
    assert wrong_cells(check, RIGHT) == (1.0, [])
    assert wrong_cells(check, [[1, "conv", [96, NAN, 55], 34944], RIGHT[1]]) == \
        (0.75, [("layer 1 · output", "[96. nan 55.]", "nan (not a number) where a number was expected")])
    assert wrong_cells(check, [RIGHT[0], [2, "maxpool", (256, 13.5, 13.5), 0]]) == \
        (0.75, [("layer 2 · output", "[256.   13.5  13.5]",
                 "13.5 is not a whole number; a shape's sizes are whole numbers")])
    assert wrong_cells(check, [[1, "conv", "(96, 55, 55)", "many"], RIGHT[1]]) == \
        (0.75, [("layer 1 · params", "'many'", "the text 'many' is not a number")])
    assert wrong_cells(check, [[1, "conv", [96, 55, 55], 34944.5], RIGHT[1]]) == \
        (0.75, [("layer 1 · params", "34944.5", "34944.5 is not a whole number; this cell is a count")])
    assert wrong_cells(check, [[1, "conv", [96, 55, 55], True], RIGHT[1]]) == \
        (0.75, [("layer 1 · params", "True", "a truth value (True) where a number was expected")])
    assert wrong_cells(check, [[1, "conv", [96, 55, 55], "3,4944"], RIGHT[1]])[1][0][2].startswith(
        "'3,4944' is ambiguous: a comma only separates thousands")
    assert wrong_cells(check, [[1, "conv", [96, 55, 55], 10**400], RIGHT[1]]) == \
        (0.75, [("layer 1 · params", "a 401-digit number", "the number is too large to use (a 401-digit number)")])
    assert wrong_cells(check, [[1, "conv", [96, 55, 55], 34000], [2, "avgpool", [256, 13, 12], 0]]) == (0.25, [
        ("layer 1 · params", "34000", "reads as 34000, which is not the expected number"),
        ("layer 2 · type", "'avgpool'", "not the expected name (letters and digits are compared, case aside)"),
        ("layer 2 · output", "[256, 13, 12]", "reads as (256, 13, 12), which is not the expected shape")])


def test_a_table_in_persian_digits_is_matched_by_its_key_and_read_cell_by_cell():
    check = table_check(NET)
    persian = [["۲", "Max Pooling", "۲۵۶×۱۳×۱۳", "۰"], ["۱", "conv", "(۹۶، ۵۵، ۵۵)", "۳۴٬۹۴۴"]]  # rows in any order
    assert grade(check, persian).status == "passed"
    assert grade(check, {"layer": ["\u200f۱", "٢"], "type": ["conv", "maxpool"], "output": ["96x55x55", [256, 13, 13]],
                         "params": ["34,944", "−0"]}).status == "passed"
    outcome = grade(check, [["۱", "conv", "(۹۶، ۵۵٫۵، ۵۵)", "۳۴٬۹۴۴"]])  # layer 2 left out
    assert outcome.fraction == 0.25
    assert [(d.label, d.note) for d in outcome.details] == [
        ("layer 1 · output", "55.5 is not a whole number; a shape's sizes are whole numbers"),
        ("layer 2 · type", "the table has no row for layer 2"),
        ("layer 2 · output", "the table has no row for layer 2")]
    assert outcome.feedback.en == "1 of 4 cells are right."


def test_objects_never_match_a_cell_however_they_are_named():
    check = table_check(NET)
    fraction, details = wrong_cells(check, [RIGHT[0], [2, OPAQUE, crossed(np.array([256, 13, 13])), 0]])
    assert (fraction, details) == (0.75, [("layer 2 · type", "<an object of type maxpool>",
                                           "an object of type maxpool, not a value")])
    whole = grade(check, OPAQUE)
    assert whole.status == "failed" and whole.feedback.en == "an object of type maxpool, not a value"


def test_a_column_that_is_no_list_costs_its_own_cells():
    check = table_check(NET)
    columns = {"layer": [1, 2], "type": ["conv", "maxpool"], "output": "see above", "params": [34944, 0]}
    fraction, details = wrong_cells(check, columns)
    assert fraction == 0.5 and [d[2] for d in details] == ["no value in this cell", "no value in this cell"]


def test_a_table_that_cannot_be_read_at_all_says_so():
    check = table_check(NET)
    outcome = grade(check, "hello")
    assert outcome.status == "failed" and outcome.feedback.en == \
        "could not read a table (DataFrame, list of rows or dict of columns) from the text 'hello'"
    assert grade(check, []).feedback.en == "the table is empty"


def test_truth_cells_read_words_and_digits_in_either_language():
    check = table_check({"columns": ["statement", "answer"], "key": "statement",
                         "rows": [["s1", False], ["s2", True], ["s3", True], ["s4", False]],
                         "ask": [[0, "answer"], [1, "answer"], [2, "answer"], [3, "answer"]]})
    assert grade(check, [["s1", "نادرست"], ["s2", "۱"], ["s3", "صحيح"], ["s۴", 0.0]]).status == "passed"
    fraction, details = wrong_cells(check, [["s1", "maybe"], ["s2", np.array([True])], ["s3", 2], ["s4", OPAQUE]])
    assert fraction == 0 and [d[2] for d in details] == [
        "'maybe' is not True or False (nor درست or نادرست)", "[ True] is not True or False (nor درست or نادرست)",
        "2 is not True or False (nor درست or نادرست)", "an object of type maxpool, not a value"]


# --- a single number -------------------------------------------------------------------------

def numeric_check(expected):
    answer = Answer(name="x", check="numeric", points=1, prompt={"fa": "ع", "en": "n"},
                    reference="ex1_backprop.forward_values")
    check = NumericCheck(RUBRIC.question("q1a"), answer, REFS)
    check.expected = expected
    return check


@pytest.mark.parametrize("value", ["۱٬۵۶۸", "1,568", " ۱۵۶۸\u200f", [1568], np.array([1568.0]), "1.568e3"])
def test_a_number_in_any_spelling_passes(value):
    assert grade(numeric_check(1568), value).status == "passed"


@pytest.mark.parametrize("value, reason", [
    ("2,5", "'2,5' is ambiguous: a comma only separates thousands (as in 1,568); write a decimal point as 2.5 or ۲٫۵"),
    (BIG, "the number is too large to use (a 401-digit number)"),
    (NAN, "nan (not a number) where a number was expected"),
    (np.array([True]), "an array of truth values (True/False) where numbers were expected"),
    (OPAQUE, "an object of type maxpool, not a value"),
])
def test_a_number_that_cannot_be_used_fails_with_the_reason(value, reason):
    outcome = grade(numeric_check(2.5), value)
    assert outcome.status == "failed" and outcome.feedback.en == reason


def test_two_and_a_half_in_persian_is_two_and_a_half():
    assert grade(numeric_check(2.5), "۲٫۵").status == "passed"


# --- rendering -------------------------------------------------------------------------------

def test_fmt_shows_hostile_values_briefly():
    assert fmt(wire.BigInt(False, 400)) == "a 400-digit number"
    assert fmt(wire.BigInt(True, 400)) == "a negative 400-digit number"
    assert fmt(10**400) == "a 401-digit number" and fmt(BIG) == "a 401-digit number"
    assert fmt(NAN) == "nan" and fmt([1.0, NAN]) == "[ 1. nan]" and fmt(-0.0) == "-0"
    assert fmt([96, 55, 55]) == "[96, 55, 55]" and fmt((4096,)) == "(4096,)" and fmt([1.5, 2]) == "[1.5 2. ]"
    assert fmt(OPAQUE) == repr(OPAQUE)
    assert fmt(wire.Frame(["a", "b"], [0, 1], [[1, "x"], 5])) == "a | b\n1 | 'x'\n5"
    assert len(fmt("x" * 10**6)) == 602 and len(fmt({str(i): i for i in range(10**5)})) <= 602
    assert describe(wire.BigInt(False, 400)) == "a 400-digit number"


# --- nothing escapes but Unreadable -----------------------------------------------------------

def _hostile():
    deep = [1]
    for _ in range(40):
        deep = [deep]
    plain = [NAN, INF, -INF, -0.0, 0, 10**300, 10**400, -10**400, wire.BigInt(True, 500), True, False, None, b"",
             b"\xff", "", " ", "-", "\u202e", "۱٬۵۶۸", "2,5", "x" * 10**5, 1 + 1j, [], [[]], [[1, 2], [3]], [NAN],
             [None], [[None]], {}, {"a": {}}, {"a": [1, "x"]}, {"layer": 5}, {"layer": [1], "type": 5},
             deep, np.array([]), np.array([[True]]), np.zeros((2, 0)), np.array([INF, NAN]),
             np.array([2**64 - 1], dtype=np.uint64), np.array(["a"]), np.float32("nan"), np.int8(3),
             wire.Frame(["a"], [], 5), wire.Frame(["layer"], [0], [[1], 5, "x"]), wire.Frame([], [], []), OPAQUE,
             [OPAQUE], {"1": OPAQUE}, [[OPAQUE, OPAQUE, OPAQUE, OPAQUE]], object()]
    return plain + [crossed(v) for v in (10**400, [maxpool(), -10**400], {maxpool(): 1}, {"a": 1 + 2j}, int)]


def test_no_reader_or_check_raises_anything_but_unreadable_on_hostile_values():
    table, number = table_check(NET), numeric_check(1.0)
    readers = [as_number, as_array, as_shape, describe, lambda v: as_rows(v, COLUMNS, "layer"),
               lambda v: as_rows(v, COLUMNS, None), lambda v: as_mapping(v, ["a", "b"]), table.compare, number.compare,
               lambda v: table.compare([[1, "conv", v, v], [2, v, v, v]]),
               lambda v: table.compare({"layer": [v, 2], "type": v, "output": [v, v], "params": v}),
               lambda v: table.compare({"1": v, "2": [v, v, v]})]
    for value in _hostile():
        assert isinstance(fmt(value), str) and len(fmt(value)) <= 602
        for read in readers:
            try:
                read(value)
            except Unreadable as exc:
                assert exc.fa and exc.en
