"""Keeping third-party start-up noise off the terminal.

TensorFlow 2.21 logs through absl before its logging is set up, straight to file descriptor 2,
whatever TF_CPP_MIN_LOG_LEVEL says ("WARNING: All log messages before absl::InitializeLog() ...",
"I0000 ... port.cc:153] oneDNN custom operations are on", "... Could not find cuda drivers").
`native_stderr_filtered` sends descriptor 2 to a file while heavy code is imported or run and
copies back every line but those informational and warning log lines; errors (E, F) and
everything else pass, after the block.
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

NOISE = re.compile(rb"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
                   rb"|[IW]\d{4} [\d:.]+ +\d+ [\w./-]+:\d+\] .*")
QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "GRPC_VERBOSITY": "ERROR"}
_lock = threading.RLock()  # descriptor 2 is one per process: one block redirects it at a time
_depth = 0


def quiet_process() -> None:
    """For the grader's own process (and, by the environment, what it starts): the frameworks' log
    levels, set before any of them is imported, and libraries' Python warnings (deprecations,
    hints) not shown."""
    for name, value in QUIET_ENV.items():
        os.environ.setdefault(name, value)
    warnings.simplefilter("ignore")  # this process only: a kernel's warnings are the notebook's own output
    # and multiprocessing's helpers, started with this interpreter's -W options: the resource tracker
    # warns of the semaphores a worker stopped by Ctrl-C held (it unlinks them all the same) after the
    # run's last line
    if "ignore" not in sys.warnoptions:
        sys.warnoptions.append("ignore")


def drop_noise(text: bytes) -> bytes:
    """`text` without the lines that are start-up log noise."""
    return b"".join(line for line in text.splitlines(keepends=True) if not NOISE.fullmatch(line.rstrip(b"\r\n")))


@contextmanager
def native_stderr_filtered() -> Iterator[None]:
    """Descriptor 2 goes to a temporary file for the block; what is not noise is written back after
    it. Blocks nest (only the outermost redirects)."""
    global _depth
    with _lock:
        if _depth:
            _depth += 1
            try:
                yield
            finally:
                _depth -= 1
            return
        sys.stderr.flush()
        saved = os.dup(2)
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), 2)
            _depth = 1
            try:
                yield
            finally:
                _depth = 0
                sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                sink.seek(0)
                kept = drop_noise(sink.read())
                if kept:
                    os.write(2, kept)
