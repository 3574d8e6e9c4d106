"""Step 4: the late penalty, from the submission's timestamp and the due date.

Like nbgrader's ``LateSubmissionPlugin``, but configured per assignment in
``assignment.toml``::

    due = 2026-12-01T23:59:00+09:00   # a TOML date-time (or the store's Assignment.due_at)
    late_penalty_per_day = 10         # points off per started day late
    late_penalty_max = 100            # never more than this (default: all the points)

A submission one second late has started its first late day. The penalty is
never more than what the submission earned (a grade never goes below zero).
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

from grader.errors import AssignmentError


def parse_timestamp(text: str) -> datetime:
    """A timestamp as nbgrader writes it in ``timestamp.txt`` (naive times are UTC)."""
    from dateutil.parser import parse

    value = parse(text.strip())
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def read_timestamp(folder: Path) -> datetime | None:
    """The ``timestamp.txt`` of a submission folder, or ``None`` when there is none (or it is unreadable)."""
    path = Path(folder) / "timestamp.txt"
    try:
        return parse_timestamp(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, OverflowError):
        return None


def due_date(assignment_config: dict, stored_due: datetime | None = None) -> datetime | None:
    """The due date: ``due`` in assignment.toml, else the store's ``Assignment.due_at``."""
    due = assignment_config.get("due", stored_due)
    if due is None:
        return None
    if isinstance(due, str):
        try:
            due = parse_timestamp(due)
        except (ValueError, OverflowError):
            raise AssignmentError(f"assignment.toml: due = {due!r} is not a date-time; "
                                  "write it as 2026-12-01T23:59:00+09:00.") from None
    if not isinstance(due, datetime):
        raise AssignmentError(f"assignment.toml: due must be a date-time (2026-12-01T23:59:00+09:00), got {due!r}.")
    return due if due.tzinfo else due.replace(tzinfo=timezone.utc)


def days_late(submitted_at: datetime | None, due: datetime | None) -> int:
    """Started days past the due date (0 when on time or when either date is unknown)."""
    if submitted_at is None or due is None:
        return 0
    seconds = (submitted_at - due).total_seconds()
    return max(0, math.ceil(seconds / 86400))


def late_penalty(*, submitted_at: datetime | None, due: datetime | None, per_day: float,
                 earned: float, maximum: float | None = None) -> float:
    """Points taken off: ``per_day`` for each started late day, capped by ``maximum`` and by ``earned``."""
    penalty = days_late(submitted_at, due) * float(per_day)
    if maximum is not None:
        penalty = min(penalty, float(maximum))
    return round(max(0.0, min(penalty, max(0.0, earned))), 6)


def assess(assignment_config: dict, *, submitted_at: datetime | None, earned: float,
           stored_due: datetime | None = None) -> dict:
    """The late facts of one submission, as kept in the grade's details."""
    due = due_date(assignment_config, stored_due)
    per_day = float(assignment_config.get("late_penalty_per_day", 0) or 0)
    maximum = assignment_config.get("late_penalty_max")
    return {
        "due": due.isoformat() if due else None,
        "submitted_at": submitted_at.isoformat() if submitted_at else None,
        "days_late": days_late(submitted_at, due),
        "penalty": late_penalty(submitted_at=submitted_at, due=due, per_day=per_day, earned=earned,
                                maximum=float(maximum) if maximum is not None else None),
    }
