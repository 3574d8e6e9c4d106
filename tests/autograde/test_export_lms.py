"""grader export --format canvas|moodle: the files those LMSs import, checked against the grade records."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from course_factory import ASSIGNMENT, make_course, released_notebook, solved_notebook, submit
from grader.cli import main
from grader.errors import GraderError
from grader.export import CANVAS_IDENTITY, MOODLE_IDENTITY, export_lms
from grader.grades import grade_records
from grader.store import Assignment, Grade, GradingJob, Store

EXTRA = "02-extra"
FIXTURE_TITLE = "Fixture: double and clip01"
EXTRA_TITLE = "Extra: pooling by hand"
ROSTER = """id,name,email,lms_id
alice,Alice Kim,alice@example.edu,1001
bob,Bob Lee,bob@example.edu,
carol,Carol Park,carol@example.edu,1003
"""
# (assignment, student): notebook points, judge points, late penalty, written answers graded?
GRADES = {(ASSIGNMENT, "alice"): (20.0, 40.0, 0.0), (ASSIGNMENT, "bob"): (12.5, 20.25, 10.0),
          (EXTRA, "alice"): (7.0, 3.0, 0.0), (EXTRA, "carol"): (0.0, 0.0, 0.0)}


def invoke(course, *args):
    return CliRunner().invoke(main, ["--course", str(course.root), *args])


def write_grade(store, assignment, student, notebook, judge, late, *, max_points=(20.0, 40.0, 5.0)):
    """A finished grading job and its Grade row, as the autograder records them (no gradebook cells)."""
    with store.transaction() as session:
        job = GradingJob(target=assignment, owner=student, sha256=f"{assignment}-{student}".ljust(64, "0"),
                         status="done", verdict="graded")
        session.add(job)
        session.flush()
        session.add(Grade(job_id=job.id, assignment=assignment, student_id=student, status="graded",
                          notebook_points=notebook, judge_points=judge, late_penalty=late, max_points=sum(max_points),
                          details={"notebook_max": max_points[0], "judge_max": max_points[1],
                                   "manual_max": max_points[2]}))


@pytest.fixture(scope="module")
def recorded(course, tmp_path_factory):
    """The fixture course with a second assignment, a roster, and grade rows written directly."""
    store = Store.open(course)
    with store.transaction() as session:
        session.add(Assignment(name=EXTRA, title=EXTRA_TITLE, points=10.0,
                               due_at=datetime(2027, 1, 15, tzinfo=timezone.utc)))
        session.get(Assignment, ASSIGNMENT).due_at = datetime(2026, 12, 1, tzinfo=timezone.utc)
    roster = tmp_path_factory.mktemp("roster") / "class.csv"
    roster.write_text(ROSTER)
    assert invoke(course, "roster", "import", str(roster)).exit_code == 0
    for (assignment, student), points in GRADES.items():
        write_grade(store, assignment, student, *points,
                    max_points=(20.0, 40.0, 5.0) if assignment == ASSIGNMENT else (5.0, 5.0, 0.0))
    return course


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def totals(course) -> dict[tuple[str, str], float]:
    return {(r.assignment, r.student): r.total for r in grade_records(course)}


def test_canvas_file_has_canvas_columns_and_one_total_per_assignment(recorded):
    export = export_lms(recorded, "canvas")
    header, points, *students = rows_of(export.text)
    assert header == CANVAS_IDENTITY + [FIXTURE_TITLE, EXTRA_TITLE]  # by due date; no second score column
    assert points == ["    Points Possible", "", "", "", "", "65", "10"]
    expected = totals(recorded)
    assert expected[(ASSIGNMENT, "bob")] == 22.75  # 12.5 + 20.25 - 10 late
    by_login = {row[3]: row for row in students}
    assert sorted(by_login) == ["alice", "bob", "carol"]
    assert by_login["alice"][:5] == ["Alice Kim", "1001", "", "alice", ""]
    assert by_login["bob"][:5] == ["Bob Lee", "", "", "bob", ""]
    for student, row in by_login.items():
        for column, assignment in ((5, ASSIGNMENT), (6, EXTRA)):
            if (assignment, student) in expected:
                assert float(row[column]) == expected[(assignment, student)], (student, assignment)
            else:
                assert row[column] == "", (student, assignment)  # Canvas leaves a blank cell's grade as it is
    assert by_login["bob"][5] == "22.75" and by_login["alice"][5] == "60"
    assert any(w.startswith("1 student without a Canvas user id") and w.endswith("bob.") for w in export.warnings)
    assert any("wait for written answers" in w and "alice (fixture_assignment)" in w for w in export.warnings)


def test_moodle_file_has_an_identifier_and_one_column_per_grade_item(recorded):
    export = export_lms(recorded, "moodle", assignments=[ASSIGNMENT])
    header, *students = rows_of(export.text)
    assert header == MOODLE_IDENTITY + [FIXTURE_TITLE]
    assert students == [["Alice", "Kim", "alice", "alice@example.edu", "60"],
                        ["Bob", "Lee", "bob", "bob@example.edu", "22.75"]]  # carol has no grade for it: no row


def test_moodle_file_drops_the_email_column_when_an_email_is_missing(recorded, tmp_path):
    store = Store.open(recorded)
    write_grade(store, EXTRA, "dave", 5.0, 5.0, 0.0, max_points=(5.0, 5.0, 0.0))  # graded, never in the roster
    try:
        export = export_lms(recorded, "moodle", assignments=[EXTRA])
    finally:
        with store.transaction() as session:
            for grade in session.query(Grade).filter_by(student_id="dave"):
                session.delete(grade)
    header, *students = rows_of(export.text)
    assert header == MOODLE_IDENTITY[:3] + [EXTRA_TITLE]
    assert ["", "", "dave", "10"] in students and all(len(row) == 4 for row in students)
    assert any("without an email" in w and "map from 'ID number'" in w for w in export.warnings)


CANVAS_EXPORT = """Student,ID,SIS User ID,SIS Login ID,Section,Fixture: Double and Clip01 (4411),Quiz 1 (4412),\
Assignments Current Score,Current Score,Final Score
    Points Possible,,,,,65.00,10.00,(read only),(read only),(read only)
