"""Kaggle's leaderboard rules.

- Public leaderboard: each team's best public score over its on-time, scored submissions.
- Final selection: a team selects up to ``final_selections`` submissions
  (``grader select``); without a selection the best N by public score count, as on Kaggle.
- Private leaderboard: each team's best private score among its selected submissions,
  shown only after the deadline or ``grader reveal``; ``delta`` = public rank − private rank.
- After a reveal before the deadline, submissions are still taken (and ranked on the public
  board), but until the deadline their private scores stay hidden, from the private board and
  from their own team (:func:`private_scores_shown_up_to`): the private board shows the standings
  at the reveal.
- Ties go to the earlier submission (then the lower submission id).
- Benchmark teams are listed, marked, and take no rank; late submissions are never ranked
  (their team sees them through :func:`team_submissions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select

from grader.competitions.metrics import get_metric
from grader.competitions.rules import KIND, as_utc, now_utc, rank_key
from grader.competitions.teams import ensure_competition_row, find_team
from grader.errors import CompetitionError, SubmissionError
from grader.store import Competition, Membership, Score, Submission, Team



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


@dataclass(slots=True)
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
    now = now_utc(now)
    if now >= cfg.deadline:
        return True
    with store.read() as session:
        revealed_at = reveal_time(session, cfg)
    return revealed_at is not None and revealed_at <= now


def reveal_time(session, cfg) -> datetime | None:
    """When ``grader reveal`` showed the private leaderboard (None: not revealed)."""
    row = session.get(Competition, cfg.name)
    return as_utc(row.revealed_at) if row is not None and row.revealed_at is not None else None


def private_scores_shown_up_to(cfg, *, revealed_at: datetime | None, now: datetime) -> datetime | None:
    """The private scores anyone may see now are those of submissions made up to this time (None: none).

    After the deadline: all of them. Before it: none until the reveal, then those made up
    to the reveal; a later one's private score waits for the deadline, so submitting after
    a reveal cannot be used to probe the private test rows.
    """
    now = as_utc(now)
    if now >= cfg.deadline:
        return datetime.max.replace(tzinfo=timezone.utc)
    return revealed_at if revealed_at is not None and revealed_at <= now else None


def reveal(store, cfg, now: datetime | None = None) -> datetime:
    """Show the private leaderboard now (before the deadline); returns when it was revealed."""
    now = now_utc(now)
    ensure_competition_row(store, cfg)
    with store.transaction() as session:
        row = session.get(Competition, cfg.name)
        if row.revealed_at is None:
            row.revealed_at = now
        return as_utc(row.revealed_at)


def _sort_key(metric, score: float | None, entry: Entry) -> tuple:
    """Best first; a missing or NaN score last; ties to the earlier submission."""
    return rank_key(metric.greater_is_better, score, entry.submitted_at, entry.submission_id)


def load_entries(session, cfg, team_id: int | None = None, *, texts: bool = True) -> list[Entry]:
    """Every submission of the competition (or of one team) with its newest score, in id order.

    One column query (a submission joined to its newest score), no ORM objects: 9,000
    submissions load in tens of milliseconds. ``texts=False`` leaves out each message and
    error (what public pages never show).
    """
    newest = select(func.max(Score.id)).where(Score.submission_id == Submission.id).correlate(Submission)
    columns = [Submission.id, Submission.team_id, Submission.submitted_at, Submission.status, Submission.is_late,
               Submission.selected, Score.public_score, Score.private_score]
    query = (select(*columns, *((Submission.message, Submission.error) if texts else ()))
             .outerjoin(Score, Score.id == newest.scalar_subquery())
             .where(Submission.kind == KIND, Submission.target == cfg.name))
    if team_id is not None:
        query = query.where(Submission.team_id == team_id)
    return [Entry(row[0], row[1], as_utc(row[2]), row[3], bool(row[4]), bool(row[5]), row[6], row[7],
                  *(row[8:] if texts else ())) for row in session.execute(query.order_by(Submission.id))]


def load_teams(session, cfg) -> tuple[dict[int, Team], dict[int, list[str]]]:
    """The competition's teams by id, and each team's member ids."""
    teams = {t.id: t for t in session.scalars(select(Team).where(Team.competition == cfg.name))}
    members: dict[int, list[str]] = {tid: [] for tid in teams}
    for team_id, student_id in session.execute(
            select(Membership.team_id, Membership.student_id).join(Team, Team.id == Membership.team_id)
            .where(Team.competition == cfg.name).order_by(Membership.id)):
        members[team_id].append(student_id)
    return teams, members


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
    now = now_utc(now)
    with store.read() as session:
        teams, members = load_teams(session, cfg)
        entries = load_entries(session, cfg)
        revealed_at = reveal_time(session, cfg)
    public_rows = rank_teams(cfg, teams, members, entries, private=False)
    if not private:
        return public_rows
    return private_board(cfg, teams, members, entries, public_rows, revealed_at=revealed_at, now=now)


def private_board(cfg, teams, members, entries: list[Entry], public_rows: list[LeaderboardRow], *,
                  revealed_at: datetime | None, now: datetime) -> list[LeaderboardRow]:
    """The private rows from the submissions whose private score is visible now, with rank deltas."""
    shown_up_to = private_scores_shown_up_to(cfg, revealed_at=revealed_at, now=now)
    visible = [e for e in entries if shown_up_to is not None and e.submitted_at <= shown_up_to]
    private_rows = rank_teams(cfg, teams, members, visible, private=True)
    public_rank = {row.team_id: row.rank for row in public_rows}
    for row in private_rows:
        before = public_rank.get(row.team_id)
        row.delta = before - row.rank if row.rank is not None and before is not None else None
    return private_rows


def counts_as_entry(entry: Entry) -> bool:
    """An on-time, valid submission: what a leaderboard row's "entries" counts."""
    return not entry.is_late and entry.status != "invalid"


def rank_teams(cfg, teams, members, entries: list[Entry], *, private: bool) -> list[LeaderboardRow]:
    """Rank each team by its best public (or, over its final selection, private) score."""
    metric = get_metric(cfg.metric)
    by_team: dict[int, list[Entry]] = {}
    for entry in entries:
        by_team.setdefault(entry.team_id, []).append(entry)
    rows: list[tuple[tuple, LeaderboardRow]] = []
    for team_id, team_entries in by_team.items():
        on_time = [e for e in team_entries if counts_as_entry(e)]
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
    """A team's own submissions, late ones included; each private score only once :func:`private_scores_shown_up_to`."""
    now = now_utc(now)
    with store.read() as session:
        entries = load_entries(session, cfg, team_id=find_team(session, cfg, team).id)
        revealed_at = reveal_time(session, cfg)
    shown_up_to = private_scores_shown_up_to(cfg, revealed_at=revealed_at, now=now)
    for entry in entries:
        if shown_up_to is None or entry.submitted_at > shown_up_to:
            entry.private = None
    return entries
