"""CIFAR-10 python batches: layout, channel order, class names, and every broken batch as one line."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from dataset_files import write_cifar

from grader.datasets import get_dataset, load_splits
from grader.errors import DatasetError


def test_loads_batches_channels_last(course_with, tmp_path):
    folder = write_cifar(tmp_path / "cifar-10-batches-py")
    dataset = get_dataset("cifar-10", course_with(cifar10=str(tmp_path)))   # the parent folder works too
    assert dataset.source == f"CIFAR-10 python batches: {folder}"
    data = dataset.load()
    assert data.x_train.shape == (100, 32, 32, 3) and data.x_train.dtype == np.uint8
    assert data.x_test.shape == (20, 32, 32, 3)
    raw = pickle.loads((folder / "data_batch_2").read_bytes(), encoding="bytes")[b"data"]
    first = data.x_train[20]                      # first image of the second batch
    assert first[0, 0, 0] == raw[0, 0]            # red plane comes first in the file
    assert first[0, 0, 1] == raw[0, 1024]         # then green
    assert first[31, 31, 2] == raw[0, 3071]       # blue, last pixel
    assert first[0, 5, 0] == raw[0, 5]            # row-major inside a plane
    assert data.y_train.tolist()[:12] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]


def test_class_names_come_from_batches_meta(course_with, tmp_path):
    folder = write_cifar(tmp_path / "c")
    meta = pickle.loads((folder / "batches.meta").read_bytes(), encoding="bytes")
    meta[b"label_names"][0] = b"aeroplane"
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    splits = load_splits("cifar-10", course_with(cifar10=str(folder)), public_fraction=0.5)
    assert splits.class_names[:2] == ["aeroplane", "automobile"]
    assert len(splits.y_public) == len(splits.y_private) == 10


def test_missing_batch(course_with, tmp_path):
    folder = write_cifar(tmp_path / "c")
    (folder / "data_batch_4").unlink()
    with pytest.raises(DatasetError) as err:
        get_dataset("cifar-10", course_with(cifar10=str(folder))).load()
    assert str(err.value) == f"{folder} is an incomplete cifar-10-batches-py folder; missing: data_batch_4."


def _broken(tmp_path, course_with, name, content: bytes):
    folder = write_cifar(tmp_path / "c")
    (folder / name).write_bytes(content)
    with pytest.raises(DatasetError) as err:
        get_dataset("cifar-10", course_with(cifar10=str(folder))).load()
    return folder / name, str(err.value)


def test_truncated_pickle(tmp_path, course_with):
    whole = pickle.dumps({b"data": np.zeros((4, 3072), np.uint8), b"labels": [0] * 4}, protocol=2)
    path, message = _broken(tmp_path, course_with, "data_batch_1", whole[: len(whole) // 2])
    assert message.startswith(f"{path} is not a valid CIFAR-10 pickle batch (")
    assert "\n" not in message


def test_garbage_instead_of_a_pickle(tmp_path, course_with):
    path, message = _broken(tmp_path, course_with, "test_batch", b"\x89PNG not a pickle")
    assert message.startswith(f"{path} is not a valid CIFAR-10 pickle batch (")


def test_pickle_that_would_run_code_is_refused(tmp_path, course_with):
    class Evil:
        def __reduce__(self):
            import os
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    path, message = _broken(tmp_path, course_with, "data_batch_3", pickle.dumps({b"data": Evil()}, protocol=2))
    assert message == f"{path} is not a valid CIFAR-10 pickle batch (refusing to load posix.system (only numpy arrays are allowed))."
    assert not (tmp_path / "pwned").exists()


def test_batch_that_is_not_a_dict(tmp_path, course_with):
    path, message = _broken(tmp_path, course_with, "data_batch_1", pickle.dumps([1, 2, 3], protocol=2))
    assert message == f"{path} is not a CIFAR-10 batch: it holds a list, expected a dict."


def test_wrong_dtype_and_shape(tmp_path, course_with):
    batch = {b"data": np.zeros((4, 3072), np.float64), b"labels": [0] * 4}
    path, message = _broken(tmp_path, course_with, "data_batch_5", pickle.dumps(batch, protocol=2))
    assert message == f"{path}: b'data' must be a uint8 array of shape (N, 3072), found float64 (4, 3072)."
    batch = {b"data": np.zeros((4, 1024), np.uint8), b"labels": [0] * 4}
    path, message = _broken(tmp_path, course_with, "data_batch_5", pickle.dumps(batch, protocol=2))
    assert message == f"{path}: b'data' must be a uint8 array of shape (N, 3072), found uint8 (4, 1024)."


def test_labels_and_images_of_different_lengths(tmp_path, course_with):
    batch = {b"data": np.zeros((4, 3072), np.uint8), b"labels": [0, 1, 2]}
    path, message = _broken(tmp_path, course_with, "test_batch", pickle.dumps(batch, protocol=2))
    assert message == f"{path} b'data' has 4 images but {path} b'labels' has 3 labels; they must match."


def test_missing_names_keras_folder_and_course_folder(course_with, no_datasets_around):
    course = course_with()
    with pytest.raises(DatasetError) as err:
        get_dataset("cifar-10", course).load()
    assert str(err.value) == (
        f"Dataset 'cifar-10' not found. Searched: {no_datasets_around / '.keras/datasets/cifar-10-batches-py'} "
        f"(Keras' download folder), {course.root / 'data/cifar-10-batches-py'} (course data folder). Put the "
        "cifar-10-batches-py folder (data_batch_1, data_batch_2, data_batch_3, data_batch_4, data_batch_5, test_batch, "
        "batches.meta) in one of these, or set [data] cifar10 in grader.toml or $CNNKIT_CIFAR10 to the folder that holds them."
    )
