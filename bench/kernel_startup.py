"""Kernel start-up with the heavy imports, cold vs warm (forked by the zygote), both sandboxed.

Each run is one notebook whose only cell is `import numpy, torch`, then the probe: the kernel's
whole cost per submission (start, imports, probe, shutdown, cleanup), A/B-interleaved.
Usage: python bench/kernel_startup.py [--n 20] [--preload numpy torch]
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from grader.kernel import sandbox
from grader.kernel.execute import execute
from grader.kernel.probe import Request
from grader.rubric.schema import KernelOptions, Limits


def once(workdir: Path, kernel: KernelOptions) -> float:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import numpy, torch\nx = 40 + 2")])
    start = time.perf_counter()
    ex = execute(nb, workdir, [Request(key="x", name="x")], limits=Limits(), use_sandbox=True, kernel=kernel)
    assert ex.replies["x"].value == 42 and not ex.failures, ex
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--preload", nargs="*", default=["numpy", "torch"])
    args = parser.parse_args()
    if reason := sandbox.unavailable_reason():
        raise SystemExit(f"no sandbox here: {reason}")
    modes = {"cold": KernelOptions(warm=False), "warm": KernelOptions(preload=args.preload)}
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    with tempfile.TemporaryDirectory() as tmp:
        once(Path(tmp), modes["cold"])  # warm the file cache
        first = once(Path(tmp), modes["warm"])  # starts the zygote: paid once per grading process
        for _ in range(args.n):
            for mode, kernel in modes.items():
                times[mode].append(once(Path(tmp), kernel))
    cold, warm = statistics.median(times["cold"]), statistics.median(times["warm"])
    print(f"sandboxed kernel start + `import numpy, torch` + probe, median of {args.n}: "
          f"cold {cold:.3f} s, warm (zygote preloading {', '.join(args.preload)}) {warm:.3f} s, "
          f"{cold / warm:.1f}x; zygote start with the first kernel {first:.3f} s once per grading process")
    for mode, values in times.items():
        print(f"  {mode}: min {min(values):.3f} s, max {max(values):.3f} s")


if __name__ == "__main__":
    main()
