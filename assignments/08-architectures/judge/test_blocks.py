"""Hidden checks for the inception module, the residual block and ResNet-50. References are built
here with Keras layers and keras.applications.ResNet50(weights=None)."""

import numpy as np
import pytest


def dims(shape):
    shape = list(shape)
    while shape and shape[0] is None:
        shape = shape[1:]
    return tuple(shape)


def kernel(layer):
    return tuple(np.ravel(layer["config"].get("kernel_size")).tolist())


def strides(layer):
    return tuple(np.ravel(layer["config"].get("strides", 1)).tolist())


def reference_inception(input_shape, f1, f3_reduce, f3, f5_reduce, f5, pool_proj):
    import keras
    from keras import layers

    x = keras.Input(shape=input_shape)
    b1 = layers.Conv2D(f1, 1, padding="same", activation="relu")(x)
    b3 = layers.Conv2D(f3, 3, padding="same", activation="relu")(layers.Conv2D(f3_reduce, 1, activation="relu")(x))
    b5 = layers.Conv2D(f5, 5, padding="same", activation="relu")(layers.Conv2D(f5_reduce, 1, activation="relu")(x))
    bp = layers.Conv2D(pool_proj, 1, activation="relu")(layers.MaxPooling2D(3, strides=1, padding="same")(x))
    return keras.Model(x, layers.Concatenate()([b1, b3, b5, bp]))


def check_inception(got, input_shape, filters, what):
    import keras

    f1, f3_reduce, f3, f5_reduce, f5, pool_proj = filters
    want_shape = (*input_shape[:2], f1 + f3 + f5 + pool_proj)
    assert dims(got["output_shape"]) == want_shape, f"{what}: wrong output shape (the four branches are concatenated on the channels)"
    reference = reference_inception(input_shape, *filters)
    assert got["params"] == reference.count_params(), f"{what}: the parameter count differs from the four-branch reference"
    convs = [layer for layer in got["layers"] if layer["class"] == "Conv2D"]
    assert sorted(kernel(c) for c in convs) == sorted([(1, 1)] * 4 + [(3, 3), (5, 5)]), \
        f"{what}: an inception module has four 1x1, one 3x3 and one 5x5 convolution"
    assert all(c["config"].get("activation") == "relu" for c in convs), f"{what}: every convolution needs ReLU"
    pools = [layer for layer in got["layers"] if layer["class"] == "MaxPooling2D"]
    assert len(pools) == 1 and strides(pools[0]) == (1, 1), f"{what}: the pooling branch uses 3x3 max pooling with stride 1"
    keras.backend.clear_session()


@pytest.mark.points(6)
def test_inception_3a(student):
    filters = (64, 96, 128, 16, 32, 32)
    got = student.describe_block("inception_module", (28, 28, 192), f1=64, f3_reduce=96, f3=128,
                                 f5_reduce=16, f5=32, pool_proj=32)
    check_inception(got, (28, 28, 192), filters, "inception module 3a")


@pytest.mark.points(4)
def test_inception_other_filter_counts(student, rng):
    side = int(rng.integers(5, 15))
    input_shape = (side, side, int(rng.integers(3, 40)))
    filters = tuple(int(f) for f in rng.integers(2, 24, size=6))
    names = ("f1", "f3_reduce", "f3", "f5_reduce", "f5", "pool_proj")
    got = student.describe_block("inception_module", input_shape, **dict(zip(names, filters)))
    check_inception(got, input_shape, filters, "inception module with other filter counts")


def residual_params(channels_in, filters, projection, bias):
    conv = lambda k, c_in, c_out: k * k * c_in * c_out + (c_out if bias else 0)
    total = conv(3, channels_in, filters) + conv(3, filters, filters) + 2 * 4 * filters
    if projection:
        total += conv(1, channels_in, filters) + 4 * filters
    return total


@pytest.mark.points(5)
def test_residual_block_identity_shortcut(student, rng):
    side, channels = int(rng.integers(6, 20)), int(rng.integers(4, 33))
    got = student.describe_block("residual_block", (side, side, channels), filters=channels, stride=1)
    assert dims(got["output_shape"]) == (side, side, channels), "residual_block(stride=1) must keep the input's shape"
    classes = [layer["class"] for layer in got["layers"]]
    assert "Add" in classes, "a residual block adds the shortcut to the convolutions' output (an Add layer)"
    assert classes.count("BatchNormalization") == 2, "stride 1 with the same channels: two convolutions, each with batch normalisation"
    assert got["params"] in {residual_params(channels, channels, False, bias) for bias in (True, False)}, \
        "with an unchanged shape the shortcut is the identity: the block has extra or missing weights"


@pytest.mark.points(5)
def test_residual_block_projection_shortcut(student, rng):
    side, channels = 2 * int(rng.integers(4, 10)), int(rng.integers(4, 17))
    filters = 2 * channels
    got = student.describe_block("residual_block", (side, side, channels), filters=filters, stride=2)
    assert dims(got["output_shape"]) == (side // 2, side // 2, filters), \
        "residual_block(stride=2) must halve height and width and give `filters` channels"
    convs = [layer for layer in got["layers"] if layer["class"] == "Conv2D"]
    projections = [c for c in convs if kernel(c) == (1, 1)]
    assert len(projections) == 1 and strides(projections[0]) == (2, 2), \
        "when the shape changes, the shortcut is one 1x1 convolution with the block's stride"
    assert got["params"] in {residual_params(channels, filters, True, bias) for bias in (True, False)}, \
        "the block with a projection shortcut has the wrong number of parameters"


@pytest.mark.points(7)
def test_resnet50_matches_keras_applications(student):
    import keras

    got = student.describe_model("build_resnet50")
    reference = keras.applications.ResNet50(weights=None)
    assert dims(got["output_shape"]) == (1000,), "ResNet-50 must end with 1000 class probabilities"
    assert got["params"] == reference.count_params(), "ResNet-50's parameter count differs from keras.applications.ResNet50"
    classes = [layer["class"] for layer in got["layers"]]
    assert classes.count("Add") == 16, "ResNet-50 has 16 bottleneck blocks, each ending in an addition"
    assert classes.count("Conv2D") == 53, "ResNet-50 has 49 convolutions in its blocks and stem plus 4 projections"
    assert got["layers"][-1]["config"].get("activation") == "softmax", "ResNet-50 ends with a softmax dense layer"
    keras.backend.clear_session()
