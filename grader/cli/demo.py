"""``grader demo [DIR]``: the whole kit end to end on the embedded defaults (see :mod:`grader.demo`)."""

from __future__ import annotations

import click

from grader.cli import main


@main.command()
@click.argument("directory", default="demo-course", type=click.Path(file_okay=False))
@click.option("--quick", is_flag=True, help="A smaller class and two assignments (for tests; about 2 minutes).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Parallel grading jobs (default: one per core).")
def demo(directory: str, quick: bool, workers: int | None) -> None:
    """Make a demo course in DIRECTORY and run everything: release, grade a class, two competitions, the site.

    A DIRECTORY that holds an earlier demo is replaced; any other non-empty one is refused.
    """
    from grader.cli.output import make_console
    from grader.demo import run_demo

    run_demo(directory, quick=quick, workers=workers, console=make_console())
