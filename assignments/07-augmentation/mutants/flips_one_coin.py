"""random_augment tosses one coin for both flips: with horizontal_flip and vertical_flip on, an
image is flipped both ways or not at all. Each flip alone has probability 1/2; together they are
not independent."""

import numpy as np

correct_random_augment = random_augment


def random_augment(images, rng, rotation_range=0, width_shift_range=0.0, height_shift_range=0.0,
                   zoom_range=0.0, horizontal_flip=False, vertical_flip=False):
    rng = np.random.default_rng(rng)
    out = correct_random_augment(images, rng, rotation_range=rotation_range, width_shift_range=width_shift_range,
                                 height_shift_range=height_shift_range, zoom_range=zoom_range)
    for i in range(len(out)):
        if (horizontal_flip or vertical_flip) and rng.random() < 0.5:   # the mistake: one coin
            if horizontal_flip:
                out[i] = flip(out[i], horizontal=True)
            if vertical_flip:
                out[i] = flip(out[i], horizontal=False)
    return out
