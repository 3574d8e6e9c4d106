"""Grades out of cnnkit: ``grader export --format csv|canvas|moodle`` (docs/grading-export.md).

**csv** (the default) is nbgrader's export columns, then the kit's own. nbgrader's ``CsvExportPlugin``
writes ``assignment, duedate, timestamp, student_id, last_name, first_name, email, raw_score,
late_submission_penalty, score, max_score`` from ``gradebook.db`` (so manual grades from the formgrader
are included). We add, from the newest Grade row in the store: ``notebook_points, judge_points,
judge_max_points, late_penalty, status, sandboxed, manual_points, kit_total, kit_max_points`` from the
grade record (:mod:`grader.grades`). The hidden checks are a grade cell of the gradebook, so
``kit_total`` equals nbgrader's ``score`` (tests + hidden checks + written answers - late penalty) and
``kit_max_points`` its ``max_score``. One row per (assignment, student).

**canvas** and **moodle** are what those LMSs import into their gradebooks: one row per student, the
identity columns the LMS matches students by, then one column per assignment holding the grade
record's ``total`` (written answers and late penalty included) and nothing else, so the LMS never sees
two scores for one assignment. Only assignments with at least one grade get a column.

- Canvas (``GradebookImporter``): ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
  column per assignment, and a ``Points Possible`` row. ``ID`` is the roster's ``lms_id`` (the Canvas
  user id), ``SIS Login ID`` the student id. Canvas updates the assignment whose title is the column's
  header, or whose id is in it (``Title (1234)``); with ``canvas_gradebook`` (Canvas's own export) the
  students' identity cells and the assignment headers are taken from that file, so the grades land on
  the Canvas assignments the students handed in to.
- Moodle (grade import from CSV): ``First name, Last name, ID number`` (the student id) and
  ``Email address`` (only when every student has one: Moodle gives a row with an empty identifier the
  previous row's student), then one column per assignment, mapped to grade items on Moodle's import page.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score"]
KIT_COLUMNS = ["notebook_points", "judge_points", "judge_max_points", "late_penalty", "status", "sandboxed",
               "manual_points", "kit_total", "kit_max_points"]
COLUMNS = NBGRADER_COLUMNS + KIT_COLUMNS
FORMATS = ("csv", "canvas", "moodle")
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_POSSIBLE = "    Points Possible"  # the second row of Canvas's own export; its importer reads it
MOODLE_IDENTITY = ["First name", "Last name", "ID number", "Email address"]


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
        write_atomically(out, text)
    return text


def write_atomically(out: str | os.PathLike, text: str) -> None:
    from grader.errors import GraderError

    target = Path(out)
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    except OSError as exc:
        if partial.parent.is_dir():
            partial.unlink(missing_ok=True)
        raise GraderError(f"Cannot write {target}: {exc.strerror or exc}. Check the folder exists and is writable.") \
            from None


# ---------------------------------------------------------------- LMS gradebooks


@dataclass
class LmsExport:
    """An LMS's import file (``text``) and what the instructor should know before importing it."""

    text: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Column:
    assignment: str
    header: str
    points: float  # what the totals are out of


@dataclass
class _Grades:
    columns: list[_Column]
    totals: dict[str, dict[str, float]]  # student -> assignment -> total
    students: dict[str, tuple[str | None, str | None, str | None]]  # student -> (name, email, lms_id)
    warnings: list[str]


def export_lms(course, lms: str, *, assignments: list[str] | None = None,
               canvas_gradebook: str | os.PathLike | None = None,
               out: str | os.PathLike | None = None) -> LmsExport:
    """The import file for ``lms`` (canvas or moodle), of ``assignments`` (default: every graded one)."""
    from grader.errors import GraderError

    if canvas_gradebook is not None and lms != "canvas":
        raise GraderError("--canvas-gradebook is Canvas's own gradebook export; it goes with --format canvas only.")
    grades = _grades(course, assignments)
    if lms == "canvas":
        rows = _canvas_rows(grades, canvas_gradebook) if canvas_gradebook else _canvas_plain(grades)
    else:
        rows = _moodle_rows(grades)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    result = LmsExport(buffer.getvalue(), grades.warnings)
    if out is not None:
        write_atomically(out, result.text)
    return result


