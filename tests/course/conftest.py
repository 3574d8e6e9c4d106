"""Fixtures for the course tests: no course or datasets leaking in from the machine."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("GRADER_COURSE", "CNNKIT_MNIST", "CNNKIT_FASHION_MNIST", "CNNKIT_CIFAR10",
                 "CNNKIT_DOGS_VS_CATS", "CNNKIT_SHAPES"):
        monkeypatch.delenv(name, raising=False)
