"""`grader release`: nbgrader's generate step, checksums in gradebook.db, zips without secrets."""

import hashlib
import io
import sys
import textwrap
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import numpy as np
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
    for secret in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "407_050\\n", "np.eye(10)[y_train]"):
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


def read_zip(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_arrays(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


@pytest.mark.parametrize("name", RELEASED)
def test_zip_holds_the_folder_a_student_needs_and_no_secret(course, name):
    files = read_zip(course.path("release", f"{name}.zip"))
    assert sorted(files) == sorted(f"{name}/{part}" for part in
                                   ("README.md", f"{name}.ipynb", "cnn_data.py", "data/mnist.npz", "requirements.txt"))
    text = files[f"{name}/{name}.ipynb"].decode("utf-8")
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    code = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells if c.cell_type == "code")
    assert "from cnn_data import load_splits" in code and "grader" not in code
    assert not any(part in n for n in files for part in ("judge", "mutants", "assignment.toml", "solution"))
    # the folder in release/ is what the zip holds
    folder = course.path("release", name)
    assert sorted(f"{name}/{p.relative_to(folder)}" for p in folder.rglob("*") if p.is_file()) == sorted(files)
    # the same files sit beside the source notebook, where `nbgrader autograde` copies them from
    source = course.path("source", name)
    for path in source.rglob("*"):
        if path.is_file() and path.suffix != ".ipynb":
            assert files[f"{name}/{path.relative_to(source)}"] == path.read_bytes()
    assert sorted(p.name for p in source.iterdir()) == sorted({n.split("/")[1] for n in files})


def test_the_loader_in_the_zip_is_the_file_the_sandbox_gives_the_notebook(course):
    from grader.datasets import cnn_data
    from grader.sandbox.run import runtime_dir

    shipped = read_zip(course.path("release", "01-preprocessing.zip"))["01-preprocessing/cnn_data.py"]
    assert shipped == Path(cnn_data.__file__).read_bytes() == (runtime_dir() / "cnn_data.py").read_bytes()
    imports = {line.split()[1] for line in shipped.decode().splitlines() if line.startswith(("import ", "from "))}
    assert imports - set(sys.stdlib_module_names) - {"__future__"} == {"numpy"}


def _digests(images: np.ndarray) -> set[str]:
    return {hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest() for image in images}


def test_the_data_is_the_training_split_only_as_the_grading_job_has_it(course, tmp_path):
    from grader.datasets import load_splits
    from grader.datasets.notebook_view import write_notebook_data

    files = read_zip(course.path("release", "02-dnn-mnist.zip"))
    shipped = zip_arrays(files["02-dnn-mnist/data/mnist.npz"])
    real = load_splits("mnist", course=course)
    images = [shipped[key] for key in shipped if key.startswith("x_")]
    assert not _digests(np.concatenate(images)) & (_digests(real.x_public) | _digests(real.x_private)), \
        "held-out test images are in the zip"
    assert len(shipped["y_train"]) + len(shipped["y_public"]) == len(real.y_train) and len(shipped["y_private"]) == 0
    assert all(array.dtype != object for array in shipped.values())
    # no other file of the zip carries arrays: the held-out labels are nowhere
    assert [name for name in files if name.endswith((".npz", ".npy", ".csv"))] == ["02-dnn-mnist/data/mnist.npz"]
    # the grading job's view of the same dataset is the same, array for array
    job = zip_arrays(write_notebook_data(course, ["mnist"], tmp_path)[0].read_bytes())
    assert sorted(job) == sorted(shipped)
    for key in job:
        np.testing.assert_array_equal(job[key], shipped[key])


def test_requirements_pin_what_the_notebook_imports(course):
    import importlib.metadata

    text = read_zip(course.path("release", "01-preprocessing.zip"))["01-preprocessing/requirements.txt"].decode()
    pins = [line for line in text.splitlines() if line and not line.startswith("#")]
    # the released 01 imports os, numpy, matplotlib and cnn_data (shipped); keras only in its hidden tests
    assert pins == [f"{name}=={importlib.metadata.version(name).split('.')[0]}.*" for name in ("matplotlib", "numpy")]
    text = read_zip(course.path("release", "02-dnn-mnist.zip"))["02-dnn-mnist/requirements.txt"].decode()
    assert [line.split("==")[0] for line in text.splitlines() if not line.startswith("#")] == \
        ["keras", "matplotlib", "numpy", "scipy"]  # 02 moves digits with scipy.ndimage


def test_assignments_are_recorded_in_the_store(course):
    from grader.store import Store
    from grader.store.models import Assignment

    with Store.open(course).read() as session:
        rows = {a.name: (a.title, a.points, a.due_at) for a in session.query(Assignment)}
    assert rows["01-preprocessing"] == ("Preprocessing MNIST: normalisation, flattening, one-hot encoding", 100.0, None)
    assert rows["02-dnn-mnist"][1] == 100.0


# ---------------------------------------------------------------- README facts, from assignment.toml

TINY_TOML = """\
title = "Tiny doubling"
points = {points}
{due}
late_penalty_per_day = 10
late_penalty_max = 30
datasets = {datasets}

[limits]
cell_seconds = 60
notebook_seconds = 120
"""


@pytest.fixture
def tiny_release_course(tmp_path, tiny_course):
    """A course with 00-tiny (TINY_TOML), a time zone, an optional [server] url, and its store."""
    from grader.course import find_course
    from grader.store import Store

    def make(*, server: str = "", points: int = 100, due: str = "due = 2026-12-01T23:59:00+09:00", datasets="[]"):
        (tiny_course / "grader.toml").write_text('[course]\ntimezone = "Asia/Seoul"\n' + server, encoding="utf-8")
        (tiny_course / "assignments" / "00-tiny" / "assignment.toml").write_text(
            TINY_TOML.format(points=points, due=due, datasets=datasets))
        course = find_course(tiny_course)
        Store.open(course).create()
        return course

    return make


def stored_row(course, name="00-tiny"):
    from grader.store import Store
    from grader.store.models import Assignment

    with Store.open(course).read() as session:
        row = session.get(Assignment, name)
        return row.title, row.points, row.due_at.replace(tzinfo=timezone.utc) if row.due_at else None


def test_readme_says_due_points_late_rule_and_the_server(tiny_release_course):
    course = tiny_release_course(server='[server]\nurl = "https://cnn.example.edu"\n')
    files = read_zip(release_assignments(course, ["00-tiny"])[0])
    assert sorted(files) == sorted(f"00-tiny/{n}" for n in ("00-tiny.ipynb", "README.md", "cnn_data.py", "requirements.txt"))
    readme = files["00-tiny/README.md"].decode()
    assert readme.startswith("# Tiny doubling\n")
    assert "| **Due** | Tuesday 2026-12-01 23:59 (Asia/Seoul, UTC+09:00) |" in readme
    # 30 points of visible tests and 10 of written answers in the notebook; the rest is the judge's
    assert ("| **Points** | 100: 30 from the test cells in the notebook, 10 for your written answers, "
            "60 from more checks that run when your notebook is graded |") in readme
    assert ("| **Late work** | 10 points off for each started day after the due date (a notebook one minute late "
            "is one day late), at most 30 points in all; a grade never goes below zero. |") in readme
    assert "| **Hand in** | `00-tiny.ipynb`, on the class server, <https://cnn.example.edu> |" in readme
    assert "Google Colab" in readme and "upload `cnn_data.py` and the files in `data/`" in readme
    assert files["00-tiny/requirements.txt"].decode().splitlines()[2:] == [f"numpy=={np.__version__.split('.')[0]}.*"]
    due = datetime(2026, 12, 1, 14, 59, tzinfo=timezone.utc)
    assert stored_row(course) == ("Tiny doubling", 100.0, due)
    from nbgrader.api import Gradebook

    with Gradebook(course.gradebook_url, course.get("course", "id")) as gradebook:
        assert gradebook.find_assignment("00-tiny").duedate == due.replace(tzinfo=None)


def test_release_without_a_server_and_a_changed_assignment_toml(tiny_release_course):
    course = tiny_release_course(datasets='["mnist"]')
    assert "00-tiny/data/mnist.npz" in read_zip(release_assignments(course, ["00-tiny"])[0])
    toml = course.path("assignments", "00-tiny", "assignment.toml")
    toml.write_text(TINY_TOML.format(points=90, due="due = 2026-12-08T12:00:00Z", datasets="[]")
                    .replace("Tiny doubling", "Tiny"))
    files = read_zip(release_assignments(course, ["00-tiny"])[0])
    assert not [name for name in files if "data/" in name], "a dataset no longer listed is still shipped"
    readme = files["00-tiny/README.md"].decode()
    assert "| **Hand in** | `00-tiny.ipynb`, as your instructor says |" in readme
    assert "Hand in the notebook `00-tiny.ipynb` alone, with its name unchanged, as your instructor says." in readme
    assert "class server" not in readme
    assert "| **Due** | Tuesday 2026-12-08 21:00 (Asia/Seoul, UTC+09:00) |" in readme
    # assignment.toml is the source of truth: every release writes the row again
    assert stored_row(course) == ("Tiny", 90.0, datetime(2026, 12, 8, 12, tzinfo=timezone.utc))
    toml.write_text(TINY_TOML.format(points=90, due="", datasets="[]").replace("late_penalty_per_day = 10", ""))
    readme = read_zip(release_assignments(course, ["00-tiny"])[0])["00-tiny/README.md"].decode()
    assert "| **Due** | not set yet |" in readme
    assert "| **Late work** | No due date is set yet: your instructor will announce it. |" in readme
    assert stored_row(course)[2] is None


@pytest.mark.parametrize("line, message", [
    ('due = "next tuesday"', "due = 'next tuesday' is not a date-time; write it as 2026-12-01T23:59:00+09:00."),
    ("due = 2026-12-01", "due must be a date-time (2026-12-01T23:59:00+09:00), got datetime.date(2026, 12, 1)."),
    ("late_penalty_per_day = -5", "late_penalty_per_day must be a number of points (0 or more), got -5."),
    ('points = "all"', "points must be a number of points (0 or more), got 'all'."),
    ('datasets = "mnist"', 'datasets must be a list of dataset names, e.g. datasets = ["mnist"].'),
    ('datasets = ["mnsit"]', "datasets names an unknown dataset 'mnsit'; known datasets: mnist, fashion-mnist, "
                             "cifar-10, dogs-vs-cats, shapes."),
])
def test_a_wrong_assignment_toml_stops_the_release_with_one_line(tiny_release_course, line, message):
    course = tiny_release_course()
    toml = course.path("assignments", "00-tiny", "assignment.toml")
    key = line.split(" = ")[0]
    kept = [row for row in toml.read_text().splitlines() if not row.startswith(f"{key} =")]
    toml.write_text("\n".join([line, *kept]) + "\n")
    result = CliRunner().invoke(main, ["--course", str(course.root), "release", "00-tiny"])
    assert (result.exit_code, result.output) == (1, f"Error: {toml}: {message}\n")
    assert not course.path("release", "00-tiny.zip").exists()


def test_a_notebook_that_imports_the_kit_is_not_released(tiny_release_course):
    course = tiny_release_course()
    source = course.path("assignments", "00-tiny", "00-tiny.py")
    source.write_text(source.read_text().replace("import numpy as np", "import numpy as np\nfrom grader.datasets import load_splits"))
    result = CliRunner().invoke(main, ["--course", str(course.root), "release", "00-tiny"])
    assert result.exit_code == 1
    assert result.output == ("Error: 00-tiny.ipynb, cell 1 imports 'grader', which students do not have: load data "
                             "with `from cnn_data import load_splits`, the loader that ships with the release.\n")
    assert not course.path("release", "00-tiny.zip").exists()


def test_requirements_are_derived_from_imports():
    import importlib.metadata

    from grader.errors import AssignmentError
    from grader.handout import requirements_txt

    def major(name):
        return importlib.metadata.version(name).split(".")[0]

    code = textwrap.dedent("""\
        import os, json
        import PIL.Image
        from tensorflow.keras import layers
        from . import sibling
        import cnn_data
        def later():
            import scipy.ndimage
    """)
    lines = requirements_txt({"cell 1": code}).splitlines()
    assert lines[0].startswith("# ") and lines[1] == "# pip install -r requirements.txt"
    # the module PIL comes from the distribution pillow; imports inside functions count too
    assert lines[2:] == [f"pillow=={major('pillow')}.*", f"scipy=={major('scipy')}.*", f"tensorflow=={major('tensorflow')}.*"]
    with pytest.raises(AssignmentError, match=r"^cell 2 imports 'surely_not_a_package', which is not installed here"):
        requirements_txt({"cell 1": "import numpy", "cell 2": "import surely_not_a_package"})
    with pytest.raises(AssignmentError, match=r"^cell 3 is not valid Python \(.*, line 1\); fix it and release again\.$"):
        requirements_txt({"cell 3": "def broken(:"})


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
