"""Hidden checks of assignment 3: conv_output_size, conv2d and conv2d_params.

Every reference is computed here with TensorFlow (``tf.nn.conv2d`` and the shape
of its output, ``keras.layers.Conv2D(...).count_params()``) on random shapes,
kernels, strides and paddings drawn from the ``rng`` fixture. The student's
functions run behind the ``student`` fixture and only their results come back.
"""

import numpy as np
import pytest

from grader.judge import StudentRaised

TOLERANCE = 1e-5  # float32 arithmetic passes; every mistake in the mutants is off by far more


def tf_conv2d(x, w, stride=1, padding="valid"):
    """The reference: tf.nn.conv2d in float64 (explicit zeros for an int padding)."""
    import tensorflow as tf

    stride_h, stride_w = (stride, stride) if np.ndim(stride) == 0 else stride
    if isinstance(padding, str):
        tf_padding = padding.upper()
    else:
        tf_padding = [[0, 0], [padding, padding], [padding, padding], [0, 0]]
    return tf.nn.conv2d(np.asarray(x, np.float64), np.asarray(w, np.float64),
                        strides=[1, stride_h, stride_w, 1], padding=tf_padding).numpy()


def tf_output_length(n, k, stride, padding):
    """Output length along one axis, read off the shape of tf.nn.conv2d's output."""
    return tf_conv2d(np.zeros((1, n, 1, 1)), np.zeros((k, 1, 1, 1)), (stride, 1), padding).shape[1]


def random_case(rng, *, c_in=None, c_out=None, even_kernel=False):
    """Random images and kernels small enough for a loop implementation."""
    n = int(rng.integers(1, 4))
    height, width = int(rng.integers(5, 12)), int(rng.integers(5, 12))
    c_in = c_in or int(rng.integers(1, 4))
    c_out = c_out or int(rng.integers(1, 5))
    if even_kernel:
        kh, kw = int(rng.choice([2, 4])), int(rng.choice([2, 4]))
    else:
        kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    x = rng.normal(size=(n, height, width, c_in))
    w = rng.normal(size=(kh, kw, c_in, c_out))
    return x, w


def check_conv(student, x, w, *, what, b=None, stride=1, padding="valid"):
    kwargs = {"stride": stride, "padding": padding}
    if b is not None:
        kwargs["b"] = b
    got = np.asarray(student.conv2d(x, w, **kwargs))
    want = tf_conv2d(x, w, stride, padding)
    if b is not None:
        want = want + b
    assert got.shape == want.shape, f"conv2d returns the wrong shape ({what}); expected (N, out_h, out_w, C_out)"
    assert np.allclose(got, want, rtol=TOLERANCE, atol=TOLERANCE), f"conv2d values differ from tf.nn.conv2d ({what})"


# ---------------------------------------------------------------- conv_output_size (15)


@pytest.mark.points(5)
def test_output_size_valid(student, rng):
    for _ in range(8):
        n = int(rng.integers(3, 40))
        k, stride = int(rng.integers(1, min(n, 7) + 1)), int(rng.integers(1, 4))
        got = student.conv_output_size(n, k, stride=stride, padding="valid")
        assert got == tf_output_length(n, k, stride, "valid"), \
            f"conv_output_size is wrong for n={n}, k={k}, stride={stride}, padding 'valid'"


@pytest.mark.points(4)
def test_output_size_same(student, rng):
    for _ in range(8):
        n = int(rng.integers(3, 40))
        k, stride = int(rng.integers(1, min(n, 7) + 1)), int(rng.integers(1, 4))
        got = student.conv_output_size(n, k, stride=stride, padding="same")
        assert got == tf_output_length(n, k, stride, "same"), \
            f"conv_output_size is wrong for n={n}, k={k}, stride={stride}, padding 'same'"


@pytest.mark.points(4)
def test_output_size_int_padding(student, rng):
    for _ in range(8):
        n, padding = int(rng.integers(3, 40)), int(rng.integers(0, 4))
        k, stride = int(rng.integers(1, min(n, 7) + 1)), int(rng.integers(1, 4))
        got = student.conv_output_size(n, k, stride=stride, padding=padding)
        assert got == tf_output_length(n, k, stride, padding), \
            f"conv_output_size is wrong for n={n}, k={k}, stride={stride}, padding={padding}"


