"""grader collect: Canvas and Moodle downloads as those LMSs name them; every file gets an outcome and a reason."""

from __future__ import annotations

import dataclasses
import json
import shutil
import zipfile

import pytest
from click.testing import CliRunner

from course_factory import ASSIGNMENT, released_notebook
from grader.autograde.collect import collect
from grader.cli import main
from grader.errors import SubmissionError
from grader.store import Store, Submission

PREPROCESSING = "01-preprocessing"  # a second released assignment, named as the course's first one is
ROSTER = """id,name,email,lms_id
jsmith,Jane Smith,jsmith@example.edu,12345
klee,Kim Lee,klee@example.edu,22345
mpark,Min Park,mpark@example.edu,32345
"""


@pytest.fixture(scope="module")
def lms_course(course, tmp_path_factory):
    """The fixture course with 01-preprocessing released too, and a roster that knows the Canvas user ids."""
    release = course.path("release", PREPROCESSING)
    release.mkdir()
    shutil.copy(course.path("release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb"), release / f"{PREPROCESSING}.ipynb")
    roster = tmp_path_factory.mktemp("roster") / "class.csv"
    roster.write_text(ROSTER)
    result = invoke(course, "roster", "import", str(roster))
    assert result.exit_code == 0, result.output
    return course


def invoke(course, *args):
    return CliRunner().invoke(main, ["--course", str(course.root), *args])


def notebook(course, tag: str) -> bytes:
    """A real notebook of the assignment, made distinct by ``tag`` (so each test hands in new bytes)."""
    data = released_notebook(course)
    data["metadata"]["handed_in_by"] = tag
    return json.dumps(data).encode()


