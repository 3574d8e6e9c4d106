"""Where pages live and how templates link to them: one route table, one ``link`` callable.

Templates never write a URL themselves; they call ``link(endpoint, **params)``::

    <a href="{{ link('competition.data', competition=c.slug) }}">Data</a>

The static builder passes :func:`relative_links` (paths relative to the page being
written, so the site opens from ``file://`` and from any folder of a web host); the
class server passes one that returns its own routes. ``ROUTES`` is also where the
builder writes each page, so a link and its page cannot disagree.

The competition tabs are a list built here (:func:`competition_tabs`) that the server
extends with its own (Submit, My submissions, Team) before rendering.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

Link = Callable[..., str]

# endpoint -> path of the page or file under the site's root, with {params}
ROUTES: dict[str, str] = {
    "index": "index.html",
    "static": "{path}",
    "competition.overview": "{competition}/index.html",
    "competition.data": "{competition}/data.html",
    "competition.download": "{competition}/data/{file}",
    "competition.sample": "{competition}/samples/{file}",
    "competition.code": "{competition}/code.html",
    "competition.notebook": "{competition}/code/{notebook}.html",
    "competition.notebook_file": "{competition}/code/{file}",
    "competition.rules": "{competition}/rules.html",
    "competition.leaderboard": "{competition}/leaderboard.html",
    "competition.private": "{competition}/private.html",
    "competition.team": "{competition}/teams/team-{team}.html",
}


def page_path(endpoint: str, **params) -> str:
    """The file of ``endpoint`` under the site's root, e.g. ``digit-recognizer/teams/team-3.html``.

    Each parameter fills one path segment: a ``/`` in a value (or a ``..``) is refused, so
    no name can write outside its folder.
    """
    values = {}
    for key, value in params.items():
        value = str(value)
        if not value or "/" in value or "\\" in value or value in (".", ".."):
            raise ValueError(f"{endpoint}: {key}={value!r} is not a file name")
        values[key] = value
    return ROUTES[endpoint].format(**values)


def relative_links(endpoint: str, **params) -> Link:
    """The ``link`` callable of the static page ``endpoint``: URLs relative to that page's folder."""
    here = posixpath.dirname(page_path(endpoint, **params)) or "."

    def link(target: str, **target_params) -> str:
        path = posixpath.relpath(page_path(target, **target_params), here)
        return "/".join(quote(part) for part in path.split("/"))

    return link


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    href: str
    external: bool = False  # a link away from the site (the course forum)


def competition_tabs(c, link: Link) -> list[Tab]:
    """Kaggle's tabs of a competition: Overview, Data, Code, Discussion (a link, when the course
    has a forum for it), Leaderboard, Rules. The server appends its own."""
    slug = c.slug
    tabs = [Tab("overview", "Overview", link("competition.overview", competition=slug)),
            Tab("data", "Data", link("competition.data", competition=slug)),
            Tab("code", "Code", link("competition.code", competition=slug))]
    if c.cfg.discussion_url:
        tabs.append(Tab("discussion", "Discussion", c.cfg.discussion_url, external=True))
    tabs += [Tab("leaderboard", "Leaderboard", link("competition.leaderboard", competition=slug)),
             Tab("rules", "Rules", link("competition.rules", competition=slug))]
    return tabs
