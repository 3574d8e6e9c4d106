"""Hidden checks of assignment 2: the dense network's structure, parameters and training.

The model is described (not returned) by the student's side; the training check
trains ``build_dnn()`` there on the training split within the budget and scores
the predictions here, on held-out digits whose labels never leave the judge.
"""

import numpy as np
import pytest


def dense_layers(description):
    return [layer for layer in description["layers"] if layer["class"] == "Dense"]


@pytest.mark.points(10)
def test_count_dense_params(student, rng):
    for _ in range(5):
        inputs, units = int(rng.integers(1, 5000)), int(rng.integers(1, 5000))
        got = student.count_dense_params(inputs, units)
        assert isinstance(got, int) and not isinstance(got, bool), "count_dense_params must return an int"
        assert got == inputs * units + units, "count_dense_params must count one weight per input per unit plus one bias per unit"


@pytest.mark.points(10)
def test_dnn_parameter_count(student):
    description = student.describe_model("build_dnn")
    assert description["params"] == 784 * 512 + 512 + 512 * 10 + 10, \
        "build_dnn's model must have 407,050 parameters (784 -> 512 -> 10, with biases)"


@pytest.mark.points(10)
def test_dnn_layers(student):
    dense = dense_layers(student.describe_model("build_dnn"))
    assert len(dense) == 2, "build_dnn must have exactly two Dense layers (hidden and output)"
    hidden, output = dense
    assert hidden["config"].get("units") == 512, "the hidden Dense layer must have 512 units"
    assert hidden["config"].get("activation") == "relu", "the hidden Dense layer must use ReLU"
    assert output["config"].get("units") == 10, "the output Dense layer must have 10 units, one per digit"
    assert output["config"].get("activation") == "softmax", "the output layer must use softmax"


@pytest.mark.points(5)
def test_dnn_input(student):
    description = student.describe_model("build_dnn")
    assert description["input_shape"] == [None, 784], "build_dnn's input must be a vector of 784 values"
    assert description["output_shape"] == [None, 10], "build_dnn's output must be 10 probabilities"


@pytest.mark.points(5)
def test_dnn_loss(student):
    description = student.describe_model("build_dnn")
    assert description["compiled"], "build_dnn must return a compiled model (call model.compile)"
    assert description["loss"] == "categorical_crossentropy", \
        "compile with the categorical cross-entropy loss (the labels are one-hot encoded)"


@pytest.mark.points(5)
def test_dnn_optimizer(student):
    description = student.describe_model("build_dnn")
    assert description["compiled"], "build_dnn must return a compiled model (call model.compile)"
    assert description["optimizer"] == "adam", "compile with the Adam optimizer"


def prepare(images):
    return (images.reshape(len(images), -1) / 255.0).astype(np.float32)


@pytest.mark.points(25)
def test_dnn_training(student, splits, training_budget, assignment_config, tier_credit, credit, confusion):
    data = splits("mnist")
    x_test = np.concatenate([data.x_public, data.x_private])
    y_test = np.concatenate([data.y_public, data.y_private])
    training = assignment_config["training"]
    result = student.train_predict(
        "build_dnn", prepare(data.x_train), data.y_train, prepare(x_test),
        budget_seconds=training_budget, epochs=int(training["epochs"]), batch_size=int(training["batch_size"]), seed=0,
    )
    probabilities = np.asarray(result["probabilities"])
    assert probabilities.shape == (len(y_test), 10), "build_dnn's model must output 10 probabilities per image"
    confusion(y_test, probabilities.argmax(axis=1), data.class_names)  # for the student's feedback
    accuracy = float(np.mean(probabilities.argmax(axis=1) == y_test))
    fraction, threshold = tier_credit(accuracy, data.variant)
    assert fraction > 0, f"held-out accuracy {accuracy:.2%} after {result['epochs_done']} epochs is below every tier"
    credit(fraction, f"held-out accuracy {accuracy:.2%} (tier {threshold:.2%}: {fraction:.0%} of the points)")
