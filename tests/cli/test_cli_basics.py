"""The command line as a whole: help for every command, no TensorFlow on --help, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from grader.cli import main


def _commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_command_and_group_has_help_text():
    commands = list(_commands(main))
    assert {("team",), ("team", "list"), ("data",), ("data", "show"), ("submissions",)} <= {p for p, _ in commands}
    missing = [" ".join(path) for path, command in commands if not (command.help or "").strip()]
    assert missing == []


def test_every_option_has_help_text():
    missing = [f"{' '.join(path)} {param.opts[0]}" for path, command in [((), main), *_commands(main)]
               for param in command.params
               if isinstance(param, click.Option) and not param.hidden and not (param.help or "").strip()]
    assert missing == []


def test_docs_cli_md_is_generated_from_the_help_and_up_to_date():
    from grader.cli.reference import render

    docs = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
    assert docs.read_text(encoding="utf-8") == render(), \
        "docs/cli.md is out of date: run 'python -m grader.cli.reference > docs/cli.md'"
    for path, command in _commands(main):
        if not command.hidden:
            assert f"### `grader {' '.join(path)}`" in docs.read_text(encoding="utf-8")


@pytest.fixture
def bare_course(tmp_path):
    """A course with no assignments and no competitions: every name is unknown in it."""
    from grader.course import render_config

    root = tmp_path / "course"
    root.mkdir()
    (root / "grader.toml").write_text(render_config(), encoding="utf-8")
    return root


USAGE_ERRORS = [  # (arguments, what the error line says: click's wording varies a little between versions)
    (["no-such-command"], "No such command 'no-such-command'"),
    (["leaderboard"], "Missing argument 'COMPETITION'"),
    (["leaderboard", "toy", "--format", "xml"], "'xml' is not one of 'table', 'csv', 'json'"),
    (["leaderboard", "toy", "--json", "--format", "csv"],
     "--json means --format json; it cannot go with --format csv. Give one of them."),
    (["score", "--workers", "0"], "0 is not in the range x>=1"),
    (["team", "add", "ant", "--member", "s1"], "Missing option '--competition'"),
    (["data", "list", "--bogus"], "--bogus"),
    (["select", "toy", "one", "--team", "ant"], "'one' is not a valid integer"),
]


@pytest.mark.parametrize(("args", "says"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_a_usage_error_exits_2_with_usage_and_one_error_line(bare_course, args, says):
    result = CliRunner().invoke(main, ["--course", str(bare_course), *args])
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Usage: ") and "Traceback" not in result.output
    assert lines[-1].startswith("Error: ") and says in lines[-1]
    assert [line for line in lines if line.startswith("Error")] == [lines[-1]]


OTHER_ERRORS = [
    (["leaderboard", "toy"], "Error: No competition 'toy' in {root}/competitions (known: none). "
                             "Add a folder with a competition.toml to make one."),
    (["submissions", "toy", "--json"], "Error: No competition 'toy' in {root}/competitions (known: none). "
                                       "Add a folder with a competition.toml to make one."),
    (["feedback", "nope"], "Error: Unknown assignment 'nope'. Known assignments: none."),
    (["init", "{root}"], "Error: {root} is already a course (grader.toml exists). Choose another directory."),
    (["data", "show", "imagenet"],
     "Error: Unknown dataset 'imagenet'. Known datasets: mnist, fashion-mnist, cifar-10, dogs-vs-cats, shapes."),
    (["collect", "{root}/missing"],
     "Error: {root}/missing does not exist. Give a folder STUDENT/ASSIGNMENT/*.ipynb or an LMS zip."),
]


@pytest.mark.parametrize(("args", "line"), OTHER_ERRORS, ids=[" ".join(a) for a, _ in OTHER_ERRORS])
def test_every_other_error_exits_1_with_one_error_line(bare_course, args, line):
    root = str(bare_course)
    result = CliRunner().invoke(main, ["--course", root, *(a.format(root=root) for a in args)])
    assert (result.exit_code, result.output) == (1, line.format(root=root) + "\n")


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
