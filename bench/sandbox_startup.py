"""Start-up cost of the sandbox: a kernel started, one cell run and the probe answered, with and
without bubblewrap, interleaved A/B. Usage: python bench/sandbox_startup.py [--n 20]."""
import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from grader.kernel.execute import execute
from grader.kernel.probe import Request
from grader.rubric.schema import KernelOptions, Limits


def once(workdir: Path, use_sandbox: bool) -> float:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 40 + 2")])
    start = time.perf_counter()
    ex = execute(nb, workdir, [Request(key="x", name="x")], limits=Limits(), use_sandbox=use_sandbox,
                 kernel=KernelOptions(warm=False))  # cold kernels both ways; bench/kernel_startup.py: warm
    assert ex.replies["x"].value == 42, ex
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    n = parser.parse_args().n
    times: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as tmp:
        once(Path(tmp), True)  # warm the file cache
        for _ in range(n):
            for mode in (True, False):
                times[mode].append(once(Path(tmp), mode))
    sandboxed, plain = statistics.median(times[True]), statistics.median(times[False])
    print(f"kernel start + 1 cell + probe, median of {n}: sandboxed {sandboxed:.3f} s, "
          f"unsandboxed {plain:.3f} s, sandbox cost {sandboxed - plain:+.3f} s")


if __name__ == "__main__":
    main()
