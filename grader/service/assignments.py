"""Assignments as a student or an instructor meets them on the class server: hand-in, status, feedback.

    view = hand_in(course, store, who, "01-preprocessing", data, filename="mine.ipynb")
    view.status, view.place            # "queued", 3
    record, html = feedback(course, store, who, "01-preprocessing")

A hand-in is acknowledged only once it is committed: the file in the content store,
nbgrader's ``submitted/<student>/<assignment>/`` (with ``timestamp.txt``, so
``nbgrader formgrader`` and ``grader score`` keep working), and -- in one transaction
-- its submission row and its grading job (:mod:`grader.queue`). A newer hand-in
supersedes the student's queued older one; the newest counts, late or not (the late
penalty of ``assignment.toml`` applies). A student sees only their own work.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select

from grader.auth import Principal
from grader.errors import AssignmentError, LimitExceeded, NotFound, PermissionDenied, SubmissionError, TooLarge

KIND = "assignment"


@dataclass
class AssignmentInfo:
    name: str
    title: str
    points: float
    due_at: datetime | None
    late_rule: str
    zip_name: str


@dataclass
class HandInView:
    """One hand-in as its student (or an instructor) sees it."""

    id: int
    assignment: str
    student: str
    submitted_at: datetime
    file: str
    status: str  # queued | running | graded | failed | superseded | cancelled
    is_late: bool
    place: int | None = None  # in the queue, while queued
    total: float | None = None
    max_points: float | None = None
    message: str = ""
    job_id: int | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["submitted_at"] = self.submitted_at.isoformat()
        return data


# ---------------------------------------------------------------- which assignments


def released(course) -> list[str]:
    from grader.targets import released_assignments

    return released_assignments(course)


def info(course, store, name: str) -> AssignmentInfo:
    from grader.assignments_source import AssignmentSource
    from grader.competitions.rules import as_utc
    from grader.store import Assignment

    if name not in released(course):
        raise NotFound(f"There is no assignment '{name}'.")
    config = AssignmentSource(name, course.path("assignments", name)).config()
    with store.read() as session:
        row = session.get(Assignment, name)
    due = row.due_at if row is not None and row.due_at is not None else None
    if due is None and config.get("due") is not None:
        from grader.autograde.late import due_date

        due = due_date(config)
    return AssignmentInfo(name=name, title=(row.title if row else None) or str(config.get("title", name)),
                          points=float((row.points if row else None) or config.get("points", 100)),
                          due_at=as_utc(due) if due else None, late_rule=late_rule(config),
                          zip_name=f"{name}.zip")


def late_rule(config: dict) -> str:
    per_day = float(config.get("late_penalty_per_day", 0) or 0)
    if not per_day:
        return "Late hand-ins are accepted without a penalty."
    cap = config.get("late_penalty_max")
    capped = f", at most {float(cap):g} points in all" if cap is not None else ""
    return (f"Late hand-ins lose {per_day:g} points for each started day after the due date{capped} "
            "(never below zero).")


def listing(course, store, who: Principal) -> list[tuple[AssignmentInfo, HandInView | None]]:
    """Every released assignment with the caller's newest hand-in (None: not handed in yet)."""
    out = []
    for name in released(course):
        views = hand_ins(course, store, who, name) if not who.is_instructor else []
        out.append((info(course, store, name), views[-1] if views else None))
    return out


# ---------------------------------------------------------------- handing in


def hand_in(course, store, who: Principal, assignment: str, data: bytes, *, filename: str | None,
            now: datetime | None = None) -> HandInView:
    """Store a notebook as the caller's hand-in of ``assignment`` and queue it for grading."""
    from grader import queue
    from grader.store import Student, Submission

    if who.is_instructor:
        raise PermissionDenied("Students hand in their own notebooks; an instructor collects them with "
                               "'grader collect'.")
    now = now or datetime.now(timezone.utc)
    about = info(course, store, assignment)
    limit = int(course.get("server", "max_notebook_mb")) * 1_000_000
    if len(data) > limit:
        raise TooLarge(f"The notebook is {len(data) / 1e6:.1f} MB; hand-ins may be at most {limit / 1e6:g} MB. "
                       "Clear the outputs (Kernel > Restart & Clear Output) and save it again.")
    check_notebook(course, assignment, data)
    _check_daily_limit(course, store, who, assignment, now)
    digest = hashlib.sha256(data).hexdigest()
    store.put_file(data)
    _write_submitted(course, who.id, assignment, data, now)
    shown = _shown_name(filename, assignment)
    with store.transaction() as session:
        if session.get(Student, who.id) is None:
            session.add(Student(id=who.id))
            session.flush()
        row = Submission(kind=KIND, target=assignment, student_id=who.id, sha256=digest, size=len(data),
                         original_name=shown, submitted_at=now, status="pending",
                         is_late=bool(about.due_at and now > about.due_at))
        session.add(row)
        session.flush()
        # The same bytes handed in again keep their job (queued, running or graded): graded once.
        queue.enqueue(session, kind=queue.ASSIGNMENT, target=assignment, owner=who.id, sha256=digest,
                      submission_id=row.id, supersede=True)
        submission_id = row.id
    return next(v for v in hand_ins(course, store, who, assignment) if v.id == submission_id)


