"""The wire format answers use to leave the student's kernel: JSON, arrays as raw bytes.

Nothing that crosses is pickled, and encoding calls none of the student's code: ints, floats,
strings, lists and dicts (subclasses included) are read through their base types' own methods,
and any other object crosses as its type name only (its `repr` could hang or lie). The same
source runs on both sides: the grader imports it to decode, and `probe.py` sends its text into
the kernel to encode. It may only import the standard library at module level (numpy, torch,
pandas, TensorFlow are looked up lazily, if present). Both directions are bounded in depth and
size, so a hostile value costs its own answer, never the grader.
"""
import base64
import itertools
import json
import sys

ARRAY_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                "uint64", "float16", "float32", "float64", "complex64", "complex128")
MAX_DEPTH = 12
MAX_ITEMS = 100_000
BIG_INT_BITS = 1024  # past this no float can hold the number (and str() of it may refuse)
DEFAULT_MAX_BYTES = 32 * 2**20

_type_name = type.__dict__["__qualname__"].__get__
_type_module = type.__dict__["__module__"].__get__


class TooLarge(ValueError):
    """The answer is bigger or deeper than one answer may be."""


def type_name(value):
    """The qualified name of `value`'s type, read without calling anything the student defined."""
    name = _type_name(type(value))
    return str.__str__(name) if issubclass(type(name), str) else "object"


def _module_of(cls):
    module = _type_module(cls)
    return str.__str__(module).split(".")[0] if issubclass(type(module), str) else ""


def _float(x):
    if x == x and x not in (float("inf"), float("-inf")):
        return x
    return {"__float__": "nan" if x != x else ("inf" if x > 0 else "-inf")}


def _int(x):
    if x.bit_length() <= BIG_INT_BITS:
        return x
    return {"__bigint__": {"negative": x < 0, "digits": int(x.bit_length() * 0.30103) + 1}}


def _key(k):
    """A dict key as text: exact types by their own rendering, anything else by its type name."""
    cls = type(k)
    if issubclass(cls, str):
        return str.__str__(k)
    if cls is bool or k is None:
        return repr(k)
    if issubclass(cls, int):
        v = int.__int__(k)
        return repr(v) if v.bit_length() <= BIG_INT_BITS else "<big integer>"
    if issubclass(cls, float):
        return float.__repr__(float.__float__(k))
    return f"<{type_name(k)}>"


def _tensorflow_types():
    """TensorFlow's tensors and variables and Keras's variables, of the libraries already imported."""
    names = (("tensorflow", "Tensor"), ("tensorflow", "Variable"), ("keras", "Variable"))
    return tuple(getattr(sys.modules[m], n) for m, n in names if m in sys.modules and hasattr(sys.modules[m], n))


