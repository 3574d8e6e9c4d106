"""``grader data list`` and ``grader data show NAME``: which datasets are ready, and a look at one."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli import get_course, main
from grader.cli.output import Column, Report, output_options


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


def _size(split: str):
    return lambda row: row["sizes"][split] if row["sizes"] else None


DATASET_COLUMNS = [
    Column("name"),
    Column("available", header="status", text=lambda r: "ready" if r["available"] else "missing"),
    Column("variant"),
    Column("train", value=_size("train"), justify="right"),
    Column("public_test", header="public", value=_size("public_test"), justify="right"),
    Column("private_test", header="private", value=_size("private_test"), justify="right"),
    Column("source", text=lambda r: r["source"] if r["available"] else r["error"]),
    Column("error", table=False),
]


@data.command("list")
@output_options
@click.pass_context
def list_command(ctx: click.Context, output) -> None:
    """Every dataset, available or not: source, variant and sizes per split."""
    from grader.datasets.report import dataset_summaries

    course = course_or_defaults(ctx)
    output.emit(Report(
        dataset_summaries(course=course), DATASET_COLUMNS, about={"course": str(course.root) if course else None},
        heading=f"Datasets for {'course ' + str(course.root) if course else 'no course (defaults)'}:"))


@data.command("show")
@click.argument("name")
@click.option("--out", type=click.Path(dir_okay=False), help="PNG to write (default: the course's data/NAME-samples.png).")
@click.option("--per-class", default=8, show_default=True, type=click.IntRange(1, 32), help="Sample images per class.")
@output_options
@click.pass_context
def show_command(ctx: click.Context, name: str, out: str | None, per_class: int, output) -> None:
    """Counts per class and split of dataset NAME, and a PNG grid of sample images per class."""
    from grader.datasets.report import SPLITS, show_dataset

    course = course_or_defaults(ctx)
    report = show_dataset(name, course=course, out=Path(out) if out else None, per_class=per_class)
    counts = report.pop("counts")
    rows = [{"class": class_name, **{split: counts[split][index] for split in SPLITS}}
            for index, class_name in enumerate(report.pop("class_names"))]
    output.emit(Report(
        rows, [Column("class"), *(Column(split, justify="right") for split in SPLITS)], about=report,
        heading=f"{name}: {report['description']}\n"
                f"source: {report['source']}  (variant {report['variant']}, split seed {report['seed']})",
        total={"class": "total", **{split: sum(counts[split]) for split in SPLITS}},
        notes=[f"Sample grid: {report['grid']}"]))
