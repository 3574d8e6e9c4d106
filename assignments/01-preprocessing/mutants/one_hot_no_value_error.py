"""Mistake: one_hot never validates its input: negative labels wrap around and too-large ones raise IndexError."""

import numpy as np


def normalize(images):
    return np.asarray(images, dtype=np.float64) / 255.0


def flatten(images):
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError("flatten expects (n, height, width)")
    return images.reshape(images.shape[0], -1)


def one_hot(labels, num_classes=10):
    return np.eye(num_classes)[np.asarray(labels)]
