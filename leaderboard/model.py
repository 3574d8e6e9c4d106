"""What the pages show, read from the store in a few queries per competition.

Templates receive these plain objects and never touch the database, so a page
cannot trigger a query per row (300 teams x 30 submissions stays fast) and what
a page shows can be tested without rendering it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from grader.store.models import Assignment, Membership, Score, Student, Submission, Team
from leaderboard import engine
from leaderboard.engine import MetricInfo, as_utc
from leaderboard.text import humanize, safe_slug, zone

# Class statistics of an assignment appear only once this many students are graded,
# so that a mean can never be one student's grade.
MIN_STUDENTS_FOR_STATS = 5
TOP_TEAMS_IN_CHART = 10


@dataclass
class SubmissionView:
    id: int
    submitted_at: datetime
    file: str
    message: str
    status: str
    error: str
    is_late: bool
    selected: bool
    public_score: float | None
    private_score: float | None


@dataclass
class TeamView:
    id: int
    name: str
    members: list[str]
    is_benchmark: bool
    submissions: list[SubmissionView] = field(default_factory=list)
    public_rank: int | None = None
    private_rank: int | None = None

    @property
    def page(self) -> str:
        return f"teams/team-{self.id}.html"


@dataclass
class CompetitionView:
    cfg: Any
    slug: str
    metric: MetricInfo
    tz: ZoneInfo
    status: str  # upcoming | ongoing | completed
    status_text: str
    n_teams: int
    revealed: bool
    public_rows: list[Any]
    private_rows: list[Any]
    teams: dict[int, TeamView]


@dataclass
class AssignmentView:
    name: str
    title: str
    due_at: datetime | None
    points: float
    graded: int
    mean: float | None
    median: float | None


def competition_status(cfg, n_teams: int, now: datetime) -> tuple[str, str]:
    start, deadline = as_utc(getattr(cfg, "start", None)), as_utc(cfg.deadline)
    if start is not None and now < start:
        return "upcoming", f"Upcoming · starts in {humanize(start - now)}"
    if deadline is not None and now >= deadline:
        return "completed", "Completed"
    teams = f"{n_teams} team{'s' if n_teams != 1 else ''}"
    ends = f" · ends in {humanize(deadline - now)}" if deadline is not None else ""
    return "ongoing", f"Ongoing · {teams}{ends}"


def collect_competition(store, cfg, index: int, now: datetime) -> CompetitionView:
    metric = engine.metric_info(cfg.metric)
    revealed = engine.is_revealed(store, cfg, now=now)
    public_rows = engine.leaderboard(store, cfg, private=False, now=now)
    private_rows = engine.leaderboard(store, cfg, private=True, now=now) if revealed else []
    teams = _teams(store, cfg.name, revealed)
    for row in public_rows:
        if row.team_id in teams:
            teams[row.team_id].public_rank = row.rank
    for row in private_rows:
        if row.team_id in teams:
            teams[row.team_id].private_rank = row.rank
    n_teams = sum(1 for team in teams.values() if not team.is_benchmark)
    status, status_text = competition_status(cfg, n_teams, now)
    return CompetitionView(
        cfg=cfg, slug=safe_slug(cfg.name, f"competition-{index}"), metric=metric, tz=zone(cfg.timezone),
        status=status, status_text=status_text, n_teams=n_teams, revealed=revealed,
        public_rows=public_rows, private_rows=private_rows, teams=teams,
    )


def _teams(store, competition: str, revealed: bool) -> dict[int, TeamView]:
    with store.read() as session:
        teams = {
            team.id: TeamView(id=team.id, name=team.name, members=[], is_benchmark=bool(team.is_benchmark))
            for team in session.scalars(select(Team).where(Team.competition == competition).order_by(Team.id))
        }
        for team_id, student_id, student_name in session.execute(
            select(Membership.team_id, Student.id, Student.name)
            .join(Team, Team.id == Membership.team_id).join(Student, Student.id == Membership.student_id)
            .where(Team.competition == competition).order_by(Membership.id)
        ):
            teams[team_id].members.append(student_name or student_id)
        newest: dict[int, tuple[float | None, float | None]] = {}
        for submission_id, public, private in session.execute(
            select(Score.submission_id, Score.public_score, Score.private_score)
            .join(Submission, Submission.id == Score.submission_id)
            .where(Submission.kind == "competition", Submission.target == competition).order_by(Score.id)
        ):
            newest[submission_id] = (public, private)
        for sub in session.execute(
            select(Submission.id, Submission.team_id, Submission.submitted_at, Submission.original_name,
                   Submission.message, Submission.status, Submission.error, Submission.is_late, Submission.selected)
            .where(Submission.kind == "competition", Submission.target == competition)
            .order_by(Submission.submitted_at, Submission.id)
        ):
            team = teams.get(sub.team_id)
            if team is None:
                continue
            public, private = newest.get(sub.id, (None, None))
            team.submissions.append(SubmissionView(
                id=sub.id, submitted_at=as_utc(sub.submitted_at), file=sub.original_name, message=sub.message or "",
                status=sub.status, error=sub.error or "", is_late=bool(sub.is_late), selected=bool(sub.selected),
                public_score=public, private_score=private if revealed else None,
            ))
    return teams


def chart_series(view: CompetitionView, *, private: bool) -> list[tuple[str, list[tuple[datetime, float]]]]:
    """(team name, [(time, score)]) of the top ranked teams, for the leaderboard chart."""
    rows = view.private_rows if private else view.public_rows
    top = [row for row in rows if row.rank is not None][:TOP_TEAMS_IN_CHART]
    series = []
    for row in top:
        team = view.teams.get(row.team_id)
        if team is None:
            continue
        points = [(s.submitted_at, s.private_score if private else s.public_score) for s in team.submissions
                  if not s.is_late and (s.private_score if private else s.public_score) is not None]
        series.append((row.team, points))
    return series


def collect_assignments(course, store) -> list[AssignmentView]:
    """Each assignment with class-level statistics of each student's grade (:mod:`grader.grades`: one total)."""
    from grader.grades import grade_records

    with store.read() as session:
        assignments = session.scalars(select(Assignment).order_by(Assignment.due_at, Assignment.name)).all()
    percents: dict[str, list[float]] = {}
    for record in grade_records(course, store):
        if record.percent is not None:
            percents.setdefault(record.assignment, []).append(record.percent)
    views = []
    for assignment in assignments:
        values = percents.get(assignment.name, [])
        enough = len(values) >= MIN_STUDENTS_FOR_STATS
        views.append(AssignmentView(
            name=assignment.name, title=assignment.title, due_at=as_utc(assignment.due_at), points=assignment.points,
            graded=len(values), mean=statistics.fmean(values) if enough else None,
            median=statistics.median(values) if enough else None,
        ))
    return views
