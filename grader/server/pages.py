"""The server's HTML pages: the site's pages, live, plus sign-in, Submit, My submissions and Team.

Every page needs a signed-in caller except the sign-in link's own page; a browser
without a session gets one page explaining how to sign in (401). The site's pages
come from :mod:`leaderboard.pages` with the server's ``link`` (its routes) and its
tabs; what they show is computed per competition and cached until the store
changes (:class:`Views`), so a busy leaderboard does not recompute on every view.
"""

from __future__ import annotations

import mimetypes
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from grader.auth import AuthError, Principal
from grader.errors import GraderError, NotFound, PermissionDenied, SubmissionError
from grader.server.app import check_rate, state_of
from grader.server.security import SESSION_COOKIE
from grader.service import competitions as service
from leaderboard import datafiles, engine, model, notebooks, pages
from leaderboard.navigation import ROUTES as SITE_ROUTES
from leaderboard.navigation import Tab

router = APIRouter(include_in_schema=False)
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(pages.TEMPLATES_DIR).parent / "static"
VIEW_TTL = 30.0  # seconds a competition's public view may be reused while the store does not change
VIEW_FRESH = 2.0  # seconds a view is served without asking the store whether it changed

ROUTES = {
    "index": "/", "static": "/static/{path}",
    "competition.overview": "/competitions/{competition}/", "competition.data": "/competitions/{competition}/data",
    "competition.download": "/competitions/{competition}/data/{file}",
    "competition.sample": "/competitions/{competition}/samples/{file}",
    "competition.code": "/competitions/{competition}/code",
    "competition.notebook": "/competitions/{competition}/code/{notebook}",
    "competition.notebook_file": "/competitions/{competition}/code/files/{file}",
    "competition.rules": "/competitions/{competition}/rules",
    "competition.leaderboard": "/competitions/{competition}/leaderboard",
    "competition.private": "/competitions/{competition}/leaderboard/private",
    "competition.team": "/competitions/{competition}/teams/{team}",
    "competition.submit": "/competitions/{competition}/submit",
    "competition.submissions": "/competitions/{competition}/submissions",
    "competition.selection": "/competitions/{competition}/selection",
    "competition.my_team": "/competitions/{competition}/team",
    "signin": "/signin", "signout": "/signout", "account": "/account", "account.token": "/account/token",
    "assignments": "/assignments", "assignment": "/assignments/{assignment}",
    "assignment.handin": "/assignments/{assignment}/handin",
    "assignment.feedback": "/assignments/{assignment}/feedback",
    "assignment.download": "/assignments/{assignment}/download",
    "instructor": "/instructor", "instructor.assignment": "/instructor/assignments/{assignment}",
    "instructor.queue": "/instructor/queue", "instructor.job": "/instructor/queue/{job}",
    "instructor.reveal": "/instructor/competitions/{competition}/reveal",
    "instructor.export": "/instructor/export/{fmt}",
}
assert set(SITE_ROUTES) <= set(ROUTES), "every page of the site has a route on the server"


def link(endpoint: str, **params) -> str:
    """The server's ``link`` for templates: its own absolute routes, each parameter one quoted segment."""
    return ROUTES[endpoint].format(**{k: quote(str(v), safe="") for k, v in params.items()})


@dataclass(frozen=True)
class ServerInfo:
    """What templates know of the caller (``server`` in the context; the static site has none)."""

    signed_in: bool
    name: str
    instructor: bool
    csrf: str
    base_url: str
    has_assignments: bool = True


def environment():
    if not hasattr(environment, "env"):
        environment.env = pages.make_environment(TEMPLATES)
    return environment.env


def render(request: Request, page: pages.Page, *, status: int = 200, notice: str | None = None,
           **extra) -> HTMLResponse:
    state = state_of(request)
    caller = request.user
    info = ServerInfo(signed_in=caller.is_authenticated, name=caller.display_name,
                      instructor=bool(caller.is_authenticated and caller.principal.is_instructor),
                      csrf=caller.csrf or "", base_url=state.base_url)
    tabs = []
    if page.view is not None and caller.is_authenticated:
        slug = page.view.slug
        tabs = [Tab("submit", "Submit", link("competition.submit", competition=slug)),
                Tab("submissions", "My submissions", link("competition.submissions", competition=slug)),
                Tab("my_team", "Team", link("competition.my_team", competition=slug))]
    html = pages.render(page, site=pages.site_info(state.course), link=link, extra_tabs=tabs, env=environment(),
                        server=info, notice=notice, **extra)
    return HTMLResponse(html, status_code=status)


