"""random_augment draws one set of random parameters and applies it to every image of the batch,
so a batch of copies stays a batch of copies (ImageDataGenerator draws them per image)."""

import numpy as np
from scipy import ndimage


def random_augment(images, rng, rotation_range=0, width_shift_range=0.0, height_shift_range=0.0,
                   zoom_range=0.0, horizontal_flip=False, vertical_flip=False):
    rng = np.random.default_rng(rng)
    images = np.asarray(images, dtype=np.float64)
    height, width = images.shape[1:3]
    out = np.empty(images.shape, dtype=np.float32)
    angle = rng.uniform(-rotation_range, rotation_range)
    dx = rng.uniform(-width_shift_range, width_shift_range) * width
    dy = rng.uniform(-height_shift_range, height_shift_range) * height
    factor = rng.uniform(1 - zoom_range, 1 + zoom_range)
    flip_h, flip_v = rng.random() < 0.5, rng.random() < 0.5
    for i, image in enumerate(images):          # the mistake: one draw for the whole batch
        if rotation_range:
            image = rotate(image, angle)
        if width_shift_range or height_shift_range:
            image = shift(image, dx, dy)
        if zoom_range:
            image = zoom(image, factor)
        if horizontal_flip and flip_h:
            image = flip(image, horizontal=True)
        if vertical_flip and flip_v:
            image = flip(image, horizontal=False)
        out[i] = image
    return out
