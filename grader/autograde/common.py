"""Things every step shares: statuses, the gradebook lock, nbgrader's resources dict."""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path

# The status of a graded submission, worst first: the first one that applies wins.
STATUSES = ("no_submission", "invalid_notebook", "crashed", "memory_limit", "timeout", "tampered", "graded")


def worst(*statuses: str) -> str:
    """The most serious of several statuses (``graded`` only when all are graded)."""
    present = [s for s in statuses if s]
    return min(present, key=STATUSES.index) if present else "graded"


@contextlib.contextmanager
def gradebook_lock(course):
    """Serialise access to ``gradebook.db`` across parallel workers (an exclusive file lock).

    nbgrader's Gradebook uses SQLite without WAL; two writers at once would
    fail with "database is locked". Every step that opens the gradebook holds
    this lock, which is cheap: the steps only read or write a few rows.
    """
    lock_path = Path(course.root) / ".gradebook.lock"
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def nbgrader_resources(course, assignment: str, student: str, notebook_id: str | None = None) -> dict:
    """The ``resources`` dict nbgrader's converters hand to their preprocessors."""
    notebook_id = notebook_id or assignment
    return {
        "unique_key": notebook_id,
        "output_files_dir": f"{notebook_id}_files",
        "nbgrader": {
            "student": student,
            "assignment": assignment,
            "notebook": notebook_id,
            "db_url": course.gradebook_url,
        },
    }
