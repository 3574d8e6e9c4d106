"""Hidden checks for shift, flip, rotate and zoom, against references computed here with
scipy.ndimage (order=1, mode="nearest", as ImageDataGenerator; for square images the results
equal ImageDataGenerator().apply_transform exactly).

Conventions (stated in the notebook): shift moves the content dx right and dy down; rotate turns
counter-clockwise by degrees about the centre ((H-1)/2, (W-1)/2); zoom(image, f) reads the input
at centre + f * (p - centre), so f > 1 zooms out. Rotation and zoom are checked on images that
are not square (20 x 30 x 3 among them): a centre with rows and columns swapped, as
ImageDataGenerator has it, only shows there. Border pixels may differ slightly between
implementations of the interpolation, so the values are compared exactly inside a one-pixel
frame and on average over the whole image. This file runs first (test_1_...): these checks are
quick, and a mutant's run stops at its first lost check."""

import numpy as np
import pytest
from scipy import ndimage


def ref_shift(image, dx, dy):
    return ndimage.shift(image, (dy, dx) + (0,) * (image.ndim - 2), order=1, mode="nearest")


def ref_rotate(image, degrees):
    return ndimage.rotate(image, degrees, axes=(1, 0), reshape=False, order=1, mode="nearest")


def ref_zoom(image, factor):
    centre = (np.array(image.shape[:2]) - 1) / 2.0
    matrix, offset = np.diag([factor, factor]), centre - factor * centre
    if image.ndim == 2:
        return ndimage.affine_transform(image, matrix, offset=offset, order=1, mode="nearest")
    return np.stack([ndimage.affine_transform(image[..., c], matrix, offset=offset, order=1, mode="nearest")
                     for c in range(image.shape[2])], axis=-1)


def random_image(rng, channels=None, shape=None):
    """A random image that is not square (unless ``shape`` says otherwise)."""
    if shape is None:
        height = int(rng.integers(12, 30))
        width = height + int(rng.choice([-1, 1])) * int(rng.integers(4, 10))
        shape = (height, width) if channels is None else (height, width, channels)
    return rng.random(shape)


def assert_matches(got, want, what):
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: the result must have the input's shape"
    assert np.all(np.isfinite(got)), f"{what}: the result has NaN or infinite values"
    assert np.allclose(got[1:-1, 1:-1], want[1:-1, 1:-1], atol=1e-4), \
        f"{what}: pixels differ from the reference (linear interpolation, fill_mode='nearest')"
    assert np.mean(np.abs(got - want)) < 0.01, f"{what}: the border pixels differ from the reference"


@pytest.mark.points(8)
def test_shift_matches_reference(student, rng):
    for channels in (None, 3):
        image = random_image(rng, channels=channels)
        for dx, dy in [(int(rng.integers(-5, 6)), int(rng.integers(-5, 6))),
                       (float(rng.uniform(-4, 4)), float(rng.uniform(-4, 4)))]:
            got = student.shift(image, dx, dy)
            assert_matches(got, ref_shift(image, dx, dy), f"shift(image of shape {image.shape}, dx={dx:.2f}, dy={dy:.2f})")


@pytest.mark.points(4)
def test_shift_fills_with_nearest_edge(student, rng):
    height, width = int(rng.integers(8, 16)), int(rng.integers(8, 16))
    ramp = np.tile(np.arange(width, dtype=np.float64), (height, 1)) + 10 * np.arange(height)[:, None]
    steps = int(rng.integers(2, 5))
    right = np.asarray(student.shift(ramp, steps, 0), dtype=np.float64)
    assert right.shape == ramp.shape, "shift must keep the image's shape"
    assert np.allclose(right[:, :steps + 1], ramp[:, :1]), \
        "the columns uncovered by a shift to the right must repeat the left edge (fill_mode='nearest'), not wrap around"
    down = np.asarray(student.shift(ramp, 0, -steps), dtype=np.float64)
    assert np.allclose(down[-steps - 1:], ramp[-1:]), \
        "the rows uncovered by a shift upwards must repeat the bottom edge (fill_mode='nearest'), not wrap around"


@pytest.mark.points(5)
def test_flip(student, rng):
    for channels in (None, 3):
        image = random_image(rng, channels=channels)
        got = np.asarray(student.flip(image), dtype=np.float64)
        assert got.shape == image.shape and np.allclose(got, image[:, ::-1]), \
            "flip(image) must mirror left and right (reverse the columns)"
        got = np.asarray(student.flip(image, horizontal=False), dtype=np.float64)
        assert got.shape == image.shape and np.allclose(got, image[::-1]), \
            "flip(image, horizontal=False) must mirror top and bottom (reverse the rows)"


@pytest.mark.points(8)
def test_rotate_matches_reference(student, rng):
    for shape, degrees in [((20, 30, 3), float(rng.uniform(20, 70))), (None, float(rng.uniform(-180, 180))),
                           ((int(rng.integers(12, 30)),) * 2 + (3,), float(rng.uniform(-180, 180))),
                           (None, float(rng.choice([90, -90, 180]))), (None, float(rng.uniform(-15, 15)))]:
        image = random_image(rng, shape=shape)
        got = student.rotate(image, degrees)
        assert_matches(got, ref_rotate(image, degrees), f"rotate(image of shape {image.shape}, {degrees:.1f} degrees)")


@pytest.mark.points(3)
def test_rotate_direction_and_unit(student, rng):
    size = 2 * int(rng.integers(5, 10)) + 1
    centre = size // 2
    dot = np.zeros((size, size))
    dot[centre, centre + 3] = 1.0
    up = np.asarray(student.rotate(dot, 90), dtype=np.float64)
    assert up.shape == dot.shape and np.unravel_index(np.argmax(up), up.shape) == (centre - 3, centre), \
        "rotate(image, 90) must turn counter-clockwise: a dot right of the centre moves above it"
    small = np.asarray(student.rotate(dot, 5), dtype=np.float64)
    assert np.unravel_index(np.argmax(small), small.shape) == (centre, centre + 3), \
        "rotate takes degrees: 5 degrees barely moves a dot 3 pixels from the centre"


@pytest.mark.points(8)
def test_zoom_matches_reference(student, rng):
    for shape, factor in [((20, 30, 3), float(rng.uniform(1.2, 1.6))), (None, float(rng.uniform(0.5, 0.95))),
                          (None, float(rng.uniform(1.05, 2.0))), ((int(rng.integers(12, 30)),) * 2 + (3,),
                                                                   float(rng.uniform(0.6, 1.4)))]:
        image = random_image(rng, shape=shape)
        got = student.zoom(image, factor)
        assert_matches(got, ref_zoom(image, factor), f"zoom(image of shape {image.shape}, factor={factor:.2f})")
