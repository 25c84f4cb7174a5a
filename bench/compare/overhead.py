"""grader's own cost per submission beyond the student's code, and the PDF time per report.

For each of the first `--n` notebooks of a generated class (run.py or generate.py made it):
  cells     the student's own cells, timed one by one (perf_counter around nbclient's
            execute_cell) in a fresh, unsandboxed kernel started plainly by nbclient, after an
            untimed cell that imports the rubric's `kernel.preload` modules, as grader's warm
            kernels have them already;
  runtime   `runtime_s` of its result from `grader run --jobs 1 --force` (sandbox set-up, kernel
            start, cells, probe, checks, up to the result JSON: the report that shows it comes after);
  pdf       the median of three renders of its report from its result JSON;
  overhead  runtime − cells + pdf, so kernel start, sandbox, probe, checks and the PDF.
Both passes run one notebook at a time, so neither is slowed by the other's parallel kernels.
Run with grader's environment (run.py sets it): GRADER_RUBRICS and PYTHONPATH as in tools.grader_env().
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from grader.outputs.reports import render_student_report
from grader.checks import load_rubric
from tools import HERE, NB_NAME, grader_env


def cells_time(notebook: Path, preload: list[str]) -> float:
    """Seconds spent in the notebook's code cells, the kernel's start-up and `preload` not counted."""
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=120,
                            resources={"metadata": {"path": str(notebook.parent)}})
    total = 0.0
    with client.setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        if preload:
            client.execute_cell(nbformat.v4.new_code_cell("import " + ", ".join(preload)), -1)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                start = time.perf_counter()
                client.execute_cell(cell, index)
                total += time.perf_counter() - start
    return total


def pdf_time(result: dict, out: Path) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        render_student_report(result, out)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, default=Path("/tmp/grader-compare"))
    parser.add_argument("--n", type=int, default=12)
    args = parser.parse_args()
    info = json.loads((args.work / "class.json").read_text())[:args.n]
    kind = {s["sid"]: s["kind"] for s in info}
    preload = load_rubric(HERE / "rubrics" / "cmp.yaml").kernel.preload
    cells = {s["sid"]: cells_time(args.work / "class" / s["sid"] / NB_NAME, preload) for s in info}
    with tempfile.TemporaryDirectory() as tmp:
        subs, out = Path(tmp) / "class", Path(tmp) / "out"
        for s in info:
            (subs / s["sid"]).mkdir(parents=True)
            (subs / s["sid"] / NB_NAME).write_bytes((args.work / "class" / s["sid"] / NB_NAME).read_bytes())
        subprocess.run([sys.executable, "-m", "grader.apps.cli", "run", str(subs), "--assignment", "cmp", "--out",
                        str(out), "--force", "--jobs", "1"], env=grader_env(), check=True, capture_output=True)
        results = {sid: json.loads((out / "results" / f"{sid}.json").read_text()) for sid in cells}
        pdf = {sid: pdf_time(r, Path(tmp) / "again.pdf") for sid, r in results.items()}
    runtime = {sid: float(r["runtime_s"]) for sid, r in results.items()}
    overhead = {sid: runtime[sid] - cells[sid] + pdf[sid] for sid in cells}
    med = statistics.median
    print(f"  per notebook, median of {len(cells)}: student's cells {med(cells.values()):.2f} s, "
          f"grader runtime_s {med(runtime.values()):.2f} s")
    print(f"  overhead (runtime_s - cells + PDF): median {med(overhead.values()):.2f} s, "
          f"max {max(overhead.values()):.2f} s (the first notebook also waits for the warm kernels' start)")
    print(f"  overhead without the PDF (runtime_s - cells): median {med(overhead[s] - pdf[s] for s in cells):.2f} s")
    print(f"  PDF report: median {med(pdf.values()):.3f} s, max {max(pdf.values()):.3f} s")
    for k in sorted(set(kind.values())):
        mine = [s for s in cells if kind[s] == k]
        print(f"  {k:10} n={len(mine):2}: cells {med(cells[s] for s in mine):.2f} s, "
              f"runtime_s {med(runtime[s] for s in mine):.2f} s, overhead {med(overhead[s] for s in mine):.2f} s")


if __name__ == "__main__":
    main()
