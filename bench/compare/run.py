"""grader against nbgrader and Otter-Grader on one generated class, A/B-interleaved.

The class is split into `--rounds` batches; each round grades its batch with every tool in turn
(the order rotating from round to round), so load from other work on the machine falls on all
tools alike. Then: per-submission time per tool, grader's throughput over each other tool's,
agreement of the per-question scores, and grader's own overhead and PDF time (overhead.py).

Usage: python3 bench/compare/run.py --n 120 --rounds 4      (after bash bench/compare/install.sh)
"""
import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import tools
from generate import generate

TOOLS = {  # name -> grading function of (work, student ids, run folder)
    "nbgrader": tools.nbgrader,
    "otter": lambda w, s, r: tools.otter(w, s, r, parallel=1),
    "otter x2": lambda w, s, r: tools.otter(w, s, r, parallel=2),
    "grader": tools.grader,
}


def batches(sids: list[str], rounds: int) -> list[list[str]]:
    size = -(-len(sids) // rounds)
    return [sids[i:i + size] for i in range(0, len(sids), size)]


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def warm_up(work: Path, students: list, names: list[str]) -> None:
    """One notebook per framework through every tool, untimed: file caches and first imports."""
    firsts = list({s.kind: s.sid for s in reversed(students)}.values())
    for name in names:
        TOOLS[name](work, firsts, work / "runs" / f"warmup-{name.replace(' ', '')}")


def disagreements(class_info: list[dict], scores: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    """Every student whose per-question points differ between tools or from the intended points."""
    lines = []
    for s in class_info:
        seen = {"intended": s["expected"], **{name: by_sid.get(s["sid"]) for name, by_sid in scores.items()}}
        if any(v != s["expected"] for v in seen.values()):
            detail = "; ".join(f"{k}: {v}" for k, v in seen.items())
            lines.append(f"  {s['sid']} ({s['kind']}, {s['outcome']} {','.join(s['bad'])}): {detail}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120, help="submissions in the class")
    parser.add_argument("--rounds", type=int, default=4, help="batches, each graded by every tool in turn")
    parser.add_argument("--work", type=Path, default=Path("/tmp/grader-compare"))
    parser.add_argument("--no-otter-x2", action="store_true", help="skip Otter with two runs in parallel")
    parser.add_argument("--no-otter-serial", action="store_true",
                        help="skip Otter one run at a time (its slowest mode, half the benchmark's time)")
    parser.add_argument("--no-warmup", action="store_true")
    parser.add_argument("--overhead-n", type=int, default=12, help="notebooks for the overhead measure (0: skip)")
    args = parser.parse_args()

    skipped = {name for name, skip in (("otter x2", args.no_otter_x2), ("otter", args.no_otter_serial)) if skip}
    names = [n for n in TOOLS if n not in skipped]
    students = generate(args.n, args.work)
    class_info = json.loads((args.work / "class.json").read_text())
    print(f"class: {len(students)} notebooks in {args.work / 'class'}; load before: {load()}", flush=True)
    if not args.no_warmup:
        warm_up(args.work, students, names)
    walls = {n: 0.0 for n in names}
    scores: dict[str, dict[str, dict[str, float]]] = {n: {} for n in names}
    per_student: dict[str, dict[str, float]] = {n: {} for n in names}
    for r, sids in enumerate(batches([s.sid for s in students], args.rounds)):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            batch = TOOLS[name](args.work, sids, args.work / "runs" / f"r{r}-{name.replace(' ', '')}")
            walls[name] += batch.wall_s
            scores[name].update(batch.scores)
            per_student[name].update(batch.per_student_s)
            print(f"round {r + 1}: {name:9} {len(sids):3} notebooks in {batch.wall_s:7.1f} s "
                  f"({batch.wall_s / len(sids):.2f} s each)", flush=True)
    print(f"load after: {load()}")

    n = len(students)
    per_sub = {name: walls[name] / n for name in names}
    print(f"\nper submission (wall time of the batches / {n}), and grader's throughput relative to each:")
    for name in names:
        ratio = "" if name == "grader" else f"   grader/{name} throughput {per_sub[name] / per_sub['grader']:5.2f}x"
        print(f"  {name:9} {per_sub[name]:6.2f} s{ratio}")
    kinds = sorted({s.kind for s in students})
    for name in (x for x in names if per_student[x]):
        med = {k: statistics.median(per_student[name][s.sid] for s in students if s.kind == k) for k in kinds}
        label = "runtime_s from its results" if name == "grader" else "time of each `otter run`"
        print(f"  {name} median per notebook by framework ({label}): "
              + ", ".join(f"{k} {v:.2f} s" for k, v in med.items()))

    print(f"  grader: its notebooks' runtime_s add up to {sum(per_student['grader'].values()):.1f} s "
          f"over {args.rounds} runs taking {walls['grader']:.1f} s wall in all (each run also starts "
          "its workers and warm kernels, and writes the class reports)")

    bad = disagreements(class_info, scores)
    print(f"\nscores: {n - len(bad)} of {n} students get the intended points from every tool")
    print("\n".join(bad) if bad else "  no disagreement")

    if args.overhead_n:
        print(f"\ngrader's own overhead ({min(args.overhead_n, n)} notebooks):", flush=True)
        subprocess.run([sys.executable, str(tools.HERE / "overhead.py"), "--work", str(args.work),
                        "--n", str(args.overhead_n)], env=tools.grader_env(), check=True)
    shutil.rmtree(args.work / "runs", ignore_errors=True)


if __name__ == "__main__":
    main()
