"""Competition commands: submit, submissions, select, reveal, audit, leaderboard (teams: :mod:`grader.cli.teams`).

``grader release COMPETITION`` and ``grader score COMPETITION`` live with the
assignment and scoring commands; they call :func:`grader.competitions.kits.release_kit`
and :func:`grader.competitions.submit.score_pending`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime

import click

from grader.cli import get_course, main
from grader.cli.handin import server_option
from grader.cli.output import Column, Report, output_options
from grader.errors import CompetitionError, SubmissionError
from grader.words import plural


def _open(ctx: click.Context, competition: str):
    from grader.competitions.config import load_competition
    from grader.store import Store

    course = get_course(ctx)
    return course, Store.open(course), load_competition(course, competition)


def iso_time(cfg, when) -> str:
    """``when`` in the competition's time zone, ISO 8601 with its offset (what reports print)."""
    from zoneinfo import ZoneInfo

    return when.astimezone(ZoneInfo(cfg.timezone)).isoformat()


def _minute(iso: str | None) -> str:
    """``2026-11-20T12:00:00+09:00`` as a table shows it: ``2026-11-20 12:00``."""
    return "-" if iso is None else iso[:16].replace("T", " ")


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.5f}"


@main.command()
@click.argument("competition")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--team", "team_name", help="Team that submits (on the course's own store; with --server you submit "
                                          "for your own team).")
@click.option("-m", "--message", help="A note shown with the submission (as Kaggle's -m).")
@server_option()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def submit(ctx: click.Context, competition: str, file: str, team_name: str | None, message: str | None,
           server: str | None, as_json: bool) -> None:
    """Record and score FILE (submission.csv, or .csv.gz) for a team, or upload it to a class server (--server)."""
    if server:
        return _submit_to_server(ctx, server, competition, file, team_name, message, as_json)
    from grader.competitions.leaderboard import is_revealed
    from grader.competitions.submit import latest_score, refusal, submit_file

    if not team_name:
        raise click.UsageError("Name the team that submits with --team TEAM (or upload to a class server with "
                               "--server URL).")
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
        _refused(ctx, row.id, why.message, why.errors, why.more)
    late = " (late: shown to your team, not ranked)" if row.is_late else ""
    if score is not None:
        public = "undefined on the public rows" if score.public_score is None else f"{score.public_score:.5f}"
        click.echo(f"Submission {row.id} scored{late}: public {cfg.metric} = {public}")
    else:
        click.echo(f"Submission {row.id} recorded{late}; 'grader score {cfg.name}' will score it.")


def _refused(ctx: click.Context, submission_id: int, message: str, errors: list[str], more: int) -> None:
    """An invalid file: ``Error: ...`` naming what is wrong (each listed problem on a line of its own), exit 1."""
    stored = f"(submission {submission_id} stored as invalid; it does not count toward the daily limit)"
    if len(errors) <= 1 and not more:
        raise SubmissionError(f"{message} {stored}")
    listed = [f"  - {error}" for error in errors] + ([f"  ... and {more:,} more"] if more else [])
    click.echo("\n".join([f"Error: {message} {stored}", *listed]), err=True)
    ctx.exit(1)


def _submit_to_server(ctx, server: str, competition: str, file: str, team_name: str | None, message: str | None,
                      as_json: bool) -> None:
    from pathlib import Path

    from grader.client import ClientError
    from grader.client import submit as upload

    if team_name:
        raise click.UsageError("--team is for the course's own store; on a class server you submit for your own "
                               "team. Drop --team.")
    try:
        body = upload(server, competition, Path(file), message=message)
    except ClientError as exc:
        if exc.payload.get("status") != "invalid":
            raise
        if as_json:
            click.echo(json.dumps(exc.payload))
            ctx.exit(1)
        _refused(ctx, exc.payload.get("id"), str(exc), exc.payload.get("errors") or [],
                 int(exc.payload.get("more_errors") or 0))
    if as_json:
        click.echo(json.dumps(body))
        return
    late = " (late: shown to your team, not ranked)" if body.get("is_late") else ""
    if body.get("status") == "scored":
        score = body.get("public_score")
        public = "undefined on the public rows" if score is None else f"{score:.5f}"
        click.echo(f"Submission {body['id']} scored{late}: public score = {public}")
    else:
        click.echo(f"Submission {body['id']} is {body.get('status')}{late}; 'grader submissions {competition} "
                   f"--server {server}' shows its score.")


