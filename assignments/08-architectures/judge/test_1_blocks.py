"""Hidden checks for the inception module, the residual block and the bottleneck block: what each
computes, not only which layers it holds.

A block with the right layers in the wrong order (batch normalisation after the ReLU, the stride
on the second convolution, the branches concatenated in another order) has the right output shape
and parameter count. So each check also *probes* the block: the student's side gives every weight
a value fixed by its name and shape (grader.judge.probe), runs the block on inputs drawn here and
returns the outputs; the same is done here with a reference block built from Keras layers, and
the two must agree. This file runs first (test_1_...): its blocks are small and quick.
"""

import numpy as np
import pytest

from grader.judge.probe import probe_outputs


def dims(shape):
    shape = list(shape)
    while shape and shape[0] is None:
        shape = shape[1:]
    return tuple(shape)


def probe_input(rng, input_shape):
    return rng.normal(size=(2, *input_shape)).astype(np.float32)


def assert_computes(got, references, what):
    """The student's probe equals one of the references' (e.g. with or without convolution biases)."""
    import keras

    have = np.asarray(got["probe"], dtype=np.float64)
    for want in references:
        if have.shape == want.shape and np.allclose(have, want, rtol=1e-2, atol=1e-2 * max(1.0, np.abs(want).max())):
            keras.backend.clear_session()
            return
    keras.backend.clear_session()
    raise AssertionError(f"{what}: the block has the right layers but computes something else; "
                         "check their order and how they are connected")


def reference(build, input_shape, x, **kwargs):
    """Probe outputs of ``build(inputs, **kwargs)`` on ``x``."""
    import keras

    inputs = keras.Input(shape=input_shape)
    return probe_outputs(keras.Model(inputs, build(inputs, **kwargs)), x)


# ---------------------------------------------------------------- inception module


def reference_inception(x, f1, f3_reduce, f3, f5_reduce, f5, pool_proj):
    from keras import layers

    b1 = layers.Conv2D(f1, 1, padding="same", activation="relu")(x)
    b3 = layers.Conv2D(f3, 3, padding="same", activation="relu")(layers.Conv2D(f3_reduce, 1, activation="relu")(x))
    b5 = layers.Conv2D(f5, 5, padding="same", activation="relu")(layers.Conv2D(f5_reduce, 1, activation="relu")(x))
    bp = layers.Conv2D(pool_proj, 1, activation="relu")(layers.MaxPooling2D(3, strides=1, padding="same")(x))
    return layers.Concatenate()([b1, b3, b5, bp])


def check_inception(student, rng, input_shape, filters, what):
    import keras

    names = ("f1", "f3_reduce", "f3", "f5_reduce", "f5", "pool_proj")
    kwargs = dict(zip(names, filters))
    x = probe_input(rng, input_shape)
    got = student.describe_block("inception_module", input_shape, probe=x, **kwargs)
    f1, _, f3, _, f5, pool_proj = filters
    assert dims(got["output_shape"]) == (*input_shape[:2], f1 + f3 + f5 + pool_proj), \
        f"{what}: wrong output shape (the four branches are concatenated on the channels)"
    inputs = keras.Input(shape=input_shape)
    model = keras.Model(inputs, reference_inception(inputs, **kwargs))
    assert got["params"] == model.count_params(), f"{what}: the parameter count differs from the four-branch reference"
    assert_computes(got, [probe_outputs(model, x)], what)


@pytest.mark.points(5)
def test_inception_3a(student, rng):
    check_inception(student, rng, (28, 28, 192), (64, 96, 128, 16, 32, 32), "inception module 3a")


@pytest.mark.points(4)
def test_inception_other_filter_counts(student, rng):
    side = int(rng.integers(5, 15))
    filters = tuple(int(f) for f in rng.choice(np.arange(2, 40), size=6, replace=False))  # six different counts
    check_inception(student, rng, (side, side, int(rng.integers(3, 40))), filters,
                    "inception module with other filter counts")


# ---------------------------------------------------------------- residual blocks


