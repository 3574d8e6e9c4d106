"""Mistake: inverted dropout in training, but the outputs are also scaled at inference (multiplied by 1 - rate), as in the original, non-inverted dropout."""

import numpy as np


def dropout(x, rate, training, seed=None):
    """Inverted dropout: drop with probability rate and rescale the kept values in training."""
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be in [0, 1), got {rate}")
    x = np.array(x, dtype=np.float64)
    if not training:
        return x * (1 - rate)
    keep = np.random.default_rng(seed).random(x.shape) >= rate
    return np.where(keep, x / (1 - rate), 0.0)
