"""The operations that run on the student's side of the boundary.

Plain functions over the student's namespace (the globals their notebook
defined), so the in-process backend and the sandbox's worker run the same
code. :func:`perform` turns any failure into an *outcome* -- plain data that
the judge's side unwraps (:func:`grader.judge.backend.unwrap`):

    {"status": "ok", "result": ...}
    {"status": "raised", "function": name, "type_name", "mro_names", "message"}
    {"status": "missing" | "bad_output", "message": "..."}

:func:`serve` reads a request written by the judge, performs it and writes the
outcome; if the result is not data it writes a ``bad_output`` outcome instead.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from grader.judge import codec

KIT_PREFIX = "kit:"
CONFIG_KEYS = ("units", "activation", "filters", "kernel_size", "strides", "padding", "pool_size", "rate",
               "use_bias")


class _Failure(Exception):
    """A student-side failure that is not the student's own exception."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------- plumbing


def serve(namespace: dict, request_dir: str | os.PathLike, outcome_dir: str | os.PathLike, *,
          max_bytes: int = codec.DEFAULT_MAX_BYTES) -> None:
    """Read the request in ``request_dir``, perform it, write the outcome to ``outcome_dir``."""
    request = codec.load(request_dir, max_bytes=2**40)  # written by the judge: trusted size
    outcome = perform(namespace, request["op"], request["args"], request["kwargs"])
    outcome_dir = Path(outcome_dir)
    try:
        codec.dump(outcome, outcome_dir, max_bytes=max_bytes)
    except codec.CodecError as exc:
        for stale in outcome_dir.glob("*"):
            stale.unlink()
        codec.dump({"status": "bad_output", "message": f"{_function_of(request)} {exc}"}, outcome_dir)


def perform(namespace: dict, op: str, args: list, kwargs: dict) -> dict:
    """Run one operation; every failure becomes an outcome, never an exception."""
    operations: dict[str, Callable[..., Any]] = {
        "call": call, "describe_model": describe_model, "describe_block": describe_block,
        "train_predict": train_predict,
    }
    function = args[0] if args and isinstance(args[0], str) else op
    if op not in operations:
        return {"status": "bad_output", "message": f"unknown operation {op!r}"}
    try:
        return {"status": "ok", "result": operations[op](namespace, *args, **kwargs)}
    except _Failure as failure:
        return {"status": failure.status, "message": str(failure)}
    except BaseException as exc:  # the student's code may raise anything
        if isinstance(exc, KeyboardInterrupt):
            raise
        return {"status": "raised", "function": function, "type_name": type(exc).__name__,
                "mro_names": [cls.__name__ for cls in type(exc).__mro__], "message": _message(exc)}


def _function_of(request: dict) -> str:
    args = request.get("args") or []
    return args[0] if args and isinstance(args[0], str) else str(request.get("op"))


