"""Probing a Keras model: what it computes, with weights fixed by a rule both sides know.

A block with the right layers in the wrong order (batch normalisation after the
ReLU, the stride on the wrong convolution, an inception module's branches
concatenated in another order) has the same layers, output shape and parameter
count as the right one; only what it computes differs. To compare that, the
student's side gives every weight a value that depends only on the weight's
name (``kernel``, ``bias``, ``gamma``, ``moving_variance``...) and shape, runs
the model in inference mode on inputs the judge chose, and returns the outputs.
The judge builds its reference, gives it weights by the same rule and compares.
Two models with the same layers wired the same way then compute the same
function; one wired differently almost never does.

    description = student.describe_block("residual_block", (8, 8, 16), filters=16, probe=x)
    reference = probe_outputs(reference_model, x)
    np.allclose(description["probe"], reference, rtol=1e-4, atol=1e-4 * scale)
"""

from __future__ import annotations

import zlib

import numpy as np


def probe_value(name: str, shape: tuple[int, ...]) -> np.ndarray:
    """The value every model gives a weight called ``name`` (the last part of its path) of ``shape``.

    Kernels are drawn with He's scale (variance 2 / fan-in), so activations keep
    their size from layer to layer; batch-normalisation statistics stay near a
    plain normalisation, so a few blocks in a row neither vanish nor explode.
    """
    shape = tuple(int(d) for d in shape)
    rng = np.random.default_rng(zlib.crc32(f"{name}:{shape}".encode("utf-8")))
    if name == "kernel":
        fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        return rng.normal(0.0, np.sqrt(2.0 / max(fan_in, 1)), size=shape)
    if name in ("gamma", "moving_variance"):
        return rng.uniform(0.5, 1.5, size=shape)
    if name in ("beta", "moving_mean"):
        return rng.normal(0.0, 0.2, size=shape)
    return rng.normal(0.0, 0.1, size=shape)  # biases and anything else


def set_probe_weights(model) -> None:
    """Give every weight of ``model`` (nested layers included) its :func:`probe_value`."""
    for variable in model.weights:
        name = str(getattr(variable, "name", "") or "").split("/")[-1].split(":")[0]
        variable.assign(probe_value(name, tuple(variable.shape)).astype(variable.dtype))


def probe_outputs(model, inputs) -> np.ndarray:
    """``model(inputs)`` in inference mode after :func:`set_probe_weights`, as float64."""
    set_probe_weights(model)
    outputs = model(np.asarray(inputs, dtype=np.float32), training=False)
    if isinstance(outputs, (list, tuple)):
        raise ValueError("the model has several outputs; a probe compares one")
    return np.asarray(outputs, dtype=np.float64)
