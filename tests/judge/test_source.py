"""The student's code taken out of a notebook."""

import nbformat

from grader.judge.backend import split_cells
from grader.judge.source import student_cells, student_source


def notebook():
    def code(source, **nbgrader):
        cell = nbformat.v4.new_code_cell(source)
        if nbgrader:
            cell.metadata["nbgrader"] = nbgrader
        return cell

    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title"),
        code("%matplotlib inline\nimport numpy as np\n!pip install nothing\n  %time x = 1"),
        code("def f():\n    return 1", solution=True, grade=False, grade_id="f"),
        code("assert f() == 1", solution=False, grade=True, grade_id="test_f", points=1),
        code("def g():\n    return 2", solution=True, grade=False, grade_id="g"),
        code("y = f() + g()"),
    ])


def test_test_cells_and_magics_are_dropped():
    cells = student_cells(notebook())
    assert cells == ["import numpy as np", "def f():\n    return 1", "def g():\n    return 2", "y = f() + g()"]


def test_a_mutant_follows_the_last_solution_cell_and_overrides_it():
    cells = student_cells(notebook(), mutant="def f():\n    return 9")
    assert cells == ["import numpy as np", "def f():\n    return 1", "def g():\n    return 2",
                     "def f():\n    return 9", "y = f() + g()"]
    namespace: dict = {}
    exec("\n".join(cells), namespace)
    assert namespace["y"] == 11  # the mutant's f, the solution's g


def test_source_round_trips_through_the_backends_cell_splitter(tmp_path):
    path = tmp_path / "n.ipynb"
    nbformat.write(notebook(), path)
    assert split_cells(student_source(path)) == student_cells(notebook())
