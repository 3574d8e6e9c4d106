"""``grader collect PATH``: import hand-ins into ``submitted/STUDENT/ASSIGNMENT/`` and the store.

Every file in the folder or zip ends with one outcome, and none is dropped without a word:

- ``collected``: written to ``submitted/<student>/<assignment>/<assignment>.ipynb`` and stored
  content-addressed with a ``Submission`` row (``new`` is False when those bytes were already there);
- ``superseded``: the same student handed in a newer notebook for the assignment (in this download,
  or already in ``submitted/``), or the same bytes twice;
- ``ignored``: not a hand-in by construction (nbgrader's ``timestamp.txt``, macOS/Windows metadata,
  Jupyter checkpoints, Moodle online text, Canvas text entries and URLs), or a file that is not a
  notebook beside the notebook collected for the same student (only notebooks are graded);
- ``skipped``: a hand-in that could not be collected, with the reason (not a notebook, no student
  found, no assignment found, unreadable, too large ...). Any skipped file makes the command exit 1.

Three layouts are understood (see :mod:`grader.autograde.lms_names` for the LMS names): nbgrader's
``STUDENT/ASSIGNMENT/*.ipynb`` (with ``timestamp.txt``), Canvas's bulk download and Moodle's "download
all submissions", in a folder or a zip. The newest hand-in of a student counts: the highest Canvas file
id, then the highest resubmission suffix (``-1``, ``-2``), then the latest time.

Times: nbgrader's ``timestamp.txt``, else the file's modification (or zip entry) time. Canvas and
Moodle downloads carry no hand-in time (their zip entries are stamped with the time of the download),
so their notebooks get no ``timestamp.txt`` and no late penalty from cnnkit: the LMS's late policy
applies; Canvas's LATE mark is kept on the Submission row and shown in the report.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

from grader.autograde.lms_names import LmsName, Roster, assignment_in_name, parse
from grader.errors import SubmissionError
from grader.student_id import is_student_id
from grader.words import plural

COLLECTED, SUPERSEDED, IGNORED, SKIPPED = "collected", "superseded", "ignored", "skipped"
SYSTEM_FILES = {".ds_store": "macOS folder metadata", "thumbs.db": "Windows thumbnail cache",
                "desktop.ini": "Windows folder settings"}
SYSTEM_FOLDERS = {"__MACOSX": "macOS zip metadata", ".ipynb_checkpoints": "a Jupyter checkpoint copy"}
NOT_A_NOTEBOOK = "not a notebook"


@dataclass
class FileOutcome:
    """What became of one file of the download."""

    file: str  # its path inside the folder or zip
    outcome: str  # collected | superseded | ignored | skipped
    reason: str
    student: str | None = None
    assignment: str | None = None
    late: bool = False  # Canvas marked it late
    new: bool = False  # collected, and these bytes were not in the store yet
    sha256: str | None = None

    def to_dict(self) -> dict:
        return {"file": self.file, "outcome": self.outcome, "student": self.student, "assignment": self.assignment,
                "reason": self.reason, "late": self.late, "new": self.new, "sha256": self.sha256}


@dataclass
class CollectReport:
    source: str
    files: list[FileOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for f in self.files if f.outcome == outcome)

    @property
    def complete(self) -> bool:
        """True when no hand-in was skipped (the command's exit status 0)."""
        return self.count(SKIPPED) == 0

    def summary(self) -> str:
        new = sum(1 for f in self.files if f.new)
        line = f"Collected {plural(self.count(COLLECTED), 'notebook')} ({new} new) into submitted/."
        others = [f"{self.count(o)} {o}" for o in (SUPERSEDED, IGNORED, SKIPPED) if self.count(o)]
        if others:
            line += f" Not collected: {', '.join(others)}."
        if not self.complete:
            line += " Fix or hand in the skipped files again, then run 'grader collect' again."
        return line


@dataclass
class _Entry:
    """One file of the download, read only when needed."""

    path: str
    size: int
    when: datetime
    read: Callable[[], bytes]
    stamp: Callable[[], str | None]  # the text of timestamp.txt beside it, if any


@dataclass
class _Candidate:
    outcome: FileOutcome
    copy: Path  # the notebook's bytes, kept on disk until written (a class's notebooks may not fit in memory)
    when: datetime
    time_known: bool
    name: LmsName

    @property
    def newness(self) -> tuple:
        return self.name.file_id, self.name.resubmission, self.when, self.outcome.file


def collect(course, source: str | os.PathLike, *, assignment: str | None = None) -> CollectReport:
    """Import every hand-in in ``source`` (a folder or a zip); every file gets an outcome in the report."""
    from grader.targets import released_assignments

    source = Path(source)
    if not source.exists():
        raise SubmissionError(f"{source} does not exist. Give a folder STUDENT/ASSIGNMENT/*.ipynb or an LMS zip.")
    released = released_assignments(course)
    if not released:
        raise SubmissionError("No assignment has been released yet. Run 'grader release NAME' first.")
    if assignment is not None and assignment not in released:
        raise SubmissionError(f"--assignment {assignment!r} is not a released assignment. "
                              f"Released assignments: {', '.join(released)}.")
    assignments = [assignment] if assignment else released
    roster = _roster(course)
    limit = int(course.get("server", "max_notebook_mb")) * 1_000_000
    report = CollectReport(str(source))
    candidates: list[_Candidate] = []
    with tempfile.TemporaryDirectory(prefix="grader-collect-") as scratch:
        for entry in _entries(source):
            found = _examine(entry, assignments, assignment, roster, limit, Path(scratch))
            if isinstance(found, _Candidate):
                candidates.append(found)
                report.files.append(found.outcome)
            else:
                report.files.append(found)
        if not report.files:
            raise SubmissionError(f"No files found in {source}. Give a folder or an LMS zip (Canvas, Moodle) of "
                                  "hand-ins.")
        for chosen in _newest(candidates):
            _write(course, chosen)
    _companions(report)
    return report


def _companions(report: CollectReport) -> None:
    """A file that is not a notebook, beside a notebook collected for the same student, is ignored:
    only notebooks are graded, and no hand-in was lost. Alone, it stays skipped."""
    collected = {(f.student, f.assignment) for f in report.files if f.outcome == COLLECTED}
    students = {student for student, _assignment in collected}
    for f in report.files:
        if f.outcome == SKIPPED and f.reason.startswith(NOT_A_NOTEBOOK + " (") and f.student is not None \
                and ((f.student, f.assignment) in collected or (f.assignment is None and f.student in students)):
            f.outcome = IGNORED
            f.reason = "not a notebook, beside the notebook collected for this student (only notebooks are graded)"


def _roster(course) -> Roster:
    from sqlalchemy import select

    from grader.store import Store, Student

    with Store.open(course).read() as session:
        return Roster([tuple(row) for row in session.execute(select(Student.id, Student.name, Student.lms_id))])


def _entries(source: Path) -> Iterator[_Entry]:
    if source.is_dir():
        for path in sorted(p for p in source.rglob("*") if p.is_file() or p.is_symlink()):
            yield _file_entry(source, path)
    elif zipfile.is_zipfile(source):
        try:
            with zipfile.ZipFile(source) as archive:
                names = set(archive.namelist())
                for info in archive.infolist():
                    if not info.is_dir():
                        yield _zip_entry(archive, info, names)
        except (zipfile.BadZipFile, OSError) as exc:
            raise SubmissionError(f"{source} cannot be read as a zip file ({exc}). Download it again.") from None
    else:
        raise SubmissionError(f"{source} is neither a folder nor a zip file. Give a folder laid out as "
                              "STUDENT/ASSIGNMENT/*.ipynb or an LMS zip (Canvas, Moodle).")


def _file_entry(root: Path, path: Path) -> _Entry:
    stamp = path.parent / "timestamp.txt"

    def read() -> bytes:
        if path.is_symlink():  # a link in an unpacked download may point anywhere on this machine
            raise OSError("a symbolic link, not a file")
        return path.read_bytes()

    info = path.lstat()
    return _Entry(path.relative_to(root).as_posix(), info.st_size,
                  datetime.fromtimestamp(info.st_mtime, tz=timezone.utc), read,
                  lambda: stamp.read_text(encoding="utf-8", errors="replace") if stamp.is_file() else None)


def _zip_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, names: set[str]) -> _Entry:
    stamp = str(PurePosixPath(info.filename).parent / "timestamp.txt")
    try:
        when = datetime(*info.date_time, tzinfo=timezone.utc)
    except ValueError:
        when = datetime.now(timezone.utc)
    return _Entry(info.filename, info.file_size, when, lambda: archive.read(info),
                  lambda: archive.read(stamp).decode("utf-8", "replace") if stamp in names else None)