def message_page(request: Request, status: int, heading: str, message: str, *, next_href: str = "",
                 next_label: str = "") -> HTMLResponse:
    page = pages.Page("message.html.j2", {"heading": heading, "message": message, "next_href": next_href,
                                          "next_label": next_label})
    return render(request, page, status=status)


def error_page(request: Request, status: int, message: str) -> str:
    """The HTML of an error (app.error_response): one clear sentence, never a traceback."""
    heading = {401: "Please sign in", 403: "Not allowed", 404: "Not found", 409: "Not accepted",
               413: "File too large", 429: "Slow down", 400: "Not accepted"}.get(status, "Something went wrong")
    if status == 401:
        message = ("Sign in with the link your instructor sent you (each link works once; ask for a new one if "
                   "yours was used or has expired).") if "Sign in first" in message else message
    try:
        return message_page(request, status, heading, message, next_href="/", next_label="Home").body.decode()
    except Exception:  # the page machinery itself failed: still one plain sentence
        import html

        return f"<!DOCTYPE html><html lang=en><meta charset=utf-8><title>{status}</title><p>{html.escape(message)}</p>"


def caller(request: Request) -> Principal:
    if not request.user.is_authenticated:
        raise AuthError("Sign in first.")
    return request.user.principal


def check_csrf(request: Request, token: str) -> None:
    """Forms carry the session's CSRF nonce (besides the same-origin check of every post)."""
    from grader.auth import same_secret

    expected = request.user.csrf if request.user.is_authenticated else None
    if expected is None or not same_secret(token or "", expected):
        raise PermissionDenied("This form has expired or came from another page. Reload the page and try again.")


# ---------------------------------------------------------------- cached public views


class Views:
    """Each competition's public view, rebuilt when its rows in the store change (or after ``VIEW_TTL``).

    A view is reused for ``VIEW_FRESH`` seconds without asking the store, unless a write went through
    this server (:meth:`touch`: a submission, a team, a selection, a reveal), so whoever wrote reads
    it on the next page; changes made elsewhere (the CLI, a dispatcher's score) show within
    ``VIEW_FRESH`` seconds. One request rebuilds a competition's view while the others wait for
    that result instead of rebuilding too.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}
        self._cache: dict[str, tuple[tuple, float, model.CompetitionView, float]] = {}  # mark, built, view, checked
        self._assets: dict[str, tuple[tuple, dict]] = {}

    def view(self, state, cfg) -> model.CompetitionView:
        cached = self._fresh(cfg.name)
        if cached is not None:
            return cached
        with self._lock:
            building = self._building.setdefault(cfg.name, threading.Lock())
        with building:  # one rebuild at a time per competition
            cached = self._fresh(cfg.name)
            if cached is not None:
                return cached
            mark = _fingerprint(state.store, cfg.name)
            with self._lock:
                old = self._cache.get(cfg.name)
            if old and old[0] == mark and time.monotonic() - old[1] < VIEW_TTL:
                with self._lock:
                    self._cache[cfg.name] = (mark, old[1], old[2], time.monotonic())
                return old[2]
            view = model.competition_view(state.store, cfg, datetime.now(timezone.utc),
                                          released=service.is_released(state.course, cfg.name))
            with self._lock:
                self._cache[cfg.name] = (mark, time.monotonic(), view, time.monotonic())
            return view

    def touch(self) -> None:
        """Something was written through this server: check every view against the store on its next read."""
        with self._lock:
            self._cache = {name: (mark, built, view, float("-inf"))
                           for name, (mark, built, view, _checked) in self._cache.items()}

    def _fresh(self, name: str):
        """The cached view when it was checked against the store less than ``VIEW_FRESH`` seconds ago."""
        with self._lock:
            cached = self._cache.get(name)
        if cached and time.monotonic() - cached[3] < VIEW_FRESH:
            return cached[2]
        return None

    def assets(self, state, cfg) -> dict:
        """The released kit's files, sample strips and notebooks, published once per release."""
        zip_path = datafiles.kit_zip(state.course, cfg)
        stat = zip_path.stat()
        mark = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._assets.get(cfg.name)
            if cached and cached[0] == mark:
                return cached[1]
            folder = state.course.path(".cache", "server", model.competition_slug(cfg.name))
            kit = datafiles.read_kit(state.course, cfg)
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
            datafiles.publish_kit(state.course, cfg, kit, folder / "data")
            samples, note = datafiles.class_samples(state.course, cfg, folder / "samples")
            shared = notebooks.competition_notebooks(cfg, kit.notebooks)
            assets = {"kit": kit, "samples": samples, "note": note, "notebooks": shared, "folder": folder}
            self._assets[cfg.name] = (mark, assets)
            return assets


