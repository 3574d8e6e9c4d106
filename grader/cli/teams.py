"""``grader team add/remove/list``: the teams of a competition and their members."""

from __future__ import annotations

import click

from grader.cli import main
from grader.cli.competitions import _open
from grader.cli.output import Column, Report, output_options
from grader.words import plural


@main.group()
def team() -> None:
    """Teams of a competition and their members."""


@team.command("add")
@click.argument("name")
@click.option("--member", "members", multiple=True, metavar="STUDENT", help="Student id (repeat for each member).")
@click.option("--competition", required=True, help="Competition the team enters.")
@click.option("--benchmark", is_flag=True, help="A benchmark entry: listed and marked, never ranked.")
@click.pass_context
def team_add(ctx: click.Context, name: str, members: tuple[str, ...], competition: str, benchmark: bool) -> None:
    """Create team NAME (or add members to it)."""
    from grader.competitions.teams import add_team

    _course, store, cfg = _open(ctx, competition)
    info = add_team(store, cfg, name=name, members=list(members), benchmark=benchmark)
    kind = "benchmark team" if info.is_benchmark else "team"
    click.echo(f"{kind.capitalize()} '{info.name}' in {cfg.name}: {', '.join(info.members) or 'no members'}")


@team.command("remove")
@click.argument("name")
@click.option("--competition", required=True, help="Competition of the team.")
@click.option("--member", "members", multiple=True, metavar="STUDENT", help="Remove only these members.")
@click.pass_context
def team_remove(ctx: click.Context, name: str, competition: str, members: tuple[str, ...]) -> None:
    """Remove team NAME (one that never submitted), or some of its members."""
    from grader.competitions.teams import remove_team

    _course, store, cfg = _open(ctx, competition)
    remove_team(store, cfg, name=name, members=list(members))
    what = f"{', '.join(members)} from team '{name}'" if members else f"team '{name}'"
    click.echo(f"Removed {what} in {cfg.name}.")


TEAM_COLUMNS = [
    Column("team", text=lambda r: r["team"] + (" [benchmark]" if r["benchmark"] else "")),
    Column("members"),
    Column("benchmark", table=False),
    Column("submissions", justify="right"),
]


@team.command("list")
@click.option("--competition", required=True, help="Competition whose teams to list.")
@output_options
@click.pass_context
def team_list(ctx: click.Context, competition: str, output) -> None:
    """List the teams of a competition, their members and how many files each submitted."""
    from grader.competitions.teams import list_teams

    _course, store, cfg = _open(ctx, competition)
    teams = list_teams(store, cfg)
    rows = [{"team": t.name, "members": t.members, "benchmark": t.is_benchmark, "submissions": t.submissions}
            for t in teams]
    output.emit(Report(
        rows, TEAM_COLUMNS, about={"competition": cfg.name},
        heading=f"{plural(len(rows), 'team')} in {cfg.name}",
        empty=f"No teams in {cfg.name}. Add one with 'grader team add NAME --member S --competition {cfg.name}'."))
