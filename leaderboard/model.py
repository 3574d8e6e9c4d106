"""What the pages show, as plain objects: the templates' data, read through :mod:`leaderboard.engine`.

Every function here takes the store, a competition's configuration and the time
(``(store, cfg, now)``), asks the engine, and touches no file, so the class server
can call it on each request and the static builder once per build. Templates
receive these objects and never touch the database: a page cannot trigger a
query per row (300 teams x 30 submissions stays fast), and what a page shows can
be tested without rendering it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from leaderboard import engine
from leaderboard.engine import MetricInfo, TeamStanding, as_utc
from leaderboard.text import humanize, safe_slug, zone

MIN_STUDENTS_FOR_STATS = engine.MIN_STUDENTS_FOR_STATS
TOP_TEAMS_IN_CHART = 10

Series = list[tuple[datetime, float]]
STATUS_LABELS = {"unreleased": "Not available yet", "upcoming": "Upcoming", "ongoing": "Ongoing",
                 "completed": "Completed"}


@dataclass
class CompetitionView:
    cfg: Any
    slug: str
    metric: MetricInfo
    tz: ZoneInfo
    status: str  # unreleased | upcoming | ongoing | completed
    status_text: str
    n_teams: int
    released: bool  # the starter kit is out: without it the competition is not published
    revealed: bool
    public_rows: list[Any]  # grader.competitions.leaderboard.LeaderboardRow, members by display name
    private_rows: list[Any]
    teams: dict[int, TeamStanding]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def competition_slug(name: str) -> str:
    """The competition's folder in the site: its name when that is a safe file name."""
    return safe_slug(name, "competition-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:10])


def competition_status(cfg, n_teams: int, now: datetime, *, released: bool = True) -> tuple[str, str]:
    if not released:
        return "unreleased", "Not available yet"
    start, deadline = as_utc(cfg.start) if cfg.start else None, as_utc(cfg.deadline)
    if start is not None and now < start:
        return "upcoming", f"Upcoming · starts in {humanize(start - now)}"
    if now >= deadline:
        return "completed", "Completed"
    teams = f"{n_teams} team{'s' if n_teams != 1 else ''}"
    return "ongoing", f"Ongoing · {teams} · ends in {humanize(deadline - now)}"


def competition_view(store, cfg, now: datetime, *, released: bool = True) -> CompetitionView:
    """Everything the competition's pages show at ``now``; ``released``: is its starter kit out."""
    board = engine.standings(store, cfg, now)
    n_teams = sum(1 for team in board.teams.values() if not team.is_benchmark)
    status, status_text = competition_status(cfg, n_teams, now, released=released)
    return CompetitionView(
        cfg=cfg, slug=competition_slug(cfg.name), metric=engine.metric_info(cfg.metric), tz=zone(cfg.timezone),
        status=status, status_text=status_text, n_teams=n_teams, released=released, revealed=board.revealed,
        public_rows=board.public_rows, private_rows=board.private_rows, teams=board.teams,
    )


def chart_series(view: CompetitionView, *, private: bool) -> list[tuple[str, Series]]:
    """(team name, [(time, score)]) of the top ranked teams, for the leaderboard's chart."""
    rows = view.private_rows if private else view.public_rows
    series = []
    for row in [row for row in rows if row.rank is not None][:TOP_TEAMS_IN_CHART]:
        team = view.teams[row.team_id]
        series.append((row.team, team.private_points if private else team.public_points))
    return series


def assignment_views(course, store) -> list[engine.AssignmentStatistics]:
    """Each assignment with the class's statistics of each student's one total (never a student's grade)."""
    return engine.class_statistics(course, store)
