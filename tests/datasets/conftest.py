"""Fixtures for the dataset tests: an environment with no datasets in it, and a course factory."""

from __future__ import annotations

import pytest
from dataset_files import write_course

from grader.course import find_course

ENV_VARS = ("CNNKIT_MNIST", "CNNKIT_FASHION_MNIST", "CNNKIT_CIFAR10", "CNNKIT_DOGS_VS_CATS", "CNNKIT_SHAPES", "GRADER_COURSE")


@pytest.fixture(autouse=True)
def no_datasets_around(tmp_path, monkeypatch):
    """A HOME without ~/.keras and no CNNKIT_* variables: only what a test writes exists."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def course_with(tmp_path):
    """course_with(mnist=PATH, ...) -> a Course whose [data] section says so."""
    def make(**data):
        return find_course(write_course(tmp_path / "course", **data))
    return make
