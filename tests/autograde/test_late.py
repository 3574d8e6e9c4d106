"""The late penalty: started days after the due date times the per-day points, capped."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from grader.autograde import late
from grader.errors import AssignmentError

DUE = datetime(2026, 12, 1, 23, 59, tzinfo=timezone.utc)


@pytest.mark.parametrize("delay, days", [(timedelta(0), 0), (-timedelta(hours=3), 0), (timedelta(seconds=1), 1),
                                         (timedelta(days=1), 1), (timedelta(days=1, seconds=1), 2)])
def test_days_late(delay, days):
    assert late.days_late(DUE + delay, DUE) == days


def test_penalty_per_started_day_capped_by_maximum_and_by_what_was_earned():
    assert late.late_penalty(submitted_at=DUE + timedelta(hours=30), due=DUE, per_day=10, earned=80) == 20
    assert late.late_penalty(submitted_at=DUE + timedelta(days=9), due=DUE, per_day=10, earned=80, maximum=50) == 50
    assert late.late_penalty(submitted_at=DUE + timedelta(days=9), due=DUE, per_day=10, earned=15) == 15
    assert late.late_penalty(submitted_at=None, due=DUE, per_day=10, earned=80) == 0
    assert late.late_penalty(submitted_at=DUE + timedelta(days=3), due=None, per_day=10, earned=80) == 0


def test_assess_reads_assignment_toml_and_falls_back_to_the_store():
    config = {"due": DUE, "late_penalty_per_day": 5}
    facts = late.assess(config, submitted_at=DUE + timedelta(days=2), earned=60)
    assert facts["days_late"] == 2 and facts["penalty"] == 10
    stored = late.assess({"late_penalty_per_day": 5}, submitted_at=DUE + timedelta(days=2), earned=60, stored_due=DUE)
    assert stored["penalty"] == 10
    with pytest.raises(AssignmentError, match="is not a date-time"):
        late.assess({"due": "next tuesday-ish"}, submitted_at=DUE, earned=1)


def test_nbgrader_timestamp_format_is_read(tmp_path):
    (tmp_path / "timestamp.txt").write_text("2026-12-02 10:00:00.000000 UTC")
    assert late.read_timestamp(tmp_path) == datetime(2026, 12, 2, 10, tzinfo=timezone.utc)
    assert late.read_timestamp(tmp_path / "missing") is None
