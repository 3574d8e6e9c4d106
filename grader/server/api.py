"""The JSON API (``Authorization: Bearer TOKEN``; a signed-in browser's cookie works too).

=======  ===============================================  =============================================
GET      /healthz                                         ``{"status": "ok"}`` (no sign-in)
GET      /api/me                                          who the token belongs to
GET      /api/competitions                                the competitions the caller can enter
GET      /api/competitions/{name}/leaderboard             the public board (``?private=true`` once revealed)
POST     /api/competitions/{name}/submissions             multipart ``file``, ``message`` -> the submission
GET      /api/competitions/{name}/submissions             the caller's team's submissions
GET      /api/competitions/{name}/submissions/{id}        one of them (404 for anyone else's)
POST     /api/competitions/{name}/selection               ``{"ids": [...]}``: the final selection
=======  ===============================================  =============================================

Errors are ``{"error": code, "message": one line}`` with 400 (a bad file, also listing
``errors``), 401 (no or a bad token), 403, 404, 409 (the daily limit, a team rule),
413 (too large, refused before it is stored) or 429 (too many requests, ``Retry-After``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from grader.auth import AuthError, Principal
from grader.errors import PermissionDenied, SubmissionError, TooLarge
from grader.server.app import check_rate, state_of
from grader.service import competitions as service

router = APIRouter()


def caller(request: Request) -> Principal:
    """Any signed-in person (a 401 otherwise): the one place the API asks who is calling."""
    if not request.user.is_authenticated:
        raise AuthError("Sign in first: send 'Authorization: Bearer TOKEN' with the API token from 'grader invite' "
                        "(or 'grader login URL TOKEN' for the grader command).")
    return request.user.principal


def instructor(request: Request) -> Principal:
    who = caller(request)
    if not who.is_instructor:
        raise PermissionDenied("Only an instructor may do this.")
    return who


class Selection(BaseModel):
    ids: list[int] = Field(max_length=100)


@router.get("/healthz", tags=["server"])
def healthz(request: Request) -> dict:
    from sqlalchemy import text

    with state_of(request).store.read() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok"}


@router.get("/api/me", tags=["server"])
def me(who: Principal = Depends(caller)) -> dict:
    return {"role": who.role, "id": who.id, "name": who.name}


@router.get("/api/competitions", tags=["competitions"])
def competitions(request: Request, who: Principal = Depends(caller)) -> list[dict]:
    state = state_of(request)
    out = []
    for name in service.competition_names(state.course, who):
        cfg = service.get(state.course, who, name)
        team = service.my_team(state.store, cfg, who)
        out.append({"name": cfg.name, "title": cfg.title, "metric": cfg.metric, "kind": cfg.kind,
                    "deadline": cfg.deadline.isoformat(), "timezone": cfg.timezone, "daily_limit": cfg.daily_limit,
                    "team": team.name if team else None})
    return out


@router.get("/api/competitions/{name}/leaderboard", tags=["competitions"])
def leaderboard(name: str, request: Request, private: bool = False, who: Principal = Depends(caller)) -> dict:
    state = state_of(request)
    rows = service.leaderboard(state.course, state.store, who, name, private=private)
    return {"competition": name, "private": private, "rows": rows}


@router.post("/api/competitions/{name}/submissions", status_code=201, tags=["competitions"])
def submit(name: str, request: Request, file: UploadFile = File(...), message: str = Form(""),
           team: str | None = Form(None), who: Principal = Depends(caller)):
    state = state_of(request)
    check_rate(request, "upload", who.id)
    data = read_upload(file, service.get(state.course, who, name).max_bytes)
    view = service.submit(state.course, state.store, who, name, data, filename=file.filename, message=message,
                          team=team if who.is_instructor else None)
    state.wake.set()
    body = view.to_dict()
    if view.status == "invalid":  # an error answer: its "error" and "message" are the refusal's, not the note's
        return JSONResponse({**body, "error": "invalid_file", "message": view.error}, status_code=400)
    return body


@router.get("/api/competitions/{name}/submissions", tags=["competitions"])
def submissions(name: str, request: Request, team: str | None = None, who: Principal = Depends(caller)) -> list[dict]:
    state = state_of(request)
    views = service.submissions(state.course, state.store, who, name, team=team if who.is_instructor else None)
    return [v.to_dict() for v in views]


@router.get("/api/competitions/{name}/submissions/{submission_id}", tags=["competitions"])
def submission(name: str, submission_id: int, request: Request, who: Principal = Depends(caller)) -> dict:
    state = state_of(request)
    return service.submission(state.course, state.store, who, name, submission_id).to_dict()


@router.post("/api/competitions/{name}/selection", tags=["competitions"])
def selection(name: str, body: Selection, request: Request, who: Principal = Depends(caller)) -> dict:
    state = state_of(request)
    return {"selected": service.select_final(state.course, state.store, who, name, body.ids)}


NOTEBOOK_ADVICE = "Clear the outputs (Kernel > Restart & Clear Output), save it and hand it in again."
CSV_ADVICE = "gzip-compress it (.csv.gz) or submit a smaller file."


def read_upload(file: UploadFile, limit: int, advice: str = CSV_ADVICE) -> bytes:
    """The uploaded bytes, refused (413) past ``limit`` without keeping them; an empty upload is a 400."""
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"The file is larger than {limit / 1e6:g} MB, the limit here; nothing was stored. {advice}")
    if not data:
        raise SubmissionError("The upload is empty: choose the file to submit.")
    return data


# ---------------------------------------------------------------- assignments


@router.get("/api/assignments", tags=["assignments"])
def assignments(request: Request, who: Principal = Depends(caller)) -> list[dict]:
    from grader.service import assignments as service_assignments

    state = state_of(request)
    out = []
    for about, latest in service_assignments.listing(state.course, state.store, who):
        out.append({"name": about.name, "title": about.title, "points": about.points,
                    "due": about.due_at.isoformat() if about.due_at else None, "late_rule": about.late_rule,
                    "latest": latest.to_dict() if latest else None})
    return out


@router.post("/api/assignments/{name}/submissions", status_code=201, tags=["assignments"])
def hand_in(name: str, request: Request, file: UploadFile = File(...), who: Principal = Depends(caller)) -> dict:
    from grader.service import assignments as service_assignments

    state = state_of(request)
    check_rate(request, "upload", who.id)
    data = read_upload(file, int(state.setting("max_notebook_mb")) * 1_000_000, NOTEBOOK_ADVICE)
    view = service_assignments.hand_in(state.course, state.store, who, name, data, filename=file.filename)
    state.wake.set()
    return view.to_dict()


@router.get("/api/assignments/{name}/submissions", tags=["assignments"])
def hand_ins(name: str, request: Request, student: str | None = None, who: Principal = Depends(caller)) -> list[dict]:
    from grader.service import assignments as service_assignments

    state = state_of(request)
    return [v.to_dict() for v in service_assignments.hand_ins(state.course, state.store, who, name, student=student)]


@router.get("/api/assignments/{name}/feedback", tags=["assignments"])
def feedback(name: str, request: Request, student: str | None = None, who: Principal = Depends(caller)) -> dict:
    from grader.feedback import feedback_context
    from grader.service import assignments as service_assignments

    state = state_of(request)
    record, _html = service_assignments.feedback(state.course, state.store, who, name, student=student)
    context = feedback_context(record)
    checks = [{k: c[k] for k in ("name", "passed", "points", "max_points", "message", "seconds")}
              for c in context["checks"]]
    return {**record.to_dict(), "status_text": context["status_text"], "checks": checks,
            "phases": record.details.get("phases") if isinstance(record.details.get("phases"), dict) else None}
