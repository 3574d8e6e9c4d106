"""Hidden checks for AlexNet, VGG and ResNet-50: compared layer by layer with references built here
(keras.applications with weights=None, or the paper's table in Keras layers); ResNet-50's blocks
are probed in test_1_blocks.py. The cheap checks come first (AlexNet, VGG A-C on small images),
ResNet-50 next, VGG-16 and VGG-19 at 224x224 last: a mutant's run stops at its first lost check."""

import numpy as np
import pytest

WEIGHTED = ("Conv2D", "MaxPooling2D", "Flatten", "Dense")   # Dropout/Activation/InputLayer are free to vary


def dims(shape):
    """An output shape without the batch dimension, as a tuple."""
    shape = list(shape)
    while shape and shape[0] is None:
        shape = shape[1:]
    return tuple(shape)


def backbone(layers):
    """(class, output shape, params) of the layers that define the architecture."""
    return [(layer["class"], dims(layer["output_shape"]), int(layer["params"])) for layer in layers
            if layer["class"] in WEIGHTED]


def reference_backbone(model):
    return [(type(layer).__name__, dims(layer.output.shape), int(layer.count_params())) for layer in model.layers
            if type(layer).__name__ in WEIGHTED]


VGG_TABLE = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "C": [64, 64, "M", 128, 128, "M", 256, 256, "1x1:256", "M", 512, 512, "1x1:512", "M", 512, 512, "1x1:512", "M"],
}


def reference_vgg(config, input_shape, num_classes):
    import keras
    from keras import layers

    model = keras.Sequential([keras.Input(shape=input_shape)])
    for item in VGG_TABLE[config]:
        if item == "M":
            model.add(layers.MaxPooling2D(2, strides=2))
        elif isinstance(item, str):
            model.add(layers.Conv2D(int(item.split(":")[1]), 1, padding="same", activation="relu"))
        else:
            model.add(layers.Conv2D(item, 3, padding="same", activation="relu"))
    model.add(layers.Flatten())
    model.add(layers.Dense(4096, activation="relu"))
    model.add(layers.Dense(4096, activation="relu"))
    model.add(layers.Dense(num_classes, activation="softmax"))
    return model


def compare_with_reference(got, reference, what):
    want = reference_backbone(reference)
    have = backbone(got["layers"])
    assert [c for c, _, _ in have] == [c for c, _, _ in want], \
        f"{what}: the sequence of Conv2D / MaxPooling2D / Flatten / Dense layers is not the reference's"
    for index, ((_, shape, params), (_, want_shape, want_params)) in enumerate(zip(have, want)):
        assert shape == want_shape, f"{what}: layer {index + 1} of the backbone has the wrong output shape"
        assert params == want_params, f"{what}: layer {index + 1} of the backbone has the wrong number of parameters"
    assert got["params"] == reference.count_params(), f"{what}: the total parameter count differs from the reference"
    convs = [layer for layer in got["layers"] if layer["class"] == "Conv2D"]
    assert all(layer["config"].get("activation") == "relu" for layer in convs), f"{what}: every convolution needs ReLU"
    dense = [layer for layer in got["layers"] if layer["class"] == "Dense"]
    assert all(layer["config"].get("activation") == "relu" for layer in dense[:-1]), \
        f"{what}: the hidden dense layers need ReLU"
    assert got["layers"][-1]["config"].get("activation") == "softmax", f"{what}: the last layer must be a softmax"


def reference_alexnet(input_shape, num_classes):
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(96, 11, strides=4, activation="relu"), layers.MaxPooling2D(3, strides=2),
        layers.Conv2D(256, 5, padding="same", activation="relu"), layers.MaxPooling2D(3, strides=2),
        layers.Conv2D(384, 3, padding="same", activation="relu"),
        layers.Conv2D(384, 3, padding="same", activation="relu"),
        layers.Conv2D(256, 3, padding="same", activation="relu"), layers.MaxPooling2D(3, strides=2),
        layers.Flatten(),
        layers.Dense(4096, activation="relu"), layers.Dense(4096, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ])


