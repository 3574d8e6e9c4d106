"""Competitions as a student or an instructor meets them: teams, submissions, selections, boards.

    view = submit(course, store, who, "digit-recognizer", data, filename="sub.csv", message="v2")
    view.id, view.status, view.public_score, view.errors

A student acts for their own team (a student without one who submits becomes a
one-person team under their display name, as on Kaggle) and sees only their
team's files, errors and scores; private scores appear only where the engine
says they may (:func:`grader.competitions.leaderboard.team_submissions`).
An instructor acts for any team, naming it. Unreleased competitions do not exist
for students. Errors: :class:`~grader.errors.NotFound` (also for another team's
submission: a student never learns it exists), ``PermissionDenied``, ``TeamError``,
``SubmissionError`` (the file), ``LimitExceeded`` (the daily limit), ``TooLarge``.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from grader.auth import Principal
from grader.errors import NotFound, PermissionDenied, TeamError, TooLarge

INVITE_CODE_BYTES = 6


@dataclass
class SubmissionView:
    """One submission as its team (or an instructor) sees it."""

    id: int
    competition: str
    team: str
    submitted_at: datetime
    file: str
    message: str
    status: str
    error: str | None
    errors: list[str] = field(default_factory=list)
    more_errors: int = 0
    is_late: bool = False
    selected: bool = False
    public_score: float | None = None
    private_score: float | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["submitted_at"] = self.submitted_at.isoformat()
        return data


@dataclass
class TeamView:
    id: int
    name: str
    members: list[str]  # display names
    invite_code: str | None  # shown to members and instructors only
    submissions: int
    max_size: int

    @property
    def can_leave(self) -> bool:
        return self.submissions == 0


# ---------------------------------------------------------------- which competitions


def is_released(course, name: str) -> bool:
    """A competition exists for students once its starter kit is released."""
    return course.path("release", f"{name}.zip").is_file() and course.path("release", name).is_dir()


def competition_names(course, who: Principal) -> list[str]:
    from grader.competitions.config import list_competitions

    names = list_competitions(course)
    return names if who.is_instructor else [n for n in names if is_released(course, n)]


def get(course, who: Principal, name: str):
    """The competition's configuration, or NotFound (unknown, or not released to a student)."""
    from grader.competitions.config import list_competitions, load_competition

    if name not in list_competitions(course) or (not who.is_instructor and not is_released(course, name)):
        raise NotFound(f"There is no competition '{name}'.")
    return load_competition(course, name)


# ---------------------------------------------------------------- teams


def team_of(store, cfg, who: Principal):
    """The caller's team row in ``cfg`` (None when they have none; instructors have none)."""
    if who.is_instructor:
        return None
    with store.read() as session:
        return _team_row(session, cfg, who.id)


def _team_row(session, cfg, student: str):
    from grader.store import Membership, Team

    return session.scalar(select(Team).join(Membership, Membership.team_id == Team.id)
                          .where(Team.competition == cfg.name, Membership.student_id == student))


def team_view(store, cfg, team_id: int) -> TeamView:
    from grader.roster import display_name
    from grader.store import Membership, Student, Submission, Team

    with store.read() as session:
        team = session.get(Team, team_id)
        members = session.scalars(select(Student).join(Membership, Membership.student_id == Student.id)
                                  .where(Membership.team_id == team_id).order_by(Membership.id)).all()
        count = session.scalar(select(func.count()).select_from(Submission).where(Submission.team_id == team_id))
        return TeamView(id=team.id, name=team.name, members=[display_name(m) for m in members],
                        invite_code=team.invite_code, submissions=int(count or 0), max_size=cfg.max_team_size)


def my_team(store, cfg, who: Principal) -> TeamView | None:
    team = team_of(store, cfg, who)
    return team_view(store, cfg, team.id) if team is not None else None


def create_team(store, cfg, who: Principal, name: str) -> TeamView:
    """A new team with the caller as its first member, and an invite code for the others."""
    from grader.competitions.teams import add_team

    _student_only(who, "create a team")
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise TeamError("A team name needs 1 to 100 characters.")
    if team_of(store, cfg, who) is not None:
        raise TeamError(f"You are already in a team in {cfg.title}. Leave it first to start another.")
    if _team_by_name(store, cfg, name) is not None:
        raise TeamError(f"The name '{name}' is taken in {cfg.title}. Choose another.")
    info = add_team(store, cfg, name=name, members=[who.id])
    _give_invite_code(store, info.id)
    return team_view(store, cfg, info.id)


