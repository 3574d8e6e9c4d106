"""Kaggle's leaderboard rules: best public score, final selections, private after reveal,
ties to the earlier submission, benchmarks unranked, late entries never ranked, rank deltas."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grader.competitions.leaderboard import (
    final_selection,
    is_revealed,
    leaderboard,
    load_entries,
    reveal,
    select_submissions,
    team_submissions,
)
from grader.competitions.teams import add_team
from grader.errors import CompetitionError, SubmissionError
from grader.store import Score, Submission

from .conftest import NOW, TOY_TOML, add_competition


def add_scored(store, cfg, team_id, public, private, minutes, *, late=False, status="scored"):
    """A scored submission made ``minutes`` after NOW (rows straight into the store)."""
    with store.transaction() as session:
        row = Submission(kind="competition", target=cfg.name, team_id=team_id, sha256=f"{team_id:064d}", size=1,
                         original_name="s.csv", submitted_at=NOW + timedelta(minutes=minutes), status=status,
                         is_late=late)
        session.add(row)
        session.flush()
        if status == "scored":
            session.add(Score(submission_id=row.id, metric=cfg.metric, public_score=public, private_score=private))
        return row.id


@pytest.fixture
def board(toy):
    course, store, cfg, _solution = toy
    teams = {name: add_team(store, cfg, name=name, members=[f"{name}-1"]).id for name in ("ant", "bee", "cat")}
    return store, cfg, teams


def names(rows):
    return [(row.rank, row.team) for row in rows]


def test_public_board_uses_each_teams_best_public_score(board):
    store, cfg, t = board
    add_scored(store, cfg, t["ant"], 0.80, 0.90, 1)
    add_scored(store, cfg, t["ant"], 0.85, 0.70, 2)
    add_scored(store, cfg, t["bee"], 0.83, 0.95, 3)
    rows = leaderboard(store, cfg, now=NOW + timedelta(hours=1))
    assert names(rows) == [(1, "ant"), (2, "bee")]
    assert rows[0].score == 0.85 and rows[0].entries == 2 and rows[0].members == ["ant-1"]
    assert all(row.delta is None for row in rows)


def test_ties_go_to_the_earlier_submission(board):
    store, cfg, t = board
    add_scored(store, cfg, t["bee"], 0.90, 0.5, 1)
    add_scored(store, cfg, t["ant"], 0.90, 0.5, 2)
    add_scored(store, cfg, t["cat"], 0.90, 0.5, 3)
    assert names(leaderboard(store, cfg)) == [(1, "bee"), (2, "ant"), (3, "cat")]
    # within a team too: of two equal best scores, the earlier submission is the one shown
    later = add_scored(store, cfg, t["cat"], 0.95, 0.5, 5)
    add_scored(store, cfg, t["cat"], 0.95, 0.5, 6)
    assert leaderboard(store, cfg)[0].submission_id == later


def test_lower_is_better_metric_ranks_ascending(course):
    from grader.store import Store

    cfg = add_competition(course, "loss", TOY_TOML.format(daily_limit=5).replace("accuracy_score", "log_loss")
                          .replace('["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]', '["cat", "dog"]'),
                          splits=_binary_splits())
    store = Store.open(course)
    a = add_team(store, cfg, name="a", members=["x"]).id
    b = add_team(store, cfg, name="b", members=["y"]).id
    add_scored(store, cfg, a, 0.40, 0.4, 1)
    add_scored(store, cfg, b, 0.20, 0.6, 2)
    assert names(leaderboard(store, cfg)) == [(1, "b"), (2, "a")]


def _binary_splits():
    from .conftest import toy_splits

    return toy_splits(n_classes=2, class_names=["cat", "dog"])


def test_private_board_hidden_until_deadline_or_reveal(board):
    store, cfg, t = board
    add_scored(store, cfg, t["ant"], 0.8, 0.8, 1)
    assert not is_revealed(store, cfg, NOW)
    with pytest.raises(CompetitionError, match=r"^The private leaderboard of toy is hidden until the deadline "
                                               r"\(2026-12-18T23:59:00\+09:00\)\. Run 'grader reveal toy' to show it now\.$"):
        leaderboard(store, cfg, private=True, now=NOW)
    assert is_revealed(store, cfg, cfg.deadline)
    assert leaderboard(store, cfg, private=True, now=cfg.deadline)[0].team == "ant"
    reveal(store, cfg, now=NOW + timedelta(minutes=2))  # after ant's submission
    assert not is_revealed(store, cfg, NOW + timedelta(minutes=1))
    assert is_revealed(store, cfg, NOW + timedelta(minutes=3))
    assert leaderboard(store, cfg, private=True, now=NOW + timedelta(minutes=3))[0].score == 0.8


def test_after_an_early_reveal_new_private_scores_wait_for_the_deadline(board):
    """Submissions after 'grader reveal' are taken and ranked publicly, but their private score is shown
    to nobody, their team included, until the deadline: the private board stays as it was at the reveal."""
    store, cfg, t = board
    before = add_scored(store, cfg, t["ant"], 0.80, 0.70, 1)
    add_scored(store, cfg, t["bee"], 0.75, 0.75, 2)
    revealed_at = NOW + timedelta(minutes=10)
    reveal(store, cfg, now=revealed_at)
    after = add_scored(store, cfg, t["ant"], 0.95, 0.99, 20)  # would top ant's default selection
    later = NOW + timedelta(minutes=30)

    own = {e.submission_id: e for e in team_submissions(store, cfg, "ant", now=later)}
    assert (own[before].private, own[after].private) == (0.70, None)
    assert own[after].public == 0.95  # the public score is shown at once
    assert [(r.team, r.score) for r in leaderboard(store, cfg, now=later)] == [("ant", 0.95), ("bee", 0.75)]
    private = leaderboard(store, cfg, private=True, now=later)
    assert [(r.team, r.score) for r in private] == [("bee", 0.75), ("ant", 0.70)]
    assert 0.99 not in [r.score for r in private]

    at_deadline = cfg.deadline
    assert {e.submission_id: e.private for e in team_submissions(store, cfg, "ant", now=at_deadline)}[after] == 0.99
    assert [(r.team, r.score) for r in leaderboard(store, cfg, private=True, now=at_deadline)] == [
        ("ant", 0.99), ("bee", 0.75)]


def test_default_selection_is_best_n_public_and_private_uses_best_of_them(board):
    store, cfg, t = board
    # ant: best public two are #2 (0.90) and #3 (0.88); #1 has the best private but is not selected
    add_scored(store, cfg, t["ant"], 0.70, 0.99, 1)
    add_scored(store, cfg, t["ant"], 0.90, 0.60, 2)
    add_scored(store, cfg, t["ant"], 0.88, 0.65, 3)
    add_scored(store, cfg, t["bee"], 0.80, 0.80, 4)
    public = leaderboard(store, cfg, now=cfg.deadline)
    private = leaderboard(store, cfg, private=True, now=cfg.deadline)
    assert names(public) == [(1, "ant"), (2, "bee")]
    assert names(private) == [(1, "bee"), (2, "ant")]
    assert private[1].score == 0.65
    assert [(row.team, row.delta) for row in private] == [("bee", 1), ("ant", -1)]


def test_explicit_selection_replaces_the_default(board):
    store, cfg, t = board
    hidden_gem = add_scored(store, cfg, t["ant"], 0.70, 0.99, 1)
    add_scored(store, cfg, t["ant"], 0.90, 0.60, 2)
    add_scored(store, cfg, t["bee"], 0.80, 0.80, 3)
    assert select_submissions(store, cfg, team="ant", submission_ids=[hidden_gem], now=NOW) == [hidden_gem]
    private = leaderboard(store, cfg, private=True, now=cfg.deadline)
    assert names(private) == [(1, "ant"), (2, "bee")] and private[0].score == 0.99
    with store.read() as session:
        chosen = final_selection(cfg, load_entries(session, cfg, team_id=t["ant"]))
    assert [e.submission_id for e in chosen] == [hidden_gem]


def test_selection_rules(board):
    store, cfg, t = board
    ids = [add_scored(store, cfg, t["ant"], 0.5 + i / 10, 0.5, i) for i in range(3)]
    late = add_scored(store, cfg, t["ant"], 0.99, 0.99, 10, late=True)
    other = add_scored(store, cfg, t["bee"], 0.5, 0.5, 11)
    with pytest.raises(SubmissionError, match=r"^toy allows 2 final selections; 3 were given\.$"):
        select_submissions(store, cfg, team="ant", submission_ids=ids, now=NOW)
    with pytest.raises(SubmissionError, match=rf"^Submission {late} cannot be selected: it is late\.$"):
        select_submissions(store, cfg, team="ant", submission_ids=[late], now=NOW)
    with pytest.raises(SubmissionError, match=rf"^Submission {other} is not one of team 'ant''s submissions to toy\.$"):
        select_submissions(store, cfg, team="ant", submission_ids=[other], now=NOW)
    select_submissions(store, cfg, team="ant", submission_ids=ids[:2], now=NOW)
    select_submissions(store, cfg, team="ant", submission_ids=[ids[2]], now=NOW)  # replaces, not adds
    with store.read() as session:
        assert [e.submission_id for e in load_entries(session, cfg, t["ant"]) if e.selected] == [ids[2]]
    with pytest.raises(SubmissionError, match=r"^Selections for toy are closed: the private leaderboard is out\.$"):
        select_submissions(store, cfg, team="ant", submission_ids=[ids[0]], now=cfg.deadline)


def test_benchmarks_are_marked_and_take_no_rank(board):
    store, cfg, t = board
    bench = add_team(store, cfg, name="Baseline notebook", members=[], benchmark=True).id
    add_scored(store, cfg, t["ant"], 0.95, 0.9, 1)
    add_scored(store, cfg, bench, 0.90, 0.9, 2)
    add_scored(store, cfg, t["bee"], 0.85, 0.9, 3)
    rows = leaderboard(store, cfg)
    assert [(r.rank, r.team, r.is_benchmark) for r in rows] == [
        (1, "ant", False), (None, "Baseline notebook", True), (2, "bee", False)]


def test_late_submissions_are_never_ranked_but_shown_to_their_team(board):
    store, cfg, t = board
    add_scored(store, cfg, t["ant"], 0.50, 0.5, 1)
    late = add_scored(store, cfg, t["ant"], 0.99, 0.99, 2, late=True)
    add_scored(store, cfg, t["cat"], 0.99, 0.99, 3, late=True)
    rows = leaderboard(store, cfg, now=cfg.deadline + timedelta(days=1))
    assert names(rows) == [(1, "ant")] and rows[0].score == 0.50 and rows[0].entries == 1
    own = team_submissions(store, cfg, "ant", now=NOW)
    assert [(e.submission_id, e.is_late, e.public, e.private) for e in own][-1] == (late, True, 0.99, None)
    revealed = team_submissions(store, cfg, "ant", now=cfg.deadline)
    assert revealed[-1].private == 0.99


def test_invalid_submissions_neither_rank_nor_count_as_entries(board):
    store, cfg, t = board
    add_scored(store, cfg, t["ant"], None, None, 1, status="invalid")
    add_scored(store, cfg, t["ant"], 0.6, 0.6, 2)
    rows = leaderboard(store, cfg)
    assert rows[0].entries == 1