def _grades(course, assignments: list[str] | None) -> _Grades:
    from sqlalchemy import select

    from grader.errors import GraderError
    from grader.grades import grade_records
    from grader.store import Assignment, Store, Student
    from grader.words import plural

    store = Store.open(course)
    every = grade_records(course, store)
    records = [r for r in every if not assignments or r.assignment in assignments]
    with store.read() as session:
        known = {a.name: a for a in session.scalars(select(Assignment))}
        people = {s.id: (s.name, s.email, s.lms_id) for s in session.scalars(select(Student))}
    names = set(known) | {r.assignment for r in every}
    unknown = [name for name in assignments or [] if name not in names]
    if unknown:
        raise GraderError(f"Unknown assignment {unknown[0]!r}. Known assignments: {', '.join(sorted(names)) or 'none'}.")
    if not records:
        raise GraderError("No grades to export yet" + (f" for {', '.join(assignments)}" if assignments else "") +
                          ". Run 'grader score' first.")
    graded = sorted({r.assignment for r in records},
                    key=lambda name: (known[name].due_at is None, known[name].due_at, name) if name in known
                    else (True, None, name))
    columns = [_Column(name, known[name].title if name in known else name,
                       max(r.max_points for r in records if r.assignment == name)) for name in graded]
    totals: dict[str, dict[str, float]] = {}
    for record in records:
        totals.setdefault(record.student, {})[record.assignment] = record.total
    warnings_ = []
    pending = sorted({f"{r.student} ({r.assignment})" for r in records if r.manual_pending})
    if pending:
        warnings_.append(f"{plural(len(pending), 'grade')} still wait for written answers to be graded in the "
                         f"formgrader; their totals leave those points out: {', '.join(pending)}.")
    return _Grades(columns, totals, {s: people.get(s, (None, None, None)) for s in sorted(totals)}, warnings_)


