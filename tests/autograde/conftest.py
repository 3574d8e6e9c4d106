"""A small course with the hostile corpus's fixture assignment, for the autograde steps."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "hostile"))

from course_factory import ASSIGNMENT, make_course, released_notebook, solved_notebook, submit  # noqa: E402,F401


def sandbox_available() -> bool:
    try:
        from grader.sandbox import probe
    except ImportError:
        return False
    return all(ok for _name, ok, _detail, _fix in probe()[:2])


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("autograde") / "course")


@pytest.fixture(scope="module")
def use_sandbox():
    return sandbox_available()
