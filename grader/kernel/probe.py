"""The code the grader runs in the student's kernel after the notebook, to collect answers.

It reads each requested name from the user namespace, calls it on grader-drawn inputs, or
reads a file the notebook wrote (a saved model) from its working folder, encodes the result with `wire.encode` and displays it under a private MIME type. The probe
lives in its own namespace so the student's names are not touched.
"""
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from grader.kernel import wire

MIME = "application/vnd.grader.answers+json"

_BODY = r'''
def _collect():
    import json, traceback
    from IPython.display import display
    replies = {}
    for r in json.loads(REQUESTS):
        name = r["name"]
        if r["kind"] == "file":
            replies[r["key"]] = _read_file(name, r["args"]["max_bytes"])
            continue
        obj = USER_NS.get(name)
        if obj is None:
            replies[r["key"]] = {"status": "missing"}
            continue
        try:
            if r["kind"] == "call":
                if not callable(obj):
                    raise TypeError(f"{name} is not a function")
                args = decode(json.loads(r["args"]))
                if r["format"] == "torch":
                    import torch
                    args = _map_arrays(args, torch.from_numpy)
                obj = obj(**args)
            replies[r["key"]] = {"status": "ok", "value": encode(obj)}
        except NotImplementedError:  # the template's stub, never filled in
            replies[r["key"]] = {"status": "missing"}
        except Exception:
            replies[r["key"]] = {"status": "error", "error": traceback.format_exc(limit=-4)}
    display({MIME: json.dumps(replies, allow_nan=False)}, raw=True)


def _read_file(path, max_bytes):
    import os
    if not os.path.isfile(path):
        return {"status": "missing"}
    size = os.path.getsize(path)
    if size > max_bytes:
        return {"status": "error", "error": f"{path} is {size} bytes, more than the {max_bytes} allowed"}
    with open(path, "rb") as f:
        return {"status": "ok", "value": encode(f.read(max_bytes))}


def _map_arrays(value, fn):
    import numpy as np
    if isinstance(value, dict):
        return {k: _map_arrays(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_arrays(v, fn) for v in value]
    return fn(np.array(value)) if isinstance(value, np.ndarray) else value


_collect()
'''


@dataclass(frozen=True)
class Request:
    """One thing to ask the kernel: the value of `name`, `name(**args)`, or the bytes of file `name`
    (`args`: {"max_bytes": n})."""

    key: str
    name: str
    kind: Literal["value", "call", "file"] = "value"
    args: Any = None
    format: Literal["numpy", "torch"] = "numpy"

    def to_json(self) -> dict:
        return {"key": self.key, "name": self.name, "kind": self.kind, "format": self.format,
                "args": wire.dumps(self.args) if self.kind == "call" else self.args}


@dataclass
class Reply:
    """What came back for one request."""

    status: Literal["ok", "missing", "error"]
    value: Any = None
    error: str | None = None


def probe_source(requests: list[Request]) -> str:
    """Python source for one cell that answers `requests` in a private namespace."""
    code = Path(wire.__file__).read_text() + _BODY
    payload = json.dumps([r.to_json() for r in requests])
    return ("exec(%r, {'__name__': '_grader_probe', 'REQUESTS': %r, 'MIME': %r, "
            "'USER_NS': get_ipython().user_ns})" % (code, payload, MIME))


def parse_replies(outputs: list[dict], keys: set[str]) -> dict[str, Reply] | None:
    """Decode the probe's one display output; None if it is absent, repeated or malformed.

    More than one payload means something in the kernel answered in the probe's name.
    """
    payloads = [out["data"][MIME] for out in outputs
                if out.get("output_type") == "display_data" and MIME in out.get("data", {})]
    if len(payloads) != 1:
        return None
    try:
        parsed = json.loads(payloads[0]) if isinstance(payloads[0], str) else payloads[0]
        return {k: Reply(status=v["status"] if v["status"] in ("ok", "missing", "error") else "error",
                         value=wire.decode(v["value"]) if v["status"] == "ok" else None,
                         error=str(v.get("error")) if v.get("error") else None)
                for k, v in parsed.items() if k in keys}
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
