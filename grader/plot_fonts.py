"""Fonts of matplotlib figures, so that Korean (and other CJK) text renders instead of empty boxes.

Debian's ``fonts-noto-cjk`` (in the Makefile's DEBIAN_PACKAGES) installs Noto Sans CJK.
matplotlib draws each glyph from the first family of ``font.family`` that has it, so
figures use DejaVu Sans (matplotlib's own) and fall back to Noto Sans CJK for Hangul and
Han characters. matplotlib caches the system's font list once: a font installed after
that first run is not in its cache, so the font file is added here when it is missing.

    with matplotlib.rc_context(plot_style()):
        figure, axis = plt.subplots()
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

CJK_FAMILY = "Noto Sans CJK KR"
CJK_FONT_FILES = (  # where fonts-noto-cjk puts them (Debian, Ubuntu)
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
)


@lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """DejaVu Sans, then Noto Sans CJK KR when it is installed."""
    from matplotlib import font_manager

    def known() -> bool:
        return any(font.name == CJK_FAMILY for font in font_manager.fontManager.ttflist)

    if not known():
        for path in CJK_FONT_FILES:
            if Path(path).is_file():
                font_manager.fontManager.addfont(path)
    return ("DejaVu Sans", CJK_FAMILY) if known() else ("DejaVu Sans",)


def plot_style() -> dict:
    """matplotlib rc settings for cnnkit's figures (use with ``matplotlib.rc_context``)."""
    return {"font.family": list(font_families())}