def reference_residual(x, filters, stride=1, bias=True):
    from keras import layers

    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.BatchNormalization()(layers.Conv2D(filters, 1, strides=stride, use_bias=bias)(x))
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=bias)(x)
    y = layers.Activation("relu")(layers.BatchNormalization()(y))
    y = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same", use_bias=bias)(y))
    return layers.Activation("relu")(layers.Add()([y, shortcut]))


def reference_bottleneck(x, filters, stride=1, project=False, bias=True):
    from keras import layers

    shortcut = x
    if project:
        shortcut = layers.BatchNormalization()(layers.Conv2D(4 * filters, 1, strides=stride, use_bias=bias)(x))
    y = layers.Conv2D(filters, 1, strides=stride, use_bias=bias)(x)
    y = layers.Activation("relu")(layers.BatchNormalization()(y))
    y = layers.Conv2D(filters, 3, padding="same", use_bias=bias)(y)
    y = layers.Activation("relu")(layers.BatchNormalization()(y))
    y = layers.BatchNormalization()(layers.Conv2D(4 * filters, 1, use_bias=bias)(y))
    return layers.Activation("relu")(layers.Add()([y, shortcut]))


def residual_params(channels_in, filters, projection, bias):
    conv = lambda k, c_in, c_out: k * k * c_in * c_out + (c_out if bias else 0)
    total = conv(3, channels_in, filters) + conv(3, filters, filters) + 2 * 4 * filters
    if projection:
        total += conv(1, channels_in, filters) + 4 * filters
    return total


@pytest.mark.points(5)
def test_residual_block_identity_shortcut(student, rng):
    side, channels = int(rng.integers(6, 20)), int(rng.integers(4, 33))
    x = probe_input(rng, (side, side, channels))
    got = student.describe_block("residual_block", (side, side, channels), filters=channels, stride=1, probe=x)
    assert dims(got["output_shape"]) == (side, side, channels), "residual_block(stride=1) must keep the input's shape"
    assert got["params"] in {residual_params(channels, channels, False, bias) for bias in (True, False)}, \
        "with an unchanged shape the shortcut is the identity: the block has extra or missing weights"
    assert_computes(got, [reference(reference_residual, (side, side, channels), x, filters=channels, bias=bias)
                          for bias in (True, False)], "residual_block with an identity shortcut")


@pytest.mark.points(5)
def test_residual_block_projection_shortcut(student, rng):
    side, channels = 2 * int(rng.integers(4, 10)), int(rng.integers(4, 17))
    filters = 2 * channels
    x = probe_input(rng, (side, side, channels))
    got = student.describe_block("residual_block", (side, side, channels), filters=filters, stride=2, probe=x)
    assert dims(got["output_shape"]) == (side // 2, side // 2, filters), \
        "residual_block(stride=2) must halve height and width and give `filters` channels"
    assert got["params"] in {residual_params(channels, filters, True, bias) for bias in (True, False)}, \
        "the block with a projection shortcut has the wrong number of parameters"
    assert_computes(got, [reference(reference_residual, (side, side, channels), x, filters=filters, stride=2,
                                    bias=bias) for bias in (True, False)],
                    "residual_block with a projection shortcut (stride 2)")


@pytest.mark.points(3)
def test_bottleneck_block(student, rng):
    side, filters = 2 * int(rng.integers(3, 7)), int(rng.integers(4, 12))
    for channels, stride, project in [(int(rng.integers(4, 20)), 2, True), (4 * filters, 1, False)]:
        x = probe_input(rng, (side, side, channels))
        got = student.describe_block("bottleneck_block", (side, side, channels), filters=filters, stride=stride,
                                     project=project, probe=x)
        what = f"bottleneck_block(filters={filters}, stride={stride}, project={project})"
        assert dims(got["output_shape"]) == (side // stride, side // stride, 4 * filters), f"{what}: wrong output shape"
        assert_computes(got, [reference(reference_bottleneck, (side, side, channels), x, filters=filters,
                                        stride=stride, project=project, bias=bias) for bias in (True, False)], what)