def _examine(entry: _Entry, assignments: list[str], given: str | None, roster: Roster, limit: int,
             scratch: Path) -> _Candidate | FileOutcome:
    """The candidate hand-in ``entry`` is, or the outcome that says why it is none."""
    parts = tuple(p for p in PurePosixPath(entry.path).parts if p not in ("", "."))

    def outcome(kind: str, reason: str, **found) -> FileOutcome:
        return FileOutcome(entry.path, kind, reason, **found)

    if not parts or ".." in parts or entry.path.startswith(("/", "\\")):
        return outcome(SKIPPED, "unsafe path: it points outside the download")
    system = next((why for folder, why in SYSTEM_FOLDERS.items() if folder in parts[:-1]), None)
    system = system or SYSTEM_FILES.get(parts[-1].lower()) or (
        "macOS file metadata (AppleDouble)" if parts[-1].startswith("._") else None)
    if system:
        return outcome(IGNORED, system)
    if parts[-1] == "timestamp.txt":
        return outcome(IGNORED, "nbgrader's hand-in time, read with the notebook beside it")
    name = parse(parts, assignments)
    if name.ignore:
        return outcome(IGNORED, name.ignore)
    student, how = _student(name, roster)
    target, why = (given or name.folder_assignment), None
    if target is None and student is not None:
        target, why = assignment_in_name(name.own_name, assignments)
    if not parts[-1].lower().endswith(".ipynb"):
        suffix = PurePosixPath(parts[-1]).suffix or "no extension"
        return outcome(SKIPPED, f"{NOT_A_NOTEBOOK} ({suffix}): hand in the .ipynb file", student=student,
                       assignment=target, late=name.late)
    if student is None:
        return outcome(SKIPPED, how, late=name.late)
    if target is None:
        return outcome(SKIPPED, why, student=student, late=name.late)
    found = {"student": student, "assignment": target, "late": name.late}
    if entry.size > limit:
        return outcome(SKIPPED, f"too large: {entry.size / 1e6:.1f} MB; a notebook may have {limit // 1_000_000} MB "
                                "([server] max_notebook_mb)", **found)
    try:
        data = entry.read()
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error, RuntimeError, ValueError) as exc:  # Runtime: encrypted
        return outcome(SKIPPED, f"unreadable: {exc}", **found)
    copy = scratch / f"{hashlib.sha256(entry.path.encode()).hexdigest()}.ipynb"  # one per file of the download
    problem = _notebook_problem(data, copy)
    if problem:
        return outcome(SKIPPED, f"not a notebook: {problem}", **found)
    when, time_known = _hand_in_time(entry, name)
    late = "; marked late by Canvas" if name.late else ""
    result = outcome(COLLECTED, f"student {how}{late}", sha256=hashlib.sha256(data).hexdigest(), **found)
    return _Candidate(result, copy, when, time_known, name)