"Kim, Alice",1001,S-1,akim,CNN 101,,8.00,80,80,80
"Lee, Bob",1002,S-2,bob,CNN 101,,9.00,90,90,90
"Park, Carol",1077,S-3,cpark,CNN 101,,7.00,70,70,70
"Student, Test",1099,,,CNN 101,,,,,
"""


def test_canvas_gradebook_export_gives_ids_and_assignment_columns(recorded, tmp_path):
    template = tmp_path / "2026-12-02T0900_Grades-CNN_101.csv"
    template.write_text("\ufeff" + CANVAS_EXPORT, encoding="utf-8")
    export = export_lms(recorded, "canvas", canvas_gradebook=template)
    header, points, *students = rows_of(export.text)
    assert header == CANVAS_IDENTITY + ["Fixture: Double and Clip01 (4411)", EXTRA_TITLE]
    assert points[5:] == ["65", "10"]
    by_name = {row[0]: row for row in students}
    assert by_name["Kim, Alice"] == ["Kim, Alice", "1001", "S-1", "akim", "CNN 101", "60", "10"]  # by Canvas id
    assert by_name["Lee, Bob"][5:] == ["22.75", ""]  # by SIS Login ID
    assert by_name["Park, Carol"][5:] == ["", "0"]  # by name: Canvas's sortable name
    assert by_name["Student, Test"][5:] == ["", ""]
    assert any(f"matches {EXTRA_TITLE!r}" in w and "create a new assignment" in w for w in export.warnings)


def test_export_cli_writes_the_lms_file_and_refuses_what_does_not_fit(recorded, tmp_path):
    out = tmp_path / "canvas.csv"
    result = invoke(recorded, "export", "--format", "canvas", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {out}.\n" and "Warning: 1 student without a Canvas user id" in result.stderr
    assert rows_of(out.read_text())[0] == CANVAS_IDENTITY + [FIXTURE_TITLE, EXTRA_TITLE]
    csv_rows = rows_of(invoke(recorded, "export").stdout)  # today's format: unchanged, one row per pair
    assert csv_rows[0][:4] == ["assignment", "duedate", "timestamp", "student_id"]

    refused = invoke(recorded, "export", "--assignment", ASSIGNMENT)
    assert refused.exit_code == 2 and "go with --format canvas or moodle" in refused.output
    wrong = invoke(recorded, "export", "--format", "moodle", "--canvas-gradebook", str(out))
    assert (wrong.exit_code, wrong.output) == (1, "Error: --canvas-gradebook is Canvas's own gradebook export; it "
                                                  "goes with --format canvas only.\n")
    unknown = invoke(recorded, "export", "--format", "canvas", "--assignment", "nope")
    assert unknown.exit_code == 1 and unknown.output.startswith("Error: Unknown assignment 'nope'. Known assignments:")
    nowhere = invoke(recorded, "export", "--format", "moodle", "--out", str(tmp_path / "missing" / "m.csv"))
    assert (nowhere.exit_code, nowhere.output) == (1, f"Error: Cannot write {tmp_path / 'missing' / 'm.csv'}: No such "
                                                      "file or directory. Check the folder exists and is writable.\n")
    not_canvas = tmp_path / "grades.csv"
    not_canvas.write_text("name,score\nalice,3\n")
    bad = invoke(recorded, "export", "--format", "canvas", "--canvas-gradebook", str(not_canvas))
    assert bad.exit_code == 1 and bad.output.startswith("Error: grades.csv is not Canvas's gradebook export")


def test_export_before_any_grade_says_what_to_run(tmp_path):
    fresh = make_course(tmp_path / "fresh")
    with pytest.raises(GraderError, match=r"^No grades to export yet\. Run 'grader score' first\.$"):
        export_lms(fresh, "moodle")


@pytest.mark.slow
def test_a_graded_course_exports_the_totals_nbgrader_and_cnnkit_agree_on(tmp_path, use_sandbox):
    """Real grading: the LMS files carry grade_records' totals, written answers graded in the formgrader included."""
    from nbgrader.api import Gradebook

    graded = make_course(tmp_path / "graded")
    submit(graded, "alice", solved_notebook(graded))
    submit(graded, "bob", released_notebook(graded))
    args = ["score", ASSIGNMENT, "--workers", "2"] + ([] if use_sandbox else ["--no-sandbox"])
    result = invoke(graded, *args)
    assert result.exit_code == 0, result.output
    with Gradebook(graded.gradebook_url) as gb:
        notebook = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "alice")
        next(g for g in notebook.grades if g.name == "explain").manual_score = 4.0
        gb.db.commit()
    records = {r.student: r for r in grade_records(graded)}
    assert records["alice"].manual_points == 4.0 and records["alice"].total == 64.0
    canvas_header, _points, *canvas = rows_of(export_lms(graded, "canvas").text)
    moodle = rows_of(export_lms(graded, "moodle").text)
    assert canvas_header[5:] == moodle[0][3:] == [FIXTURE_TITLE]  # no roster: no emails, so no Email column
    assert {row[3]: float(row[5]) for row in canvas} == {s: r.total for s, r in records.items()}
    assert {row[2]: float(row[3]) for row in moodle[1:]} == {s: r.total for s, r in records.items()}
    nbgrader_scores = {row[3]: float(row[9]) for row in rows_of(invoke(graded, "export").stdout)[1:]}
    assert nbgrader_scores == {s: r.total for s, r in records.items()}
