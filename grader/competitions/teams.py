"""Teams of a competition: add, remove, list, with the competition's size limit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from grader.errors import TeamError
from grader.store import Competition, Membership, Student, Submission, Team, lock_for_write
from grader.student_id import check_student_id
from grader.words import plural


@dataclass
class TeamInfo:
    id: int
    name: str
    members: list[str]
    is_benchmark: bool
    submissions: int


def ensure_competition_row(store, cfg) -> None:
    """The store's row for this competition (teams and submissions refer to it).

    competition.toml is the source of truth; the row mirrors it for other readers. Written only
    when missing or changed, so a class submitting at once does not queue for the write lock here;
    when two requests insert it at the same moment, the loser finds the winner's row.
    """
    from sqlalchemy.exc import IntegrityError

    from grader.competitions.rules import as_utc

    wanted = (cfg.title, cfg.metric, as_utc(cfg.deadline))
    with store.read() as session:
        row = session.get(Competition, cfg.name)
        if row is not None and (row.title, row.metric, as_utc(row.deadline)) == wanted:
            return
    try:
        with store.transaction() as session:
            row = session.get(Competition, cfg.name)
            if row is None:
                session.add(Competition(name=cfg.name, title=cfg.title, metric=cfg.metric, deadline=cfg.deadline))
            else:
                row.title, row.metric, row.deadline = cfg.title, cfg.metric, cfg.deadline
    except IntegrityError:  # inserted by another request since we looked: it holds the same values
        pass


def add_team(store, cfg, *, name: str, members: list[str], benchmark: bool = False) -> TeamInfo:
    """Create team ``name`` (or add ``members`` to it); a student is in one team per competition."""
    name = name.strip()
    if not name:
        raise TeamError("A team needs a name. Pass one, e.g. 'grader team add \"Conv Crew\" --member s1'.")
    if not members and not benchmark:
        raise TeamError(f"Team '{name}' needs at least one member: add --member STUDENT_ID.")
    for student_id in members:
        check_student_id(student_id, source=f"a member of team '{name}'", error=TeamError)
    ensure_competition_row(store, cfg)
    with store.transaction() as session:
        for student_id in sorted(set(members)):  # one writer per student: never two teams at once
            lock_for_write(session, Student, student_id)
        team = session.scalar(select(Team).where(Team.competition == cfg.name, Team.name == name))
        if team is None:
            team = Team(competition=cfg.name, name=name, is_benchmark=benchmark)
            session.add(team)
            session.flush()
        current = {m.student_id for m in team.members}
        new = [m for m in dict.fromkeys(members) if m not in current]
        if len(current) + len(new) > cfg.max_team_size:
            raise TeamError(f"Team '{name}' would have {len(current) + len(new)} members; {cfg.name} allows "
                            f"at most {cfg.max_team_size}. Split the team.")
        for student_id in new:
            other = session.scalar(
                select(Team.name).join(Membership, Membership.team_id == Team.id)
                .where(Team.competition == cfg.name, Membership.student_id == student_id))
            if other is not None:
                raise TeamError(f"Student '{student_id}' is already in team '{other}' of {cfg.name}. "
                                f"Remove them there first: grader team remove '{other}' --member {student_id} "
                                f"--competition {cfg.name}.")
            if session.get(Student, student_id) is None:
                session.add(Student(id=student_id))
                session.flush()
            team.members.append(Membership(student_id=student_id))
        session.flush()
        return _info(session, team)


def remove_team(store, cfg, *, name: str, members: list[str] | None = None) -> None:
    """Remove ``members`` from team ``name``, or the whole team when it has never submitted."""
    with store.transaction() as session:
        team = _team(session, cfg, name)
        if members:
            current = {m.student_id: m for m in team.members}
            for student_id in members:
                if student_id not in current:
                    raise TeamError(f"Student '{student_id}' is not in team '{name}'. See 'grader team list'.")
                team.members.remove(current[student_id])
            return
        count = session.scalar(select(func.count()).select_from(Submission).where(Submission.team_id == team.id))
        if count:
            raise TeamError(f"Team '{name}' has {plural(count, 'submission')} and cannot be removed (results are kept). "
                            "Remove its members with --member instead.")
        session.delete(team)


def list_teams(store, cfg) -> list[TeamInfo]:
    with store.read() as session:
        teams = session.scalars(select(Team).where(Team.competition == cfg.name).order_by(Team.name)).all()
        return [_info(session, team) for team in teams]


def find_team(session, cfg, name: str) -> Team:
    return _team(session, cfg, name)


def _team(session, cfg, name: str) -> Team:
    team = session.scalar(select(Team).where(Team.competition == cfg.name, Team.name == name))
    if team is None:
        raise TeamError(f"No team '{name}' in {cfg.name}. Add it with: grader team add '{name}' "
                        f"--member STUDENT_ID --competition {cfg.name}.")
    return team


def _info(session, team: Team) -> TeamInfo:
    count = session.scalar(select(func.count()).select_from(Submission).where(Submission.team_id == team.id))
    return TeamInfo(id=team.id, name=team.name, members=sorted(m.student_id for m in team.members),
                    is_benchmark=team.is_benchmark, submissions=int(count or 0))
