"""Grading jobs of assignments: keyed by (assignment, student, sha256 of the submission), so grading is resumable.

    specs = plan(course, store, "01-preprocessing")          # queue what is not graded yet
    results = run(course, store, specs, executor=LocalPoolExecutor(2))

:func:`plan` puts a job in the grading queue (:mod:`grader.queue`) for every
submitted notebook that has none yet; :func:`run` drains those jobs with the same
:class:`grader.dispatcher.Dispatcher` the class server runs. A job is marked
``done`` with its ``Grade`` row in one transaction when its work ends, so after a
crash or Ctrl-C running again grades only the unfinished ones; a finished job is
never graded twice unless ``rescore`` asks for it, which adds an attempt and a new
``Grade`` row (rows are never updated in place).

All store writes happen in the parent process; workers only grade.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from grader.autograde.pipeline import GradeResult

NO_SUBMISSION = "none"


@dataclass(frozen=True)
class JobSpec:
    """One queued job, as ``grader score`` reports it."""

    job_id: int
    assignment: str
    student: str
    sha256: str
    notebook_path: str | None
    attempt: int


def submitted_notebooks(course, assignment: str, students: Iterable[str] | None = None) -> dict[str, Path | None]:
    """``{student: notebook path}`` from ``submitted/<student>/<assignment>/`` (nbgrader's layout).

    A student named in ``students`` without a submission maps to ``None``.
    """
    found: dict[str, Path | None] = {}
    root = course.path("submitted")
    if root.is_dir():
        for folder in sorted(root.glob(f"*/{assignment}")):
            found[folder.parent.name] = _notebook_in(folder, assignment)
    if students:
        wanted = list(students)
        found = {student: found.get(student) for student in wanted}
    return found


def _notebook_in(folder: Path, assignment: str) -> Path | None:
    preferred = folder / f"{assignment}.ipynb"
    if preferred.is_file():
        return preferred
    notebooks = sorted(folder.glob("*.ipynb"))
    return notebooks[0] if notebooks else None


def file_sha256(path: Path | None) -> str:
    if path is None:
        return NO_SUBMISSION
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def plan(course, store, assignment: str, *, students: Iterable[str] | None = None,
         rescore: bool = False) -> list[JobSpec]:
    """Queue the jobs of ``assignment``: new submissions, unfinished jobs, and (``rescore``) all."""
    from sqlalchemy import select

    from grader import queue
    from grader.autograde.late import read_timestamp
    from grader.store.models import Student, Submission, utcnow

    specs = []
    for student, path in submitted_notebooks(course, assignment, students).items():
        sha = file_sha256(path)
        with store.transaction() as session:
            if session.get(Student, student) is None:
                session.add(Student(id=student))
                session.flush()
            submission_id = None
            if path is not None:
                submission_id = session.scalar(select(Submission.id).where(
                    Submission.kind == "assignment", Submission.target == assignment,
                    Submission.student_id == student, Submission.sha256 == sha))
                if submission_id is None:
                    data = path.read_bytes()
                    store.put_file(data)
                    row = Submission(kind="assignment", target=assignment, student_id=student, sha256=sha,
                                     size=len(data), original_name=path.name, status="pending",
                                     submitted_at=read_timestamp(path.parent) or utcnow())
                    session.add(row)
                    session.flush()
                    submission_id = row.id
            job = queue.enqueue(session, kind=queue.ASSIGNMENT, target=assignment, owner=student, sha256=sha,
                                submission_id=submission_id, rescore=rescore)
            if job is None:
                continue
            specs.append(JobSpec(job.id, assignment, student, sha, str(path) if path else None, job.attempt))
    return specs


def record_grade(session, job, result: GradeResult, seconds: float) -> None:
    """Write a finished job's Grade row and its submissions' status (inside the queue's transaction)."""
    from sqlalchemy import select

    from grader.store.models import Grade, Submission

    session.add(Grade(job_id=job.id, assignment=job.target, student_id=job.owner, status=result.status,
                      notebook_points=result.notebook_points, judge_points=result.judge_points,
                      max_points=result.max_points, late_penalty=result.late_penalty,
                      sandboxed=result.sandboxed, details={"message": result.message, **result.details,
                                                           "seconds": result.seconds,
                                                           "manual_max": result.manual_max,
                                                           "notebook_max": result.notebook_max,
                                                           "judge_max": result.judge_max}))
    queued = _seconds_between(job.created_at, job.started_at)
    phases = result.details.get("phases") if isinstance(result.details.get("phases"), dict) else {}
    job.phases = {"queued": round(queued, 3) if queued is not None else None, **phases,
                  "worker": round(seconds, 3)}
    for submission in session.scalars(select(Submission).where(
            Submission.kind == "assignment", Submission.target == job.target,
            Submission.student_id == job.owner, Submission.sha256 == job.sha256)):
        submission.status = "graded"
        submission.error = None if result.status == "graded" else result.message[:2000]


def _seconds_between(start, end) -> float | None:
    from grader.competitions.rules import as_utc

    if start is None or end is None:
        return None
    return (as_utc(end) - as_utc(start)).total_seconds()


def run(course, store, specs: list[JobSpec], *, executor, sandbox: bool = True, test_mode: bool = False,
        on_result: Callable[[JobSpec, GradeResult], None] | None = None) -> list[GradeResult]:
    """Grade the queued jobs ``specs`` on ``executor``; every finished job is saved as soon as it ends.

    A worker that dies is a failure of the infrastructure: its job is queued again (a few
    times), then ends ``failed`` without a grade (:mod:`grader.queue`).
    """
    from grader.dispatcher import Dispatcher

    if not specs:
        return []
    by_id = {spec.job_id: spec for spec in specs}

    def finished(claimed, result) -> None:
        if on_result is not None and claimed.job_id in by_id:
            on_result(by_id[claimed.job_id], result)

    capacity = getattr(executor, "workers", None) or len(specs)
    dispatcher = Dispatcher(course, store, executor, capacity=capacity, sandbox=sandbox, test_mode=test_mode,
                            on_result=finished)
    return dispatcher.drain(list(by_id))


def latest_grades(store, assignment: str | None = None, *, student: str | None = None) -> list:
    """The newest Grade row per (assignment, student) (:mod:`grader.grades` makes the grade record of it)."""
    from sqlalchemy import select

    from grader.store.models import Grade

    with store.read() as session:
        query = select(Grade).order_by(Grade.id)
        if assignment is not None:
            query = query.where(Grade.assignment == assignment)
        if student is not None:
            query = query.where(Grade.student_id == student)
        newest: dict[tuple[str, str], Grade] = {}
        for grade in session.scalars(query):
            newest[(grade.assignment, grade.student_id)] = grade
        return list(newest.values())
