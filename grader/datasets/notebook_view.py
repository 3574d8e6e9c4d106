"""The datasets as a student's notebook sees them inside the sandbox.

Principle 1 of the design: held-out labels never enter the sandbox. Yet the
notebooks teach with ``load_splits(...)`` (look at the images, train, evaluate).
So, before a notebook runs, the grader writes a *notebook view* of each dataset
the assignment uses into the job directory (:func:`write_notebook_data`, trusted
side): the training split, re-split into a training part and a validation part
that plays the role of the test set (``x_public``/``y_public``); for the shapes,
a "challenge" set drawn from another seed. Nothing of the real public or private
test split is in it.

Inside the sandbox this very file is installed as ``grader.datasets`` (it needs
only numpy), so ``from grader.datasets import load_splits`` reads the view.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DATA_ENV = "CNNKIT_NOTEBOOK_DATA"
VALIDATION_FRACTION = 0.2
ARRAYS = ("x_train", "y_train", "x_public", "y_public", "x_private", "y_private", "ids_public", "ids_private")


@dataclass
class Splits:
    """The notebook's view: same fields as the kit's ``grader.datasets.Splits``."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_public: np.ndarray
    y_public: np.ndarray
    x_private: np.ndarray
    y_private: np.ndarray
    class_names: list[str]
    source: str
    variant: str
    ids_public: np.ndarray
    ids_private: np.ndarray
    name: str = ""
    seed: int = 0
    public_fraction: float = 0.0
    counts: dict[str, list[int]] = field(default_factory=dict)


# ----------------------------------------------------------------- trusted side


def notebook_arrays(splits, *, seed: int) -> dict[str, np.ndarray]:
    """The view of one dataset's splits: training data only, validation carved from it."""
    from grader.datasets.splits import rng_for, stratified_sample

    rng = rng_for(f"{splits.name}/notebook-view", seed)
    validation = stratified_sample(np.asarray(splits.y_train), VALIDATION_FRACTION, rng)
    keep = np.setdiff1d(np.arange(len(splits.y_train)), validation)
    empty_x = np.asarray(splits.x_train)[:0]
    arrays = {
        "x_train": np.asarray(splits.x_train)[keep], "y_train": np.asarray(splits.y_train)[keep],
        "x_public": np.asarray(splits.x_train)[validation], "y_public": np.asarray(splits.y_train)[validation],
        "x_private": empty_x, "y_private": np.asarray(splits.y_train)[:0],
        "ids_public": np.arange(1, len(validation) + 1, dtype=np.int64), "ids_private": np.zeros(0, dtype=np.int64),
    }
    return arrays


def write_notebook_data(course, names, data_dir: str | os.PathLike) -> list[Path]:
    """Write ``<data_dir>/<name>.npz`` for each dataset an assignment uses (trusted side)."""
    from grader.datasets import load_splits

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        splits = load_splits(name, course=course)
        arrays = notebook_arrays(splits, seed=splits.seed)
        if name == "shapes":
            arrays.update(_other_challenge_set(splits.seed))
        target = data_dir / f"{name}.npz"
        np.savez(target, **arrays, class_names=np.array(splits.class_names, dtype=str),
                 source=np.array(f"{splits.source} (notebook view: training split only)"),
                 variant=np.array(splits.variant), name=np.array(name))
        written.append(target)
    return written


def _other_challenge_set(seed: int) -> dict[str, np.ndarray]:
    """A challenge set for the notebook to look at, drawn from a different seed than the judge's."""
    from grader.datasets.shapes import draw_set

    x, y = draw_set("challenge", seed + 7919, 20)
    return {"x_private": x, "y_private": y, "ids_private": np.arange(1, len(y) + 1, dtype=np.int64)}


# ----------------------------------------------------------------- sandbox side


def load_splits(name: str, course=None, seed=None, public_fraction: float = 0.3) -> Splits:
    """The notebook view of dataset ``name``, prepared by the grader in the job directory."""
    folder = Path(os.environ.get(DATA_ENV, "/job/data"))
    path = folder / f"{name}.npz"
    if not path.is_file():
        raise FileNotFoundError(
            f"Dataset {name!r} was not prepared for this notebook (no {path}). "
            "The assignment's assignment.toml must list it in `datasets`."
        )
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in ARRAYS}
        class_names = [str(c) for c in data["class_names"]]
        source, variant = str(data["source"]), str(data["variant"])
    return Splits(**arrays, class_names=class_names, source=source, variant=variant, name=name,
                  public_fraction=public_fraction)


def generate_shapes(folder: str | os.PathLike, seed: int | None = None, n_train_per_class: int | None = None,
                    n_challenge_per_class: int | None = None) -> Path:
    """Write the view's shapes as PNG folders ``train/<class>/<class>NNN.png`` and ``challenge/...``."""
    from PIL import Image

    splits = load_splits("shapes")
    folder = Path(folder)
    for kind, x, y in (("train", splits.x_train, splits.y_train), ("challenge", splits.x_private, splits.y_private)):
        counters: dict[int, int] = {}
        for image, label in zip(x, y):
            name = splits.class_names[int(label)]
            index = counters.get(int(label), 0)
            counters[int(label)] = index + 1
            target = folder / kind / name
            target.mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.asarray(image, dtype=np.uint8)).save(target / f"{name}{index:03d}.png")
    return folder
