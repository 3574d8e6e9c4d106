"""A student's commands against a class server: hand in a notebook, read the grading status (``--server URL``).

The HTTP is :mod:`grader.client`'s; these commands only print. ``grader submit``,
``grader submissions`` and ``grader select`` take the same :func:`server_option`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from grader.cli import main
from grader.cli.output import Column, Report, output_options
from grader.words import plural


def server_option(*, required: bool = False):
    """``--server URL``: act on a class server as a student (token: $GRADER_TOKEN, else 'grader login')."""
    return click.option("--server", metavar="URL", required=required,
                        help="Work on the class server at URL as its student (the token comes from $GRADER_TOKEN, "
                             "else from 'grader login URL TOKEN').")


def local_minute(iso: str | None) -> str:
    """A server's ISO time as this computer's local time, to the minute (``-`` for none)."""
    if not iso:
        return "-"
    return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")


def _status_text(view: dict | None) -> str:
    if view is None:
        return "not handed in"
    status = view["status"]
    if status == "queued" and view.get("place"):
        status += f" (number {view['place']} in the queue)"
    if view.get("is_late"):
        status += " (late)"
    return status


def _total(view: dict | None) -> str:
    if not view or view.get("total") is None:
        return "-"
    return f"{view['total']:g} / {view['max_points']:g}"


@main.command()
@click.argument("assignment")
@click.argument("notebook", type=click.Path(dir_okay=False))
@server_option(required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the hand-in as JSON.")
def handin(assignment: str, notebook: str, server: str, as_json: bool) -> None:
    """Hand in NOTEBOOK (.ipynb) for ASSIGNMENT on a class server; it is graded in the server's queue."""
    import json

    from grader.client import hand_in

    view = hand_in(server, assignment, Path(notebook))
    if as_json:
        click.echo(json.dumps(view))
        return
    click.echo(f"Handed in {assignment} (hand-in {view['id']}): {_status_text(view)}. "
               f"'grader status {assignment} --server {server}' shows its grading.")


def _assignments_report(rows: list[dict]) -> Report:
    records = [{"assignment": r["name"], "title": r["title"], "due": r["due"], "points": r["points"],
                "status": r["latest"]["status"] if r["latest"] else "not handed in",
                "place": r["latest"].get("place") if r["latest"] else None,
                "total": r["latest"].get("total") if r["latest"] else None,
                "submitted_at": r["latest"]["submitted_at"] if r["latest"] else None,
                "late_rule": r["late_rule"], "latest": r["latest"]} for r in rows]
    columns = [Column("assignment"), Column("title", table=False),
               Column("due", text=lambda r: local_minute(r["due"])),
               Column("status", text=lambda r: _status_text(r["latest"])),
               Column("place", table=False),
               Column("total", text=lambda r: _total(r["latest"]), justify="right"),
               Column("points", table=False),
               Column("submitted_at", header="handed in", text=lambda r: local_minute(r["submitted_at"])),
               Column("late_rule", table=False), Column("latest", table=False, csv=False)]
    return Report(records, columns, heading=f"{plural(len(records), 'assignment')} (times in your time zone)",
                  notes=["'grader status ASSIGNMENT --server URL' lists every hand-in of one assignment."],
                  empty="No assignment is released yet.")


def _hand_ins_report(assignment: str, views: list[dict]) -> Report:
    columns = [Column("id", justify="right"),
               Column("submitted_at", header="handed in", text=lambda r: local_minute(r["submitted_at"])),
               Column("file"), Column("status", text=_status_text), Column("place", table=False),
               Column("is_late", header="late", table=False),
               Column("total", text=_total, justify="right"), Column("max_points", table=False),
               Column("message", text=lambda r: r.get("message") or "")]
    keys = ("id", "assignment", "submitted_at", "file", "status", "place", "is_late", "total", "max_points", "message")
    records = [{key: view.get(key) for key in keys} for view in views]
    return Report(records, columns, about={"assignment": assignment},
                  heading=f"{assignment}: {plural(len(records), 'hand-in')} (times in your time zone; the newest counts)",
                  empty=f"You have not handed in {assignment} yet: grader handin {assignment} NOTEBOOK --server URL.")


@main.command()
@click.argument("assignment", required=False)
@server_option(required=True)
@output_options
def status(assignment: str | None, server: str, output) -> None:
    """Your assignments on a class server with their grading status, or every hand-in of ASSIGNMENT."""
    from grader import client

    if assignment is None:
        output.emit(_assignments_report(client.assignments(server)))
    else:
        output.emit(_hand_ins_report(assignment, client.hand_ins(server, assignment)))
