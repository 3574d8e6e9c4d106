"""The small facts every competition module shares: a submission's kind, UTC times, days, ties.

Kept apart so that no module has to import another one for them (``submit`` ->
``leaderboard`` -> ``kits`` -> ``code_runner`` used to import each other in a circle).
Nothing here touches the store or the file system.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

KIND = "competition"  # Submission.kind of a competition's files (assignments' are "assignment")

# Submissions that never count toward a team's daily limit: refused files, and work the graders lost or
# an instructor cancelled (a failure of the infrastructure must not cost a student an attempt).
NOT_COUNTED = ("invalid", "infra_failed", "cancelled")

TIE_RULE = "Ties are broken by submission time: the earlier submission ranks higher."


def as_utc(moment: datetime | None) -> datetime | None:
    """An aware UTC time; None stays None. The store writes UTC and SQLite hands it back naive."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def now_utc(now: datetime | None = None) -> datetime:
    """``now`` as an aware UTC time (the current time when None): every rule takes a ``now`` to be testable."""
    return as_utc(now) if now is not None else datetime.now(timezone.utc)


def day_window(moment: datetime, zone_name: str) -> tuple[datetime, datetime]:
    """The calendar day containing ``moment`` in the competition's time zone, as UTC bounds."""
    zone = ZoneInfo(zone_name)
    local = as_utc(moment).astimezone(zone)
    start = datetime(local.year, local.month, local.day, tzinfo=zone)
    end = datetime.combine(start.date() + timedelta(days=1), start.time(), tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def local_time(moment: datetime, zone_name: str) -> str:
    """``2026-12-15 23:59 KST``: a time as a student reads it, in the competition's time zone."""
    return as_utc(moment).astimezone(ZoneInfo(zone_name)).strftime("%Y-%m-%d %H:%M %Z")


def rank_key(greater_is_better: bool, score: float | None, submitted_at: datetime, submission_id: int) -> tuple:
    """Sort key of a scored submission: best first, a missing or NaN score last, ties to the earlier one."""
    if score is None or math.isnan(score):
        return (1, 0.0, as_utc(submitted_at), submission_id)
    return (0, -score if greater_is_better else score, as_utc(submitted_at), submission_id)
