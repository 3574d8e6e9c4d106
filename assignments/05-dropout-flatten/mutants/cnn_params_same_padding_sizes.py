"""Mistake: cnn_params assumes the 3x3 convolutions keep the 28x28 size (as with padding 'same'), so Flatten gives 14*14*64 values."""

import numpy as np


def cnn_params():
    """Total number of parameters of the lecture's CNN, layer by layer."""
    conv1 = (3 * 3 * 1 + 1) * 32
    conv2 = (3 * 3 * 32 + 1) * 64
    flat = 14 * 14 * 64  # 28 -> 28 -> 28 -> 14 (max pooling)
    dense1 = (flat + 1) * 128
    dense2 = (128 + 1) * 10
    return conv1 + conv2 + dense1 + dense2  # pooling, dropout and flatten add nothing
