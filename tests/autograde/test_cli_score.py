"""grader score / collect / export / feedback: one-line errors and the import of submissions."""

from __future__ import annotations

import json
import zipfile

from click.testing import CliRunner

from course_factory import ASSIGNMENT, released_notebook
from grader.cli import main


def invoke(course, *args):
    return CliRunner().invoke(main, ["--course", str(course.root), *args])


def test_score_refuses_without_the_sandbox(course, monkeypatch):
    import grader.sandbox.run

    monkeypatch.setattr(grader.sandbox.run, "probe",
                        lambda: [("bubblewrap", False, "not installed", "apt-get install bubblewrap"),
                                 ("user namespaces", False, "not tested", "apt-get install bubblewrap")])
    result = invoke(course, "score", ASSIGNMENT)
    assert result.exit_code == 1
    assert result.output == ("Error: The sandbox cannot run (bubblewrap: not installed). Fix: apt-get install "
                             "bubblewrap; or pass --no-sandbox to run student code with your own rights "
                             "(not for real submissions).\n")


def test_score_names_an_unknown_assignment(course):
    result = invoke(course, "score", "nope", "--no-sandbox")
    assert result.exit_code == 1
    warning, error = result.output.splitlines()
    assert warning.startswith("Warning: --no-sandbox: student code runs with your rights")
    assert error.startswith("Error: Unknown assignment or competition 'nope'. "
                            f"Released assignments: {ASSIGNMENT}; competitions: ")


def test_score_says_a_known_assignment_is_not_released(course):
    import shutil

    unreleased = course.path("assignments", "unreleased-one")
    shutil.copytree(course.path("assignments", ASSIGNMENT), unreleased)
    (unreleased / f"{ASSIGNMENT}.py").rename(unreleased / "unreleased-one.py")
    try:
        result = invoke(course, "score", "unreleased-one", "--no-sandbox")
    finally:
        shutil.rmtree(unreleased)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == ("Error: Assignment 'unreleased-one' has not been released yet, so "
                                              "nothing can be handed in. Run 'grader release unreleased-one' first.")


def test_feedback_before_grading_is_one_line(course):
    result = invoke(course, "feedback", ASSIGNMENT, "--student", "nobody")
    assert (result.exit_code, result.output) == (
        1, f"Error: No grades for '{ASSIGNMENT}' yet. Run 'grader score {ASSIGNMENT}' first.\n")


def test_feedback_names_an_unknown_assignment(course):
    result = invoke(course, "feedback", "nope")
    assert (result.exit_code, result.output) == (1, f"Error: Unknown assignment 'nope'. Known assignments: {ASSIGNMENT}.\n")


def test_collect_a_folder_and_an_lms_zip(course, tmp_path):
    notebook = json.dumps(released_notebook(course))
    folder = tmp_path / "incoming" / "frank" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "mine.ipynb").write_text(notebook)
    (folder / "timestamp.txt").write_text("2026-11-30 08:00:00.000000 UTC")
    result = invoke(course, "collect", str(tmp_path / "incoming"))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "Collected 1 notebook (1 new) into submitted/. Not collected: 1 ignored."
    assert course.path("submitted", "frank", ASSIGNMENT, f"{ASSIGNMENT}.ipynb").read_text() == notebook
    assert course.path("submitted", "frank", ASSIGNMENT, "timestamp.txt").read_text().startswith("2026-11-30 08:00:00")

    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,lms_id\ngrace,Grace Hopper,12345\n")
    assert invoke(course, "roster", "import", str(roster)).exit_code == 0
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"hoppergrace_12345_67890_{ASSIGNMENT}.ipynb", notebook)
        zf.writestr("readme.txt", "not a notebook")
    result = invoke(course, "collect", str(archive))
    assert result.exit_code == 1  # readme.txt was not collected, and says why
    assert "readme.txt" in result.output and "not a notebook (.txt)" in result.output
    assert result.output.splitlines()[-1].startswith("Collected 1 notebook (1 new) into submitted/. "
                                                     "Not collected: 1 skipped.")
    assert course.path("submitted", "grace", ASSIGNMENT, f"{ASSIGNMENT}.ipynb").is_file()
    again = invoke(course, "collect", str(archive), "--json")
    assert json.loads(again.stdout)["summary"].startswith("Collected 1 notebook (0 new) into submitted/.")

    from grader.store import Store
    from grader.store.models import Submission

    with Store.open(course).transaction() as session:
        rows = session.query(Submission).filter_by(student_id="grace").all()
        assert len(rows) == 1 and rows[0].kind == "assignment" and rows[0].target == ASSIGNMENT
        assert Store.open(course).file_path(rows[0].sha256).read_text() == notebook


def test_collect_refuses_what_it_cannot_read(course, tmp_path):
    (tmp_path / "x.txt").write_text("hello")
    result = invoke(course, "collect", str(tmp_path / "x.txt"))
    assert result.output.startswith("Error: ") and "neither a folder nor a zip file" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke(course, "collect", str(empty))
    assert (result.exit_code, result.output) == (
        1, f"Error: No files found in {empty}. Give a folder or an LMS zip (Canvas, Moodle) of hand-ins.\n")
