"""What the public pages may say about an assignment's grades: class-level statistics only.

Each student's newest grade counts; the mean and median appear only once at least
:data:`MIN_STUDENTS_FOR_STATS` students are graded, so that a statistic can never be
one student's grade. No student id leaves this module.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import load_only

from grader.store.models import Assignment, Grade

MIN_STUDENTS_FOR_STATS = 5


@dataclass
class AssignmentStatistics:
    name: str
    title: str
    due_at: datetime | None  # as the store gives it (SQLite: naive UTC)
    points: float
    graded: int
    mean: float | None  # percent of the maximum, None below MIN_STUDENTS_FOR_STATS
    median: float | None


def assignment_statistics(store) -> list[AssignmentStatistics]:
    """Every assignment of the store, by due date, with the class's grade statistics."""
    with store.read() as session:
        assignments = session.execute(select(Assignment.name, Assignment.title, Assignment.due_at, Assignment.points)
                                      .order_by(Assignment.due_at, Assignment.name)).all()
        newest: dict[tuple[str, str], float] = {}
        columns = (Grade.assignment, Grade.student_id, Grade.notebook_points, Grade.judge_points, Grade.late_penalty,
                   Grade.max_points)  # not the details JSON
        for grade in session.scalars(select(Grade).options(load_only(*columns)).order_by(Grade.graded_at, Grade.id)):
            newest[(grade.assignment, grade.student_id)] = 100.0 * grade.total / (grade.max_points or 100.0)
    by_assignment: dict[str, list[float]] = {}
    for (assignment, _student), percent in newest.items():
        by_assignment.setdefault(assignment, []).append(percent)
    out = []
    for row in assignments:
        percents = by_assignment.get(row.name, [])
        enough = len(percents) >= MIN_STUDENTS_FOR_STATS
        out.append(AssignmentStatistics(
            name=row.name, title=row.title, due_at=row.due_at, points=row.points, graded=len(percents),
            mean=statistics.fmean(percents) if enough else None,
            median=statistics.median(percents) if enough else None))
    return out