def _points(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def _safe(text: str | None) -> str:
    from grader.cli.output import csv_safe

    return csv_safe(text or "")


def _canvas_plain(grades: _Grades) -> list[list[str]]:
    from grader.words import plural

    header = CANVAS_IDENTITY + [c.header for c in grades.columns]
    rows = [header, [CANVAS_POINTS_POSSIBLE, "", "", "", ""] + [_points(c.points) for c in grades.columns]]
    for student, (name, _email, lms_id) in grades.students.items():
        rows.append([_safe(name or student), lms_id or "", "", _safe(student), ""] +
                    [_points(grades.totals[student].get(c.assignment)) for c in grades.columns])
    missing = [s for s, (_name, _email, lms_id) in grades.students.items() if not lms_id]
    if missing:
        grades.warnings.append(f"{plural(len(missing), 'student')} without a Canvas user id (the roster's lms_id): "
                               f"Canvas matches them by SIS Login ID (the student id), then by name: "
                               f"{', '.join(missing)}.")
    return rows


def _moodle_rows(grades: _Grades) -> list[list[str]]:
    from grader.words import plural

    no_email = [s for s, (_name, email, _lms) in grades.students.items() if not email]
    identity = MOODLE_IDENTITY if not no_email else MOODLE_IDENTITY[:3]
    if no_email:
        grades.warnings.append(f"{plural(len(no_email), 'student')} without an email in the roster, so the file has "
                               f"no Email address column: map from 'ID number' on Moodle's import page: "
                               f"{', '.join(no_email)}.")
    rows = [identity + [c.header for c in grades.columns]]
    for student, (name, email, _lms_id) in grades.students.items():
        first, _, last = (name or "").partition(" ")
        cells = [_safe(first), _safe(last), _safe(student)] + ([_safe(email)] if not no_email else [])
        rows.append(cells + [_points(grades.totals[student].get(c.assignment)) for c in grades.columns])
    return rows


def _canvas_rows(grades: _Grades, path: str | os.PathLike) -> list[list[str]]:
    """The Canvas file laid out on Canvas's own export: its identity cells, its assignment headers."""
    from grader.autograde.lms_names import canvas_names, squashed, words_key
    from grader.words import plural

    template = CanvasGradebook.read(path)
    for column in grades.columns:
        found = template.assignment(column.header, column.assignment, words_key)
        if found is None:
            grades.warnings.append(f"No assignment of {Path(path).name} matches {column.header!r} "
                                   f"({column.assignment}): Canvas will create a new assignment of that title.")
            continue
        column.header, canvas_points = found
        if canvas_points is not None and abs(canvas_points - column.points) > 1e-6:
            grades.warnings.append(f"{column.header!r} is out of {_points(canvas_points)} points in Canvas; "
                                   f"cnnkit's totals are out of {_points(column.points)}.")
    by_lms = {lms: s for s, (_n, _e, lms) in grades.students.items() if lms}
    by_id = {s.casefold(): s for s in grades.students}
    by_name: dict[str, set[str]] = {}
    for student, (name, _email, _lms) in grades.students.items():
        for form in canvas_names(name or ""):
            by_name.setdefault(form, set()).add(student)
    rows = [template.identity_header + [c.header for c in grades.columns],
            [CANVAS_POINTS_POSSIBLE] + [""] * (len(template.identity_header) - 1) +
            [_points(c.points) for c in grades.columns]]
    placed = set()
    for cells in template.students:
        student = (by_lms.get(template.cell(cells, "ID"))
                   or by_id.get(template.cell(cells, "SIS Login ID").casefold())
                   or by_id.get(template.cell(cells, "SIS User ID").casefold()))
        if student is None:
            named = by_name.get(squashed(template.cell(cells, "Student")), set())
            student = next(iter(named)) if len(named) == 1 else None
        totals = grades.totals.get(student, {}) if student not in placed else {}
        placed.add(student)
        rows.append(cells[:len(template.identity_header)] + [_points(totals.get(c.assignment))
                                                             for c in grades.columns])
    left_out = [s for s in grades.students if s not in placed]
    if left_out:
        grades.warnings.append(f"{plural(len(left_out), 'graded student')} not found in {Path(path).name} (by Canvas "
                               f"user id, SIS Login ID, SIS User ID or name), left out: {', '.join(left_out)}.")
    return rows


@dataclass
class CanvasGradebook:
    """Canvas's own gradebook export: identity columns up to ``Section``, then ``Title (id)`` columns."""

    identity_header: list[str]
    assignments: dict[str, tuple[str, float | None]]  # header -> (title, points possible)
    students: list[list[str]]

    @classmethod
    def read(cls, path: str | os.PathLike) -> "CanvasGradebook":
        import re

        from grader.errors import GraderError

        name = Path(path).name
        try:
            rows = list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"), newline="")))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise GraderError(f"Cannot read {name} as Canvas's gradebook export ({exc}). In Canvas: Grades → "
                              "Export → Export Entire Gradebook, and give that CSV file.") from None
        header = rows[0] if rows else []
        if len(header) < 3 or "Student" not in header[0] or "Section" not in header:
            raise GraderError(f"{name} is not Canvas's gradebook export: its first row should start with "
                              "'Student,ID' and hold a 'Section' column. In Canvas: Grades → Export.")
        end = header.index("Section") + 1
        points_row = next((r for r in rows[1:] if r and "Points Possible" in r[0]), [])
        assignments = {}
        for index, title in enumerate(header[end:], start=end):
            match = re.fullmatch(r"(.*)\s\((\d+)\)", title.strip())
            if match:
                cell = points_row[index].strip() if index < len(points_row) else ""
                assignments[title] = (match[1], float(cell) if re.fullmatch(r"\d+(\.\d+)?", cell) else None)
        students = [r for r in rows[1:] if r and "Points Possible" not in r[0]
                    and not all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c, re.I) for c in r)]
        return cls(header[:end], assignments, students)

    def cell(self, row: list[str], column: str) -> str:
        index = self.identity_header.index(column) if column in self.identity_header else None
        return row[index].strip() if index is not None and index < len(row) else ""

    def assignment(self, title: str, name: str, key) -> tuple[str, float | None] | None:
        """The (header, points possible) of the Canvas assignment titled as cnnkit's ``title`` or ``name``
        (or whose title contains ``name``), when exactly one is."""
        for matches in (lambda t: key(t) in (key(title), key(name)), lambda t: key(name) in key(t)):
            found = [(header, points) for header, (canvas_title, points) in self.assignments.items()
                     if matches(canvas_title)]
            if len(found) == 1:
                return found[0]
        return None
