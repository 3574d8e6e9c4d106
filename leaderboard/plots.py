"""Charts as inline SVG written directly: no image files, no script, works from ``file://``.

Two charts: the leaderboard's (the running best score of the top teams over time)
and a team's (each scored submission, with its best so far). Both are drawn here in
a few milliseconds (matplotlib took ~20 ms a figure and ~200 ms for the
leaderboard's, too slow for a page the class server renders on each request).

Every chart is accessible: the SVG has ``role="img"`` and a ``<title>``; each series
differs from the others by its dash pattern and marker shape as well as its colour;
and :class:`Chart` carries the same numbers as a table for the page to show beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from leaderboard.text import format_score, format_time

Series = list[tuple[datetime, float]]

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 62, 18, 14, 34
INK, GRID, AXIS = "#5f6368", "#e8eaed", "#80868b"


@dataclass(frozen=True)
class Style:
    """How one series is drawn: colour (>= 3:1 on white), dash pattern and marker shape."""

    colour: str
    dash: str  # stroke-dasharray; "" is a solid line
    marker: str  # circle | square | triangle | diamond


STYLES = (
    Style("#1a73e8", "", "circle"), Style("#c5221f", "7 4", "square"), Style("#188038", "2 3", "triangle"),
    Style("#8430ce", "10 3 2 3", "diamond"), Style("#b06000", "", "square"), Style("#007b83", "7 4", "circle"),
    Style("#5f6368", "2 3", "diamond"), Style("#a50e0e", "10 3 2 3", "triangle"), Style("#0d652d", "", "diamond"),
    Style("#3c4043", "7 4", "triangle"),
)
PUBLIC_STYLE, PRIVATE_STYLE = STYLES[0], Style("#b06000", "7 4", "square")


@dataclass
class Line:
    label: str
    style: Style
    path: Series  # the line (a step line of the best so far)
    markers: Series  # the points marked on it


@dataclass
class Chart:
    """An inline SVG chart with its legend and the same data as a table (head, rows of text)."""

    svg: str
    title: str
    legend: list[tuple[str, str]]  # (label, swatch SVG)
    table_head: list[str]
    table_rows: list[list[str]]


def running_best(points: Series, *, higher: bool) -> Series:
    """The best score so far at each submission time (points sorted by time)."""
    best: float | None = None
    out: Series = []
    for moment, value in sorted(points, key=lambda p: p[0]):
        if best is None or (value > best if higher else value < best):
            best = value
        out.append((moment, best))
    return out


def _finite(points: Series) -> Series:
    return [(moment, value) for moment, value in points if value is not None and math.isfinite(value)]


def leaderboard_chart(series: list[tuple[str, Series]], *, higher: bool, tz, title: str,
                      until: datetime | None = None) -> Chart | None:
    """Step lines of each team's best score so far; ``series`` is (team name, points), best team first.

    Each line is held level up to ``until`` (the build time, or the deadline once it has
    passed), so a team that stopped submitting still shows where it stands.
    """
    lines, rows = [], []
    for index, (name, points) in enumerate(series):
        best = running_best(_finite(points), higher=higher)
        changes = [point for k, point in enumerate(best) if k == 0 or point[1] != best[k - 1][1]]
        if not changes:
            continue
        path = list(best)
        if until is not None and until > path[-1][0]:
            path.append((until, path[-1][1]))
        label = f"{index + 1}. {name}"
        lines.append(Line(label, STYLES[index % len(STYLES)], path, changes))
        rows += [[label, format_time(moment, tz), format_score(value)] for moment, value in changes]
    if not lines:
        return None
    return Chart(svg=_svg(lines, title=title, tz=tz), title=title,
                 legend=[(line.label, swatch(line.style)) for line in lines],
                 table_head=["Team", "Time", "Best score so far"], table_rows=rows)


def team_chart(scores, *, show_private: bool, higher: bool, tz, title: str) -> Chart | None:
    """A team's score of each submission (markers) and its best so far (line), private too when ``show_private``.

    ``scores``: (time, public score, private score or None while it is hidden) per scored submission.
    """
    public = _finite([(at, pub) for at, pub, _ in scores])
    private = _finite([(at, priv) for at, _, priv in scores if priv is not None]) if show_private else []
    lines = [Line(label, style, running_best(points, higher=higher), points)
             for label, style, points in (("public score", PUBLIC_STYLE, public),
                                          ("private score", PRIVATE_STYLE, private)) if points]
    if not lines:
        return None
    head = ["Submitted", "Public score"] + (["Private score"] if show_private else [])
    rows = [[format_time(at, tz), format_score(pub)]
            + ([format_score(priv) if priv is not None else "after the deadline"] if show_private else [])
            for at, pub, priv in sorted(scores, key=lambda point: point[0])]
    return Chart(svg=_svg(lines, title=title, tz=tz), title=title,
                 legend=[(line.label, swatch(line.style)) for line in lines], table_head=head, table_rows=rows)


def swatch(style: Style) -> str:
    """A legend's sample of a series: its line, dashes and marker."""
    return (f'<svg class="swatch" width="32" height="14" viewBox="0 0 32 14" aria-hidden="true">'
            f'<line x1="1" y1="7" x2="31" y2="7" stroke="{style.colour}" stroke-width="2"'
            f'{_dash(style)}/>{_marker(style, 16, 7)}</svg>')