def make_zip(path, files: dict[str, bytes | str]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def outcomes(result) -> dict[str, dict]:
    return {row["file"]: row for row in json.loads(result.stdout)["rows"]}


def submitted(course, student: str, assignment: str = PREPROCESSING):
    return course.path("submitted", student, assignment)


def test_the_three_canvas_names_of_the_issue_are_all_collected(lms_course, tmp_path):
    names = {"smithjane_12345_67890_01-preprocessing.ipynb": "jsmith",
             "leekim_late_22345_67891_01-preprocessing-1.ipynb": "klee",
             "parkmin_32345_67892_my homework.ipynb": "mpark"}
    archive = make_zip(tmp_path / "submissions.zip", {name: notebook(lms_course, f"three-{student}")
                                                      for name, student in names.items()})
    result = invoke(lms_course, "collect", str(archive), "--assignment", PREPROCESSING, "--json")
    assert result.exit_code == 0, result.output
    rows = outcomes(result)
    assert {name: (r["outcome"], r["student"], r["assignment"]) for name, r in rows.items()} == {
        name: ("collected", student, PREPROCESSING) for name, student in names.items()}
    assert [name for name, r in rows.items() if r["late"]] == ["leekim_late_22345_67891_01-preprocessing-1.ipynb"]
    assert rows["smithjane_12345_67890_01-preprocessing.ipynb"]["reason"] == "student by Canvas user id 12345"
    for name, student in names.items():
        folder = submitted(lms_course, student)
        assert json.loads((folder / f"{PREPROCESSING}.ipynb").read_text())["metadata"]["handed_in_by"] == \
            f"three-{student}"
        assert not (folder / "timestamp.txt").exists()  # a Canvas zip holds no hand-in times: no late penalty here
    with Store.open(lms_course).read() as session:
        late = {s.student_id: s.is_late for s in session.query(Submission).filter_by(target=PREPROCESSING)}
    assert late["klee"] is True and late["jsmith"] is False
    summary = json.loads(result.stdout)
    assert summary["counts"] == {"collected": 3, "superseded": 0, "ignored": 0, "skipped": 0}
    assert summary["summary"] == "Collected 3 notebooks (3 new) into submitted/."


def test_a_name_without_the_assignment_is_named_and_the_exit_status_says_so(lms_course, tmp_path):
    archive = make_zip(tmp_path / "submissions.zip", {
        "smithjane_12345_67990_01-preprocessing.ipynb": notebook(lms_course, "table-jsmith"),
        "leekim_late_22345_67991_01-preprocessing-1.ipynb": notebook(lms_course, "table-klee"),
        "parkmin_32345_67992_my homework.ipynb": notebook(lms_course, "table-mpark")})
    result = invoke(lms_course, "collect", str(archive))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    row = next(line for line in lines if line.startswith("parkmin_32345_67992_my homework.ipynb"))
    assert "skipped" in row and "mpark" in row and "no assignment found: the file name 'my homework.ipynb'" in row
    assert lines[-1] == ("Collected 2 notebooks (2 new) into submitted/. Not collected: 1 skipped. "
                         "Fix or hand in the skipped files again, then run 'grader collect' again.")
    assert json.loads((submitted(lms_course, "mpark") / f"{PREPROCESSING}.ipynb").read_text()) \
        ["metadata"]["handed_in_by"] != "table-mpark"


def test_a_canvas_download_names_every_file(lms_course, tmp_path):
    archive = make_zip(tmp_path / "bulk.zip", {
        "smithjane_12345_70001_01-preprocessing.ipynb": notebook(lms_course, "old"),
        "smithjane_12345_70005_01-preprocessing-1.ipynb": notebook(lms_course, "new"),
        "smithjane_12345_70006_notes.pdf": b"%PDF-1.4",
        "smithjane_12345_text.html": "<p>see my notebook</p>",
        "leekim_22345_70002_01-preprocessing.ipynb": notebook(lms_course, "same"),
        "leekim_22345_70003_01-preprocessing (1).ipynb": notebook(lms_course, "same"),
        "parkmin_32345_70004_01-preprocessing.py": "print('I forgot to save the notebook')",
        "doejohn_99999_70007_01-preprocessing.ipynb": notebook(lms_course, "stranger"),
        "anon_x8Kq2_70008_01-preprocessing.ipynb": notebook(lms_course, "anonymous"),
        "broken_32345_70009_01-preprocessing.ipynb": "{not json",
        "__MACOSX/._smithjane_12345_70001_01-preprocessing.ipynb": b"\x00\x05\x16\x07",
        "._leekim_22345_70002_01-preprocessing.ipynb": b"\x00\x05\x16\x07",  # unpacked on Linux, zipped again
    })
    result = invoke(lms_course, "collect", str(archive), "--json")
    assert result.exit_code == 1
    rows = outcomes(result)
    assert {name: (r["outcome"], r["student"]) for name, r in rows.items()} == {
        "smithjane_12345_70001_01-preprocessing.ipynb": ("superseded", "jsmith"),
        "smithjane_12345_70005_01-preprocessing-1.ipynb": ("collected", "jsmith"),
        "smithjane_12345_70006_notes.pdf": ("ignored", "jsmith"),
        "smithjane_12345_text.html": ("ignored", None),
        "leekim_22345_70002_01-preprocessing.ipynb": ("superseded", "klee"),
        "leekim_22345_70003_01-preprocessing (1).ipynb": ("collected", "klee"),
        "parkmin_32345_70004_01-preprocessing.py": ("skipped", "mpark"),
        "doejohn_99999_70007_01-preprocessing.ipynb": ("skipped", None),
        "anon_x8Kq2_70008_01-preprocessing.ipynb": ("skipped", None),
        "broken_32345_70009_01-preprocessing.ipynb": ("skipped", "mpark"),
        "__MACOSX/._smithjane_12345_70001_01-preprocessing.ipynb": ("ignored", None),
        "._leekim_22345_70002_01-preprocessing.ipynb": ("ignored", None),
    }
    reason = {name: r["reason"] for name, r in rows.items()}
    assert reason["smithjane_12345_70001_01-preprocessing.ipynb"] == \
        "older than smithjane_12345_70005_01-preprocessing-1.ipynb (the newest counts)"
    assert reason["leekim_22345_70002_01-preprocessing.ipynb"] == \
        "the same file as leekim_22345_70003_01-preprocessing (1).ipynb"
    assert reason["parkmin_32345_70004_01-preprocessing.py"] == "not a notebook (.py): hand in the .ipynb file"
    assert reason["doejohn_99999_70007_01-preprocessing.ipynb"].startswith(
        "no student found: Canvas user 99999 (doejohn) is not in the roster")
    assert reason["anon_x8Kq2_70008_01-preprocessing.ipynb"].startswith("Canvas's anonymous grading hides")
    assert reason["broken_32345_70009_01-preprocessing.ipynb"].startswith(
        "not a notebook: the file is not a notebook (not valid JSON")
    assert reason["smithjane_12345_text.html"] == "a Canvas text entry, not an uploaded file"
    assert json.loads((submitted(lms_course, "jsmith") / f"{PREPROCESSING}.ipynb").read_text()) \
        ["metadata"]["handed_in_by"] == "new"
    assert result.stderr.strip() == ("Collected 2 notebooks (2 new) into submitted/. Not collected: 2 superseded, "
                                     "4 ignored, 4 skipped. Fix or hand in the skipped files again, then run "
                                     "'grader collect' again.")


def test_a_moodle_download_is_matched_by_full_name(lms_course, tmp_path):
    archive = make_zip(tmp_path / "CNN-Preprocessing-42.zip", {
        "Jane Smith_501_assignsubmission_file/my notebook.ipynb": notebook(lms_course, "moodle-jsmith"),
        "Kim Lee_502_assignsubmission_file_/homework.ipynb": notebook(lms_course, "moodle-klee"),
        "Kim Lee_502_assignsubmission_onlinetext_/onlinetext.html": "<p>done</p>",
        "Park Min_503_assignsubmission_file_final.ipynb": notebook(lms_course, "moodle-mpark"),
        "Nobody Here_504_assignsubmission_file/x.ipynb": notebook(lms_course, "nobody"),
        "Participant_505_assignsubmission_file/x.ipynb": notebook(lms_course, "blind"),
        "Ada Lovelace_506_assignsubmission_file/report.docx": b"PK\x03\x04",
    })
    result = invoke(lms_course, "collect", str(archive), "--assignment", PREPROCESSING, "--json")
    assert result.exit_code == 1
    rows = outcomes(result)
    assert {name: (r["outcome"], r["student"]) for name, r in rows.items()} == {
        "Jane Smith_501_assignsubmission_file/my notebook.ipynb": ("collected", "jsmith"),
        "Kim Lee_502_assignsubmission_file_/homework.ipynb": ("collected", "klee"),
        "Kim Lee_502_assignsubmission_onlinetext_/onlinetext.html": ("ignored", None),
        "Park Min_503_assignsubmission_file_final.ipynb": ("collected", "mpark"),  # "Last First" order, flat name
        "Nobody Here_504_assignsubmission_file/x.ipynb": ("skipped", None),
        "Participant_505_assignsubmission_file/x.ipynb": ("skipped", None),
        "Ada Lovelace_506_assignsubmission_file/report.docx": ("skipped", None),
    }
    reason = {name: r["reason"] for name, r in rows.items()}
    assert reason["Jane Smith_501_assignsubmission_file/my notebook.ipynb"] == "student by name"
    assert reason["Kim Lee_502_assignsubmission_onlinetext_/onlinetext.html"] == \
        "Moodle's onlinetext submission, not an uploaded file"
    assert reason["Nobody Here_504_assignsubmission_file/x.ipynb"].startswith(
        "no student found: 'Nobody Here' is not a name in the roster (Moodle's number 504 is a participant number")
    assert reason["Participant_505_assignsubmission_file/x.ipynb"].startswith("Moodle's blind marking hides")
    assert reason["Ada Lovelace_506_assignsubmission_file/report.docx"] == \
        "not a notebook (.docx): hand in the .ipynb file"
    assert json.loads((submitted(lms_course, "mpark") / f"{PREPROCESSING}.ipynb").read_text()) \
        ["metadata"]["handed_in_by"] == "moodle-mpark"


def test_a_folder_in_nbgrader_layout_keeps_its_times_and_the_newer_hand_in(lms_course, tmp_path):
    def hand_in(root, tag, stamp, extra=None):
        folder = root / "frank" / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / "frank.ipynb").write_bytes(notebook(lms_course, tag))
        (folder / "timestamp.txt").write_text(stamp)
        for name, text in (extra or {}).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)
        return root

    newer = hand_in(tmp_path / "newer", "frank-newer", "2026-11-30 08:00:00.000000 UTC",
                    {"data.csv": "x\n1\n", ".ipynb_checkpoints/frank-checkpoint.ipynb": "{}", ".DS_Store": ""})
    result = invoke(lms_course, "collect", str(newer), "--json")
    assert result.exit_code == 0, result.output
    got = {name: (r["outcome"], r["reason"]) for name, r in outcomes(result).items()}
    assert got == {
        f"frank/{ASSIGNMENT}/frank.ipynb": ("collected", "student by folder"),
        f"frank/{ASSIGNMENT}/timestamp.txt": ("ignored", "nbgrader's hand-in time, read with the notebook beside it"),
        f"frank/{ASSIGNMENT}/data.csv": (
            "ignored", "not a notebook, beside the notebook collected for this student (only notebooks are graded)"),
        f"frank/{ASSIGNMENT}/.ipynb_checkpoints/frank-checkpoint.ipynb": ("ignored", "a Jupyter checkpoint copy"),
        f"frank/{ASSIGNMENT}/.DS_Store": ("ignored", "macOS folder metadata"),
    }
    folder = submitted(lms_course, "frank", ASSIGNMENT)
    assert (folder / "timestamp.txt").read_text().startswith("2026-11-30 08:00:00")

    older = hand_in(tmp_path / "older", "frank-older", "2026-11-29 08:00:00.000000 UTC")
    result = invoke(lms_course, "collect", str(older), "--json")
    assert result.exit_code == 0, result.output
    row = outcomes(result)[f"frank/{ASSIGNMENT}/frank.ipynb"]
    assert (row["outcome"], row["reason"]) == (
        "superseded", f"submitted/frank/{ASSIGNMENT}/ already holds a newer hand-in (2026-11-30 08:00 UTC)")
    assert json.loads((folder / f"{ASSIGNMENT}.ipynb").read_text())["metadata"]["handed_in_by"] == "frank-newer"

    again = invoke(lms_course, "collect", str(newer), "--json")
    row = outcomes(again)[f"frank/{ASSIGNMENT}/frank.ipynb"]
    assert (row["outcome"], row["new"], row["reason"]) == ("collected", False, "already collected (student by folder)")


