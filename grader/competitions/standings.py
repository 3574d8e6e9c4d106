"""What public pages may show of a competition: every team's standing, read in a few queries.

    board = standings(store, cfg, now)   # board.public_rows, board.private_rows, board.teams[team_id]

The static site and the class server both read this (through ``leaderboard/engine.py``),
so they show the same thing; neither runs SQL of its own. The rules are
:mod:`grader.competitions.leaderboard`'s: the rows are its rows, the private board and
private scores appear only when :func:`~grader.competitions.leaderboard.private_scores_shown_up_to`
says so. Members are shown by display name, never by student id; file names, messages
and error texts of submissions are not here at all (they are for their team only,
through :func:`~grader.competitions.leaderboard.team_submissions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select

from grader.competitions.leaderboard import (
    LeaderboardRow,
    counts_as_entry,
    load_entries,
    load_teams,
    private_board,
    private_scores_shown_up_to,
    rank_teams,
    reveal_time,
)
from grader.competitions.rules import as_utc
from grader.store import Membership, Student, Team

UNNAMED = "Anonymous"  # a member who has no display name (their id is never shown)



class ScorePoint(NamedTuple):
    """One on-time, scored submission of a team: when, its public score, its private score if visible now."""

    at: datetime
    public: float
    private: float | None


@dataclass
class TeamStanding:
    """One team as a public page shows it."""

    id: int
    name: str
    members: list[str]  # display names
    is_benchmark: bool
    entries: int = 0  # on-time, valid submissions, as the leaderboard counts them
    last_submission_at: datetime | None = None
    public_rank: int | None = None
    public_score: float | None = None
    private_rank: int | None = None
    private_score: float | None = None
    scores: list[ScorePoint] = field(default_factory=list)  # in submission order

    @property
    def public_points(self) -> list[tuple[datetime, float]]:
        return [(point.at, point.public) for point in self.scores]

    @property
    def private_points(self) -> list[tuple[datetime, float]]:
        return [(point.at, point.private) for point in self.scores if point.private is not None]


@dataclass
class Standings:
    revealed: bool
    public_rows: list[LeaderboardRow]  # members are display names
    private_rows: list[LeaderboardRow]  # empty until revealed
    teams: dict[int, TeamStanding]


def member_names(session, cfg) -> dict[int, list[str]]:
    """Each team's members by the name public pages show; the one place that picks the column."""
    names: dict[int, list[str]] = {}
    for team_id, name in session.execute(
            select(Membership.team_id, func.coalesce(Student.display_name, Student.name))
            .join(Team, Team.id == Membership.team_id).join(Student, Student.id == Membership.student_id)
            .where(Team.competition == cfg.name).order_by(Membership.id)):
        names.setdefault(team_id, []).append(" ".join((name or "").split()) or UNNAMED)
    return names


def standings(store, cfg, now: datetime) -> Standings:
    """Both leaderboards and every team's standing at ``now`` (the private board once revealed)."""
    now = as_utc(now)
    with store.snapshot() as session:  # one moment: a team forming meanwhile is all there or not at all
        teams, member_ids = load_teams(session, cfg)
        names = member_names(session, cfg)
        entries = load_entries(session, cfg, texts=False)
        revealed_at = reveal_time(session, cfg)
    shown_up_to = private_scores_shown_up_to(cfg, revealed_at=revealed_at, now=now)
    revealed = shown_up_to is not None
    public_rows = rank_teams(cfg, teams, member_ids, entries, private=False)
    private_rows = private_board(cfg, teams, member_ids, entries, public_rows, revealed_at=revealed_at, now=now) \
        if revealed else []
    shown = {tid: TeamStanding(id=tid, name=team.name, members=names.get(tid, []), is_benchmark=bool(team.is_benchmark))
             for tid, team in sorted(teams.items())}
    for entry in entries:
        team = shown.get(entry.team_id)
        if team is None or not counts_as_entry(entry):
            continue
        team.entries += 1
        if team.last_submission_at is None or entry.submitted_at > team.last_submission_at:
            team.last_submission_at = entry.submitted_at
        if entry.status != "scored" or entry.public is None:
            continue
        private = entry.private if revealed and entry.submitted_at <= shown_up_to else None
        team.scores.append(ScorePoint(entry.submitted_at, entry.public, private))
    for row in public_rows:
        shown[row.team_id].public_rank, shown[row.team_id].public_score = row.rank, row.score
    for row in private_rows:
        shown[row.team_id].private_rank, shown[row.team_id].private_score = row.rank, row.score
    return Standings(revealed=revealed, teams=shown,
                     public_rows=[replace(row, members=shown[row.team_id].members) for row in public_rows],
                     private_rows=[replace(row, members=shown[row.team_id].members) for row in private_rows])