def _fingerprint(store, name: str) -> tuple:
    from sqlalchemy import text

    with store.read() as session:
        return tuple(session.execute(text(
            "SELECT (SELECT max(id) FROM submissions WHERE kind = 'competition' AND target = :n),"
            " (SELECT count(*) FROM submissions WHERE kind = 'competition' AND target = :n AND selected),"
            " (SELECT count(*) FROM submissions WHERE kind = 'competition' AND target = :n AND status = 'pending'),"
            " (SELECT max(s.id) FROM scores s JOIN submissions b ON b.id = s.submission_id WHERE b.target = :n),"
            " (SELECT count(*) FROM teams WHERE competition = :n), (SELECT max(id) FROM teams WHERE competition = :n),"
            " (SELECT count(*) FROM memberships m JOIN teams t ON t.id = m.team_id WHERE t.competition = :n),"
            " (SELECT max(m.id) FROM memberships m JOIN teams t ON t.id = m.team_id WHERE t.competition = :n),"
            " (SELECT revealed_at FROM competitions WHERE name = :n)"), {"n": name}).one())


def _assets(request: Request, cfg) -> dict:
    state = state_of(request)
    return state.views.assets(state, cfg)


def _competition(request: Request, slug: str):
    """(config, public view) of the competition at ``slug``; 404 for an unknown or unreleased one."""
    state = state_of(request)
    who = caller(request)
    for name in service.competition_names(state.course, who):
        if model.competition_slug(name) == slug:
            cfg = service.get(state.course, who, name)
            return cfg, state.views.view(state, cfg)
    raise NotFound(f"There is no competition '{slug}'.")


# ---------------------------------------------------------------- sign-in


@router.get("/signin/{token}")
def signin_page(token: str, request: Request):
    page = pages.Page("signin.html.j2", {"token": token})
    response = render(request, page)
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in this page's address
    return response


@router.post("/signin")
def signin(request: Request, token: str = Form("")):
    from grader.auth import redeem_signin

    state = state_of(request)
    check_rate(request, "signin", request.client.host if request.client else "unknown")
    try:
        who = redeem_signin(state.store, token.strip())
    except AuthError as exc:
        return message_page(request, 401, "This link does not sign you in", str(exc))
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, state.sessions.issue(who), max_age=state.sessions.max_age, httponly=True,
                        samesite="lax", secure=state.secure_cookies or request.url.scheme == "https", path="/")
    return response


@router.post("/signout")
def signout(request: Request, _who: Principal = Depends(caller), csrf: str = Form("")):
    caller(request)
    check_csrf(request, csrf)
    response = message_page(request, 200, "Signed out", "You are signed out on this browser. Your sign-in link "
                            "was used; ask your instructor for a new one to sign in again.")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account")
def account(request: Request):
    caller(request)
    return render(request, pages.Page("account.html.j2", {"new_token": None}))


@router.post("/account/token")
def account_token(request: Request, _who: Principal = Depends(caller), csrf: str = Form("")):
    from grader.auth import new_api_token

    who = caller(request)
    check_csrf(request, csrf)
    token = new_api_token(state_of(request).store, who)
    return render(request, pages.Page("account.html.j2", {"new_token": token}))


# ---------------------------------------------------------------- the site's pages, live


