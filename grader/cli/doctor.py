"""``grader doctor``: what is installed and usable here, with the fix for what is not."""

from __future__ import annotations

import click

from grader.cli import main
from grader.cli.output import Column, Report, output_options

CHECK_COLUMNS = [
    Column("status", text=lambda r: r["status"].upper()),
    Column("name", header="check"),
    Column("detail", text=lambda r: r["detail"] + (f"  -> fix: {r['fix']}" if r["fix"] and r["status"] != "ok" else "")),
    Column("fix", table=False),
]


@main.command()
@output_options
@click.option("--tf-timeout", default=120.0, show_default=True, type=click.FloatRange(1, 600),
              help="Seconds to wait for TensorFlow to import.")
@click.pass_context
def doctor(ctx: click.Context, output, tf_timeout: float) -> None:
    """Check Python, TensorFlow and GPU, the sandbox (bubblewrap, cgroups), Chromium, nbgrader and datasets.

    Exit status 1 when grading cannot run safely here.
    """
    from grader.cli.data import course_or_defaults
    from grader.doctor import can_grade_safely, run_checks

    checks = run_checks(course=course_or_defaults(ctx), tf_timeout=tf_timeout)
    safe = can_grade_safely(checks)
    output.emit(Report(
        [c.as_dict() for c in checks], CHECK_COLUMNS, about={"can_grade": safe},
        notes=["Grading can run safely here." if safe else "Grading cannot run safely here: fix the FAIL lines above."]))
    if not safe:
        ctx.exit(1)