@pytest.mark.points(7)
def test_alexnet_layers(student, rng):
    import keras

    num_classes = int(rng.integers(2, 1001))
    got = student.describe_model("build_alexnet", num_classes=num_classes)
    compare_with_reference(got, reference_alexnet((227, 227, 3), num_classes), "build_alexnet")
    keras.backend.clear_session()


@pytest.mark.points(4)
def test_alexnet_pooling_overlaps(student):
    got = student.describe_model("build_alexnet")
    pools = [layer for layer in got["layers"] if layer["class"] == "MaxPooling2D"]
    assert len(pools) == 3, "AlexNet has three max-pooling layers"
    for pool in pools:
        size = tuple(np.ravel(pool["config"].get("pool_size")).tolist())
        strides = tuple(np.ravel(pool["config"].get("strides")).tolist())
        assert size == (3, 3) and strides == (2, 2), \
            "AlexNet's pooling overlaps: each window is larger than its stride (3x3 windows, stride 2)"


@pytest.mark.points(2)
def test_alexnet_dense_dropout(student):
    got = student.describe_model("build_alexnet")
    names = [layer["class"] for layer in got["layers"]]
    dropouts = [layer for layer in got["layers"] if layer["class"] == "Dropout"]
    assert len(dropouts) == 2 and all(abs(float(d["config"].get("rate", 0)) - 0.5) < 1e-9 for d in dropouts), \
        "AlexNet has dropout (rate 0.5) after each of its two 4096-unit dense layers"
    first_dropout = names.index("Dropout")
    assert names[:first_dropout].count("Dense") == 1, "the first Dropout belongs right after the first dense layer"


@pytest.mark.points(3)
@pytest.mark.parametrize("config", ["A", "B", "C"])
def test_vgg_configurations_a_b_c(student, rng, config):
    import keras

    side = int(rng.choice([32, 64]))
    num_classes = int(rng.integers(2, 20))
    got = student.describe_model("build_vgg", config=config, input_shape=(side, side, 3), num_classes=num_classes)
    compare_with_reference(got, reference_vgg(config, (side, side, 3), num_classes),
                           f"build_vgg('{config}') on {side}x{side} images with {num_classes} classes")
    keras.backend.clear_session()


@pytest.mark.points(5)
def test_resnet50_matches_keras_applications(student):
    import keras

    got = student.describe_model("build_resnet50")
    reference = keras.applications.ResNet50(weights=None)
    assert dims(got["output_shape"]) == (1000,), "ResNet-50 must end with 1000 class probabilities"
    assert got["params"] == reference.count_params(), "ResNet-50's parameter count differs from keras.applications.ResNet50"
    classes = [layer["class"] for layer in got["layers"]]
    assert classes.count("Add") == 16, "ResNet-50 has 16 bottleneck blocks, each ending in an addition"
    assert classes.count("Conv2D") == 53, "ResNet-50 has 49 convolutions in its blocks and stem plus 4 projections"
    # the blocks' output shapes say where each stage halves the feature maps: 56, 28, 14 and 7 pixels across
    blocks = sorted(dims(layer["output_shape"]) for layer in got["layers"] if layer["class"] == "Add")
    want = sorted(dims(layer.output.shape) for layer in reference.layers if type(layer).__name__ == "Add")
    assert blocks == want, ("ResNet-50's blocks give feature maps of the wrong sizes: conv2_x keeps 56x56, "
                            "conv3_x, conv4_x and conv5_x each halve them with the stride of their first block")
    assert got["layers"][-1]["config"].get("activation") == "softmax", "ResNet-50 ends with a softmax dense layer"
    keras.backend.clear_session()


@pytest.mark.points(9)
def test_vgg16_is_configuration_d(student):
    import keras

    got = student.describe_model("build_vgg", config="D")
    compare_with_reference(got, keras.applications.VGG16(weights=None), "build_vgg('D')")
    keras.backend.clear_session()


@pytest.mark.points(7)
def test_vgg19_is_configuration_e(student):
    import keras

    got = student.describe_model("build_vgg", config="E")
    compare_with_reference(got, keras.applications.VGG19(weights=None), "build_vgg('E')")
    keras.backend.clear_session()
