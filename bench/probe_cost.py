"""What collecting answers one cell each costs: time per answer, sandboxed, warm kernel.

One notebook defines `--values` value answers (a scalar, a 1,000-float array, a dict of arrays,
a shape table, in turn) and `--functions` function answers called `--trials` times each; it is
executed `--n` times and every answer's collection time (its cell's round trip: the request,
the student's call, encoding, the reply) is recorded by `execute`. Printed: the median and 90th
percentile per answer by kind, and the whole collection per notebook.
Usage: python bench/probe_cost.py [--n 5] [--values 40] [--functions 10] [--trials 3]
"""
import argparse
import statistics
import tempfile
from pathlib import Path

import nbformat
import numpy as np

from grader.kernel import sandbox
from grader.kernel.execute import execute
from grader.kernel.probe import Request
from grader.rubric.schema import KernelOptions, Limits

VALUES = ["3.25", "np.linspace(0, 1, 1000)", "{'w': np.ones((8, 8)), 'b': np.zeros(8)}",
          "[{'layer': i, 'shape': (96, 55, 55), 'params': 34944} for i in range(8)]"]


def notebook(values: int, functions: int) -> nbformat.NotebookNode:
    lines = ["import numpy as np"]
    lines += [f"v{i} = {VALUES[i % len(VALUES)]}" for i in range(values)]
    lines += [f"def f{i}(x):\n    return np.tanh(x) * {i}" for i in range(functions)]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("\n".join(lines))])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--values", type=int, default=40)
    parser.add_argument("--functions", type=int, default=10)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    use_sandbox = sandbox.unavailable_reason() is None
    x = np.random.default_rng(0).normal(size=(16, 16))
    requests = ([Request(key=f"v{i}", name=f"v{i}") for i in range(args.values)]
                + [Request(key=f"f{i}#{t}", name=f"f{i}", kind="call", args={"x": x})
                   for i in range(args.functions) for t in range(args.trials)])
    kinds = {"value": [], "call": []}
    totals = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.n + 1):  # the first starts the warm-kernel factory: not counted
            ex = execute(notebook(args.values, args.functions), Path(tmp), requests, limits=Limits(),
                         use_sandbox=use_sandbox, kernel=KernelOptions())
            assert all(r.status == "ok" for r in ex.replies.values()), ex.replies
            if run == 0:
                continue
            for request, seconds in zip(requests, ex.answer_s):
                kinds[request.kind].append(seconds)
            totals.append(sum(ex.answer_s))
    print(f"sandbox: {'yes' if use_sandbox else 'no'}; {args.n} notebooks, {len(requests)} answers each")
    for kind, seconds in kinds.items():
        q = statistics.quantiles(seconds, n=10)
        print(f"{kind:>6}: median {statistics.median(seconds) * 1000:.1f} ms per answer, p90 {q[-1] * 1000:.1f} ms "
              f"({len(seconds)} answers)")
    print(f"collection per notebook: median {statistics.median(totals):.3f} s")


if __name__ == "__main__":
    main()
