"""Hidden checks for the CNN on MNIST: its layers (against a reference built here with Keras
layers), its compile settings, the dense network it is compared with, its accuracy on held-out
digits after training within the budget, and that it beats the kit's dense network trained on
the same budget."""

import numpy as np
import pytest

EXPECTED = [  # class, config that must match, output shape without the batch axis
    ("Conv2D", {"filters": 32, "kernel_size": (3, 3), "activation": "relu"}, (26, 26, 32)),
    ("Conv2D", {"filters": 64, "kernel_size": (3, 3), "activation": "relu"}, (24, 24, 64)),
    ("MaxPooling2D", {"pool_size": (2, 2)}, (12, 12, 64)),
    ("Dropout", {"rate": 0.25}, (12, 12, 64)),
    ("Flatten", {}, (9216,)),
    ("Dense", {"units": 128, "activation": "relu"}, (128,)),
    ("Dropout", {"rate": 0.5}, (128,)),
    ("Dense", {"units": 10, "activation": "softmax"}, (10,)),
]
LAYER_NAMES = ["Conv2D 32", "Conv2D 64", "MaxPooling2D", "Dropout 0.25", "Flatten", "Dense 128", "Dropout 0.5", "Dense 10"]


def dims(shape):
    shape = list(shape or [])
    while shape and shape[0] is None:
        shape = shape[1:]
    return tuple(shape)


def plain(value):
    return tuple(value) if isinstance(value, list) else value


def reference_cnn():
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"), layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2), layers.Dropout(0.25), layers.Flatten(),
        layers.Dense(128, activation="relu"), layers.Dropout(0.5), layers.Dense(10, activation="softmax"),
    ])


@pytest.mark.points(14)
def test_cnn_layers(student):
    got = student.describe_model("build_cnn")
    assert dims(got["input_shape"]) == (28, 28, 1), "build_cnn must take 28x28x1 images"
    layers = [layer for layer in got["layers"] if layer["class"] != "InputLayer"]
    classes = [layer["class"] for layer in layers]
    assert classes == [cls for cls, _, _ in EXPECTED], \
        "the layers must be Conv2D, Conv2D, MaxPooling2D, Dropout, Flatten, Dense, Dropout, Dense, in that order"
    for layer, (_, config, shape), name in zip(layers, EXPECTED, LAYER_NAMES):
        for key, want in config.items():
            have = plain(layer["config"].get(key))
            if isinstance(want, float):
                assert have is not None and abs(float(have) - want) < 1e-9, f"{name}: wrong {key}"
            else:
                assert have == want, f"{name}: wrong {key}"
        assert dims(layer["output_shape"]) == shape, f"{name}: wrong output shape"


@pytest.mark.points(8)
def test_cnn_parameter_count(student):
    import keras

    got = student.describe_model("build_cnn")
    assert got["params"] == reference_cnn().count_params(), "build_cnn's parameter count is not the 1,199,882 of the table's CNN"
    keras.backend.clear_session()


@pytest.mark.points(8)
def test_cnn_is_compiled(student):
    got = student.describe_model("build_cnn")
    assert got["compiled"], "build_cnn must return a compiled model"
    loss = str(got["loss"] or "").lower().replace("_", "")
    assert loss == "categoricalcrossentropy", "compile with the categorical cross-entropy loss (one-hot labels)"
    assert str(got["optimizer"] or "").lower() == "adam", "compile with the Adam optimizer"


@pytest.mark.points(6)
def test_dnn_for_the_comparison(student):
    got = student.describe_model("build_dnn")
    assert dims(got["input_shape"]) == (28, 28, 1), "build_dnn must take the same 28x28x1 images as the CNN"
    layers = [(layer["class"], layer["config"].get("units"), layer["config"].get("activation"))
              for layer in got["layers"] if layer["class"] != "InputLayer"]
    assert layers == [("Flatten", None, None), ("Dense", 512, "relu"), ("Dense", 10, "softmax")], \
        "build_dnn must be Flatten, Dense(512, relu), Dense(10, softmax)"
    assert got["compiled"] and str(got["optimizer"]).lower() == "adam" and \
        str(got["loss"] or "").lower().replace("_", "") == "categoricalcrossentropy", \
        "compile build_dnn like the CNN: categorical cross-entropy and Adam"


