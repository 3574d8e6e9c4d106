"""A whole class submitting at once to a real ``grader serve``: the daily limit holds exactly, nothing is lost or doubled.

8 students, each without a team (their first submission makes them a team of one), send 25
prediction files each, all 200 in flight together: to a competition with a daily limit of 10
(each team gets exactly 10 accepted, 15 refused with 409) and to one with the limit raised (all
200 stored). The store must hold exactly the acknowledged rows, each once, with its file and
its score. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest
from classroom import burst, class_roster, fresh_database, upload
from server_fixtures import LiveServer, make_server_course, toy

TEAMS, EACH, LIMIT = 8, 25, 10
STUDENTS = [f"s{n}" for n in range(1, TEAMS + 1)]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request) -> str:
    return "" if request.param == "sqlite" else fresh_database(request.getfixturevalue("postgres_url"))


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_two_hundred_submissions_at_once_keep_the_daily_limit_exactly(tmp_path, database_url):
    made = make_server_course(tmp_path / "course", daily_limit=LIMIT, roster=class_roster(TEAMS),
                              database_url=database_url)
    toy.add_competition(made.course, "open", toy.TOY_TOML.format(daily_limit=1000))
    server = LiveServer(made.course.root).start()
    try:
        for competition, limit in (("toy", LIMIT), ("open", 1000)):
            requests = [upload(made.tokens[s], competition, made.valid_csv(wrong=k), who=s)
                        for k in range(EACH) for s in STUDENTS]
            answers = burst(server.url, requests)
            check_limit_kept(made, answers, competition, limit)
    finally:
        server.stop()


def check_limit_kept(made, answers, competition: str, limit: int) -> None:
    from sqlalchemy import func, select

    from grader.store import Membership, Score, Submission, Team

    odd = [(a.request.who, a.status, a.body or a.error) for a in answers if a.status not in (201, 409)]
    assert not odd, f"answers other than 201 and 409: {odd[:5]}"
    accepted = {s: [a.id for a in answers if a.request.who == s and a.status == 201] for s in STUDENTS}
    assert {s: len(ids) for s, ids in accepted.items()} == {s: min(EACH, limit) for s in STUDENTS}
    for answer in answers:
        if answer.status == 409:
            assert f"used its {limit} submissions of today" in answer.body["message"], answer.body
    ids = [i for mine in accepted.values() for i in mine]
    assert len(ids) == len(set(ids)), "one id acknowledged twice"
    with made.store.read() as session:
        rows = {r.id: r for r in session.scalars(select(Submission).where(Submission.target == competition))}
        team_of = dict(session.execute(select(Membership.student_id, Membership.team_id).join(Team)
                                       .where(Team.competition == competition)).all())
        teams = session.scalar(select(func.count()).select_from(Team).where(Team.competition == competition))
        scores = dict(session.execute(select(Score.submission_id, func.count()).where(Score.submission_id.in_(ids))
                                      .group_by(Score.submission_id)).all())
    assert sorted(rows) == sorted(ids), "the store's rows are not the acknowledged ones"
    assert teams == TEAMS and sorted(team_of) == sorted(STUDENTS), "a student got more than one team, or none"
    for student, mine in accepted.items():
        assert {rows[i].team_id for i in mine} == {team_of[student]}
    assert all(rows[i].status == "scored" and made.store.file_path(rows[i].sha256).is_file() for i in ids)
    assert scores == {i: 1 for i in ids}, "a submission without its score, or scored twice"


def test_a_board_read_while_a_team_forms_is_one_moment(tmp_path, database_url):
    """The standings are read in several queries; a team (and its first submission) committed between two of
    them must not break the page (found by bench_server.py: 'KeyError' 500s on the leaderboard page)."""
    from datetime import datetime, timezone

    from sqlalchemy import event

    from grader.competitions.standings import standings
    from grader.service import competitions as service
    from grader.store import Store

    made = make_server_course(tmp_path / "course", roster=class_roster(2), database_url=database_url)
    cfg = made.cfg
    s1 = service.Principal(role="student", id="s1", name="Student 1")
    s2 = service.Principal(role="student", id="s2", name="Student 2")
    service.submit(made.course, made.store, s1, "toy", made.valid_csv(), filename="a.csv")
    other = Store.open(made.course)  # another request's connection
    formed = []

    def a_team_forms_meanwhile(conn, cursor, statement, parameters, context, executemany):
        if not formed and "FROM teams" in statement and "memberships" not in statement:
            formed.append(service.submit(made.course, other, s2, "toy", made.valid_csv(wrong=3), filename="b.csv"))

    event.listen(made.store.engine, "after_cursor_execute", a_team_forms_meanwhile)
    try:
        board = standings(made.store, cfg, datetime.now(timezone.utc))
    finally:
        event.remove(made.store.engine, "after_cursor_execute", a_team_forms_meanwhile)
    assert formed, "no team formed during the read: the test did not interleave"
    assert [row.team for row in board.public_rows] == ["Student 1"]  # the moment the read began
    after = standings(made.store, cfg, datetime.now(timezone.utc))
    assert [row.team for row in after.public_rows] == ["Student 1", "Student 2"]
