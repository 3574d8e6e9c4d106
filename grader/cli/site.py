"""``grader site`` and ``grader serve``: the leaderboard site, built from the store."""

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


@main.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.option("--out", type=click.Path(file_okay=False), help="Folder of the site (default: <course>/site/).")
@click.pass_context
def serve(ctx: click.Context, port: int, out: str | None) -> None:
    """Serve the site on 127.0.0.1 and rebuild it when the store changes."""
    from grader.errors import SiteError
    from grader.store import Store
    from leaderboard.serve import SiteServer

    course = get_course(ctx)
    try:
        server = SiteServer(course, Store.open(course), _out_dir(course, out), port=port)
    except OSError as exc:
        raise SiteError(f"Cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}. Choose another --port.") from None
    click.echo(f"Serving {server.url} from {server.out_dir} (rebuilt when the store changes; Ctrl-C to stop)")
    server.start()
    try:
        server.wait()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.stop()
