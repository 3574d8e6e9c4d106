"""Charts as inline SVG: no image files to lose, no script, works from ``file://``.

The leaderboard's chart (best score over time for the top teams) is drawn with
matplotlib's Agg/SVG backend. A team page's chart is a small SVG written here
directly: a site has one page per team, and matplotlib costs ~20 ms a figure,
which for 300 teams would be most of the build.
"""

from __future__ import annotations

import io
import warnings
from datetime import datetime
from html import escape

Series = list[tuple[datetime, float]]

LEGEND_LABEL_CHARS = 28
COLORS = ("#20beff", "#f5a623", "#7ed321", "#d0021b", "#9013fe", "#4a90e2", "#50e3c2", "#b8860b", "#e91e63", "#607d8b")


def running_best(points: Series, *, higher: bool) -> Series:
    """The best score so far at each submission time (points sorted by time)."""
    best: float | None = None
    out: Series = []
    for moment, value in sorted(points, key=lambda p: p[0]):
        if best is None or (value > best if higher else value < best):
            best = value
        out.append((moment, best))
    return out


def _plain_label(text: str) -> str:
    """A legend label that matplotlib shows as typed: short, and no mathtext."""
    text = " ".join(text.split())
    if len(text) > LEGEND_LABEL_CHARS:
        text = text[: LEGEND_LABEL_CHARS - 1] + "…"
    return text.replace("\\", "\\\\").replace("$", r"\$")


def best_over_time_svg(series: list[tuple[str, Series]], *, higher: bool, ylabel: str, tz,
                       until: datetime | None = None) -> str:
    """Step lines of each team's running best score; ``series`` is (team name, points).

    Each line is held level up to ``until`` (the build time, or the deadline once it
    has passed), so a team that stopped submitting still shows where it stands.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "cnnkit", "font.size": 9,
                                "axes.spines.top": False, "axes.spines.right": False}), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing glyphs (emoji in a team name) only warn
        fig, ax = plt.subplots(figsize=(8.0, 3.2), dpi=100)
        try:
            for index, (name, points) in enumerate(series):
                best = running_best(points, higher=higher)
                if not best:
                    continue
                times = [moment.astimezone(tz) for moment, _ in best]
                values = [value for _, value in best]
                ax.plot(times[-1:], values[-1:], "o", color=COLORS[index % len(COLORS)], markersize=3)
                if until is not None and until > times[-1]:
                    times.append(until.astimezone(tz))
                    values.append(values[-1])
                ax.step(times, values, where="post", color=COLORS[index % len(COLORS)], linewidth=1.6,
                        label=_plain_label(f"{index + 1}. {name}"))
            left, right = ax.get_xlim()
            if right - left < 1 / 24:  # under an hour of submissions: show an hour, not seconds
                middle = (left + right) / 2
                ax.set_xlim(middle - 1 / 48, middle + 1 / 48)
            ax.set_ylabel(ylabel)
            ax.grid(axis="y", color="#e6e6e6")
            locator = mdates.AutoDateLocator(minticks=3, maxticks=8, tz=tz)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tz))
            if series:
                ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)
            fig.tight_layout()
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(fig)
    return _strip_prolog(buffer.getvalue())


def _strip_prolog(svg: str) -> str:
    """Inline SVG starts at ``<svg``: drop the XML declaration, DOCTYPE and comments."""
    start = svg.find("<svg")
    svg = svg[start:]
    # A responsive chart: the viewBox keeps the aspect ratio, CSS sets the width.
    head_end = svg.find(">")
    head = svg[:head_end]
    for attribute in ("width", "height"):
        marker = f' {attribute}="'
        at = head.find(marker)
        if at != -1:
            close = head.find('"', at + len(marker))
            head = head[:at] + head[close + 1:]
    return head + ' class="chart" role="img"' + svg[head_end:]


def team_chart_svg(public: Series, private: Series | None, *, higher: bool, tz,
                   width: int = 640, height: int = 220) -> str:
    """A team's scores per submission (dots) and its best so far (line), as small SVG."""
    values = [v for _, v in public] + [v for _, v in (private or [])]
    if not values:
        return ""
    times = [t for t, _ in public] + [t for t, _ in (private or [])]
    left, right, top, bottom = 64, 16, 14, 34
    t0, t1 = min(times), max(times)
    v0, v1 = min(values), max(values)
    if v0 == v1:
        v0, v1 = v0 - 0.5 * (abs(v0) or 1) * 0.02, v1 + 0.5 * (abs(v1) or 1) * 0.02
    span_t = (t1 - t0).total_seconds() or 1.0

    def x(moment: datetime) -> float:
        return left + (width - left - right) * ((moment - t0).total_seconds() / span_t if t1 > t0 else 0.5)

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - (value - v0) / (v1 - v0))

    parts = [
        f'<svg class="chart team-chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="Scores over time">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" class="axis"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" class="axis"/>',
    ]
    for value in (v0, (v0 + v1) / 2, v1):
        parts.append(f'<line x1="{left}" y1="{y(value):.1f}" x2="{width - right}" y2="{y(value):.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:.4f}</text>')
    for moment, anchor in ((t0, "start"), (t1, "end")):
        label = escape(moment.astimezone(tz).strftime("%m-%d %H:%M"))
        parts.append(f'<text x="{x(moment):.1f}" y="{height - 12}" text-anchor="{anchor}">{label}</text>')
    for css, series in (("public", public), ("private", private or [])):
        if not series:
            continue
        best = running_best(series, higher=higher)
        path = []
        for index, (moment, value) in enumerate(best):
            # A step after each submission: across at the old best, then up or down to the new.
            path.append(f"M{x(moment):.1f} {y(value):.1f}" if index == 0 else f"H{x(moment):.1f} V{y(value):.1f}")
        parts.append(f'<path d="{" ".join(path)}" class="best {css}"/>')
        for moment, value in series:
            parts.append(f'<circle cx="{x(moment):.1f}" cy="{y(value):.1f}" r="3" class="dot {css}">'
                         f'<title>{escape(css)} {value:.5f}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)
