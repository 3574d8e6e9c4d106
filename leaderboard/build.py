"""Render the leaderboard site from the store into a static folder.

    index_html = build_site(course, store, Path("site"))

The site is plain HTML and CSS with inline SVG charts: it opens from ``file://``
with the network off and can be copied to any static host. Every page is built
into a temporary sibling folder that replaces ``out_dir`` only when all pages
are written, so a failed build leaves the previous site as it was.

A competition is published once its starter kit is released; before that the
index lists it as "Not available yet" and it has no pages. Pages are written
where :data:`leaderboard.navigation.ROUTES` says (the same table their links
come from)::

    index.html, site.css
    <competition>/index.html                 Overview
    <competition>/data.html, data/*          Data: the kit's zip and top-level files, samples/*.png
    <competition>/code.html, code/*          Code: one page and one download per notebook
    <competition>/rules.html                 Rules
    <competition>/leaderboard.html, private.html (after the reveal)
    <competition>/teams/team-<id>.html
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from grader.errors import SiteError
from leaderboard import datafiles, engine, model, notebooks, pages
from leaderboard.navigation import page_path, relative_links

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
MARKER = ".cnnkit-site"  # marks a folder that build_site may replace


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
    (out / MARKER).write_text("Built by cnnkit's 'grader site'; the whole folder is replaced on each build.\n",
                              encoding="utf-8")
    shutil.copyfile(STATIC_DIR / "site.css", out / page_path("static", path="site.css"))
    site = pages.site_info(course, built_at=now)
    configs = engine.competition_configs(course)
    kits = {cfg.name: datafiles.read_kit(course, cfg) for cfg in configs}
    views = [model.competition_view(store, cfg, now, released=kits[cfg.name].released) for cfg in configs]
    _write(out, site, "index", {}, pages.index_page(views, model.assignment_views(course, store)))
    for view in views:
        if view.released:
            _render_competition(course, out, site, view, kits[view.cfg.name], now)


def _render_competition(course, out: Path, site: pages.SiteInfo, view: model.CompetitionView, kit, now) -> None:
    slug = {"competition": view.slug}
    _write(out, site, "competition.overview", slug, pages.overview_page(view))
    datafiles.publish_kit(course, view.cfg, kit, _folder(out, "competition.download", **slug))
    samples, samples_note = datafiles.class_samples(course, view.cfg, _folder(out, "competition.sample", **slug))
    _write(out, site, "competition.data", slug,
           pages.data_page(view, kit, samples, samples_note, datafiles.column_meanings(view.cfg)))
    shared = notebooks.competition_notebooks(view.cfg, kit.notebooks)
    _write(out, site, "competition.code", slug, pages.code_page(view, shared))
    for notebook in shared:
        download = out / page_path("competition.notebook_file", **slug, file=notebook.file)
        download.parent.mkdir(parents=True, exist_ok=True)
        download.write_bytes(notebook.data)
        _write(out, site, "competition.notebook", {**slug, "notebook": notebook.slug},
               pages.notebook_page(view, notebook))
    _write(out, site, "competition.rules", slug, pages.rules_page(view))
    _write(out, site, "competition.leaderboard", slug, pages.leaderboard_page(view, private=False, now=now))
    if view.revealed:
        _write(out, site, "competition.private", slug, pages.leaderboard_page(view, private=True, now=now))
    for team_id in view.teams:
        _write(out, site, "competition.team", {**slug, "team": team_id}, pages.team_page(view, team_id))


def _folder(out: Path, endpoint: str, **params) -> Path:
    """The folder that ``endpoint``'s files go to (e.g. ``<competition>/data/``)."""
    return (out / page_path(endpoint, **params, file="_")).parent


def _write(out: Path, site: pages.SiteInfo, endpoint: str, params: dict, page: pages.Page) -> None:
    path = out / page_path(endpoint, **params)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(pages.render(page, site=site, link=relative_links(endpoint, **params)), encoding="utf-8")
