"""hw3 exercise 12: the solved AlexNet-style table against closed-form formulas and the statement."""

import math

from reference.hw3 import ex12_alexnet as ex12

# The `*` cells of the statement, counted by hand from the printed table (0-based row index):
# row 8's "***" hides in, out, k, p and s; row 9's "k=3, ***" hides the stride.
STARS = {
    1: {"in", "out", "p", "params"},
    2: {"type", "in", "out", "s"},
    3: {"in", "out", "k", "params"},
    4: {"output", "params"},
    5: {"output", "params"},
    6: {"out", "output"},
    7: {"in", "out", "k", "p", "s", "params"},
    8: {"s", "params"},
    9: {"in", "out", "params"},
    10: {"out", "params"},
    11: {"out", "output", "params"},
}


def _rows() -> list[dict]:
    t = ex12.table()
    return [dict(zip(t["columns"], row)) for row in t["rows"]]


def test_shapes_and_counts_match_closed_form():
    rows = _rows()
    assert [r["layer"] for r in rows] == list(range(1, 13))
    for prev, row in zip(rows, rows[1:]):
        if row["type"] == "linear":
            assert row["in"] == math.prod(prev["output"])
            assert row["output"] == [row["out"]]
            assert row["params"] == row["out"] * (row["in"] + 1)
            continue
        n = (prev["output"][1] + 2 * row["p"] - row["k"]) // row["s"] + 1
        assert row["in"] == prev["output"][0]
        assert row["output"] == [row["out"], n, n]
        expected = row["out"] * (row["in"] * row["k"] ** 2 + 1) if row["type"] == "conv" else 0
        assert row["params"] == expected


def test_known_values():
    rows = _rows()
    assert rows[6]["params"] == 1327488
    assert rows[6]["params"] - rows[6]["out"] == 1327104  # without one bias per output channel
    assert rows[1]["params"] == 34944 and rows[1]["p"] == 0
    assert rows[2]["type"] == "maxpool" and rows[2]["s"] == 2
    assert (rows[3]["k"], rows[3]["params"]) == (1, 24832)  # p=0, s=1 and 27 -> 27 force k=1
    assert (rows[7]["k"], rows[7]["p"], rows[7]["s"]) == (3, 1, 1)
    assert rows[8]["s"] == 2
    assert [r["out"] for r in rows[9:]] == [4096, 4096, 1000]
    assert rows[9]["in"] == 9216 and rows[11]["output"] == [1000]


def test_ask_matches_statement_stars():
    t = ex12.table()
    assert t["key"] == "layer" and t["columns"][0] == "layer"
    asked = {}
    for i, col in t["ask"]:
        asked.setdefault(i, set()).add(col)
    assert asked == STARS
    assert len(t["ask"]) == sum(map(len, STARS.values())) == 34


def test_ambiguities_are_real_and_resolved():
    assert {c["p"] for c in ex12.candidates(2)} == {0, 1}
    assert {c["type"] for c in ex12.candidates(3)} == {"maxpool", "avgpool"}
    assert {(c["k"], c["p"]) for c in ex12.candidates(8)} >= {(1, 0), (3, 1)}
    assert {c["s"] for c in ex12.candidates(8)} == {1}
    assert len(ex12.candidates(4)) == len(ex12.candidates(9)) == 1


def test_assumptions_are_bilingual():
    assert ex12.ASSUMPTIONS
    for a in ex12.ASSUMPTIONS:
        assert set(a) == {"fa", "en"}
        assert any("\u0600" <= ch <= "\u06ff" for ch in a["fa"])
