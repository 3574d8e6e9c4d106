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
