"""One grade per (assignment, student), with one total: what export, feedback, the site and the server show.

    for record in grade_records(course, assignment="03-convolution"):
        record.total, record.max_points, record.manual_points

A grade has three parts, all kept as nbgrader grade cells in ``gradebook.db``:
the notebook's visible test cells, the manually graded written answers, and the
judge's hidden checks (one locked grade cell, ``JUDGE_CELL``, whose score the
autograder sets to the judge's points; see :mod:`grader.autograde.record`).
So ``nbgrader export``, the formgrader and cnnkit add up the same cells, and a
score an instructor overrides in the formgrader counts everywhere.

The store's newest ``Grade`` row per (assignment, student) adds what nbgrader
does not keep: the status, the judge's checks and the feedback details.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

from grader.assignments_source import JUDGE_CELL

# One row per grade cell of each submitted notebook; a grade cell is a manual answer when the
# notebook also has a solution cell of the same name (nbgrader's definition).
_GRADEBOOK_QUERY = """
SELECT a.name, sa.student_id, bc.name, gc.max_score, g.auto_score, g.manual_score, g.extra_credit,
       g.needs_manual_grade, sn.late_submission_penalty,
       EXISTS (SELECT 1 FROM base_cell s WHERE s.notebook_id = bc.notebook_id AND s.name = bc.name
               AND s.type = 'SolutionCell') AS manual
FROM grade g
JOIN submitted_notebook sn ON sn.id = g.notebook_id
JOIN submitted_assignment sa ON sa.id = sn.assignment_id
JOIN assignment a ON a.id = sa.assignment_id
JOIN grade_cells gc ON gc.id = g.cell_id
JOIN base_cell bc ON bc.id = g.cell_id
"""


@dataclass
class CellScores:
    """The gradebook's view of one submission: points earned and possible per kind of cell."""

    tests: float = 0.0
    tests_max: float = 0.0
    judge: float = 0.0
    judge_max: float = 0.0
    manual: float = 0.0
    manual_max: float = 0.0
    manual_pending: bool = False  # a written answer still waits for the formgrader
    late_penalty: float = 0.0


@dataclass
class GradeRecord:
    """The grade of one student on one assignment."""

    assignment: str
    student: str
    status: str  # the autograder's status (graded, timeout, ...), or not_graded / no_submission
    notebook_points: float = 0.0
    notebook_max: float = 0.0
    judge_points: float = 0.0
    judge_max: float = 0.0
    manual_points: float = 0.0
    manual_max: float = 0.0
    manual_pending: bool = False
    late_penalty: float = 0.0
    sandboxed: bool = True
    graded_at: datetime | None = None
    message: str = ""
    details: dict = field(default_factory=dict, repr=False)  # the Grade row's details (checks, phases ...)

    @property
    def max_points(self) -> float:
        return round(self.notebook_max + self.judge_max + self.manual_max, 6)

    @property
    def total(self) -> float:
        """Points after the late penalty, written answers included once graded; never below zero."""
        earned = self.notebook_points + self.judge_points + self.manual_points
        return round(max(0.0, earned - self.late_penalty), 6)

    @property
    def percent(self) -> float | None:
        return 100.0 * self.total / self.max_points if self.max_points else None

    def to_dict(self) -> dict:
        return {"assignment": self.assignment, "student": self.student, "status": self.status,
                "notebook_points": self.notebook_points, "notebook_max": self.notebook_max,
                "judge_points": self.judge_points, "judge_max": self.judge_max,
                "manual_points": self.manual_points, "manual_max": self.manual_max,
                "manual_pending": self.manual_pending, "late_penalty": self.late_penalty,
                "total": self.total, "max_points": self.max_points, "sandboxed": self.sandboxed,
                "graded_at": self.graded_at.isoformat() if self.graded_at else None, "message": self.message}