@router.get("/")
def index(request: Request):
    state = state_of(request)
    who = caller(request)
    views = [state.views.view(state, service.get(state.course, who, name))
             for name in service.competition_names(state.course, who)]
    return render(request, pages.index_page(views, engine.class_statistics(state.course, state.store)))


@router.get("/static/{path}")
def static(path: str):
    target = STATIC / path
    if "/" in path or path.startswith(".") or not target.is_file():
        raise NotFound("There is no such file.")
    return FileResponse(target, headers={"Cache-Control": "max-age=3600"})


@router.get("/competitions/{slug}/")
def overview(slug: str, request: Request):
    _cfg, view = _competition(request, slug)
    return render(request, pages.overview_page(view))


@router.get("/competitions/{slug}")
def overview_without_slash(slug: str, request: Request):
    caller(request)
    return RedirectResponse(link("competition.overview", competition=slug), status_code=308)


@router.get("/competitions/{slug}/data")
def data(slug: str, request: Request):
    cfg, view = _competition(request, slug)
    assets = _assets(request, cfg)
    return render(request, pages.data_page(view, assets["kit"], assets["samples"], assets["note"],
                                           datafiles.column_meanings(cfg)))


@router.get("/competitions/{slug}/data/{file}")
def download(slug: str, file: str, request: Request):
    cfg, _view = _competition(request, slug)
    return _file(_assets(request, cfg)["folder"] / "data", file, download=True)


@router.get("/competitions/{slug}/samples/{file}")
def sample(slug: str, file: str, request: Request):
    cfg, _view = _competition(request, slug)
    return _file(_assets(request, cfg)["folder"] / "samples", file)


@router.get("/competitions/{slug}/code")
def code(slug: str, request: Request):
    cfg, view = _competition(request, slug)
    return render(request, pages.code_page(view, _assets(request, cfg)["notebooks"]))


@router.get("/competitions/{slug}/code/{notebook}")
def notebook(slug: str, notebook: str, request: Request):
    cfg, view = _competition(request, slug)
    for item in _assets(request, cfg)["notebooks"]:
        if item.slug == notebook:
            return render(request, pages.notebook_page(view, item))
    raise NotFound("There is no such notebook.")


@router.get("/competitions/{slug}/code/files/{file}")
def notebook_file(slug: str, file: str, request: Request):
    cfg, _view = _competition(request, slug)
    for item in _assets(request, cfg)["notebooks"]:
        if item.file == file:
            return Response(item.data, media_type="application/x-ipynb+json",
                            headers={"Content-Disposition": f'attachment; filename="{item.file}"'})
    raise NotFound("There is no such notebook.")


@router.get("/competitions/{slug}/rules")
def rules(slug: str, request: Request):
    _cfg, view = _competition(request, slug)
    return render(request, pages.rules_page(view))


@router.get("/competitions/{slug}/leaderboard")
def leaderboard(slug: str, request: Request):
    _cfg, view = _competition(request, slug)
    return render(request, pages.leaderboard_page(view, private=False, now=datetime.now(timezone.utc)))


@router.get("/competitions/{slug}/leaderboard/private")
def private_leaderboard(slug: str, request: Request):
    _cfg, view = _competition(request, slug)
    if not view.revealed:
        raise NotFound("The private leaderboard is shown after the deadline.")
    return render(request, pages.leaderboard_page(view, private=True, now=datetime.now(timezone.utc)))


@router.get("/competitions/{slug}/teams/{team_id}")
def team(slug: str, team_id: int, request: Request):
    _cfg, view = _competition(request, slug)
    if team_id not in view.teams:
        raise NotFound("There is no such team.")
    return render(request, pages.team_page(view, team_id))


def _file(folder: Path, name: str, *, download: bool = False):
    """A file of ``folder`` by its plain name (no path can leave the folder)."""
    if "/" in name or "\\" in name or name.startswith(".") or not (folder / name).is_file():
        raise NotFound("There is no such file.")
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'} if download else {}
    return FileResponse(folder / name, media_type=media, headers=headers)


# ---------------------------------------------------------------- a student's own pages


def _closed(cfg, now: datetime) -> str | None:
    if cfg.start is not None and now < cfg.start:
        return f"Submissions open at {cfg.start.isoformat()}."
    if now > cfg.deadline and not cfg.score_late:
        return "The competition has closed; it takes no late submissions."
    return None


