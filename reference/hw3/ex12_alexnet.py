"""Exercise 12: fill every `*` of the AlexNet-style table, solved by search and checked by torch.

The unknowns are found by enumerating small integer ranges against the table's constraints
(output size floor((n + 2p - k) / s) + 1, parameters out * (in * k^2 + 1) with one bias per
output channel, consecutive layers agreeing on channels / features, 1000 classes). Where
several candidates survive, ``PREFERENCES`` picks AlexNet's choice, each recorded in
``ASSUMPTIONS``; any other ambiguity raises. The solved layers are then built as a torch
model and every shape and parameter count in the answer comes from the framework.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import nn

STAR = "*"  # a cell the student must fill; a key left out is blank in the statement (or "-")
N_CLASSES = 1000
COLUMNS = ["layer", "type", "in", "out", "k", "p", "s", "output", "params"]
# The statement's table, one dict per row. Row 8's "***" hides its whole specification,
# row 9's "k=3, ***" its stride (row 5, the same kind of layer, reads "k=3 s=2").
STATEMENT: tuple[dict, ...] = (
    {"type": "input", "output": (3, 227, 227)},
    {"type": "conv", "in": STAR, "out": STAR, "k": 11, "p": STAR, "s": 4, "output": (96, 55, 55), "params": STAR},
    {"type": STAR, "in": STAR, "out": STAR, "k": 3, "p": 0, "s": STAR, "output": (96, 27, 27), "params": 0},
    {"type": "conv", "in": STAR, "out": STAR, "k": STAR, "p": 0, "s": 1, "output": (256, 27, 27), "params": STAR},
    {"type": "maxpool", "k": 3, "s": 2, "output": STAR, "params": STAR},
    {"type": "conv", "in": 256, "out": 384, "k": 3, "p": 1, "s": 1, "output": STAR, "params": STAR},
    {"type": "conv", "in": 384, "out": STAR, "k": 3, "p": 1, "s": 1, "output": STAR, "params": 1327488},
    {"type": "conv", "in": STAR, "out": STAR, "k": STAR, "p": STAR, "s": STAR, "output": (256, 13, 13), "params": STAR},
    {"type": "maxpool", "k": 3, "s": STAR, "output": (256, 6, 6), "params": STAR},
    {"type": "linear", "in": STAR, "out": STAR, "params": STAR},
    {"type": "linear", "in": 4096, "out": STAR, "params": STAR},
    {"type": "linear", "in": 4096, "out": STAR, "output": STAR, "params": STAR},
)
# Search ranges for unknown cells; padding is further limited to p <= k // 2, and a padding
# the table does not print (rows 5 and 9) is PyTorch's default 0.
SPATIAL_TYPES = ("conv", "maxpool", "avgpool")
KERNELS = range(1, 12)
STRIDES = range(1, 5)
CHANNELS = range(1, 4097)
# Tie-breaks, by layer number, where the table admits several answers.
PREFERENCES: dict[int, dict] = {2: {"p": 0}, 3: {"type": "maxpool"}, 8: {"k": 3, "p": 1}}
ASSUMPTIONS: list[dict[str, str]] = [
    {
        "fa": "در همه لایه‌های پیچشی و ادغام، پدینگ حداکثر نصف اندازه فیلتر است (p ≤ ⌊k/2⌋)؛ "
        "PyTorch این شرط را برای لایه ادغام الزامی می‌داند و بدون آن سطر هشتم با گام ۲ و پدینگ بزرگ هم ممکن بود.",
        "en": "Padding is at most half the kernel (p ≤ ⌊k/2⌋) in every convolution and pooling layer; "
        "PyTorch requires it for pooling, and without it row 8 could also use stride 2 with a large padding.",
    },
    {
        "fa": "در سطرهای پنجم و نهم جدول پدینگ را ننوشته است؛ مقدار پیش‌فرض PyTorch یعنی p=0 در نظر گرفته شده است "
        "(با p=1 خروجی سطر پنجم ۱۴×۱۴ می‌شد و سطر هشتم به فیلتر زوج نیاز داشت).",
        "en": "Rows 5 and 9 print no padding; PyTorch's default p=0 is taken "
        "(p=1 would make row 5's output 14×14 and need an even kernel in row 8).",
    },
    {
        "fa": "در سطر دوم هر دو مقدار p=0 و p=1 خروجی ۵۵ می‌دهند؛ مانند AlexNet مقدار p=0 انتخاب شده است "
        "که با آن (227−11)/4 بدون باقی‌مانده است.",
        "en": "In row 2 both p=0 and p=1 give 55; p=0 is taken, as in AlexNet, where (227−11)/4 divides exactly.",
    },
    {
        "fa": "سطر سوم پارامتری ندارد، پس لایه ادغام است؛ مانند AlexNet و سطرهای پنجم و نهم، "
        "ادغام بیشینه (Max Pooling) در نظر گرفته شده است.",
        "en": "Row 3 has no parameters, so it is a pooling layer; max pooling is taken, as in AlexNet and rows 5 and 9.",
    },
    {
        "fa": "در سطر چهارم جدول پدینگ را صفر و گام را یک داده است، پس اندازه فیلتر باید ۱ باشد تا ابعاد ۲۷ حفظ شود "
        "(AlexNet در اینجا k=5 و p=2 دارد)؛ مقدار جدول همان‌طور که نوشته شده پذیرفته شده است.",
        "en": "Row 4 fixes p=0 and s=1, so keeping 27×27 forces k=1 (AlexNet has k=5, p=2 here); "
        "the table is taken as printed.",
    },
    {
        "fa": "در سطر هشتم هر فیلتر با اندازه فرد k و پدینگ p=(k−1)/2 با گام ۱ ابعاد ۱۳ را حفظ می‌کند (مثلاً k=1 و p=0)؛ "
        "مانند AlexNet مقدار k=3 و p=1 انتخاب شده است.",
        "en": "In row 8 any odd k with p=(k−1)/2 and s=1 keeps 13×13 (for example k=1, p=0); "
        "k=3, p=1 is taken, as in AlexNet.",
    },
]


def _given(row: dict, key: str) -> object | None:
    """The statement's value of a cell, or None where it is asked or blank."""
    value = row.get(key)
    return None if value == STAR else value