def _dash(style: Style) -> str:
    return f' stroke-dasharray="{style.dash}"' if style.dash else ""


def _marker(style: Style, x: float, y: float, tip: str = "") -> str:
    title = f"<title>{escape(tip)}</title>" if tip else ""
    fill = f'fill="{style.colour}" stroke="#fff" stroke-width="1"'
    if style.marker == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" {fill}>{title}</circle>'
    if style.marker == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" {fill}>{title}</rect>'
    if style.marker == "triangle":
        return f'<path d="M{x:.1f} {y - 5:.1f}L{x + 4.5:.1f} {y + 3.5:.1f}L{x - 4.5:.1f} {y + 3.5:.1f}Z" {fill}>{title}</path>'
    return f'<path d="M{x:.1f} {y - 5:.1f}L{x + 5:.1f} {y:.1f}L{x:.1f} {y + 5:.1f}L{x - 5:.1f} {y:.1f}Z" {fill}>{title}</path>'


def _svg(lines: list[Line], *, title: str, tz) -> str:
    moments = [moment for line in lines for moment, _ in line.path + line.markers]
    values = [value for line in lines for _, value in line.path + line.markers]
    t0, t1 = min(moments), max(moments)
    if (t1 - t0) < timedelta(hours=1):  # a few minutes of submissions: show an hour, not seconds
        middle = t0 + (t1 - t0) / 2
        t0, t1 = middle - timedelta(minutes=30), middle + timedelta(minutes=30)
    ticks, decimals = value_ticks(min(values), max(values))
    v0, v1 = ticks[0], ticks[-1]
    span = (t1 - t0).total_seconds()

    def x(moment: datetime) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (moment - t0).total_seconds() / span

    def y(value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - v0) / (v1 - v0))

    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title" '
             f'xmlns="http://www.w3.org/2000/svg" font-size="12"><title id="chart-title">{escape(title)}</title>']
    for value in ticks:
        parts.append(f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{WIDTH - RIGHT}" y2="{y(value):.1f}" stroke="{GRID}"/>'
                     f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" fill="{INK}">'
                     f'{value:.{decimals}f}</text>')
    for moment, label in time_ticks(t0, t1, tz):
        parts.append(f'<line x1="{x(moment):.1f}" y1="{HEIGHT - BOTTOM}" x2="{x(moment):.1f}" '
                     f'y2="{HEIGHT - BOTTOM + 4}" stroke="{AXIS}"/><text x="{x(moment):.1f}" y="{HEIGHT - BOTTOM + 18}" '
                     f'text-anchor="middle" fill="{INK}">{escape(label)}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
                 f'stroke="{AXIS}"/>')
    for line in lines:
        steps = [f"M{x(line.path[0][0]):.1f} {y(line.path[0][1]):.1f}"]
        steps += [f"H{x(moment):.1f}V{y(value):.1f}" for moment, value in line.path[1:]]
        parts.append(f'<path d="{"".join(steps)}" fill="none" stroke="{line.style.colour}" stroke-width="2"'
                     f'{_dash(line.style)}/>')
        parts += [_marker(line.style, x(moment), y(value),
                          f"{line.label}: {format_score(value)} at {format_time(moment, tz)}")
                  for moment, value in line.markers]
    parts.append("</svg>")
    return "".join(parts)


def value_ticks(low: float, high: float, most: int = 5) -> tuple[list[float], int]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten apart), and their decimals."""
    if high - low < 1e-12:
        pad = abs(low) * 0.01 or 0.01
        low, high = low - pad, high + pad
    raw = (high - low) / (most - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    factor = next(f for f in (1, 2, 2.5, 5, 10) if f * magnitude >= raw * (1 - 1e-9))
    step = factor * magnitude
    first = math.floor(low / step + 1e-9) * step
    count = math.ceil((high - first) / step - 1e-9)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9) + (1 if factor == 2.5 else 0))
    return [round(first + k * step, decimals + 2) for k in range(count + 1)], decimals


TIME_STEPS = tuple(minutes * 60 for minutes in (5, 15, 30, 60, 180, 360, 720, 1440, 2880, 10080, 20160, 43200))


def time_ticks(t0: datetime, t1: datetime, tz, most: int = 6) -> list[tuple[datetime, str]]:
    """Tick times between t0 and t1 on round local times, with labels ("Nov 25", or "Nov 25 14:00" and "18:00")."""
    span = (t1 - t0).total_seconds()
    step = next((s for s in TIME_STEPS if span / s <= most - 1), TIME_STEPS[-1])
    local = t0.astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if step < 86400:
        tick = midnight + timedelta(seconds=step * math.ceil((local - midnight).total_seconds() / step))
    else:
        tick = midnight if midnight >= local else midnight + timedelta(days=1)
    ticks, last_day = [], None
    while tick <= t1:
        if step >= 86400:
            label = tick.strftime("%b %d")
        else:
            label = tick.strftime("%H:%M") if tick.date() == last_day else tick.strftime("%b %d %H:%M")
            last_day = tick.date()
        ticks.append((tick, label))
        tick = (tick + timedelta(seconds=step)).astimezone(tz)
    return ticks
