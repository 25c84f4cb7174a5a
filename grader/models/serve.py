"""The model process: loads one student's saved model and answers batches of inputs with its outputs.

`python -m grader.models.serve JOB_JSON` (format, architecture, device, model_path). The grader
(`runner`) starts it sandboxed with the model file and the grader's and references' code, but no
data folder and no network, and keeps the labels and metrics to itself: whatever code came with the
model computes on the inputs it is sent and sees nothing else.

Both pipes carry frames of plain bytes, never pickles: `A`, the number of dimensions (one byte),
each dimension (8 bytes, little-endian) and the float32 values (little-endian); `J`, a length
(4 bytes) and that much UTF-8 JSON; `E`, no more inputs. The process answers first with one
JSON frame (status `ready` with what it found of the architecture, or why it stopped), then
each input batch with its output batch (or a JSON frame saying why it failed), and `E` with a
JSON frame (`done`, GPU memory at peak).
"""
import json
import os
import struct
import sys
from pathlib import Path
from typing import Any, BinaryIO
from collections.abc import Callable

import numpy as np

from grader.core.errors import GraderError
from grader.models import loading

MAX_JSON_BYTES = 1_000_000
MAX_DIMS = 8


class BadFrame(GraderError):
    """The other side sent something that is not a frame of this protocol."""


def array_frame(x: np.ndarray) -> bytes:
    x = np.ascontiguousarray(x, dtype="<f4")
    if x.ndim > MAX_DIMS:
        raise ValueError(f"an array of {x.ndim} dimensions (at most {MAX_DIMS})")
    return b"A" + struct.pack(f"<B{x.ndim}Q", x.ndim, *x.shape) + x.tobytes()


def json_frame(value: dict) -> bytes:
    data = json.dumps(value).encode()
    return b"J" + struct.pack("<I", len(data)) + data


END = b"E"


def read_frame(read: Callable[[int], bytes], max_values: int) -> tuple[str, Any]:
    """The next frame as ("A", array), ("J", dict) or ("E", None); `read(n)` returns exactly n bytes.
    An array of more than `max_values` values, or JSON past `MAX_JSON_BYTES`, is refused unread."""
    tag = read(1)
    if tag == b"A":
        ndim = read(1)[0]
        if ndim > MAX_DIMS:
            raise BadFrame(f"an array of {ndim} dimensions")
        shape = struct.unpack(f"<{ndim}Q", read(8 * ndim))
        count = int(np.prod(shape, dtype=object))
        if count > max_values:
            raise BadFrame(f"an array of {count} values (at most {max_values})")
        return "A", np.frombuffer(read(4 * count), dtype="<f4").reshape(shape)
    if tag == b"J":
        (size,) = struct.unpack("<I", read(4))
        if size > MAX_JSON_BYTES:
            raise BadFrame(f"{size} bytes of JSON")
        try:
            value = json.loads(read(size))
        except ValueError:
            raise BadFrame("unreadable JSON") from None
        if not isinstance(value, dict):
            raise BadFrame("JSON that is not an object")
        return "J", value
    if tag == b"E":
        return "E", None
    raise BadFrame(f"unknown frame {tag[:1]!r}")


def _exact(stream: BinaryIO) -> Callable[[int], bytes]:
    def read(n: int) -> bytes:
        data = stream.read(n)
        if len(data) != n:
            raise EOFError("the grader closed the pipe")
        return data
    return read


def _failure(exc: Exception) -> dict:
    if isinstance(exc, loading.Refused):
        return {"status": "refused", "error": str(exc), "refused_ops": exc.ops}
    if isinstance(exc, loading.ArchitectureMismatch):
        return {"status": "architecture", "error": str(exc), "architecture_problems": exc.problems}
    kind = "gpu_memory" if "out of memory" in str(exc).lower() else "error"
    return {"status": kind, "error": f"{type(exc).__name__}: {str(exc)[:500]}"}


def serve(job: dict, inputs: BinaryIO, outputs: BinaryIO) -> None:
    def send(frame: bytes) -> None:
        outputs.write(frame)
        outputs.flush()
    try:
        model = loading.load_model(job, Path(job["model_path"]))
    except Exception as exc:  # noqa: BLE001 - the student's model failing to load is a result
        send(json_frame(_failure(exc)))
        return
    send(json_frame({"status": "ready", "architecture_problems": model.problems, "parameters": model.parameters,
                     "device": model.device}))
    read = _exact(inputs)
    while True:
        kind, x = read_frame(read, max_values=2**31)
        if kind != "A":
            break
        try:
            send(array_frame(model.predict(x)))
        except Exception as exc:  # noqa: BLE001 - the model failing on an input is a result
            send(json_frame(_failure(exc)))
            return
    send(json_frame({"status": "done", "peak_gpu_mib": model.peak_gpu_mib()}))


def main(job_json: str) -> int:
    # The frames go over the pipes the process was started with; whatever the model's code or its
    # libraries print goes to stderr instead, and nothing can be read from stdin by accident.
    outputs = os.fdopen(os.dup(1), "wb")
    inputs = os.fdopen(os.dup(0), "rb")
    os.dup2(2, 1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    serve(json.loads(job_json), inputs, outputs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