@pytest.mark.points(2)
def test_output_size_rejects_unknown_padding(student):
    for bad in ("full", -1):
        with pytest.raises(StudentRaised) as err:
            student.conv_output_size(10, 3, padding=bad)
        assert err.value.is_a("ValueError"), f"conv_output_size must raise ValueError for padding={bad!r}"


# ---------------------------------------------------------------- conv2d (50)


@pytest.mark.points(10)
def test_conv2d_one_channel(student, rng):
    for _ in range(3):
        x, w = random_case(rng, c_in=1, c_out=1)
        check_conv(student, x, w, what="one channel, one filter, stride 1, padding 'valid'")


@pytest.mark.points(10)
def test_conv2d_channels_and_filters(student, rng):
    for _ in range(3):
        x, w = random_case(rng, c_in=int(rng.integers(2, 5)), c_out=int(rng.integers(2, 6)))
        check_conv(student, x, w, what=f"{x.shape[-1]} input channels, {w.shape[-1]} filters, padding 'valid'")


@pytest.mark.points(10)
def test_conv2d_stride(student, rng):
    for stride in (2, (2, 2), (1, 2), (3, 1), (2, 3)):
        x, w = random_case(rng)
        check_conv(student, x, w, stride=stride, what=f"stride {stride}, padding 'valid'")
    x, w = random_case(rng)
    check_conv(student, x, w, stride=2, padding="same", what="stride 2, padding 'same'")


@pytest.mark.points(5)
def test_conv2d_same_odd_kernel(student, rng):
    for kernel in (1, 3, 5):
        x = rng.normal(size=(2, int(rng.integers(5, 11)), int(rng.integers(5, 11)), 2))
        w = rng.normal(size=(kernel, kernel, 2, 3))
        check_conv(student, x, w, padding="same", what=f"{kernel}x{kernel} kernel, padding 'same'")


@pytest.mark.points(5)
def test_conv2d_same_even_kernel(student, rng):
    for stride in (1, 1, 2, (2, 1)):
        x, w = random_case(rng, even_kernel=True)
        check_conv(student, x, w, stride=stride, padding="same",
                   what=f"even {w.shape[0]}x{w.shape[1]} kernel, stride {stride}, padding 'same': "
                        "TensorFlow puts the extra row/column of zeros at the bottom/right")


@pytest.mark.points(5)
def test_conv2d_int_padding(student, rng):
    for padding in (1, 2, int(rng.integers(0, 4))):
        x, w = random_case(rng)
        stride = int(rng.integers(1, 3))
        check_conv(student, x, w, stride=stride, padding=padding, what=f"padding={padding}, stride {stride}")


@pytest.mark.points(5)
def test_conv2d_bias(student, rng):
    for stride, padding in ((1, "valid"), (2, "same")):
        x, w = random_case(rng, c_out=int(rng.integers(2, 5)))
        b = rng.normal(size=w.shape[-1])
        check_conv(student, x, w, b=b, stride=stride, padding=padding,
                   what=f"with a bias per filter, stride {stride}, padding '{padding}'")


# ---------------------------------------------------------------- conv2d_params (5)


@pytest.mark.points(5)
def test_conv2d_params(student, rng):
    import keras

    cases = [(3, 3, 1, 32, True), (3, 3, 32, 64, True)]
    for _ in range(4):
        cases.append((int(rng.integers(1, 8)), int(rng.integers(1, 8)), int(rng.integers(1, 65)),
                      int(rng.integers(1, 129)), bool(rng.integers(0, 2))))
    for kh, kw, c_in, filters, use_bias in cases:
        layer = keras.layers.Conv2D(filters, (kh, kw), use_bias=use_bias)
        layer.build((None, 32, 32, c_in))
        got = student.conv2d_params(kh, kw, c_in, filters, use_bias=use_bias)
        assert got == layer.count_params(), \
            f"conv2d_params is wrong for a {kh}x{kw} kernel, {c_in} input channels, {filters} filters, use_bias={use_bias}"
