"""Competition commands: team, submit, select, reveal, audit, leaderboard.

``grader release COMPETITION`` and ``grader score COMPETITION`` live with the
assignment and scoring commands; they call :func:`grader.competitions.kits.release_kit`
and :func:`grader.competitions.submit.score_pending`.
"""

from __future__ import annotations

import json

import click

from grader.cli import get_course, main
from grader.errors import SubmissionError


def _open(ctx: click.Context, competition: str):
    from grader.competitions.config import load_competition
    from grader.store import Store

    course = get_course(ctx)
    return course, Store.open(course), load_competition(course, competition)


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


@team.command("list")
@click.option("--competition", required=True, help="Competition whose teams to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def team_list(ctx: click.Context, competition: str, as_json: bool) -> None:
    """List the teams of a competition."""
    from dataclasses import asdict

    from grader.competitions.teams import list_teams

    _course, store, cfg = _open(ctx, competition)
    teams = list_teams(store, cfg)
    if as_json:
        click.echo(json.dumps([asdict(t) for t in teams], indent=2))
        return
    if not teams:
        click.echo(f"No teams in {cfg.name}. Add one with 'grader team add NAME --member S --competition {cfg.name}'.")
    for info in teams:
        mark = " [benchmark]" if info.is_benchmark else ""
        click.echo(f"{info.name}{mark}: {', '.join(info.members) or '-'} ({info.submissions} submissions)")


@main.command()
@click.argument("competition")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--team", "team_name", required=True, help="Team that submits.")
@click.option("--message", help="A note shown with the submission.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def submit(ctx: click.Context, competition: str, file: str, team_name: str, message: str | None, as_json: bool) -> None:
    """Record and score FILE (submission.csv, or .csv.gz) for a team."""
    from grader.competitions.leaderboard import is_revealed
    from grader.competitions.submit import latest_score, refusal, submit_file

    course, store, cfg = _open(ctx, competition)
    row = submit_file(course, store, competition, file, team=team_name, message=message)
    score = latest_score(store, row.id)
    revealed = is_revealed(store, cfg)
    why = refusal(row.error)
    if as_json:
        click.echo(json.dumps({"id": row.id, "status": row.status, "error": why.message if why else None,
                               "errors": why.errors if why else [], "more_errors": why.more if why else 0,
                               "late": row.is_late, "public_score": score.public_score if score else None,
                               "private_score": score.private_score if score and revealed else None}))
        if row.status == "invalid":
            ctx.exit(1)
        return
    if row.status == "invalid":
        stored = f"(submission {row.id} stored as invalid; it does not count toward the daily limit)"
        if len(why.errors) == 1 and not why.more:
            raise SubmissionError(f"{why.message} {stored}")
        listed = [f"  - {error}" for error in why.errors] + ([f"  ... and {why.more:,} more"] if why.more else [])
        click.echo("\n".join([f"Error: {why.message} {stored}", *listed]), err=True)
        ctx.exit(1)
    late = " (late: shown to your team, not ranked)" if row.is_late else ""
    if score is not None:
        public = "undefined on the public rows" if score.public_score is None else f"{score.public_score:.5f}"
        click.echo(f"Submission {row.id} scored{late}: public {cfg.metric} = {public}")
    else:
        click.echo(f"Submission {row.id} recorded{late}; 'grader score {cfg.name}' will score it.")


@main.command("select")
@click.argument("competition")
@click.argument("ids", nargs=-1, type=int)
@click.option("--team", "team_name", required=True, help="Team whose final selection this is.")
@click.pass_context
def select_cmd(ctx: click.Context, competition: str, ids: tuple[int, ...], team_name: str) -> None:
    """Choose the submissions (IDS) that count for the private leaderboard."""
    from grader.competitions.leaderboard import select_submissions

    _course, store, cfg = _open(ctx, competition)
    chosen = select_submissions(store, cfg, team=team_name, submission_ids=list(ids))
    click.echo(f"Team '{team_name}' selected {', '.join(map(str, chosen))} for the private leaderboard of {cfg.name}.")


@main.command()
@click.argument("competition")
@click.pass_context
def reveal(ctx: click.Context, competition: str) -> None:
    """Show the private leaderboard now, before the deadline."""
    from grader.competitions.leaderboard import reveal as reveal_board

    _course, store, cfg = _open(ctx, competition)
    when = reveal_board(store, cfg)
    click.echo(f"The private leaderboard of {cfg.name} is visible (revealed {when.isoformat()}).")


@main.command()
@click.argument("competition")
@click.option("--threshold", default=0.99, show_default=True, help="Share of equal predictions that flags a pair.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def audit(ctx: click.Context, competition: str, threshold: float, as_json: bool) -> None:
    """Flag identical or near-identical prediction files from different teams."""
    from dataclasses import asdict

    from grader.competitions.audit import audit as run_audit

    course, store, cfg = _open(ctx, competition)
    flags = run_audit(course, store, cfg, threshold=threshold)
    if as_json:
        click.echo(json.dumps([asdict(f) for f in flags], indent=2))
        return
    if not flags:
        click.echo(f"No identical or near-identical submissions from different teams in {cfg.name}.")
    for flag in flags:
        click.echo(f"{flag.reason}: '{flag.team_a}' #{flag.submission_a} and '{flag.team_b}' #{flag.submission_b} "
                   f"({flag.agreement:.1%} of predictions equal)")


@main.command()
@click.argument("competition")
@click.option("--private", is_flag=True, help="The private leaderboard (after the deadline or 'grader reveal').")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.pass_context
def leaderboard(ctx: click.Context, competition: str, private: bool, fmt: str) -> None:
    """Print the public (or private) leaderboard."""
    from grader.competitions import export
    from grader.competitions.leaderboard import leaderboard as board

    _course, store, cfg = _open(ctx, competition)
    rows = board(store, cfg, private=private)
    if fmt == "json":
        click.echo(export.to_json(rows, competition=cfg.name, metric=cfg.metric, private=private))
    elif fmt == "csv":
        click.echo(export.to_csv(rows), nl=False)
    else:
        click.echo(f"{cfg.title} — {'private' if private else 'public'} leaderboard ({cfg.metric})")
        click.echo(export.to_table(rows, private=private))