def submission_views(store, cfg, team: str | None) -> list[dict]:
    """One team's submissions (every team's when ``team`` is None), oldest first, as an instructor sees them.

    Private scores only where :func:`grader.competitions.leaderboard.team_submissions` shows them.
    The fields are those of the class server's ``SubmissionView``.
    """
    from sqlalchemy import select

    from grader.competitions.leaderboard import team_submissions
    from grader.competitions.teams import list_teams
    from grader.store import Submission

    names = [team] if team is not None else [t.name for t in list_teams(store, cfg)]
    entries = [(name, entry) for name in names for entry in team_submissions(store, cfg, name)]
    with store.read() as session:
        files = dict(session.execute(select(Submission.id, Submission.original_name).where(
            Submission.id.in_([entry.submission_id for _name, entry in entries] or [-1]))).all())
    views = [{"id": e.submission_id, "team": name, "submitted_at": e.submitted_at, "file": files.get(e.submission_id),
              "message": e.message, "status": e.status, "error": e.error, "is_late": e.is_late,
              "selected": e.selected, "public_score": e.public, "private_score": e.private} for name, e in entries]
    return sorted(views, key=lambda v: (v["submitted_at"], v["id"]))


def submissions_report(cfg, views: list[dict], *, team: str | None, revealed: bool, server: str | None = None) -> Report:
    """Submissions (:func:`submission_views`) as a report; the private column once the board is revealed.

    ``cfg`` needs the competition's name, title, metric, timezone and deadline (a
    :class:`RemoteCompetition` for a class server's)."""
    rows = [{"id": v["id"], "team": v["team"], "submitted_at": iso_time(cfg, v["submitted_at"]), "status": v["status"],
             "late": v["is_late"], "public_score": v["public_score"],
             "private_score": v["private_score"], "selected": v["selected"],
             "file": v["file"], "message": v["message"] or None, "error": v["error"]} for v in views]
    columns = [
        Column("id", justify="right"),
        Column("submitted_at", header="time", text=lambda r: _minute(r["submitted_at"])),
        Column("team", table=team is None),
        Column("status", text=lambda r: r["status"] + (" (late)" if r["late"] else "")),
        Column("late", table=False),
        Column("public_score", header="public", text=lambda r: _score(r["public_score"]), justify="right"),
        Column("private_score", header="private", text=lambda r: _score(r["private_score"]), justify="right",
               table=revealed),
        Column("selected", text=lambda r: "yes" if r["selected"] else ""),
        Column("file", text=lambda r: r["file"] or ""),
        Column("message", text=lambda r: r["message"] or ""),
        Column("error", text=lambda r: r["error"] or ""),
    ]
    whose = f"team '{team}'" if team is not None else "every team"
    chooser = f"--server {server}" if server else "--team TEAM"
    notes = [f"Choose the final submissions with 'grader select {cfg.name} ID... {chooser}'."]
    if not revealed:
        notes.insert(0, f"Private scores stay hidden until the deadline ({iso_time(cfg, cfg.deadline)}) "
                        f"or 'grader reveal {cfg.name}'.")
    return Report(
        rows, columns, about={"competition": cfg.name, "team": team, "metric": cfg.metric,
                              "timezone": cfg.timezone, "revealed": revealed},
        heading=f"{cfg.title}: {plural(len(rows), 'submission')} of {whose} ({cfg.metric}; times in {cfg.timezone})",
        notes=notes,
        empty=f"No submissions from {whose} in {cfg.name} yet.")


@dataclass(frozen=True)
class RemoteCompetition:
    """What a submissions report needs of a competition, as a class server lists it."""

    name: str
    title: str
    metric: str
    timezone: str
    deadline: datetime
    team: str | None

    @classmethod
    def from_server(cls, entry: dict) -> "RemoteCompetition":
        return cls(name=entry["name"], title=entry["title"], metric=entry["metric"], timezone=entry["timezone"],
                   deadline=datetime.fromisoformat(entry["deadline"]), team=entry.get("team"))


@main.command()
@click.argument("competition")
@click.option("--team", "team_name", help="Only this team's submissions (default: every team's).")
@server_option()
@output_options
@click.pass_context
def submissions(ctx: click.Context, competition: str, team_name: str | None, server: str | None, output) -> None:
    """List submissions with their ids, time, status, public score and selection (the ids 'grader select' takes).

    With --server: your own team's submissions on a class server."""
    if server:
        from grader import client

        if team_name:
            raise click.UsageError("--team is for the course's own store; a class server shows your own team's. "
                                   "Drop --team.")
        cfg = RemoteCompetition.from_server(client.competition(server, competition))
        views = [{**view, "submitted_at": datetime.fromisoformat(view["submitted_at"])}
                 for view in client.submissions(server, competition)]
        revealed = any(view.get("private_score") is not None for view in views)
        output.emit(submissions_report(cfg, views, team=cfg.team, revealed=revealed, server=server))
        return
    from grader.competitions.leaderboard import is_revealed

    _course, store, cfg = _open(ctx, competition)
    revealed = is_revealed(store, cfg)
    output.emit(submissions_report(cfg, submission_views(store, cfg, team_name), team=team_name, revealed=revealed))


