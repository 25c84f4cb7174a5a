"""The download portal (DESIGN.md, "Portal"): students fetch their own PDF, staff see the class.

Requests never name files: a verified student id (or, for staff, a key of the start-up index)
picks an entry of ClassIndex, whose paths were fixed when the portal started.
"""
from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from grader.portal.guard import Clock, RateLimiter, StaffSession
from grader.portal.index import ClassIndex, normalize_id
from grader.portal.pages import CSS, render
from grader.portal.tokens import Verifier
from grader.similarity import load_similarity

MAX_FORM_BYTES = 4096
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


async def _form(request: Request) -> dict[str, str]:
    """A small urlencoded form (the portal's only input); anything else reads as empty fields."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return {}
    fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=8)
    return {k: v[0] for k, v in fields.items()}


def create_app(out: Path, *, clock: Clock = time.monotonic, wall_clock: Clock = time.time) -> FastAPI:
    """Load the tokens and the results index once; TokenError if `grader tokens` was never run."""
    index = ClassIndex.build(out)
    verifier = Verifier.load(out)
    limiter = RateLimiter(clock=clock)
    session = StaffSession(clock=wall_clock)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    def page(name: str, status: int = 200, message: str | None = None, **context: object) -> HTMLResponse:
        return HTMLResponse(render(name, title=index.title, course=index.course, message=message, **context),
                            status_code=status)

    def download(path: Path, name: str, media_type: str) -> FileResponse:
        return FileResponse(path, media_type=media_type, filename=name, content_disposition_type="attachment")

    def is_staff(request: Request) -> bool:
        return session.valid(request.cookies.get(StaffSession.cookie))

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> HTMLResponse:
        return page("error", exc.status_code, "not_found" if exc.status_code == 404 else "bad_request")

    @app.get("/", response_class=HTMLResponse)
    async def home() -> HTMLResponse:
        return page("login")

    @app.get("/static/portal.css")
    async def stylesheet() -> Response:
        return Response(CSS, media_type="text/css; charset=utf-8")

    @app.post("/download")
    async def student_download(request: Request) -> Response:
        form = await _form(request)
        sid = normalize_id(form.get("student_id", ""))
        ip = request.client.host if request.client else "?"
        if limiter.blocked(f"ip:{ip}", f"id:{sid}"):
            return page("login", 429, "too_many")
        if not await run_in_threadpool(verifier.student, sid, form.get("code", "")):
            limiter.fail(f"ip:{ip}", f"id:{sid}")
            return page("login", 403, "bad_login")
        student = index.find(sid)
        if student is None or student.pdf is None:
            return page("login", 404, "not_ready")
        return download(student.pdf, f"{student.student_id}.pdf", "application/pdf")

    @app.post("/staff/login")
    async def staff_login(request: Request) -> Response:
        form = await _form(request)
        ip = request.client.host if request.client else "?"
        if limiter.blocked(f"ip:{ip}", "staff"):
            return page("login", 429, "too_many")
        if not await run_in_threadpool(verifier.is_staff, form.get("code", "")):
            limiter.fail(f"ip:{ip}", "staff")
            return page("login", 403, "bad_staff")
        response = RedirectResponse("/staff", status_code=303)
        response.set_cookie(StaffSession.cookie, session.issue(), max_age=int(session.lifetime), path="/",
                            httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return response

    @app.post("/staff/logout")
    async def staff_logout() -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(StaffSession.cookie, path="/")
        return response

    @app.get("/staff", response_class=HTMLResponse)
    async def staff_table(request: Request) -> HTMLResponse:
        if not is_staff(request):
            return page("login", 403, "staff_only")
        similar = load_similarity(out)  # rewritten by each run, so read per request
        return page("staff", students=list(index.students.values()),
                    has_summary=index.summary_pdf is not None, has_grades=index.grades_csv is not None,
                    similar=None if similar is None else similar.get("pairs") or [])

    @app.get("/staff/report/{student_id}")
    async def staff_report(student_id: str, request: Request) -> Response:
        if not is_staff(request):
            return page("login", 403, "staff_only")
        student = index.find(student_id)
        if student is None or student.pdf is None:
            raise HTTPException(404)
        return download(student.pdf, f"{student.student_id}.pdf", "application/pdf")

    def staff_file(request: Request, path: Path | None, name: str, media_type: str) -> Response:
        """A class-level file, for staff only; the path was fixed when the index was built."""
        if not is_staff(request):
            return page("login", 403, "staff_only")
        if path is None:
            raise HTTPException(404)
        return download(path, name, media_type)

    @app.get("/staff/summary.pdf")
    async def staff_summary(request: Request) -> Response:
        return staff_file(request, index.summary_pdf, "summary.pdf", "application/pdf")

    @app.get("/staff/grades.csv")
    async def staff_grades(request: Request) -> Response:
        return staff_file(request, index.grades_csv, "grades.csv", "text/csv; charset=utf-8")

    return app
