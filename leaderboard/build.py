"""Render the leaderboard site from the store into a static folder.

    index_html = build_site(course, store, Path("site"))

The site is plain HTML and CSS with inline SVG charts: it opens from ``file://``
with the network off and can be copied to any static host. Every page is built
into a temporary sibling folder that replaces ``out_dir`` only when all pages
are written, so a failed build leaves the previous site as it was.

Layout::

    index.html, site.css
    <competition>/index.html      Overview
    <competition>/data.html       Data (+ samples/class-N.png)
    <competition>/leaderboard.html, private.html (after the reveal)
    <competition>/teams/team-<id>.html
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from grader.errors import SiteError
from leaderboard import datafiles, engine, model, plots
from leaderboard.text import format_score, format_time, render_markdown

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
MARKER = ".cnnkit-site"  # marks a folder that build_site may replace


@lru_cache(maxsize=1)
def environment() -> Environment:
    """One Jinja environment per process: templates are compiled once and reused."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True, enabled_extensions=("j2", "html")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = render_markdown
    env.filters["score"] = format_score
    env.filters["time"] = format_time
    return env


def build_site(course, store, out_dir: str | Path, *, now: datetime | None = None) -> Path:
    """Write the whole site to ``out_dir`` (replacing it atomically); return its index.html."""
    now = now or datetime.now(timezone.utc)
    out_dir = Path(out_dir).resolve()
    _check_replaceable(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
    try:
        _render(course, store, staging, now)
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir / "index.html"


def _check_replaceable(out_dir: Path) -> None:
    """Refuse to replace a folder that is not a site this function built (``--out ~/Documents``)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise SiteError(f"{out_dir} is a file, not a folder. Choose another --out folder.")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
        raise SiteError(f"{out_dir} is not empty and was not built by 'grader site'; refusing to replace it. "
                        "Choose an empty or new --out folder.")


def _swap(staging: Path, out_dir: Path) -> None:
    """Put the new site in place; the old one is removed only after the rename."""
    staging.chmod(0o755)
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{staging.name.rsplit('-', 1)[-1]}")
        out_dir.rename(old)
    staging.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _render(course, store, out: Path, now: datetime) -> None:
    env = environment()
    (out / MARKER).write_text("Built by cnnkit's 'grader site'; the whole folder is replaced on each build.\n",
                              encoding="utf-8")
    shutil.copyfile(STATIC_DIR / "site.css", out / "site.css")
    configs = engine.competition_configs(course, store)
    views = [model.collect_competition(store, cfg, index, now) for index, cfg in enumerate(configs, start=1)]
    site = {"title": course.get("course", "title"), "course_id": course.get("course", "id"), "built_at": now,
            "tz": _zone(course)}
    _write(out / "index.html", env.get_template("index.html.j2").render(
        site=site, root="", competitions=views, assignments=model.collect_assignments(course, store),
        min_students=model.MIN_STUDENTS_FOR_STATS))
    for view in views:
        _render_competition(env, course, store, view, out / view.slug, site)


def _render_competition(env: Environment, course, store, view: model.CompetitionView, folder: Path, site) -> None:
    (folder / "teams").mkdir(parents=True)
    common = {"site": site, "root": "../", "here": "", "c": view, "tz": view.tz}
    _write(folder / "index.html", env.get_template("overview.html.j2").render(**common, tab="overview"))
    files, files_from = datafiles.kit_files(course, view.cfg)
    columns, sample_rows = datafiles.sample_submission(course, view.cfg)
    samples, samples_note = datafiles.class_samples(course, view.cfg, folder)
    _write(folder / "data.html", env.get_template("data.html.j2").render(
        **common, tab="data", files=files, files_from=files_from, released=files_from.endswith(".zip"),
        columns=columns, sample_rows=sample_rows, meanings=datafiles.column_meanings(view.cfg),
        samples=samples, samples_note=samples_note))
    boards = [("leaderboard.html", False)] + ([("private.html", True)] if view.revealed else [])
    for name, private in boards:
        series = model.chart_series(view, private=private)
        until = min(site["built_at"], view.cfg.deadline) if view.cfg.deadline else site["built_at"]
        chart = plots.best_over_time_svg(series, higher=view.metric.greater_is_better, tz=view.tz, until=until,
                                         ylabel=f"best {'private' if private else 'public'} {view.metric.name}") \
            if series else ""
        _write(folder / name, env.get_template("leaderboard.html.j2").render(
            **common, tab="leaderboard", private=private,
            rows=view.private_rows if private else view.public_rows, chart=chart))
    team_template = env.get_template("team.html.j2")
    team_common = {**common, "root": "../../", "here": "../"}
    for team in view.teams.values():
        public = [(s.submitted_at, s.public_score) for s in team.submissions if s.public_score is not None]
        private = [(s.submitted_at, s.private_score) for s in team.submissions if s.private_score is not None]
        chart = plots.team_chart_svg(public, private if view.revealed else None,
                                     higher=view.metric.greater_is_better, tz=view.tz)
        _write(folder / team.page, team_template.render(**team_common, tab="leaderboard", team=team, chart=chart))


def _zone(course):
    from leaderboard.text import zone

    return zone(course.get("course", "timezone"))


def _write(path: Path, html: str) -> None:
    path.write_text(html, encoding="utf-8")
