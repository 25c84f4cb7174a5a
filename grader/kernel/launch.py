"""Start a kernel over IPC sockets, inside the sandbox or (only when asked) without it.

jupyter_client 8 ignores `kernel_cmd`, so the launch command is a kernelspec written for
this one kernel. The connection file and sockets live in a folder of their own, the only
one the kernel shares with the grader.
"""
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from queue import Empty

import zmq
from jupyter_client import AsyncKernelClient, AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager

from grader.kernel import sandbox
from grader.kernel.zygote import zygote_for
from grader.rubric.schema import KernelOptions, Limits

SPEC_NAME = "grader-kernel"


class _ReadyClient(AsyncKernelClient):
    """jupyter_client's wait_for_ready ends by waiting until IOPub is silent for 0.2 s, a fifth of a
    second per notebook; nbclient ignores messages that answer other requests, so that wait is left out.
    (AsyncKernelClient binds `wait_for_ready` to the base class's coroutine, hence the assignment below.)

    Everything the kernel sends is capped at the socket: a message over `max_message_bytes` is dropped
    by ZeroMQ before the grader reads it, and few messages wait unread, so no flood, whatever the
    cell, can grow the grading process (the client's context is its own)."""

    max_message_bytes = 64 * 2**20
    queued_messages = 256

    def _context_default(self):  # type: ignore[override]
        context = super()._context_default()
        context.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)
        context.setsockopt(zmq.RCVHWM, self.queued_messages)
        return context

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if reply["msg_type"] == "kernel_info_reply":
                    try:  # IOPub is connected once it carries this request's status messages
                        await self.iopub_channel.get_msg(timeout=0.02)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(reply)
                        return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    wait_for_ready = _async_wait_for_ready


class _KernelManager(AsyncKernelManager):
    """Hands the connection file (written 0600 by root) to the kernel's unprivileged uid, and sees
    a killed kernel gone without jupyter_client's 0.1 s polling step (a tenth of a second per notebook)."""

    owner_uid: int | None = None

    def write_connection_file(self, **kwargs):  # type: ignore[override]
        result = super().write_connection_file(**kwargs)
        if self.owner_uid is not None:
            os.chown(self.connection_file, self.owner_uid, self.owner_uid)
        return result

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        await super()._async_wait(pollinterval=min(pollinterval, 0.005))


def _readable(root: Path) -> None:
    """Let the kernel's uid read the private copy it starts from, whatever modes the student shipped."""
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            os.chmod(path, 0o755 if path.is_dir() else 0o644)


def _clean_env(env: dict[str, str], home: Path) -> dict[str, str]:
    """What an unsandboxed kernel sees: no CI tokens or grader settings, only the basics."""
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ") if k in os.environ}
    return {**keep, "HOME": str(home), "USER": "student", "IPYTHONDIR": str(home / ".ipython"),
            "MPLCONFIGDIR": str(home / ".mpl"), **env}


@contextmanager
def kernel_manager(workdir: Path, limits: Limits, *, use_sandbox: bool, env: dict[str, str],
                   gpu: bool = False, python: str = sys.executable,
                   kernel: KernelOptions = KernelOptions(),
                   ro_binds: tuple[tuple[str, str], ...] = (),
                   max_message_bytes: int = _ReadyClient.max_message_bytes) -> Iterator[tuple[AsyncKernelManager, dict]]:
    """A kernel manager for one notebook run, and the keyword arguments to start its kernel with.

    Sandboxed kernels are forked by this process's zygote when it works (`kernel.warm`), else cold;
    `ro_binds` are (outside, inside) read-only folders such as datasets; no message from the kernel
    may be larger than `max_message_bytes`."""
    zygote = (zygote_for(python, tuple(kernel.preload), gpu, env, ro_binds) if use_sandbox and kernel.warm
              else None)
    with tempfile.TemporaryDirectory(prefix="grader-ipc-", dir=zygote.exchange if zygote else "/tmp") as tmp:
        ipc_dir = Path(tmp) / "ipc" if zygote else Path(tmp)  # a zygote's kernel sees its ipc folder only
        ipc_dir.mkdir(exist_ok=True)
        spec_dir = Path(tmp) / "spec" / SPEC_NAME
        spec_dir.mkdir(parents=True)
        km = _KernelManager(
            client_factory=type("_CappedClient", (_ReadyClient,), {"max_message_bytes": max_message_bytes}),
            kernel_name=SPEC_NAME,
            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(Path(tmp) / "spec")]),
            transport="ipc", ip=str(ipc_dir / "kernel"), connection_file=str(ipc_dir / "kernel.json"))
        if zygote is not None:
            uid = sandbox.KernelBox.uid_for_this_process()
            argv = zygote.request(Path(tmp), workdir, ipc_dir, ipc_dir / "kernel.json", limits, env, uid)
            os.chown(ipc_dir, uid, uid)
            km.owner_uid = uid
            start = {"cwd": str(ipc_dir), "env": {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}}
        elif use_sandbox:
            uid = sandbox.KernelBox.uid_for_this_process()
            _readable(workdir)
            box = sandbox.KernelBox(submission=workdir, ipc_dir=ipc_dir, limits=limits, python=python,
                                    gpu_devices=sandbox.gpu_device_nodes() if gpu else (), env=env, uid=uid,
                                    hidden=sandbox.grader_folders(), ro_binds=ro_binds)
            argv = sandbox.command(box)
            os.chown(ipc_dir, uid, uid)
            km.owner_uid = uid
            start = {"cwd": str(ipc_dir), "env": {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}}
        else:
            argv = sandbox.kernel_program(python)
            home = ipc_dir / "home"
            home.mkdir()
            start = {"cwd": str(workdir), "env": _clean_env(env, home)}
        (spec_dir / "kernel.json").write_text(json.dumps(
            {"argv": argv, "display_name": "grader", "language": "python",
             "interrupt_mode": "message" if use_sandbox else "signal"}))
        if use_sandbox:
            sandbox.kill_all(uid)  # the last kernel's processes, killed when it ended, are gone
        try:
            yield km, start
        finally:
            if use_sandbox:
                sandbox.kill_all(uid, wait_s=0)
