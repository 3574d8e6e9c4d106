"""Helpers for the judge's tests: tiny judge folders written into tmp_path."""

import textwrap

import pytest


@pytest.fixture
def make_judge(tmp_path):
    """``make_judge({"test_x.py": source}, toml=None)`` -> the judge folder."""

    def make(files: dict[str, str], toml: str | None = None, folder: str = "assignment"):
        root = tmp_path / folder
        judge = root / "judge"
        judge.mkdir(parents=True)
        for name, source in files.items():
            (judge / name).write_text(textwrap.dedent(source), encoding="utf-8")
        if toml is not None:
            (root / "assignment.toml").write_text(textwrap.dedent(toml), encoding="utf-8")
        return judge

    return make