def join_team(store, cfg, who: Principal, code: str) -> TeamView:
    """Join the team whose invite code is ``code`` (the team's size limit applies)."""
    from grader.competitions.teams import add_team
    from grader.store import Team

    _student_only(who, "join a team")
    code = (code or "").strip()
    with store.read() as session:
        team = session.scalar(select(Team).where(Team.competition == cfg.name, Team.invite_code == code)) \
            if code else None
    if team is None:
        raise TeamError("No team of this competition has that invite code. Ask a member for the code on their "
                        "Team page.")
    if team_of(store, cfg, who) is not None:
        raise TeamError(f"You are already in a team in {cfg.title}. Leave it first (before it submits).")
    add_team(store, cfg, name=team.name, members=[who.id])
    return team_view(store, cfg, team.id)


def leave_team(store, cfg, who: Principal) -> None:
    """Leave one's team, only before its first submission (its results are then fixed); an empty team goes."""
    from grader.store import Submission

    _student_only(who, "leave a team")
    with store.transaction() as session:
        team = _team_row(session, cfg, who.id)
        if team is None:
            raise TeamError(f"You are not in a team in {cfg.title}.")
        if session.scalar(select(func.count()).select_from(Submission).where(Submission.team_id == team.id)):
            raise TeamError(f"Team '{team.name}' has submitted, so its members are fixed. Ask your instructor "
                            "if you must change teams.")
        for membership in list(team.members):
            if membership.student_id == who.id:
                team.members.remove(membership)
        session.flush()
        if not team.members:
            session.delete(team)


def _team_by_name(store, cfg, name: str):
    from grader.store import Team

    with store.read() as session:
        return session.scalar(select(Team).where(Team.competition == cfg.name, Team.name == name))


def _give_invite_code(store, team_id: int) -> None:
    from grader.store import Team

    with store.transaction() as session:
        team = session.get(Team, team_id)
        if team.invite_code is None:
            team.invite_code = secrets.token_urlsafe(INVITE_CODE_BYTES)


def _solo_team(store, cfg, who: Principal):
    """The one-person team a student who submits without a team becomes (named after them, as on Kaggle).

    Made in one transaction that holds the student's row, so a student's many first submissions at
    once make one team; two students of the same name choosing at once: the loser chooses again.
    """
    from sqlalchemy.exc import IntegrityError

    from grader.competitions.teams import ensure_competition_row
    from grader.store import Membership, Student, Team, lock_for_write

    ensure_competition_row(store, cfg)
    base = (who.name or "Student").strip()[:90] or "Student"
    for _attempt in range(5):
        try:
            with store.transaction() as session:
                lock_for_write(session, Student, who.id)
                if _team_row(session, cfg, who.id) is None:
                    taken = set(session.scalars(select(Team.name).where(Team.competition == cfg.name)))
                    name = next(n for n in (base, *(f"{base} ({k})" for k in range(2, len(taken) + 3)))
                                if n not in taken)
                    team = Team(competition=cfg.name, name=name, invite_code=secrets.token_urlsafe(INVITE_CODE_BYTES))
                    session.add(team)
                    session.flush()
                    session.add(Membership(team_id=team.id, student_id=who.id))
            return team_of(store, cfg, who)
        except IntegrityError:
            continue
    raise TeamError(f"Could not make a team for you in {cfg.title} (too many at once); submit again.")


def _student_only(who: Principal, what: str) -> None:
    if who.is_instructor:
        raise PermissionDenied(f"Instructors do not {what}; students do (an instructor adds teams with "
                               "'grader team add').")


# ---------------------------------------------------------------- submissions


def _acting_team(store, cfg, who: Principal, team: str | None):
    """The team a call acts for: the student's own (made when missing), or the one an instructor names."""
    from grader.competitions.teams import find_team

    if who.is_instructor:
        if not team:
            raise TeamError("Name the team to act for (--team NAME).")
        with store.read() as session:
            return find_team(session, cfg, team)
    if team is not None:
        own = team_of(store, cfg, who)
        if own is None or own.name != team:
            raise NotFound(f"You are not in a team '{team}' in {cfg.title}.")
    return team_of(store, cfg, who)


def submit(course, store, who: Principal, competition: str, data: bytes, *, filename: str | None,
           message: str | None = None, team: str | None = None, now: datetime | None = None) -> SubmissionView:
    """Store and score one prediction file (or queue a code competition's notebook) for the caller's team."""
    from grader.competitions.submit import submit_bytes

    cfg = get(course, who, competition)
    if len(data) > cfg.max_bytes:
        raise TooLarge(f"The file is {len(data) / 1e6:.1f} MB; {cfg.title} takes files of at most "
                       f"{cfg.max_bytes / 1e6:g} MB (gzip-compress it: .csv.gz is accepted).")
    row = _acting_team(store, cfg, who, team)
    if row is None:
        row = _solo_team(store, cfg, who)
    message = (message or "").strip()[:500] or None
    stored = submit_bytes(course, store, cfg.name, data, filename=filename, team=row.name, message=message, now=now)
    return submission(course, store, who, cfg.name, stored.id, now=now)


