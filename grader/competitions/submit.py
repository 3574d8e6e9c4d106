"""Recording and scoring a team's submission.

``submit_file`` reads the file (refusing one over the size cap before reading
it), validates it against the solution's ids, stores its bytes by sha256 and
records it. Valid files count toward the team's daily limit; the count and the
insert happen in one transaction that holds a write lock on the team
(SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: ``SELECT ... FOR UPDATE`` on the team
row), so the limit is exact however many ``grader submit`` run at once.
Invalid files are stored with their error and do not count. Files handed in
after the deadline are scored and shown to their team but never ranked.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from grader.competitions.config import load_competition
from grader.competitions.scoring import score_predictions
from grader.competitions.solution import load_solution
from grader.competitions.teams import ensure_competition_row, find_team
from grader.competitions.validation import SubmissionSpec, read_submission_bytes, validate_submission
from grader.errors import LimitExceeded, SubmissionError
from grader.store import Score, Submission

KIND = "competition"


def as_utc(moment: datetime) -> datetime:
    """An aware UTC time (SQLite hands back naive UTC times)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def day_window(moment: datetime, zone_name: str) -> tuple[datetime, datetime]:
    """The calendar day containing ``moment`` in the competition's time zone, as UTC bounds."""
    zone = ZoneInfo(zone_name)
    local = as_utc(moment).astimezone(zone)
    start = datetime(local.year, local.month, local.day, tzinfo=zone)
    end = datetime.combine(start.date() + timedelta(days=1), start.time(), tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def submit_file(course, store, competition: str, path, *, team: str, message: str | None = None,
                now: datetime | None = None, score: bool = True) -> Submission:
    """Record ``path`` as ``team``'s submission to ``competition``; return the stored row.

    The row's ``status`` is "scored" (or "valid" when ``score=False``, "pending"
    for a code competition's notebook) or "invalid" with ``error`` set. Raises
    for what is never stored: an unknown team, a file over the size cap, a
    competition not open yet or closed to late files, the daily limit.
    """
    cfg = load_competition(course, competition)
    now = as_utc(now or datetime.now(timezone.utc))
    ensure_competition_row(store, cfg)
    with store.read() as session:
        team_row = find_team(session, cfg, team)
        team_id = team_row.id
    if cfg.start is not None and now < cfg.start:
        raise SubmissionError(f"{cfg.name} opens at {_local(cfg.start, cfg.timezone)}. Submit after that.")
    is_late = now > cfg.deadline
    if is_late and not cfg.score_late:
        raise SubmissionError(f"{cfg.name} closed at {_local(cfg.deadline, cfg.timezone)}; "
                              "this competition does not accept late submissions.")
    data = read_submission_bytes(path, cfg.max_bytes)
    scores: tuple[float, float] | None = None
    error: str | None = None
    if cfg.kind == "code":
        error = _notebook_error(data)
        status = "invalid" if error else "pending"
    else:
        solution = load_solution(cfg)
        try:
            parsed = validate_submission(data, SubmissionSpec.for_competition(cfg, solution.ids))
            status = "valid"
            if score:
                scores = score_predictions(cfg, solution, parsed.predictions)
                status = "scored"
        except SubmissionError as exc:
            error, status = str(exc), "invalid"
    digest = store.put_file(data)
    row = Submission(kind=KIND, target=cfg.name, team_id=team_id, sha256=digest, size=len(data),
                     original_name=Path(path).name[:512], message=message, submitted_at=now,
                     status=status, error=error, is_late=is_late)
    if status == "invalid":
        with store.transaction() as session:
            session.add(row)
        return row
    with store.transaction() as session:
        _lock_team(session, team_id)
        start, end = day_window(now, cfg.timezone)
        used = session.scalar(
            select(func.count()).select_from(Submission).where(
                Submission.kind == KIND, Submission.target == cfg.name, Submission.team_id == team_id,
                Submission.status != "invalid", Submission.submitted_at >= start, Submission.submitted_at < end))
        if used >= cfg.daily_limit:
            raise LimitExceeded(
                f"Team '{team}' has used its {cfg.daily_limit} submissions of today in {cfg.name} "
                f"(days in {cfg.timezone}). Submit again from {_local(end, cfg.timezone)}.")
        session.add(row)
        session.flush()
        if scores is not None:
            session.add(Score(submission_id=row.id, metric=cfg.metric, public_score=scores[0],
                              private_score=scores[1], scored_at=now))
    return row


def _lock_team(session, team_id: int) -> None:
    """Serialize writers of one team's submissions until the transaction ends.

    Must be the transaction's first statement. SQLite: ``BEGIN IMMEDIATE`` takes the
    database's write lock before the count is read (if the driver has already begun a
    transaction, a no-op write to the team row takes it instead). PostgreSQL and others:
    ``SELECT ... FOR UPDATE`` locks the team's row.
    """
    from grader.store import Team

    if session.get_bind().dialect.name == "sqlite":
        dbapi_connection = session.connection().connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            session.execute(text("BEGIN IMMEDIATE"))
            return
        session.execute(text("UPDATE teams SET id = id WHERE id = :id"), {"id": team_id})
        return
    session.execute(select(Team.id).where(Team.id == team_id).with_for_update())


def _notebook_error(data: bytes) -> str | None:
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"The submission is not a Jupyter notebook (.ipynb JSON): {exc}."
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return "The submission is not a Jupyter notebook: it has no 'cells' list."
    return None


def _local(moment: datetime, zone_name: str) -> str:
    return as_utc(moment).astimezone(ZoneInfo(zone_name)).strftime("%Y-%m-%d %H:%M %Z")


def score_pending(course, store, competition: str, *, rescore: bool = False, sandbox: bool = True) -> int:
    """Score every valid, unscored prediction file of ``competition`` (all files with ``rescore``).

    A re-score adds a Score row; the newest row counts. Returns how many files were scored.
    A code competition's pending notebooks are run (in the sandbox unless ``sandbox=False``) by
    :func:`grader.competitions.code_runner.run_pending`, which scores what they write.
    """
    cfg = load_competition(course, competition)
    if cfg.kind == "code":
        from grader.competitions.code_runner import run_pending

        return run_pending(course, store, cfg.name, rescore=rescore, sandbox=sandbox)
    wanted = ("valid", "scored") if rescore else ("valid",)
    with store.read() as session:
        todo = session.execute(select(Submission.id, Submission.sha256).where(
            Submission.kind == KIND, Submission.target == cfg.name, Submission.status.in_(wanted))
            .order_by(Submission.id)).all()
    if not todo:
        return 0
    solution = load_solution(cfg)
    spec = SubmissionSpec.for_competition(cfg, solution.ids)
    for submission_id, digest in todo:
        try:
            parsed = validate_submission(store.get_file(digest), spec)
        except SubmissionError as exc:
            _record_invalid(store, submission_id, str(exc))
            continue
        _record_score(store, cfg, submission_id, score_predictions(cfg, solution, parsed.predictions))
    return len(todo)


def score_predictions_file(course, store, competition: str, submission_id: int, predictions_path) -> Score | None:
    """Score the predictions file that a code competition's notebook wrote (after its sandboxed run).

    The file goes through the same validation as an uploaded one; an invalid
    file marks the submission invalid with the one-line reason and returns None.
    """
    cfg = load_competition(course, competition)
    solution = load_solution(cfg)
    spec = SubmissionSpec.for_competition(cfg, solution.ids)
    try:
        parsed = validate_submission(read_submission_bytes(predictions_path, cfg.max_bytes), spec)
    except SubmissionError as exc:
        _record_invalid(store, submission_id, f"The notebook's predictions are invalid: {exc}")
        return None
    return _record_score(store, cfg, submission_id, score_predictions(cfg, solution, parsed.predictions))


def _record_score(store, cfg, submission_id: int, scores: tuple[float, float]) -> Score:
    with store.transaction() as session:
        score = Score(submission_id=submission_id, metric=cfg.metric, public_score=scores[0], private_score=scores[1])
        session.add(score)
        session.get(Submission, submission_id).status = "scored"
    return score


def _record_invalid(store, submission_id: int, error: str) -> None:
    with store.transaction() as session:
        row = session.get(Submission, submission_id)
        row.status, row.error = "invalid", error


def latest_score(store, submission_id: int) -> Score | None:
    with store.read() as session:
        return session.scalar(select(Score).where(Score.submission_id == submission_id).order_by(Score.id.desc()))


def submit_folder(course, store, competition: str, folder, *, now: datetime | None = None) -> list[tuple[str, str]]:
    """Submit every ``<team>.csv`` (or ``.csv.gz``, ``.ipynb``) in ``folder``, as an LMS export gives them.

    Returns (file name, outcome) per file, in name order: "submission N scored", "... invalid: <why>",
    or the one-line reason it was not stored. One bad file does not stop the others.
    """
    from grader.errors import GraderError

    outcomes = []
    for path in sorted(Path(folder).iterdir()):
        name = path.name
        for suffix in (".csv.gz", ".csv", ".ipynb"):
            if name.endswith(suffix) and path.is_file():
                team = name[: -len(suffix)]
                break
        else:
            continue
        try:
            row = submit_file(course, store, competition, path, team=team, now=now)
            outcome = f"submission {row.id} {row.status}" + (f": {row.error}" if row.error else "")
        except GraderError as exc:
            outcome = f"not stored: {exc}"
        outcomes.append((name, outcome))
    return outcomes