def _quota(state, cfg, team_view) -> str:
    from grader.competitions.rules import day_window, local_time

    now = datetime.now(timezone.utc)
    _start, end = day_window(now, cfg.timezone)
    used = service.used_today(state.store, cfg, team_view.id, now=now) if team_view else 0
    return (f"Your team has used {used} of its {cfg.daily_limit} submissions today; the count starts again at "
            f"{local_time(end, cfg.timezone)}.")


@router.get("/competitions/{slug}/submit")
def submit_page(slug: str, request: Request):
    cfg, view = _competition(request, slug)
    state = state_of(request)
    who = caller(request)
    team_view = service.my_team(state.store, cfg, who)
    page = pages.Page("submit.html.j2", {"team": team_view, "closed": _closed(cfg, datetime.now(timezone.utc)),
                                         "quota": _quota(state, cfg, team_view)}, view=view, tab="submit")
    return render(request, page)


STATUS_TEXT = {"scored": "Scored", "invalid": "Refused: the file is not valid (it does not count)",
               "pending": "Queued: the notebook runs in the sandbox; this page shows its score once it is done",
               "failed": "Failed: the notebook wrote no usable predictions",
               "infra_failed": "Failed for reasons of the grading machines (it does not count)",
               "valid": "Valid; waiting to be scored"}


@router.post("/competitions/{slug}/submit")
def submit(slug: str, request: Request, file: UploadFile = File(...), message: str = Form(""), csrf: str = Form(""),
           _who: Principal = Depends(caller)):
    from grader.server.api import read_upload

    cfg, view = _competition(request, slug)
    state = state_of(request)
    who = caller(request)
    check_csrf(request, csrf)
    check_rate(request, "upload", who.id)
    data = read_upload(file, cfg.max_bytes)
    result = service.submit(state.course, state.store, who, cfg.name, data, filename=file.filename, message=message)
    state.wake.set()
    page = pages.Page("submitted.html.j2", {"s": result, "status_text": STATUS_TEXT.get(result.status, result.status)},
                      view=state.views.view(state, cfg), tab="submit")
    return render(request, page, status=400 if result.status == "invalid" else 200)


@router.get("/competitions/{slug}/submissions")
def my_submissions(slug: str, request: Request, notice: str | None = None):
    from grader.competitions.leaderboard import is_revealed

    cfg, view = _competition(request, slug)
    state = state_of(request)
    who = caller(request)
    rows = service.submissions(state.course, state.store, who, cfg.name)
    page = pages.Page("submissions.html.j2", {
        "rows": rows, "team": service.my_team(state.store, cfg, who),
        "show_private": any(r.private_score is not None for r in rows),
        "selections_closed": is_revealed(state.store, cfg)}, view=view, tab="submissions")
    return render(request, page, notice=notice)


@router.post("/competitions/{slug}/selection")
async def selection(slug: str, request: Request, _who: Principal = Depends(caller)):
    form = await request.form()
    ids = [int(value) for value in form.getlist("ids") if str(value).isdigit()][:100]
    csrf = str(form.get("csrf") or "")
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_save_selection, slug, request, ids, csrf)


def _save_selection(slug: str, request: Request, ids: list[int], csrf: str):
    cfg, _view = _competition(request, slug)
    state = state_of(request)
    check_csrf(request, csrf)
    chosen = service.select_final(state.course, state.store, caller(request), cfg.name, ids)
    return my_submissions(slug, request, notice=f"Saved: submission{'s' if len(chosen) != 1 else ''} "
                          f"{', '.join(str(i) for i in chosen)} will count for the private leaderboard.")


@router.get("/competitions/{slug}/team")
def my_team(slug: str, request: Request, notice: str | None = None, status: int = 200):
    cfg, view = _competition(request, slug)
    state = state_of(request)
    page = pages.Page("my_team.html.j2", {"team": service.my_team(state.store, cfg, caller(request))},
                      view=view, tab="my_team")
    return render(request, page, notice=notice, status=status)


