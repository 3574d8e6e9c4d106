"""The site in a real headless Chromium, opened from file:// with no network.

Every page is opened; tabs are switched by clicking; the leaderboard rows are
compared with the engine's; hostile names must appear as text with no dialog;
nothing may be requested but file:// URLs and nothing may log an error.
Screenshots of Overview, Data and both leaderboards are taken every run; with
CNNKIT_UPDATE_SCREENSHOTS=1 they replace the README's, in docs/screenshots/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from site_fixtures import HOSTILE_NAMES, NOW, SHOWCASE_NAMES, make_course, populate, write_competition_folder

from leaderboard import engine
from leaderboard.build import build_site

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"],
        )
        yield chromium
        chromium.close()


class Watched:
    """A page that records console errors, dialogs and every request it makes."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1200, "height": 900}, device_scale_factor=1)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check_clean(self):
        assert self.errors == []
        assert self.dialogs == []
        assert [url for url in self.requests if not url.startswith("file://")] == []

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser):
    page = Watched(browser)
    yield page
    page.close()


def test_every_page_opens_cleanly_and_hostile_names_are_text(revealed_site, watched):
    _, _, site = revealed_site
    page = watched.page
    pages = sorted(site.rglob("*.html"))
    for path in pages:
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        # A 200-character name wraps: the page never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
    watched.check_clean()
    page.goto((site / "digit-recognizer" / "leaderboard.html").as_uri())
    board = page.locator("#board")
    for name in HOSTILE_NAMES:
        assert board.get_by_text(" ".join(name.split()), exact=True).count() == 1, name
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("document.scripts.length") == 0
    watched.check_clean()


def test_tabs_switch_by_clicking(revealed_site, watched):
    _, _, site = revealed_site
    page = watched.page
    page.goto((site / "index.html").as_uri())
    page.get_by_role("link", name="Digit Recognizer <i>2026</i>").click()
    assert page.url.endswith("/digit-recognizer/index.html")
    assert page.locator(".tabs a.active").inner_text() == "Overview"
    for tab, target in (("Data", "data.html"), ("Leaderboard", "leaderboard.html"), ("Overview", "index.html")):
        page.locator(".tabs").get_by_role("link", name=tab).click()
        assert page.url.endswith(f"/digit-recognizer/{target}")
        assert page.locator(".tabs a.active").inner_text() == tab
    page.locator(".tabs").get_by_role("link", name="Leaderboard").click()
    page.locator(".subtabs").get_by_role("link", name="Private").click()
    assert page.url.endswith("/private.html")
    assert page.locator(".subtabs a.active").inner_text() == "Private"
    page.locator("#board a", has_text="Pooling Party").click()
    assert "/teams/team-" in page.url
    assert page.locator("h2.team-name").inner_text().startswith("Pooling Party")
    page.locator(".tabs").get_by_role("link", name="Data").click()
    assert page.url.endswith("/digit-recognizer/data.html")
    watched.check_clean()


def test_private_tab_is_not_a_link_before_the_reveal(ongoing_site, watched):
    _, _, site = ongoing_site
    watched.page.goto((site / "digit-recognizer" / "leaderboard.html").as_uri())
    assert watched.page.locator(".subtabs a").all_inner_texts() == ["Public"]
    assert watched.page.locator(".subtabs .disabled").inner_text() == "Private"
    watched.check_clean()


@pytest.mark.parametrize("private", [False, True])
def test_leaderboard_rows_in_the_browser_match_the_store(revealed_site, watched, private):
    course, store, site = revealed_site
    cfg = engine.competition_configs(course, store)[0]
    expected = engine.leaderboard(store, cfg, private=private, now=NOW)
    watched.page.goto((site / "digit-recognizer" / ("private.html" if private else "leaderboard.html")).as_uri())
    rows = watched.page.locator("#board tbody tr")
    assert rows.count() == len(expected)
    teams = [" ".join(t.split()) for t in watched.page.locator("#board tbody td.team a").all_inner_texts()]
    assert teams == [" ".join(r.team.split()) for r in expected]
    scores = watched.page.locator("#board tbody td.score").all_inner_texts()
    assert scores == [f"{r.score:.5f}" for r in expected]
    ranks = watched.page.locator("#board tbody td.rank").all_inner_texts()
    assert ranks == [str(r.rank) if r.rank is not None else "" for r in expected]
    watched.check_clean()


def test_screenshots_for_the_readme(tmp_path, watched):
    course, store = make_course(tmp_path / "course", title="Convolutional Neural Networks 2026")
    write_competition_folder(course, showcase=True)
    populate(store, revealed=True, team_names=SHOWCASE_NAMES)
    site = build_site(course, store, tmp_path / "site", now=NOW).parent
    folder = SCREENSHOTS if os.environ.get("CNNKIT_UPDATE_SCREENSHOTS") == "1" else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    shots = {"overview.png": "index.html", "data.png": "data.html",
             "leaderboard-public.png": "leaderboard.html", "leaderboard-private.png": "private.html"}
    for shot, page_name in shots.items():
        watched.page.goto((site / "digit-recognizer" / page_name).as_uri())
        watched.page.screenshot(path=str(folder / shot), full_page=True)
        assert (folder / shot).stat().st_size > 10_000
    watched.check_clean()
