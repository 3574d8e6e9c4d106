"""Mistake: flatten reads the values in column-major (Fortran) order instead of Keras's row-major order."""

import numpy as np


def flatten(x):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...), row-major like keras.layers.Flatten."""
    x = np.asarray(x)
    return x.reshape(x.shape[0], -1, order="F")
