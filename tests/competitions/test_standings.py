"""What public pages may show of a competition (grader.competitions.standings): the leaderboard's own
rows, members by display name, and private scores only when the leaderboard's rules allow."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grader.competitions.leaderboard import leaderboard, reveal
from grader.competitions.standings import UNNAMED, standings
from grader.competitions.teams import add_team
from grader.store import Student

from .conftest import NOW
from .test_leaderboard import add_scored


@pytest.fixture
def board(toy):
    course, store, cfg, _solution = toy
    teams = {"ant": add_team(store, cfg, name="Ants", members=["20261234", "20265678"]).id,
             "bee": add_team(store, cfg, name="Bees", members=["20269999"]).id}
    with store.transaction() as session:
        session.get(Student, "20261234").name = "Ada  Lovelace"
        session.get(Student, "20269999").name = "Grace Hopper"
    return store, cfg, teams


def test_members_are_shown_by_display_name_never_by_student_id(board):
    store, cfg, t = board
    add_scored(store, cfg, t["ant"], 0.8, 0.7, 1)
    add_scored(store, cfg, t["bee"], 0.9, 0.6, 2)
    shown = standings(store, cfg, NOW + timedelta(hours=1))
    assert shown.teams[t["ant"]].members == ["Ada Lovelace", UNNAMED]
    assert [row.members for row in shown.public_rows] == [["Grace Hopper"], ["Ada Lovelace", UNNAMED]]
    assert not any(student in repr(shown) for student in ("20261234", "20265678", "20269999"))


@pytest.mark.parametrize("private", [False, True])
def test_rows_are_the_leaderboards_rows(board, private):
    store, cfg, t = board
    add_scored(store, cfg, t["ant"], 0.8, 0.7, 1)
    add_scored(store, cfg, t["ant"], 0.85, 0.5, 2)
    add_scored(store, cfg, t["bee"], 0.9, 0.6, 3)
    now = cfg.deadline + timedelta(hours=1)
    shown = standings(store, cfg, now)
    rows = shown.private_rows if private else shown.public_rows
    expected = leaderboard(store, cfg, private=private, now=now)
    assert [(r.rank, r.delta, r.team_id, r.score, r.entries) for r in rows] == [
        (r.rank, r.delta, r.team_id, r.score, r.entries) for r in expected]
    ant = shown.teams[t["ant"]]
    assert (ant.public_rank, ant.public_score, ant.entries) == (2, 0.85, 2)
    assert [(p.public, p.private) for p in ant.scores] == [(0.8, 0.7), (0.85, 0.5)]


def test_no_private_score_before_the_reveal_and_late_or_invalid_files_are_not_public(board):
    store, cfg, t = board
    add_scored(store, cfg, t["ant"], 0.8, 0.7, 1)
    add_scored(store, cfg, t["ant"], None, None, 2, status="invalid")
    add_scored(store, cfg, t["bee"], 0.9, 0.6, 3)
    shown = standings(store, cfg, NOW + timedelta(hours=1))
    assert not shown.revealed and shown.private_rows == []
    assert all(p.private is None for team in shown.teams.values() for p in team.scores)
    assert all(team.private_score is None and team.private_rank is None for team in shown.teams.values())
    assert shown.teams[t["ant"]].entries == 1  # the invalid file is not an entry
    late = add_scored(store, cfg, t["bee"], 0.99, 0.99, 60 * 24 * 40, late=True)
    after = standings(store, cfg, cfg.deadline + timedelta(days=50))
    assert late and [p.public for p in after.teams[t["bee"]].scores] == [0.9]
    assert after.teams[t["bee"]].private_score == 0.6


def test_after_an_early_reveal_later_private_scores_stay_hidden(board):
    store, cfg, t = board
    add_scored(store, cfg, t["ant"], 0.8, 0.7, 1)
    reveal(store, cfg, now=NOW + timedelta(minutes=5))
    add_scored(store, cfg, t["ant"], 0.9, 0.95, 10)
    shown = standings(store, cfg, NOW + timedelta(minutes=20))
    assert shown.revealed
    assert [(p.public, p.private) for p in shown.teams[t["ant"]].scores] == [(0.8, 0.7), (0.9, None)]
    assert shown.teams[t["ant"]].private_score == 0.7 and shown.teams[t["ant"]].public_score == 0.9
    final = standings(store, cfg, cfg.deadline)
    assert [(p.public, p.private) for p in final.teams[t["ant"]].scores] == [(0.8, 0.7), (0.9, 0.95)]
    assert final.teams[t["ant"]].private_score == 0.95
