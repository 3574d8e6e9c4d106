"""The ASGI app: middleware, error pages, and the routers of :mod:`~grader.server.api` and ``pages``."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.base import BaseHTTPMiddleware

from grader.auth import AuthError
from grader.errors import (
    CompetitionError,
    GraderError,
    LimitExceeded,
    NotFound,
    PermissionDenied,
    StoreError,
    SubmissionError,
    TeamError,
    TooLarge,
)
from grader.server.security import BodyLimit, CallerBackend, Limit, RateLimiter, Sessions, check_same_origin

log = logging.getLogger("cnnkit.server")

# Which status each error a caller can cause gets; anything else is our bug (500, logged, one line shown).
STATUS = [(AuthError, 401), (PermissionDenied, 403), (NotFound, 404), (TooLarge, 413), (LimitExceeded, 409),
          (TeamError, 409), (SubmissionError, 400), (CompetitionError, 400), (StoreError, 503), (GraderError, 400)]
MULTIPART_OVERHEAD = 1_000_000


class RateLimited(GraderError):
    "Too many requests from one person or address."

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class ServerState:
    """What every request may need: the course, its store, the guards, and the dispatcher's doorbell."""

    course: object
    store: object
    sessions: Sessions
    limiter: RateLimiter
    wake: threading.Event
    secure_cookies: bool
    base_url: str
    views: object = None  # grader.server.pages.Views: this app's cached public views

    def setting(self, key: str):
        return self.course.get("server", key)


def create_app(course, *, store=None, secret: bytes | None = None, wake: threading.Event | None = None,
               base_url: str = "") -> FastAPI:
    """The class server's app for ``course``. ``secret`` signs session cookies (default: the course's key)."""
    from grader.auth import ensure_secret
    from grader.server import api, pages
    from grader.store import Store

    store = store or Store.open(course)
    secret = secret or ensure_secret(course)
    sessions = Sessions(secret, max_age_days=float(course.get("server", "session_days")))
    limiter = RateLimiter({
        "signin": Limit(int(course.get("server", "signins_per_minute")), 60.0),
        "upload": Limit(int(course.get("server", "uploads_per_minute")), 60.0),
        "request": Limit(int(course.get("server", "requests_per_minute")), 60.0),
    })
    url = base_url or course.get("server", "url") or ""
    state = ServerState(course=course, store=store, sessions=sessions, limiter=limiter,
                        wake=wake or threading.Event(), secure_cookies=url.startswith("https://"), base_url=url,
                        views=pages.Views())
    max_body = _max_body(course)
    app = FastAPI(title="cnnkit class server", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json",
                  middleware=[Middleware(BodyLimit, limit=lambda path: max_body),
                              Middleware(AuthenticationMiddleware, backend=CallerBackend(store, sessions),
                                         on_error=_auth_failed),
                              Middleware(Guards, state=state)])
    app.state.cnnkit = state
    app.include_router(api.router)
    app.include_router(pages.router)

    @app.exception_handler(GraderError)
    async def domain_error(request: Request, exc: GraderError):
        if isinstance(exc, RateLimited):
            return error_response(request, 429, "rate_limited", str(exc), retry_after=exc.retry_after)
        status = next(code for kind, code in STATUS if isinstance(exc, kind))
        return error_response(request, status, type(exc).__name__, str(exc), extra=getattr(exc, "payload", None))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg')}"
                             for e in exc.errors()[:5])
        return error_response(request, 400, "bad_request", f"The request is not valid: {problems}.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        texts = {404: "There is no such page.", 405: "That method is not allowed here."}
        return error_response(request, exc.status_code, "http", texts.get(exc.status_code, str(exc.detail)))

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal", "Something went wrong on the server (a bug in cnnkit, "
                              "not in your request); it was logged. Try again, or tell your instructor.")

    return app


class Guards(BaseHTTPMiddleware):
    """After sign-in is known: refuse cross-site posts, count requests, add the security headers."""

    def __init__(self, app, state: ServerState):
        super().__init__(app)
        self.state = state

    async def dispatch(self, request: Request, call_next):
        refusal = check_same_origin(request)
        if refusal is not None:
            return error_response(request, 403, "cross_site", f"Refused: {refusal}.")
        key = request.user.identity if request.user.is_authenticated else _client(request)
        wait = self.state.limiter.hit("request", key)
        if wait is not None:
            return error_response(request, 429, "rate_limited",
                                  f"Too many requests; try again in {wait:.0f} s.", retry_after=wait)
        response = await call_next(request)
        if request.method not in ("GET", "HEAD"):  # a write through this server: its boards are checked again
            self.state.views.touch()
        _security_headers(response)
        return response


def _max_body(course) -> int:
    """The largest body any route accepts: the biggest competition file or notebook, plus multipart framing."""
    from grader.competitions.config import list_competitions, load_competition

    sizes = [int(course.get("server", "max_notebook_mb")) * 1_000_000]
    for name in list_competitions(course):
        try:
            sizes.append(load_competition(course, name).max_bytes)
        except GraderError:
            continue
    return max(sizes) + MULTIPART_OVERHEAD


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _auth_failed(conn, exc):
    log.error("sign-in check failed: %s", exc.__cause__ or exc)
    return JSONResponse({"error": "unavailable", "message": str(exc)}, status_code=503)


def _security_headers(response) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                       "script-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    headers.setdefault("Cache-Control", "no-store")


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def error_response(request: Request, status: int, code: str, message: str, *, retry_after: float | None = None,
                   extra: dict | None = None):
    headers = {"Retry-After": str(int(retry_after + 0.999))} if retry_after is not None else None
    message = " ".join(message.splitlines())  # one line, even when it quotes a name with a line break in it
    if wants_json(request):
        response = JSONResponse({"error": code, "message": message, **(extra or {})}, status_code=status,
                                headers=headers)
    else:
        from grader.server.pages import error_page

        response = HTMLResponse(error_page(request, status, message), status_code=status, headers=headers)
    _security_headers(response)
    return response


def state_of(request: Request) -> ServerState:
    return request.app.state.cnnkit


def check_rate(request: Request, bucket: str, key: str) -> None:
    wait = state_of(request).limiter.hit(bucket, key)
    if wait is not None:
        what = {"signin": "sign-in attempts", "upload": "uploads"}.get(bucket, "requests")
        raise RateLimited(f"Too many {what}; try again in {wait:.0f} s.", wait)
