"""Charts: running best, and SVG that stays valid with hostile team names."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from site_fixtures import HOSTILE_NAMES

from leaderboard.plots import best_over_time_svg, running_best, team_chart_svg

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
SEOUL = ZoneInfo("Asia/Seoul")


def points(*values):
    return [(T0 + timedelta(hours=i), v) for i, v in enumerate(values)]


def test_running_best_follows_the_direction():
    assert [v for _, v in running_best(points(0.5, 0.7, 0.6, 0.9), higher=True)] == [0.5, 0.7, 0.7, 0.9]
    assert [v for _, v in running_best(points(0.5, 0.7, 0.4, 0.9), higher=False)] == [0.5, 0.5, 0.4, 0.4]


def test_leaderboard_chart_is_inline_svg_with_hostile_names_as_text():
    series = [(name, points(0.5 + i / 100, 0.6)) for i, name in enumerate(HOSTILE_NAMES)]
    svg = best_over_time_svg(series, higher=True, ylabel="best public accuracy", tz=SEOUL)
    assert svg.startswith("<svg") and "<?xml" not in svg and "<!DOCTYPE" not in svg
    root = ElementTree.fromstring(svg)
    tags = {element.tag.split("}")[-1] for element in root.iter()}
    assert "script" not in tags and "foreignObject" not in tags
    text = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "<script>alert(1)</scri" in text  # truncated in the legend, shown as text
    assert "$x^{2}$" in text                  # no mathtext


def test_team_chart_has_a_dot_per_scored_submission():
    svg = team_chart_svg(points(0.5, 0.7, 0.6), points(0.4, 0.8, 0.9), higher=True, tz=SEOUL)
    root = ElementTree.fromstring(svg)
    dots = list(root.iter("{http://www.w3.org/2000/svg}circle"))
    assert len(dots) == 6
    assert team_chart_svg([], None, higher=True, tz=SEOUL) == ""
    one = ElementTree.fromstring(team_chart_svg(points(0.5), None, higher=False, tz=SEOUL))
    assert len(list(one.iter("{http://www.w3.org/2000/svg}circle"))) == 1