@pytest.mark.points(8)
def test_accuracy_function(student, rng):
    n, classes = int(rng.integers(20, 200)), int(rng.integers(2, 12))
    probabilities = rng.dirichlet(np.ones(classes), size=n)
    labels = rng.integers(0, classes, size=n)
    labels[: n // 2] = probabilities[: n // 2].argmax(axis=1)   # make the answer far from 1/classes
    got = student.accuracy(probabilities, labels)
    assert np.isscalar(got) or np.ndim(got) == 0, "accuracy must return one number"
    assert abs(float(got) - float(np.mean(probabilities.argmax(axis=1) == labels))) < 1e-9, \
        "accuracy differs from the fraction of rows whose arg-max equals the label"


# ---------------------------------------------------------------- training

_TRAINED = {}


def training_settings(assignment_config, test_mode):
    training = assignment_config.get("training", {})
    epochs = training.get("test_epochs" if test_mode else "epochs", 12)
    return int(epochs), int(training.get("batch_size", 128))


def trained(name, builder, student, splits, training_budget, assignment_config, test_mode):
    """Train once per judge run (the tier check and the comparison share the CNN's run)."""
    if name not in _TRAINED:
        data = splits("mnist")
        x_train = (data.x_train.astype("float32") / 255.0)[..., np.newaxis]
        x_public = (data.x_public.astype("float32") / 255.0)[..., np.newaxis]
        epochs, batch_size = training_settings(assignment_config, test_mode)
        try:
            result = student.train_predict(builder, x_train, data.y_train, x_public, budget_seconds=training_budget,
                                           epochs=epochs, batch_size=batch_size, seed=0)
            probabilities = np.asarray(result["probabilities"])
            if probabilities.shape != (len(data.y_public), 10):
                raise AssertionError(f"{builder}: the trained model must give 10 probabilities per test digit")
            accuracy = float(np.mean(probabilities.argmax(axis=1) == data.y_public))
            _TRAINED[name] = (accuracy, result, data.variant)
        except Exception as exc:  # StudentFailure or the assertion above: every check that needs it fails alike
            _TRAINED[name] = exc
    if isinstance(_TRAINED[name], Exception):
        raise _TRAINED[name]
    return _TRAINED[name]


@pytest.mark.points(20)
def test_cnn_accuracy_on_held_out_digits(student, splits, training_budget, assignment_config, test_mode,
                                         tier_credit, credit, confusion):
    accuracy, result, variant = trained("cnn", "build_cnn", student, splits, training_budget, assignment_config,
                                        test_mode)
    data = splits("mnist")  # for the student's feedback: the CNN's confusion matrix on the held-out digits
    confusion(data.y_public, np.asarray(result["probabilities"]).argmax(axis=1), data.class_names)
    fraction, _threshold = tier_credit(accuracy, variant)
    assert fraction > 0, (f"after training within the budget ({result['epochs_done']} epochs) the CNN's accuracy on "
                          f"held-out digits is {accuracy:.2%}, below every tier")
    credit(fraction, f"held-out accuracy {accuracy:.2%}: {fraction:.0%} of the points")


@pytest.mark.points(16)
def test_cnn_beats_dense_network(student, splits, training_budget, assignment_config, test_mode):
    cnn_accuracy, _, _ = trained("cnn", "build_cnn", student, splits, training_budget, assignment_config, test_mode)
    dnn_accuracy, _, _ = trained("dnn", "kit:small_dnn", student, splits, training_budget, assignment_config,
                                 test_mode)
    assert cnn_accuracy > dnn_accuracy, \
        "trained on the same budget, the CNN does not beat the kit's dense network on held-out digits"