def _spatial_candidates(row: dict, previous: tuple[int, int, int]) -> list[dict]:
    """Every (type, in, out, k, p, s) consistent with the row and the previous output."""
    channels, size, _ = previous
    out_given = _given(row, "output")
    found = []
    for kind, k, s in itertools.product(
        [_given(row, "type")] if _given(row, "type") else SPATIAL_TYPES,
        [_given(row, "k")] if _given(row, "k") else KERNELS,
        [_given(row, "s")] if _given(row, "s") else STRIDES,
    ):
        pads = range(k // 2 + 1) if row.get("p") == STAR else [row.get("p", 0)]  # unprinted: torch's 0
        if kind != "conv":
            outs = [channels]  # pooling keeps the channels
        elif _given(row, "out"):
            outs = [_given(row, "out")]
        else:
            outs = [out_given[0]] if out_given else CHANNELS
        for p, out in itertools.product(pads, outs):
            n = (size + 2 * p - k) // s + 1
            params = out * (channels * k * k + 1) if kind == "conv" else 0
            if n < 1 or (out_given and out_given != (out, n, n)):
                continue
            if _given(row, "params") is not None and _given(row, "params") != params:
                continue
            if _given(row, "in") not in (None, channels):
                continue
            found.append({"type": kind, "in": channels, "out": out, "k": k, "p": p, "s": s, "output": (out, n, n)})
    return found


def candidates(layer: int) -> list[dict]:
    """All specifications of a (1-based) layer consistent with the table and the earlier layers."""
    return _solve(upto=layer, prefer_last=False)[-1]


def solve() -> list[dict]:
    """The specification of every layer, with ``PREFERENCES`` resolving the ambiguities."""
    return [found[0] for found in _solve(upto=len(STATEMENT), prefer_last=True)]


def _solve(upto: int, prefer_last: bool) -> list[list[dict]]:
    """Candidate lists for layers 1..upto; every layer but an unpreferred last one must be unique."""
    solved = [[{"type": "input", "output": STATEMENT[0]["output"]}]]
    for layer in range(2, upto + 1):
        row, previous = STATEMENT[layer - 1], solved[-1][0]
        if row["type"] == "linear":
            following = STATEMENT[layer] if layer < len(STATEMENT) else {}
            found = [_linear(row, previous["output"], _given(following, "in") or N_CLASSES)]
        else:
            found = _spatial_candidates(row, previous["output"])
        final = layer == upto and not prefer_last
        if not final and len(found) > 1:
            found = [c for c in found if all(c[k] == v for k, v in PREFERENCES.get(layer, {}).items())]
        if not found or (len(found) > 1 and not final):
            raise ValueError(f"layer {layer}: {len(found)} candidates {found}")
        solved.append(found)
    return solved


def _linear(row: dict, previous: tuple[int, ...], out: int) -> dict:
    """A linear layer: in = the flattened previous output, out = the next layer's in."""
    features = math.prod(previous)
    if _given(row, "in") not in (None, features):
        raise ValueError(f"linear in={row['in']} but the previous layer gives {features}")
    return {"type": "linear", "in": features, "out": out, "k": None, "p": None, "s": None, "output": (out,)}


def _module(spec: dict, after_spatial: bool) -> nn.Module:
    """The torch layer for one solved row, on the meta device (shapes only, no memory)."""
    if spec["type"] == "conv":
        return nn.Conv2d(spec["in"], spec["out"], spec["k"], stride=spec["s"], padding=spec["p"], device="meta")
    if spec["type"] == "maxpool":
        return nn.MaxPool2d(spec["k"], stride=spec["s"], padding=spec["p"])
    if spec["type"] == "avgpool":
        return nn.AvgPool2d(spec["k"], stride=spec["s"], padding=spec["p"])
    linear = nn.Linear(spec["in"], spec["out"], device="meta")
    return nn.Sequential(nn.Flatten(), linear) if after_spatial else linear


def build_model() -> nn.Sequential:
    """The solved network as a torch model, one child module per table row after the input."""
    specs = solve()
    return nn.Sequential(*(_module(s, prev["type"] != "linear") for prev, s in zip(specs, specs[1:])))


def table(bias: bool = True) -> dict:
    """The filled table; shapes come from forward hooks and counts from the model's parameters.

    `bias=False` leaves the biases out of the counts, a known wrong answer (the rubric's diagnoses)."""
    specs, model = solve(), build_model()
    shapes: list[list[int]] = []
    for child in model:
        child.register_forward_hook(lambda _m, _i, out: shapes.append(list(out.shape[1:])))
    model(torch.zeros(1, *STATEMENT[0]["output"], device="meta"))
    rows = [[1, "input", None, None, None, None, None, list(specs[0]["output"]), None]]
    for layer, (spec, child, shape) in enumerate(zip(specs[1:], model, shapes), start=2):
        params = sum(p.numel() for name, p in child.named_parameters() if bias or not name.endswith("bias"))
        rows.append([layer, spec["type"], spec["in"], spec["out"], spec["k"], spec["p"], spec["s"], shape, params])
    ask = [[i, col] for i, row in enumerate(STATEMENT) for col in COLUMNS if row.get(col) == STAR]
    return {"columns": COLUMNS, "rows": rows, "key": "layer", "ask": ask}
