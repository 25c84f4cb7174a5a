"""Progress of a class run: a bar on a terminal, one plain line per submission in CI logs.

Ids are cleaned at intake; a line cleans what it prints once more (`identifier`), as it is what
reaches a CI log or a terminal: a line break would start a second log line, which GitHub Actions
could take for a "::" workflow command, and ESC would start a terminal escape sequence."""
import sys
import time
from typing import TextIO

from grader.core.result import StudentResult
from grader.untrusted import identifier


class Progress:
    def __init__(self, stream: TextIO = sys.stderr):
        self.stream, self.start = stream, time.monotonic()
        self.live = stream.isatty()

    def __call__(self, done: int, total: int, result: StudentResult, cached: bool) -> None:
        elapsed = time.monotonic() - self.start
        how = " (unchanged, skipped)" if cached else f" in {result.runtime_s or 0:.1f} s"
        problem = f" · {identifier(result.errors[0].kind)}" if result.errors else ""
        line = f"{identifier(result.student_id)}: {result.total:g}/{result.max_total:g}{how}{problem}"
        if not self.live:
            print(f"[{done}/{total}] {line}", file=self.stream, flush=True)
            return
        eta = elapsed / done * (total - done) if done else 0
        bar = "#" * int(30 * done / total) + "-" * (30 - int(30 * done / total))
        print(f"\r\x1b[K{line}\n[{bar}] {done}/{total}  elapsed {elapsed:.0f}s  ETA {eta:.0f}s",
              end="" if done < total else "\n", file=self.stream, flush=True)
