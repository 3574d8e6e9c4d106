"""InProcessBackend and the student-side operations: everything comes back as plain data."""

import numpy as np
import pytest

from grader.judge import InProcessBackend, StudentBadOutput, StudentMissing, StudentRaised
from grader.judge import backend as backend_module
from grader.judge import ops

MODEL = """
import keras
from keras import layers

def build_dnn(hidden=512):
    model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(hidden, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model

def build_unbuilt():
    return keras.Sequential([layers.Dense(3)])

def not_a_model():
    return [1, 2]

def block(x, filters):
    return layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
"""


def test_each_cell_runs_even_after_one_fails():
    backend = InProcessBackend("print('first')\n# %%\nraise RuntimeError('stub')\n# %%\ndef later():\n    return 5\n")
    assert backend.call("later") == 5
    assert [(e["cell"], e["type_name"], e["message"]) for e in backend.cell_errors] == [(2, "RuntimeError", "stub")]
    assert backend.output.getvalue() == "first\n"


def test_system_exit_in_a_cell_does_not_stop_the_grader():
    backend = InProcessBackend("import sys\nsys.exit(3)\n# %%\ndef f():\n    return 1\n")
    assert backend.call("f") == 1 and backend.cell_errors[0]["type_name"] == "SystemExit"


def test_results_are_plain_data_not_the_students_objects():
    backend = InProcessBackend("import numpy as np\nclass Sub(np.ndarray):\n    pass\n"
                               "def sub():\n    return np.zeros(2).view(Sub)\n"
                               "def arr():\n    return np.arange(3)\n")
    got = backend.call("arr")
    assert type(got) is np.ndarray and list(got) == [0, 1, 2]
    with pytest.raises(StudentBadOutput, match="returned Sub, expected data"):
        backend.call("sub")


def test_exceptions_and_missing_names():
    backend = InProcessBackend("class MyError(ValueError):\n    pass\n"
                               "def f():\n    raise MyError('custom')\nvalue = 3\n")
    with pytest.raises(StudentRaised) as err:
        backend.call("f")
    assert err.value.type_name == "MyError" and err.value.is_a("ValueError") and not err.value.is_a("KeyError")
    assert str(err.value) == "f raised MyError: custom"
    with pytest.raises(StudentMissing, match="the notebook defines no function 'value'"):
        backend.call("value")
    with pytest.raises(StudentMissing, match="the notebook defines no function 'MyError'"):
        backend.call("MyError")


def test_too_much_output_is_a_bad_output():
    backend = InProcessBackend("import numpy as np\ndef big():\n    return np.zeros(2**20)\n", max_bytes=2**20)
    with pytest.raises(StudentBadOutput, match="big returned more than 1 MiB"):
        backend.call("big")


def test_printing_during_a_call_is_captured():
    backend = InProcessBackend("def loud():\n    print('noise')\n    return 1\n")
    assert backend.call("loud") == 1 and "noise" in backend.output.getvalue()


def test_describe_model_and_block():
    backend = InProcessBackend(MODEL)
    described = backend.describe_model("build_dnn")
    assert described["params"] == 407_050 and described["trainable_params"] == 407_050
    assert described["input_shape"] == [None, 784] and described["output_shape"] == [None, 10]
    assert described["compiled"] and described["loss"] == "categorical_crossentropy"
    assert described["optimizer"] == "adam" and described["metrics"] == ["accuracy"]
    assert [(l["class"], l["config"]["units"], l["config"]["activation"], l["params"]) for l in described["layers"]] == \
        [("Dense", 512, "relu", 401_920), ("Dense", 10, "softmax", 5_130)]
    assert backend.describe_model("build_dnn", hidden=16)["params"] == 784 * 16 + 16 + 16 * 10 + 10
    block = backend.describe_block("block", (8, 8, 3), filters=4)
    assert block["output_shape"] == [None, 8, 8, 4] and block["params"] == 3 * 3 * 3 * 4 + 4
    conv = [l for l in block["layers"] if l["class"] == "Conv2D"][0]
    assert conv["config"]["kernel_size"] == [3, 3] and conv["config"]["padding"] == "same"
    with pytest.raises(StudentBadOutput, match="not built"):
        backend.describe_model("build_unbuilt")
    with pytest.raises(StudentBadOutput, match="not_a_model returned list, expected a Keras model"):
        backend.describe_model("not_a_model")


@pytest.mark.slow
def test_train_predict_within_budget_and_repeatable():
    backend = InProcessBackend(MODEL + "\ndef flip(images, rng, p=0.5):\n    return images[:, ::-1].copy()\n")
    rng = np.random.default_rng(0)
    x, y = rng.random((256, 784), dtype=np.float32), rng.integers(0, 10, 256)
    kwargs = dict(budget_seconds=30, epochs=2, batch_size=64, seed=3, builder_kwargs={"hidden": 8})
    first = backend.train_predict("build_dnn", x, y, x[:7], **kwargs)
    second = backend.train_predict("build_dnn", x, y, x[:7], **kwargs)
    assert first["probabilities"].shape == (7, 10) and first["epochs_done"] == 2
    assert set(first["history"]) >= {"loss", "accuracy"} and len(first["history"]["loss"]) == 2
    assert np.allclose(first["probabilities"], second["probabilities"], atol=1e-5)
    stopped = backend.train_predict("build_dnn", x, y, x[:3], budget_seconds=0.0, epochs=50, batch_size=64)
    assert stopped["epochs_done"] == 0 and stopped["probabilities"].shape == (3, 10)
    augmented = backend.train_predict("build_dnn", x, y, x[:3], augment="flip", augment_kwargs={"p": 1.0}, **kwargs)
    assert augmented["epochs_done"] == 2
    images = rng.integers(0, 256, (64, 12, 12), dtype=np.uint8)
    kit = backend.train_predict("kit:small_cnn", images, rng.integers(0, 3, 64), images[:5], budget_seconds=30,
                                epochs=1, batch_size=32)
    assert kit["probabilities"].shape == (5, 3)


def test_the_sandbox_protocol_round_trip(tmp_path):
    """What a sandbox backend does: write a request, serve it elsewhere, read the outcome."""
    namespace = {}
    exec("def add(a, b):\n    return a + b\n", namespace)
    backend_module.write_request(tmp_path / "in", "call", ["add", [np.arange(3), 1], {}], {})
    ops.serve(namespace, tmp_path / "in", tmp_path / "out")
    assert list(backend_module.read_outcome(tmp_path / "out")) == [1, 2, 3]
    (tmp_path / "out" / "payload.json").write_text('{"status": "ok", "result": {"__pickle__": "x"}}')
    with pytest.raises(StudentBadOutput, match="cannot be read"):
        backend_module.read_outcome(tmp_path / "out")


def test_a_backend_without_its_request_method_cannot_be_made():
    """The backends' bases are abstract: a backend that forgot how to serve a request fails at once."""
    from grader.judge.backend import Operations
    from grader.sandbox.backend import FolderBackend

    with pytest.raises(TypeError, match="_run"):
        Operations()
    with pytest.raises(TypeError, match="_serve"):
        FolderBackend("/nonexistent", max_bytes=1, call_seconds=1, grace_seconds=1)