def _student(name: LmsName, roster: Roster) -> tuple[str | None, str]:
    if name.unmatched:
        return None, name.unmatched
    if name.layout == "nbgrader":
        if not is_student_id(name.folder_student):
            return None, (f"the folder name {name.folder_student!r} is not a usable student id (letters, digits, "
                          "'.', '_', '@', '-'): rename the folder to the student's id")
        return name.folder_student, "by folder"
    found = {"canvas": roster.canvas, "moodle": roster.moodle}.get(name.layout, roster.plain)(name)
    return found.student, found.how


def _notebook_problem(data: bytes, path: Path) -> str | None:
    """Why ``data`` (written to ``path``) is not a Jupyter notebook the grader can run (None when it is one)."""
    from grader.autograde.tamper import InvalidNotebook, read_notebook

    path.write_bytes(data)
    try:
        read_notebook(path)
    except InvalidNotebook as exc:
        return str(exc)
    return None


def _hand_in_time(entry: _Entry, name: LmsName) -> tuple[datetime, bool]:
    """When it was handed in, and whether that is known (LMS downloads carry no hand-in time)."""
    from grader.autograde.late import parse_timestamp

    if name.layout in ("canvas", "moodle"):
        return entry.when, False
    text = entry.stamp()
    if text:
        try:
            return parse_timestamp(text), True
        except (ValueError, OverflowError):
            pass
    return entry.when, True


