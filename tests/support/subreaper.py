"""Run a command under a subreaper that never reaps, standing in for the init of a container: every
process the command's tree orphans comes here and stays a zombie. Prints the command's exit code and
those processes. Usage: python tests/support/subreaper.py COMMAND..."""
import ctypes
import os
import subprocess
import sys
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def _children() -> list[str]:
    mine = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] == mine:
                found.append(stat.parent.name)
        except OSError:
            continue
    return found


if __name__ == "__main__":
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    code = subprocess.run(sys.argv[1:]).returncode
    time.sleep(1)  # an orphan of the command, dying, is a zombie child of this process by now
    print(code, "left:", _children())
