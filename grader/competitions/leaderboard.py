"""Kaggle's leaderboard rules.

- Public leaderboard: each team's best public score over its on-time, scored submissions.
- Final selection: a team selects up to ``final_selections`` submissions
  (``grader select``); without a selection the best N by public score count, as on Kaggle.
- Private leaderboard: each team's best private score among its selected submissions,
  shown only after the deadline or ``grader reveal``; ``delta`` = public rank − private rank.
- Ties go to the earlier submission (then the lower submission id).
- Benchmark teams are listed, marked, and take no rank; late submissions are never ranked
  (their team sees them through :func:`team_submissions`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from grader.competitions.metrics import get_metric
from grader.competitions.submit import KIND, as_utc
from grader.competitions.teams import ensure_competition_row, find_team
from grader.errors import CompetitionError, SubmissionError
from grader.store import Competition, Membership, Score, Submission, Team

TIE_RULE = "Ties are broken by submission time: the earlier submission ranks higher."


@dataclass
class LeaderboardRow:
    rank: int | None  # None for benchmarks
    delta: int | None  # public rank − private rank (private board only)
    team_id: int
    team: str
    members: list[str]
    score: float
    entries: int
    last_submission_at: datetime
    is_benchmark: bool
    submission_id: int


@dataclass
class Entry:
    """One submission as the leaderboard sees it (its newest score)."""

    submission_id: int
    team_id: int
    submitted_at: datetime
    status: str
    is_late: bool
    selected: bool
    public: float | None
    private: float | None
    message: str | None = None
    error: str | None = None


def is_revealed(store, cfg, now: datetime | None = None) -> bool:
    """Is the private leaderboard visible: past the deadline, or revealed by the instructor?"""
    now = as_utc(now or datetime.now(timezone.utc))
    if now >= cfg.deadline:
        return True
    with store.read() as session:
        row = session.get(Competition, cfg.name)
        return bool(row and row.revealed_at is not None and as_utc(row.revealed_at) <= now)


def reveal(store, cfg, now: datetime | None = None) -> datetime:
    """Show the private leaderboard now (before the deadline); returns when it was revealed."""
    now = as_utc(now or datetime.now(timezone.utc))
    ensure_competition_row(store, cfg)
    with store.transaction() as session:
        row = session.get(Competition, cfg.name)
        if row.revealed_at is None:
            row.revealed_at = now
        return as_utc(row.revealed_at)


def _sort_key(metric, score: float | None, entry: Entry) -> tuple:
    """Best first; a missing or NaN score last; ties to the earlier submission."""
    if score is None or math.isnan(score):
        return (1, 0.0, as_utc(entry.submitted_at), entry.submission_id)
    return (0, -score if metric.greater_is_better else score, as_utc(entry.submitted_at), entry.submission_id)


def load_entries(session, cfg, team_id: int | None = None) -> list[Entry]:
    query = select(Submission).where(Submission.kind == KIND, Submission.target == cfg.name)
    if team_id is not None:
        query = query.where(Submission.team_id == team_id)
    submissions = session.scalars(query.order_by(Submission.id)).all()
    newest: dict[int, Score] = {}
    ids = [s.id for s in submissions]
    for start in range(0, len(ids), 500):
        for score in session.scalars(select(Score).where(Score.submission_id.in_(ids[start:start + 500]))
                                     .order_by(Score.id)):
            newest[score.submission_id] = score
    return [Entry(submission_id=s.id, team_id=s.team_id, submitted_at=as_utc(s.submitted_at), status=s.status,
                  is_late=s.is_late, selected=s.selected,
                  public=newest[s.id].public_score if s.id in newest else None,
                  private=newest[s.id].private_score if s.id in newest else None,
                  message=s.message, error=s.error) for s in submissions]


def final_selection(cfg, entries: list[Entry]) -> list[Entry]:
    """The submissions that count for the private board: the team's choice, else its best N public."""
    metric = get_metric(cfg.metric)
    eligible = [e for e in entries if e.status == "scored" and not e.is_late]
    chosen = [e for e in eligible if e.selected]
    if chosen:
        return chosen
    return sorted(eligible, key=lambda e: _sort_key(metric, e.public, e))[: cfg.final_selections]


