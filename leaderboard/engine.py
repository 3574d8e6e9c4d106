"""The one place where the site asks the grader's engine for anything.

The site renders what ``grader.competitions`` decides (configuration, metric, ranking,
reveal, what a public page may show) and what ``grader.autograde`` says about grades;
it runs no SQL and ranks nothing on its own, so the pages, ``grader leaderboard`` and
the class server cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from grader.grades import MIN_STUDENTS_FOR_STATS, AssignmentStatistics, class_statistics
from grader.competitions import leaderboard as _board
from grader.competitions.config import list_competitions, load_competition
from grader.competitions.metrics import get_metric
from grader.competitions.standings import Standings, TeamStanding, standings
from grader.competitions.rules import as_utc

__all__ = ["MIN_STUDENTS_FOR_STATS", "AssignmentStatistics", "MetricInfo", "Standings", "TeamStanding", "as_utc",
           "class_statistics", "competition_configs", "leaderboard", "metric_info", "rules", "standings"]


@dataclass(frozen=True)
class MetricInfo:
    """What the Overview page says about a metric."""

    name: str
    greater_is_better: bool
    formula_text: str


def competition_configs(course) -> list[Any]:
    """Every competition of the course (``<course>/competitions/*/competition.toml``)."""
    return [load_competition(course, name) for name in list_competitions(course)]


def metric_info(name: str) -> MetricInfo:
    metric = get_metric(name)
    return MetricInfo(metric.name, bool(metric.greater_is_better), metric.formula_text or "")


def leaderboard(store, cfg, *, private: bool, now: datetime) -> list[Any]:
    """Rows of the public or private leaderboard as ``grader leaderboard`` ranks them (member ids, not names)."""
    return _board.leaderboard(store, cfg, private=private, now=now)


def rules(cfg) -> list[str]:
    """The competition's rules in words, as its starter kit's README states them."""
    from grader.competitions.kits import rules as kit_rules

    return kit_rules(cfg)
