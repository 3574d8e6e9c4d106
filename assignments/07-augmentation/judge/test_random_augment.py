"""Hidden checks for random_augment: each transformation measured on test images whose content is
one bright spot (its centroid tells the shift, angle and zoom applied), and a training check on the
shapes set: the kit's small CNN trained with the student's augmentation must beat the same CNN
trained without it on the challenge set. rng crosses as an integer seed (the notebook asks for
np.random.default_rng(rng))."""

import numpy as np
import pytest

N = 64


def spot_batch(height, width, row, col, n=N):
    """n copies of a black canvas with a 3x3 white spot centred at (row, col)."""
    images = np.zeros((n, height, width))
    images[:, row - 1:row + 2, col - 1:col + 2] = 255.0
    return images


def centroids(images):
    """(rows, cols) of each image's brightness centroid."""
    weights = np.clip(np.asarray(images, dtype=np.float64), 0, None)
    if weights.ndim == 4:
        weights = weights.mean(axis=-1)
    total = weights.sum(axis=(1, 2))
    assert np.all(total > 0), "random_augment lost the whole image content"
    rows = (weights.sum(axis=2) * np.arange(weights.shape[1])).sum(axis=1) / total
    cols = (weights.sum(axis=1) * np.arange(weights.shape[2])).sum(axis=1) / total
    return rows, cols


def augment(student, images, seed, **kwargs):
    got = np.asarray(student.random_augment(images, seed, **kwargs), dtype=np.float64)
    assert got.shape == images.shape, "random_augment must return a batch of the input's shape"
    return got


def assert_spread(values, low, high, what):
    assert np.all(values >= low) and np.all(values <= high), f"{what}: some images got parameters outside the range"
    span = high - low
    assert values.min() < low + 0.3 * span and values.max() > high - 0.3 * span, \
        f"{what}: the random parameters do not cover the range (uniform over the whole range, each image its own)"


@pytest.mark.points(4)
def test_identity_when_ranges_are_zero(student, rng):
    for shape in [(5, 17, 23), (4, 12, 12, 3)]:
        images = rng.random(shape) * 255
        got = augment(student, images, int(rng.integers(1000)))
        assert np.allclose(got, images, atol=1e-3), "with every range 0 and no flips the images must come back unchanged"


@pytest.mark.points(6)
def test_shift_ranges(student, rng):
    height, width = 33, 45
    images = spot_batch(height, width, 16, 22)
    rows, cols = centroids(augment(student, images, int(rng.integers(1000)), width_shift_range=0.2))
    assert np.all(np.abs(rows - 16) < 0.3), "width_shift_range must shift horizontally only"
    assert_spread(cols - 22, -0.2 * width - 0.3, 0.2 * width + 0.3, "width_shift_range=0.2 (a fraction of the width)")
    rows, cols = centroids(augment(student, images, int(rng.integers(1000)), height_shift_range=0.3))
    assert np.all(np.abs(cols - 22) < 0.3), "height_shift_range must shift vertically only"
    assert_spread(rows - 16, -0.3 * height - 0.3, 0.3 * height + 0.3, "height_shift_range=0.3 (a fraction of the height)")


@pytest.mark.points(5)
def test_rotation_range(student, rng):
    images = spot_batch(41, 41, 20, 32)                      # 12 pixels right of the centre
    rows, cols = centroids(augment(student, images, int(rng.integers(1000)), rotation_range=30))
    angles = np.degrees(np.arctan2(-(rows - 20), cols - 20))
    radius = np.hypot(rows - 20, cols - 20)
    assert np.all(np.abs(radius - 12) < 0.6), "rotation_range must rotate about the image centre"
    assert_spread(angles, -31.5, 31.5, "rotation_range=30 (degrees)")


@pytest.mark.points(5)
def test_zoom_range(student, rng):
    images = spot_batch(41, 41, 20, 28)                      # 8 pixels right of the centre
    rows, cols = centroids(augment(student, images, int(rng.integers(1000)), zoom_range=0.3))
    assert np.all(np.abs(rows - 20) < 0.3), "zoom_range must zoom about the image centre"
    factors = 8.0 / (cols - 20)                              # ImageDataGenerator's meaning: > 1 zooms out
    assert_spread(factors, 0.67, 1.33, "zoom_range=0.3 (factors in [0.7, 1.3])")


@pytest.mark.points(4)
def test_flips(student, rng):
    images = spot_batch(21, 21, 5, 4, n=100)                 # top-left
    rows, cols = centroids(augment(student, images, int(rng.integers(1000)), horizontal_flip=True))
    assert np.allclose(rows, 5, atol=0.3), "horizontal_flip must not flip top and bottom"
    flipped = np.mean(cols > 10)
    assert 0.25 <= flipped <= 0.75 and np.allclose(cols[cols > 10], 16, atol=0.3), \
        "horizontal_flip must mirror left and right, each image with probability 1/2"
    rows, cols = centroids(augment(student, images, int(rng.integers(1000)), vertical_flip=True))
    assert np.allclose(cols, 4, atol=0.3), "vertical_flip must not flip left and right"
    flipped = np.mean(rows > 10)
    assert 0.25 <= flipped <= 0.75 and np.allclose(rows[rows > 10], 15, atol=0.3), \
        "vertical_flip must mirror top and bottom, each image with probability 1/2"


@pytest.mark.points(3)
def test_seeded(student, rng):
    images = rng.random((6, 16, 16)) * 255
    settings = dict(rotation_range=20, width_shift_range=0.1, zoom_range=0.2)
    first = augment(student, images, 11, **settings)
    again = augment(student, images, 11, **settings)
    other = augment(student, images, 12, **settings)
    assert np.allclose(first, again), "the same seed must give the same augmented batch"
    assert not np.allclose(first, other), "another seed must give another augmented batch"


# ---------------------------------------------------------------- training on the shapes set

AUGMENTATION = dict(rotation_range=180, width_shift_range=0.15, height_shift_range=0.15, zoom_range=0.4,
                    horizontal_flip=True, vertical_flip=True)


@pytest.mark.points(7)
def test_augmentation_beats_plain_training_on_challenge_set(student, splits, training_budget, assignment_config,
                                                            test_mode, confusion):
    data = splits("shapes")
    x_challenge = np.concatenate([data.x_public, data.x_private])
    y_challenge = np.concatenate([data.y_public, data.y_private])
    training = assignment_config.get("training", {})
    epochs = int(training.get("test_epochs" if test_mode else "epochs", 30))
    margin = float(training.get("margin", 0.05))
    common = dict(budget_seconds=training_budget, epochs=epochs, batch_size=int(training.get("batch_size", 32)), seed=0)
    accuracy = {}
    for name, extra in [("plain", {}), ("augmented", {"augment": "random_augment", "augment_kwargs": AUGMENTATION})]:
        result = student.train_predict("kit:small_cnn", data.x_train, data.y_train, x_challenge, **common, **extra)
        predicted = np.asarray(result["probabilities"]).argmax(axis=1)
        accuracy[name] = float(np.mean(predicted == y_challenge))
        if name == "augmented":  # for the student's feedback: the model trained with their random_augment
            confusion(y_challenge, predicted, data.class_names)
    assert accuracy["augmented"] >= accuracy["plain"] + margin, \
        "on the challenge set the CNN trained with random_augment is not clearly better than the same CNN without it"
