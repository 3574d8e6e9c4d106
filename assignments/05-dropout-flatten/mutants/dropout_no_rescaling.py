"""Mistake: plain dropout: the kept values are not divided by 1 - rate in training, so the layer's outputs shrink on average."""

import numpy as np


def dropout(x, rate, training, seed=None):
    """Inverted dropout: drop with probability rate and rescale the kept values in training."""
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be in [0, 1), got {rate}")
    x = np.array(x, dtype=np.float64)
    if not training:
        return x
    keep = np.random.default_rng(seed).random(x.shape) >= rate
    return np.where(keep, x, 0.0)
