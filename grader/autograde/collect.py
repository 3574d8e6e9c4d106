"""``grader collect PATH``: import submissions into ``submitted/STUDENT/ASSIGNMENT/`` and the store.

Two layouts are understood:

* a folder (or a zip holding one) laid out as nbgrader's ``submitted/``:
  ``STUDENT/ASSIGNMENT/*.ipynb``, with an optional ``timestamp.txt`` beside;
* an LMS download zip with flat Canvas-style names
  ``<student>_<anything>_<assignment>.ipynb`` (Canvas: ``smithjane_12345_67890_01-preprocessing.ipynb``;
  Moodle's "download all" names its folders ``<Full Name>_<id>_assignsubmission_file_``, which the
  folder layout covers once renamed). The student is the text before the first ``_``; the
  assignment is the released assignment whose name the file name ends with.

The timestamp is ``timestamp.txt`` when there is one, else the zip entry's time
or the file's modification time (UTC). Each file goes into the store
content-addressed, with a ``Submission`` row (never a duplicate of the same bytes).
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from grader.errors import SubmissionError
from grader.student_id import check_student_id


@dataclass
class Collected:
    student: str
    assignment: str
    path: Path
    sha256: str
    new: bool


def _parse(parts: tuple[str, ...], assignments: list[str]) -> tuple[str, str] | None:
    """(student, assignment) for a notebook's relative path, or None when it matches neither layout."""
    if len(parts) >= 3 and parts[-2] in assignments:
        return parts[-3], parts[-2]
    name = parts[-1][: -len(".ipynb")]
    if "_" in name:
        student = name.split("_", 1)[0]
        for assignment in sorted(assignments, key=len, reverse=True):
            if name.endswith(assignment) and len(name) > len(assignment):
                return student, assignment
    return None


def _entries(source: Path):
    """(relative parts, bytes, timestamp text or None, datetime) for every notebook in ``source``."""
    if source.is_dir():
        for path in sorted(source.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            stamp = path.parent / "timestamp.txt"
            when = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
            yield path.relative_to(source).parts, path.read_bytes(), \
                stamp.read_text(encoding="utf-8") if stamp.is_file() else None, when
    elif zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            for info in archive.infolist():
                pure = PurePosixPath(info.filename)
                if info.is_dir() or pure.suffix != ".ipynb" or ".." in pure.parts or "__MACOSX" in pure.parts:
                    continue
                stamp_name = str(pure.parent / "timestamp.txt")
                stamp = archive.read(stamp_name).decode("utf-8", "replace") if stamp_name in names else None
                yield pure.parts, archive.read(info), stamp, datetime(*info.date_time, tzinfo=timezone.utc)
    else:
        raise SubmissionError(f"{source} is neither a folder nor a zip file. Give a folder laid out as "
                              "STUDENT/ASSIGNMENT/*.ipynb or an LMS zip.")


def collect(course, source: str | os.PathLike, *, assignments: list[str] | None = None) -> list[Collected]:
    """Import every notebook in ``source``; returns what was imported (``new`` False for a known file)."""
    from sqlalchemy import select

    from grader.autograde.late import parse_timestamp
    from grader.targets import released_assignments
    from grader.store import Store
    from grader.store.models import Student, Submission

    source = Path(source)
    if not source.exists():
        raise SubmissionError(f"{source} does not exist. Give a folder STUDENT/ASSIGNMENT/*.ipynb or an LMS zip.")
    known = assignments or released_assignments(course)
    if not known:
        raise SubmissionError("No assignment has been released yet. Run 'grader release NAME' first.")
    store = Store.open(course)
    collected = []
    for parts, data, stamp_text, when in _entries(source):
        parsed = _parse(tuple(parts), known)
        if parsed is None:
            continue
        student, assignment = parsed
        check_student_id(student, source="/".join(parts), error=SubmissionError)
        try:
            timestamp = parse_timestamp(stamp_text) if stamp_text else when
        except (ValueError, OverflowError):
            timestamp = when
        sha = hashlib.sha256(data).hexdigest()
        folder = course.path("submitted", student, assignment)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{assignment}.ipynb"
        partial = folder / f".{assignment}.ipynb.partial"
        partial.write_bytes(data)
        os.replace(partial, target)
        (folder / "timestamp.txt").write_text(timestamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"), encoding="utf-8")
        store.put_file(data)
        with store.transaction() as session:
            if session.get(Student, student) is None:
                session.add(Student(id=student))
                session.flush()
            exists = session.scalar(select(Submission.id).where(
                Submission.kind == "assignment", Submission.target == assignment,
                Submission.student_id == student, Submission.sha256 == sha)) is not None
            if not exists:
                session.add(Submission(kind="assignment", target=assignment, student_id=student, sha256=sha,
                                       size=len(data), original_name=parts[-1], submitted_at=timestamp,
                                       status="pending"))
        collected.append(Collected(student, assignment, target, sha, not exists))
    if not collected:
        raise SubmissionError(f"No submissions found in {source}: expected STUDENT/ASSIGNMENT/*.ipynb or "
                              f"<student>_..._<assignment>.ipynb for one of: {', '.join(known)}.")
    return collected
