"""Turning values into the words and numbers the pages show.

Markdown from competition folders is rendered with raw HTML switched off, so a
``<script>`` in a README is shown as text; markdown-it also refuses
``javascript:`` and ``data:`` links.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from markupsafe import Markup


@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render_markdown(text: str | None) -> Markup:
    return Markup(_markdown().render(text or ""))


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except Exception:
        return ZoneInfo("UTC")


def format_time(moment: datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def format_score(value: float | None) -> str:
    return "—" if value is None else f"{value:.5f}"


def humanize(delta: timedelta) -> str:
    """'3 days', '5 hours', '12 minutes': the largest whole unit, as Kaggle's header says it."""
    seconds = max(0, int(delta.total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "less than a minute"


_SLUG_OK = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def safe_slug(name: str, fallback: str) -> str:
    """``name`` when it is already a safe file name, else ``fallback`` (an id-based name)."""
    return name if _SLUG_OK.match(name) else fallback


def slugify(name: str, fallback: str) -> str:
    """A safe file name made from ``name`` ("Tricks & tips" -> "tricks-tips"), else ``fallback``."""
    return safe_slug(re.sub(r"[^a-z0-9_]+", "-", name.lower()).strip("-_")[:64], fallback)
