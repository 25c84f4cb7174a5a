"""The process jupyter_client starts for a warm kernel: asks the zygote to fork one, then stands for it.

Run as `python -I -S zygote_client.py CONTROL_SOCKET KERNEL_NAME [CGROUP_PROCS...]` (the kernelspec's
argv, after the shell that made the kernel's cgroups), so it starts in milliseconds and imports
nothing of the grader. It opens the cgroups' `cgroup.procs` files, which only root outside the box
can, and sends them with its request: the zygote moves the kernel in before it runs anything. It
lives as long as the kernel and exits with its code; when jupyter_client kills it (SIGKILL or
SIGTERM), the zygote sees the connection close and kills the kernel with its whole PID namespace.
"""
import json
import os
import signal
import socket
import sys


def main() -> int:
    control, name, procs = sys.argv[1], sys.argv[2], sys.argv[3:]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    fds = [os.open(path, os.O_WRONLY | os.O_CLOEXEC) for path in procs]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(control)
        socket.send_fds(conn, [json.dumps({"kernel": name}).encode() + b"\n"], fds)
        for fd in fds:
            os.close(fd)
        for line in conn.makefile("rb"):
            message = json.loads(line)
            if "exit" in message:
                return int(message["exit"])
    return 1  # the zygote went away without a word


if __name__ == "__main__":
    sys.exit(main())
