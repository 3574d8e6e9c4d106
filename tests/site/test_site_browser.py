"""The site and the feedback page in a real headless Chromium, opened from file:// with no network.

Every page is opened on a phone (390 x 844) and a desktop (1280 x 800): the page never
scrolls sideways, every control is a 44 x 44 px tap target, and every text has a
contrast of at least 4.5:1 on the colour behind it (all measured in the browser).
Tabs are switched by clicking; the leaderboard rows are compared with the engine's;
hostile names must appear as text with no dialog; nothing may be requested but
file:// URLs and nothing may log an error; Korean renders in a real font, not as
missing-glyph boxes. Screenshots of the main pages are taken at both sizes every run;
with CNNKIT_UPDATE_SCREENSHOTS=1 they replace the README's, in docs/screenshots/.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from site_fixtures import (
    HOSTILE_NAMES,
    KOREAN_NAME,
    NOW,
    SHOWCASE_NAMES,
    make_course,
    populate,
    release_kit,
    shipped_baseline,
    write_competition_folder,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from browser_checks import (  # noqa: E402  (tests/browser_checks.py, shared with tests/server)
    CHROMIUM,
    CHROMIUM_ARGS,
    LOW_CONTRAST,
    MIN_CONTRAST,
    MIN_TAP,
    NO_SIDEWAYS_SCROLL,
    SMALL_TARGETS,
    TEXT_WIDTH,
    VIEWPORTS,
)

from grader.feedback import render_feedback  # noqa: E402
from grader.plot_fonts import CJK_FONT_FILES
from leaderboard import engine
from leaderboard.build import build_site

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"),
]

@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page that records console errors, dialogs and every request it makes."""

    def __init__(self, browser, viewport: str = "desktop"):
        self.context = browser.new_context(viewport=VIEWPORTS[viewport], device_scale_factor=1)
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

    def open(self, path: Path) -> None:
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def check_readable(self, where) -> None:
        """No sideways scroll, tap targets of 44 px, text contrast of 4.5:1 on the open page."""
        assert self.page.evaluate(NO_SIDEWAYS_SCROLL), (where, self.page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"))
        assert self.page.evaluate(SMALL_TARGETS, MIN_TAP) == [], where
        assert self.page.evaluate(LOW_CONTRAST, MIN_CONTRAST) == [], where

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


@pytest.fixture(params=list(VIEWPORTS))
def sized(browser, request):
    """A watched page at each viewport size: (size name, page)."""
    page = Watched(browser, request.param)
    yield request.param, page
    page.close()


def test_every_page_reads_on_a_phone_and_a_desktop(revealed_site, sized):
    size, watched = sized
    _, _, site = revealed_site
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 18
    for path in pages:
        watched.open(path)
        watched.check_readable((size, str(path.relative_to(site))))
    watched.check_clean()


def test_hostile_names_are_text(revealed_site, watched):
    _, _, site = revealed_site
    page = watched.page
    watched.open(site / "digit-recognizer" / "leaderboard.html")
    board = page.locator("#board")
    for name in HOSTILE_NAMES:
        assert board.locator("td.team a").get_by_text(" ".join(name.split()), exact=True).count() == 1, name
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("document.scripts.length") == 0
    for notebook in (site / "digit-recognizer" / "code").glob("*.html"):
        watched.open(notebook)
        assert page.evaluate("document.scripts.length") == 0
    watched.check_clean()


def test_tabs_switch_by_tapping_on_a_phone(revealed_site, browser):
    _, _, site = revealed_site
    watched = Watched(browser, "phone")
    page = watched.page
    try:
        watched.open(site / "index.html")
        page.get_by_role("link", name="Digit Recognizer <i>2026</i>").click()
        assert page.url.endswith("/digit-recognizer/index.html")
        assert page.locator(".tabs a.active").inner_text() == "Overview"
        for tab, target in (("Data", "data.html"), ("Code", "code.html"), ("Leaderboard", "leaderboard.html"),
                            ("Rules", "rules.html"), ("Overview", "index.html")):
            page.locator(".tabs").get_by_role("link", name=tab).click()
            assert page.url.endswith(f"/digit-recognizer/{target}")
            assert page.locator(".tabs a.active").inner_text() == tab
        page.locator(".tabs").get_by_role("link", name="Code").click()
        page.locator(".cards a.card-title").first.click()
        assert page.url.endswith("/digit-recognizer/code/baseline.html")
        assert page.locator(".tabs a.active").inner_text() == "Code"
        page.locator(".tabs").get_by_role("link", name="Leaderboard").click()
        page.locator(".subtabs").get_by_role("link", name="Private").click()
        assert page.url.endswith("/private.html")
        assert page.locator(".subtabs a.active").inner_text() == "Private"
        page.locator("#board a", has_text="Pooling Party").click()
        assert "/teams/team-" in page.url
        assert page.locator("h2.team-name").inner_text().startswith("Pooling Party")
        page.locator(".chart-data summary").click()
        assert page.locator(".chart-data table").is_visible()
        page.locator(".tabs").get_by_role("link", name="Data").click()
        assert page.url.endswith("/digit-recognizer/data.html")
        watched.check_clean()
    finally:
        watched.close()


def test_private_tab_is_not_a_link_before_the_reveal(ongoing_site, watched):
    _, _, site = ongoing_site
    watched.open(site / "digit-recognizer" / "leaderboard.html")
    assert watched.page.locator(".subtabs a").all_inner_texts() == ["Public"]
    assert watched.page.locator(".subtabs .disabled").inner_text() == "Private: after the deadline"
    watched.check_clean()


@pytest.mark.parametrize("private", [False, True])
def test_leaderboard_rows_in_the_browser_match_the_store(revealed_site, watched, private):
    course, store, site = revealed_site
    cfg = engine.competition_configs(course)[0]
    expected = engine.leaderboard(store, cfg, private=private, now=NOW)
    watched.open(site / "digit-recognizer" / ("private.html" if private else "leaderboard.html"))
    rows = watched.page.locator("#board tbody tr")
    assert rows.count() == len(expected)
    teams = [" ".join(t.split()) for t in watched.page.locator("#board tbody td.team a").all_inner_texts()]
    assert teams == [" ".join(r.team.split()) for r in expected]
    scores = watched.page.locator("#board tbody td.score").all_inner_texts()
    assert scores == [f"{r.score:.5f}" for r in expected]
    ranks = watched.page.locator("#board tbody td.rank").all_inner_texts()
    assert ranks == [str(r.rank) if r.rank is not None else "" for r in expected]
    watched.check_clean()


def feedback_grade():
    """A graded notebook with long names, a training run's learning curve and a 10-class confusion matrix."""
    classes = ["티셔츠/탑", "바지", "풀오버", "드레스", "코트", "샌들", "셔츠", "스니커즈", "가방", "앵클부츠"]
    matrix = [[90 if i == j else 1 for j in range(10)] for i in range(10)]
    check = {"id": "test_cnn.py::test_accuracy", "name": "test_fashion_cnn_reaches_88_percent_on_held_out_images_" * 2,
             "points": 5.0, "max_points": 10.0, "passed": False, "message": "held-out accuracy 0.81 < 0.88 " * 6,
             "extra": {"seconds": 41.5, "confusion_matrix": matrix, "class_names": classes,
                       "training": [{"builder": "build_model", "epochs_done": 3, "seconds": 38.0,
                                     "history": {"loss": [1.2, 0.8, 0.6], "accuracy": [0.6, 0.75, 0.81]}}]}}
    from grader.grades import GradeRecord

    return GradeRecord(
        assignment="07-fashion-mnist", student="s" + "9" * 60, status="graded", notebook_points=10.0,
        notebook_max=20.0, judge_points=5.0, judge_max=70.0, manual_max=10.0, manual_pending=True,
        graded_at=datetime(2026, 11, 28, tzinfo=timezone.utc),
        details={"judge": {"checks": [check]}, "cells": {"cell-" + "x" * 80: {"points": 1, "max_points": 2}}})


def test_feedback_page_reads_on_a_phone_and_a_desktop(tmp_path, sized):
    size, watched = sized
    page = tmp_path / "feedback.html"
    page.write_text(render_feedback(feedback_grade()), encoding="utf-8")
    watched.open(page)
    watched.check_readable((size, "feedback.html"))
    assert watched.page.locator("img").count() == 2  # the learning curve and the confusion matrix
    watched.check_clean()


@pytest.mark.skipif(not any(Path(p).is_file() for p in CJK_FONT_FILES),
                    reason="Debian's fonts-noto-cjk is not installed (make install installs it)")
def test_korean_renders_in_a_real_font_not_missing_glyph_boxes(tmp_path, watched):
    course, store = make_course(tmp_path / "course", title="합성곱 신경망 2026")
    write_competition_folder(course, showcase=True)
    release_kit(course, baseline=shipped_baseline())
    populate(store, team_names=SHOWCASE_NAMES)
    site = build_site(course, store, tmp_path / "site", now=NOW).parent
    watched.open(site / "digit-recognizer" / "leaderboard.html")
    assert watched.page.locator("#board td.team a", has_text=KOREAN_NAME).count() == 1
    korean = watched.page.evaluate(TEXT_WIDTH, "합성곱")
    missing = watched.page.evaluate(TEXT_WIDTH, "\U0010fffd" * 3)  # a code point no font has: the box
    assert abs(korean - missing) > 0.1 * missing, (korean, missing)
    watched.open(site / "digit-recognizer" / "code" / "baseline.html")  # the shipped baseline speaks Korean too
    assert "합성곱 신경망" in watched.page.locator(".notebook").inner_text()
    assert watched.page.evaluate(TEXT_WIDTH, "합성곱") == korean
    watched.check_clean()


SHOTS = {"index": "index.html", "overview": "digit-recognizer/index.html", "data": "digit-recognizer/data.html",
         "code": "digit-recognizer/code/baseline.html", "leaderboard-public": "digit-recognizer/leaderboard.html",
         "leaderboard-private": "digit-recognizer/private.html"}


def test_screenshots_for_the_readme(tmp_path, browser):
    course, store = make_course(tmp_path / "course", title="Convolutional Neural Networks 2026")
    write_competition_folder(course, showcase=True)
    release_kit(course, baseline=shipped_baseline())
    populate(store, revealed=True, team_names=SHOWCASE_NAMES)
    site = build_site(course, store, tmp_path / "site", now=NOW).parent
    folder = SCREENSHOTS if os.environ.get("CNNKIT_UPDATE_SCREENSHOTS") == "1" else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for size in VIEWPORTS:
        watched = Watched(browser, size)
        try:
            for shot, page_name in SHOTS.items():
                watched.open(site / page_name)
                target = folder / (f"{shot}.png" if size == "desktop" else f"{shot}-phone.png")
                watched.page.screenshot(path=str(target), full_page=True)
                assert target.stat().st_size > 10_000
            watched.check_clean()
        finally:
            watched.close()
