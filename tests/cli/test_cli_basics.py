"""The command line as a whole: help for every command, no TensorFlow on --help, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from grader.cli import main


def _commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_command_has_help_text():
    missing = [" ".join(path) for path, command in _commands(main) if not (command.help or "").strip()]
    assert missing == []


def test_the_design_commands_exist():
    names = set(main.commands)
    assert {"init"} <= names


def test_help_does_not_import_tensorflow():
    code = (
        "import sys; from click.testing import CliRunner; from grader.cli import main;"
        "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0, r.output;"
        "[CliRunner().invoke(main, [name, '--help']) for name in main.commands];"
        "heavy = [m for m in ('tensorflow', 'keras', 'nbgrader', 'pandas', 'matplotlib') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_a_command_outside_a_course_says_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRADER_COURSE", raising=False)
    from grader.cli import get_course

    @main.command("probe-course", hidden=True, help="Test only.")
    @click.pass_context
    def probe(ctx):
        get_course(ctx)

    try:
        result = CliRunner().invoke(main, ["probe-course"])
    finally:
        del main.commands["probe-course"]
    assert result.exit_code == 1
    assert result.output == (
        f"Error: No course found in {tmp_path.resolve()} or its parents (no grader.toml). "
        "Run 'grader init DIR' to make one, or pass --course DIR.\n"
    )


def test_init_makes_the_nbgrader_layout_and_refuses_to_overwrite(tmp_path):
    runner = CliRunner()
    target = tmp_path / "course"
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    for name in ("source", "release", "submitted", "autograded", "feedback", "grader.toml", "nbgrader_config.py", "cnnkit.db"):
        assert (target / name).exists(), name
    before = (target / "grader.toml").read_text()
    again = runner.invoke(main, ["init", str(target)])
    assert again.exit_code == 1
    assert again.output == f"Error: {target.resolve()} is already a course (grader.toml exists). Choose another directory.\n"
    assert (target / "grader.toml").read_text() == before


def test_an_unexpected_error_is_one_line_and_debug_shows_it(monkeypatch):
    @main.command("probe-crash", hidden=True, help="Test only.")
    def crash():
        raise ZeroDivisionError("division by zero\nsecond line")

    try:
        monkeypatch.delenv("GRADER_DEBUG", raising=False)
        result = CliRunner().invoke(main, ["probe-crash"])
        assert result.exit_code == 1
        assert result.output == (
            "Error: internal error (ZeroDivisionError: division by zero): a bug in cnnkit, not in your input. "
            "Run again with GRADER_DEBUG=1 to see the traceback, and please report it.\n"
        )
        monkeypatch.setenv("GRADER_DEBUG", "1")
        result = CliRunner().invoke(main, ["probe-crash"])
        assert isinstance(result.exception, ZeroDivisionError)
    finally:
        del main.commands["probe-crash"]
