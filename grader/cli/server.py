"""The class server's commands: roster, invite, serve (the instructor's side) and login (a student's)."""

from __future__ import annotations

import json

import click

from grader.cli import get_course, main
from grader.cli.output import Column, Report, output_options
from grader.words import plural


@main.group()
def roster() -> None:
    """The class list: who may sign in to the class server."""


@roster.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_context
def roster_import(ctx: click.Context, file: str) -> None:
    """Add or update the students of FILE.csv (columns: id, name, email, display_name, lms_id)."""
    from grader.roster import import_roster
    from grader.store import Store

    course = get_course(ctx)
    entries = import_roster(course, Store.open(course), file)
    click.echo(f"Imported {plural(len(entries), 'student')} from {file}. "
               "Next: 'grader invite' prints their sign-in links.")


@roster.command("list")
@output_options
@click.pass_context
def roster_list(ctx: click.Context, output) -> None:
    """List the students of the course."""
    from grader.roster import list_roster
    from grader.store import Store

    entries = list_roster(Store.open(get_course(ctx)))
    output.emit(Report(rows=[e.to_dict() for e in entries], heading=f"{plural(len(entries), 'student')}",
                       empty="No students yet. Import the class with 'grader roster import FILE.csv'.",
                       columns=[Column("id"), Column("name"), Column("email"), Column("display_name"),
                                Column("lms_id")]))


@main.command()
@click.argument("students", nargs=-1)
@click.option("--instructor", "instructors", multiple=True, metavar="NAME", help="A sign-in link for an instructor.")
@click.option("--rotate", is_flag=True, help="Replace the API tokens too (the old ones stop working) and sign out "
                                            "everywhere.")
@click.option("--url", "base_url", help="The server's address in the links (default: [server] url, else "
                                        "http://127.0.0.1:8000).")
@click.option("--json", "as_json", is_flag=True, help='Print [{"student", "url", "token"}, ...].')
@click.pass_context
def invite(ctx, students, instructors, rotate, base_url, as_json) -> None:
    """Sign-in links (single use, expiring) and API tokens: for STUDENTS (default: everyone) or instructors."""
    from grader.auth import INSTRUCTOR, STUDENT, invite as make_invite
    from grader.roster import list_roster
    from grader.store import Store

    course = get_course(ctx)
    store = Store.open(course)
    store.upgrade()
    base_url = base_url or course.get("server", "url") or "http://127.0.0.1:8000"
    days = float(course.get("server", "invite_days"))
    people = [(INSTRUCTOR, name) for name in instructors]
    if students or not instructors:
        people += [(STUDENT, s) for s in (students or [e.id for e in list_roster(store)])]
    if not people:
        from grader.errors import GraderError

        raise GraderError("The roster is empty. Import the class first: grader roster import FILE.csv.")
    made = [make_invite(course, store, role=role, principal=who, base_url=base_url, days=days, rotate=rotate)
            for role, who in people]
    if as_json:
        click.echo(json.dumps([{("student" if i.role == STUDENT else "instructor"): i.principal, "name": i.name,
                                "url": i.url, "token": i.token, "expires": i.expires_at.isoformat()} for i in made],
                              indent=2))
        return
    for i in made:
        token = f"  API token: {i.token}" if i.token else "  API token: unchanged (--rotate makes a new one)"
        click.echo(f"{i.principal} ({i.name}): {i.url}\n{token}")
    click.echo(f"Each link works once and expires in {days:g} days.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but 127.0.0.1 needs the course's secret key and a TLS proxy.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Grading jobs at once (default: [executor] workers, else one per core).")
@click.option("--cluster", metavar="ADDRESS", default=None, help="Grade on this Dask scheduler (tcp://host:8786).")
@click.option("--no-sandbox", is_flag=True, help="Run student notebooks without bubblewrap (never for a real class).")
@click.pass_context
def serve(ctx, host, port, workers, cluster, no_sandbox) -> None:
    """The class server: sign-in, competition pages and submissions, hand-ins, and the grading queue."""
    from grader.server.run import start, wait_until_ready

    course = get_course(ctx)
    running = start(course, host=host, port=port, workers=workers, cluster=cluster, sandbox=not no_sandbox,
                    say=lambda text: click.echo(text, err=True))
    wait_until_ready(running)
    click.echo(f"Serving {course.get('course', 'title')} on {running.url} (Ctrl-C to stop). "
               "Sign-in links: grader invite.")
    import signal

    signal.signal(signal.SIGTERM, lambda *_: running.stop.set())  # a service manager's stop: shut down cleanly
    try:
        running.stop.wait()
    except KeyboardInterrupt:
        click.echo("Stopping: jobs that were grading go back to the queue.")
    finally:
        running.shutdown()


@main.command()
@click.argument("url")
@click.argument("token")
def login(url: str, token: str) -> None:
    """Remember the API TOKEN for the class server at URL (a file only you can read)."""
    from grader.client import login as remember

    who = remember(url, token)
    click.echo(f"Signed in to {url} as {who['name']} ({who['role']}). The grader command now uses this token "
               "with --server.")
