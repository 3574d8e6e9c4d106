"""What ``grader data list`` and ``grader data show`` report, as plain data.

Kept out of the CLI so scripts (and the demo) can call the same functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from grader.datasets import get_dataset, list_datasets, load_splits, sizes_of
from grader.errors import DatasetError

if TYPE_CHECKING:
    from grader.course import Course

SPLITS = ("train", "public_test", "private_test")


def dataset_summaries(*, course: Course | None = None) -> list[dict[str, Any]]:
    """One dict per dataset, available or not: source, variant, sizes per split, or the error."""
    rows = []
    for dataset in list_datasets(course):
        row: dict[str, Any] = {"name": dataset.name, "description": dataset.description, "available": False,
                               "source": None, "variant": None, "sizes": None, "error": None}
        try:
            counts = sizes_of(dataset)
            row["source"], row["variant"] = dataset.source, dataset.variant
            row["sizes"] = {split: int(sum(counts[split])) for split in SPLITS}
            row["available"] = True
        except DatasetError as exc:
            row["error"] = str(exc)
        rows.append(row)
    return rows


def sample_grid(images: np.ndarray, labels: np.ndarray, class_names: list[str], out: Path, *,
                per_class: int = 8, title: str = "") -> Path:
    """Write a PNG grid: one row per class, ``per_class`` images from the training split."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from grader.plot_fonts import plot_style

    with matplotlib.rc_context(plot_style()):  # class names may be Korean
        rows = len(class_names)
        fig, axes = plt.subplots(rows, per_class, figsize=(per_class * 1.1, rows * 1.15 + 0.4), squeeze=False)
        for label, name in enumerate(class_names):
            picks = np.flatnonzero(labels == label)[:per_class]
            for column in range(per_class):
                axis = axes[label, column]
                axis.set_xticks([])
                axis.set_yticks([])
                for spine in axis.spines.values():
                    spine.set_visible(False)
                if column < len(picks):
                    image = images[picks[column]]
                    axis.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=255)
                if column == 0:
                    axis.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
        if title:
            fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=80)
        plt.close(fig)
        return out


def show_dataset(name: str, *, course: Course | None = None, out: Path | None = None,
                 per_class: int = 8) -> dict[str, Any]:
    """Counts per class and split, and a PNG grid of training samples per class (written to ``out``)."""
    splits = load_splits(name, course)
    dataset = get_dataset(name, course)
    if out is None:
        folder = course.path("data") if course is not None else Path.cwd()
        out = folder / f"{name}-samples.png"
    images = splits.x_train
    labels = splits.y_train
    if images.dtype.kind in "US":  # an image folder: decode only the samples shown
        from grader.datasets.dogs_vs_cats import load_images

        picks = np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in range(len(splits.class_names))])
        images, labels = load_images(images[picks], size=(128, 128)), labels[picks]
    sample_grid(images, labels, splits.class_names, out, per_class=per_class,
                title=f"{name} ({splits.variant}): {per_class} training images per class")
    return {"name": name, "description": dataset.description, "source": splits.source, "variant": splits.variant,
            "class_names": splits.class_names, "counts": splits.counts, "seed": splits.seed, "grid": str(out)}
