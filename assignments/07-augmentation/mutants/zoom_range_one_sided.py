"""random_augment draws the zoom factor from [1, 1 + zoom_range] instead of [1 - zoom_range, 1 + zoom_range]:
it only ever zooms out."""

import numpy as np
from scipy import ndimage


def random_augment(images, rng, rotation_range=0, width_shift_range=0.0, height_shift_range=0.0,
                   zoom_range=0.0, horizontal_flip=False, vertical_flip=False):
    rng = np.random.default_rng(rng)
    images = np.asarray(images, dtype=np.float64)
    height, width = images.shape[1:3]
    out = np.empty(images.shape, dtype=np.float32)
    for i, image in enumerate(images):
        if rotation_range:
            image = rotate(image, rng.uniform(-rotation_range, rotation_range))
        if width_shift_range or height_shift_range:
            dx = rng.uniform(-width_shift_range, width_shift_range) * width
            dy = rng.uniform(-height_shift_range, height_shift_range) * height
            image = shift(image, dx, dy)
        if zoom_range:
            image = zoom(image, rng.uniform(1, 1 + zoom_range))
        if horizontal_flip and rng.random() < 0.5:
            image = flip(image, horizontal=True)
        if vertical_flip and rng.random() < 0.5:
            image = flip(image, horizontal=False)
        out[i] = image
    return out
