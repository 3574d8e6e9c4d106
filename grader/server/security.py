"""The server's guards, each in one place: who is asking, cross-site posts, body size, request rates.

* :class:`CallerBackend` (Starlette's ``AuthenticationMiddleware``) reads an
  ``Authorization: Bearer`` API token or the signed session cookie and sets
  ``request.user`` to a :class:`Caller`; every route then only says which role it needs.
* :func:`check_same_origin` refuses a state-changing request that a browser sent from
  another site (``Sec-Fetch-Site``, else ``Origin``), and forms carry the session's CSRF
  nonce as well: SameSite=Lax cookies are the third fence.
* :class:`BodyLimit` answers 413 before the body is read when ``Content-Length`` is too
  large, and stops reading a body (chunked, or lying about its length) at the limit.
* :class:`RateLimiter` is a sliding window per (bucket, client) in memory (one server process).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.authentication import AuthCredentials, AuthenticationBackend, AuthenticationError, BaseUser

from grader.auth import Principal, load_principal, principal_for_api_token

SESSION_COOKIE = "cnnkit_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Caller(BaseUser):
    """``request.user``: a signed-in student or instructor, or nobody."""

    def __init__(self, principal: Principal | None = None, *, csrf: str | None = None, via: str = ""):
        self.principal = principal
        self.csrf = csrf
        self.via = via  # "cookie" | "token" | ""

    @property
    def is_authenticated(self) -> bool:
        return self.principal is not None

    @property
    def display_name(self) -> str:
        return self.principal.name if self.principal else ""

    @property
    def identity(self) -> str:
        return f"{self.principal.role}:{self.principal.id}" if self.principal else ""


class Sessions:
    """Signed session cookies: ``{"r": role, "p": id, "v": session_version, "c": csrf nonce}``."""

    def __init__(self, secret: bytes, *, max_age_days: float):
        self.serializer = URLSafeTimedSerializer(secret, salt="cnnkit-session")
        self.max_age = int(max_age_days * 86400)

    def issue(self, principal: Principal) -> str:
        return self.serializer.dumps({"r": principal.role, "p": principal.id, "v": principal.session_version,
                                      "c": secrets.token_urlsafe(18)})

    def read(self, value: str) -> dict | None:
        try:
            data = self.serializer.loads(value, max_age=self.max_age)
        except (BadSignature, ValueError, TypeError):
            return None
        return data if isinstance(data, dict) and {"r", "p", "v", "c"} <= set(data) else None


class CallerBackend(AuthenticationBackend):
    def __init__(self, store, sessions: Sessions):
        self.store, self.sessions = store, sessions

    async def authenticate(self, conn):
        try:
            return await self._authenticate(conn)
        except Exception as exc:  # the database is unreachable: say so (503), never treat as anonymous
            raise AuthenticationError(f"The server cannot check sign-ins right now ({type(exc).__name__}); "
                                      "try again in a minute.") from exc

    async def _authenticate(self, conn):
        from starlette.concurrency import run_in_threadpool

        header = conn.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer":
                return AuthCredentials([]), Caller()
            principal = await run_in_threadpool(principal_for_api_token, self.store, token.strip())
            return (AuthCredentials([principal.role]), Caller(principal, via="token")) if principal \
                else (AuthCredentials([]), Caller())
        cookie = conn.cookies.get(SESSION_COOKIE)
        data = self.sessions.read(cookie) if cookie else None
        if data is None:
            return AuthCredentials([]), Caller()
        principal = await run_in_threadpool(load_principal, self.store, str(data["r"]), str(data["p"]))
        if principal is None or principal.session_version != data["v"]:  # rotated or removed: signed out
            return AuthCredentials([]), Caller()
        return AuthCredentials([principal.role]), Caller(principal, csrf=str(data["c"]), via="cookie")


def check_same_origin(request) -> str | None:
    """Why a state-changing request must be refused as cross-site, or None when it may go on.

    Requests authenticated by a bearer token are not sent by browsers on their own, so only
    cookie-carrying requests are checked.
    """
    if request.method in SAFE_METHODS or request.headers.get("authorization"):
        return None
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return None if site in ("same-origin", "none") else f"a form on another site ({site}) cannot post here"
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return None if origin is None and not request.cookies.get(SESSION_COOKIE) else \
            "this request carries no Origin header; post from the course's own pages"
    expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
    return None if origin == expected else f"a page on {origin} cannot post here"


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: bodies larger than ``limit(path)`` bytes are refused with 413, never stored."""

    def __init__(self, app, limit):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit(scope.get("path", ""))
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return await _too_large(scope, send, limit)
        seen = 0
        started = False

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(scope, send, limit)


async def _too_large(scope, send, limit: int) -> None:
    import json

    wants_json = scope.get("path", "").startswith("/api/")
    text = f"The upload is larger than the server's limit of {limit / 1e6:.0f} MB."
    body = json.dumps({"error": "too_large", "message": text}).encode() if wants_json else (
        f"<!DOCTYPE html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width, "
        f"initial-scale=1'><title>Too large</title><p>{text} Go back and choose a smaller file.</p></html>").encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json" if wants_json else b"text/html; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


@dataclass
class Limit:
    count: int
    seconds: float


class RateLimiter:
    """At most ``Limit.count`` events per ``Limit.seconds`` per (bucket, key); thread-safe, in memory."""

    def __init__(self, limits: dict[str, Limit]):
        self.limits = limits
        self._events: dict[tuple[str, str], deque] = {}
        self._lock = threading.Lock()

    def hit(self, bucket: str, key: str) -> float | None:
        """Record one event; None when allowed, else the seconds until the next one is."""
        limit = self.limits.get(bucket)
        if limit is None:
            return None
        now = time.monotonic()
        with self._lock:
            events = self._events.setdefault((bucket, key), deque())
            while events and now - events[0] >= limit.seconds:
                events.popleft()
            if len(events) >= limit.count:
                return max(0.1, limit.seconds - (now - events[0]))
            events.append(now)
            if len(self._events) > 100_000:  # a flood of distinct keys cannot grow memory without bound
                self._events = {k: v for k, v in self._events.items() if v and now - v[-1] < 3600}
            return None