def gradebook_scores(course, *, assignment: str | None = None,
                     student: str | None = None) -> dict[tuple[str, str], CellScores]:
    """``{(assignment, student): CellScores}`` read from ``gradebook.db`` in one query (read-only)."""
    path = course.path("gradebook.db")
    if not path.is_file():
        return {}
    query, params = _GRADEBOOK_QUERY, []
    conditions = []
    if assignment is not None:
        conditions.append("a.name = ?")
        params.append(assignment)
    if student is not None:
        conditions.append("sa.student_id = ?")
        params.append(student)
    if conditions:
        query += " WHERE " + " AND ".join(conditions)
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        rows = connection.execute(query, params).fetchall()
    except sqlite3.OperationalError:  # a gradebook nbgrader has not created its tables in yet
        return {}
    finally:
        connection.close()
    scores: dict[tuple[str, str], CellScores] = {}
    for name, student_id, cell, max_score, auto, manual_score, extra, needs_manual, penalty, is_manual in rows:
        entry = scores.setdefault((name, student_id), CellScores())
        entry.late_penalty = float(penalty or 0.0)
        earned = (manual_score if manual_score is not None else auto) or 0.0
        earned += extra or 0.0
        maximum = float(max_score or 0.0)
        if cell == JUDGE_CELL:
            entry.judge, entry.judge_max = entry.judge + earned, entry.judge_max + maximum
        elif is_manual:
            entry.manual, entry.manual_max = entry.manual + earned, entry.manual_max + maximum
            entry.manual_pending = entry.manual_pending or (bool(needs_manual) and manual_score is None)
        else:
            entry.tests, entry.tests_max = entry.tests + earned, entry.tests_max + maximum
    return scores


def grade_records(course, store=None, *, assignment: str | None = None,
                  student: str | None = None) -> list[GradeRecord]:
    """The grade of every graded (assignment, student), newest grading run, sorted by assignment and student."""
    from grader.autograde.jobs import latest_grades
    from grader.store import Store

    store = store or Store.open(course)
    scores = gradebook_scores(course, assignment=assignment, student=student)
    records = []
    for grade in latest_grades(store, assignment, student=student):
        details = grade.details or {}
        record = GradeRecord(
            assignment=grade.assignment, student=grade.student_id, status=grade.status,
            notebook_points=grade.notebook_points, notebook_max=float(details.get("notebook_max", 0.0)),
            judge_points=grade.judge_points, judge_max=float(details.get("judge_max", 0.0)),
            manual_max=float(details.get("manual_max", 0.0)), late_penalty=grade.late_penalty,
            sandboxed=grade.sandboxed, graded_at=grade.graded_at, message=str(details.get("message", "")),
            details=details)
        cells = scores.get((grade.assignment, grade.student_id))
        if cells is not None:  # the gradebook is the authority on points (the formgrader may override)
            record.notebook_points, record.notebook_max = cells.tests, cells.tests_max
            if cells.judge_max > 0:  # a course released before the hidden checks had their own cell has none
                record.judge_points, record.judge_max = cells.judge, cells.judge_max
            record.manual_points, record.manual_max = cells.manual, cells.manual_max or record.manual_max
            record.manual_pending = cells.manual_pending
            record.late_penalty = cells.late_penalty
        else:
            record.manual_pending = record.manual_max > 0
        records.append(record)
    return sorted(records, key=lambda r: (r.assignment, r.student))


# ---------------------------------------------------------------- what public pages may say

# Class statistics appear only once this many students are graded, so a statistic is never one student's grade.
MIN_STUDENTS_FOR_STATS = 5


@dataclass
class AssignmentStatistics:
    name: str
    title: str
    due_at: datetime | None  # UTC
    points: float
    graded: int
    mean: float | None  # percent of the maximum, None below MIN_STUDENTS_FOR_STATS
    median: float | None


def class_statistics(course, store=None) -> list[AssignmentStatistics]:
    """Every assignment, by due date, with the mean and median of its students' totals (in percent)."""
    import statistics

    from sqlalchemy import select

    from grader.competitions.rules import as_utc
    from grader.store import Assignment, Store

    store = store or Store.open(course)
    with store.read() as session:
        assignments = session.execute(select(Assignment.name, Assignment.title, Assignment.due_at, Assignment.points)
                                      .order_by(Assignment.due_at, Assignment.name)).all()
    percents: dict[str, list[float]] = {}
    for record in grade_records(course, store):
        if record.percent is not None:
            percents.setdefault(record.assignment, []).append(record.percent)
    out = []
    for row in assignments:
        values = percents.get(row.name, [])
        enough = len(values) >= MIN_STUDENTS_FOR_STATS
        out.append(AssignmentStatistics(
            name=row.name, title=row.title, due_at=as_utc(row.due_at), points=row.points, graded=len(values),
            mean=statistics.fmean(values) if enough else None, median=statistics.median(values) if enough else None))
    return out
