"""The drawn shapes set: deterministic PNG folders Keras can read, a harder challenge set, loading."""

from __future__ import annotations

import hashlib
import time

import numpy as np
import pytest
from PIL import Image

from grader.datasets import get_dataset, load_splits
from grader.datasets.shapes import CLASS_NAMES, draw_set, generate_shapes
from grader.errors import DatasetError


def folder_digest(folder):
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_generation_is_deterministic_fast_and_in_keras_layout(tmp_path):
    start = time.perf_counter()
    first = generate_shapes(tmp_path / "a", seed=5, n_train_per_class=40, n_challenge_per_class=20)
    seconds = time.perf_counter() - start
    second = generate_shapes(tmp_path / "b", seed=5, n_train_per_class=40, n_challenge_per_class=20)
    other = generate_shapes(tmp_path / "c", seed=6, n_train_per_class=40, n_challenge_per_class=20)
    assert folder_digest(first) == folder_digest(second)
    assert folder_digest(first) != folder_digest(other)
    assert seconds < 5, f"drawing 180 images took {seconds:.1f} s"
    for kind, count in (("train", 40), ("challenge", 20)):
        assert sorted(p.name for p in (first / kind).iterdir()) == CLASS_NAMES
        for shape in CLASS_NAMES:
            names = sorted(p.name for p in (first / kind / shape).iterdir())
            assert names == [f"{shape}{i:03d}.png" for i in range(count)]
    with Image.open(first / "train" / "triangle" / "triangle007.png") as image:
        assert image.mode == "L" and image.size == (64, 64)
        pixels = np.asarray(image)
    assert np.median(pixels) == 255 and pixels.min() < 60      # white background, black strokes


def _centroid_spread(images):
    """How far the ink's centre of mass wanders from the middle, in pixels."""
    ink = 255.0 - images
    rows = np.arange(images.shape[1])[None, :, None]
    cols = np.arange(images.shape[2])[None, None, :]
    total = ink.sum(axis=(1, 2))
    cy, cx = (ink * rows).sum(axis=(1, 2)) / total, (ink * cols).sum(axis=(1, 2)) / total
    return np.hypot(cy - 31.5, cx - 31.5).mean()


def test_challenge_set_is_shifted_scaled_and_stroked_differently():
    train, _ = draw_set("train", 7, 30)
    challenge, _ = draw_set("challenge", 7, 30)
    assert _centroid_spread(challenge) > 2 * _centroid_spread(train)
    ink_train = (train < 128).sum(axis=(1, 2))
    ink_challenge = (challenge < 128).sum(axis=(1, 2))
    assert ink_challenge.std() > 1.5 * ink_train.std()           # thin and thick pens, small and large shapes


def test_triangles_point_up_in_train():
    images, labels = draw_set("train", 7, 20)
    triangles = images[labels == CLASS_NAMES.index("triangle")]
    def span(band):  # horizontal extent of the ink in a band of rows
        return np.array([np.ptp(np.flatnonzero((image < 128).any(axis=0))) for image in band])

    assert (2 * span(triangles[:, 12:20, :]) < span(triangles[:, 40:48, :])).all()

def test_loading_a_course_generates_once_into_its_data_folder(course_with):
    course = course_with()
    dataset = get_dataset("shapes", course)
    target = course.root / "data" / "shapes"
    assert dataset.source == f"drawn by cnnkit (seed 7) into {target} on first use"
    assert not target.exists()
    splits = load_splits("shapes", course)
    assert (target / "cnnkit-shapes.json").is_file()
    assert splits.x_train.shape == (300, 64, 64) and len(splits.y_public) + len(splits.y_private) == 180
    assert splits.counts["train"] == [100, 100, 100]
    assert splits.source == f"drawn by cnnkit: {target}"
    in_memory = load_splits("shapes", None, seed=course.get("data", "split_seed"))
    assert np.array_equal(in_memory.x_public, splits.x_public)    # the PNGs hold exactly the drawn pixels
    stamp = (target / "train" / "circle" / "circle000.png").stat().st_mtime_ns
    load_splits("shapes", course)
    assert (target / "train" / "circle" / "circle000.png").stat().st_mtime_ns == stamp


def test_an_instructors_own_folder_is_read_as_is(course_with, tmp_path):
    folder = tmp_path / "drawings"
    for kind in ("train", "challenge"):
        for shape in ("square", "star"):
            (folder / kind / shape).mkdir(parents=True)
            for i in range(4):
                Image.new("L", (100, 80), 255 if shape == "star" else 0).save(folder / kind / shape / f"{i}.png")
    dataset = get_dataset("shapes", course_with(shapes=str(folder)))
    assert dataset.variant == "custom" and dataset.source == f"PNG folders: {folder}"
    splits = load_splits("shapes", course_with(shapes=str(folder)), public_fraction=0.5)
    assert splits.class_names == ["square", "star"]
    assert splits.x_train.shape == (8, 64, 64)
    assert (splits.x_train[splits.y_train == 1] == 255).all() and (splits.x_train[splits.y_train == 0] == 0).all()


def test_half_a_folder_is_an_error(course_with, tmp_path):
    folder = tmp_path / "half"
    (folder / "train" / "circle").mkdir(parents=True)
    with pytest.raises(DatasetError) as err:
        get_dataset("shapes", course_with(shapes=str(folder))).load()
    assert str(err.value) == (f"{folder} is not a shapes folder: it lacks challenge/; "
                              "delete it to have the kit draw the set again.")


def test_a_corrupt_png_is_named(course_with, tmp_path):
    folder = generate_shapes(tmp_path / "s", n_train_per_class=2, n_challenge_per_class=2)
    bad = folder / "challenge" / "rectangle" / "rectangle001.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(DatasetError) as err:
        get_dataset("shapes", course_with(shapes=str(folder))).load()
    assert str(err.value).startswith(f"{bad} is not a readable image (")


def test_generate_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "keep.txt").write_text("mine")
    with pytest.raises(DatasetError) as err:
        generate_shapes(tmp_path / "s")
    assert str(err.value) == f"{tmp_path / 's'} is not empty; generate the shapes into a new folder or delete this one."
    assert [p.name for p in (tmp_path / "s").iterdir()] == ["keep.txt"]


@pytest.mark.slow
def test_keras_reads_the_folders(tmp_path):
    import keras

    folder = generate_shapes(tmp_path / "s", n_train_per_class=4, n_challenge_per_class=2)
    dataset = keras.utils.image_dataset_from_directory(folder / "train", image_size=(64, 64), color_mode="grayscale",
                                                       batch_size=32, shuffle=False)
    assert dataset.class_names == CLASS_NAMES
    images, labels = next(iter(dataset))
    assert tuple(images.shape) == (12, 64, 64, 1) and labels.numpy().tolist() == [0] * 4 + [1] * 4 + [2] * 4
