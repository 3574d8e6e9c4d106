"""Dogs vs cats in Kaggle's layout: labels from file names, path splits, Pillow and tf.data decoding."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from grader.datasets import get_dataset, load_splits
from grader.datasets.dogs_vs_cats import load_images, make_tf_dataset
from grader.errors import DatasetError


def write_kaggle(root, cats=12, dogs=8):
    (root / "train").mkdir(parents=True)
    (root / "test1").mkdir()
    rng = np.random.default_rng(0)
    for label, count in (("cat", cats), ("dog", dogs)):
        for i in range(count):
            colour = (200, 40, 40) if label == "cat" else (40, 40, 200)
            size = (int(rng.integers(40, 90)), int(rng.integers(40, 90)))     # photos vary in size
            Image.new("RGB", size, colour).save(root / "train" / f"{label}.{i}.jpg", quality=90)
    for i in (1, 2, 10):
        Image.new("RGB", (50, 50), (9, 9, 9)).save(root / "test1" / f"{i}.jpg")
    (root / "train" / "Thumbs.db").write_bytes(b"ignored")
    return root


def test_labels_from_file_names_and_stable_order(course_with, tmp_path):
    root = write_kaggle(tmp_path / "dvc")
    dataset = get_dataset("dogs-vs-cats", course_with(dogs_vs_cats=str(root)))
    assert dataset.source == f"Kaggle folder: {root} (20 labelled images)"
    assert dataset.variant == "subset-20"
    data = dataset.load()
    assert data.x_train.dtype.kind == "U" and data.x_test is None
    names = [p.rsplit("/", 1)[1] for p in data.x_train]
    assert names[:3] == ["cat.0.jpg", "cat.1.jpg", "cat.2.jpg"] and names[10:13] == ["cat.10.jpg", "cat.11.jpg", "dog.0.jpg"]
    assert data.y_train.tolist() == [0] * 12 + [1] * 8
    assert [p.rsplit("/", 1)[1] for p in dataset.unlabelled_paths()] == ["1.jpg", "2.jpg", "10.jpg"]


def test_splits_are_paths_held_out_from_train(course_with, tmp_path):
    root = write_kaggle(tmp_path / "dvc", cats=20, dogs=20)
    splits = load_splits("dogs-vs-cats", course_with(dogs_vs_cats=str(root)), seed=3, public_fraction=0.5)
    assert (len(splits.x_train), len(splits.x_public), len(splits.x_private)) == (32, 4, 4)
    every = set(splits.x_train) | set(splits.x_public) | set(splits.x_private)
    assert len(every) == 40
    for paths, labels in ((splits.x_train, splits.y_train), (splits.x_public, splits.y_public)):
        assert all(p.rsplit("/", 1)[1].startswith(("cat", "dog")[y]) for p, y in zip(paths, labels))


def test_load_images_resizes_to_rgb_uint8(tmp_path):
    root = write_kaggle(tmp_path / "dvc")
    images = load_images([str(root / "train/cat.0.jpg"), str(root / "train/dog.1.jpg")], size=(16, 24))
    assert images.shape == (2, 16, 24, 3) and images.dtype == np.uint8
    assert images[0, ..., 0].mean() > 150 and images[1, ..., 2].mean() > 150


def test_corrupt_jpeg_is_named(tmp_path):
    root = write_kaggle(tmp_path / "dvc")
    bad = root / "train" / "cat.3.jpg"
    bad.write_bytes(b"<html>a download error page, not a photo</html>")
    with pytest.raises(DatasetError) as err:
        load_images([str(root / "train/cat.0.jpg"), str(bad)])
    assert str(err.value) == f"{bad} is not a readable image (corrupt JPEG?); delete or replace it."


def test_truncated_jpeg_is_named(tmp_path):
    root = write_kaggle(tmp_path / "dvc")
    bad = root / "train" / "dog.2.jpg"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(bad, quality=95)
    bad.write_bytes(bad.read_bytes()[:1500])
    with pytest.raises(DatasetError) as err:
        load_images([str(bad)])
    assert str(err.value).startswith(f"{bad} is a corrupt or truncated JPEG (")
    assert str(err.value).endswith("; delete or replace it.")


def test_folder_without_kaggle_names(course_with, tmp_path):
    (tmp_path / "dvc" / "train").mkdir(parents=True)
    (tmp_path / "dvc" / "train" / "img001.jpg").write_bytes(b"x")
    with pytest.raises(DatasetError) as err:
        get_dataset("dogs-vs-cats", course_with(dogs_vs_cats=str(tmp_path / "dvc"))).load()
    assert str(err.value) == f"{tmp_path / 'dvc' / 'train'} holds no cat.N.jpg or dog.N.jpg files (Kaggle's naming)."


def test_missing_without_config(no_datasets_around):
    with pytest.raises(DatasetError) as err:
        get_dataset("dogs-vs-cats").load()
    assert str(err.value) == (
        "Dataset 'dogs-vs-cats' not found: no path is configured. Put Kaggle's train/ folder (cat.0.jpg ... "
        "dog.12499.jpg; test1/ is optional) in a folder and set [data] dogs_vs_cats in grader.toml or "
        "$CNNKIT_DOGS_VS_CATS to it."
    )


@pytest.mark.slow
def test_make_tf_dataset_decodes_lazily(tmp_path):
    root = write_kaggle(tmp_path / "dvc", cats=3, dogs=2)
    paths = [str(root / "train" / name) for name in ("cat.0.jpg", "cat.1.jpg", "cat.2.jpg", "dog.0.jpg", "dog.1.jpg")]
    batches = list(make_tf_dataset(paths, [0, 0, 0, 1, 1], image_size=(20, 30), batch_size=2).as_numpy_iterator())
    assert [len(y) for _, y in batches] == [2, 2, 1]
    images = np.concatenate([x for x, _ in batches])
    assert images.shape == (5, 20, 30, 3) and images.dtype == np.uint8
    assert images[0, ..., 0].mean() > 150 and images[4, ..., 2].mean() > 150
    unlabelled = list(make_tf_dataset(paths[:3], None, image_size=(8, 8), batch_size=4).as_numpy_iterator())
    assert unlabelled[0].shape == (3, 8, 8, 3)
