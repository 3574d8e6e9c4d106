"""random_augment draws one number for both shifts (dx = u * w * width, dy = u * h * height), so
an image only ever moves along the diagonal: each shift alone is uniform, together they are not
independent."""

import numpy as np

correct_random_augment = random_augment


def random_augment(images, rng, rotation_range=0, width_shift_range=0.0, height_shift_range=0.0,
                   zoom_range=0.0, horizontal_flip=False, vertical_flip=False):
    rng = np.random.default_rng(rng)
    out = correct_random_augment(images, rng, rotation_range=rotation_range, zoom_range=zoom_range,
                                 horizontal_flip=horizontal_flip, vertical_flip=vertical_flip)
    height, width = out.shape[1:3]
    for i in range(len(out)):
        if width_shift_range or height_shift_range:
            u = rng.uniform(-1, 1)                       # the mistake: one draw for dx and dy
            out[i] = shift(out[i], u * width_shift_range * width, u * height_shift_range * height)
    return out