@router.post("/competitions/{slug}/team")
def change_team(slug: str, request: Request, _who: Principal = Depends(caller), action: str = Form(""), name: str = Form(""), code: str = Form(""),
                csrf: str = Form("")):
    cfg, _view = _competition(request, slug)
    state = state_of(request)
    who = caller(request)
    check_csrf(request, csrf)
    try:
        if action == "create":
            done = f"Team '{service.create_team(state.store, cfg, who, name).name}' is yours: share its invite code."
        elif action == "join":
            done = f"You joined team '{service.join_team(state.store, cfg, who, code).name}'."
        elif action == "leave":
            service.leave_team(state.store, cfg, who)
            done = "You left the team."
        else:
            raise SubmissionError("Choose to create, join or leave a team.")
    except GraderError as exc:
        from grader.server.app import STATUS

        return my_team(slug, request, notice=str(exc), status=next(c for k, c in STATUS if isinstance(exc, k)))
    return my_team(slug, request, notice=done)


# ---------------------------------------------------------------- assignments


def _assignments():
    from grader.service import assignments

    return assignments


@router.get("/assignments")
def assignments_page(request: Request):
    state = state_of(request)
    items = _assignments().listing(state.course, state.store, caller(request))
    return render(request, pages.Page("assignments.html.j2", {"items": items}))


@router.get("/assignments/{name}")
def assignment_page(name: str, request: Request, notice: str | None = None, status: int = 200):
    state = state_of(request)
    who = caller(request)
    about = _assignments().info(state.course, state.store, name)
    rows = _assignments().hand_ins(state.course, state.store, who, name) if not who.is_instructor else []
    return render(request, pages.Page("assignment.html.j2", {"a": about, "rows": rows}), notice=notice,
                  status=status)


@router.post("/assignments/{name}/handin")
def hand_in(name: str, request: Request, file: UploadFile = File(...), csrf: str = Form(""),
            _who: Principal = Depends(caller)):
    from grader.server.api import NOTEBOOK_ADVICE, read_upload

    state = state_of(request)
    who = caller(request)
    check_csrf(request, csrf)
    check_rate(request, "upload", who.id)
    try:
        data = read_upload(file, int(state.setting("max_notebook_mb")) * 1_000_000, NOTEBOOK_ADVICE)
        view = _assignments().hand_in(state.course, state.store, who, name, data, filename=file.filename)
    except (SubmissionError, GraderError) as exc:
        if isinstance(exc, NotFound):
            raise
        from grader.server.app import STATUS

        return assignment_page(name, request, notice=f"Not handed in: {exc}",
                               status=next(c for k, c in STATUS if isinstance(exc, k)))
    state.wake.set()
    where = f", number {view.place} in the queue" if view.place else ""
    return assignment_page(name, request, notice=f"Handed in ({view.file}): it is {view.status}{where}. This page "
                                                 "shows its grade when it is ready.")


@router.get("/assignments/{name}/download")
def assignment_download(name: str, request: Request):
    state = state_of(request)
    caller(request)
    about = _assignments().info(state.course, state.store, name)
    return _file(state.course.path("release"), about.zip_name, download=True)


@router.get("/assignments/{name}/feedback")
def assignment_feedback(name: str, request: Request, student: str | None = None):
    state = state_of(request)
    who = caller(request)
    _record, html = _assignments().feedback(state.course, state.store, who, name,
                                            student=student if who.is_instructor else None)
    return HTMLResponse(html)


# ---------------------------------------------------------------- the instructor's pages


def instructor(request: Request) -> Principal:
    who = caller(request)
    if not who.is_instructor:
        raise PermissionDenied("Only an instructor may open this page.")
    return who


EXPORTS = [("csv", "Grades as CSV (nbgrader's columns and cnnkit's)"), ("canvas", "For Canvas's gradebook import"),
           ("moodle", "For Moodle's grade import")]


@router.get("/instructor")
def instructor_page(request: Request):
    from grader import queue

    state = state_of(request)
    who = instructor(request)
    summaries = []
    for about, _ in _assignments().listing(state.course, state.store, who):
        rows = _assignments().class_status(state.course, state.store, about.name)
        statuses = [r["status"] for r in rows if r["status"] != "not handed in"]
        summaries.append({"name": about.name, "title": about.title, "due_at": about.due_at,
                          "handed_in": len(statuses), "graded": sum(r["total"] is not None for r in rows),
                          "waiting": sum(s in ("queued", "running") for s in statuses),
                          "failed": sum(s == "failed" for s in statuses)})
    competitions = [state.views.view(state, service.get(state.course, who, name))
                    for name in service.competition_names(state.course, who)]
    counts = sorted(queue.counts(state.store).items())
    return render(request, pages.Page("instructor.html.j2", {"assignments": summaries, "competitions": competitions,
                                                             "queue_counts": counts, "exports": EXPORTS}))


