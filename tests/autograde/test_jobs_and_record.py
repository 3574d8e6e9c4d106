"""Jobs: idempotent, resumable, --rescore adds rows; record: the gradebook as nbgrader autograde leaves it."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from concurrent.futures import Future
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from course_factory import ASSIGNMENT, released_notebook, solved_notebook, submit
from grader.autograde import jobs
from grader.store import Store
from grader.store.models import Grade, GradingJob

pytestmark = pytest.mark.slow

DUE = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


class InlineExecutor:
    """Runs each job right here: the jobs logic without process start-up costs."""

    def __init__(self):
        self.calls = 0

    def submit(self, fn, *args):
        self.calls += 1
        future = Future()
        future.set_result(fn(*args))
        return future

    def as_completed(self, futures):
        return list(futures)

    def close(self):
        pass


@pytest.fixture(scope="module")
def graded(course, use_sandbox):
    """alice: the solution, on time; bob: the released stub, two days late."""
    import tomllib

    config_path = course.path("assignments", ASSIGNMENT, "assignment.toml")
    config = tomllib.loads(config_path.read_text())
    config_path.write_text(config_path.read_text().replace("late_penalty_per_day = 10",
                                                           f"late_penalty_per_day = 10\ndue = {DUE.isoformat()}"))
    assert config["late_penalty_per_day"] == 10
    submit(course, "alice", solved_notebook(course), when=DUE - timedelta(hours=1))
    late_solution = solved_notebook(course)
    submit(course, "carol", late_solution, when=DUE + timedelta(days=1, hours=2))
    submit(course, "bob", released_notebook(course), when=DUE + timedelta(days=2))
    stub = released_notebook(course)
    for cell in stub["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "explain":
            cell["source"] = "<script>alert('x')</script> my answer"
    submit(course, "dan", stub, when=DUE)
    store = Store.open(course)
    executor = InlineExecutor()
    specs = jobs.plan(course, store, ASSIGNMENT)
    results = jobs.run(course, store, specs, executor=executor, sandbox=use_sandbox)
    return {"store": store, "results": {r.student: r for r in results}, "executor": executor}


def test_totals_and_late_penalty(graded):
    results = graded["results"]
    assert results["alice"].status == "graded"
    assert (results["alice"].notebook_points, results["alice"].judge_points, results["alice"].late_penalty) == (20, 40, 0)
    assert results["carol"].late_penalty == 20 and results["carol"].total == 40
    assert results["bob"].total == 0 and results["bob"].late_penalty == 0  # never below zero
    assert results["alice"].max_points == 65
    phases = results["alice"].details["phases"]
    assert set(phases) == {"notebook", "judge", "training"} and phases["notebook"] > 0 and phases["judge"] > 0
    assert results["alice"].to_dict()["phases"] == phases  # what `grader score --json` prints
    assert results["alice"].details["judge_process"] == {"events": [], "restarts": 0, "timeouts": 0, "requests": 2}


def test_a_second_run_grades_nothing(course, graded):
    assert jobs.plan(course, graded["store"], ASSIGNMENT) == []


def test_a_changed_submission_is_a_new_job(course, graded):
    notebook = solved_notebook(course)
    notebook["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "v2"})
    submit(course, "bob", notebook, when=DUE)
    specs = jobs.plan(course, graded["store"], ASSIGNMENT)
    assert [(s.student, s.attempt) for s in specs] == [("bob", 1)]
    results = jobs.run(course, graded["store"], specs, executor=InlineExecutor(), sandbox=False)
    assert results[0].total == 60


def test_an_interrupted_job_is_resumed(course, graded):
    store = graded["store"]
    with store.transaction() as session:
        job = session.query(GradingJob).filter_by(owner="alice").order_by(GradingJob.attempt.desc()).first()
        session.add(GradingJob(target=ASSIGNMENT, owner="alice", sha256=job.sha256, attempt=job.attempt + 1,
                               status="running"))
    specs = jobs.plan(course, store, ASSIGNMENT)
    assert [(s.student, s.attempt) for s in specs] == [("alice", job.attempt + 1)]
    jobs.run(course, store, specs, executor=InlineExecutor(), sandbox=False)
    assert jobs.plan(course, store, ASSIGNMENT) == []


def test_rescore_adds_an_attempt_and_a_grade_row(course, graded):
    store = graded["store"]
    with store.transaction() as session:
        before = session.query(Grade).filter_by(student_id="carol").count()
    specs = jobs.plan(course, store, ASSIGNMENT, students=["carol"], rescore=True)
    assert [(s.student, s.attempt) for s in specs] == [("carol", 2)]
    jobs.run(course, store, specs, executor=InlineExecutor(), sandbox=False)
    with store.transaction() as session:
        rows = session.query(Grade).filter_by(student_id="carol").order_by(Grade.id).all()
        assert len(rows) == before + 1
        assert rows[-1].sandboxed is False and rows[0].total == rows[-1].total == 40


def test_gradebook_matches_nbgrader(course, graded):
    from nbgrader.api import Gradebook

    with Gradebook(course.gradebook_url) as gb:
        alice = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "alice")
        scores = {g.name: (g.auto_score, g.needs_manual_grade) for g in alice.grades}
        assert scores["test_double"] == (10, False) and scores["test_clip01"] == (10, False)
        assert scores["explain"] == (None, True)  # a written answer waits for the formgrader
        assert scores["hidden_checks"] == (40, False)  # the judge's points, in nbgrader's own gradebook
        dan = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "dan")  # the released stub
        assert {g.name: g.auto_score for g in dan.grades}["hidden_checks"] == 0
        carol = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "carol")
        assert carol.late_submission_penalty == 20
    assert course.path("autograded", "alice", ASSIGNMENT, f"{ASSIGNMENT}.ipynb").is_file()
    assert course.path("autograded", "alice", ASSIGNMENT, "timestamp.txt").is_file()


def test_nbgrader_export_reads_the_gradebook(course, graded, tmp_path):
    out = tmp_path / "grades.csv"
    nbgrader = Path(sys.executable).with_name("nbgrader")
    completed = subprocess.run([str(nbgrader), "export", "--to", str(out)], cwd=course.root, capture_output=True,
                               text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert float(rows["alice"]["raw_score"]) == 60  # 20 from the test cells, 40 from the hidden checks' cell
    assert float(rows["alice"]["max_score"]) == 65
    assert float(rows["carol"]["late_submission_penalty"]) == 20
    from grader.grades import grade_records

    for record in grade_records(course, assignment=ASSIGNMENT):  # nbgrader and cnnkit give the same total
        assert float(rows[record.student]["score"]) == pytest.approx(record.total), record.student


def test_a_formgrader_score_counts_everywhere(course, graded):
    """A written answer graded by hand (as the formgrader saves it) is in cnnkit's total and nbgrader's."""
    from nbgrader.api import Gradebook

    from grader.export import export_rows
    from grader.grades import grade_records

    before = {r.student: r for r in grade_records(course, assignment=ASSIGNMENT)}["carol"]
    assert before.manual_pending and before.total == 40  # 60 earned, 20 off for two late days
    with Gradebook(course.gradebook_url) as gb:
        notebook = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "carol")
        grade = next(g for g in notebook.grades if g.name == "explain")
        grade.manual_score = 4.0
        gb.db.commit()
    after = {r.student: r for r in grade_records(course, assignment=ASSIGNMENT)}["carol"]
    assert not after.manual_pending and (after.manual_points, after.total, after.max_points) == (4.0, 44.0, 65.0)
    row = next(r for r in export_rows(course) if r["student_id"] == "carol")
    assert row["kit_total"] == row["score"] == 44.0


def test_our_export_has_nbgrader_columns_and_ours(course, graded):
    from grader.export import COLUMNS, NBGRADER_COLUMNS, export_csv

    rows = list(csv.DictReader(io.StringIO(export_csv(course))))
    assert list(rows[0]) == COLUMNS and COLUMNS[:len(NBGRADER_COLUMNS)] == NBGRADER_COLUMNS
    by_student = {r["student_id"]: r for r in rows}
    assert float(by_student["alice"]["judge_points"]) == 40
    assert by_student["alice"]["status"] == "graded"
    assert float(by_student["carol"]["late_penalty"]) == 20
    assert float(by_student["alice"]["kit_max_points"]) == 65


def test_feedback_shows_checks_and_escapes(course, graded):
    from grader.feedback import write_feedback

    paths = write_feedback(course, ASSIGNMENT)
    html = course.path("feedback", "dan", ASSIGNMENT, "feedback.html").read_text()
    assert len(paths) >= 4
    assert "test_double" in html and 'class="failed"' in html
    assert "<script" not in html
    good = course.path("feedback", "alice", ASSIGNMENT, "feedback.html").read_text()
    assert "Total: 60.00 of 65.00" in good
    assert "Time used: running the notebook " in good