class Encoder:
    """Reduces one answer to JSON-able data within `max_bytes` (roughly, as JSON) and MAX_DEPTH."""

    def __init__(self, max_bytes=DEFAULT_MAX_BYTES):
        self.left = max_bytes

    def _spend(self, n):
        self.left -= n
        if self.left < 0:
            raise TooLarge("the answer is larger than the size allowed for one answer")

    def _ndarray(self, a):
        import numpy as np

        a = np.ascontiguousarray(a)
        self._spend(a.nbytes * 4 // 3 + 64)
        data = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        return {"__ndarray__": {"dtype": a.dtype.name, "shape": list(a.shape),
                                "data": base64.b64encode(data).decode("ascii")}}

    def encode(self, value, depth=0):
        if depth > MAX_DEPTH:
            raise TooLarge(f"the answer is nested more than {MAX_DEPTH} levels deep")
        self._spend(8)
        cls = type(value)
        if value is None or cls is bool:
            return value
        if issubclass(cls, str):
            text = str.__str__(value)
            self._spend(len(text))
            return text
        if issubclass(cls, int):
            return _int(int.__int__(value))
        if issubclass(cls, float):
            return _float(float.__float__(value))
        if issubclass(cls, bytes):
            data = bytes.__getitem__(value, slice(None))
            self._spend(len(data) * 4 // 3)
            return {"__bytes__": base64.b64encode(data).decode("ascii")}
        if issubclass(cls, (list, tuple)):
            items = (list.__iter__ if issubclass(cls, list) else tuple.__iter__)(value)
            return [self.encode(v, depth + 1) for v in itertools.islice(items, MAX_ITEMS)]
        if issubclass(cls, (set, frozenset)):  # a collection without order crosses as a list
            items = (set.__iter__ if issubclass(cls, set) else frozenset.__iter__)(value)
            return [self.encode(v, depth + 1) for v in itertools.islice(items, MAX_ITEMS)]
        if issubclass(cls, dict):
            pairs = itertools.islice(dict.items(value), MAX_ITEMS)
            return {"__dict__": [[_key(k), self.encode(v, depth + 1)] for k, v in pairs]}
        module = _module_of(cls)
        torch = sys.modules.get("torch") if module == "torch" else None
        if torch is not None and issubclass(cls, torch.Tensor):
            with torch._C.DisableTorchFunctionSubclass():  # a subclass's __torch_function__ never runs
                t = torch.Tensor.detach(value).cpu()
                if t.layout != torch.strided:
                    t = t.to_dense()
                if t.dtype == torch.bfloat16:
                    t = t.float()
                return self.encode(t.resolve_conj().numpy(), depth)
        if module in ("tensorflow", "keras") and issubclass(cls, _tensorflow_types()):
            return self.encode(value.numpy(), depth)
        np = sys.modules.get("numpy") if module == "numpy" else None
        if np is not None and issubclass(cls, np.ndarray):
            array = np.ndarray.view(value, np.ndarray)  # a subclass's attributes never run
            if array.dtype.name in ARRAY_DTYPES:
                return self._ndarray(array)
            self._spend(array.size * 8)
            return self.encode(array.tolist(), depth + 1)
        if np is not None and issubclass(cls, np.generic):
            return self.encode(np.generic.item(value), depth)
        pd = sys.modules.get("pandas") if module == "pandas" else None
        if pd is not None and cls is pd.DataFrame:
            return {"__frame__": {"columns": [_key(c) for c in value.columns],
                                  "index": [self.encode(i, depth + 1) for i in value.index.tolist()[:MAX_ITEMS]],
                                  "rows": [[self.encode(v, depth + 2) for v in row] for row in
                                           itertools.islice(value.itertuples(index=False, name=None), MAX_ITEMS)]}}
        if pd is not None and cls is pd.Series:
            return {"__dict__": [[_key(k), self.encode(v, depth + 1)]
                                 for k, v in itertools.islice(value.items(), MAX_ITEMS)]}
        return {"__opaque__": {"type": type_name(value)}}


def encode(value, max_bytes=DEFAULT_MAX_BYTES):
    """Reduce `value` to plain JSON-able data; raises TooLarge past `max_bytes` or MAX_DEPTH."""
    return Encoder(max_bytes).encode(value)


def dumps(value):
    return json.dumps(encode(value), allow_nan=False)


class Frame:
    """A table that arrived as a pandas DataFrame: column names and row values."""

    def __init__(self, columns, index, rows):
        self.columns, self.index, self.rows = columns, index, rows

    def __repr__(self):
        return f"Frame(columns={self.columns!r}, rows={len(self.rows)})"


class Opaque:
    """An object that could not be reduced to data; only its type name crossed."""

    def __init__(self, type):
        self.type = type

    def __repr__(self):
        return f"<an object of type {self.type}>"


class BigInt:
    """An integer too long for any float; only its sign and number of digits crossed."""

    def __init__(self, negative, digits):
        self.negative, self.digits = negative, digits

    def __repr__(self):
        return f"<{'-' if self.negative else ''}{self.digits}-digit integer>"


def decode(obj, depth=0):
    """Inverse of `encode`, building numpy arrays (no pickle, numeric dtypes only). Raises
    ValueError on anything `encode` cannot have written, deeper or longer ones included."""
    if depth > MAX_DEPTH + 3:
        raise ValueError("wire object nested too deep")
    if isinstance(obj, list):
        if len(obj) > MAX_ITEMS:
            raise ValueError("wire list too long")
        return [decode(v, depth + 1) for v in obj]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if not isinstance(obj, dict) or len(obj) != 1:
        raise ValueError("unknown wire object")
    (tag, body), = obj.items()
    if tag == "__float__" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "__bigint__":
        return BigInt(bool(body["negative"]), int(body["digits"]))
    if tag == "__bytes__":
        return base64.b64decode(body)
    if tag == "__dict__":
        return {str(k): decode(v, depth + 1) for k, v in body[:MAX_ITEMS]}
    if tag == "__ndarray__":
        import numpy as np

        if body["dtype"] not in ARRAY_DTYPES:
            raise ValueError(f"refused array dtype {body['dtype']!r}")
        shape = body["shape"]
        if not (isinstance(shape, list) and len(shape) <= 32
                and all(type(n) is int and n >= 0 for n in shape)):
            raise ValueError("bad array shape")
        dtype = np.dtype(body["dtype"]).newbyteorder("<")
        raw = base64.b64decode(body["data"])
        return np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
    if tag == "__frame__":
        return Frame([str(c) for c in body["columns"]], decode(body["index"], depth + 1),
                     decode(body["rows"], depth + 1))
    if tag == "__opaque__":
        return Opaque(str(body["type"])[:200])
    raise ValueError("unknown wire object")


def loads(text):
    return decode(json.loads(text))
