"""Each page of the site as a template and its data, and the one function that renders a page.

    view = model.competition_view(store, cfg, now, released=True)
    page = pages.leaderboard_page(view, private=False, now=now)
    html = pages.render(page, site=site, link=link)

The static builder (:mod:`leaderboard.build`) and the class server call these same
functions; they differ only in the ``link`` callable they pass (see
:mod:`leaderboard.navigation`) and in the tabs and blocks the server adds
(``extra_tabs``; ``site_nav`` and ``user_bar`` blocks of ``base.html.j2``).
Nothing here reads the store or a file: the server may call it on every request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from leaderboard import engine, model, plots
from leaderboard.navigation import Link, Tab, competition_tabs
from leaderboard.text import format_score, format_time, render_markdown, zone

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class SiteInfo:
    title: str
    course_id: str
    tz: ZoneInfo
    built_at: datetime | None = None  # set by the static builder: its pages say when they were built


def site_info(course, built_at: datetime | None = None) -> SiteInfo:
    return SiteInfo(title=course.get("course", "title"), course_id=course.get("course", "id"),
                    tz=zone(course.get("course", "timezone")), built_at=built_at)


@dataclass
class Page:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    view: model.CompetitionView | None = None  # a competition's page: rendered with its tabs
    tab: str = ""


def make_environment(*template_dirs: str | Path) -> Environment:
    """A Jinja environment over ``template_dirs`` (searched first: the server's own) and the site's templates."""
    env = Environment(
        loader=FileSystemLoader([str(d) for d in template_dirs] + [str(TEMPLATES_DIR)]),
        autoescape=select_autoescape(default=True, default_for_string=True, enabled_extensions=("j2", "html")),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["markdown"] = render_markdown
    env.filters["score"] = format_score
    env.filters["time"] = format_time
    return env


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The site's environment, made once per process: templates are compiled once and reused."""
    return make_environment()


def render(page: Page, *, site: SiteInfo, link: Link, extra_tabs: Sequence[Tab] = (),
           env: Environment | None = None, **extra: Any) -> str:
    """The page's HTML. A competition's page gets its tabs (plus ``extra_tabs``) built with ``link``."""
    context = {"site": site, "link": link, **page.context, **extra}
    if page.view is not None:
        context.update(c=page.view, tz=page.view.tz, tab=page.tab,
                       tabs=competition_tabs(page.view, link) + list(extra_tabs))
    return (env or environment()).get_template(page.template).render(**context)


def index_page(views: list[model.CompetitionView], assignments: list) -> Page:
    return Page("index.html.j2", {"competitions": views, "assignments": assignments,
                                  "min_students": model.MIN_STUDENTS_FOR_STATS})


def overview_page(view: model.CompetitionView) -> Page:
    return Page("overview.html.j2", view=view, tab="overview")


def data_page(view: model.CompetitionView, kit, samples: list, samples_note: str, meanings: list[str]) -> Page:
    """``kit``: :class:`leaderboard.datafiles.Kit`; samples: the class strips in the samples/ folder."""
    return Page("data.html.j2", {"kit": kit, "samples": samples, "samples_note": samples_note, "meanings": meanings},
                view=view, tab="data")


def code_page(view: model.CompetitionView, notebooks: list) -> Page:
    return Page("code.html.j2", {"notebooks": notebooks}, view=view, tab="code")


def notebook_page(view: model.CompetitionView, notebook) -> Page:
    return Page("notebook.html.j2", {"notebook": notebook}, view=view, tab="code")


def rules_page(view: model.CompetitionView) -> Page:
    return Page("rules.html.j2", {"rules": engine.rules(view.cfg)}, view=view, tab="rules")


def leaderboard_page(view: model.CompetitionView, *, private: bool, now: datetime) -> Page:
    """The public board, or the private one (only when ``view.revealed``), with its chart."""
    if private and not view.revealed:
        raise ValueError("the private leaderboard is hidden until the reveal")
    until = min(now, view.cfg.deadline)
    which = "private" if private else "public"
    chart = plots.leaderboard_chart(model.chart_series(view, private=private), higher=view.metric.greater_is_better,
                                    tz=view.tz, until=until,
                                    title=f"Best {which} {view.metric.name} over time of the top teams")
    return Page("leaderboard.html.j2", {"private": private, "rows": view.private_rows if private else view.public_rows,
                                        "chart": chart}, view=view, tab="leaderboard")


def team_page(view: model.CompetitionView, team_id: int) -> Page:
    """A team's public page: rank, best scores, entries, last submission and its scores over time."""
    team = view.teams[team_id]
    chart = plots.team_chart(team.scores, show_private=view.revealed, higher=view.metric.greater_is_better,
                             tz=view.tz, title=f"Scores of {team.name} over time")
    return Page("team.html.j2", {"team": team, "chart": chart}, view=view, tab="leaderboard")
