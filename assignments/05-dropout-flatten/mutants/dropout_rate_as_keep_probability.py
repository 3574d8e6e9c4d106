"""Mistake: rate is read as the probability of keeping a unit (TensorFlow 1's keep_prob), so units are dropped with probability 1 - rate."""

import numpy as np


def dropout(x, rate, training, seed=None):
    """Inverted dropout: drop with probability rate and rescale the kept values in training."""
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be in [0, 1), got {rate}")
    x = np.array(x, dtype=np.float64)
    if not training:
        return x
    keep = np.random.default_rng(seed).random(x.shape) < rate
    return np.where(keep, x / rate, 0.0)


def flatten(x):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...), row-major like keras.layers.Flatten."""
    x = np.asarray(x)
    return x.reshape(x.shape[0], -1)


def cnn_params():
    """Total number of parameters of the lecture's CNN, layer by layer."""
    conv1 = (3 * 3 * 1 + 1) * 32
    conv2 = (3 * 3 * 32 + 1) * 64
    flat = 12 * 12 * 64  # 28 -> 26 -> 24 (valid 3x3 convolutions) -> 12 (max pooling)
    dense1 = (flat + 1) * 128
    dense2 = (128 + 1) * 10
    return conv1 + conv2 + dense1 + dense2  # pooling, dropout and flatten add nothing