def submissions(course, store, who: Principal, competition: str, *, team: str | None = None,
                now: datetime | None = None) -> list[SubmissionView]:
    """The caller's team's submissions (an instructor: one team's, or every team's), oldest first."""
    from grader.competitions.leaderboard import team_submissions

    cfg = get(course, who, competition)
    if who.is_instructor and team is None:
        teams = _all_teams(store, cfg)
    else:
        row = _acting_team(store, cfg, who, team)
        teams = [row] if row is not None else []
    views = []
    for team_row in teams:
        for entry in team_submissions(store, cfg, team_row.name, now=now):
            views.append(_view(store, cfg, team_row.name, entry))
    return sorted(views, key=lambda v: (v.submitted_at, v.id))


def submission(course, store, who: Principal, competition: str, submission_id: int, *,
               now: datetime | None = None) -> SubmissionView:
    """One submission; NotFound unless it is the caller's team's (any for an instructor)."""
    from grader.store import Submission, Team

    cfg = get(course, who, competition)
    with store.read() as session:
        row = session.get(Submission, int(submission_id)) if 0 < int(submission_id) < 2**62 else None
        team = session.get(Team, row.team_id) if row is not None and row.team_id is not None else None
    if row is None or row.kind != "competition" or row.target != cfg.name or team is None:
        raise NotFound(f"There is no submission {submission_id} of yours in {cfg.title}.")
    if not who.is_instructor:
        own = team_of(store, cfg, who)
        if own is None or own.id != team.id:
            raise NotFound(f"There is no submission {submission_id} of yours in {cfg.title}.")
    for view in submissions(course, store, who, cfg.name, team=team.name, now=now):
        if view.id == row.id:
            return view
    raise NotFound(f"There is no submission {submission_id} of yours in {cfg.title}.")


def select_final(course, store, who: Principal, competition: str, ids: list[int], *, team: str | None = None,
                 now: datetime | None = None) -> list[int]:
    """Make ``ids`` the caller's team's final selection for the private leaderboard."""
    from grader.competitions.leaderboard import select_submissions

    cfg = get(course, who, competition)
    row = _acting_team(store, cfg, who, team)
    if row is None:
        raise TeamError(f"You have no submissions in {cfg.title} yet, so there is nothing to select.")
    return select_submissions(store, cfg, team=row.name, submission_ids=list(ids), now=now)


def used_today(store, cfg, team_id: int, *, now: datetime) -> int:
    """How many of the team's submissions of ``now``'s day count toward the daily limit."""
    from grader.competitions.submit import used_today as counted

    with store.read() as session:
        return counted(session, cfg, team_id, now)


def _all_teams(store, cfg) -> list:
    from grader.store import Team

    with store.read() as session:
        return list(session.scalars(select(Team).where(Team.competition == cfg.name).order_by(Team.name)))


def _view(store, cfg, team: str, entry) -> SubmissionView:
    from grader.competitions.submit import refusal
    from grader.store import Submission

    with store.read() as session:
        row = session.get(Submission, entry.submission_id)
    problem = refusal(entry.error)
    return SubmissionView(
        id=entry.submission_id, competition=cfg.name, team=team, submitted_at=entry.submitted_at,
        file=row.original_name if row is not None else "", message=entry.message or "", status=entry.status,
        error=problem.message if problem else None, errors=list(problem.errors) if problem else [],
        more_errors=problem.more if problem else 0, is_late=entry.is_late, selected=entry.selected,
        public_score=entry.public, private_score=entry.private)


# ---------------------------------------------------------------- boards


def leaderboard(course, store, who: Principal, competition: str, *, private: bool = False,
                now: datetime | None = None) -> list[dict]:
    """The public (or, once revealed, private) ranking, members by display name; never a student id."""
    from grader.competitions.leaderboard import leaderboard as rank
    from grader.roster import display_name
    from grader.store import Student

    cfg = get(course, who, competition)
    rows = rank(store, cfg, private=private, now=now)
    with store.read() as session:
        names = {s.id: display_name(s) for s in session.scalars(select(Student))}
    return [{"rank": r.rank, "delta": r.delta, "team": r.team, "members": [names.get(m, "a student") for m in r.members],
             "score": r.score, "entries": r.entries, "last_submission_at": r.last_submission_at.isoformat(),
             "benchmark": r.is_benchmark} for r in rows]
