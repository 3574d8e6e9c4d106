"""Mistake: one dropout mask is drawn for a single sample and shared by the whole batch, instead of one mask per sample."""

import numpy as np


def dropout(x, rate, training, seed=None):
    """Inverted dropout: drop with probability rate and rescale the kept values in training."""
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be in [0, 1), got {rate}")
    x = np.array(x, dtype=np.float64)
    if not training:
        return x
    keep = np.random.default_rng(seed).random(x.shape[1:]) >= rate  # broadcast over the batch
    return np.where(keep, x / (1 - rate), 0.0)
