"""grader.toml: every mistake is one exact line naming the file and the key, and nothing changes."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.course import SCHEMA

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


def course_with_toml(tmp_path, text: str):
    root = tmp_path / "course"
    (root / "data").mkdir(parents=True)
    (root / "grader.toml").write_text(text)
    return root


def run_data_list(root):
    return CliRunner().invoke(main, ["--course", str(root), "data", "list"])


@pytest.mark.parametrize("text, message", [
    ("[sandbox]\nmemroy_mb = 512\n",
     "unknown key 'memroy_mb' in [sandbox]. Known keys: " + ", ".join(SCHEMA["sandbox"]) + "."),
    ("[sandboxes]\nmemory_mb = 512\n",
     "unknown section [sandboxes]. Known sections: [course], [database], [sandbox], [executor], [data], [server]."),
    ('[sandbox]\nmemory_mb = "4 GB"\n', "[sandbox] memory_mb must be an integer, got str '4 GB'."),
    ("[sandbox]\nmemory_mb = true\n", "[sandbox] memory_mb must be an integer, got bool True."),
    ("[sandbox]\nenabled = 1\n", "[sandbox] enabled must be true or false, got int 1."),
    ("[data]\nsplit_seed = 1.5\n", "[data] split_seed must be an integer, got float 1.5."),
    ("[data]\nmnist = 3\n", "[data] mnist must be a string, got int 3."),
    ("course = 3\n", "'course' must be a table ([course]), not a value."),
    ('[course]\ntimezone = "Mars/Olympus"\n',
     "[course] timezone 'Mars/Olympus' is not an IANA time zone (e.g. 'Asia/Seoul', 'UTC')."),
    ("[sandbox]\nmemory_mb = 0\n", "[sandbox] memory_mb must be a positive integer, got 0."),
    ('[server]\nurl = "cnn.example.edu"\n',
     "[server] url must be the server's address, like 'https://cnn.example.edu', got 'cnn.example.edu'."),
    ('[server]\nurl = "https://cnn example.edu"\n',
     "[server] url must be the server's address, like 'https://cnn.example.edu', got 'https://cnn example.edu'."),
])
def test_bad_config_is_one_line_and_changes_nothing(tmp_path, text, message):
    root = course_with_toml(tmp_path, text)
    before = snapshot(root)
    result = run_data_list(root)
    assert result.exit_code == 1
    assert result.output == f"Error: {root / 'grader.toml'}: {message}\n"
    assert snapshot(root) == before


def test_not_toml(tmp_path):
    text = '[course]\ntitle = "CNN\n'
    root = course_with_toml(tmp_path, text)
    before = snapshot(root)
    with pytest.raises(tomllib.TOMLDecodeError) as parse:
        tomllib.loads(text)
    result = run_data_list(root)
    assert result.exit_code == 1
    assert result.output == f"Error: {root / 'grader.toml'} is not valid TOML: {parse.value}.\n"
    assert result.output.count("\n") == 1
    assert snapshot(root) == before


def test_binary_garbage_is_not_a_traceback(tmp_path):
    root = course_with_toml(tmp_path, "")
    (root / "grader.toml").write_bytes(b"\xff\xfe\x00garbage")
    result = run_data_list(root)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {root / 'grader.toml'} cannot be read: ")
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_valid_values_are_used(tmp_path):
    root = course_with_toml(tmp_path, '[data]\nsplit_seed = 7\nshapes = "my-shapes"\n')
    result = CliRunner().invoke(main, ["--course", str(root), "data", "list", "--json"])
    assert result.exit_code == 0, result.output
    shapes = next(d for d in json.loads(result.output)["rows"] if d["name"] == "shapes")
    assert shapes["source"] == f"drawn by cnnkit (seed 7) into {root / 'my-shapes'} on first use"


def test_course_option_pointing_nowhere(tmp_path):
    result = CliRunner().invoke(main, ["--course", str(tmp_path / "nope"), "data", "list"])
    assert result.exit_code == 1
    assert result.output == (f"Error: {(tmp_path / 'nope').resolve()} is not a course directory (no grader.toml). "
                             f"Run 'grader init {tmp_path / 'nope'}' first.\n")


def test_course_is_found_from_a_subdirectory(tmp_path, monkeypatch):
    root = course_with_toml(tmp_path, "")
    deep = root / "submitted" / "alice" / "week1"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    result = CliRunner().invoke(main, ["data", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["course"] == str(root.resolve())


def test_course_option_wins_over_the_current_directory(tmp_path, monkeypatch):
    here = course_with_toml(tmp_path / "a", "")
    there = course_with_toml(tmp_path / "b", "")
    monkeypatch.chdir(here)
    result = CliRunner().invoke(main, ["--course", str(there), "data", "list", "--json"])
    assert json.loads(result.output)["course"] == str(there.resolve())
    monkeypatch.setenv("GRADER_COURSE", str(there))
    result = CliRunner().invoke(main, ["data", "list", "--json"])
    assert json.loads(result.output)["course"] == str(there.resolve())


def test_a_broken_course_above_is_an_error_not_ignored(tmp_path, monkeypatch):
    root = course_with_toml(tmp_path, "[nonsense]\n")
    monkeypatch.chdir(root / "data")
    result = CliRunner().invoke(main, ["data", "list"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {root.resolve() / 'grader.toml'}: unknown section [nonsense].")


def test_init_refuses_a_non_empty_directory_and_leaves_it_unchanged(tmp_path):
    target = tmp_path / "busy"
    (target / "notes").mkdir(parents=True)
    (target / "notes" / "todo.txt").write_text("grade week 3")
    before = snapshot(target)
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 1
    assert result.output == f"Error: {target.resolve()} exists and is not empty. Choose a new or empty directory.\n"
    assert snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy", "home"]     # no staging folder left behind


def test_init_writes_a_commented_config_that_loads(tmp_path):
    target = tmp_path / "course"
    result = CliRunner().invoke(main, ["init", str(target), "--title", "CNN 2026"])
    assert result.exit_code == 0, result.output
    text = (target / "grader.toml").read_text()
    for section, keys in SCHEMA.items():
        assert f"[{section}]" in text
        for key in keys:
            assert f"\n{key} = " in text
    assert text.count("\n# ") >= sum(len(keys) for keys in SCHEMA.values())
    listed = CliRunner().invoke(main, ["--course", str(target), "data", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output)["course"] == str(target.resolve())