def _message(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except Exception:
        return "<unprintable message>"


def lookup(namespace: dict, name: str) -> Callable:
    """The student's top-level function ``name``."""
    function = namespace.get(name)
    if function is None or not callable(function) or isinstance(function, type):
        raise _Failure("missing", f"the notebook defines no function '{name}'")
    return function


# ---------------------------------------------------------------- operations


def call(namespace: dict, name: str, args: list, kwargs: dict) -> Any:
    """``name(*args, **kwargs)`` with the student's function."""
    return lookup(namespace, name)(*args, **kwargs)


def describe_model(namespace: dict, builder: str, *, probe=None, **kwargs: Any) -> dict:
    """Build the student's model and describe it as data (parameters, layers, compile settings).

    With ``probe`` (an input batch), the description also holds ``"probe"``: the model's
    outputs for it with weights fixed by :mod:`grader.judge.probe`, i.e. what it computes.
    """
    model = lookup(namespace, builder)(**kwargs)
    description = describe(model, builder)
    if probe is not None:
        description["probe"] = _probe(model, probe, builder)
    del model
    _free_models()
    return description


def _free_models() -> None:
    """Forget built models: a worker describes several large ones (VGG-16/19, ResNet-50) in turn."""
    import gc

    import keras

    keras.backend.clear_session()
    gc.collect()


def describe_block(namespace: dict, fn: str, input_shape: list, *, probe=None, **kwargs: Any) -> dict:
    """Apply the student's block ``fn(x, **kwargs)`` to ``keras.Input(input_shape)`` and describe it.

    ``probe``: as for :func:`describe_model`.
    """
    import keras

    function = lookup(namespace, fn)
    inputs = keras.Input(shape=tuple(input_shape))
    outputs = function(inputs, **kwargs)
    if not isinstance(outputs, keras.KerasTensor):
        raise _Failure("bad_output", f"{fn} returned {codec.type_label(outputs)}, expected a Keras tensor")
    model = keras.Model(inputs, outputs)
    description = describe(model, fn)
    if probe is not None:
        description["probe"] = _probe(model, probe, fn)
    del inputs, outputs, model
    _free_models()
    return description


def describe(model: Any, builder: str) -> dict:
    """The data that the judge may know about a Keras model."""
    import keras

    if not isinstance(model, keras.Model):
        raise _Failure("bad_output", f"{builder} returned {codec.type_label(model)}, expected a Keras model")
    if not model.built:
        raise _Failure("bad_output", f"{builder} returned a model that is not built; give it an input shape "
                                     "(keras.Input(shape=...) as its first layer)")
    compile_config = _compile_config(model)
    return {
        "params": int(model.count_params()),
        "trainable_params": int(sum(int(np.prod(w.shape)) for w in model.trainable_weights)),
        "input_shape": _shape(_first(model.inputs).shape if model.inputs else None),
        "output_shape": _shape(_first(model.outputs).shape if model.outputs else None),
        "compiled": compile_config is not None,
        "loss": _loss_name(model.loss) if compile_config is not None else None,
        "optimizer": _optimizer_name(model.optimizer) if compile_config is not None else None,
        "metrics": _metric_names(compile_config),
        "layers": [_describe_layer(layer) for layer in model.layers],
    }


def _probe(model, inputs, what: str):
    """The model's outputs for ``inputs`` with the probe's weights (see :mod:`grader.judge.probe`)."""
    from grader.judge.probe import probe_outputs

    try:
        return probe_outputs(model, inputs)
    except ValueError as exc:
        raise _Failure("bad_output", f"{what}: {exc}") from None


def _compile_config(model) -> dict | None:
    """The model's compile arguments; None when it was never compiled."""
    if not getattr(model, "compiled", False):
        return None
    try:
        return model.get_compile_config() or {}
    except Exception:  # a custom loss or metric that cannot be serialised
        return {}


def _describe_layer(layer) -> dict:
    config = layer.get_config()
    subset = {}
    for key in CONFIG_KEYS:
        if key in config:
            value = config[key]
            subset[key] = list(value) if isinstance(value, tuple) else value
    try:
        output_shape = _shape(layer.output.shape)
    except (AttributeError, ValueError):
        output_shape = None
    return {"class": type(layer).__name__, "name": layer.name, "output_shape": output_shape,
            "params": int(layer.count_params()) if layer.built else 0, "config": _plain(subset)}


def _first(tensors):
    return tensors[0] if isinstance(tensors, (list, tuple)) else tensors


def _shape(shape) -> list | None:
    if shape is None:
        return None
    return [None if d is None else int(d) for d in shape]


def _loss_name(loss) -> str | None:
    if loss is None:
        return None
    if isinstance(loss, str):
        return loss
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None)
    return str(name) if name else type(loss).__name__


def _optimizer_name(optimizer) -> str | None:
    if optimizer is None:
        return None
    return type(optimizer).__name__.lower()


def _metric_names(compile_config: dict | None) -> list[str]:
    if not compile_config:
        return []
    names = []
    metrics = compile_config.get("metrics") or []
    if isinstance(metrics, dict):
        metrics = list(metrics.values())
    for metric in metrics:
        if isinstance(metric, str):
            names.append(metric)
        elif isinstance(metric, dict):
            names.append(str(metric.get("config", {}).get("name") or metric.get("class_name")))
        else:
            names.append(str(getattr(metric, "name", None) or getattr(metric, "__name__", metric)))
    return names


def _plain(value: Any) -> Any:
    """Layer config values as codec data (nested dicts of serialised objects become their names)."""
    if isinstance(value, dict):
        if "class_name" in value:
            return str(value.get("config", {}).get("name") or value["class_name"])
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


# ---------------------------------------------------------------- training


def use_job_cores() -> None:
    """Size TensorFlow's thread pools to the job's CPU allowance (``TF_NUM_*_THREADS``, set by the sandbox).

    TensorFlow reads those variables when its runtime starts; this applies them through
    ``tf.config.threading`` too while that is still possible (a notebook that already trained
    started the runtime with them).
    """
    import tensorflow as tf

    for variable, setter in (("TF_NUM_INTRAOP_THREADS", tf.config.threading.set_intra_op_parallelism_threads),
                             ("TF_NUM_INTEROP_THREADS", tf.config.threading.set_inter_op_parallelism_threads)):
        value = os.environ.get(variable, "")
        if value.isdigit() and int(value) > 0:
            try:
                setter(int(value))
            except RuntimeError:  # the runtime has started, with these values
                pass


