"""The download portal: students fetch their own PDF, staff see the class.

Requests never name files: a verified student id (or, for staff, a key of the index) picks an
entry of ClassIndex, whose paths were fixed when the index was built. The index and the codes are
read again when their files change on disk, so the portal serves what is there now.
"""
from __future__ import annotations

import asyncio
import hmac
import ipaddress
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from urllib.parse import parse_qsl, quote

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from grader.checks.values import Unreadable
from grader.core.errors import GraderError
from grader.manual.store import MAX_COMMENT, Grade, Refusal, read_score
from grader.apps.portal.grading import Desk, Republisher
from grader.apps.portal.guard import Clock, Refused, Session, Sessions, Throttle, network
from grader.apps.portal import regrades
from grader.apps.portal.index import LiveIndex, normalize_id
from grader.apps.portal.pages import CSS, JS, MESSAGES, render
from grader.apps.portal.tokens import LiveVerifier, TokenError, reset_student
from grader.outputs.reports.persian import persian_digits
from grader.outputs.results import read_result, read_results, result_path
from grader.outputs.similarity import load_similarity

MAX_FORM_BYTES = 4096
MAX_FIELDS = 8
MAX_GRADE_BYTES = 128 * 1024  # a comment of 2,000 Persian letters is ~12 KiB urlencoded, plus the answers named
MAX_GRADE_FIELDS = 1000
MAX_MESSAGE_BYTES = 16 * 1024  # a regrade request or reply: 1,000 Persian letters are ~6 KiB urlencoded
FORM_TYPE = "application/x-www-form-urlencoded"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class FormError(GraderError):
    """A request that is not one of the portal's forms: answered `status` with `message`, never a 500."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


async def _pairs(request: Request, limit: int, max_fields: int) -> list[tuple[str, str]]:
    """The fields of an urlencoded UTF-8 form of at most `limit` bytes and `max_fields` fields."""
    media, *params = request.headers.get("content-type", "").split(";")
    charsets = [v.strip().strip('"').lower() for k, _, v in (p.partition("=") for p in params)
                if k.strip().lower() == "charset"]
    if media.strip().lower() != FORM_TYPE or any(c not in ("utf-8", "utf8") for c in charsets):
        raise FormError(415, "form_type")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise FormError(413, "form_large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise FormError(413, "form_large")
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=max_fields, errors="strict")
    except UnicodeDecodeError:  # raw bytes or %-escapes that are not UTF-8
        raise FormError(400, "form_encoding") from None
    except ValueError:  # more than max_fields fields
        raise FormError(400, "form_fields") from None


async def _form(request: Request, fields: tuple[str, ...], limit: int = MAX_FORM_BYTES) -> dict[str, str]:
    """An urlencoded UTF-8 form of exactly `fields`, each once, in ≤ `limit` bytes (4 KiB: the sign-in forms)."""
    pairs = await _pairs(request, limit, MAX_FIELDS)
    if sorted(name for name, _ in pairs) != sorted(fields):
        raise FormError(400, "form_fields")
    return dict(pairs)


async def _multi_form(request: Request, single: tuple[str, ...], repeated: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """A grading form: each of `single` exactly once, each of `repeated` any number of times."""
    form: dict[str, list[str]] = {}
    for name, value in await _pairs(request, MAX_GRADE_BYTES, MAX_GRADE_FIELDS):
        form.setdefault(name, []).append(value)
    if set(form) - {*single, *repeated} or any(len(form.get(name, [])) != 1 for name in single):
        raise FormError(400, "form_fields")
    return form


def create_app(out: Path, *, clock: Clock = time.monotonic,
               sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
               proxies: Sequence[str] = (), secure_cookie: bool = False) -> FastAPI:
    """Load the tokens and the results index (again whenever they change); TokenError if `grader
    tokens` was never run.

    `proxies` are the addresses (or networks) of a TLS reverse proxy in front: only requests from
    them have their X-Forwarded-For (the client address, for throttling) and X-Forwarded-Proto
    (anything but http → Secure cookie) believed. `secure_cookie` makes the cookie Secure always.
    """
    live = LiveIndex(out)
    republish = Republisher(out)
    desk = Desk(out, on_change=republish)
    throttle = Throttle(clock=clock)
    sessions = Sessions(clock=clock)
    learners = Sessions(lifetime=3600, clock=clock, cookie="grader_student")

    def codes_changed(students: set[str], staff_names: set[str]) -> None:
        """A replaced code ends the sessions it opened (called on the event loop, as sessions are used)."""
        learners.revoke_names(students)
        sessions.revoke_names(staff_names)

    verifier = LiveVerifier(out, on_change=codes_changed)
    trusted = [ipaddress.ip_network(p, strict=False) for p in proxies]
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    def page(name: str, status: int = 200, message: str | None = None, **context: object) -> HTMLResponse:
        index = live.current()
        return HTMLResponse(render(name, title=index.title, course=index.course, message=message, **context),
                            status_code=status)

    def staff_page(name: str, who: Session, **context: object) -> HTMLResponse:
        """A signed-in page: it carries the session's CSRF token and shows its messages once."""
        flashes, who.flash[:] = list(who.flash), []
        return page(name, who=who, flashes=flashes, **context)

    def download(path: Path, name: str, media_type: str) -> FileResponse:
        return FileResponse(path, media_type=media_type, filename=name, content_disposition_type="attachment")

    def from_proxy(request: Request) -> bool:
        try:
            peer = ipaddress.ip_address(request.client.host if request.client else "")
        except ValueError:
            return False
        return any(peer in net for net in trusted)

    def forwarded(request: Request, header: str) -> str:
        """The proxy's own entry: the last one, as a proxy appends to what the client sent."""
        return ",".join(request.headers.getlist(header)).rsplit(",", 1)[-1].strip()

    def client_address(request: Request) -> str:
        peer = request.client.host if request.client else ""
        return network((from_proxy(request) and forwarded(request, "x-forwarded-for")) or peer)

    def secure(request: Request) -> bool:
        """A proxy that names no scheme is taken to be the TLS proxy it was declared to be."""
        if from_proxy(request):
            return secure_cookie or (forwarded(request, "x-forwarded-proto").lower() or "https") == "https"
        return secure_cookie or request.url.scheme == "https"

    def is_staff(request: Request) -> bool:
        return staff(request) is not None

    def staff(request: Request) -> Session | None:
        verifier.current()  # a code replaced on disk since ends its sessions before this one is looked up
        return sessions.get(request.cookies.get(sessions.cookie))

    def csrf_ok(who: Session, token: str) -> bool:
        return hmac.compare_digest(who.csrf.encode(), token.encode("utf-8", "replace"))

    def flash(who: Session, key: str, warn: bool = False, **values: object) -> None:
        text = MESSAGES[key]
        who.flash.append({"fa": text["fa"].format(**{k: persian_digits(str(v)) for k, v in values.items()}),
                          "en": text["en"].format(**values), "warn": warn})
        del who.flash[:-Sessions.FLASH]

    async def verified(request: Request, account: str, check: Callable[..., bool], *args: str) -> bool:
        """Check a code under the throttle (Refused → 429); the scrypt work runs off the event loop."""
        attempt = throttle.begin(client_address(request), account)
        if attempt.delay:
            await sleep(attempt.delay)
        ok = await run_in_threadpool(check, *args)
        if ok:
            throttle.succeeded(attempt)
        return ok

    def get(path: str):  # type: ignore[no-untyped-def]
        """A GET route that answers HEAD alike (headers only), as HTTP requires."""
        return app.api_route(path, methods=["GET", "HEAD"])

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> HTMLResponse:
        return page("error", exc.status_code, "not_found" if exc.status_code == 404 else "bad_request")

    @app.exception_handler(FormError)
    async def form_error(request: Request, exc: FormError) -> HTMLResponse:
        return page("login", exc.status, exc.message)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> HTMLResponse:
        seconds = max(1, math.ceil(exc.wait))
        response = page("login", 429, "too_many", seconds=seconds)
        response.headers["Retry-After"] = str(seconds)
        return response

    @get("/")
    async def home() -> HTMLResponse:
        return page("login")

    @get("/static/portal.css")
    async def stylesheet() -> Response:
        return Response(CSS, media_type="text/css; charset=utf-8")

    @get("/static/grade.js")
    async def script() -> Response:
        return Response(JS, media_type="text/javascript; charset=utf-8")

    @app.post("/download")
    async def student_download(request: Request) -> Response:
        form = await _form(request, ("student_id", "code"))
        sid = normalize_id(form["student_id"])
        if not await verified(request, f"id:{sid}", verifier.current().student, sid, form["code"]):
            return page("login", 403, "bad_login")
        student = live.current().find(sid)
        if student is None or student.pdf is None:
            return page("login", 404, "not_ready")
        return download(student.pdf, f"{student.student_id}.pdf", "application/pdf")

    @app.post("/staff/login")
    async def staff_login(request: Request) -> Response:
        form = await _form(request, ("code",))
        name: list[str | None] = [None]
        codes = verifier.current()

        def check(code: str) -> bool:
            name[0] = codes.staff_name(code)
            return name[0] is not None

        if not await verified(request, "staff", check, form["code"]):
            return page("login", 403, "bad_staff")
        response = RedirectResponse("/staff", status_code=303)
        response.set_cookie(sessions.cookie, sessions.issue(name[0] or ""), max_age=int(sessions.lifetime), path="/",
                            httponly=True, samesite="strict", secure=secure(request))
        return response

    async def sign_out(request: Request, who: Session | None, store: Sessions) -> Response:
        """End the session server-side (its cookie is worthless after), given the session's CSRF token."""
        if who is not None:
            form = await _form(request, ("csrf",))
            if not csrf_ok(who, form["csrf"]):
                return page("error", 403, "bad_csrf")
        store.revoke(request.cookies.get(store.cookie))
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(store.cookie, path="/", httponly=True, samesite="strict", secure=secure(request))
        return response

    @app.post("/staff/logout")
    async def staff_logout(request: Request) -> Response:
        return await sign_out(request, staff(request), sessions)

    @get("/staff")
    async def staff_table(request: Request) -> HTMLResponse:
        who = staff(request)
        if who is None:
            return page("login", 403, "staff_only")
        similar = load_similarity(out)  # rewritten by each run, so read per request
        index = await run_in_threadpool(live.current)
        return staff_page("staff", who, students=list(index.students.values()),
                    has_summary=index.summary_pdf is not None, has_grades=index.grades_csv is not None,
                    similar=None if similar is None else similar.get("pairs") or [])

    @get("/staff/report/{student_id}")
    async def staff_report(student_id: str, request: Request) -> Response:
        if not is_staff(request):
            return page("login", 403, "staff_only")
        student = live.current().find(student_id)
        if student is None or student.pdf is None:
            raise HTTPException(404)
        return download(student.pdf, f"{student.student_id}.pdf", "application/pdf")

    @app.post("/staff/code/{student_id}")
    async def staff_new_code(student_id: str, request: Request) -> Response:
        """Replace one student's code: shown once, on this page; the old one and its sessions end now."""
        who = staff(request)
        if who is None:
            return page("login", 403, "staff_only")
        form = await _form(request, ("csrf",))
        if not csrf_ok(who, form["csrf"]):
            return page("error", 403, "bad_csrf")
        student = live.current().find(student_id)
        if student is None:
            raise HTTPException(404)
        try:
            code = await run_in_threadpool(reset_student, out, student.student_id)
        except TokenError:
            return page("error", 500, "bad_request")
        verifier.current()  # reads the new file now: the old code and its sessions end before this answer
        return staff_page("code", who, student=student, code=code)

    def staff_file(request: Request, path: Path | None, name: str, media_type: str) -> Response:
        """A class-level file, for staff only; the path was fixed when the index was built."""
        if not is_staff(request):
            return page("login", 403, "staff_only")
        if path is None:
            raise HTTPException(404)
        return download(path, name, media_type)

    @get("/staff/summary.pdf")
    async def staff_summary(request: Request) -> Response:
        return staff_file(request, live.current().summary_pdf, "summary.pdf", "application/pdf")

    @get("/staff/grades.csv")
    async def staff_grades(request: Request) -> Response:
        return staff_file(request, live.current().grades_csv, "grades.csv", "text/csv; charset=utf-8")


    def grading_question(who: Session, qid: str, anon: bool) -> HTMLResponse:
        question = desk.question(qid)
        if question is None:
            raise HTTPException(404)
        return staff_page("question", who, question=question, groups=desk.groups(qid), items=desk.items(qid),
                          anon=anon, max_comment=MAX_COMMENT)

    @get("/staff/grade")
    async def grading_questions(request: Request) -> HTMLResponse:
        who = staff(request)
        if who is None:
            return page("login", 403, "staff_only")
        return staff_page("questions", who, questions=await run_in_threadpool(desk.questions),
                          anon=request.query_params.get("anon") == "1")

    @get("/staff/grade/{qid}")
    async def grading_page(qid: str, request: Request) -> HTMLResponse:
        who = staff(request)
        if who is None:
            return page("login", 403, "staff_only")
        return await run_in_threadpool(grading_question, who, qid, request.query_params.get("anon") == "1")

    def back(qid: str, form: dict[str, list[str]], anchor: str = "") -> RedirectResponse:
        anon = "?anon=1" if form.get("anon") == ["1"] else ""
        return RedirectResponse(f"/staff/grade/{quote(qid, safe='')}{anon}{anchor}", status_code=303)

    def number(text: str, default: float = 0.0) -> float:
        try:
            return read_score(text) if text.strip() else default
        except Unreadable:
            raise FormError(400, "bad_number") from None

    @app.post("/staff/grade/{qid}")
    async def grade(qid: str, request: Request) -> Response:
        who = staff(request)
        if who is None:
            return page("login", 403, "staff_only")
        form = await _multi_form(request, ("csrf", "adjust", "comment", "anon", "group"), ("m", "item"))
        if not csrf_ok(who, form["csrf"][0]):
            return page("error", 403, "bad_csrf")
        if len(form["comment"][0]) > MAX_COMMENT:
            raise FormError(413, "form_large")
        grade = Grade(comment=form["comment"][0], items=tuple(form.get("item", [])), adjust=number(form["adjust"][0]))
        done, refused = await run_in_threadpool(desk.grade, qid, form.get("m", []), grade, who.name)
        if done:
            flash(who, "graded", count=done)
        stale = [r for r in refused if r.current is not None]
        if stale:  # one message, naming graders but no student (the page may be anonymous)
            names = ", ".join(sorted({str(r.current.get("by") or "?") for r in stale}))  # type: ignore[union-attr]
            flash(who, "stale", count=len(stale), names=names, warn=True)
        for refusal in [r for r in refused if r.current is None][:Sessions.FLASH - 2]:
            note(who, refusal)
        return back(qid, form, f"#{form['group'][0]}" if form["group"][0].isalnum() else "")

    @app.post("/staff/grade/{qid}/item")
    async def grade_item(qid: str, request: Request) -> Response:
        who = staff(request)
        if who is None:
            return page("login", 403, "staff_only")
        form = await _multi_form(request, ("csrf", "id", "fa", "en", "points", "anon"))
        if not csrf_ok(who, form["csrf"][0]):
            return page("error", 403, "bad_csrf")
        item = {"fa": form["fa"][0], "en": form["en"][0], "points": number(form["points"][0])}
        if form["id"][0]:
            item["id"] = form["id"][0]
        try:
            changed = await run_in_threadpool(desk.save_item, qid, item, who.name)
        except Refusal as refusal:
            who.flash.append({"fa": refusal.fa, "en": str(refusal)})
        else:
            flash(who, "item_saved", count=len(changed))
        return back(qid, form, "#items")


    def student(request: Request) -> Session | None:
        verifier.current()
        return learners.get(request.cookies.get(learners.cookie))

    def note(who: Session, refusal: Refusal) -> None:
        who.flash.append({"fa": refusal.fa, "en": str(refusal), "warn": True})
        del who.flash[:-Sessions.FLASH]

    @app.post("/student/login")
    async def student_login(request: Request) -> Response:
        form = await _form(request, ("student_id", "code"))
        sid = normalize_id(form["student_id"])
        if not await verified(request, f"id:{sid}", verifier.current().student, sid, form["code"]):
            return page("login", 403, "bad_login")
        if live.current().find(sid) is None:
            return page("login", 404, "not_ready")
        response = RedirectResponse("/me", status_code=303)
        response.set_cookie(learners.cookie, learners.issue(sid), max_age=int(learners.lifetime), path="/",
                            httponly=True, samesite="strict", secure=secure(request))
        return response

    @get("/me")
    async def student_home(request: Request) -> HTMLResponse:
        who = student(request)
        if who is None:
            return page("login", 403, "student_only")
        result = read_result(result_path(out, who.name))
        mine = [r for r in regrades.load(out) if r["student"] == who.name]
        return staff_page("me", who, result=result, requests=mine, max_message=regrades.MAX_MESSAGE)

    @get("/me/report.pdf")
    async def student_report(request: Request) -> Response:
        who = student(request)
        found = live.current().find(who.name) if who else None
        if found is None or found.pdf is None:
            return page("login", 403, "student_only")
        return download(found.pdf, f"{found.student_id}.pdf", "application/pdf")

    @app.post("/me/regrade")
    async def student_regrade(request: Request) -> Response:
        who = student(request)
        if who is None:
            return page("login", 403, "student_only")
        form = await _form(request, ("csrf", "question", "message"), MAX_MESSAGE_BYTES)
        if not csrf_ok(who, form["csrf"]):
            return page("error", 403, "bad_csrf")
        result = read_result(result_path(out, who.name))
        if result is None or result.question(form["question"]) is None:
            raise FormError(400, "form_fields")
        try:
            await run_in_threadpool(regrades.ask, out, who.name, form["question"], form["message"])
        except Refusal as refusal:
            note(who, refusal)
        else:
            flash(who, "regrade_filed")
        return RedirectResponse("/me", status_code=303)

    @app.post("/me/logout")
    async def student_logout(request: Request) -> Response:
        return await sign_out(request, student(request), learners)

    def queue_entries() -> list[dict[str, object]]:
        """Each request with the question and, for an essay, the answer as it stands; open ones first."""
        found = read_results(out)
        essays: dict[str, dict[str, object]] = {}
        entries = []
        for r in sorted(regrades.load(out), key=lambda r: (r["status"] != "open", r["at"])):
            result = found.get(r["student"])
            q = result.question(r["question"]) if result is not None else None
            if q is not None and q.id not in essays:
                essays[q.id] = {a.student_id: a for a in desk.answers(q.id)}
            entries.append({"request": r, "question": q, "essay": essays.get(r["question"], {}).get(r["student"]),
                            "student": result.student if result is not None else None})
        return entries

    @get("/staff/regrades")
    async def regrade_queue(request: Request) -> HTMLResponse:
        who = staff(request)
        if who is None:
            return page("login", 403, "staff_only")
        return staff_page("regrades", who, entries=await run_in_threadpool(queue_entries),
                          max_message=regrades.MAX_MESSAGE)

    @app.post("/staff/regrades/{request_id}")
    async def regrade_answer(request_id: str, request: Request) -> Response:
        """The reply is recorded; a score given with it is an essay grade like any other (stale-checked)."""
        who = staff(request)
        if who is None:
            return page("login", 403, "staff_only")
        form = await _form(request, ("csrf", "reply", "score", "m"), MAX_MESSAGE_BYTES)
        if not csrf_ok(who, form["csrf"]):
            return page("error", 403, "bad_csrf")
        asked = next((r for r in regrades.load(out) if r["id"] == request_id), None)
        if asked is None:
            raise HTTPException(404)
        try:
            regrades.refuse_answered(asked)
        except Refusal as refusal:
            note(who, refusal)
            return RedirectResponse("/staff/regrades", status_code=303)
        if form["score"].strip():
            if not form["m"]:
                raise FormError(400, "form_fields")
            grade = Grade(comment=form["reply"][:MAX_COMMENT], score=number(form["score"]))
            _, refused = await run_in_threadpool(desk.grade, asked["question"], [form["m"]], grade, who.name)
            if refused:
                note(who, refused[0])
                return RedirectResponse("/staff/regrades", status_code=303)
        try:
            await run_in_threadpool(regrades.answer, out, request_id, form["reply"], who.name)
        except Refusal as refusal:
            note(who, refusal)
        else:
            flash(who, "regrade_answered")
        return RedirectResponse("/staff/regrades", status_code=303)

    return app
