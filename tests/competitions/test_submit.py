"""Submissions: stored content-addressed, invalid ones kept but not counted, the daily limit exact
under concurrency, late files scored but unranked, code competitions scored from the notebook's file."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import func, select

from grader.competitions.rules import day_window
from grader.competitions.submit import (
    refusal,
    score_pending,
    score_predictions_file,
    submit_bytes,
    submit_file,
)
from grader.competitions.teams import add_team
from grader.errors import LimitExceeded, SubmissionError
from grader.store import Score, Store, Submission

from .conftest import NOW, TOY_TOML, add_competition, write_predictions


def _truthful(solution, correct: int):
    """Labels by id, exactly ``correct`` of them right."""
    labels = solution.truth.copy()
    labels[correct:] = (labels[correct:] + 1) % 10
    return labels


def test_valid_submission_is_stored_and_scored(toy, tmp_path):
    course, store, cfg, solution = toy
    add_team(store, cfg, name="alpha", members=["s1"])
    labels = _truthful(solution, 100)
    path = write_predictions(tmp_path / "submission.csv", solution.ids, labels)
    row = submit_file(course, store, "toy", path, team="alpha", message="first", now=NOW)
    assert row.status == "scored" and row.error is None and not row.is_late
    assert store.get_file(row.sha256) == path.read_bytes()
    with store.read() as session:
        score = session.scalar(select(Score).where(Score.submission_id == row.id))
    assert (score.public_score, score.private_score) == (1.0, 1.0)


def test_public_and_private_scores_use_the_usage_column(toy, tmp_path):
    course, store, cfg, solution = toy
    add_team(store, cfg, name="alpha", members=["s1"])
    labels = solution.truth.copy()
    labels[~solution.public] = (labels[~solution.public] + 1) % 10  # right on public rows only
    row = submit_file(course, store, "toy", write_predictions(tmp_path / "s.csv", solution.ids, labels),
                      team="alpha", now=NOW)
    with store.read() as session:
        score = session.scalar(select(Score).where(Score.submission_id == row.id))
    assert (score.public_score, score.private_score) == (1.0, 0.0)


def test_invalid_submission_is_stored_with_error_and_not_counted(toy, tmp_path):
    course, store, cfg, solution = toy
    add_team(store, cfg, name="alpha", members=["s1"])
    bad = write_predictions(tmp_path / "bad.csv", solution.ids, ["cat"] * len(solution.ids))
    for _ in range(cfg.daily_limit + 2):
        row = submit_file(course, store, "toy", bad, team="alpha", now=NOW)
        assert row.status == "invalid"
        first = "The 'Label' column of bad.csv must be an integer in 0..9. Got 'cat' in row 1."
        why = refusal(row.error)
        assert why.message == f"bad.csv has 100 problems; the first: {first}"
        assert why.errors[0] == first and len(why.errors) == 20 and why.more == 80
        assert why.errors[19].endswith("Got 'cat' in row 20.")
    good = write_predictions(tmp_path / "good.csv", solution.ids, solution.truth)
    for _ in range(cfg.daily_limit):
        assert submit_file(course, store, "toy", good, team="alpha", now=NOW).status == "scored"
    with pytest.raises(LimitExceeded, match=r"^Team 'alpha' has used its 5 submissions of today in toy "
                                            r"\(days in Asia/Seoul\)\. Submit again from 2026-11-21 00:00 KST\.$"):
        submit_file(course, store, "toy", good, team="alpha", now=NOW)


def test_daily_limit_resets_at_midnight_in_the_course_timezone(toy, tmp_path):
    course, store, cfg, solution = toy
    add_team(store, cfg, name="alpha", members=["s1"])
    good = write_predictions(tmp_path / "good.csv", solution.ids, solution.truth)
    midnight_seoul = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)  # 00:00 KST on the 21st
    for _ in range(cfg.daily_limit):
        submit_file(course, store, "toy", good, team="alpha", now=midnight_seoul - timedelta(seconds=1))
    with pytest.raises(LimitExceeded):
        submit_file(course, store, "toy", good, team="alpha", now=midnight_seoul - timedelta(microseconds=1))
    assert submit_file(course, store, "toy", good, team="alpha", now=midnight_seoul).status == "scored"
    start, end = day_window(midnight_seoul, "Asia/Seoul")
    assert (start, end) == (midnight_seoul, midnight_seoul + timedelta(days=1))


def test_unknown_team_too_big_and_closed_competition_store_nothing(toy, tmp_path):
    course, store, cfg, solution = toy
    good = write_predictions(tmp_path / "good.csv", solution.ids, solution.truth)
    with pytest.raises(Exception, match=r"^No team 'ghosts' in toy\. Add it with: grader team add 'ghosts' "):
        submit_file(course, store, "toy", good, team="ghosts", now=NOW)
    add_team(store, cfg, name="alpha", members=["s1"])
    with pytest.raises(SubmissionError, match=r"^toy opens at 2026-09-01 00:00 KST\. Submit after that\.$"):
        submit_file(course, store, "toy", good, team="alpha", now=datetime(2026, 8, 1, tzinfo=timezone.utc))
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(cfg.max_bytes + 1)
    with pytest.raises(SubmissionError, match=r"^big.csv is 50.0 MB; the limit is 50.0 MB\."):
        submit_file(course, store, "toy", big, team="alpha", now=NOW)
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 0


def test_late_submission_is_scored_but_flagged(toy, tmp_path):
    course, store, cfg, solution = toy
    add_team(store, cfg, name="alpha", members=["s1"])
    good = write_predictions(tmp_path / "good.csv", solution.ids, solution.truth)
    row = submit_file(course, store, "toy", good, team="alpha", now=cfg.deadline + timedelta(minutes=1))
    assert row.is_late and row.status == "scored"


def test_late_submission_refused_when_score_late_is_false(course, tmp_path):
    cfg = add_competition(course, "strict", TOY_TOML.format(daily_limit=5) + "score_late = false\n")
    store = Store.open(course)
    add_team(store, cfg, name="alpha", members=["s1"])
    good = write_predictions(tmp_path / "good.csv", np.arange(1, 101), np.zeros(100, int))
    with pytest.raises(SubmissionError, match=r"^strict closed at 2026-12-18 23:59 KST; this competition does not "
                                              r"accept late submissions\.$"):
        submit_file(course, store, "strict", good, team="alpha", now=cfg.deadline + timedelta(seconds=1))


def test_score_pending_scores_unscored_files_and_rescore_adds_rows(toy, tmp_path):
    course, store, cfg, solution = toy
    add_team(store, cfg, name="alpha", members=["s1"])
    good = write_predictions(tmp_path / "good.csv", solution.ids, _truthful(solution, 50))
    row = submit_file(course, store, "toy", good, team="alpha", now=NOW, score=False)
    assert row.status == "valid"
    assert score_pending(course, store, "toy") == 1
    assert score_pending(course, store, "toy") == 0
    assert score_pending(course, store, "toy", rescore=True) == 1
    with store.read() as session:
        scores = session.scalars(select(Score).where(Score.submission_id == row.id)).all()
        assert session.get(Submission, row.id).status == "scored"
    assert len(scores) == 2 and scores[0].public_score == scores[1].public_score


def test_code_competition_round_trip(course, tmp_path):
    """A notebook is stored as pending; the predictions file it writes is validated and scored."""
    toml = TOY_TOML.format(daily_limit=5) + 'kind = "code"\nbudget_seconds = 60\n'
    cfg = add_competition(course, "code-toy", toml)
    store = Store.open(course)
    add_team(store, cfg, name="alpha", members=["s1"])
    notebook = tmp_path / "solution.ipynb"
    notebook.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    row = submit_file(course, store, "code-toy", notebook, team="alpha", now=NOW)
    assert row.status == "pending"
    not_a_notebook = submit_file(course, store, "code-toy", write_predictions(tmp_path / "x.csv", [1], [1]),
                                 team="alpha", now=NOW)
    assert not_a_notebook.status == "invalid" and not_a_notebook.error.startswith("The submission is not a Jupyter")
    from grader.competitions.solution import load_solution

    solution = load_solution(cfg)
    written = write_predictions(tmp_path / "submission.csv", solution.ids, solution.truth)
    score = score_predictions_file(course, store, "code-toy", row.id, written)
    assert (score.public_score, score.private_score) == (1.0, 1.0)
    broken = write_predictions(tmp_path / "broken.csv", solution.ids[:-1], solution.truth[:-1])
    second = submit_file(course, store, "code-toy", notebook, team="alpha", now=NOW)
    assert score_predictions_file(course, store, "code-toy", second.id, broken) is None
    with store.read() as session:
        assert session.get(Submission, second.id).error.startswith(
            "The notebook's predictions are invalid: broken.csv has 99 rows; it must have 100")


# -- concurrency -----------------------------------------------------------------

PROCESSES, PER_PROCESS = 8, 25


def _worker(course_root, files, barrier, results, per_process=PER_PROCESS):
    """One `grader submit` process: 25 files to its own team in 'open', then 25 to the shared team in 'tight'."""
    from grader.course import find_course

    course = find_course(course_root)
    store = Store.open(course)
    index = int(files[0].split("-")[-1].split(".")[0])
    barrier.wait()
    outcome = {"open": 0, "tight": 0, "refused": 0}
    for _ in range(per_process):
        submit_file(course, store, "open", files[0], team=f"team{index}", now=NOW)
        outcome["open"] += 1
    barrier.wait()  # then all processes race for the shared team's last places at once
    for _ in range(per_process):
        try:
            submit_file(course, store, "tight", files[1], team="everyone", now=NOW)
            outcome["tight"] += 1
        except LimitExceeded:
            outcome["refused"] += 1
    results.put(outcome)


@pytest.mark.timeout(60)
def test_concurrent_submissions_none_lost_and_daily_limit_exact(course, tmp_path):
    open_cfg = add_competition(course, "open", TOY_TOML.format(daily_limit=1000))
    tight_cfg = add_competition(course, "tight", TOY_TOML.format(daily_limit=60))
    store = Store.open(course)
    for i in range(PROCESSES):
        add_team(store, open_cfg, name=f"team{i}", members=[f"s{i}"])
    add_team(store, tight_cfg, name="everyone", members=["s0"])
    store.engine.dispose()  # no inherited connections in the forked workers
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    workers = []
    for i in range(PROCESSES):
        ids = np.arange(1, 101)
        a = write_predictions(tmp_path / f"open-{i}.csv", ids, (ids + i) % 10)
        b = write_predictions(tmp_path / f"tight-{i}.csv", ids, (ids * i) % 10)
        workers.append(context.Process(target=_worker, args=(str(course.root), [str(a), str(b)], barrier, results)))
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=50) for _ in workers]
    for worker in workers:
        worker.join(10)
        assert worker.exitcode == 0
    seconds = time.perf_counter() - started
    with store.read() as session:
        def count(target, **where):
            query = select(func.count()).select_from(Submission).where(Submission.target == target)
            for key, value in where.items():
                query = query.where(getattr(Submission, key) == value)
            return session.scalar(query)

        assert count("open") == PROCESSES * PER_PROCESS == 200
        assert count("open", status="scored") == 200
        assert session.scalar(select(func.count()).select_from(Score)) == 200 + 60
        assert count("tight") == 60
    assert sum(o["open"] for o in outcomes) == 200
    assert sum(o["tight"] for o in outcomes) == 60
    assert sum(o["refused"] for o in outcomes) == 140
    assert seconds < 20, f"400 concurrent submissions took {seconds:.1f} s"


def test_submit_folder_of_files_named_by_team(toy, tmp_path):
    from grader.competitions.submit import submit_folder

    course, store, cfg, solution = toy
    add_team(store, cfg, name="alpha", members=["s1"])
    add_team(store, cfg, name="beta", members=["s2"])
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_predictions(inbox / "alpha.csv", solution.ids, solution.truth)
    write_predictions(inbox / "beta.csv", solution.ids[:-1], solution.truth[:-1])
    write_predictions(inbox / "gamma.csv", solution.ids, solution.truth)
    (inbox / "notes.txt").write_text("ignored")
    outcomes = submit_folder(course, store, "toy", inbox, now=NOW)
    assert [name for name, _ in outcomes] == ["alpha.csv", "beta.csv", "gamma.csv"]
    assert outcomes[0][1] == "submission 1 scored"
    assert outcomes[1][1].startswith("submission 2 invalid: beta.csv has 99 rows; it must have 100")
    assert outcomes[2][1].startswith("not stored: No team 'gamma' in toy.")


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_daily_limit_exact_on_postgresql(tmp_path, postgres_url):
    """The same race on PostgreSQL, where the team row is locked with SELECT ... FOR UPDATE."""
    from grader.course import find_course

    from .conftest import make_course

    root = tmp_path / "pg-course"
    make_course(root)
    text = (root / "grader.toml").read_text().replace('url = ""', f'url = "{postgres_url}"', 1)
    (root / "grader.toml").write_text(text)
    course = find_course(root)
    assert course.database_url.startswith("postgresql")
    Store.open(course).create()
    open_cfg = add_competition(course, "open", TOY_TOML.format(daily_limit=1000))
    tight_cfg = add_competition(course, "tight", TOY_TOML.format(daily_limit=20))
    store = Store.open(course)
    processes, per_process = 4, 10
    for i in range(processes):
        add_team(store, open_cfg, name=f"team{i}", members=[f"s{i}"])
    add_team(store, tight_cfg, name="everyone", members=["s0"])
    store.engine.dispose()
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(processes), context.Queue()
    ids = np.arange(1, 101)
    workers = [context.Process(target=_worker, args=(
        str(root), [str(write_predictions(tmp_path / f"open-{i}.csv", ids, (ids + i) % 10)),
                    str(write_predictions(tmp_path / f"tight-{i}.csv", ids, (ids * i) % 10))],
        barrier, results, per_process)) for i in range(processes)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=100) for _ in workers]
    for worker in workers:
        worker.join(10)
    assert sum(o["open"] for o in outcomes) == 40
    assert sum(o["tight"] for o in outcomes) == 20 and sum(o["refused"] for o in outcomes) == 20
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Submission).where(Submission.target == "tight")) == 20
        assert session.scalar(select(func.count()).select_from(Submission).where(Submission.target == "open")) == 40


def test_a_score_the_metric_cannot_define_is_none_not_a_crash():
    """ROC AUC over rows of a single class is undefined: stored as None, ranked last."""
    from types import SimpleNamespace

    from grader.competitions.scoring import score_predictions
    from grader.competitions.solution import Solution

    solution = Solution(ids=np.arange(1, 7), truth=np.array([1, 1, 1, 0, 1, 0]),
                        public=np.array([True, True, True, False, False, False]))
    public, private = score_predictions(SimpleNamespace(metric="roc_auc_score"), solution,
                                        np.array([0.9, 0.8, 0.7, 0.2, 0.6, 0.4]))
    assert public is None and private == 1.0


def test_an_upload_is_submitted_like_a_file_and_its_name_is_only_text(toy, tmp_path, monkeypatch):
    """submit_bytes: the same rules as submit_file; the client's name is shown and kept, never opened."""
    import gzip

    course, store, cfg, solution = toy
    add_team(store, cfg, name="alpha", members=["s1"])
    good = write_predictions(tmp_path / "good.csv", solution.ids, solution.truth).read_bytes()
    monkeypatch.chdir(tmp_path)
    row = submit_bytes(course, store, "toy", gzip.compress(good), filename="../../evil/predictions.csv.gz",
                       team="alpha", message="from the browser", now=NOW)
    assert (row.status, row.original_name, row.message) == ("scored", "predictions.csv.gz", "from the browser")
    assert store.get_file(row.sha256) == good
    assert not (tmp_path.parent.parent / "evil").exists() and sorted(p.name for p in tmp_path.iterdir()) == [
        "course", "good.csv"]
    labels = [str(v) for v in solution.truth]
    labels[4] = "cat"
    bad = write_predictions(tmp_path / "bad.csv", solution.ids, labels).read_bytes()
    shown = submit_bytes(course, store, "toy", bad, filename="C:\\Users\\kim\\excel.csv", team="alpha", now=NOW)
    assert shown.status == "invalid" and shown.original_name == "excel.csv"
    assert shown.error == "The 'Label' column of excel.csv must be an integer in 0..9. Got 'cat' in row 5."
    unnamed = submit_bytes(course, store, "toy", bad, filename=None, team="alpha", now=NOW)
    assert unnamed.error.startswith("The 'Label' column of submission.csv ")
    with store.read() as session:
        stored = session.scalar(select(func.count()).select_from(Submission))
    with pytest.raises(SubmissionError, match=r"^big\.csv is 50\.0 MB; the limit is 50\.0 MB\. "):
        submit_bytes(course, store, "toy", bytes(cfg.max_bytes + 1), filename="big.csv", team="alpha", now=NOW)
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == stored


def test_a_workbook_upload_is_stored_as_invalid_with_its_own_message(toy, tmp_path):
    course, store, cfg, solution = toy
    add_team(store, cfg, name="alpha", members=["s1"])
    workbook = (Path(__file__).parent / "fixtures" / "submissions" / "digits" / "excel_workbook_renamed.csv")
    row = submit_bytes(course, store, "toy", workbook.read_bytes(), filename="excel.csv", team="alpha", now=NOW)
    assert row.status == "invalid"
    assert refusal(row.error).errors == ["excel.csv is an Excel workbook, not a CSV file. In Excel use File > "
                                         "Save As > CSV UTF-8 (Comma delimited), then submit that file."]

