"""The code the grader runs in the student's kernel after the notebook, to collect answers.

Each request is collected in a cell of its own, so one answer that hangs, exits, raises, floods
or is too big costs that answer alone: the cell has the answer's time limit, its reply is one
display under a private MIME type, encoded by `wire` within a size cap. The first probe cell
installs the collector as a module of its own (the student's names are not touched); each
request cell then reads one name from the user namespace, calls it on grader-drawn inputs, or
reads a file the notebook wrote (a saved model) from its working folder.
"""
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from grader.kernel import wire

MIME = "application/vnd.grader.answer+json"
MAX_ERROR_CHARS = 4000  # a traceback beyond this is cut: it is read by a person

_BODY = r'''
import contextlib as _contextlib
import json as _json
import traceback as _traceback
from IPython.display import display as _display


class _Missing(Exception):
    pass


def _error_text(exc):
    """The traceback of the student's exception; if even that fails, its type name."""
    try:
        text = "".join(_traceback.format_exception(exc, limit=-4))
    except BaseException:
        text = type_name(exc)
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS] + f"\n… {len(text) - MAX_ERROR_CHARS} characters cut"


def _value(r):
    name = r["name"]
    if r["kind"] == "file":
        return _read_file(name, r["file_bytes"])
    if not dict.__contains__(USER_NS, name) or dict.__getitem__(USER_NS, name) is None:
        raise _Missing()
    obj = dict.__getitem__(USER_NS, name)
    if r["kind"] == "call":
        if not callable(obj):
            raise TypeError(f"{name} is not a function")
        args = decode(r["args"])
        if r["format"] == "torch":
            import torch
            args = _map_arrays(args, torch.from_numpy)
        with _contextlib.redirect_stdout(_Sink()), _contextlib.redirect_stderr(_Sink()):
            obj = obj(**args)  # what it prints goes nowhere: nobody reads it, and a flood would clog the kernel
    return obj


class _Sink:
    def write(self, text):
        return len(text) if type(text) is str else 0

    def flush(self):
        pass


def answer(request):
    """Collect one request and display its reply; only an interrupt (the time limit) escapes."""
    r = _json.loads(request)
    reply = {"key": r["key"], "status": "ok"}
    try:
        reply["value"] = Encoder(r["max_bytes"]).encode(_value(r))
    except KeyboardInterrupt:
        raise
    except _Missing:
        reply = {"key": r["key"], "status": "missing"}
    except NotImplementedError:  # the template's stub, never filled in
        reply = {"key": r["key"], "status": "missing"}
    except TooLarge as exc:
        reply = {"key": r["key"], "status": "error", "reason": "too_large", "error": str(exc)}
    except SystemExit:
        reply = {"key": r["key"], "status": "error", "reason": "exit", "error": "SystemExit"}
    except BaseException as exc:
        reply = {"key": r["key"], "status": "error", "reason": "raised", "error": _error_text(exc)}
    text = _json.dumps(reply, allow_nan=False)
    if len(text) > r["max_bytes"] + 4096:
        text = _json.dumps({"key": r["key"], "status": "error", "reason": "too_large",
                            "error": "the answer is larger than the size allowed for one answer"})
    _display({MIME: text}, raw=True)


def _read_file(path, max_bytes):
    import os
    if not os.path.isfile(path):
        raise _Missing()
    size = os.path.getsize(path)
    if size > max_bytes:
        raise TooLarge(f"{path} is {size} bytes, more than the {max_bytes} allowed")
    with open(path, "rb") as f:
        return f.read(max_bytes)


def _map_arrays(value, fn):
    import numpy as np
    if isinstance(value, dict):
        return {k: _map_arrays(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_arrays(v, fn) for v in value]
    return fn(np.array(value)) if isinstance(value, np.ndarray) else value
'''


@dataclass(frozen=True)
class Request:
    """One thing to ask the kernel: the value of `name`, `name(**args)`, or the bytes of file `name`.

    `max_bytes` caps the reply (a file's cap is its size); `timeout_s` is the time one collection
    may take, a call included; None: the rubric's `limits.answer_timeout_s`."""

    key: str
    name: str
    kind: Literal["value", "call", "file"] = "value"
    args: Any = None
    format: Literal["numpy", "torch"] = "numpy"
    max_bytes: int | None = None
    timeout_s: float | None = None

    def reply_bytes(self, default: int) -> int:
        """The largest reply: a file's bytes cross as base64, anything else within `default`."""
        return self.max_bytes * 4 // 3 + 4096 if self.kind == "file" and self.max_bytes else default

    def time_limit(self, default: float) -> float:
        """A file is given time to be read and encoded too (at 32 MB/s, slow for any disk)."""
        return self.timeout_s or default + (self.max_bytes or 0) / 2**25

    def to_json(self, max_bytes: int) -> dict:
        return {"key": self.key, "name": self.name, "kind": self.kind, "format": self.format,
                "args": wire.encode(self.args) if self.kind == "call" else None,
                "max_bytes": self.reply_bytes(max_bytes), "file_bytes": self.max_bytes}


REASONS = ("timeout", "exit", "raised", "too_large", "kernel_ended", "no_reply", "forged", "not_run")


@dataclass
class Reply:
    """What came back for one request; `reason` says why an error reply is one (see REASONS)."""

    status: Literal["ok", "missing", "error"]
    value: Any = None
    error: str | None = None
    reason: str | None = None


class Collector:
    """The source of the probe's cells for one kernel: one that installs the collector under a
    name of its own, then one per request."""

    def __init__(self) -> None:
        self.module = f"_grader_probe_{secrets.token_hex(6)}"

    def install_source(self) -> str:
        code = Path(wire.__file__).read_text() + _BODY
        return ("import sys as _s, types as _t\n"
                f"_m = _t.ModuleType({self.module!r})\n"
                f"_m.__dict__.update(USER_NS=get_ipython().user_ns, MIME={MIME!r}, MAX_ERROR_CHARS={MAX_ERROR_CHARS})\n"
                f"exec(compile({code!r}, {self.module!r}, 'exec'), _m.__dict__)\n"
                f"_s.modules[{self.module!r}] = _m\n"
                "del _s, _t, _m")

    def request_source(self, request: Request, max_bytes: int) -> str:
        payload = json.dumps(request.to_json(max_bytes), allow_nan=False)
        return f"__import__('sys').modules[{self.module!r}].answer({payload!r})"


def parse_reply(outputs: list[dict], key: str) -> Reply:
    """The one reply a request cell displayed. None displayed, or more than one (something in the
    kernel answered in the probe's name), or one that does not decode: an error reply."""
    payloads = [out["data"][MIME] for out in outputs
                if out.get("output_type") == "display_data" and MIME in out.get("data", {})]
    if len(payloads) != 1:
        reason = "no_reply" if not payloads else "forged"
        return Reply("error", reason=reason, error=f"{len(payloads)} replies instead of one")
    try:
        parsed = json.loads(payloads[0]) if isinstance(payloads[0], str) else payloads[0]
        if not isinstance(parsed, dict) or parsed.get("key") != key:
            return Reply("error", reason="forged", error="a reply to another request")
        status = parsed.get("status")
        if status == "ok":
            return Reply("ok", value=wire.decode(parsed["value"]))
        if status == "missing":
            return Reply("missing")
        reason = parsed.get("reason") if parsed.get("reason") in REASONS else "raised"
        return Reply("error", reason=reason, error=str(parsed.get("error") or "")[:MAX_ERROR_CHARS + 200])
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return Reply("error", reason="no_reply", error="the reply could not be decoded")
