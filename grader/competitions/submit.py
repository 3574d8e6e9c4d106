"""Recording and scoring a team's submission.

``submit_file`` (a file on disk) and ``submit_bytes`` (an upload: bytes and the
name the client gave, used only as text) share one implementation: refuse a file
over the size cap (before reading it), validate it against the solution's ids,
store its bytes by sha256 and record it. Valid files count toward the team's daily limit; the count and the
insert happen in one transaction that holds a write lock on the team
(SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: ``SELECT ... FOR UPDATE`` on the team
row), so the limit is exact however many ``grader submit`` run at once.
Invalid files are stored with their error and do not count: ``Submission.error``
holds the one-line message, then each listed problem on its own line (see
:func:`stored_error` and :func:`refusal`). A code competition's notebook is stored with
its grading job in the same transaction (:mod:`grader.queue`). Files handed in
after the deadline are scored and shown to their team but never ranked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from grader.competitions.config import load_competition
from grader.competitions.rules import KIND, NOT_COUNTED, day_window, local_time, now_utc
from grader.competitions.scoring import score_predictions
from grader.competitions.solution import load_solution
from grader.competitions.teams import ensure_competition_row, find_team
from grader.competitions.validation import (
    SubmissionSpec,
    display_name,
    read_submission_bytes,
    read_upload_bytes,
    validate_submission,
)
from grader.errors import LimitExceeded, SubmissionError
from grader.store import Score, Submission, Team, lock_for_write


def submit_file(course, store, competition: str, path, *, team: str, message: str | None = None,
                now: datetime | None = None, score: bool = True) -> Submission:
    """Record the file at ``path`` as ``team``'s submission to ``competition``; return the stored row.

    The row's ``status`` is "scored" (or "valid" when ``score=False``, "pending"
    for a code competition's notebook) or "invalid" with ``error`` set. Raises
    for what is never stored: an unknown team, a file over the size cap, a
    competition not open yet or closed to late files, the daily limit.
    """
    name = Path(path).name
    return _submit(course, store, competition, lambda cap: read_submission_bytes(path, cap, name), name,
                   team=team, message=message, now=now, score=score)


def submit_bytes(course, store, competition: str, data: bytes, *, filename: str | None, team: str,
                 message: str | None = None, now: datetime | None = None, score: bool = True) -> Submission:
    """:func:`submit_file` for an upload: ``data`` as received and the name the client gave it.

    The name is only shown (in messages, and kept as the row's ``original_name``)
    after :func:`grader.competitions.validation.display_name` has made it one short
    line; it never names a file anywhere.
    """
    return _submit(course, store, competition, lambda cap: read_upload_bytes(data, cap, display_name(filename)),
                   filename, team=team, message=message, now=now, score=score)


def _submit(course, store, competition: str, read, filename: str | None, *, team: str, message: str | None,
            now: datetime | None, score: bool) -> Submission:
    cfg = load_competition(course, competition)
    now = now_utc(now)
    ensure_competition_row(store, cfg)
    with store.read() as session:
        team_row = find_team(session, cfg, team)
        team_id = team_row.id
    if cfg.start is not None and now < cfg.start:
        raise SubmissionError(f"{cfg.name} opens at {local_time(cfg.start, cfg.timezone)}. Submit after that.")
    is_late = now > cfg.deadline
    if is_late and not cfg.score_late:
        raise SubmissionError(f"{cfg.name} closed at {local_time(cfg.deadline, cfg.timezone)}; "
                              "this competition does not accept late submissions.")
    name = display_name(filename)
    data = read(cfg.max_bytes)
    scores: tuple[float, float] | None = None
    error: str | None = None
    if cfg.kind == "code":
        error = _notebook_error(data)
        status = "invalid" if error else "pending"
    else:
        solution = load_solution(cfg)
        try:
            parsed = validate_submission(data, SubmissionSpec.for_competition(cfg, solution.ids), name)
            status = "valid"
            if score:
                scores = score_predictions(cfg, solution, parsed.predictions)
                status = "scored"
        except SubmissionError as exc:
            error, status = stored_error(exc), "invalid"
    digest = store.put_file(data)
    row = Submission(kind=KIND, target=cfg.name, team_id=team_id, sha256=digest, size=len(data),
                     original_name=name[:512], message=message, submitted_at=now,
                     status=status, error=error, is_late=is_late)
    if status == "invalid":
        with store.transaction() as session:
            session.add(row)
        return row
    with store.transaction() as session:
        lock_for_write(session, Team, team_id)
        if used_today(session, cfg, team_id, now) >= cfg.daily_limit:
            _start, end = day_window(now, cfg.timezone)
            raise LimitExceeded(
                f"Team '{team}' has used its {cfg.daily_limit} submissions of today in {cfg.name} "
                f"(days in {cfg.timezone}). Submit again from {local_time(end, cfg.timezone)}.")
        session.add(row)
        session.flush()
        if scores is not None:
            session.add(Score(submission_id=row.id, metric=cfg.metric, public_score=scores[0],
                              private_score=scores[1], scored_at=now))
        if status == "pending":  # a code competition's notebook: its run is queued in the same transaction
            from grader import queue

            queue.enqueue(session, kind=queue.COMPETITION, target=cfg.name, owner=str(team_id), sha256=digest,
                          submission_id=row.id)
    return row


def used_today(session, cfg, team_id: int, now: datetime) -> int:
    """How many of the team's submissions of ``now``'s day (competition time zone) count toward its limit."""
    start, end = day_window(now, cfg.timezone)
    return int(session.scalar(select(func.count()).select_from(Submission).where(
        Submission.kind == KIND, Submission.target == cfg.name, Submission.team_id == team_id,
        Submission.status.not_in(NOT_COUNTED), Submission.submitted_at >= start,
        Submission.submitted_at < end)) or 0)


def _notebook_error(data: bytes) -> str | None:
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"The submission is not a Jupyter notebook (.ipynb JSON): {exc}."
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return "The submission is not a Jupyter notebook: it has no 'cells' list."
    return None


@dataclass(frozen=True)
class Refusal:
    """Why a stored submission is invalid: the one-line message, the problems listed, how many more."""

    message: str
    errors: list[str]
    more: int = 0


_MORE = "... and {:,} more"


def stored_error(exc: SubmissionError) -> str:
    """What ``Submission.error`` keeps of a refusal: the message, then each listed problem on its own line."""
    if len(exc.errors) <= 1 and not exc.more:
        return str(exc)
    return "\n".join([str(exc), *exc.errors, *([_MORE.format(exc.more)] if exc.more else [])])


def refusal(error: str | None) -> Refusal | None:
    """A stored ``Submission.error`` read back (None for a row without one)."""
    if not error:
        return None
    message, *listed = error.split("\n")
    more = 0
    if listed and listed[-1].startswith("... and ") and listed[-1].endswith(" more"):
        more = int(listed.pop()[8:-5].replace(",", ""))
    return Refusal(message=message, errors=listed or [message], more=more)


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
        todo = session.execute(select(Submission.id, Submission.sha256, Submission.original_name).where(
            Submission.kind == KIND, Submission.target == cfg.name, Submission.status.in_(wanted))
            .order_by(Submission.id)).all()
    if not todo:
        return 0
    solution = load_solution(cfg)
    spec = SubmissionSpec.for_competition(cfg, solution.ids)
    for submission_id, digest, name in todo:
        try:
            parsed = validate_submission(store.get_file(digest), spec, name)
        except SubmissionError as exc:
            _record_invalid(store, submission_id, stored_error(exc))
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
    name = Path(predictions_path).name
    try:
        parsed = validate_submission(read_submission_bytes(predictions_path, cfg.max_bytes, name), spec, name)
    except SubmissionError as exc:
        _record_invalid(store, submission_id, "The notebook's predictions are invalid: " + stored_error(exc))
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
            why = refusal(row.error)
            outcome = f"submission {row.id} {row.status}" + (f": {why.message}" if why else "")
        except GraderError as exc:
            outcome = f"not stored: {exc}"
        outcomes.append((name, outcome))
    return outcomes
