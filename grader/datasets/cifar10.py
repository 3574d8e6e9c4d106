"""CIFAR-10: the ``cifar-10-batches-py`` folder of python pickle batches.

The folder holds ``data_batch_1`` .. ``data_batch_5`` (10,000 images each),
``test_batch`` and ``batches.meta`` (class names). Each batch is a pickled dict
``{b"data": uint8 array (N, 3072), b"labels": [int] * N}`` in channel-first
order. The files come from the instructor's own disk, but a pickle can still be
made to run code, so they are read with an unpickler that only builds plain
containers and numpy arrays, and every field is checked.
"""

from __future__ import annotations

import io
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.datasets.base import Dataset, RawData, check_images_labels, readable_dir
from grader.errors import DatasetError

FOLDER_NAME = "cifar-10-batches-py"
TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
TEST_BATCH = "test_batch"
META = "batches.meta"
CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

# The only globals a CIFAR pickle needs: numpy's array reconstruction (and, for
# batches re-pickled by Python 3 with protocol 2, the bytes constructor _codecs.encode).
_ALLOWED = {
    ("_codecs", "encode"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
}


class _ArraysOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} (only numpy arrays are allowed)")
        if module.startswith("numpy.core"):
            module = module.replace("numpy.core", "numpy._core", 1) if hasattr(np, "_core") else module
        return super().find_class(module, name)


def read_pickle(path: Path) -> object:
    """A CIFAR pickle (Python 2 style, encoding='bytes'); any failure is one DatasetError line."""
    try:
        data = path.read_bytes()
    except PermissionError:
        raise DatasetError(f"{path} cannot be read (permission denied).") from None
    except OSError as exc:
        raise DatasetError(f"{path} cannot be read ({exc.strerror or exc}).") from None
    try:
        return _ArraysOnlyUnpickler(io.BytesIO(data), encoding="bytes").load()
    except Exception as exc:  # a corrupt pickle can raise almost anything
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DatasetError(f"{path} is not a valid CIFAR-10 pickle batch ({detail}).") from None


def _get(batch: dict, key: str):
    return batch.get(key.encode(), batch.get(key))


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(images N x 32 x 32 x 3 uint8, labels int64) of one batch file."""
    batch = read_pickle(path)
    if not isinstance(batch, dict):
        raise DatasetError(f"{path} is not a CIFAR-10 batch: it holds a {type(batch).__name__}, expected a dict.")
    data, labels = _get(batch, "data"), _get(batch, "labels")
    if data is None or labels is None:
        raise DatasetError(f"{path} is not a CIFAR-10 batch: it lacks b'data' or b'labels'.")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        shape = getattr(data, "shape", None)
        dtype = getattr(data, "dtype", type(data).__name__)
        raise DatasetError(f"{path}: b'data' must be a uint8 array of shape (N, 3072), found {dtype} {shape}.")
    if not isinstance(labels, (list, np.ndarray)) or not all(isinstance(v, (int, np.integer)) for v in labels):
        raise DatasetError(f"{path}: b'labels' must be a list of integers.")
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return check_images_labels(np.ascontiguousarray(images), np.asarray(labels, dtype=np.int64).reshape(-1),
                               images=f"{path} b'data'", labels=f"{path} b'labels'", image_shape=(32, 32, 3), num_classes=10)


def read_class_names(path: Path) -> list[str]:
    meta = read_pickle(path)
    names = _get(meta, "label_names") if isinstance(meta, dict) else None
    if not isinstance(names, list) or len(names) != 10 or not all(isinstance(n, (bytes, str)) for n in names):
        raise DatasetError(f"{path}: b'label_names' must be a list of 10 names.")
    return [n.decode("utf-8", "replace") if isinstance(n, bytes) else n for n in names]


@dataclass(frozen=True)
class CifarFolder:
    path: Path
    source: str
    variant: str = "full"


class Cifar10(Dataset):
    name = "cifar-10"
    description = "Small colour photos in 10 classes, 32x32x3; 50,000 train + 10,000 test (Krizhevsky)"
    class_names = CLASS_NAMES
    config_key = "cifar10"
    env_var = "CNNKIT_CIFAR10"
    full_size = (50000, 10000)
    expected_files = f"the {FOLDER_NAME} folder ({', '.join(TRAIN_BATCHES)}, {TEST_BATCH}, {META})"

    def _candidate_paths(self):
        return [*super()._candidate_paths(), (Path.home() / ".keras" / "datasets" / FOLDER_NAME, "Keras' download folder"),
                (self.course_data(FOLDER_NAME), "course data folder")]

    def _locate(self) -> CifarFolder:
        for candidate in self.candidates():
            for folder in (candidate.path, candidate.path / FOLDER_NAME):
                if readable_dir(folder) and any((folder / name).is_file() for name in (*TRAIN_BATCHES, TEST_BATCH)):
                    missing = [n for n in (*TRAIN_BATCHES, TEST_BATCH) if not (folder / n).is_file()]
                    if missing:
                        raise DatasetError(f"{folder} is an incomplete {FOLDER_NAME} folder; missing: {', '.join(missing)}.")
                    return CifarFolder(folder, f"CIFAR-10 python batches: {folder}")
        raise self.missing_error()

    def load(self) -> RawData:
        folder = self.found().path
        if (folder / META).is_file():
            self.class_names = read_class_names(folder / META)
        train = [read_batch(folder / name) for name in TRAIN_BATCHES]
        x_test, y_test = read_batch(folder / TEST_BATCH)
        return RawData(np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]), x_test, y_test)
