"""A tiny assignment for tests that need one fast: a course with ``00-tiny`` only."""

import textwrap

import pytest

TINY_NOTEBOOK = '''\
# %% [markdown]
# # Tiny
# Doubling (두 배) numbers.

# %%
import numpy as np

# %% nbgrader="solution" grade_id="double"
def double(x):
    ### BEGIN SOLUTION
    return np.asarray(x) * 2
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_double" points=30
assert double(1) == 2
### BEGIN HIDDEN TESTS
assert double(5) == 10
### END HIDDEN TESTS

# %% [markdown] nbgrader="manual" grade_id="why" points=10
# YOUR ANSWER HERE
'''

TINY_JUDGE = '''\
import numpy as np
import pytest


@pytest.mark.points(40)
def test_double_values(student, rng):
    x = rng.integers(-100, 100, size=7)
    assert np.array_equal(student.double(x), 2 * x), "double must multiply by 2"


@pytest.mark.points(20)
def test_double_float(student):
    assert np.allclose(student.double(np.array([0.25])), [0.5]), "double must work on floats"
'''

TINY_MUTANTS = {
    "adds_two.py": '"""Mistake: adds 2."""\nimport numpy as np\n\n\ndef double(x):\n    return np.asarray(x) + 2\n',
    "squares.py": '"""Mistake: squares."""\nimport numpy as np\n\n\ndef double(x):\n    return np.asarray(x) ** 2\n',
    "int_only.py": '"""Mistake: integers only."""\nimport numpy as np\n\n\ndef double(x):\n    return np.asarray(x).astype(int) * 2\n',
    "returns_list.py": '"""Mistake: a list of the wrong length."""\n\n\ndef double(x):\n    return [0]\n',
}


def write_tiny(folder, *, mutants=TINY_MUTANTS, judge=TINY_JUDGE, points=100):
    folder.mkdir(parents=True)
    (folder / "00-tiny.py").write_text(TINY_NOTEBOOK, encoding="utf-8")
    (folder / "assignment.toml").write_text(
        textwrap.dedent(f'''\
            title = "Tiny"
            topic = "tiny"
            points = {points}
            [limits]
            cell_seconds = 60
            notebook_seconds = 120
        '''), encoding="utf-8")
    (folder / "judge").mkdir()
    (folder / "judge" / "test_tiny.py").write_text(judge, encoding="utf-8")
    (folder / "mutants").mkdir()
    for name, code in mutants.items():
        (folder / "mutants" / name).write_text(code, encoding="utf-8")
    return folder


@pytest.fixture
def tiny_course(tmp_path):
    """A minimal course directory (grader.toml and assignments/00-tiny) without the store."""
    root = tmp_path / "course"
    root.mkdir()
    (root / "grader.toml").write_text("", encoding="utf-8")
    write_tiny(root / "assignments" / "00-tiny")
    return root
