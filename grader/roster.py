"""The class list: ``grader roster import FILE.csv`` and ``grader roster list``.

The CSV has a header row. Columns (the first name listed is the canonical one):

=================  ==========================================  ========
column             also accepted                               required
=================  ==========================================  ========
``id``             ``student_id``, ``student``, ``login``      yes
``name``           ``full_name``                               yes
``email``                                                      no
``display_name``   ``nickname``                                no (default: the name)
``lms_id``         ``canvas_id``, ``moodle_id``, ``sis_id``    no
=================  ==========================================  ========

An import is all or nothing: every row is checked first, and one transaction
writes them. Students already known are updated (never deleted: their work
stays). nbgrader's own student table in ``gradebook.db`` gets the same rows, so
the formgrader lists the class by name.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.errors import GraderError
from grader.student_id import check_student_id

COLUMNS = {
    "id": ("id", "student_id", "student", "login"),
    "name": ("name", "full_name"),
    "email": ("email", "e-mail"),
    "display_name": ("display_name", "nickname", "display name"),
    "lms_id": ("lms_id", "canvas_id", "moodle_id", "sis_id", "lms id"),
}
REQUIRED = ("id", "name")
MAX_ROWS = 20_000
MAX_BYTES = 5_000_000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RosterError(GraderError):
    "The class list cannot be read or has a bad row."


@dataclass
class RosterEntry:
    id: str
    name: str
    email: str | None = None
    display_name: str | None = None
    lms_id: str | None = None

    @property
    def shown_name(self) -> str:
        return self.display_name or self.name

    def to_dict(self) -> dict:
        return asdict(self)


def parse_roster(data: bytes, *, filename: str = "roster.csv") -> list[RosterEntry]:
    """The rows of a roster CSV, checked; one clear error naming the row otherwise."""
    if len(data) > MAX_BYTES:
        raise RosterError(f"{filename} is larger than {MAX_BYTES // 1_000_000} MB; a class list is far smaller. "
                          "Check that you chose the right file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(f"{filename} is not UTF-8 text. Save it as 'CSV UTF-8' and import it again.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
    except csv.Error as exc:
        raise RosterError(f"{filename} is not a valid CSV file: {exc}.") from None
    where = {}
    for column, names in COLUMNS.items():
        found = [i for i, cell in enumerate(header) if cell in names]
        if found:
            where[column] = found[0]
    missing = [c for c in REQUIRED if c not in where]
    if missing:
        raise RosterError(f"{filename} needs the columns {', '.join(REQUIRED)} in its header row (also accepted: "
                          f"student_id for id, full_name for name); it has no {' or '.join(missing)} column. "
                          f"Its header is: {','.join(header)[:120] or 'empty'}.")
    entries: list[RosterEntry] = []
    seen: dict[str, int] = {}
    try:
        for row_number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(entries) >= MAX_ROWS:
                raise RosterError(f"{filename} has more than {MAX_ROWS} students; split it.")
            value = {c: (cells[i].strip() if i < len(cells) else "") for c, i in where.items()}
            entries.append(_entry(value, row_number, filename, seen))
    except csv.Error as exc:
        raise RosterError(f"{filename} is not a valid CSV file: {exc}.") from None
    if not entries:
        raise RosterError(f"{filename} has a header but no students.")
    return entries


def _entry(value: dict[str, str], row: int, filename: str, seen: dict[str, int]) -> RosterEntry:
    student_id = value["id"]
    check_student_id(student_id, source=f"row {row} of {filename}", error=RosterError)
    if student_id in seen:
        raise RosterError(f"Row {row} of {filename}: student id {student_id!r} is listed again "
                          f"(first in row {seen[student_id]}).")
    seen[student_id] = row
    if not value["name"]:
        raise RosterError(f"Row {row} of {filename}: student {student_id!r} has no name.")
    email = value.get("email") or None
    if email is not None and not EMAIL.match(email):
        raise RosterError(f"Row {row} of {filename}: {email!r} is not an email address.")
    for column in ("name", "display_name"):
        if len(value.get(column) or "") > 200:
            raise RosterError(f"Row {row} of {filename}: the {column} of {student_id!r} is longer than 200 characters.")
    return RosterEntry(id=student_id, name=value["name"], email=email,
                       display_name=value.get("display_name") or None, lms_id=value.get("lms_id") or None)


def import_roster(course, store, path: str | Path) -> list[RosterEntry]:
    """Add or update every student of the CSV at ``path`` in the store and in nbgrader's gradebook."""
    from grader.store import Student

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"Cannot read {path}: {exc.strerror or exc}. Check the file name.") from None
    entries = parse_roster(data, filename=path.name)
    with store.transaction() as session:
        for entry in entries:
            student = session.get(Student, entry.id) or Student(id=entry.id)
            student.name, student.email = entry.name, entry.email
            student.display_name, student.lms_id = entry.shown_name, entry.lms_id
            session.add(student)
    _gradebook_students(course, entries)
    return entries


def _gradebook_students(course, entries: list[RosterEntry]) -> None:
    import warnings

    from nbgrader.api import Gradebook

    from grader.autograde.common import gradebook_lock
    from grader.release import scripts_on_path

    with gradebook_lock(course), warnings.catch_warnings(), scripts_on_path():
        warnings.simplefilter("ignore")
        with Gradebook(course.gradebook_url) as gb:
            for entry in entries:
                first, _, last = entry.name.partition(" ")
                gb.update_or_create_student(entry.id, first_name=first or None, last_name=last or None,
                                            email=entry.email, lms_user_id=entry.lms_id)


def list_roster(store) -> list[RosterEntry]:
    from sqlalchemy import select

    from grader.store import Student

    with store.read() as session:
        return [RosterEntry(id=s.id, name=s.name or "", email=s.email, display_name=s.display_name, lms_id=s.lms_id)
                for s in session.scalars(select(Student).order_by(Student.id))]


def display_name(student) -> str:
    """What a public page calls a student: the display name, else the name, else a placeholder (never the id);
    :func:`grader.competitions.standings.member_names` reads the same columns in SQL."""
    from grader.competitions.standings import UNNAMED

    return " ".join((student.display_name or student.name or "").split()) or UNNAMED
