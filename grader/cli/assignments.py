"""Commands for assignments: ``grader release`` and ``grader check``."""

from __future__ import annotations

import json

import click

from grader.cli import get_course, main
from grader.errors import AssignmentError, CourseNotFound


@main.command()
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every assignment and every competition of the course.")
@click.pass_context
def release(ctx: click.Context, names: tuple[str, ...], all_: bool) -> None:
    """Student versions of assignments (nbgrader) and competition starter kits, as zips in release/."""
    from grader.targets import release as release_targets
    from grader.targets import resolve

    if not names and not all_:
        raise AssignmentError("Name the assignments or competitions to release, or pass --all.")
    course = get_course(ctx)
    for item in release_targets(course, resolve(course, names, all_=all_), skip_missing_data=all_):
        if item.skipped:
            click.echo(f"skipped {item.target.name}: {item.skipped}")
        else:
            click.echo(f"released {item.target.name}: {item.path}")


@main.command()
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Check every assignment (the default when none is named).")
@click.option("--full-budget", is_flag=True, help="Train with the real budgets and data instead of the small test mode.")
@click.option("--thorough", is_flag=True,
              help="Run every check of every mutant (default: a mutant's run stops at its first lost check).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_context
def check(ctx: click.Context, names: tuple[str, ...], all_: bool, full_budget: bool, thorough: bool,
          as_json: bool) -> None:
    """Authoring check: solution scores 100 %, released notebook 0, every mutant loses points.

    Works in a course directory, or on the kit's own assignments/ outside one.
    """
    import os

    from grader.check import check_assignments

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's start-up chatter is not a check result
    try:
        course = get_course(ctx)
    except CourseNotFound:
        if ctx.find_root().obj.get("course_dir"):
            raise
        course = None
    results = check_assignments(course, list(names), test_mode=not full_budget, all_=all_, thorough=thorough)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        _print_table(results)
    if not all(r.passed for r in results):
        ctx.exit(1)


def _print_table(results) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="grader check")
    for column in ("assignment", "result", "solution", "released", "mutants", "tests+manual+judge", "seconds"):
        table.add_column(column)
    for r in results:
        mutants = f"{sum(1 for p in r.mutants.values() if p < r.judge_points)}/{len(r.mutants)} lose points"
        table.add_row(
            r.name, "[green]pass[/green]" if r.passed else "[red]FAIL[/red]",
            f"{r.solution_points:g}/{r.judge_points:g}", "-" if r.stub_points is None else f"{r.stub_points:g}",
            mutants, f"{r.notebook_points:g}+{r.manual_points:g}+{r.judge_points:g}", f"{r.seconds:.0f}",
        )
    console = Console(width=120)
    console.print(table)
    for r in results:
        for problem in r.problems:
            click.echo(f"{r.name}: {problem}")
