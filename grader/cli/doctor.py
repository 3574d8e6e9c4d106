"""``grader doctor``: what is installed and usable here, with the fix for what is not."""

from __future__ import annotations

import json

import click

from grader.cli import main


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--tf-timeout", default=120.0, show_default=True, type=click.FloatRange(1, 600),
              help="Seconds to wait for TensorFlow to import.")
@click.pass_context
def doctor(ctx: click.Context, as_json: bool, tf_timeout: float) -> None:
    """Check Python, TensorFlow and GPU, the sandbox (bubblewrap, cgroups), Chromium, nbgrader and datasets.

    Exit status 1 when grading cannot run safely here.
    """
    from grader.cli.data import course_or_defaults
    from grader.doctor import can_grade_safely, run_checks

    checks = run_checks(course=course_or_defaults(ctx), tf_timeout=tf_timeout)
    safe = can_grade_safely(checks)
    if as_json:
        click.echo(json.dumps({"can_grade": safe, "checks": [c.as_dict() for c in checks]}, indent=2))
    else:
        width = max(len(c.name) for c in checks) + 2
        for check in checks:
            fix = f"  -> fix: {check.fix}" if check.fix and check.status != "ok" else ""
            click.echo(f"{check.status.upper():<5} {check.name:<{width}}{check.detail}{fix}")
        click.echo("Grading can run safely here." if safe else "Grading cannot run safely here: fix the FAIL lines above.")
    if not safe:
        ctx.exit(1)
