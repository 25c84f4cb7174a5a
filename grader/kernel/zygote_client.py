"""The process jupyter_client starts for a warm kernel: asks the zygote to fork one, then stands for it.

Run as `python -I -S zygote_client.py CONTROL_SOCKET KERNEL_NAME` (the kernelspec's argv), so it
starts in milliseconds and imports nothing of the grader. It lives as long as the kernel and exits
with its code; when jupyter_client kills it (SIGKILL or SIGTERM), the zygote sees the connection
close and kills the kernel with its whole PID namespace.
"""
import json
import signal
import socket
import sys


def main() -> int:
    control, name = sys.argv[1], sys.argv[2]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(control)
        conn.sendall(json.dumps({"kernel": name}).encode() + b"\n")
        for line in conn.makefile("rb"):
            message = json.loads(line)
            if "exit" in message:
                return int(message["exit"])
    return 1  # the zygote went away without a word


if __name__ == "__main__":
    sys.exit(main())
