"""A Ray cluster of two node processes on this machine (a head and one more node), for the Ray
engine's tests and bench/ray_vs_local.py. Every process it starts is ended by process group on
exit, even when the caller fails.

Token authentication is set explicitly, with a token of its own: left unset, Ray 2.60 turns it on
for a node only where `~/.ray/auth_token` exists (written by any earlier `ray.init()` that started
a Ray), and a second node joining by address then fails to authenticate.
"""
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

RAY = [sys.executable, "-m", "ray.scripts.scripts"]
WAIT_FOR_NODES = """
import sys, time, ray
ray.init(address=sys.argv[1], logging_level="ERROR")
deadline = time.monotonic() + 60
while sum(n["Alive"] for n in ray.nodes()) < int(sys.argv[2]) and time.monotonic() < deadline:
    time.sleep(0.2)
sys.exit(0 if sum(n["Alive"] for n in ray.nodes()) >= int(sys.argv[2]) else 1)
"""


class RayStartFailed(RuntimeError):
    """`ray start` did not bring a node up on this machine."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes() -> dict[int, tuple[int, int]]:
    """Every live process: pid → (parent pid, process group); zombies left out."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                table[int(entry)] = (int(fields[1]), int(fields[2]))
    return table


def _family(groups: list[int]) -> set[int]:
    """The processes of `groups` and their descendants (Ray's workers start sessions of their own)."""
    table = _processes()
    family = {pid for pid, (_, pgid) in table.items() if pgid in groups}
    while more := {pid for pid, (ppid, _) in table.items() if ppid in family} - family:
        family |= more
    return family


def _end(groups: list[int]) -> None:
    family = _family(groups)
    for sig, wait_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait_s
        while (family := family & set(_processes())) and time.monotonic() < deadline:
            time.sleep(0.2)


@contextlib.contextmanager
def two_node_cluster(env: dict[str, str] | None = None,
                     cpus_per_node: int = 1) -> Iterator[tuple[str, dict[str, str]]]:
    """Start a head and a second node, `cpus_per_node` CPUs each; yield the head's address and the
    environment a driver needs to connect (`env` plus the cluster's token)."""
    address = f"127.0.0.1:{_free_port()}"
    env = {**(os.environ if env is None else env), "RAY_AUTH_MODE": "token",
           "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    groups: list[int] = []
    folders: list[str] = []
    try:
        for role in (["--head", "--port", address.split(":")[1], "--include-dashboard=false"],
                     ["--address", address]):
            folders.append(tempfile.mkdtemp(prefix="ray"))  # short: Ray's socket paths must fit 107 bytes
            proc = subprocess.Popen([*RAY, "start", *role, "--num-cpus", str(cpus_per_node),
                                     "--object-store-memory", str(100 * 10**6), "--temp-dir", folders[-1],
                                     "--node-ip-address", "127.0.0.1", "--disable-usage-stats"],
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    start_new_session=True)  # its daemons keep this process group
            groups.append(proc.pid)
            output, _ = proc.communicate(timeout=120)
            if proc.returncode != 0:
                raise RayStartFailed(f"ray start {' '.join(role)} failed:\n{output[-2000:]}")
        ready = subprocess.run([sys.executable, "-c", WAIT_FOR_NODES, address, "2"], env=env,
                               capture_output=True, text=True, timeout=120)
        if ready.returncode != 0:
            raise RayStartFailed(f"the two nodes did not both come up:\n{ready.stderr[-2000:]}")
        yield address, env
    finally:
        _end(groups)
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
