"""The probe: two models wired alike compute the same thing with the probe's weights; wired
otherwise, they do not; and describe_block / describe_model return it as plain data."""

import numpy as np
import pytest

from grader.judge import InProcessBackend, StudentBadOutput
from grader.judge.probe import probe_outputs, probe_value

BLOCKS = """
from keras import layers

def norm_then_relu(x, filters):
    return layers.Activation("relu")(layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same")(x)))

def relu_then_norm(x, filters):
    return layers.BatchNormalization()(layers.Activation("relu")(layers.Conv2D(filters, 3, padding="same")(x)))

def fused_relu(x, filters):
    return layers.Activation("relu")(layers.BatchNormalization()(
        layers.Conv2D(filters, 3, padding="same", activation="linear")(x)))

def two_outputs(x, filters):
    return [layers.Conv2D(filters, 1)(x), x]
"""


def test_probe_values_depend_on_name_and_shape_only():
    assert np.array_equal(probe_value("kernel", (3, 3, 2, 4)), probe_value("kernel", (3, 3, 2, 4)))
    assert not np.array_equal(probe_value("kernel", (3, 3, 2, 4)), probe_value("kernel", (3, 3, 4, 2)).reshape(3, 3, 2, 4))
    variance = probe_value("moving_variance", (64,))
    assert variance.min() >= 0.5 and variance.max() <= 1.5
    kernel = probe_value("kernel", (3, 3, 64, 64))
    assert abs(kernel.std() - np.sqrt(2 / (3 * 3 * 64))) < 0.005  # He's scale: activations keep their size


def test_the_same_wiring_computes_the_same_and_another_order_does_not():
    backend = InProcessBackend(BLOCKS)
    x = np.random.default_rng(0).normal(size=(2, 6, 7, 3)).astype(np.float32)
    right = backend.describe_block("norm_then_relu", (6, 7, 3), filters=5, probe=x)
    again = backend.describe_block("fused_relu", (6, 7, 3), filters=5, probe=x)
    wrong = backend.describe_block("relu_then_norm", (6, 7, 3), filters=5, probe=x)
    assert type(right["probe"]) is np.ndarray and right["probe"].shape == (2, 6, 7, 5)
    assert np.allclose(right["probe"], again["probe"], atol=1e-6)      # fresh random weights, same function
    assert right["params"] == wrong["params"]
    assert not np.allclose(right["probe"], wrong["probe"], atol=1e-2)


def test_describe_model_probes_the_built_model():
    import keras

    backend = InProcessBackend("import keras\nfrom keras import layers\n"
                               "def build(units=4):\n"
                               "    return keras.Sequential([keras.Input((3,)), layers.Dense(units, activation='relu')])\n")
    x = np.eye(3, dtype=np.float32)
    got = backend.describe_model("build", units=2, probe=x)
    reference = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="relu")])
    assert np.allclose(got["probe"], probe_outputs(reference, x), atol=1e-6)
    assert "probe" not in backend.describe_model("build")


def test_a_block_with_several_outputs_cannot_be_probed():
    backend = InProcessBackend(BLOCKS)
    with pytest.raises(StudentBadOutput, match="expected a Keras tensor"):
        backend.describe_block("two_outputs", (4, 4, 2), filters=3, probe=np.zeros((1, 4, 4, 2)))
