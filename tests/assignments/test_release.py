"""`grader release`: nbgrader's generate step, checksums in gradebook.db, zips without secrets."""

import zipfile

import nbformat
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.course import init_course
from grader.release import release_assignments

RELEASED = ["01-preprocessing", "02-dnn-mnist"]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = init_course(tmp_path_factory.mktemp("release") / "course")
    release_assignments(course, RELEASED)
    return course


@pytest.mark.parametrize("name", RELEASED)
def test_solutions_and_hidden_tests_are_stripped(course, name):
    text = course.path("release", name, f"{name}.ipynb").read_text(encoding="utf-8")
    source = course.path("source", name, f"{name}.ipynb").read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" in source and "BEGIN HIDDEN TESTS" in source
    for secret in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "407_050\\n", "to_categorical(y_train, 10))"):
        assert secret not in text
    notebook = nbformat.read(course.path("release", name, f"{name}.ipynb"), as_version=4)
    solutions = [c for c in notebook.cells if c.cell_type == "code" and c.metadata["nbgrader"].get("solution")]
    assert solutions and all("raise NotImplementedError()" in c.source for c in solutions)
    tests = [c for c in notebook.cells if c.metadata["nbgrader"].get("grade") and not c.metadata["nbgrader"]["solution"]]
    assert tests and all(c.metadata["nbgrader"]["locked"] for c in tests)


def test_no_solution_code_survives(course):
    notebook = nbformat.read(course.path("release", "01-preprocessing", "01-preprocessing.ipynb"), as_version=4)
    normalize = next(c for c in notebook.cells if c.metadata["nbgrader"].get("grade_id") == "normalize")
    assert "/ 255.0" not in normalize.source and normalize.source.startswith("def normalize(images):")


@pytest.mark.parametrize("name", RELEASED)
def test_checksums_are_in_the_gradebook_and_match_the_release(course, name):
    from nbgrader.utils import compute_checksum

    notebook = nbformat.read(course.path("release", name, f"{name}.ipynb"), as_version=4)
    from nbgrader.api import Gradebook

    with Gradebook(course.gradebook_url, course.get("course", "id")) as gradebook:
        stored = gradebook.find_notebook(name, name)
        rows = {cell.name: cell.checksum for cell in stored.source_cells}
        grade_cells = {cell.name for cell in stored.grade_cells}
    graded = {c.metadata["nbgrader"]["grade_id"] for c in notebook.cells if c.metadata["nbgrader"].get("grade")}
    assert graded and graded == grade_cells
    locked = [c for c in notebook.cells if c.metadata["nbgrader"].get("locked")]
    assert locked
    source = nbformat.read(course.path("source", name, f"{name}.ipynb"), as_version=4)
    with_hidden_tests = {c.metadata["nbgrader"]["grade_id"] for c in source.cells if "BEGIN HIDDEN TESTS" in c.source}
    assert with_hidden_tests
    for cell in locked:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        assert cell.metadata["nbgrader"]["checksum"] == compute_checksum(cell)
        assert rows[grade_id]
        if grade_id not in with_hidden_tests:  # nbgrader keeps those cells' full source (and checksum) in the db
            assert rows[grade_id] == cell.metadata["nbgrader"]["checksum"]


@pytest.mark.parametrize("name", RELEASED)
def test_zip_holds_only_the_student_notebook(course, name):
    with zipfile.ZipFile(course.path("release", f"{name}.zip")) as archive:
        names = archive.namelist()
        assert names == [f"{name}/{name}.ipynb"]
        text = archive.read(names[0]).decode("utf-8")
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert not any(part in n for n in names for part in ("judge", "mutants", "assignment.toml", "solution"))


def test_assignments_are_recorded_in_the_store(course):
    from grader.store import Store
    from grader.store.models import Assignment

    with Store.open(course).read() as session:
        rows = {a.name: (a.title, a.points) for a in session.query(Assignment)}
    assert rows["01-preprocessing"] == ("Preprocessing MNIST: normalisation, flattening, one-hot encoding", 100.0)
    assert rows["02-dnn-mnist"][1] == 100.0


def test_cli_release_again_and_errors(course):
    runner = CliRunner()
    result = runner.invoke(main, ["--course", str(course.root), "release", "01-preprocessing"])
    assert result.exit_code == 0, result.output
    assert result.output == f"released 01-preprocessing: {course.path('release', '01-preprocessing.zip')}\n"
    result = runner.invoke(main, ["--course", str(course.root), "release"])
    assert (result.exit_code, result.output) == (1, "Error: Name the assignments or competitions to release, or pass --all.\n")
    result = runner.invoke(main, ["--course", str(course.root), "release", "99-nope"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Unknown assignment or competition '99-nope'. Assignments: 01-preprocessing, ")
    assert "competitions: cifar-10, digit-recognizer" in result.output
    assert "\n" not in result.output.rstrip("\n")


def test_releasing_a_competition_releases_no_assignment(course):
    before = sorted(p.name for p in course.path("release").iterdir())
    result = CliRunner().invoke(main, ["--course", str(course.root), "release", "shapes-challenge"])
    assert result.exit_code == 0, result.output
    assert result.output == f"released shapes-challenge: {course.path('release', 'shapes-challenge.zip')}\n"
    after = sorted(p.name for p in course.path("release").iterdir())
    assert sorted(set(after) - set(before)) in (["shapes-challenge.zip"], ["shapes-challenge", "shapes-challenge.zip"])


@pytest.mark.slow
def test_release_all_releases_what_it_can_and_names_what_it_skipped(course):
    from grader.competitions.config import list_competitions
    from grader.datasets import get_dataset

    result = CliRunner().invoke(main, ["--course", str(course.root), "release", "--all"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for name in RELEASED:
        assert f"released {name}: {course.path('release', f'{name}.zip')}" in lines
    for name in list_competitions(course):
        from grader.competitions.config import load_competition

        if get_dataset(load_competition(course, name).dataset, course).available():
            assert f"released {name}: {course.path('release', f'{name}.zip')}" in lines
        else:
            assert any(line.startswith(f"skipped {name}: Dataset ") for line in lines)