@router.get("/instructor/assignments/{name}")
def instructor_assignment(name: str, request: Request):
    state = state_of(request)
    instructor(request)
    about = _assignments().info(state.course, state.store, name)
    rows = _assignments().class_status(state.course, state.store, name)
    return render(request, pages.Page("instructor_assignment.html.j2", {"a": about, "rows": rows}))


@router.get("/instructor/queue")
def queue_page(request: Request, notice: str | None = None):
    from grader.roster import display_name
    from grader.store import GradingJob, Student, Team

    state = state_of(request)
    instructor(request)
    from sqlalchemy import case, select

    order = case((GradingJob.status == "running", 0), (GradingJob.status == "queued", 1),
                 (GradingJob.status == "failed", 2), else_=3)
    with state.store.read() as session:
        jobs = session.scalars(select(GradingJob).order_by(order, GradingJob.id.desc()).limit(300)).all()
        names = {s.id: display_name(s) for s in session.scalars(select(Student))}
        teams = {str(t.id): t.name for t in session.scalars(select(Team))}
    rows = [{"id": j.id, "kind": j.kind, "target": j.target, "status": j.status, "verdict": j.verdict,
             "error": j.error, "created_at": _utc(j.created_at), "infra_failures": j.infra_failures,
             "owner_name": (teams.get(j.owner, j.owner) if j.kind == "competition" else
                            f"{names.get(j.owner, j.owner)} ({j.owner})")} for j in jobs]
    return render(request, pages.Page("queue.html.j2", {"jobs": rows}), notice=notice)


@router.post("/instructor/queue/{job_id}")
def queue_action(job_id: int, request: Request, _who: Principal = Depends(caller), action: str = Form(""), csrf: str = Form("")):
    from grader import queue

    state = state_of(request)
    instructor(request)
    check_csrf(request, csrf)
    if action == "cancel":
        done = queue.cancel(state.store, job_id)
        notice = f"Job {job_id} cancelled." if done else f"Job {job_id} was not waiting or running; nothing changed."
    elif action == "regrade":
        new = queue.regrade(state.store, job_id)
        notice = f"Job {job_id} is queued again as job {new.id}." if new else \
            f"Job {job_id} is still waiting or running; cancel it first."
        state.wake.set()
    else:
        raise SubmissionError("Choose to cancel a job or to grade it again.")
    return queue_page(request, notice=notice)


@router.get("/instructor/competitions/{slug}/reveal")
def reveal_page(slug: str, request: Request):
    instructor(request)
    _cfg, view = _competition(request, slug)
    return render(request, pages.Page("reveal.html.j2", {"c": view}))


@router.post("/instructor/competitions/{slug}/reveal")
def reveal(slug: str, request: Request, _who: Principal = Depends(caller), confirm: str = Form(""), csrf: str = Form("")):
    from grader.competitions.leaderboard import reveal as reveal_board

    state = state_of(request)
    instructor(request)
    check_csrf(request, csrf)
    cfg, _view = _competition(request, slug)
    if confirm != "yes":
        raise SubmissionError("Tick 'Yes, reveal it now' to reveal the private leaderboard.")
    reveal_board(state.store, cfg)
    return RedirectResponse(link("competition.private", competition=slug), status_code=303)


@router.get("/instructor/export/{fmt}")
def export(fmt: str, request: Request):
    from grader.export import export_csv, export_lms

    state = state_of(request)
    instructor(request)
    if fmt not in dict(EXPORTS):
        raise NotFound(f"There is no export '{fmt}'.")
    text = export_csv(state.course) if fmt == "csv" else export_lms(state.course, fmt).text
    name = f"{state.course.get('course', 'id')}-grades-{fmt}.csv"
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _utc(moment):
    from grader.competitions.rules import as_utc

    return as_utc(moment)
