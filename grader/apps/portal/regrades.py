"""Regrade requests: a signed-in student asks about one question, staff answer from a queue.

Kept in `OUT/manual/regrades.json` under the store's lock. A new score given with an answer goes
through the essay store like any other grade (`Desk.grade`); the request only records the reply.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Any

from grader.core.atomic import write_json
from grader.manual.store import Refusal, locked

REQUESTS = Path("manual") / "regrades.json"
MAX_MESSAGE = 1000
MAX_PER_STUDENT = 20


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def load(out: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads((out / REQUESTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return data if isinstance(data, list) else []


def ask(out: Path, student: str, question: str, message: str) -> dict[str, Any]:
    """File a request; one open request per question, and a cap per student."""
    message = message.strip()
    if not message:
        raise Refusal("say what should be looked at again", "بنویسید چه چیزی دوباره بررسی شود")
    if len(message) > MAX_MESSAGE:
        raise Refusal(f"a request holds at most {MAX_MESSAGE} characters", f"درخواست حداکثر {MAX_MESSAGE} نویسه است")
    with locked(out):
        requests = load(out)
        mine = [r for r in requests if r["student"] == student]
        if any(r["question"] == question and r["status"] == "open" for r in mine):
            raise Refusal("this question already has a request waiting for an answer",
                          "برای این پرسش درخواستی در انتظار پاسخ دارید")
        if len(mine) >= MAX_PER_STUDENT:
            raise Refusal(f"at most {MAX_PER_STUDENT} requests per student", f"حداکثر {MAX_PER_STUDENT} درخواست")
        request = {"id": secrets.token_hex(8), "student": student, "question": question, "message": message,
                   "at": _now(), "status": "open", "reply": "", "by": "", "answered_at": ""}
        requests.append(request)
        write_json(out / REQUESTS, requests)
    return request


def refuse_answered(request: dict[str, Any]) -> None:
    """A request is answered once; a second reply (a colleague's, a resent form) is refused."""
    if request["status"] != "open":
        raise Refusal(f"this request was already answered by {request['by']} at {request['answered_at']}",
                      f"به این درخواست پیش‌تر {request['by']} پاسخ داده است")


def answer(out: Path, request_id: str, reply: str, by: str) -> dict[str, Any]:
    reply = reply.strip()
    if not reply or len(reply) > MAX_MESSAGE:
        raise Refusal(f"a reply needs 1 to {MAX_MESSAGE} characters", f"پاسخ باید ۱ تا {MAX_MESSAGE} نویسه باشد")
    with locked(out):
        requests = load(out)
        found = next((r for r in requests if r["id"] == request_id), None)
        if found is None:
            raise Refusal("no such request", "چنین درخواستی نیست")
        refuse_answered(found)
        found.update(status="answered", reply=reply, by=by, answered_at=_now())
        write_json(out / REQUESTS, requests)
    return found
