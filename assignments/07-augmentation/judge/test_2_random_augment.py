"""Hidden checks for random_augment: is every parameter drawn from the right distribution?

Each check augments a batch of copies of one test image whose content is a bright 3x3 spot; the
spot's centroid tells the shift, angle or zoom factor that each copy got. The values are then
tested against the distribution the notebook asks for: uniform on the range
(Kolmogorov-Smirnov), a coin with probability 1/2 for each flip (binomial), and independence
between parameters (chi-square on a grid of joint outcomes). rng crosses as an integer seed (the
notebook asks for np.random.default_rng(rng)).

False failures: each statistical check fails when its p-value is below ALPHA = 1e-4, so a
correct random_augment fails it with probability 1e-4 for a given sample. With the seeds fixed
(from the test's id), a given implementation passes or fails the same way every time; a correct
implementation that draws its numbers in another order than the kit's solution gets another
sample, and then fails one of the 8 statistical checks below with probability at most 8e-4.
The sample sizes give the plausible mistakes (the mutants) p-values far below ALPHA: a range
scaled by the wrong side, two zoom factors, one draw for two parameters, one coin for both flips.
"""

import numpy as np
import pytest
from scipy import stats

ALPHA = 1e-4
SHIFT_CANVAS = (24, 60)     # wide, so a shift range scaled by the wrong side shows
TURN_CANVAS = (33, 45)      # not square, so a rotation or zoom about a swapped centre shows
TURN_CENTRE = ((TURN_CANVAS[0] - 1) / 2, (TURN_CANVAS[1] - 1) / 2)   # (16, 22)


def spot_batch(shape, row, col, n):
    """n copies of a black canvas with a 3x3 white spot centred at (row, col)."""
    images = np.zeros((n, *shape), dtype=np.float32)
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


def assert_uniform(values, low, high, what, *, slack):
    """Within [low, high] (up to the measuring error ``slack``), and uniform over it (Kolmogorov-Smirnov)."""
    assert np.all(values >= low - slack) and np.all(values <= high + slack), \
        f"{what}: some images got parameters outside the range"
    p_value = stats.kstest(values, stats.uniform(loc=low, scale=high - low).cdf).pvalue
    assert p_value >= ALPHA, \
        f"{what}: the parameters are not drawn uniformly over the range, a new draw for each image"


def assert_independent_uniform(first, second, bins, what):
    """Two parameters drawn uniformly and independently: a chi-square test on a bins x bins grid of equal cells."""
    cells = np.histogram2d(first, second, bins=bins, range=[[0, 1], [0, 1]])[0].ravel()
    p_value = stats.chisquare(cells).pvalue
    assert p_value >= ALPHA, f"{what}: the two parameters are not drawn independently of each other"


@pytest.mark.points(3)
def test_identity_when_ranges_are_zero(student, rng):
    for shape in [(5, 17, 23), (4, 12, 12, 3)]:
        images = rng.random(shape) * 255
        got = augment(student, images, int(rng.integers(1000)))
        assert np.allclose(got, images, atol=1e-3), "with every range 0 and no flips the images must come back unchanged"


@pytest.mark.points(5)
def test_shift_ranges(student, rng):
    height, width = SHIFT_CANVAS
    images = spot_batch(SHIFT_CANVAS, 12, 30, n=400)
    rows, cols = centroids(augment(student, images, int(rng.integers(1000)), width_shift_range=0.2))
    assert np.all(np.abs(rows - 12) < 0.3), "width_shift_range must shift horizontally only"
    assert_uniform(cols - 30, -0.2 * width, 0.2 * width, "width_shift_range=0.2 (a fraction of the width)", slack=0.05)
    rows, cols = centroids(augment(student, images, int(rng.integers(1000)), height_shift_range=0.3))
    assert np.all(np.abs(cols - 30) < 0.3), "height_shift_range must shift vertically only"
    assert_uniform(rows - 12, -0.3 * height, 0.3 * height, "height_shift_range=0.3 (a fraction of the height)",
                   slack=0.05)


