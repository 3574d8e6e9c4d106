"""Grading jobs: keyed by (assignment, student, sha256 of the submission), so grading is resumable.

    specs = plan(course, store, "01-preprocessing")          # only what is not graded yet
    results = run(course, store, specs, executor=LocalPoolExecutor(2))

A job row (``GradingJob``) is made before its work starts and marked ``done``
with its ``Grade`` row in one transaction when the work ends. So after a crash
or Ctrl-C, running again finds the unfinished rows and grades only those; a
finished job is never graded twice unless ``rescore`` asks for it, which adds an
attempt and a new ``Grade`` row (rows are never updated in place).

All store writes happen here, in the parent process; workers only grade.
"""

from __future__ import annotations

import hashlib
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from grader.autograde.pipeline import GradeResult, grade_job

NO_SUBMISSION = "none"


@dataclass(frozen=True)
class JobSpec:
    """One unit of work, plain data so it can travel to a worker."""

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
            notebooks = sorted(folder.glob("*.ipynb"))
            preferred = folder / f"{assignment}.ipynb"
            found[folder.parent.name] = preferred if preferred.is_file() else (notebooks[0] if notebooks else None)
    if students:
        wanted = list(students)
        found = {student: found.get(student) for student in wanted}
    return found


def file_sha256(path: Path | None) -> str:
    if path is None:
        return NO_SUBMISSION
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def plan(course, store, assignment: str, *, students: Iterable[str] | None = None,
         rescore: bool = False) -> list[JobSpec]:
    """The jobs to run for ``assignment``: new submissions, unfinished jobs, and (``rescore``) all."""
    from sqlalchemy import select

    from grader.store.models import GradingJob, Student, Submission

    specs = []
    for student, path in submitted_notebooks(course, assignment, students).items():
        sha = file_sha256(path)
        with store.transaction() as session:
            if session.get(Student, student) is None:
                session.add(Student(id=student))
                session.flush()
            if path is not None and session.scalar(select(Submission.id).where(
                    Submission.kind == "assignment", Submission.target == assignment,
                    Submission.student_id == student, Submission.sha256 == sha)) is None:
                data = path.read_bytes()
                store.put_file(data)
                session.add(Submission(kind="assignment", target=assignment, student_id=student, sha256=sha,
                                       size=len(data), original_name=path.name, status="pending"))
            latest = session.scalars(select(GradingJob).where(
                GradingJob.target == assignment, GradingJob.owner == student, GradingJob.sha256 == sha,
            ).order_by(GradingJob.attempt.desc())).first()
            if latest is not None and latest.status != "done":
                job = latest  # an interrupted run: resume it
            elif latest is None or rescore:
                job = GradingJob(target=assignment, owner=student, sha256=sha,
                                 attempt=(latest.attempt + 1) if latest else 1, status="queued")
                session.add(job)
                session.flush()
            else:
                continue
            specs.append(JobSpec(job.id, assignment, student, sha, str(path) if path else None, job.attempt))
    return specs


def _mark_running(store, specs: list[JobSpec]) -> None:
    from grader.store.models import GradingJob, utcnow

    with store.transaction() as session:
        for spec in specs:
            job = session.get(GradingJob, spec.job_id)
            job.status, job.started_at, job.worker = "running", utcnow(), socket.gethostname()


def save_result(store, spec: JobSpec, result: GradeResult) -> None:
    """Finish a job: its verdict, a new Grade row, the submission's status; one transaction."""
    from sqlalchemy import select

    from grader.store.models import Grade, GradingJob, Submission, utcnow

    with store.transaction() as session:
        job = session.get(GradingJob, spec.job_id)
        job.status, job.verdict, job.finished_at = "done", result.status, utcnow()
        session.add(Grade(job_id=job.id, assignment=spec.assignment, student_id=spec.student, status=result.status,
                          notebook_points=result.notebook_points, judge_points=result.judge_points,
                          max_points=result.max_points, late_penalty=result.late_penalty,
                          sandboxed=result.sandboxed, details={"message": result.message, **result.details,
                                                               "seconds": result.seconds,
                                                               "manual_max": result.manual_max,
                                                               "notebook_max": result.notebook_max,
                                                               "judge_max": result.judge_max}))
        for submission in session.scalars(select(Submission).where(
                Submission.kind == "assignment", Submission.target == spec.assignment,
                Submission.student_id == spec.student, Submission.sha256 == spec.sha256)):
            submission.status = "graded"
            submission.error = None if result.status == "graded" else result.message[:2000]


def _due(store, assignment: str):
    from grader.store.models import Assignment

    with store.transaction() as session:
        row = session.get(Assignment, assignment)
        return row.due_at if row is not None else None


def run(course, store, specs: list[JobSpec], *, executor, sandbox: bool = True, test_mode: bool = False,
        on_result: Callable[[JobSpec, GradeResult], None] | None = None) -> list[GradeResult]:
    """Grade ``specs`` on ``executor``; every finished job is saved as soon as it ends.

    A worker process that dies takes the pool's other futures with it: those
    jobs are resubmitted once on a fresh pool; a job lost twice is ``crashed``.
    """
    from grader.executors import BrokenExecutor, job_key, submit_job

    if not specs:
        return []
    _mark_running(store, specs)
    dues = {a: _due(store, a) for a in {s.assignment for s in specs}}
    results: list[GradeResult] = []
    losses: dict[int, int] = {}
    pending = list(specs)
    while pending:
        futures = {submit_job(executor, job_key(s.assignment, s.student, s.sha256, s.attempt), grade_job,
                              str(course.root), s.assignment, s.student, s.notebook_path, sandbox,
                              test_mode, s.sha256, dues[s.assignment]): s for s in pending}
        pending = []
        broken = False
        for future in executor.as_completed(futures):
            spec = futures[future]
            try:
                result = future.result()
            except BrokenExecutor:
                broken = True
                losses[spec.job_id] = losses.get(spec.job_id, 0) + 1
                if losses[spec.job_id] < 2:
                    pending.append(spec)
                    continue
                result = _crashed(spec, sandbox, "the grading worker died twice while grading this submission")
            except Exception as exc:  # the worker raised outside the pipeline's own guard
                result = _crashed(spec, sandbox, f"grading failed: {type(exc).__name__}: {exc}")
            save_result(store, spec, result)
            results.append(result)
            if on_result is not None:
                on_result(spec, result)
        if broken and hasattr(executor, "restart"):
            executor.restart()
    return results


def _crashed(spec: JobSpec, sandbox: bool, message: str) -> GradeResult:
    return GradeResult(assignment=spec.assignment, student=spec.student, sha256=spec.sha256, status="crashed",
                       message=message[:500], sandboxed=sandbox)


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
