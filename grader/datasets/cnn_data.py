"""The data of one assignment notebook. Needs only NumPy.

    from cnn_data import load_splits
    splits = load_splits("mnist")
    splits.x_train, splits.y_train      # the examples to train on
    splits.x_public, splits.y_public    # validation examples, carved from the training split
    splits.class_names

This file ships in every assignment's zip, beside the notebook, and the grading
sandbox gives the notebook this very file too: a notebook reads the same data
the same way on a laptop, on Colab and when it is graded.

``load_splits`` reads ``data/<name>.npz``, which holds the course's training
split only (the test sets stay with the instructor). It looks in
``$CNNKIT_NOTEBOOK_DATA`` when that is set (the grading sandbox sets it), else
in ``data/`` of the current folder (Jupyter starts the notebook in its own
folder), in the current folder itself (files uploaded to Colab land there), and
in ``data/`` beside this file.

(In the kit's source this is ``grader/datasets/cnn_data.py``; the grader writes
the ``.npz`` files with ``grader.datasets.notebook_view.write_notebook_data``.)
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_ENV = "CNNKIT_NOTEBOOK_DATA"
ARRAYS = ("x_train", "y_train", "x_public", "y_public", "x_private", "y_private", "ids_public", "ids_private")


@dataclass
class Splits:
    """A dataset as the notebook sees it (named as in the kit's ``grader.datasets.Splits``).

    ``x_public``/``y_public`` are validation examples taken from the training
    split; ``x_private``/``y_private`` hold practice examples where a dataset has
    them (the shapes' challenge set, drawn apart from the graded one), else nothing.
    """

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


def data_folders() -> list[Path]:
    """Where :func:`load_splits` looks for ``<name>.npz``, in order."""
    configured = os.environ.get(DATA_ENV)
    if configured:
        return [Path(configured)]
    here = Path.cwd()
    beside = Path(__file__).resolve().parent
    folders = []
    for folder in (here / "data", here, beside / "data"):
        if folder not in folders:
            folders.append(folder)
    return folders


def load_splits(name: str) -> Splits:
    """Dataset ``name`` as written for this assignment (``data/<name>.npz``)."""
    folders = data_folders()
    found = [folder / f"{name}.npz" for folder in folders if (folder / f"{name}.npz").is_file()]
    if not found:
        raise FileNotFoundError(
            f"No data for {name!r}: {name}.npz is in none of {', '.join(str(f) for f in folders)}. "
            f"Keep the data/ folder of the assignment's zip next to the notebook (on Colab, upload {name}.npz "
            "beside the notebook). Instructors: the assignment.toml must list it in `datasets`.")
    with np.load(found[0], allow_pickle=False) as data:
        arrays = {key: data[key] for key in ARRAYS}
        class_names = [str(c) for c in data["class_names"]]
        source, variant = str(data["source"]), str(data["variant"])
    return Splits(**arrays, class_names=class_names, source=source, variant=variant, name=name)


def generate_shapes(folder: str | os.PathLike) -> Path:
    """Write the shapes as PNG folders ``train/<class>/<class>NNN.png`` and ``challenge/<class>/...``.

    The layout Keras' ``ImageDataGenerator.flow_from_directory`` and
    ``image_dataset_from_directory`` read; ``challenge/`` holds the practice set.
    """
    splits = load_splits("shapes")
    folder = Path(folder)
    for kind, images, labels in (("train", splits.x_train, splits.y_train),
                                 ("challenge", splits.x_private, splits.y_private)):
        numbers: dict[int, int] = {}
        for image, label in zip(images, labels.tolist()):
            class_name = splits.class_names[label]
            number = numbers.get(label, 0)
            numbers[label] = number + 1
            target = folder / kind / class_name
            target.mkdir(parents=True, exist_ok=True)
            write_png(target / f"{class_name}{number:03d}.png", image)
    return folder


def write_png(path: str | os.PathLike, image: np.ndarray) -> None:
    """An 8-bit grayscale (H, W) or RGB (H, W, 3) image as a PNG file, with NumPy and zlib alone."""
    pixels = np.asarray(image)
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] != 3):
        raise ValueError(f"write_png takes uint8 images of shape (H, W) or (H, W, 3), got {pixels.dtype} {pixels.shape}")
    height, width = pixels.shape[:2]
    colour_type = 0 if pixels.ndim == 2 else 2
    rows = pixels.reshape(height, -1)
    raw = np.concatenate([np.zeros((height, 1), dtype=np.uint8), rows], axis=1).tobytes()  # filter 0 on each row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6))
                           + chunk(b"IEND", b""))