def epoch_batches(images, targets, *, batch_size: int, seed: int):
    """One epoch of shuffled batches as a ``tf.data`` pipeline: batches are gathered in parallel and
    prefetched while the model trains on the previous ones (as Keras does for arrays, with our seed)."""
    import tensorflow as tf

    count = int(np.shape(images)[0])
    order = tf.data.Dataset.range(count).shuffle(max(count, 1), seed=seed).batch(batch_size)
    arrays = tf.data.Dataset.from_tensors((images, targets)).repeat()
    return (tf.data.Dataset.zip((order, arrays))
            .map(lambda index, data: (tf.gather(data[0], index), tf.gather(data[1], index)),
                 num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE))


def fix_seeds(seed: int) -> None:
    """Python, numpy and Keras (TensorFlow) seeds, so a run is repeatable."""
    import keras

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)


def _budget_callback(deadline: float):
    import keras

    class StopAtBudget(keras.callbacks.Callback):
        """Stops training once the time budget is spent (checked after every batch)."""

        def on_train_batch_end(self, batch, logs=None):
            if time.monotonic() >= deadline:
                self.model.stop_training = True

    return StopAtBudget()


def train_predict(namespace: dict, builder: str, x_train, y_train, x_test, *, budget_seconds: float, epochs: int,
                  batch_size: int, seed: int = 0, builder_kwargs: dict | None = None, augment: str | None = None,
                  augment_kwargs: dict | None = None) -> dict:
    """Train the student's (or a kit) model within ``budget_seconds``; predict ``x_test``.

    Labels are one-hot encoded here; with ``augment``, the student's
    ``augment(images, rng, **augment_kwargs)`` makes each epoch's training images.
    Each epoch is a :func:`epoch_batches` pipeline, on the job's cores (:func:`use_job_cores`).
    """
    import keras

    use_job_cores()
    fix_seeds(seed)
    y_train = np.asarray(y_train)
    model = _build(namespace, builder, x_train, y_train, builder_kwargs or {})
    num_classes = int(model.outputs[0].shape[-1])
    if y_train.size and (int(y_train.min()) < 0 or int(y_train.max()) >= num_classes):
        raise _Failure("bad_output", f"{builder} has {num_classes} outputs, fewer than the classes to learn")
    targets = keras.utils.to_categorical(y_train, num_classes)
    if not getattr(model, "compiled", False):
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    started = time.monotonic()
    deadline = started + float(budget_seconds)
    history: dict[str, list[float]] = {}
    epochs_done = 0
    augmenter = lookup(namespace, augment) if augment else None
    rng = np.random.default_rng(seed)
    while epochs_done < epochs and time.monotonic() < deadline:
        images = x_train
        if augmenter is not None:
            images = np.asarray(augmenter(np.array(x_train, copy=True), rng, **(augment_kwargs or {})))
            if images.shape != np.shape(x_train):
                raise _Failure("bad_output", f"{augment} returned images of shape {list(images.shape)}, "
                                             f"expected {list(np.shape(x_train))}")
        batches = epoch_batches(images, targets, batch_size=batch_size, seed=seed + epochs_done)
        fitted = model.fit(batches, epochs=1, verbose=0, shuffle=False, callbacks=[_budget_callback(deadline)])
        for key, values in fitted.history.items():
            history.setdefault(key, []).extend(float(v) for v in values)
        epochs_done += 1
        if model.stop_training:
            break
    seconds = time.monotonic() - started
    probabilities = np.asarray(model.predict(x_test, batch_size=max(batch_size, 256), verbose=0), dtype=np.float32)
    return {"probabilities": probabilities, "history": history, "epochs_done": epochs_done,
            "seconds": float(seconds)}


def _build(namespace: dict, builder: str, x_train, y_train, builder_kwargs: dict):
    import keras

    if builder.startswith(KIT_PREFIX):
        from grader.judge import kit_models

        name = builder[len(KIT_PREFIX):]
        factory = kit_models.KIT_MODELS.get(name)
        if factory is None:
            raise _Failure("bad_output", f"unknown kit model {name!r}; known: {', '.join(kit_models.KIT_MODELS)}")
        kwargs = {"input_shape": tuple(np.shape(x_train)[1:]), "num_classes": int(np.max(y_train)) + 1}
        kwargs.update(builder_kwargs)
        return factory(**kwargs)
    model = lookup(namespace, builder)(**builder_kwargs)
    if not isinstance(model, keras.Model):
        raise _Failure("bad_output", f"{builder} returned {codec.type_label(model)}, expected a Keras model")
    return model
