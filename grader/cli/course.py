"""Commands that make and inspect a course: init."""

from __future__ import annotations

import click

from grader.cli import main


@main.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--id", "course_id", help="Course id (default: the directory's name).")
@click.option("--title", help="Course title shown on the site.")
def init(directory: str, course_id: str | None, title: str | None) -> None:
    """Create a course DIRECTORY with the shipped assignments and competitions."""
    from grader.course import init_course

    course = init_course(directory, course_id=course_id, title=title)
    click.echo(f"Created course {course.get('course', 'id')!r} in {course.root}")
    click.echo(f"  assignments: {', '.join(sorted(p.name for p in course.path('source').iterdir())) or 'none'}")
    click.echo(f"  competitions: {', '.join(sorted(p.name for p in course.path('competitions').iterdir() if p.is_dir())) or 'none'}")
    click.echo(f"Next: cd {directory} && grader data list")
