"""Every released notebook works from its unzipped folder, where the kit cannot be imported.

With the instructor's solutions filled in, every cell passes (every visible test
among them); as released, only the exercises and the cells that depend on them
fail (the rule is in ``released_run.py`` and is tested on its own below).

Cost: sixteen kernels (each notebook as solved and as released), most of whose
time is starting a kernel and importing TensorFlow; the two runs of a notebook
go side by side, one kernel per core. The notebooks themselves are not shrunk.
"""

from __future__ import annotations

import zipfile

import nbformat
import pytest

from grader.assignments_source import shipped_assignments
from grader.course import init_course
from grader.release import release_assignments

from released_run import (broken_rule, cell_errors, expected_outcomes, kit_free_env, run_side_by_side,
                           with_solutions)

ALL = [assignment.name for assignment in shipped_assignments()]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = init_course(tmp_path_factory.mktemp("released-notebooks") / "course")
    release_assignments(course, ALL)
    return course


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_released_notebook_runs_from_its_folder_without_the_kit(course, name, tmp_path):
    folders = {}
    for variant in ("solved", "released"):
        with zipfile.ZipFile(course.path("release", f"{name}.zip")) as archive:
            archive.extractall(tmp_path / variant)
        folders[variant] = tmp_path / variant / name
    released = nbformat.read(folders["released"] / f"{name}.ipynb", as_version=4)
    solved = with_solutions(released, nbformat.read(course.path("source", name, f"{name}.ipynb"), as_version=4))
    probes = run_side_by_side([(solved, folders["solved"]), (released, folders["released"])],
                              kit_free_env(tmp_path / "startup"), cell_seconds=300)

    assert probes == ["kit absent\nloader beside the notebook: True\n"] * 2
    failed = {index: f"{ename}: {evalue}" for index, (ename, evalue) in cell_errors(solved).items()}
    assert failed == {}, f"cells of the solved notebook failed: {failed}"
    for notebook in (solved, released):  # every cell ran, the visible tests among them
        assert all(c.execution_count for c in notebook.cells if c.cell_type == "code")
    assert any(c.metadata["nbgrader"].get("grade") for c in solved.cells if c.cell_type == "code")
    assert broken_rule(released, cell_errors(released)) == []


# ---------------------------------------------------------------- the rule itself


def _notebook(*cells):
    """Cells as (kind, source): kind is "code", "exercise" (an nbgrader solution) or "test"."""
    notebook = nbformat.v4.new_notebook()
    for index, (kind, source) in enumerate(cells):
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = {"grade_id": f"c{index}", "solution": kind == "exercise", "grade": kind == "test"}
        notebook.cells.append(cell)
    return notebook


RULE_NOTEBOOK = _notebook(
    ("code", "import numpy as np\nSIZE = 3"),                                   # 0 must_pass
    ("exercise", "def double(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"),  # 1 must_pass: a def
    ("test", "assert double(1) == 2"),                                         # 2 must_fail
    ("code", "y = double(np.arange(SIZE))"),                                   # 3 may_fail
    ("code", "print(y.sum())"),                                                # 4 may_fail: y is unfinished
    ("code", "def twice_double(x):\n    return double(double(x))"),           # 5 must_pass: the body runs later
    ("code", "twice_double(1)"),                                               # 6 may_fail
    ("code", "z = [SIZE * i for i in range(4)]"),                              # 7 must_pass
    ("exercise", "model = None\n# YOUR CODE HERE\nraise NotImplementedError()"),  # 8 must_fail: the stub runs
    ("code", "pick = lambda: model\nprint(pick())"),                          # 9 may_fail: the lambda runs now
    ("code", "class Wrapper:\n    size = SIZE\n    def call(self):\n        return double(2)"),  # 10 must_pass
    ("code", "Wrapper().call()"),                                              # 11 may_fail: a method uses double
)


def test_the_rule_classifies_every_cell():
    expectations, unfinished = expected_outcomes(RULE_NOTEBOOK)
    assert [e.outcome for e in expectations] == [
        "must_pass", "must_pass", "must_fail", "may_fail", "may_fail", "must_pass", "may_fail", "must_pass",
        "must_fail", "may_fail", "must_pass", "may_fail"]
    assert {"double", "y", "twice_double", "model", "pick", "Wrapper"} <= unfinished
    assert not {"np", "SIZE", "z"} & unfinished


def _with_errors(errors: dict[int, tuple[str, str]]):
    notebook = nbformat.from_dict(nbformat.v4.new_notebook(cells=[c.copy() for c in RULE_NOTEBOOK.cells]))
    for index, (ename, evalue) in errors.items():
        notebook.cells[index].outputs = [nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])]
    return notebook


KEPT = {2: ("NotImplementedError", ""), 3: ("NotImplementedError", ""), 4: ("NameError", "name 'y' is not defined"),
        8: ("NotImplementedError", "")}


def test_a_run_that_keeps_the_rule():
    notebook = _with_errors(KEPT)
    assert broken_rule(notebook, cell_errors(notebook)) == []


@pytest.mark.parametrize("change, problem", [
    ({2: None}, "cell 2 (visible test c2) passed; it must fail until the exercise is done"),
    ({8: None}, "cell 8 (exercise c8 (its stub runs)) passed; it must fail until the exercise is done"),
    ({7: ("FileNotFoundError", "no data")}, "cell 7 (depends on no exercise) failed with FileNotFoundError: no data"),
    ({3: ("ValueError", "bad shape")},
     "cell 3 (uses double) failed with ValueError: bad shape, not with the stub's error"),
    ({4: ("NameError", "name 'np' is not defined")},
     "cell 4 (uses y) failed with NameError: name 'np' is not defined, not with the stub's error"),
])
def test_a_run_that_breaks_the_rule_says_where(change, problem):
    errors = {**KEPT, **change}
    notebook = _with_errors({index: error for index, error in errors.items() if error is not None})
    assert broken_rule(notebook, cell_errors(notebook)) == [problem]

