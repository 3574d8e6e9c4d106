"""``grader site``: the leaderboard site, built from the store, as a static folder (``grader serve`` is the
class server, :mod:`grader.cli.server`)."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli import get_course, main


def _out_dir(course, out: str | None) -> Path:
    return Path(out).resolve() if out else course.path("site")


@main.command()
@click.option("--out", type=click.Path(file_okay=False), help="Folder to write the site to (default: <course>/site/).")
@click.pass_context
def site(ctx: click.Context, out: str | None) -> None:
    """Render the leaderboard site (static HTML) from the store."""
    from grader.store import Store
    from leaderboard.build import build_site

    course = get_course(ctx)
    index = build_site(course, Store.open(course), _out_dir(course, out))
    click.echo(str(index))