def _newest(candidates: list[_Candidate]) -> list[_Candidate]:
    """The newest candidate of each (student, assignment); the others are marked superseded."""
    groups: dict[tuple[str, str], list[_Candidate]] = {}
    for candidate in candidates:
        groups.setdefault((candidate.outcome.student, candidate.outcome.assignment), []).append(candidate)
    chosen = []
    for group in groups.values():
        group.sort(key=lambda c: c.newness, reverse=True)
        newest = group[0]
        for older in group[1:]:
            older.outcome.outcome = SUPERSEDED
            older.outcome.reason = (f"the same file as {newest.outcome.file}" if older.outcome.sha256 ==
                                    newest.outcome.sha256 else f"older than {newest.outcome.file} (the newest counts)")
        chosen.append(newest)
    return chosen


def _write(course, candidate: _Candidate) -> None:
    """Write the hand-in into ``submitted/`` and the store, unless a newer one is already there."""
    from sqlalchemy import select

    from grader.autograde.late import read_timestamp
    from grader.store import Store, Student, Submission

    result, data = candidate.outcome, candidate.copy.read_bytes()
    student, assignment = result.student, result.assignment
    folder = course.path("submitted", student, assignment)
    target = folder / f"{assignment}.ipynb"
    current = target.read_bytes() if target.is_file() else None
    current_time = read_timestamp(folder) if current is not None else None
    if current is not None and current != data and candidate.time_known and current_time is not None \
            and current_time > candidate.when:
        result.outcome = SUPERSEDED
        result.reason = f"submitted/{student}/{assignment}/ already holds a newer hand-in ({current_time:%Y-%m-%d %H:%M} UTC)"
        return
    store = Store.open(course)
    store.put_file(data)
    folder.mkdir(parents=True, exist_ok=True)
    if current != data:
        partial = folder / f".{assignment}.ipynb.partial"
        partial.write_bytes(data)
        os.replace(partial, target)
    stamp = folder / "timestamp.txt"
    if candidate.time_known:
        stamp.write_text(candidate.when.strftime("%Y-%m-%d %H:%M:%S.%f %Z"), encoding="utf-8")
    else:
        stamp.unlink(missing_ok=True)  # a stale time would set the late penalty of a file it does not belong to
    with store.transaction() as session:
        if session.get(Student, student) is None:
            session.add(Student(id=student))
            session.flush()
        exists = session.scalar(select(Submission.id).where(
            Submission.kind == "assignment", Submission.target == assignment,
            Submission.student_id == student, Submission.sha256 == result.sha256)) is not None
        if not exists:
            session.add(Submission(kind="assignment", target=assignment, student_id=student, sha256=result.sha256,
                                   size=len(data), original_name=result.file[-512:],
                                   submitted_at=candidate.when, status="pending", is_late=result.late))
    result.new = not exists
    if current == data:
        result.reason = f"already collected ({result.reason})"


def outcome_counts(report: CollectReport) -> dict[str, int]:
    """``{outcome: count}`` for every outcome (zeros included), as ``--json`` reports them."""
    counts = Counter(f.outcome for f in report.files)
    return {kind: counts.get(kind, 0) for kind in (COLLECTED, SUPERSEDED, IGNORED, SKIPPED)}
