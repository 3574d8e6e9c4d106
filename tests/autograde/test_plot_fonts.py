"""Korean labels in cnnkit's figures (feedback's plots, `grader data show`'s sample grid) use a real font:
matplotlib reports no missing glyph. Needs Debian's fonts-noto-cjk (the Makefile installs it)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from grader.datasets.report import sample_grid
from grader.feedback import confusion_matrix_image, learning_curve
from grader.plot_fonts import CJK_FAMILY, CJK_FONT_FILES, font_families

pytestmark = pytest.mark.skipif(not any(Path(p).is_file() for p in CJK_FONT_FILES),
                                reason="Debian's fonts-noto-cjk is not installed (make install installs it)")

KOREAN_CLASSES = ["원", "삼각형", "사각형"]


def missing_glyphs(draw) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_cjk_font_follows_dejavu():
    assert font_families() == ("DejaVu Sans", CJK_FAMILY)


def test_confusion_matrix_and_learning_curve_draw_korean_labels():
    matrix = [[5, 1, 0], [0, 6, 1], [1, 0, 7]]
    assert missing_glyphs(lambda: confusion_matrix_image(matrix, KOREAN_CLASSES)) == []
    assert missing_glyphs(lambda: learning_curve({"loss": [1.0, 0.5], "accuracy": [0.5, 0.8]})) == []


def test_sample_grid_draws_korean_class_names(tmp_path):
    images = np.zeros((6, 8, 8), dtype=np.uint8)
    labels = np.array([0, 0, 1, 1, 2, 2])
    out = tmp_path / "grid.png"
    assert missing_glyphs(lambda: sample_grid(images, labels, KOREAN_CLASSES, out, per_class=2, title="도형")) == []
    assert out.stat().st_size > 1000
