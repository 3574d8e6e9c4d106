"""The one place where the site asks the competitions engine for anything.

The site renders what ``grader.competitions`` decides (configuration, metric,
ranking, reveal); it never ranks on its own, so the pages and
``grader leaderboard`` cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from grader.competitions import leaderboard as _board
from grader.competitions.config import list_competitions, load_competition
from grader.competitions.metrics import get_metric
from grader.competitions.rules import as_utc  # noqa: F401  (the site's one as_utc)


@dataclass(frozen=True)
class MetricInfo:
    """What the Overview page says about a metric."""

    name: str
    greater_is_better: bool
    formula_text: str


def competition_configs(course, store) -> list[Any]:
    """Every competition of the course (``<course>/competitions/*/competition.toml``)."""
    return [load_competition(course, name) for name in list_competitions(course)]


def metric_info(name: str) -> MetricInfo:
    metric = get_metric(name)
    return MetricInfo(metric.name, bool(metric.greater_is_better), metric.formula_text or "")


def leaderboard(store, cfg, *, private: bool, now: datetime) -> list[Any]:
    """Rows of the public or private leaderboard (``grader.competitions.leaderboard.LeaderboardRow``)."""
    return _board.leaderboard(store, cfg, private=private, now=now)


def is_revealed(store, cfg, *, now: datetime) -> bool:
    return _board.is_revealed(store, cfg, now=now)