@pytest.mark.points(2)
def test_shifts_are_independent(student, rng):
    height, width = SHIFT_CANVAS
    images = spot_batch(SHIFT_CANVAS, 12, 30, n=400)
    rows, cols = centroids(augment(student, images, int(rng.integers(1000)), width_shift_range=0.2,
                                   height_shift_range=0.3))
    # the shifts as fractions of their ranges, in [0, 1]; a 4 x 4 grid holds 25 images per cell on average
    dx = np.clip((cols - 30 + 0.2 * width) / (0.4 * width), 0, 1)
    dy = np.clip((rows - 12 + 0.3 * height) / (0.6 * height), 0, 1)
    assert_independent_uniform(dx, dy, 4, "width_shift_range with height_shift_range")


@pytest.mark.points(5)
def test_rotation_range(student, rng):
    centre_row, centre_col = TURN_CENTRE
    images = spot_batch(TURN_CANVAS, 16, 34, n=1000)                  # 12 pixels right of the centre
    rows, cols = centroids(augment(student, images, int(rng.integers(1000)), rotation_range=30))
    radius = np.hypot(rows - centre_row, cols - centre_col)
    assert np.all(np.abs(radius - 12) < 0.6), "rotation_range must rotate about the image centre"
    angles = np.degrees(np.arctan2(-(rows - centre_row), cols - centre_col))
    assert_uniform(angles, -30, 30, "rotation_range=30 (degrees)", slack=1.5)


@pytest.mark.points(5)
def test_zoom_range(student, rng):
    centre_row, centre_col = TURN_CENTRE
    images = spot_batch(TURN_CANVAS, 22, 30, n=400)                   # 6 pixels below, 8 right of the centre
    rows, cols = centroids(augment(student, images, int(rng.integers(1000)), zoom_range=0.3))
    across = 8.0 / (cols - centre_col)                                # ImageDataGenerator's meaning: > 1 zooms out
    down = 6.0 / (rows - centre_row)
    assert np.all(np.abs(across - down) < 0.03), \
        "zoom_range must draw one zoom factor per image, used for both axes (about the image centre)"
    assert_uniform(across, 0.7, 1.3, "zoom_range=0.3 (factors in [0.7, 1.3])", slack=0.02)


@pytest.mark.points(3)
def test_flips(student, rng):
    images = spot_batch((21, 21), 5, 4, n=400)                       # top-left
    for flip, moves, stays in [("horizontal_flip", 1, 0), ("vertical_flip", 0, 1)]:
        centre = centroids(augment(student, images, int(rng.integers(1000)), **{flip: True}))
        assert np.allclose(centre[stays], (5, 4)[stays], atol=0.3), \
            f"{flip} must mirror {'left and right' if flip == 'horizontal_flip' else 'top and bottom'} only"
        flipped = centre[moves] > 10
        assert np.allclose(centre[moves][flipped], 20 - (5, 4)[moves], atol=0.3), f"{flip} must mirror the image"
        assert stats.binomtest(int(flipped.sum()), len(flipped), 0.5).pvalue >= ALPHA, \
            f"{flip} must flip each image with probability 1/2"


@pytest.mark.points(1)
def test_flips_are_independent(student, rng):
    images = spot_batch((21, 21), 5, 4, n=400)
    rows, cols = centroids(augment(student, images, int(rng.integers(1000)), horizontal_flip=True,
                                   vertical_flip=True))
    outcomes = 2 * (rows > 10) + (cols > 10)                          # none, horizontal, vertical, both
    assert stats.chisquare(np.bincount(outcomes, minlength=4)).pvalue >= ALPHA, \
        "with both flips on, each of the four outcomes (none, horizontal, vertical, both) must have probability 1/4"


@pytest.mark.points(3)
def test_seeded(student, rng):
    images = rng.random((6, 16, 16)) * 255
    settings = dict(rotation_range=20, width_shift_range=0.1, zoom_range=0.2)
    first = augment(student, images, 11, **settings)
    again = augment(student, images, 11, **settings)
    other = augment(student, images, 12, **settings)
    assert np.allclose(first, again), "the same seed must give the same augmented batch"
    assert not np.allclose(first, other), "another seed must give another augmented batch"