def leaderboard(store, cfg, private: bool = False, now: datetime | None = None) -> list[LeaderboardRow]:
    """The ranked rows, best first. The private board raises until :func:`is_revealed`."""
    if private and not is_revealed(store, cfg, now):
        raise CompetitionError(
            f"The private leaderboard of {cfg.name} is hidden until the deadline "
            f"({cfg.deadline.isoformat()}). Run 'grader reveal {cfg.name}' to show it now.")
    with store.read() as session:
        teams = {t.id: t for t in session.scalars(select(Team).where(Team.competition == cfg.name))}
        members: dict[int, list[str]] = {tid: [] for tid in teams}
        for membership in session.scalars(select(Membership).where(Membership.team_id.in_(list(teams) or [-1]))):
            members[membership.team_id].append(membership.student_id)
        entries = load_entries(session, cfg)
    public_rows = _rank(cfg, teams, members, entries, private=False)
    if not private:
        return public_rows
    private_rows = _rank(cfg, teams, members, entries, private=True)
    public_rank = {row.team_id: row.rank for row in public_rows}
    for row in private_rows:
        before = public_rank.get(row.team_id)
        row.delta = before - row.rank if row.rank is not None and before is not None else None
    return private_rows


def _rank(cfg, teams, members, entries: list[Entry], *, private: bool) -> list[LeaderboardRow]:
    metric = get_metric(cfg.metric)
    by_team: dict[int, list[Entry]] = {}
    for entry in entries:
        by_team.setdefault(entry.team_id, []).append(entry)
    rows: list[tuple[tuple, LeaderboardRow]] = []
    for team_id, team_entries in by_team.items():
        on_time = [e for e in team_entries if not e.is_late and e.status != "invalid"]
        if private:
            candidates = final_selection(cfg, team_entries)
            score_of = lambda e: e.private  # noqa: E731
        else:
            candidates = [e for e in on_time if e.status == "scored"]
            score_of = lambda e: e.public  # noqa: E731
        if not candidates:
            continue
        best = min(candidates, key=lambda e: _sort_key(metric, score_of(e), e))
        team = teams[team_id]
        row = LeaderboardRow(rank=None, delta=None, team_id=team_id, team=team.name,
                             members=sorted(members.get(team_id, [])), score=score_of(best),
                             entries=len(on_time), last_submission_at=max(e.submitted_at for e in on_time),
                             is_benchmark=team.is_benchmark, submission_id=best.submission_id)
        rows.append((_sort_key(metric, score_of(best), best), row))
    rows.sort(key=lambda pair: pair[0])
    rank = 0
    for _key, row in rows:
        if not row.is_benchmark:
            rank += 1
            row.rank = rank
    return [row for _key, row in rows]


def select_submissions(store, cfg, *, team: str, submission_ids: list[int], now: datetime | None = None) -> list[int]:
    """Make ``submission_ids`` the team's final selection (replacing any earlier one)."""
    from grader.words import plural

    if is_revealed(store, cfg, now):
        raise SubmissionError(f"Selections for {cfg.name} are closed: the private leaderboard is out.")
    ids = list(dict.fromkeys(int(i) for i in submission_ids))
    if not ids:
        raise SubmissionError(f"Give the ids of 1 to {plural(cfg.final_selections, 'submission')} to select "
                              f"(see 'grader submissions {cfg.name} --team {team}' or the team page for ids).")
    if len(ids) > cfg.final_selections:
        raise SubmissionError(f"{cfg.name} allows {plural(cfg.final_selections, 'final selection')}; {len(ids)} were given.")
    with store.transaction() as session:
        team_row = find_team(session, cfg, team)
        rows = {s.id: s for s in session.scalars(select(Submission).where(
            Submission.kind == KIND, Submission.target == cfg.name, Submission.team_id == team_row.id))}
        for submission_id in ids:
            row = rows.get(submission_id)
            if row is None:
                raise SubmissionError(f"Submission {submission_id} is not one of team '{team}''s submissions "
                                      f"to {cfg.name}.")
            if row.is_late or row.status != "scored":
                why = "late" if row.is_late else f"{row.status}, not scored"
                raise SubmissionError(f"Submission {submission_id} cannot be selected: it is {why}.")
        for row in rows.values():
            row.selected = row.id in ids
    return ids


def team_submissions(store, cfg, team: str, now: datetime | None = None) -> list[Entry]:
    """A team's own submissions, late ones included; private scores only once revealed."""
    revealed = is_revealed(store, cfg, now)
    with store.read() as session:
        entries = load_entries(session, cfg, team_id=find_team(session, cfg, team).id)
    if not revealed:
        for entry in entries:
            entry.private = None
    return entries
