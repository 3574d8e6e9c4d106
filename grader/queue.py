"""The grading queue: ``grading_jobs`` rows, claimed with a lease, finished exactly once.

    job = enqueue(session, kind=ASSIGNMENT, target="01-preprocessing", owner="alice", sha256=digest)
    claimed = claim(store, "host:pid", limit=2)          # queued -> running, with a lease
    heartbeat(store, "host:pid", [c.job_id for c in claimed])
    finish_assignment(store, claimed[0], result, "host:pid")  # running -> done, the Grade row, one transaction

What the store promises (the failures of comparable systems it is built against):

* A job row is written in the same transaction as the submission it grades, so an
  acknowledged hand-in always has its job (PrairieLearn#3116: lost between insert and enqueue).
* A dispatcher holds each job it runs with a lease it renews (:data:`HEARTBEAT_SECONDS`); a
  job whose lease expired -- its dispatcher was killed -- is queued again by the next one
  (ramp-board#244: in-flight jobs never reset; codabench#2258: jobs stuck in "Running").
* A job ends once: :func:`finish_assignment` and :func:`fail` only act on a job that is still
  running under the caller's lease; a late answer from a job that was requeued, cancelled or
  taken over is dropped.
* A failure of the grading machines (a worker killed, a lost lease) is retried up to
  :data:`MAX_INFRA_FAILURES` times and then ends ``failed``: shown to the student and the
  instructor, never counted against the student (PrairieLearn PR#7165).
* A newer hand-in of the same student supersedes their queued older one; jobs are claimed
  oldest-first per owner, round-robin across owners, so one student's many hand-ins cannot
  starve the class.

Claiming takes the write lock (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: ``FOR UPDATE SKIP
LOCKED`` on the candidate rows), so two dispatchers never claim the same job.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, text, update

from grader.store.models import GradingJob, Submission, utcnow

ASSIGNMENT, COMPETITION = "assignment", "competition"
QUEUED, RUNNING, DONE, FAILED, CANCELLED, SUPERSEDED = "queued", "running", "done", "failed", "cancelled", "superseded"
OPEN = (QUEUED, RUNNING)
LEASE_SECONDS = 90.0
HEARTBEAT_SECONDS = 20.0
MAX_INFRA_FAILURES = 3
INFRA_MESSAGE = ("grading failed for reasons of the grading machines, not of your work ({reason}); "
                 "it does not count against you, and your instructor can grade it again")


@dataclass(frozen=True)
class Claimed:
    """A job a dispatcher holds: plain data, so it can travel to a worker."""

    job_id: int
    kind: str
    target: str
    owner: str
    sha256: str
    attempt: int
    submission_id: int | None
    retry: int = 0  # the tries the grading machines lost before this one


def dispatcher_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(timezone.utc)


# ---------------------------------------------------------------- putting work in


def enqueue(session, *, kind: str, target: str, owner: str, sha256: str, submission_id: int | None = None,
            rescore: bool = False, supersede: bool = False) -> GradingJob | None:
    """The job for (target, owner, sha256) in ``session``'s transaction: the open one if there is one,
    a new attempt when none ran or ``rescore`` asks; None when it is already graded.

    ``supersede`` (an assignment's hand-in) ends the owner's other queued jobs of ``target``.
    """
    latest = session.scalars(select(GradingJob).where(
        GradingJob.target == target, GradingJob.owner == owner, GradingJob.sha256 == sha256)
        .order_by(GradingJob.attempt.desc())).first()
    if supersede:
        session.execute(update(GradingJob).where(
            GradingJob.target == target, GradingJob.owner == owner, GradingJob.sha256 != sha256,
            GradingJob.status == QUEUED).values(status=SUPERSEDED, finished_at=utcnow(),
                                                 error="a newer hand-in replaced it before grading began"))
    if latest is not None and latest.status in OPEN:
        if submission_id is not None and latest.submission_id is None:
            latest.submission_id = submission_id
        return latest
    if latest is not None and latest.status == DONE and not rescore:
        return None
    job = GradingJob(kind=kind, target=target, owner=owner, sha256=sha256, submission_id=submission_id,
                     attempt=(latest.attempt + 1) if latest is not None else 1, status=QUEUED, created_at=utcnow())
    session.add(job)
    session.flush()
    return job


# ---------------------------------------------------------------- taking work out


def _write_lock(session) -> None:
    """SQLite: take the database's write lock before reading what to claim (one claimer at a time)."""
    if session.get_bind().dialect.name == "sqlite":
        connection = session.connection().connection.dbapi_connection
        if not connection.in_transaction:
            session.execute(text("BEGIN IMMEDIATE"))


def _fair_order(only: list[int] | None = None):
    """Queued jobs, round-robin across owners: every owner's oldest job first, then their second..."""
    turn = func.row_number().over(partition_by=GradingJob.owner,
                                  order_by=(GradingJob.created_at, GradingJob.id)).label("turn")
    inner = select(GradingJob.id, GradingJob.created_at, turn).where(GradingJob.status == QUEUED)
    if only is not None:
        inner = inner.where(GradingJob.id.in_(only or [-1]))
    inner = inner.subquery()
    return select(inner.c.id).order_by(inner.c.turn, inner.c.created_at, inner.c.id)


def claim(store, owner: str, *, limit: int, lease: float = LEASE_SECONDS, only: list[int] | None = None,
          now: datetime | None = None) -> list[Claimed]:
    """Up to ``limit`` queued jobs (of ``only`` when given), now running under ``owner``'s lease."""
    if limit <= 0:
        return []
    now = _now(now)
    with store.transaction() as session:
        _write_lock(session)
        candidates = list(session.scalars(_fair_order(only).limit(limit * 4)))
        if not candidates:
            return []
        if session.get_bind().dialect.name != "sqlite":
            locked = set(session.scalars(select(GradingJob.id).where(
                GradingJob.id.in_(candidates), GradingJob.status == QUEUED).with_for_update(skip_locked=True)))
            candidates = [c for c in candidates if c in locked]
        claimed = []
        for job_id in candidates[:limit]:
            taken = session.execute(update(GradingJob).where(GradingJob.id == job_id, GradingJob.status == QUEUED)
                                    .values(status=RUNNING, lease_owner=owner, worker=owner, started_at=now,
                                            lease_expires_at=now + timedelta(seconds=lease))).rowcount
            if taken == 1:
                job = session.get(GradingJob, job_id)
                claimed.append(Claimed(job.id, job.kind, job.target, job.owner, job.sha256, job.attempt,
                                       job.submission_id, job.infra_failures or 0))
        return claimed


def heartbeat(store, owner: str, job_ids: list[int], *, lease: float = LEASE_SECONDS,
              now: datetime | None = None) -> set[int]:
    """Renew the lease of ``owner``'s running jobs; the ids it still holds (a cancelled one drops out)."""
    if not job_ids:
        return set()
    now = _now(now)
    with store.transaction() as session:
        mine = (GradingJob.id.in_(job_ids), GradingJob.status == RUNNING, GradingJob.lease_owner == owner)
        session.execute(update(GradingJob).where(*mine).values(lease_expires_at=now + timedelta(seconds=lease)))
        return set(session.scalars(select(GradingJob.id).where(*mine)))


def requeue_expired(store, *, now: datetime | None = None) -> list[int]:
    """Queue again every running job whose lease expired (its dispatcher died); counted as an infrastructure
    failure, so a job that kills its dispatcher every time ends ``failed`` instead of looping forever."""
    now = _now(now)
    with store.transaction() as session:
        _write_lock(session)
        expired = list(session.scalars(select(GradingJob).where(GradingJob.status == RUNNING,
                                                               GradingJob.lease_expires_at < now)))
        for job in expired:
            _infra_failure(session, job, "its grading process stopped (the server or worker was restarted)")
        return [job.id for job in expired]


# ---------------------------------------------------------------- ending work


def _held(session, claimed: Claimed, owner: str) -> GradingJob | None:
    job = session.get(GradingJob, claimed.job_id, with_for_update=session.get_bind().dialect.name != "sqlite")
    if job is None or job.status != RUNNING or job.lease_owner != owner:
        return None
    return job


def finish(store, claimed: Claimed, owner: str, *, verdict: str, record) -> bool:
    """End a job ``owner`` still holds: ``record(session, job)`` writes its result in the same transaction
    that marks it done. False (and nothing written) when the job is no longer ``owner``'s."""
    with store.transaction() as session:
        _write_lock(session)
        job = _held(session, claimed, owner)
        if job is None:
            return False
        record(session, job)
        job.status, job.verdict, job.finished_at, job.lease_owner = DONE, verdict, utcnow(), None
        return True


def fail(store, claimed: Claimed, owner: str, reason: str) -> str | None:
    """An infrastructure failure of a job ``owner`` holds: queued again, or ``failed`` after the last try.
    Returns the job's new status, or None when it was no longer ``owner``'s."""
    with store.transaction() as session:
        _write_lock(session)
        job = _held(session, claimed, owner)
        if job is None:
            return None
        return _infra_failure(session, job, reason)


def _infra_failure(session, job: GradingJob, reason: str) -> str:
    job.infra_failures = (job.infra_failures or 0) + 1
    job.lease_owner = job.lease_expires_at = None
    if job.infra_failures < MAX_INFRA_FAILURES:
        job.status = QUEUED
        return QUEUED
    job.status, job.verdict, job.finished_at = FAILED, "infrastructure", utcnow()
    job.error = INFRA_MESSAGE.format(reason=reason)[:2000]
    for submission in _submissions(session, job):
        submission.status, submission.error = "infra_failed", job.error
    return FAILED


def _submissions(session, job: GradingJob) -> list[Submission]:
    if job.kind == COMPETITION:  # the job's submission, and the team's other pending ones of the same notebook
        return list(session.scalars(select(Submission).where(
            Submission.kind == COMPETITION, Submission.target == job.target, Submission.sha256 == job.sha256,
            (Submission.id == job.submission_id) | ((Submission.team_id == int(job.owner))
                                                    & (Submission.status == "pending"))))) if job.owner.isdigit() \
            else ([session.get(Submission, job.submission_id)] if job.submission_id else [])
    return list(session.scalars(select(Submission).where(
        Submission.kind == ASSIGNMENT, Submission.target == job.target, Submission.student_id == job.owner,
        Submission.sha256 == job.sha256)))


# ---------------------------------------------------------------- the instructor's levers


def cancel(store, job_id: int, *, why: str = "cancelled by the instructor") -> bool:
    """Stop a queued or running job (a running one's result is dropped when it comes)."""
    with store.transaction() as session:
        job = session.get(GradingJob, job_id)
        if job is None or job.status not in OPEN:
            return False
        job.status, job.finished_at, job.error, job.lease_owner = CANCELLED, utcnow(), why, None
        for submission in _submissions(session, job):
            if submission.status in ("pending", "queued"):
                submission.status = "cancelled"
        return True


def regrade(store, job_id: int) -> GradingJob | None:
    """A new attempt of a finished, failed or cancelled job (the old rows stay)."""
    with store.transaction() as session:
        job = session.get(GradingJob, job_id)
        if job is None or job.status in OPEN:
            return None
        new = enqueue(session, kind=job.kind, target=job.target, owner=job.owner, sha256=job.sha256,
                      submission_id=job.submission_id, rescore=True)
        for submission in _submissions(session, job):
            submission.status, submission.error = "pending", None
        return new


def position(store, job_id: int) -> int | None:
    """1 for the job that is claimed next, ...; None when it is not queued."""
    with store.read() as session:
        for place, queued_id in enumerate(session.scalars(_fair_order()), start=1):
            if queued_id == job_id:
                return place
    return None


def counts(store) -> dict[str, int]:
    with store.read() as session:
        return dict(session.execute(select(GradingJob.status, func.count()).group_by(GradingJob.status)).all())


def release(store, owner: str, job_ids: list[int]) -> None:
    """Give jobs back to the queue untouched (a dispatcher stopping on Ctrl-C): no failure is counted."""
    if not job_ids:
        return
    with store.transaction() as session:
        session.execute(update(GradingJob).where(
            GradingJob.id.in_(job_ids), GradingJob.status == RUNNING, GradingJob.lease_owner == owner)
            .values(status=QUEUED, lease_owner=None, lease_expires_at=None))


def requeue_orphans(store, *, host: str | None = None) -> list[int]:
    """Queue again at once the running jobs whose dispatcher on this host is gone (its pid is dead), and
    running jobs that no dispatcher holds; jobs of live or other-host dispatchers wait for their lease."""
    host = host or socket.gethostname()
    with store.transaction() as session:
        _write_lock(session)
        orphans = []
        for job in session.scalars(select(GradingJob).where(GradingJob.status == RUNNING)):
            holder = job.lease_owner or ""
            name, _, pid = holder.rpartition(":")
            if not holder or (name == host and pid.isdigit() and not _alive(int(pid))):
                _infra_failure(session, job, "its grading process stopped (the server or worker was restarted)")
                orphans.append(job.id)
        return orphans


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
