"""Ctrl-C during a local run: every worker stops at once and cleans up after itself.

A terminal's Ctrl-C reaches the grader and its workers alike (one process group); `kill -INT` may
reach the grader alone. Either way each worker unwinds the submission it grades (its temporary
copy of the student's files removed, its kernel killed) and takes no other, and the grader waits
for that before it exits. A second Ctrl-C does not cut that clean-up short.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from types import FrameType

CLEAN_UP_S = 20.0  # a worker still running after this is killed

_grading = False
_stopping = False


def _interrupted(signum: int, frame: FrameType | None) -> None:
    global _stopping
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # once: the clean-up this starts must not be cut short
    _stopping = True
    if _grading:
        raise KeyboardInterrupt


@contextmanager
def ignored_by_helpers() -> Iterator[None]:
    """Processes started in the block ignore SIGINT (an ignored signal stays ignored across exec):
    multiprocessing's forkserver imports the grading code before it ignores SIGINT itself, and the
    grader stops it anyway. Its workers get their own handler (`in_worker`)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def in_worker() -> None:
    """A worker's SIGINT: unwind the submission being graded; idle, wait for the grader to stop the pool
    (a KeyboardInterrupt there would print a traceback from inside multiprocessing)."""
    signal.signal(signal.SIGINT, _interrupted)


@contextmanager
def grading() -> Iterator[None]:
    """The span in which a worker's SIGINT interrupts; a task taken after one is refused at once."""
    global _grading
    if _stopping:
        raise KeyboardInterrupt
    _grading = True
    try:
        yield
    finally:
        _grading = False


def stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started, interrupt the workers (those the signal did not reach) and wait
    for them to clean up; kill one that is still running after CLEAN_UP_S."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pool.shutdown(wait=False, cancel_futures=True)
    workers = multiprocessing.active_children()
    for worker in workers:
        if worker.pid is not None:
            try:
                os.kill(worker.pid, signal.SIGINT)
            except ProcessLookupError:
                continue
    for worker in workers:
        worker.join(CLEAN_UP_S)
        if worker.is_alive():
            worker.kill()
            worker.join()
