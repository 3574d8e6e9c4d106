"""Charts: running best, SVG that stays valid with hostile team names, and accessible charts
(a name, series told apart by more than colour, the numbers as a table)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from site_fixtures import HOSTILE_NAMES

from leaderboard.plots import STYLES, leaderboard_chart, running_best, team_chart, time_ticks, value_ticks

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
SEOUL = ZoneInfo("Asia/Seoul")
SVG = "{http://www.w3.org/2000/svg}"


def points(*values):
    return [(T0 + timedelta(hours=i), v) for i, v in enumerate(values)]


def test_running_best_follows_the_direction():
    assert [v for _, v in running_best(points(0.5, 0.7, 0.6, 0.9), higher=True)] == [0.5, 0.7, 0.7, 0.9]
    assert [v for _, v in running_best(points(0.5, 0.7, 0.4, 0.9), higher=False)] == [0.5, 0.5, 0.4, 0.4]


def test_leaderboard_chart_is_named_svg_with_hostile_names_only_as_text():
    series = [(name, points(0.5 + i / 100, 0.6)) for i, name in enumerate(HOSTILE_NAMES)]
    chart = leaderboard_chart(series, higher=True, tz=SEOUL, title="Best <public> accuracy")
    root = ElementTree.fromstring(chart.svg)
    assert root.tag == f"{SVG}svg" and root.attrib["role"] == "img"
    title = root.find(f"{SVG}title")
    assert title.text == "Best <public> accuracy" and root.attrib["aria-labelledby"] == title.attrib["id"]
    tags = {element.tag.split("}")[-1] for element in root.iter()}
    assert "script" not in tags and "foreignObject" not in tags
    assert not any(name.startswith("on") for element in root.iter() for name in element.attrib)
    tips = " ".join(t.text for t in root.iter(f"{SVG}title"))
    assert "<script>alert(1)</script>" in tips  # the names appear, as text
    # the same numbers as a table: the best-so-far changes of each team (0.5x, then 0.6 for the first five)
    assert chart.table_head == ["Team", "Time", "Best score so far"]
    assert [row[0] for row in chart.table_rows].count(f"1. {HOSTILE_NAMES[0]}") == 2
    assert [label for label, _ in chart.legend] == [f"{i + 1}. {name}" for i, name in enumerate(HOSTILE_NAMES)]


def test_each_team_line_differs_by_dashes_and_markers_as_well_as_colour():
    assert len({(style.dash, style.marker) for style in STYLES}) == len(STYLES)
    assert len({style.colour for style in STYLES}) == len(STYLES)
    series = [(f"team {i}", points(0.5 + i / 100)) for i in range(10)]
    root = ElementTree.fromstring(leaderboard_chart(series, higher=True, tz=SEOUL, title="t").svg)
    lines = [(p.attrib["stroke"], p.attrib.get("stroke-dasharray", "")) for p in root.iter(f"{SVG}path")
             if p.attrib.get("fill") == "none"]
    assert lines == [(style.colour, style.dash) for style in STYLES]
    shapes = {"circle": len(list(root.iter(f"{SVG}circle"))), "square": len(list(root.iter(f"{SVG}rect")))}
    assert shapes == {kind: sum(style.marker == kind for style in STYLES) for kind in shapes}


def test_team_chart_tells_public_from_private_by_dashes_and_markers():
    scores = [(T0 + timedelta(hours=i), pub, priv) for i, (pub, priv) in enumerate([(0.5, 0.4), (0.7, 0.8), (0.6, None)])]
    chart = team_chart(scores, show_private=True, higher=True, tz=SEOUL, title="Scores of <b>")
    root = ElementTree.fromstring(chart.svg)
    lines = {p.attrib["stroke"]: p.attrib.get("stroke-dasharray", "") for p in root.iter(f"{SVG}path")
             if p.attrib.get("fill") == "none"}
    assert len(lines) == 2 and len(set(lines.values())) == 2  # one solid, one dashed
    assert len(list(root.iter(f"{SVG}circle"))) == 3 and len(list(root.iter(f"{SVG}rect"))) == 2
    assert chart.table_head == ["Submitted", "Public score", "Private score"]
    assert [row[1:] for row in chart.table_rows] == [["0.50000", "0.40000"], ["0.70000", "0.80000"],
                                                     ["0.60000", "after the deadline"]]
    hidden = team_chart(scores, show_private=False, higher=True, tz=SEOUL, title="t")
    assert hidden.table_head == ["Submitted", "Public score"] and "0.80000" not in hidden.svg + repr(hidden.table_rows)
    assert len(list(ElementTree.fromstring(hidden.svg).iter(f"{SVG}rect"))) == 0
    assert team_chart([], show_private=True, higher=True, tz=SEOUL, title="t") is None


def test_axis_ticks_are_round_numbers_and_local_times():
    assert value_ticks(0.9, 0.99) == ([0.9, 0.925, 0.95, 0.975, 1.0], 3)
    assert value_ticks(0.5, 0.5)[0][0] < 0.5 < value_ticks(0.5, 0.5)[0][-1]
    ticks = time_ticks(T0, T0 + timedelta(days=4), SEOUL)
    assert [label for _, label in ticks] == ["Nov 02", "Nov 03", "Nov 04", "Nov 05"]
    assert all(moment.astimezone(SEOUL).hour == 0 for moment, _ in ticks)
    hours = time_ticks(T0, T0 + timedelta(hours=3), SEOUL)
    assert [label for _, label in hours] == ["Nov 01 09:00", "10:00", "11:00", "12:00"]
