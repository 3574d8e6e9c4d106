"""The datasets as a student's notebook sees them: written here, read by ``cnn_data``.

Principle 1 of the design: held-out labels never enter the sandbox. Yet the
notebooks teach with ``load_splits(...)`` (look at the images, train, evaluate).
So the grader writes a *notebook view* of each dataset an assignment uses
(:func:`write_notebook_data`, trusted side): the training split, re-split into a
training part and a validation part that plays the role of the test set
(``x_public``/``y_public``); for the shapes, a "challenge" set drawn from another
seed. Nothing of the real public or private test split is in it.

The same files go to two places: ``data/`` of the assignment's zip (``grader
release``) and ``data/`` beside the notebook in a grading job. Both are read by
:mod:`grader.datasets.cnn_data`, which ships in the zip as ``cnn_data.py`` and is
installed in the sandbox under that name.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from grader.datasets.cnn_data import DATA_ENV  # noqa: F401  (the sandbox's kernel sets it to <job>/data)

VALIDATION_FRACTION = 0.2


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


def loader_path() -> Path:
    """``cnn_data.py``, the loader that ships beside every notebook (one file, here in the kit)."""
    from grader.datasets import cnn_data

    return Path(cnn_data.__file__)


def write_notebook_folder(course, names, folder: str | os.PathLike) -> list[Path]:
    """What a notebook needs beside it: ``cnn_data.py`` and ``data/<name>.npz``; returns the files written."""
    import shutil

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    loader = folder / loader_path().name
    shutil.copyfile(loader_path(), loader)
    return [loader, *write_notebook_data(course, names, folder / "data")]


def loader_importable() -> None:
    """Make ``import cnn_data`` work in this process, for trusted in-process runs of a notebook's code."""
    import sys

    from grader.datasets import cnn_data

    sys.modules.setdefault(loader_path().stem, cnn_data)
