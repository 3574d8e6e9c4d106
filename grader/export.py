"""One CSV of grades: nbgrader's export columns, then the kit's own.

nbgrader's ``CsvExportPlugin`` writes ``assignment, duedate, timestamp,
student_id, last_name, first_name, email, raw_score, late_submission_penalty,
score, max_score`` from ``gradebook.db`` (so manual grades from the formgrader
are included). We add, from the newest Grade row in the store:
``notebook_points, judge_points, judge_max_points, late_penalty, status,
sandboxed, manual_points, kit_total, kit_max_points`` from the grade record
(:mod:`grader.grades`). The hidden checks are a grade cell of the gradebook, so
``kit_total`` equals nbgrader's ``score`` (tests + hidden checks + written answers
- late penalty) and ``kit_max_points`` its ``max_score``.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from pathlib import Path

NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score"]
KIT_COLUMNS = ["notebook_points", "judge_points", "judge_max_points", "late_penalty", "status", "sandboxed",
               "manual_points", "kit_total", "kit_max_points"]
COLUMNS = NBGRADER_COLUMNS + KIT_COLUMNS


def _gradebook_rows(course) -> dict[tuple[str, str], dict]:
    from nbgrader.api import Gradebook, MissingEntry

    rows: dict[tuple[str, str], dict] = {}
    if not course.path("gradebook.db").is_file():
        return rows
    with warnings.catch_warnings(), Gradebook(course.gradebook_url) as gb:
        warnings.simplefilter("ignore")
        for assignment in gb.assignments:
            for student in gb.students:
                row = {"assignment": assignment.name, "duedate": assignment.duedate, "student_id": student.id,
                       "last_name": student.last_name, "first_name": student.first_name, "email": student.email,
                       "max_score": assignment.max_score}
                try:
                    submission = gb.find_submission(assignment.name, student.id)
                except MissingEntry:
                    row.update(timestamp=None, raw_score=0.0, late_submission_penalty=0.0, score=0.0,
                               submitted=False)
                else:
                    penalty = submission.late_submission_penalty or 0.0
                    row.update(timestamp=submission.timestamp, raw_score=submission.score,
                               late_submission_penalty=penalty, score=max(0.0, submission.score - penalty),
                               submitted=True)
                rows[(assignment.name, student.id)] = row
    return rows


def export_rows(course) -> list[dict]:
    """Every (assignment, student) known to the gradebook or the store, with every column."""
    from grader.grades import grade_records

    rows = _gradebook_rows(course)
    records = {(r.assignment, r.student): r for r in grade_records(course)}
    for key in sorted(set(rows) | set(records)):
        row = rows.setdefault(key, {"assignment": key[0], "student_id": key[1], "raw_score": 0.0, "score": 0.0,
                                    "late_submission_penalty": 0.0})
        record = records.get(key)
        if record is not None:
            row.update(notebook_points=record.notebook_points, judge_points=record.judge_points,
                       judge_max_points=record.judge_max, manual_points=record.manual_points,
                       late_penalty=record.late_penalty, status=record.status, sandboxed=record.sandboxed,
                       kit_total=record.total, kit_max_points=record.max_points)
        else:
            row.update(status="not_graded" if row.get("submitted") else "no_submission")
    return [rows[key] for key in sorted(rows)]


def export_csv(course, *, out: str | os.PathLike | None = None) -> str:
    """The CSV text; written to ``out`` too when given (atomically)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in export_rows(course):
        writer.writerow({column: "" if row.get(column) is None else row.get(column) for column in COLUMNS})
    text = buffer.getvalue()
    if out is not None:
        target = Path(out)
        partial = target.with_name(f".{target.name}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    return text
