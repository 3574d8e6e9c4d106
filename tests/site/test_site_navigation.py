"""The contract the class server relies on: every URL of a page comes from the ``link`` callable it
is given, the competition tabs are a list it can extend, and base.html.j2 has blocks for a user bar
and site navigation. Also: the static builder's relative links, and names that cannot escape a folder."""

from __future__ import annotations

from urllib.parse import urlencode

import html5lib
import pytest
from site_fixtures import NOW

from leaderboard import datafiles, model, notebooks, pages
from leaderboard.navigation import ROUTES, Tab, page_path, relative_links

XHTML = "{http://www.w3.org/1999/xhtml}"


def test_static_links_are_relative_to_the_page_and_quoted():
    link = relative_links("competition.team", competition="digit-recognizer", team=7)
    assert link("index") == "../../index.html"
    assert link("static", path="site.css") == "../../site.css"
    assert link("competition.team", competition="digit-recognizer", team=8) == "team-8.html"
    assert link("competition.download", competition="digit-recognizer", file="my file#1?.csv") == \
        "../data/my%20file%231%3F.csv"
    assert relative_links("index")("competition.overview", competition="cifar-10") == "cifar-10/index.html"


@pytest.mark.parametrize("bad", ["../secret", "a/b", "..", "", "a\\b"])
def test_a_name_cannot_leave_its_folder(bad):
    with pytest.raises(ValueError):
        page_path("competition.download", competition="digit-recognizer", file=bad)


def server_link(endpoint: str, **params) -> str:
    """What a web server's url_for would give: absolute routes of its own."""
    return f"/app/{endpoint}" + (f"?{urlencode(params)}" if params else "")


def every_url(html: str) -> list[str]:
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(html)
    return [value for element in tree.iter() for key, value in element.attrib.items() if key in ("href", "src")]


def test_every_url_of_every_page_comes_from_the_link_callable(revealed_site):
    course, store, _ = revealed_site
    from leaderboard import engine

    cfg = engine.competition_configs(course)[0]
    kit = datafiles.read_kit(course, cfg)
    view = model.competition_view(store, cfg, NOW, released=kit.released)
    shared = notebooks.competition_notebooks(cfg, kit.notebooks)
    site = pages.site_info(course)
    extra = [Tab("submit", "Submit", "/app/submit?competition=digit-recognizer")]
    team_id = next(iter(view.teams))
    every = [pages.index_page([view], model.assignment_views(course, store)), pages.overview_page(view),
             pages.data_page(view, kit, [datafiles.ClassSample("0", "class-0.png")], "", []),
             pages.code_page(view, shared), pages.notebook_page(view, shared[0]), pages.rules_page(view),
             pages.leaderboard_page(view, private=False, now=NOW), pages.leaderboard_page(view, private=True, now=NOW),
             pages.team_page(view, team_id)]
    for page in every:
        html = pages.render(page, site=site, link=server_link, extra_tabs=extra)
        urls = [url for url in every_url(html) if url != "data:,"]  # the empty favicon: no request at all
        assert urls and all(url.startswith("/app/") or url.startswith("https://keras.io") for url in urls), \
            (page.template, [u for u in urls if not u.startswith("/app/")])
        assert "Built " not in html  # a live page says nothing about a build
        if page.view is not None:
            assert "/app/submit?competition=digit-recognizer" in urls  # the server's tab, after Kaggle's
    with pytest.raises(ValueError):
        pages.leaderboard_page(model.competition_view(store, cfg, NOW.replace(year=2025)), private=True, now=NOW)


def test_a_server_template_fills_the_user_bar_and_site_nav(revealed_site, tmp_path):
    course, store, _ = revealed_site
    (tmp_path / "signed_in.html.j2").write_text(
        '{% extends "rules.html.j2" %}{% block site_nav %}<nav class="site-nav">Assignments</nav>{% endblock %}'
        '{% block user_bar %}<span class="user">Signed in as {{ user }}</span>{% endblock %}', encoding="utf-8")
    from leaderboard import engine

    cfg = engine.competition_configs(course)[0]
    page = pages.rules_page(model.competition_view(store, cfg, NOW))
    page.template = "signed_in.html.j2"
    html = pages.render(page, site=pages.site_info(course), link=server_link, env=pages.make_environment(tmp_path),
                        user="<Ada>")
    assert '<span class="user">Signed in as &lt;Ada&gt;</span>' in html
    assert '<nav class="site-nav">Assignments</nav>' in html and "Ties are broken by submission time" in html


def test_every_route_is_written_by_the_builder(revealed_site):
    _, _, site = revealed_site
    written = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    for endpoint, pattern in ROUTES.items():
        prefix = pattern.split("{")[0] if not pattern.startswith("{competition}") else \
            pattern.replace("{competition}", "digit-recognizer").split("{")[0]
        assert any(name.startswith(prefix) for name in written), endpoint
