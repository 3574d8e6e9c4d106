"""Hidden checks of assignment 1: normalize, flatten, one_hot on random data.

References are computed here with numpy; the student's functions run behind the
``student`` fixture and only their results come back. The one-hot reference is
``np.eye(num_classes)[labels]``, equal value for value to ``keras.utils.to_categorical``
(float rows of the identity matrix; the kit's tests check the two agree), so grading this
assignment never imports TensorFlow: that import was 5 s per grading worker.
"""

import numpy as np
import pytest

from grader.judge import StudentRaised


def random_images(rng, n=None, height=28, width=28):
    n = n or int(rng.integers(1, 9))
    return rng.integers(0, 256, size=(n, height, width), dtype=np.uint8)


def to_categorical(labels, num_classes):
    """``keras.utils.to_categorical(labels, num_classes)`` for 1-D integer labels, without Keras."""
    return np.eye(num_classes, dtype="float64")[np.asarray(labels)]


# ---------------------------------------------------------------- normalize (20)


@pytest.mark.points(15)
def test_normalize_values(student, rng):
    for shape in [(int(rng.integers(1, 6)), 28, 28), (7,), (3, 5, 4, 2)]:
        images = rng.integers(0, 256, size=shape, dtype=np.uint8)
        got = np.asarray(student.normalize(images))
        assert got.shape == images.shape, "normalize must keep the shape of its input"
        assert np.allclose(got, images / 255.0, rtol=0, atol=1e-12), \
            "normalize must divide every pixel value by 255 (0 -> 0.0, 255 -> 1.0)"


@pytest.mark.points(5)
def test_normalize_float64(student, rng):
    got = student.normalize(random_images(rng, 2))
    assert isinstance(got, np.ndarray) and got.dtype == np.float64, "normalize must return a float64 numpy array"


# ---------------------------------------------------------------- flatten (25)


@pytest.mark.points(10)
def test_flatten_shape(student, rng):
    for height, width in [(28, 28), (int(rng.integers(2, 9)), int(rng.integers(2, 9)))]:
        images = random_images(rng, height=height, width=width)
        got = np.asarray(student.flatten(images))
        assert got.shape == (len(images), height * width), "flatten must return shape (n, height * width)"


@pytest.mark.points(10)
def test_flatten_row_order(student, rng):
    for height, width in [(28, 28), (3, 5)]:
        images = random_images(rng, 4, height, width)
        got = np.asarray(student.flatten(images))
        assert np.array_equal(got, images.reshape(len(images), -1)), \
            "flatten must read each image row by row (C order), the first row first"


@pytest.mark.points(5)
def test_flatten_rejects_wrong_shape(student, rng):
    for bad in [rng.integers(0, 256, size=(28, 28)), rng.integers(0, 256, size=(2, 28, 28, 1)),
                rng.integers(0, 256, size=(784,))]:
        with pytest.raises(StudentRaised) as err:
            student.flatten(bad)
        assert err.value.is_a("ValueError"), "flatten must raise ValueError for input that is not 3-D"


# ---------------------------------------------------------------- one_hot (25)


@pytest.mark.points(10)
def test_one_hot_matches_to_categorical(student, rng):
    for num_classes in (10, int(rng.integers(2, 7)), 17):
        labels = rng.integers(0, num_classes, size=int(rng.integers(1, 50)))
        got = np.asarray(student.one_hot(labels, num_classes=num_classes))
        want = to_categorical(labels, num_classes)
        assert got.shape == want.shape, "one_hot must return shape (n, num_classes)"
        assert np.array_equal(got, want), "one_hot must put a single 1 at each label's position"


@pytest.mark.points(5)
def test_one_hot_float(student, rng):
    got = student.one_hot(rng.integers(0, 10, size=5))
    assert isinstance(got, np.ndarray) and np.issubdtype(got.dtype, np.floating), \
        "one_hot must return floats, as keras.utils.to_categorical does"


@pytest.mark.points(5)
def test_one_hot_rejects_out_of_range(student, rng):
    num_classes = int(rng.integers(3, 11))
    for bad in ([0, num_classes], [-1, 0], [num_classes + 5]):
        with pytest.raises(StudentRaised) as err:
            student.one_hot(np.array(bad), num_classes=num_classes)
        assert err.value.is_a("ValueError"), \
            "one_hot must raise ValueError for a label below 0 or not below num_classes"


@pytest.mark.points(5)
def test_one_hot_rejects_wrong_shape(student, rng):
    with pytest.raises(StudentRaised) as err:
        student.one_hot(rng.integers(0, 10, size=(4, 2)), num_classes=10)
    assert err.value.is_a("ValueError"), "one_hot must raise ValueError for labels that are not 1-D"
