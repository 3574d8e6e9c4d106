"""``grader score``, ``grader collect``, ``grader feedback``, ``grader export``: thin commands."""

from __future__ import annotations

import click

from grader.cli import get_course, main
from grader.cli.output import Column, Report, make_console, output_options
from grader.words import plural


@main.command()
@click.argument("names", nargs=-1)
@click.option("--student", "students", multiple=True, help="Only this student (repeatable).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Parallel grading jobs (default: [executor] workers, else one per core).")
@click.option("--cluster", metavar="ADDRESS", default=None,
              help="Grade on this Dask scheduler (tcp://host:8786; default: [executor] cluster, else locally).")
@click.option("--rescore", is_flag=True, help="Grade again what was already graded (adds a new grade; keeps the old).")
@click.option("--no-sandbox", is_flag=True, help="Run student code without bubblewrap (never for real submissions).")
@output_options
@click.pass_context
def score(ctx, names, students, workers, cluster, rescore, no_sandbox, output):
    """Autograde notebooks and score pending competition files (resumable: only what is missing)."""
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
                                console=make_console(stderr=True), disable=output.format != "table", transient=False)
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
    output.emit(score_report(summary))


def _points(key: str, header: str) -> Column:
    return Column(key, header=header, text=lambda r: f"{r[key]:g}", justify="right")


GRADE_COLUMNS = [
    Column("assignment"), Column("student"), Column("status"),
    _points("notebook_points", "notebook"), _points("judge_points", "judge"), _points("late_penalty", "late"),
    _points("total", "total"), _points("max_points", "max"),
    Column("seconds", text=lambda r: f"{r['seconds']:.1f}", justify="right"),
    Column("sandboxed", table=False),
    Column("message", table=False),
]


def score_report(summary) -> Report:
    """What ``grader score`` graded (one record per submission) and how many competition files it scored."""
    rows = [{key: value for key, value in r.to_dict().items() if key != "details"}
            for r in sorted(summary.results, key=lambda r: (r.assignment, r.student))]
    scored = [f"{name}: {plural(count, 'competition submission')} scored"
              for name, count in summary.competitions.items() if count]
    return Report(rows, GRADE_COLUMNS, about={"competitions": summary.competitions}, heading="Grading summary",
                  notes=scored, empty="\n".join(scored) or
                  "Nothing to grade: every submission is already graded (use --rescore to grade again).")


@main.command()
@click.argument("path", type=click.Path())
@click.option("--assignment", default=None, metavar="NAME",
              help="Every hand-in in PATH is for this assignment (a download of one assignment from the LMS).")
@output_options
@click.pass_context
def collect(ctx, path, assignment, output):
    """Import hand-ins: a folder STUDENT/ASSIGNMENT/*.ipynb, or a Canvas or Moodle download (folder or zip).

    Every file is listed with what became of it (collected, superseded, ignored, skipped) and why.
    Exit status 1 when a hand-in was skipped.
    """
    from grader.autograde.collect import collect as run_collect

    report = run_collect(get_course(ctx), path, assignment=assignment)
    output.emit(collect_report(report))
    if not report.complete:
        if output.format != "table":
            click.echo(report.summary(), err=True)
        ctx.exit(1)


COLLECT_COLUMNS = [Column("file"), Column("outcome"), Column("student"), Column("assignment"), Column("reason"),
                   Column("late", table=False), Column("new", table=False), Column("sha256", table=False)]


def collect_report(report) -> Report:
    """Every file of the download with its outcome; the summary line below the table."""
    from grader.autograde.collect import outcome_counts

    return Report([f.to_dict() for f in report.files], COLLECT_COLUMNS, heading=f"Files in {report.source}",
                  notes=[report.summary()],
                  about={"source": report.source, "counts": outcome_counts(report), "summary": report.summary(),
                         "complete": report.complete})


@main.command()
@click.argument("assignment")
@click.option("--student", "students", multiple=True, help="Only this student (repeatable).")
@click.pass_context
def feedback(ctx, assignment, students):
    """Write feedback/<student>/<assignment>/feedback.html for every graded student."""
    from grader.feedback import write_feedback
    from grader.release import resolve_names

    course = get_course(ctx)
    resolve_names(course, [assignment])  # an unknown name is named as such, with the known ones
    written = write_feedback(course, assignment, students=list(students) or None)
    click.echo(f"Wrote {plural(len(written), 'feedback file')} under {course.path('feedback')}.")


@main.command()
@click.option("--format", "export_format", type=click.Choice(["csv", "canvas", "moodle"]), default="csv",
              show_default=True,
              help="csv: nbgrader's columns plus ours, a row per assignment and student; canvas / moodle: the file "
                   "that LMS imports into its gradebook, a row per student (docs/grading-export.md).")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write the file here (default: stdout).")
@click.option("--assignment", "assignments", multiple=True, metavar="NAME",
              help="Only this assignment (repeatable; canvas and moodle).")
@click.option("--canvas-gradebook", type=click.Path(dir_okay=False), default=None,
              help="Canvas's own gradebook export (Grades > Export): the grades go to its students and its "
                   "assignment columns 'Title (id)'.")
@click.pass_context
def export(ctx, export_format, out, assignments, canvas_gradebook):
    """Grades as CSV: nbgrader's columns plus ours, or the import file of Canvas or Moodle."""
    from grader.export import export_csv, export_lms

    course = get_course(ctx)
    if export_format == "csv":
        if assignments or canvas_gradebook:
            raise click.UsageError("--assignment and --canvas-gradebook go with --format canvas or moodle; "
                                   "the csv format lists every assignment.")
        text, notes = export_csv(course, out=out), []
    else:
        result = export_lms(course, export_format, assignments=list(assignments) or None,
                            canvas_gradebook=canvas_gradebook, out=out)
        text, notes = result.text, result.warnings
    for note in notes:
        click.echo(f"Warning: {note}", err=True)
    if out is None:
        click.echo(text, nl=False)
    else:
        click.echo(f"Wrote {out}.")
