"""Start a kernel over IPC sockets, inside the sandbox or (only when asked) without it.

jupyter_client 8 ignores `kernel_cmd`, so the launch command is a kernelspec written for
this one kernel. The connection file and sockets live in a folder of their own, the only
one the kernel shares with the grader. How the kernel is sandboxed, started and killed is
`grader.kernel.sandboxed`'s, as for every process that runs a student's code.
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

from grader.kernel import sandbox, sandboxed
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
    sandboxed_cold = False  # the kernel's process is bubblewrap's (not a zygote's client, not unsandboxed)

    def write_connection_file(self, **kwargs):  # type: ignore[override]
        result = super().write_connection_file(**kwargs)
        if self.owner_uid is not None:
            os.chown(self.connection_file, self.owner_uid, self.owner_uid)
        return result

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        await super()._async_wait(pollinterval=min(pollinterval, 0.005))

    async def _async_kill_kernel(self, restart: bool = False) -> None:
        """A cold sandboxed kernel is bubblewrap's: its box is killed first (`sandbox.kill_inside_first`),
        not with bubblewrap in one process-group kill that leaves the box's process to init."""
        process = getattr(self.provisioner, "process", None)
        if self.sandboxed_cold and process is not None and process.poll() is None:
            sandbox.kill_inside_first(process)
        await super()._async_kill_kernel(restart)


@contextmanager
def kernel_manager(workdir: Path, limits: Limits, *, use_sandbox: bool, env: dict[str, str],
                   gpu: bool = False, python: str = sys.executable,
                   kernel: KernelOptions = KernelOptions(),
                   ro_binds: tuple[tuple[str, str], ...] = (),
                   max_message_bytes: int = _ReadyClient.max_message_bytes) -> Iterator[tuple[AsyncKernelManager, dict]]:
    """A kernel manager for one notebook run, and the keyword arguments to start its kernel with.

    The kernel is a `sandboxed.SandboxSpec` process whose shared folder holds its connection file and
    sockets; sandboxed kernels are forked by this process's zygote when it works (`kernel.warm`), else
    cold; `ro_binds` are (outside, inside) read-only folders such as datasets; no message from the
    kernel may be larger than `max_message_bytes`."""
    zygote = (zygote_for(python, tuple(kernel.preload), gpu, env, ro_binds) if use_sandbox and kernel.warm
              else None)
    spec = sandboxed.SandboxSpec(program=tuple(sandbox.kernel_program(python)), submission=workdir, limits=limits,
                                 sandboxed=use_sandbox, env=env, shared=True, gpu=gpu, ro_binds=ro_binds,
                                 python=python, warm=zygote)
    with sandboxed.spawn_sandboxed(spec) as process, tempfile.TemporaryDirectory(prefix="grader-spec-") as tmp:
        assert process.shared is not None
        spec_dir = Path(tmp) / SPEC_NAME
        spec_dir.mkdir()
        km = _KernelManager(
            client_factory=type("_CappedClient", (_ReadyClient,), {"max_message_bytes": max_message_bytes}),
            kernel_name=SPEC_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[tmp]),
            transport="ipc", ip=str(process.shared / "kernel"),
            connection_file=str(process.shared / sandboxed.CONNECTION_FILE))
        km.owner_uid = process.uid
        km.sandboxed_cold = use_sandbox and zygote is None
        (spec_dir / "kernel.json").write_text(json.dumps(
            {"argv": process.argv, "display_name": "grader", "language": "python",
             "interrupt_mode": "message" if use_sandbox else "signal"}))
        yield km, {"cwd": str(process.cwd), "env": process.env}
