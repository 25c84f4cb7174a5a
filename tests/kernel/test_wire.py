"""The pickle-free wire format: values come out of the kernel as plain data."""
import json

import numpy as np
import pandas as pd
import pytest
import torch

from grader.kernel import wire


def roundtrip(value):
    return wire.loads(wire.dumps(value))


def test_arrays_tensors_and_frames_cross_as_data():
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    back = roundtrip({"a": arr, "t": torch.tensor([[1.5, -2.0]]), "n": np.int64(3), "f": float("nan")})
    assert back["a"].dtype == np.float32 and np.array_equal(back["a"], arr)
    assert np.array_equal(back["t"], [[1.5, -2.0]])
    assert back["n"] == 3 and type(back["n"]) is int
    assert np.isnan(back["f"])
    frame = roundtrip(pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}))
    assert isinstance(frame, wire.Frame) and frame.columns == ["x", "y"] and frame.rows == [[1, "a"], [2, "b"]]
    assert roundtrip(torch.Size([3, 4])) == [3, 4]


def test_objects_that_lie_are_reduced_to_plain_values():
    class Liar(float):
        def __eq__(self, other):
            return True

    class Anything:
        def __eq__(self, other):
            return True

    assert type(roundtrip(Liar(2.5))) is float and roundtrip(Liar(2.5)) == 2.5
    opaque = roundtrip(Anything())
    assert isinstance(opaque, wire.Opaque) and opaque.type.endswith("Anything")


def test_non_numeric_arrays_are_refused():
    forged = {"__ndarray__": {"dtype": "object", "shape": [1], "data": ""}}
    with pytest.raises(ValueError, match="refused"):
        wire.decode(forged)
    assert "object" not in json.dumps(wire.encode(np.array(["a", "b"], dtype=object)))


class _Calls:
    """Records whether any of the student's methods ran while a value was encoded."""
    ran: list[str] = []


def _spy(name):
    def method(self, *a, **k):
        _Calls.ran.append(name)
        raise AssertionError(f"student code ran: {name}")
    return method


def test_encoding_runs_none_of_the_students_code():
    _Calls.ran = []
    dunders = ["__int__", "__index__", "__float__", "__str__", "__repr__", "__iter__", "__len__", "__getitem__"]
    LyingInt = type("LyingInt", (int,), {n: _spy(n) for n in dunders})
    LyingFloat = type("LyingFloat", (float,), {n: _spy(n) for n in dunders})
    LyingStr = type("LyingStr", (str,), {n: _spy(n) for n in dunders})
    LyingList = type("LyingList", (list,), {n: _spy(n) for n in dunders})
    LyingDict = type("LyingDict", (dict,), {**{n: _spy(n) for n in dunders}, "items": _spy("items")})

    class Shifty:
        __class__ = property(_spy("__class__"))
        __repr__ = _spy("__repr__")

    value = {"i": LyingInt(7), "f": LyingFloat(2.5), "s": LyingStr("conv"), "l": LyingList([1, 2]),
             "d": LyingDict(a=1), "o": Shifty(), LyingStr("k"): 1}
    back = roundtrip(value)
    assert _Calls.ran == []
    assert back["i"] == 7 and type(back["i"]) is int and back["f"] == 2.5 and back["s"] == "conv"
    assert back["l"] == [1, 2] and back["d"] == {"a": 1} and back["k"] == 1
    assert isinstance(back["o"], wire.Opaque) and back["o"].type.endswith("Shifty")


def test_huge_deep_and_oversized_values_are_bounded():
    big = roundtrip(-(10 ** 5000))
    assert isinstance(big, wire.BigInt) and big.negative and big.digits in (5000, 5001)
    assert roundtrip(2 ** 1000) == 2 ** 1000
    deep: list = []
    cur = deep
    for _ in range(100_000):
        cur.append([])
        cur = cur[0]
    with pytest.raises(wire.TooLarge, match="nested"):
        wire.encode(deep)
    with pytest.raises(wire.TooLarge, match="larger"):
        wire.encode(np.zeros(2**20), max_bytes=2**20)
    assert wire.encode(np.zeros(2**10), max_bytes=2**20)


def test_forged_wire_objects_are_refused():
    deep = {"__dict__": [["a", None]]}
    for _ in range(40):
        deep = [deep]
    for forged in (deep, {"__ndarray__": {"dtype": "float64", "shape": [-1], "data": ""}},
                   {"__ndarray__": {"dtype": "float64", "shape": [10**12, 10**12], "data": ""}},
                   {"__float__": "1e999"}, {"__dict__": [], "__float__": "nan"}, {"__mystery__": 1}):
        with pytest.raises(ValueError):
            wire.decode(forged)


def test_tensorflow_and_keras_values_cross_as_arrays():
    keras = pytest.importorskip("keras")
    tf = pytest.importorskip("tensorflow")
    assert np.array_equal(roundtrip(tf.constant([1.5, 2.0])), [1.5, 2.0])
    back = roundtrip(keras.Variable(np.ones((2, 2), dtype="float32")))
    assert back.dtype == np.float32 and back.shape == (2, 2)
    assert isinstance(roundtrip(keras.layers.Dense(2)), wire.Opaque)


def test_sets_cross_as_lists_without_running_the_students_code():
    class Lying(set):
        def __iter__(self):
            raise RuntimeError("never called")

    assert sorted(wire.decode(wire.encode({3, 1, 2}))) == [1, 2, 3]
    assert sorted(map(str, wire.decode(wire.encode(frozenset({"a", (1, 2)}))))) == ["[1, 2]", "a"]
    assert sorted(wire.decode(wire.encode(Lying({1, 2})))) == [1, 2]
    assert len(wire.decode(wire.encode(set(range(wire.MAX_ITEMS + 5))))) == wire.MAX_ITEMS
