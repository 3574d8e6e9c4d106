"""The one place where the site asks the competitions engine for anything.

The site renders what ``grader.competitions`` decides (configuration, metric,
ranking, reveal); it never ranks on its own. Until that package is installed in
this tree, a small fallback below reads the same facts from the store, so the
site can be built and tested. Swapping in the engine is the import at the top of
each function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select

from grader.store.models import Competition, Membership, Score, Submission, Team


@dataclass(frozen=True)
class MetricInfo:
    """What the Overview page says about a metric."""

    name: str
    greater_is_better: bool
    formula_text: str


def _engine():
    try:
        import grader.competitions.leaderboard as engine  # noqa: F401
    except ImportError:
        return None
    return engine


def competition_configs(course, store) -> list[Any]:
    """Every competition of the course, as the engine's config objects."""
    try:
        from grader.competitions.config import list_competitions, load_competition

        return [load_competition(course, name) for name in list_competitions(course)]
    except ImportError:  # the engine's metrics registry is not in this tree yet
        return _fallback_configs(course, store)


def metric_info(name: str) -> MetricInfo:
    try:
        from grader.competitions.metrics import get_metric
    except ImportError:
        return MetricInfo(name, not name.endswith(("_loss", "_error")), "")
    metric = get_metric(name)
    return MetricInfo(metric.name, bool(metric.greater_is_better), metric.formula_text or "")


def leaderboard(store, cfg, *, private: bool, now: datetime) -> list[Any]:
    """Rows of the public or private leaderboard (the engine's LeaderboardRow)."""
    engine = _engine()
    if engine is not None:
        return engine.leaderboard(store, cfg, private=private, now=now)
    return _fallback_leaderboard(store, cfg, private=private, now=now)


def is_revealed(store, cfg, *, now: datetime) -> bool:
    engine = _engine()
    if engine is not None:
        return engine.is_revealed(store, cfg, now=now)
    with store.read() as session:
        row = session.get(Competition, cfg.name)
    revealed_at = as_utc(row.revealed_at) if row is not None else None
    deadline = as_utc(cfg.deadline)
    return (revealed_at is not None and revealed_at <= now) or (deadline is not None and now >= deadline)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; the store writes UTC, so say so."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


# -- fallback: the same facts read from the store ------------------------------------------


@dataclass
class FallbackConfig:
    """The fields of the engine's competition config that the site reads."""

    name: str
    title: str
    metric: str
    deadline: datetime | None
    subtitle: str = ""
    dataset: str = ""
    id_column: str = "id"
    target_columns: list[str] = field(default_factory=lambda: ["label"])
    public_fraction: float = 0.3
    split_seed: int = 2026
    daily_limit: int = 5
    final_selections: int = 2
    max_team_size: int = 4
    start: datetime | None = None
    timezone: str = "UTC"
    score_late: bool = True
    kind: str = "predictions"
    budget_seconds: int | None = None
    folder: Path | None = None
    overview_md: str = ""
    evaluation_md: str = ""
    data_md: str = ""
    class_names: list[str] = field(default_factory=list)


@dataclass
class FallbackRow:
    rank: int | None
    delta: int | None
    team_id: int
    team: str
    members: list[str]
    score: float
    entries: int
    last_submission_at: datetime
    is_benchmark: bool
    submission_id: int


def _fallback_configs(course, store) -> list[FallbackConfig]:
    with store.read() as session:
        rows = session.scalars(select(Competition).order_by(Competition.name)).all()
    tz = course.get("course", "timezone")
    configs = []
    for row in rows:
        folder = course.path("competitions", row.name)
        pages = {f"{page}_md": (folder / f"{page}.md").read_text(encoding="utf-8")
                 for page in ("overview", "evaluation", "data") if (folder / f"{page}.md").is_file()}
        configs.append(FallbackConfig(name=row.name, title=row.title, metric=row.metric, deadline=as_utc(row.deadline),
                                      timezone=tz, folder=folder, **pages))
    return configs


def _fallback_leaderboard(store, cfg, *, private: bool, now: datetime) -> list[FallbackRow]:
    if private and not is_revealed(store, cfg, now=now):
        return []
    higher = metric_info(cfg.metric).greater_is_better
    with store.read() as session:
        teams = {t.id: t for t in session.scalars(select(Team).where(Team.competition == cfg.name))}
        members: dict[int, list[str]] = {}
        for team_id, student_id in session.execute(
            select(Membership.team_id, Membership.student_id).join(Team).where(Team.competition == cfg.name)
            .order_by(Membership.id)
        ):
            members.setdefault(team_id, []).append(student_id)
        subs = session.scalars(
            select(Submission).where(Submission.kind == "competition", Submission.target == cfg.name)
            .order_by(Submission.submitted_at, Submission.id)
        ).all()
        newest: dict[int, Score] = {}
        for score in session.scalars(
            select(Score).join(Submission).where(Submission.target == cfg.name).order_by(Score.id)
        ):
            newest[score.submission_id] = score

    def key(value: float) -> float:
        return -value if higher else value

    by_team: dict[int, list[Submission]] = {}
    for sub in subs:
        by_team.setdefault(sub.team_id, []).append(sub)
    entries: list[tuple[float, datetime, FallbackRow]] = []
    for team_id, team_subs in by_team.items():
        team = teams.get(team_id)
        if team is None:
            continue
        scored = [s for s in team_subs if s.id in newest and not s.is_late
                  and newest[s.id].public_score is not None]
        if private:
            pool = [s for s in scored if s.selected] or sorted(
                scored, key=lambda s: (key(newest[s.id].public_score), as_utc(s.submitted_at)))[: cfg.final_selections]
            pool = [s for s in pool if newest[s.id].private_score is not None]
        else:
            pool = scored
        if not pool:
            continue
        value = (lambda s: newest[s.id].private_score) if private else (lambda s: newest[s.id].public_score)
        best = min(pool, key=lambda s: (key(value(s)), as_utc(s.submitted_at), s.id))
        row = FallbackRow(
            rank=None, delta=None, team_id=team.id, team=team.name, members=members.get(team.id, []),
            score=value(best), entries=sum(1 for s in team_subs if s.status != "invalid"),
            last_submission_at=as_utc(team_subs[-1].submitted_at), is_benchmark=team.is_benchmark,
            submission_id=best.id,
        )
        entries.append((key(row.score), as_utc(best.submitted_at), row))
    entries.sort(key=lambda e: (e[0], e[1], e[2].submission_id))
    rows = [e[2] for e in entries]
    rank = 0
    for row in rows:
        if not row.is_benchmark:
            rank += 1
            row.rank = rank
    if private:
        public_rank = {r.team_id: r.rank for r in _fallback_leaderboard(store, cfg, private=False, now=now)}
        for row in rows:
            if row.rank is not None and public_rank.get(row.team_id) is not None:
                row.delta = public_rank[row.team_id] - row.rank
    return rows
