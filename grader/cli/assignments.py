"""Commands for assignments: ``grader release`` and ``grader check``."""

from __future__ import annotations

import click

from grader.cli import get_course, main
from grader.cli.output import Column, Report, output_options
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


def _losing(record: dict) -> int:
    return sum(1 for points in record["mutants"].values() if points < record["judge_points"])


CHECK_COLUMNS = [
    Column("name", header="assignment"),
    Column("passed", header="result", text=lambda r: "pass" if r["passed"] else "FAIL"),
    Column("solution_points", header="solution", text=lambda r: f"{r['solution_points']:g}/{r['judge_points']:g}"),
    Column("stub_points", header="released"),
    Column("mutants_losing_points", value=_losing, header="mutants",
           text=lambda r: f"{_losing(r)}/{len(r['mutants'])} lose points"),
    Column("mutant_count", value=lambda r: len(r["mutants"]), table=False),
    Column("points", header="tests+manual+judge", csv=False,
           text=lambda r: f"{r['notebook_points']:g}+{r['manual_points']:g}+{r['judge_points']:g}"),
    Column("notebook_points", table=False),
    Column("manual_points", table=False),
    Column("judge_points", table=False),
    Column("seconds", text=lambda r: f"{r['seconds']:.0f}", justify="right"),
    Column("problems", table=False),
]


@main.command()
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Check every assignment (the default when none is named).")
@click.option("--full-budget", is_flag=True, help="Train with the real budgets and data instead of the small test mode.")
@click.option("--thorough", is_flag=True,
              help="Run every check of every mutant (default: a mutant's run stops at its first lost check).")
@output_options
@click.pass_context
def check(ctx: click.Context, names: tuple[str, ...], all_: bool, full_budget: bool, thorough: bool, output) -> None:
    """Authoring check: solution scores 100 %, released notebook 0, every mutant loses points.

    Works in a course directory, or on the kit's own assignments/ outside one. Exit status 1 when a check fails.
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
    passed = all(r.passed for r in results)
    output.emit(Report([r.to_dict() for r in results], CHECK_COLUMNS, about={"passed": passed},
                       heading="grader check",
                       notes=[f"{r.name}: {problem}" for r in results for problem in r.problems]))
    if not passed:
        ctx.exit(1)