def test_size_links_and_bad_options_are_named(lms_course, tmp_path):
    small = dataclasses.replace(lms_course, config={**lms_course.config,
                                                    "server": {**lms_course.config["server"], "max_notebook_mb": 1}})
    big = released_notebook(lms_course)
    big["metadata"]["padding"] = "x" * 1_200_000
    folder = tmp_path / "incoming" / "gina" / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "big.ipynb").write_text(json.dumps(big))
    outside = tmp_path / "secret.ipynb"
    outside.write_bytes(notebook(lms_course, "secret"))
    link_folder = tmp_path / "incoming" / "hana" / ASSIGNMENT
    link_folder.mkdir(parents=True)
    (link_folder / "link.ipynb").symlink_to(outside)
    report = collect(small, tmp_path / "incoming")
    got = {f.file: (f.outcome, f.reason) for f in report.files}
    assert got[f"gina/{ASSIGNMENT}/big.ipynb"][0] == "skipped"
    assert got[f"gina/{ASSIGNMENT}/big.ipynb"][1].startswith("too large: 1.2 MB; a notebook may have 1 MB")
    assert got[f"hana/{ASSIGNMENT}/link.ipynb"] == ("skipped", "unreadable: a symbolic link, not a file")
    assert not report.complete and not submitted(lms_course, "hana", ASSIGNMENT).exists()

    with pytest.raises(SubmissionError, match=r"--assignment 'nope' is not a released assignment\. Released "):
        collect(lms_course, tmp_path / "incoming", assignment="nope")
    result = invoke(lms_course, "collect", str(tmp_path / "incoming"), "--assignment", "nope")
    assert result.exit_code == 1 and result.stderr.startswith("Error: --assignment 'nope' is not a released")


