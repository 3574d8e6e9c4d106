"""``grader data list`` and ``grader data show NAME``: which datasets are ready, and a look at one."""

from __future__ import annotations

import json
from pathlib import Path

import click

from grader.cli import get_course, main


def course_or_defaults(ctx: click.Context):
    """The course when there is one; None (the defaults) outside any course.

    A course given with --course that is not there, or a broken grader.toml, is still an error.
    """
    from grader.errors import CourseNotFound

    root = ctx.find_root()
    try:
        return get_course(ctx)
    except CourseNotFound:
        if root.obj and root.obj.get("course_dir"):
            raise
        return None


@main.group()
def data() -> None:
    """Datasets: where they come from, their splits, sample images."""


@data.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def list_command(ctx: click.Context, as_json: bool) -> None:
    """Every dataset, available or not: source, variant and sizes per split."""
    from grader.datasets.report import dataset_summaries

    course = course_or_defaults(ctx)
    rows = dataset_summaries(course=course)
    if as_json:
        click.echo(json.dumps({"course": str(course.root) if course else None, "datasets": rows}, indent=2))
        return
    click.echo(f"Datasets for {'course ' + str(course.root) if course else 'no course (defaults)'}:")
    click.echo(f"  {'name':<14}{'status':<11}{'variant':<14}{'train':>7}{'public':>8}{'private':>9}  source")
    for row in rows:
        if row["available"]:
            sizes = row["sizes"]
            click.echo(f"  {row['name']:<14}{'ready':<11}{row['variant']:<14}{sizes['train']:>7}"
                       f"{sizes['public_test']:>8}{sizes['private_test']:>9}  {row['source']}")
        else:
            click.echo(f"  {row['name']:<14}{'missing':<11}{'-':<14}{'-':>7}{'-':>8}{'-':>9}  {row['error']}")


@data.command("show")
@click.argument("name")
@click.option("--out", type=click.Path(dir_okay=False), help="PNG to write (default: the course's data/NAME-samples.png).")
@click.option("--per-class", default=8, show_default=True, type=click.IntRange(1, 32), help="Sample images per class.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def show_command(ctx: click.Context, name: str, out: str | None, per_class: int, as_json: bool) -> None:
    """Counts per class and split of dataset NAME, and a PNG grid of sample images per class."""
    from grader.datasets.report import SPLITS, show_dataset

    course = course_or_defaults(ctx)
    report = show_dataset(name, course=course, out=Path(out) if out else None, per_class=per_class)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{name}: {report['description']}")
    click.echo(f"  source: {report['source']}  (variant {report['variant']}, split seed {report['seed']})")
    width = max(12, *(len(c) for c in report["class_names"])) + 2
    click.echo(f"  {'class':<{width}}" + "".join(f"{split:>14}" for split in SPLITS))
    for index, class_name in enumerate(report["class_names"]):
        click.echo(f"  {class_name:<{width}}" + "".join(f"{report['counts'][s][index]:>14}" for s in SPLITS))
    click.echo(f"  {'total':<{width}}" + "".join(f"{sum(report['counts'][s]):>14}" for s in SPLITS))
    click.echo(f"Sample grid: {report['grid']}")
