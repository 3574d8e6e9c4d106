"""The command-line reference, generated from click's own help text.

    python -m grader.cli.reference > docs/cli.md

A test fails when docs/cli.md differs from what this prints, so the reference is never hand-copied.
"""

from __future__ import annotations

import sys
from typing import Iterator

import click

WIDTH = 100  # help text is wrapped the same way wherever the reference is generated

EXIT_STATUS = """\
## Exit status

| status | when |
| --- | --- |
| 0 | success |
| 1 | every error other than a usage error: one line `Error: ...` that says what is wrong and how to fix it, never a traceback. Also `grader check` when an assignment fails its check, `grader doctor` when grading cannot run safely here, and `grader submit --json` when the file is invalid. |
| 2 | a usage error, as click reports it: an unknown command or option, a missing argument, a value of the wrong kind. The `Usage:` line, a hint, then `Error: ...`. |
| 130 | interrupted (Ctrl-C); run the same command again to resume, finished work is kept. |
"""


def walk(command: click.Command, ctx: click.Context) -> Iterator[tuple[click.Context, click.Command]]:
    """Every visible command under ``command`` with its context, depth first, in click's (alphabetical) order."""
    yield ctx, command
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, sub.make_context(name, [], parent=ctx, resilient_parsing=True))


def render() -> str:
    from grader.cli import main
    from grader.cli import output

    root = main.make_context("grader", [], resilient_parsing=True, terminal_width=WIDTH, max_content_width=WIDTH)
    commands = list(walk(main, root))
    listing = [ctx.command_path for ctx, command in commands if _has_output_options(command)]
    parts = [
        "# The `grader` command line\n",
        "Generated from the commands' own `--help` by `python -m grader.cli.reference > docs/cli.md`; "
        "do not edit it by hand (a test fails when it is out of date).\n",
        "Every command works inside a course directory or with `--course DIR` (or `$GRADER_COURSE`).\n",
        EXIT_STATUS,
        "## Output formats\n",
        "These commands take `--format table|csv|json` (`--json` is short for `--format json`): "
        + ", ".join(f"`{path}`" for path in listing) + ".\n",
        _markdown(output.__doc__.split("\n\n", 2)[2]),
        "## Commands\n",
    ]
    for ctx, command in commands:
        parts.append(f"### `{ctx.command_path}`\n\n```text\n{command.get_help(ctx).rstrip()}\n```\n")
    return "\n".join(parts)


def _has_output_options(command: click.Command) -> bool:
    return any(param.name == "output_format" for param in command.params)


def _markdown(docstring: str) -> str:
    """The output rules of :mod:`grader.cli.output` (reStructuredText literals) as Markdown."""
    return docstring.replace("``", "`").strip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