@main.command("select")
@click.argument("competition")
@click.argument("ids", nargs=-1, type=int)
@click.option("--team", "team_name", help="Team whose final selection this is (on the course's own store).")
@server_option()
@click.pass_context
def select_cmd(ctx: click.Context, competition: str, ids: tuple[int, ...], team_name: str | None,
               server: str | None) -> None:
    """Choose the submissions (IDS, from 'grader submissions') that count for the private leaderboard."""
    if server:
        from grader.client import select as choose

        if team_name:
            raise click.UsageError("--team is for the course's own store; on a class server you choose for your own "
                                   "team. Drop --team.")
        chosen = choose(server, competition, list(ids))
        click.echo(f"Your team selected {', '.join(map(str, chosen)) or 'nothing'} for the private leaderboard of "
                   f"{competition}.")
        return
    from grader.competitions.leaderboard import select_submissions

    if not team_name:
        raise click.UsageError("Name the team with --team TEAM (or choose on a class server with --server URL).")
    _course, store, cfg = _open(ctx, competition)
    chosen = select_submissions(store, cfg, team=team_name, submission_ids=list(ids))
    click.echo(f"Team '{team_name}' selected {', '.join(map(str, chosen))} for the private leaderboard of {cfg.name}.")


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # a closed stdin
        return False


@main.command()
@click.argument("competition")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@click.pass_context
def reveal(ctx: click.Context, competition: str, yes: bool) -> None:
    """Show the private leaderboard now, before the deadline. Asks first: it cannot be hidden again."""
    from grader.competitions.leaderboard import is_revealed
    from grader.competitions.leaderboard import reveal as reveal_board

    _course, store, cfg = _open(ctx, competition)
    if not yes and not is_revealed(store, cfg):
        if not _stdin_is_terminal():
            raise CompetitionError(f"Revealing the private leaderboard of {cfg.name} cannot be undone and there is "
                                   "no terminal to ask for confirmation. Pass --yes to reveal it now.")
        if not click.confirm(f"Reveal the private leaderboard of {cfg.name} now? It cannot be hidden again."):
            click.echo(f"Not revealed: the private leaderboard of {cfg.name} stays hidden.")
            return
    when = reveal_board(store, cfg)
    click.echo(f"The private leaderboard of {cfg.name} is visible (revealed {iso_time(cfg, when)}).")


AUDIT_COLUMNS = [
    Column("reason"),
    Column("team_a"), Column("submission_a", header="#", justify="right"),
    Column("team_b"), Column("submission_b", header="#", justify="right"),
    Column("agreement", text=lambda r: f"{r['agreement']:.1%}", justify="right"),
]


@main.command()
@click.argument("competition")
@click.option("--threshold", default=0.99, show_default=True, type=click.FloatRange(0, 1),
              help="Share of equal predictions that flags a pair.")
@output_options
@click.pass_context
def audit(ctx: click.Context, competition: str, threshold: float, output) -> None:
    """Flag identical or near-identical prediction files from different teams."""
    from dataclasses import asdict

    from grader.competitions.audit import audit as run_audit

    course, store, cfg = _open(ctx, competition)
    rows = [asdict(flag) for flag in run_audit(course, store, cfg, threshold=threshold)]
    output.emit(Report(
        rows, AUDIT_COLUMNS, about={"competition": cfg.name, "threshold": threshold},
        heading=f"{plural(len(rows), 'flagged pair')} in {cfg.name} (threshold {threshold:.0%})",
        empty=f"No identical or near-identical submissions from different teams in {cfg.name}."))


def leaderboard_report(cfg, rows, *, private: bool) -> Report:
    """Leaderboard rows (best first) as a report; Δ is the public rank minus the private rank."""
    records = [{"rank": r.rank, "delta": r.delta, "team": r.team, "members": list(r.members), "score": r.score,
                "entries": r.entries, "last_submission_at": iso_time(cfg, r.last_submission_at),
                "benchmark": r.is_benchmark, "submission_id": r.submission_id} for r in rows]
    columns = [
        Column("rank", header="#", justify="right"),
        Column("delta", header="Δ", justify="right", table=private,
               text=lambda r: "" if r["delta"] is None else f"{r['delta']:+d}" if r["delta"] else "0"),
        Column("team", text=lambda r: r["team"] + (" [benchmark]" if r["benchmark"] else "")),
        Column("members"),
        Column("score", text=lambda r: _score(r["score"]), justify="right"),
        Column("entries", justify="right"),
        Column("last_submission_at", header="last", text=lambda r: _minute(r["last_submission_at"])),
        Column("benchmark", table=False),
        Column("submission_id", table=False),
    ]
    board = "private" if private else "public"
    return Report(records, columns, about={"competition": cfg.name, "metric": cfg.metric, "board": board},
                  heading=f"{cfg.title} — {board} leaderboard ({cfg.metric})",
                  empty=f"No team has a scored submission in {cfg.name} yet.")


@main.command()
@click.argument("competition")
@click.option("--private", is_flag=True, help="The private leaderboard (after the deadline or 'grader reveal').")
@output_options
@click.pass_context
def leaderboard(ctx: click.Context, competition: str, private: bool, output) -> None:
    """Print the public (or private) leaderboard."""
    from grader.competitions.leaderboard import leaderboard as board

    _course, store, cfg = _open(ctx, competition)
    output.emit(leaderboard_report(cfg, board(store, cfg, private=private), private=private))
