"""Hidden checks of assignment 4: max_pool2d and avg_pool2d.

Every reference is computed here with ``tf.nn.max_pool2d`` / ``tf.nn.avg_pool2d``
on random feature maps (negative values included, several channels), random
pool sizes, strides and both paddings, drawn from the ``rng`` fixture.
"""

import numpy as np
import pytest

from grader.judge import StudentRaised

POOLS = {"max": "max_pool2d", "avg": "avg_pool2d"}


def tf_pool(kind, x, pool_size, stride, padding):
    """The reference; stride None means the pool size, as in Keras."""
    import tensorflow as tf

    op = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
    stride = pool_size if stride is None else stride
    return op(np.asarray(x, np.float64), ksize=list(_pair(pool_size)), strides=list(_pair(stride)),
              padding=padding.upper()).numpy()


def _pair(value):
    return (value, value) if np.ndim(value) == 0 else tuple(value)


def random_maps(rng, *, channels=None, min_size=4):
    n = int(rng.integers(1, 4))
    height, width = int(rng.integers(min_size, 13)), int(rng.integers(min_size, 13))
    return rng.normal(size=(n, height, width, channels or int(rng.integers(1, 5))))


def check_pool(student, kind, x, *, what, pool_size=2, stride=None, padding="valid", pass_stride=True):
    kwargs = {"padding": padding}
    if pass_stride:
        kwargs["stride"] = stride
    got = np.asarray(getattr(student, POOLS[kind])(x, pool_size, **kwargs))
    want = tf_pool(kind, x, pool_size, stride, padding)
    name = POOLS[kind]
    assert got.shape == want.shape, f"{name} returns the wrong shape ({what}); expected (N, out_h, out_w, C)"
    assert np.allclose(got, want, rtol=1e-5, atol=1e-5), f"{name} values differ from tf.nn.{name} ({what})"


# ---------------------------------------------------------------- max pooling (40)


@pytest.mark.points(10)
def test_max_pool_default_stride(student, rng):
    for pool_size in (2, 2, 3):
        x = random_maps(rng)
        check_pool(student, "max", x, pool_size=pool_size, stride=None, pass_stride=False,
                   what=f"pool_size {pool_size} with the default stride (= pool_size), 'valid'")


@pytest.mark.points(10)
def test_max_pool_each_channel(student, rng):
    for channels in (int(rng.integers(2, 5)), 16):
        x = random_maps(rng, channels=channels)
        check_pool(student, "max", x, pool_size=2, stride=2,
                   what=f"{channels} channels, each pooled on its own, pool 2, stride 2, 'valid'")


@pytest.mark.points(10)
def test_max_pool_stride(student, rng):
    for pool_size, stride in ((3, 2), (2, 1), (3, 1), (2, 3)):
        x = random_maps(rng)
        check_pool(student, "max", x, pool_size=pool_size, stride=stride,
                   what=f"pool {pool_size}, stride {stride}, 'valid'")


@pytest.mark.points(10)
def test_max_pool_same(student, rng):
    for pool_size, stride in ((2, None), (3, 2), (2, 1), (3, None)):
        x = random_maps(rng, min_size=3)
        x = x - 3.0  # all (or nearly all) negative: a padding zero must never win
        check_pool(student, "max", x, pool_size=pool_size, stride=stride, padding="same",
                   what=f"pool {pool_size}, stride {stride or pool_size}, 'same' on negative maps")


# ---------------------------------------------------------------- average pooling (25)


@pytest.mark.points(10)
def test_avg_pool_valid(student, rng):
    for pool_size in (2, 3):
        x = random_maps(rng)
        check_pool(student, "avg", x, pool_size=pool_size, stride=None, pass_stride=False,
                   what=f"pool_size {pool_size} with the default stride, 'valid'")
    x = random_maps(rng, channels=6)
    check_pool(student, "avg", x, pool_size=2, stride=2, what="6 channels, pool 2, stride 2, 'valid'")


@pytest.mark.points(5)
def test_avg_pool_stride(student, rng):
    for pool_size, stride in ((3, 2), (2, 1)):
        x = random_maps(rng)
        check_pool(student, "avg", x, pool_size=pool_size, stride=stride,
                   what=f"pool {pool_size}, stride {stride}, 'valid'")


@pytest.mark.points(10)
def test_avg_pool_same(student, rng):
    for pool_size, stride in ((2, None), (3, 2), (3, 1), (2, (1, 2))):
        x = random_maps(rng, min_size=3) + 2.0
        check_pool(student, "avg", x, pool_size=pool_size, stride=stride, padding="same",
                   what=f"pool {pool_size}, stride {stride or pool_size}, 'same': "
                        "windows at the border average the existing cells only")


# ---------------------------------------------------------------- both (5)


@pytest.mark.points(3)
def test_pool_pairs(student, rng):
    for kind in ("max", "avg"):
        for pool_size, stride, padding in (((2, 3), None, "valid"), ((3, 2), (1, 2), "same")):
            x = random_maps(rng, min_size=4)
            check_pool(student, kind, x, pool_size=pool_size, stride=stride, padding=padding,
                       what=f"pool {pool_size}, stride {stride or pool_size}, '{padding}'")


@pytest.mark.points(2)
def test_pool_rejects_unknown_padding(student, rng):
    x = random_maps(rng)
    for name in POOLS.values():
        with pytest.raises(StudentRaised) as err:
            getattr(student, name)(x, 2, padding="full")
        assert err.value.is_a("ValueError"), f"{name} must raise ValueError for padding='full'"
