"""Mistake: flatten hard-codes 784 with reshape(-1, 784) and never checks the shape."""

import numpy as np


def normalize(images):
    return np.asarray(images, dtype=np.float64) / 255.0


def flatten(images):
    return np.reshape(images, (-1, 784))


def one_hot(labels, num_classes=10):
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError("one_hot expects 1-D labels")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError("label out of range")
    encoded = np.zeros((labels.shape[0], num_classes))
    encoded[np.arange(labels.shape[0]), labels] = 1.0
    return encoded