def check_notebook(course, assignment: str, data: bytes) -> None:
    """A Jupyter notebook, and one of ``assignment`` (it carries that assignment's graded cells)."""
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise SubmissionError("The file is not a Jupyter notebook (.ipynb): it is not notebook JSON. Hand in the "
                              ".ipynb file you worked in (File > Download as > Notebook).") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise SubmissionError("The file is not a Jupyter notebook (.ipynb): it has no cells. Hand in the .ipynb "
                              "file you worked in.")
    mine = _grade_ids(notebook)
    wanted = released_grade_ids(course, assignment)
    if wanted and len(mine & wanted) * 2 >= len(wanted):
        return
    best = max(((name, len(mine & released_grade_ids(course, name))) for name in released(course)),
               key=lambda pair: pair[1], default=(None, 0))
    if best[0] and best[0] != assignment and best[1]:
        raise SubmissionError(f"This notebook is assignment {best[0]}'s, not {assignment}'s. Hand it in there, or "
                              f"hand in your {assignment} notebook here.")
    raise SubmissionError(f"This notebook is not {assignment}'s: it lacks that assignment's graded cells. Download "
                          f"{assignment}'s notebook from the Assignments page, work in it, and hand it in.")


def released_grade_ids(course, assignment: str) -> set[str]:
    path = course.path("release", assignment, f"{assignment}.ipynb")
    try:
        return _grade_ids(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return set()


def _grade_ids(notebook: dict) -> set[str]:
    ids = set()
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
        if isinstance(meta, dict) and (meta.get("grade") or meta.get("solution")) and isinstance(meta.get("grade_id"), str):
            ids.add(meta["grade_id"])
    return ids


def _check_daily_limit(course, store, who: Principal, assignment: str, now: datetime) -> None:
    from grader.competitions.rules import NOT_COUNTED, day_window, local_time
    from grader.store import Submission

    limit = int(course.get("server", "handins_per_day"))
    if not limit:
        return
    zone = course.get("course", "timezone")
    start, end = day_window(now, zone)
    with store.read() as session:
        used = session.scalar(select(func.count()).select_from(Submission).where(
            Submission.kind == KIND, Submission.target == assignment, Submission.student_id == who.id,
            Submission.status.notin_(NOT_COUNTED), Submission.submitted_at >= start, Submission.submitted_at < end))
    if used >= limit:
        raise LimitExceeded(f"You have handed in {assignment} {used} times today, the course's limit. Hand in "
                            f"again from {local_time(end, zone)}; your newest hand-in is the one that counts.")


def _write_submitted(course, student: str, assignment: str, data: bytes, now: datetime) -> None:
    """nbgrader's ``submitted/<student>/<assignment>/<assignment>.ipynb`` and ``timestamp.txt``, each atomic."""
    folder = course.path("submitted", student, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in ((f"{assignment}.ipynb", data),
                          ("timestamp.txt", now.strftime("%Y-%m-%d %H:%M:%S.%f %Z").encode())):
        partial = folder / f".{name}.partial"
        with open(partial, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, folder / name)


def _shown_name(filename: str | None, assignment: str) -> str:
    from grader.competitions.validation import display_name

    return display_name(filename or f"{assignment}.ipynb")[:200]


# ---------------------------------------------------------------- reading back


def hand_ins(course, store, who: Principal, assignment: str, *, student: str | None = None) -> list[HandInView]:
    """The hand-ins of the caller (an instructor: of ``student``), oldest first, with their grading status."""
    from grader import queue
    from grader.competitions.rules import as_utc
    from grader.grades import grade_records
    from grader.store import GradingJob, Submission

    if assignment not in released(course):
        raise NotFound(f"There is no assignment '{assignment}'.")
    owner = _owner(who, student)
    with store.read() as session:
        rows = session.scalars(select(Submission).where(Submission.kind == KIND, Submission.target == assignment,
                                                        Submission.student_id == owner).order_by(Submission.id)).all()
        jobs = {}
        for job in session.scalars(select(GradingJob).where(GradingJob.target == assignment,
                                                            GradingJob.owner == owner).order_by(GradingJob.id)):
            jobs[job.sha256] = job  # the newest attempt for each file
    records = {r.student: r for r in grade_records(course, store, assignment=assignment, student=owner)}
    views = []
    newest_sha = rows[-1].sha256 if rows else None
    for row in rows:
        job = jobs.get(row.sha256)
        status = job.status if job is not None else "pending"
        status = {"done": "graded", "pending": "queued"}.get(status, status)
        if row.sha256 != newest_sha and status in ("queued", "graded"):
            status = "superseded" if status == "queued" else status
        view = HandInView(id=row.id, assignment=assignment, student=owner, submitted_at=as_utc(row.submitted_at),
                          file=row.original_name, status=status, is_late=bool(row.is_late),
                          message=(job.error or "") if job is not None else "", job_id=job.id if job else None)
        if status == "queued" and job is not None:
            view.place = queue.position(store, job.id)
        if status == "graded" and row.sha256 == newest_sha and owner in records:
            view.total, view.max_points = records[owner].total, records[owner].max_points
            view.message = records[owner].message
        views.append(view)
    return views


def feedback(course, store, who: Principal, assignment: str, *, student: str | None = None):
    """(grade record, feedback HTML) of the caller's graded hand-in (an instructor: of ``student``)."""
    from grader.feedback import render_feedback
    from grader.grades import grade_records

    if assignment not in released(course):
        raise NotFound(f"There is no assignment '{assignment}'.")
    owner = _owner(who, student)
    records = grade_records(course, store, assignment=assignment, student=owner)
    if not records:
        raise NotFound(f"No feedback for {assignment} yet: it appears once your hand-in is graded.")
    return records[0], render_feedback(records[0])


def _owner(who: Principal, student: str | None) -> str:
    if who.is_instructor:
        if not student:
            raise AssignmentError("Name the student (?student=ID).")
        return student
    if student not in (None, who.id):
        raise NotFound("There is no such hand-in of yours.")
    return who.id


def class_status(course, store, assignment: str) -> list[dict]:
    """The instructor's view of one assignment: every student's newest hand-in, status, total, attempts."""
    from grader.competitions.rules import as_utc
    from grader.grades import grade_records
    from grader.roster import display_name
    from grader.store import GradingJob, Student, Submission

    if assignment not in released(course):
        raise NotFound(f"There is no assignment '{assignment}'.")
    records = {r.student: r for r in grade_records(course, store, assignment=assignment)}
    with store.read() as session:
        students = session.scalars(select(Student).order_by(Student.id)).all()
        hand = {}
        for row in session.scalars(select(Submission).where(Submission.kind == KIND,
                                                            Submission.target == assignment).order_by(Submission.id)):
            entry = hand.setdefault(row.student_id, {"attempts": 0})
            entry.update(attempts=entry["attempts"] + 1, last=as_utc(row.submitted_at), sha=row.sha256,
                         late=bool(row.is_late))
        jobs = {}
        for job in session.scalars(select(GradingJob).where(GradingJob.target == assignment).order_by(GradingJob.id)):
            jobs[(job.owner, job.sha256)] = job
    rows = []
    for student in students:
        entry = hand.get(student.id)
        job = jobs.get((student.id, entry["sha"])) if entry else None
        record = records.get(student.id)
        rows.append({"student": student.id, "name": display_name(student),
                     "status": "not handed in" if entry is None else
                     ({"done": record.status if record else "graded"}.get(job.status, job.status) if job else "queued"),
                     "attempts": entry["attempts"] if entry else 0, "last": entry["last"] if entry else None,
                     "late": entry["late"] if entry else False,
                     "total": record.total if record else None, "max_points": record.max_points if record else None,
                     "late_penalty": record.late_penalty if record else None,
                     "job_id": job.id if job else None, "error": job.error if job else None})
    return rows


def notebook_for_job(course, store, claimed) -> str | None:
    """The notebook a claimed job grades: nbgrader's submitted file when it holds those very bytes, else
    the stored bytes put in the job's own folder (a newer hand-in may have replaced the submitted file)."""
    from grader.autograde.jobs import NO_SUBMISSION, _notebook_in
    from grader.store import Submission

    if claimed.sha256 == NO_SUBMISSION:
        return None
    path = _notebook_in(course.path("submitted", claimed.owner, claimed.target), claimed.target)
    if path is not None and hashlib.sha256(path.read_bytes()).hexdigest() == claimed.sha256:
        return str(path)
    stored = store.file_path(claimed.sha256)
    if not stored.is_file():
        return str(path) if path is not None else None
    with store.read() as session:
        row = session.scalar(select(Submission).where(
            Submission.kind == KIND, Submission.target == claimed.target, Submission.student_id == claimed.owner,
            Submission.sha256 == claimed.sha256).order_by(Submission.id.desc()))
    folder = course.path(".cache", "jobs", str(claimed.job_id), claimed.target)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{claimed.target}.ipynb").write_bytes(stored.read_bytes())
    if row is not None and row.submitted_at is not None:
        from grader.competitions.rules import as_utc

        (folder / "timestamp.txt").write_text(as_utc(row.submitted_at).strftime("%Y-%m-%d %H:%M:%S.%f %Z"),
                                              encoding="utf-8")
    return str(folder / f"{claimed.target}.ipynb")