@pytest.mark.parametrize("path, layout, own, late, file_id, resubmission", [
    ("smithjane_LATE_12345_67890_01-preprocessing.ipynb", "canvas", "01-preprocessing.ipynb", True, 67890, 0),
    ("smithjane_late_12345_67890_hw_1-2.ipynb", "canvas", "hw_1-2.ipynb", True, 67890, 2),
    ("smithjane_12345_67890_01-preprocessing-3f2a9c1e-1b2c-4d5e-8f90-a1b2c3d4e5f6.ipynb", "canvas",
     "01-preprocessing-3f2a9c1e-1b2c-4d5e-8f90-a1b2c3d4e5f6.ipynb", False, 67890, 8),  # Canvas's 8th and later
    ("Jane Smith_501_assignsubmission_file_/sub/dir/nb (2).ipynb", "moodle", "sub/dir/nb (2).ipynb", False, 0, 2),
    ("Default group_assignsubmission_file/nb.ipynb", "moodle", "nb.ipynb", False, 0, 0),
    ("alice/fixture_assignment/alice.ipynb", "nbgrader", "alice.ipynb", False, 0, 0),
    ("notes.ipynb", "plain", "notes.ipynb", False, 0, 0),
])
def test_lms_names_are_read_as_the_lms_writes_them(path, layout, own, late, file_id, resubmission):
    from grader.autograde.lms_names import parse

    name = parse(tuple(path.split("/")), [ASSIGNMENT, PREPROCESSING])
    assert (name.layout, name.own_name, name.late, name.file_id, name.resubmission) == \
        (layout, own, late, file_id, resubmission)


def test_a_name_two_students_share_matches_neither():
    from grader.autograde.lms_names import Roster, parse

    roster = Roster([("klee1", "Kim Lee", None), ("klee2", "Kim Lee", "22345"), ("jsmith", "Jane Smith", None)])
    canvas = roster.canvas(parse(("leekim_99999_1_hw.ipynb",), [PREPROCESSING]))
    assert canvas.student is None and canvas.how.startswith("the name matches several students (klee1, klee2)")
    assert roster.canvas(parse(("leekim_22345_1_hw.ipynb",), [PREPROCESSING])).student == "klee2"  # the id decides
    assert roster.canvas(parse(("smithjane_5_1_hw.ipynb",), [PREPROCESSING])).how == "by name"
    moodle = roster.moodle(parse(("Lee Kim_7_assignsubmission_file", "hw.ipynb"), [PREPROCESSING]))
    assert moodle.student is None and "several students" in moodle.how
    empty = Roster([]).canvas(parse(("leekim_22345_1_hw.ipynb",), [PREPROCESSING]))
    assert empty.how.startswith("no student found: the roster is empty")
