"""Tiny files in each real dataset format, written by the tests (nothing is downloaded)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from grader.datasets.idx import write_idx


def tiny_images(n: int, shape=(28, 28), seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n uint8 images whose first pixel encodes their index, and labels cycling 0..9."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(n, *shape), dtype=np.uint8)
    x.reshape(n, -1)[:, 0] = np.arange(n) % 256
    y = (np.arange(n) % 10).astype(np.uint8)
    return x, y


def write_idx_set(folder: Path, n_train: int = 60, n_test: int = 40, *, gz: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    x_train, y_train = tiny_images(n_train, seed=1)
    x_test, y_test = tiny_images(n_test, seed=2)
    write_idx(folder / f"train-images-idx3-ubyte{suffix}", x_train)
    write_idx(folder / f"train-labels-idx1-ubyte{suffix}", y_train)
    write_idx(folder / f"t10k-images-idx3-ubyte{suffix}", x_test)
    write_idx(folder / f"t10k-labels-idx1-ubyte{suffix}", y_test)
    return folder


def write_npz(path: Path, n_train: int = 60, n_test: int = 40, **override) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    x_train, y_train = tiny_images(n_train, seed=1)
    x_test, y_test = tiny_images(n_test, seed=2)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    arrays.update(override)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(path, **arrays)
    return path


def write_cifar(folder: Path, per_batch: int = 20, *, meta: bool = True) -> Path:
    """A cifar-10-batches-py folder in the real format (protocol-2 pickles of bytes-keyed dicts)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        labels = [int(v) for v in np.arange(per_batch) % 10]
        batch = {b"batch_label": name.encode(), b"labels": labels, b"data": data, b"filenames": [b"x.png"] * per_batch}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    if meta:
        names = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"]
        (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": names, b"num_vis": 3072}, protocol=2))
    return folder


def write_course(root: Path, **data: object) -> Path:
    """A course directory holding only a grader.toml with these [data] keys."""
    root.mkdir(parents=True, exist_ok=True)
    lines = ["[data]"] + [f'{key} = "{value}"' if isinstance(value, (str, Path)) else f"{key} = {value}"
                          for key, value in data.items()]
    (root / "grader.toml").write_text("\n".join(lines) + "\n")
    return root
