"""Dogs vs cats: Kaggle's image folders, decoded lazily.

Kaggle's layout is ``train/cat.0.jpg .. train/dog.12499.jpg`` (labelled by file
name) and ``test1/1.jpg ..`` (unlabelled). The splits come from the labelled
``train/`` set; ``x_*`` are arrays of file paths (dtype str), and
:func:`make_tf_dataset` decodes and resizes them lazily, batch by batch, so
25,000 photos never sit in memory at once. :func:`load_images` decodes with
Pillow instead and names the file when a JPEG is corrupt.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.datasets.base import Dataset, RawData, readable_dir
from grader.errors import DatasetError

CLASS_NAMES = ["cat", "dog"]
LABELLED_NAME = re.compile(r"^(cat|dog)\.(\d+)\.jpe?g$", re.IGNORECASE)
FULL_SIZE = 25000


@dataclass(frozen=True)
class KaggleFolder:
    path: Path
    paths: tuple[str, ...]
    labels: tuple[int, ...]
    source: str
    variant: str


def list_labelled(train_dir: Path) -> tuple[list[str], list[int]]:
    """Paths and labels (cat 0, dog 1) of ``train/``, in a stable order (class, number)."""
    try:
        names = os.listdir(train_dir)
    except PermissionError:
        raise DatasetError(f"{train_dir} cannot be read (permission denied); fix its permissions (chmod a+rx).") from None
    except OSError as exc:
        raise DatasetError(f"{train_dir} cannot be read ({exc.strerror or exc}).") from None
    entries = []
    for name in names:
        match = LABELLED_NAME.match(name)
        if match:
            entries.append((CLASS_NAMES.index(match.group(1).lower()), int(match.group(2)), name))
    entries.sort()
    return [str(train_dir / name) for _, _, name in entries], [label for label, _, _ in entries]


class DogsVsCats(Dataset):
    name = "dogs-vs-cats"
    description = "Photos of cats and dogs, JPEG of varying size; 25,000 labelled (Kaggle, Asirra)"
    class_names = CLASS_NAMES
    config_key = "dogs_vs_cats"
    env_var = "CNNKIT_DOGS_VS_CATS"
    expected_files = "Kaggle's train/ folder (cat.0.jpg ... dog.12499.jpg; test1/ is optional)"

    def _candidate_paths(self):
        return [*super()._candidate_paths(), (self.course_data("dogs-vs-cats"), "course data folder")]

    def _locate(self) -> KaggleFolder:
        for candidate in self.candidates():
            train_dir = candidate.path / "train"
            if readable_dir(candidate.path) and readable_dir(train_dir):
                paths, labels = list_labelled(train_dir)
                if not paths:
                    raise DatasetError(f"{train_dir} holds no cat.N.jpg or dog.N.jpg files (Kaggle's naming).")
                if len(set(labels)) < 2:
                    raise DatasetError(f"{train_dir} holds only {CLASS_NAMES[labels[0]]} images; both cat.N.jpg and dog.N.jpg are needed.")
                variant = "full" if len(paths) == FULL_SIZE else f"subset-{len(paths)}"
                return KaggleFolder(candidate.path, tuple(paths), tuple(labels),
                                    f"Kaggle folder: {candidate.path} ({len(paths):,} labelled images)", variant)
        raise self.missing_error()

    def load(self) -> RawData:
        found = self.found()
        return RawData(np.array(found.paths, dtype=str), np.array(found.labels, dtype=np.int64))

    def load_labels(self):
        return np.array(self.found().labels, dtype=np.int64), None

    def unlabelled_paths(self) -> np.ndarray:
        """Kaggle's ``test1/N.jpg`` in numeric order (empty when the folder is absent)."""
        test_dir = self.found().path / "test1"
        if not readable_dir(test_dir):
            return np.array([], dtype=str)
        numbered = sorted((int(p.stem), str(p)) for p in test_dir.iterdir() if p.stem.isdigit() and p.suffix.lower() in (".jpg", ".jpeg"))
        return np.array([path for _, path in numbered], dtype=str)


def load_images(paths, size: tuple[int, int] = (128, 128)) -> np.ndarray:
    """Decode and resize JPEGs with Pillow into uint8 (N, height, width, 3).

    A file that is not a readable image is a DatasetError naming it.
    """
    from PIL import Image, UnidentifiedImageError

    height, width = size
    out = np.empty((len(paths), height, width, 3), dtype=np.uint8)
    for i, path in enumerate(paths):
        try:
            with Image.open(path) as image:
                image.load()
                out[i] = np.asarray(image.convert("RGB").resize((width, height), Image.BILINEAR))
        except FileNotFoundError:
            raise DatasetError(f"{path} does not exist.") from None
        except UnidentifiedImageError:
            raise DatasetError(f"{path} is not a readable image (corrupt JPEG?); delete or replace it.") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise DatasetError(f"{path} is a corrupt or truncated JPEG ({exc}); delete or replace it.") from None
    return out


def make_tf_dataset(paths, labels=None, image_size: tuple[int, int] = (128, 128), batch_size: int = 32):
    """A lazy ``tf.data.Dataset`` of (uint8 images (B, H, W, 3), int64 labels) batches.

    With ``labels=None`` it yields images only (for unlabelled test photos).
    TensorFlow is imported here, not at module level, so the CLI stays fast.
    """
    import tensorflow as tf

    height, width = image_size

    def decode(path):
        image = tf.io.decode_jpeg(tf.io.read_file(path), channels=3)
        image = tf.image.resize(image, (height, width))
        return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)

    paths = tf.constant(np.asarray(paths, dtype=str))
    if labels is None:
        dataset = tf.data.Dataset.from_tensor_slices(paths).map(decode, num_parallel_calls=tf.data.AUTOTUNE)
    else:
        dataset = tf.data.Dataset.from_tensor_slices((paths, tf.constant(np.asarray(labels, dtype=np.int64))))
        dataset = dataset.map(lambda p, y: (decode(p), y), num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
