"""``grader score``, ``grader collect``, ``grader feedback``, ``grader export``: thin commands."""

from __future__ import annotations

import json

import click

from grader.cli import get_course, main


@main.command()
@click.argument("names", nargs=-1)
@click.option("--student", "students", multiple=True, help="Only this student (repeatable).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Parallel grading jobs (default: [executor] workers, else one per core).")
@click.option("--cluster", metavar="ADDRESS", default=None,
              help="Grade on this Dask scheduler (tcp://host:8786; default: [executor] cluster, else locally).")
@click.option("--rescore", is_flag=True, help="Grade again what was already graded (adds a new grade; keeps the old).")
@click.option("--no-sandbox", is_flag=True, help="Run student code without bubblewrap (never for real submissions).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_context
def score(ctx, names, students, workers, cluster, rescore, no_sandbox, as_json):
    """Autograde notebooks and score pending competition files (resumable: only what is missing)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from grader.targets import score as run_score

    course = get_course(ctx)
    if no_sandbox:
        click.echo("Warning: --no-sandbox: student code runs with your rights, unconfined. "
                   "Grades are recorded as sandboxed=False.", err=True)
    progress = task = None

    def planned(count: int) -> None:
        nonlocal progress, task
        if count:  # only once there is work: an error before it prints one clean line
            progress = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.description}"),
                                console=Console(stderr=True), disable=as_json, transient=False)
            progress.start()
            task = progress.add_task("", total=count)

    def finished(spec, result) -> None:
        progress.update(task, advance=1, description=f"{result.student}: {result.status}")

    executor = None
    if cluster or course.get("executor", "cluster"):
        from grader.executors import make_executor

        executor = make_executor(course, cluster=cluster, workers=workers)
    try:
        summary = run_score(course, names=list(names), students=list(students), workers=workers,
                            rescore=rescore, sandbox=not no_sandbox, on_planned=planned, on_result=finished,
                            executor=executor)
    finally:
        if progress is not None:
            progress.stop()
        if executor is not None:
            executor.close()
    if as_json:
        click.echo(json.dumps({"graded": [r.to_dict() | {"details": None} for r in summary.results],
                               "competitions": summary.competitions}, indent=2, default=str))
        return
    _print_summary(summary)


def _print_summary(summary) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if summary.results:
        table = Table(title="Grading summary")
        for column in ("assignment", "student", "status", "notebook", "judge", "late", "total", "max", "seconds"):
            table.add_column(column, justify="right" if column in ("notebook", "judge", "late", "total", "max",
                                                                    "seconds") else "left")
        for r in sorted(summary.results, key=lambda r: (r.assignment, r.student)):
            table.add_row(r.assignment, r.student, r.status, f"{r.notebook_points:g}", f"{r.judge_points:g}",
                          f"{r.late_penalty:g}", f"{r.total:g}", f"{r.max_points:g}", f"{r.seconds:.1f}")
        console.print(table)
    for name, count in summary.competitions.items():
        if count:
            console.print(f"{name}: {count} competition submission(s) scored")
    if not summary.results and not any(summary.competitions.values()):
        console.print("Nothing to grade: every submission is already graded (use --rescore to grade again).")


@main.command()
@click.argument("path", type=click.Path())
@click.pass_context
def collect(ctx, path):
    """Import submissions: a folder STUDENT/ASSIGNMENT/*.ipynb or an LMS zip (<student>_..._<assignment>.ipynb)."""
    from grader.autograde.collect import collect as run_collect

    collected = run_collect(get_course(ctx), path)
    new = sum(1 for c in collected if c.new)
    click.echo(f"Collected {len(collected)} notebook(s) ({new} new) into submitted/.")


@main.command()
@click.argument("assignment")
@click.option("--student", "students", multiple=True, help="Only this student (repeatable).")
@click.pass_context
def feedback(ctx, assignment, students):
    """Write feedback/<student>/<assignment>/feedback.html for every graded student."""
    from grader.feedback import write_feedback

    course = get_course(ctx)
    written = write_feedback(course, assignment, students=list(students) or None)
    click.echo(f"Wrote {len(written)} feedback file(s) under {course.path('feedback')}.")


@main.command()
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write the CSV here (default: stdout).")
@click.pass_context
def export(ctx, out):
    """Grades as CSV: nbgrader's export columns plus judge points, status and late penalty."""
    from grader.export import export_csv

    text = export_csv(get_course(ctx), out=out)
    if out is None:
        click.echo(text, nl=False)
    else:
        click.echo(f"Wrote {out}.")
